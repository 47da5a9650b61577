"""Text as tod processes it: one cleaner for user input and generated replies, and one splitter of
raw text into words with character offsets.

Corpora such as ATIS are pre-tokenised (lower-cased words separated by spaces). Raw text typed by
a user is split the same way: on whitespace, with punctuation at the edges of a word split off
("denver?" gives "denver", "?"), while inner punctuation stays ("o'clock", "1:30") and a short
abbreviation keeps its period when more words follow ("st. louis" gives "st.", "louis", as ATIS
writes it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Characters never passed on (to the NLU, a back end, the history) nor shown to the user: C0/C1
#: control characters (Unicode category Cc), lone surrogates (not encodable as UTF-8),
#: bidirectional overrides and isolates (they can make a reply display as something else), the
#: byte-order mark, interlinear annotation characters and the non-characters U+FFFE/U+FFFF.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


def clean_text(text: object, max_chars: int = 1000) -> str:
    """``text`` made safe to pass on or show: unsafe characters (see ``_UNSAFE``) become spaces,
    whitespace runs collapse to one space, and text longer than ``max_chars`` is cut at a word
    boundary with "…" appended. Anything that is not a string gives ``""``."""
    if not isinstance(text, str):
        return ""
    text = _SPACES.sub(" ", _UNSAFE.sub(" ", text)).strip()
    if len(text) <= max_chars:
        return text
    cut = text[: max(max_chars - 1, 0)]
    space = cut.rfind(" ")
    if space > max_chars // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


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
