"""Text made safe to process, store and show: one cleaner for user input and generated replies."""

from __future__ import annotations

import re

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
