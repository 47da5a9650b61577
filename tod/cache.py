"""Where tod keeps what it builds for itself (converted encoders, synthetic NLU models, embeddings), and
how a thing trained on first use is found again.

A :class:`Recipe` is a frozen dataclass of everything a cached thing is made from; its :meth:`~Recipe.key`
hashes the recipe's fields, tod's version, the recipe's ``data_version`` (bumped when tod's code makes
different training data from the same fields) and the content of the files it is built from, so a
changed field, file or data version builds again and anything else finds the cached one.
:func:`build_once` loads the thing from its directory under the cache or, when there is none (or a
damaged one), builds and saves it under a lock, so that processes sharing the cache build it once.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterable, Mapping, TypeVar

from tod import __version__
from tod.errors import ModelDirError
from tod.files import file_lock

T = TypeVar("T")


def default_cache_dir() -> Path:
    """``$TOD_CACHE``, else ``~/.cache/tod``."""
    explicit = os.environ.get("TOD_CACHE")
    return Path(explicit).expanduser() if explicit else Path.home() / ".cache" / "tod"


def content_key(payload: Mapping[str, Any], files: Iterable[tuple[str, Path]] = ()) -> str:
    """16 hex digits of the SHA-256 of ``payload`` (as JSON with sorted keys) followed by, for each
    ``(name, path)`` of ``files`` in order, the name and the SHA-256 of the file's bytes."""
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode())
    for name, path in files:
        digest.update(name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Recipe:
    """How a cached thing is made: subclasses are frozen dataclasses whose fields are the choices."""

    #: The version of the code that makes the thing's training data from the fields: bump it when a change
    #: to tod makes different data (or a different thing) from the same recipe, so caches build again.
    data_version: ClassVar[int]

    def fields(self) -> dict[str, Any]:
        """The fields that make the thing, as the key hashes them: all of them, unless a subclass leaves
        some out (where a file is read from is not what is built from it)."""
        return asdict(self)

    def key(self, files: Iterable[tuple[str, Path]] = (), **context: Any) -> str:
        """The content key of this recipe applied to ``files`` (``(name, path)`` pairs) and ``context``
        (further JSON values the thing depends on, such as a pipeline's components)."""
        payload = {"recipe": self.fields(), "tod": __version__, "data": self.data_version, **context}
        return content_key(payload, files)

    def record(self, key: str) -> dict[str, Any]:
        """The recipe and its key, as a model's metadata records them."""
        return {**self.fields(), "cache_key": key}


def build_once(
    path: Path,
    *,
    load: Callable[[Path], T],
    build: Callable[[], T],
    save: Callable[[T, Path], Any],
    what: str,
    log: Callable[[str], None],
) -> T:
    """The thing cached at ``path``; when there is none, or ``load`` refuses it (``ModelDirError``: an
    interrupted or damaged directory, said to ``log``), ``build`` makes it and ``save`` writes it there
    (atomically), under a lock beside ``path``: a process that waited for another one's build loads
    that instead of building again. ``what`` names the thing in messages ("NLU")."""
    cached = _load(path, load, what, log)
    if cached is not None:
        return cached
    with file_lock(path.parent / f".{path.name}.lock"):
        cached = _load(path, load, what, None)  # built by another process meanwhile?
        if cached is not None:
            return cached
        built = build()
        save(built, path)
    log(f"{what} saved to {path}")
    return built


def _load(path: Path, load: Callable[[Path], T], what: str, log: Callable[[str], None] | None) -> T | None:
    if not path.exists():
        return None
    try:
        return load(path)
    except ModelDirError as error:
        if log is not None:
            log(f"cached {what} at {path} is unusable ({error}); training a new one")
        return None
