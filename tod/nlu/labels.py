"""Label vocabularies and BIO tag helpers shared by NLU models and their evaluation.

Pure Python: no torch here, so evaluation and the CLI can use it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from tod.errors import SchemaError

OUTSIDE = "O"


@dataclass(frozen=True)
class LabelVocab:
    """An ordered, duplicate-free list of labels with index lookup."""

    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(set(self.labels)) != len(self.labels):
            raise SchemaError("LabelVocab: duplicate labels")
        object.__setattr__(self, "_index", {label: i for i, label in enumerate(self.labels)})

    @classmethod
    def build(cls, values: Iterable[str], first: Sequence[str] = ()) -> LabelVocab:
        """Vocabulary of ``first`` (in order) followed by the other values, sorted."""
        rest = sorted(set(values) - set(first))
        return cls(tuple(first) + tuple(rest))

    def __len__(self) -> int:
        return len(self.labels)

    def __contains__(self, label: object) -> bool:
        return label in self._index  # type: ignore[attr-defined]

    def index(self, label: str) -> int:
        try:
            return self._index[label]  # type: ignore[attr-defined]
        except KeyError:
            raise SchemaError(f"label {label!r} is not in the vocabulary of {len(self.labels)} labels") from None

    def get(self, label: str, default: int) -> int:
        return self._index.get(label, default)  # type: ignore[attr-defined]


def split_tag(tag: str) -> tuple[str, str]:
    """``"B-city"`` gives ``("B", "city")``; ``"O"`` gives ``("O", "")``."""
    if tag == OUTSIDE:
        return OUTSIDE, ""
    prefix, _, name = tag.partition("-")
    return prefix, name


def allowed_transition(previous: str | None, tag: str) -> bool:
    """Whether ``tag`` may follow ``previous`` (``None`` = sentence start) in BIO.

    ``I-x`` may only continue ``B-x`` or ``I-x``; everything else is free.
    """
    prefix, name = split_tag(tag)
    if prefix != "I":
        return True
    if previous is None:
        return False
    prev_prefix, prev_name = split_tag(previous)
    return prev_prefix in ("B", "I") and prev_name == name


def tag_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Slot spans ``(slot, first_word, last_word)`` (inclusive) read from BIO tags.

    A stray ``I-x`` (not after ``B-x``/``I-x``) starts a new span, as CoNLL evaluation reads it.
    """
    spans: list[tuple[str, int, int]] = []
    current: list = []  # [slot, first, last] of the open span
    for i, tag in enumerate(tags):
        prefix, name = split_tag(tag)
        if prefix == "I" and current and current[0] == name and current[2] == i - 1:
            current[2] = i
            continue
        if current:
            spans.append(tuple(current))  # type: ignore[arg-type]
            current = []
        if prefix in ("B", "I"):
            current = [name, i, i]
    if current:
        spans.append(tuple(current))  # type: ignore[arg-type]
    return spans
