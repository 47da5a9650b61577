"""tod's own dialogue files: ``Dialogue.to_dict()`` records as JSON Lines or a JSON list.

This is what tod writes for dialogues it produces (simulations, chat logs) and what the evaluation
commands read besides the corpus formats: a ``.jsonl`` file (one dialogue per line), a ``.json``
file (a list of dialogues, or ``{"dialogues": [...]}``), or a directory of such files (read in
name order).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tod.data.corpus import read_text
from tod.dialogue import Dialogue
from tod.errors import CorpusError, SchemaError

SUFFIXES = (".jsonl", ".json")


def load_dialogues(path: str | Path) -> tuple[Dialogue, ...]:
    """Every dialogue in ``path`` (a file or a directory of files); duplicate IDs are an error."""
    path = Path(path)
    if not path.exists():
        raise CorpusError("no such file or directory; expected tod dialogues as .jsonl or .json", str(path))
    files = sorted(p for p in path.iterdir() if p.suffix in SUFFIXES) if path.is_dir() else [path]
    if not files:
        raise CorpusError(f"no {' or '.join(SUFFIXES)} files in this directory", str(path))
    dialogues: list[Dialogue] = []
    seen: dict[str, str] = {}
    for file in files:
        for line, dialogue in _read(file):
            if dialogue.id in seen:
                raise CorpusError(f"dialogue ID {dialogue.id!r} already read from {seen[dialogue.id]}", str(file), line)
            seen[dialogue.id] = str(file)
            dialogues.append(dialogue)
    if not dialogues:
        raise CorpusError("no dialogues found", str(path))
    return tuple(dialogues)


def _read(file: Path) -> Iterable[tuple[int | None, Dialogue]]:
    if file.suffix not in SUFFIXES:
        raise CorpusError(f"expected a {' or '.join(SUFFIXES)} file of tod dialogues", str(file))
    text = read_text(file, "a file of tod dialogues")
    if file.suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield number, _dialogue(_json(line, file, number), file, number)
        return
    data = _json(text, file, None)
    if isinstance(data, dict) and "dialogues" in data:
        data = data["dialogues"]
    if not isinstance(data, list):
        raise CorpusError(
            f"expected a list of dialogues or {{'dialogues': [...]}}, found {type(data).__name__}", str(file)
        )
    for item in data:
        yield None, _dialogue(item, file, None)


def _json(text: str, file: Path, line: int | None) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CorpusError(f"not valid JSON: {error.msg} (column {error.colno})", str(file), line or error.lineno)
    except RecursionError:
        raise CorpusError("JSON nested too deeply to be a dialogue", str(file), line) from None


def _dialogue(item: Any, file: Path, line: int | None) -> Dialogue:
    if not isinstance(item, dict):
        raise CorpusError(f"expected a dialogue object, found {type(item).__name__}", str(file), line)
    try:
        return Dialogue.from_dict(item)
    except SchemaError as error:
        raise CorpusError(f"not a tod dialogue: {error}", str(file), line, dialogue=str(item.get("id", "?"))) from error


def write_dialogues(path: str | Path, dialogues: Iterable[Dialogue]) -> Path:
    """Write ``dialogues`` as JSON Lines to ``path``, atomically (a scratch file renamed into place)."""
    path = Path(path)
    scratch = path.with_name(f".{path.name}.tmp")
    with scratch.open("w", encoding="utf-8") as handle:
        for dialogue in dialogues:
            handle.write(json.dumps(dialogue.to_dict(), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(scratch, path)
    return path
