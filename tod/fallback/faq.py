"""A domain's FAQ: questions users ask outside the task, with the answers the fallback gives.

The file is ``domains/<name>/faq.yaml`` (optional; another path can be configured)::

    steer_back: "I can help you find restaurants, hotels and attractions ..."   # optional
    entries:
      - questions: ["When is the tourist office open?", "tourist information opening hours"]
        answer: "The visitor centre at 1 Quayside is open ..."

``questions`` are phrasings of one question (each is embedded and matched on its own); ``answer``
is the reply. ``steer_back`` replaces the reply built from the ontology when nothing matches.
Unknown keys, empty strings and missing fields are :class:`~tod.errors.DomainError`s naming the file
and the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tod.errors import DomainError
from tod.files import FileChecker, read_yaml

FAQ_FILE = "faq.yaml"


@dataclass(frozen=True)
class FaqEntry:
    """One answer and the phrasings of the question it answers."""

    questions: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class Faq:
    """The FAQ of a domain; empty when the domain has none."""

    entries: tuple[FaqEntry, ...] = ()
    steer_back: str | None = None
    source: Path | None = None


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DomainError(f"{where}: expected a non-empty string, found {value!r:.80}")
    return " ".join(value.split())


def load_faq(path: str | Path) -> Faq:
    """Read and check the FAQ file at ``path``."""
    path = Path(path)
    data = read_yaml(path, error=DomainError, what="the FAQ", top=dict, shape="a mapping with 'entries'")
    FileChecker(path, DomainError).keys(data, "", ("entries", "steer_back"))
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise DomainError(f"{path}: 'entries' must be a non-empty list, found {raw_entries!r:.80}")
    entries: list[FaqEntry] = []
    for number, raw in enumerate(raw_entries, 1):
        where = f"{path}: entry {number}"
        if not isinstance(raw, dict) or set(raw) != {"questions", "answer"}:
            keys = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
            raise DomainError(f"{where}: expected the keys ['answer', 'questions'], found {keys}")
        questions = raw["questions"]
        if isinstance(questions, str):
            questions = [questions]
        if not isinstance(questions, list) or not questions:
            raise DomainError(f"{where}: 'questions' must be a non-empty list of strings, found {questions!r:.80}")
        phrasings = tuple(_text(q, f"{where}, questions") for q in questions)
        entries.append(FaqEntry(phrasings, _text(raw["answer"], f"{where}, answer")))
    steer = data.get("steer_back")
    return Faq(tuple(entries), None if steer is None else _text(steer, f"{path}: steer_back"), path)


def domain_faq(directory: Path, path: str | Path | None = None) -> Faq:
    """The FAQ at ``path`` if given (it must exist), else ``directory/faq.yaml`` if present, else none."""
    if path is not None:
        return load_faq(path)
    default = directory / FAQ_FILE
    return load_faq(default) if default.is_file() else Faq()
