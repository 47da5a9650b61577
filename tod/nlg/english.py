"""English words the template NLG needs to write names and sentences as a person would.

Language data, not domain data: which small words stay in lower case inside a name written in
title case ("Harbourton Museum of the Sea", "The Cambridge Chop House"). Used only for templates of
``language: en`` whose ``names`` option is ``title`` (:mod:`tod.nlg.templates`).
"""

from __future__ import annotations

import re

#: Words kept in lower case inside a title-cased name (never as its first word).
MINOR_WORDS = frozenset(
    {
        "a", "an", "the", "and", "or", "nor", "but", "of", "in", "on", "at", "by", "for", "to", "from",
        "with", "as", "de", "la", "le", "du", "des", "del", "da", "di", "y", "en", "et", "van", "von",
    }
)  # fmt: skip

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def title_case(name: str) -> str:
    """``name`` in title case when it is written all in lower case (as many databases store names);
    a name with any capital letter is taken as already written the way its owner writes it.

    Each word's first letter is raised except :data:`MINOR_WORDS` after the first word; a word with
    digits keeps its case (``hb1``); an apostrophe's tail stays lower (``tanner's yard`` -> ``Tanner's
    Yard``). The length never changes, so character offsets into the text stay valid."""
    if not name or any(ch.isupper() for ch in name):
        return name
    out = list(name)
    first = True
    for match in _WORD.finditer(name):
        word = match.group(0)
        start = match.start()
        touching_digit = (start > 0 and name[start - 1].isdigit()) or (
            match.end() < len(name) and name[match.end()].isdigit()
        )
        if not touching_digit and (first or word not in MINOR_WORDS):
            out[start] = out[start].upper()
        first = False
    return "".join(out)


def capitalise_first(text: str) -> str:
    """``text`` with its first letter raised when it starts with a lower-case letter (same length)."""
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def one_full_stop(text: str) -> str:
    """``text`` without the second of two full stops at its end (a value that ends a sentence itself, put
    before a template's own full stop: "... tuesday to sunday.."); an ellipsis is kept."""
    return text[:-1] if text.endswith("..") and not text.endswith("...") else text
