"""Splitting raw user text into words with character offsets.

Corpora such as ATIS are pre-tokenised (lower-cased words separated by spaces). Raw text typed by
a user is split the same way: on whitespace, with punctuation at the edges of a word split off
("denver?" gives "denver", "?"), while inner punctuation stays ("o'clock", "1:30") and a short
abbreviation keeps its period when more words follow ("st. louis" gives "st.", "louis", as ATIS
writes it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A word is a run of non-space characters whose first and last characters are word characters,
# or a single other character. Edge punctuation therefore becomes a word of its own.
_WORD = re.compile(r"\b[^\W\d_]{1,3}\.(?=\s+\w)|\w(?:\S*\w)?|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


def split_words(text: str) -> list[Word]:
    """Words of ``text`` with ``text[start:end] == word``."""
    return [Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]
