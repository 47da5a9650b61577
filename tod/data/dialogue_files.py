"""tod's own dialogue files: ``Dialogue.to_dict()`` records as JSON Lines or a JSON list.

This is what tod writes for dialogues it produces (simulations, chat logs) and what the evaluation
commands read besides the corpus formats: a ``.jsonl`` file (one dialogue per line), a ``.json``
file (a list of dialogues, or ``{"dialogues": [...]}``), or a directory of such files (read in
name order). Rated dialogues (``RatedDialogue.to_dict()``: a dialogue with its satisfaction
ratings) are stored the same way and read by :func:`load_rated_dialogues`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from tod.data.uss import RatedDialogue
from tod.dialogue import Dialogue
from tod.errors import CorpusError, SchemaError
from tod.files import atomic_file, parse_json, read_text

SUFFIXES = (".jsonl", ".json")


@dataclass(frozen=True)
class _Kind:
    """A record kind: its name in messages, its parser, and the dialogue ID of a record."""

    name: str  # "tod dialogue"
    plural: str  # "tod dialogues"
    thing: str  # what one JSON object is: "dialogue"
    parse: Callable[[Any], Any]
    ident: Callable[[Any], str]


_DIALOGUES = _Kind("tod dialogue", "tod dialogues", "dialogue", Dialogue.from_dict, lambda dialogue: dialogue.id)
_RATED = _Kind(
    "rated dialogue (RatedDialogue.to_dict())",
    "rated dialogues (RatedDialogue.to_dict())",
    "rated dialogue",
    RatedDialogue.from_dict,
    lambda rated: rated.dialogue.id,
)


def load_dialogues(path: str | Path) -> tuple[Dialogue, ...]:
    """Every dialogue in ``path`` (a file or a directory of files); duplicate IDs are an error."""
    return _load(Path(path), _DIALOGUES)


def load_rated_dialogues(path: str | Path) -> tuple[RatedDialogue, ...]:
    """Every rated dialogue in ``path`` (as :func:`load_dialogues` reads dialogues)."""
    return _load(Path(path), _RATED)


def _load(path: Path, kind: _Kind) -> tuple[Any, ...]:
    if not path.exists():
        raise CorpusError(f"no such file or directory; expected {kind.plural} as .jsonl or .json", str(path))
    files = sorted(p for p in path.iterdir() if p.suffix in SUFFIXES) if path.is_dir() else [path]
    if not files:
        raise CorpusError(f"no {' or '.join(SUFFIXES)} files in this directory", str(path))
    records: list[Any] = []
    seen: dict[str, str] = {}
    for file in files:
        for line, record in _read(file, kind):
            ident = kind.ident(record)
            if ident in seen:
                raise CorpusError(f"dialogue ID {ident!r} already read from {seen[ident]}", str(file), line)
            seen[ident] = str(file)
            records.append(record)
    if not records:
        raise CorpusError("no dialogues found", str(path))
    return tuple(records)


def _read(file: Path, kind: _Kind) -> Iterable[tuple[int | None, Any]]:
    if file.suffix not in SUFFIXES:
        raise CorpusError(f"expected a {' or '.join(SUFFIXES)} file of {kind.plural}", str(file))
    what = f"a file of {kind.plural}"
    text = read_text(file, error=CorpusError, what=what)
    if file.suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                data = parse_json(line, error=CorpusError, what=what, where=str(file), line=number)
                yield number, _record(data, file, number, kind)
        return
    data = parse_json(text, error=CorpusError, what=what, where=str(file))
    if isinstance(data, dict) and "dialogues" in data:
        data = data["dialogues"]
    if not isinstance(data, list):
        raise CorpusError(
            f"expected a list of dialogues or {{'dialogues': [...]}}, found {type(data).__name__}", str(file)
        )
    for item in data:
        yield None, _record(item, file, None, kind)


def _record(item: Any, file: Path, line: int | None, kind: _Kind) -> Any:
    if not isinstance(item, dict):
        raise CorpusError(f"expected a {kind.thing} object, found {type(item).__name__}", str(file), line)
    try:
        return kind.parse(item)
    except SchemaError as error:
        inner = item.get("dialogue")
        ident = item.get("id", inner.get("id", "?") if isinstance(inner, dict) else "?")
        raise CorpusError(f"not a {kind.name}: {error}", str(file), line, dialogue=str(ident)) from error


def write_dialogues(path: str | Path, dialogues: Iterable[Dialogue | RatedDialogue]) -> Path:
    """Write ``dialogues`` (or rated dialogues) as JSON Lines to ``path``, atomically (a scratch file
    renamed into place)."""
    path = Path(path)
    with atomic_file(path) as handle:
        for dialogue in dialogues:
            handle.write(json.dumps(dialogue.to_dict(), ensure_ascii=False) + "\n")
    return path
