"""Dialogue corpora in one typed shape, and the registry of their loaders.

A loader turns a corpus on disk (a directory or one file, in the corpus's official format) into a
:class:`Corpus`: typed :class:`~tod.types.Dialogue` values per split. Bad input raises a
:class:`~tod.errors.CorpusError` naming the file, the dialogue and the turn. In lenient mode a
loader skips a bad dialogue instead, and records the skip in ``Corpus.skipped``: never silently.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol

from tod._schema import FrozenMap
from tod.dialogue import Dialogue
from tod.errors import CorpusError
from tod.registry import Registry


@dataclass(frozen=True)
class SkippedDialogue:
    """A dialogue a lenient load left out, and why."""

    path: str
    dialogue: str
    reason: str
    turn: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "dialogue": self.dialogue, "turn": self.turn, "reason": self.reason}


@dataclass(frozen=True)
class Corpus:
    """A loaded corpus: its name, dialogues per split (file order kept), and any lenient skips.

    ``warnings`` name annotations a loader left out of otherwise good dialogues, with where and
    why (e.g. a MultiWOZ span that covers no word), so nothing is dropped silently.
    """

    name: str
    splits: FrozenMap[str, tuple[Dialogue, ...]]
    skipped: tuple[SkippedDialogue, ...] = ()
    language: str = "en"
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "splits", FrozenMap({k: tuple(v) for k, v in dict(self.splits).items()}))
        object.__setattr__(self, "skipped", tuple(self.skipped))
        object.__setattr__(self, "warnings", tuple(self.warnings))

    def __getitem__(self, split: str) -> tuple[Dialogue, ...]:
        try:
            return self.splits[split]
        except KeyError:
            raise CorpusError(f"corpus {self.name!r} has no split {split!r}; splits loaded: {list(self.splits)}")

    def dialogues(self) -> Iterator[Dialogue]:
        for dialogues in self.splits.values():
            yield from dialogues


class CorpusLoader(Protocol):
    """``loader(path, splits=None, lenient=False) -> Corpus``.

    ``path`` is the corpus directory or one split file; ``splits`` restricts which splits are read
    (``None``: every split found).
    """

    def __call__(
        self, path: str | os.PathLike[str], *, splits: Iterable[str] | None = None, lenient: bool = False
    ) -> Corpus: ...


CORPUS_LOADERS = Registry("corpus loader")
# Lazy entries: looking a name up imports only that loader's module.
for _name, _target in {
    "multiwoz": "tod.data.multiwoz:load_multiwoz",
    "crosswoz": "tod.data.crosswoz:load_crosswoz",
    "camrest": "tod.data.unified:load_camrest",
    "woz": "tod.data.unified:load_woz",
    "multiwoz22-text": "tod.data.mwz22_text:load_mwz22_text",
}.items():
    CORPUS_LOADERS.register_lazy(_name, _target)


def register_corpus(name: str) -> Callable[[CorpusLoader], CorpusLoader]:
    """Decorator registering a corpus loader under ``name`` (used by ``tod data`` and pipelines)."""
    return CORPUS_LOADERS.register(name)


def load_corpus(
    name: str, path: str | os.PathLike[str], *, splits: Iterable[str] | None = None, lenient: bool = False
) -> Corpus:
    """Load the corpus ``name`` (``multiwoz``, ``crosswoz``, ...) from ``path``."""
    return CORPUS_LOADERS.get(name)(path, splits=splits, lenient=lenient)


@dataclass
class SkipLog:
    """Collects lenient skips while a loader runs; strict mode re-raises instead."""

    lenient: bool
    skipped: list[SkippedDialogue] = field(default_factory=list)

    def guard(self, error: CorpusError, dialogue: str) -> None:
        """Record ``error`` for ``dialogue`` when lenient, else raise it."""
        if not self.lenient:
            raise error
        self.skipped.append(SkippedDialogue(error.path or "", dialogue, str(error), error.turn))


def find_split_files(
    path: str | os.PathLike[str], splits: Iterable[str] | None, known: Iterable[str], corpus: str
) -> dict[str, Path]:
    """Split name -> file for a corpus ``path``: a directory of ``<split>.json.zip`` / ``<split>.json``
    files (``known`` splits, or exactly ``splits`` when given), or one such file (split named by it).
    """
    root, wanted, known = Path(path), None if splits is None else list(splits), tuple(known)
    if root.is_file():
        name = root.name.split(".json")[0]
        if wanted is not None and name not in wanted:
            raise CorpusError(f"file holds split {name!r}, but splits {sorted(wanted)} were asked for", str(root))
        return {name: root}
    if not root.is_dir():
        raise CorpusError(f"expected a {corpus} directory or split file (<split>.json[.zip]); not found", str(root))
    found = {}
    for split in known if wanted is None else wanted:
        candidates = [root / f"{split}.json.zip", root / f"{split}.json"]
        existing = [c for c in candidates if c.is_file()]
        if existing:
            found[split] = existing[0]
        elif wanted is not None:
            raise CorpusError(f"no {split!r} split: expected {candidates[0].name} or {candidates[1].name}", str(root))
    if not found:
        expected = [f"{s}.json.zip" for s in known]
        raise CorpusError(f"no {corpus} split files: expected any of {expected}", str(root))
    return found
