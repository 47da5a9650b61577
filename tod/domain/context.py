"""What every pipeline component is built with: the domain, its database, a seed and a cache folder.

Components are built by ``cls.from_config(context, **params)``, where ``params`` are the
component's entry in a pipeline YAML file. ``from_config`` declares every parameter as a
keyword-only argument with a type annotation and a default, so the pipeline configuration can be
checked against the signature before anything is built (an unknown parameter or a value of the
wrong type is a :class:`~tod.errors.ConfigError` listing what is accepted).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from tod.cache import default_cache_dir
from tod.domain.database import Database
from tod.domain.ontology import Domain


@dataclass(frozen=True)
class BuildContext:
    """Shared, read-only resources of one pipeline: loaded once, handed to every component."""

    domain: Domain
    database: Database
    seed: int = 0
    cache_dir: Path = field(default_factory=default_cache_dir)
    #: whether building may show progress bars (training a model on first use)
    progress: bool = True

    @property
    def language(self) -> str:
        return self.domain.language

    @classmethod
    def open(
        cls,
        domain: str | os.PathLike[str],
        data_dir: str | os.PathLike[str] | None = None,
        seed: int = 0,
        cache_dir: str | os.PathLike[str] | None = None,
        progress: bool = True,
    ) -> BuildContext:
        """Load ``domain`` (a name under ``domains/`` or a path) and its databases."""
        from tod.domain.loader import load_domain

        loaded = load_domain(domain, data_dir)
        return cls(
            loaded, Database(loaded), seed, Path(cache_dir) if cache_dir is not None else default_cache_dir(), progress
        )
