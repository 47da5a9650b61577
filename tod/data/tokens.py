"""Tokens with character offsets for span tagging, in any of the corpora's languages.

Space-separated text is split as :func:`tod.text.split_words` splits it (edge punctuation
its own token). Every CJK character (Chinese, Japanese kana, Korean hangul, fullwidth forms) is a
token of its own, since CrossWOZ writes no spaces. Finally a token is cut at every given boundary
that falls inside it, so that annotated spans always start and end at token edges.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Iterable

from tod.text import split_words

# CJK radicals .. unified ideographs (kana, bopomofo, CJK punctuation included), hangul
# syllables, compatibility ideographs, fullwidth forms, supplementary ideographs.
CJK_CHARACTER = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f]")


@dataclass(frozen=True)
class Token:
    """``text[start:end] == token.text``."""

    text: str
    start: int
    end: int


def _split_cjk(text: str, start: int, end: int) -> Iterable[tuple[int, int]]:
    piece = start  # start of the pending run of non-CJK characters
    for match in CJK_CHARACTER.finditer(text, start, end):
        if match.start() > piece:
            yield piece, match.start()
        yield match.start(), match.end()
        piece = match.end()
    if piece < end:
        yield piece, end


def tokenize(text: str, boundaries: Iterable[int] = ()) -> list[Token]:
    """The tokens of ``text``, cut additionally at each offset in ``boundaries``."""
    cuts = sorted(set(boundaries))
    tokens = []
    for word in split_words(text):
        for start, end in _split_cjk(text, word.start, word.end):
            first = bisect.bisect_right(cuts, start)
            last = bisect.bisect_left(cuts, end)
            for left, right in zip([start, *cuts[first:last]], [*cuts[first:last], end]):
                tokens.append(Token(text[left:right], left, right))
    return tokens
