"""Files written so that a reader sees the old version or the new one, never a part.

A small text file is written to a scratch file beside it and renamed into place. A model directory is
written into a temporary sibling directory, every file is flushed to disk, a
``manifest.json`` with the size and SHA-256 of each file is written last, and only then is the
directory renamed into place. A crash at any point leaves either the old model or the new one,
never a directory that half-loads; :func:`verify` refuses a directory whose manifest is missing
or whose files do not match it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from tod.errors import ModelDirError

MANIFEST = "manifest.json"
FORMAT = "tod-model"


def write_text_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to a scratch file beside ``path`` and rename it into place."""
    path = Path(path)
    scratch = path.with_name(f".{path.name}.tmp")
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())


@contextmanager
def atomic_directory(target: str | Path, kind: str) -> Iterator[Path]:
    """Yield a scratch directory; on success it replaces ``target`` atomically.

    ``kind`` (e.g. ``"jointbert"``) is recorded in the manifest and checked by :func:`verify`.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise ModelDirError(f"{target} exists and is not a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield scratch
        files = {
            str(p.relative_to(scratch)): {"bytes": p.stat().st_size, "sha256": _sha256(p)}
            for p in sorted(scratch.rglob("*"))
            if p.is_file()
        }
        manifest = {"format": FORMAT, "kind": kind, "files": files}
        (scratch / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        _fsync_tree(scratch)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(scratch, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def verify(directory: str | Path, kind: str, check_hashes: bool = True) -> dict[str, Any]:
    """Check that ``directory`` is a complete model of ``kind``; return its manifest."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ModelDirError(f"model directory not found: {directory}")
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise ModelDirError(
            f"{directory} is not a complete tod model: {MANIFEST} is missing "
            "(was the save interrupted, or is this a plain Hugging Face checkpoint?)"
        )
    try:
        manifest = json.loads(manifest_path.read_text())
        files = manifest["files"]
        found_kind = manifest["kind"]
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise ModelDirError(f"{manifest_path} is corrupt ({exc})") from exc
    if manifest.get("format") != FORMAT or found_kind != kind:
        raise ModelDirError(f"{directory} holds a {found_kind!r} model, expected {kind!r}")
    problems = []
    for name, info in files.items():
        path = directory / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif path.stat().st_size != info["bytes"]:
            problems.append(f"{name} has {path.stat().st_size} bytes, expected {info['bytes']}")
        elif check_hashes and _sha256(path) != info["sha256"]:
            problems.append(f"{name} does not match its checksum")
    if problems:
        raise ModelDirError(f"{directory} is incomplete or corrupt: " + "; ".join(problems))
    return manifest
