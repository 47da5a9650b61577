"""Writing a small text file so that a reader sees the old file or the new one, never a part."""

from __future__ import annotations

import os
from pathlib import Path


def write_text_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to a scratch file beside ``path`` and rename it into place."""
    path = Path(path)
    scratch = path.with_name(f".{path.name}.tmp")
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, path)
