"""Where tod keeps what it builds for itself: converted encoders, synthetic NLU models, embeddings."""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """``$TOD_CACHE``, else ``~/.cache/tod``."""
    explicit = os.environ.get("TOD_CACHE")
    return Path(explicit).expanduser() if explicit else Path.home() / ".cache" / "tod"
