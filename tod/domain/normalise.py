"""Value normalisation shared by the ontology, the query engine and validation.

Nothing here knows a domain: the synonyms come from the ontology. Text values are compared after
:func:`norm_text` (lower case, single spaces, synonyms applied); names are looked up by
:func:`name_key` (also without a leading article); times are minutes after midnight.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

_SPACES = re.compile(r"\s+")
# 9:15, 09:15, 21.15, 9h15, 0915, 9, each with an optional am/pm.
_TIME = re.compile(r"^(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2})|(?P<m2>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?$")
_ARTICLES = ("the ",)


def norm_text(value: Any, synonyms: Mapping[str, str] | None = None) -> str:
    """``value`` as a comparison key: stripped, lower case, single spaces, then mapped by ``synonyms``.

    ``synonyms`` maps already-normalised variants to their canonical form (``"center" -> "centre"``).
    ``None`` and non-scalar values (lists, dicts) give the empty string.
    """
    if value is None or isinstance(value, (list, tuple, dict)):
        return ""
    text = _SPACES.sub(" ", str(value).strip().lower())
    if synonyms:
        return synonyms.get(text, text)
    return text


def name_key(value: Any) -> str:
    """The key a name is looked up by: :func:`norm_text` without a leading "the"."""
    text = norm_text(value)
    for article in _ARTICLES:
        if text.startswith(article):
            text = text[len(article) :]
    return text


def parse_time(value: Any) -> int | None:
    """Minutes after midnight for ``"9:15"``, ``"09:15"``, ``"21.15"``, ``"0915"``, ``"9pm"``; ``None`` otherwise.

    Hours up to 24 are accepted (``"24:45"`` is 1485): timetables and MultiWOZ use them for times after midnight.
    """
    if value is None:
        return None
    match = _TIME.match(norm_text(value))
    if match is None:
        return None
    hours = int(match["h"])
    minutes = int(match["m"] or match["m2"] or 0)
    ampm = match["ampm"]
    if ampm is not None:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if ampm.startswith("p") else 0)
    if minutes > 59 or hours > 24:
        return None
    return hours * 60 + minutes


def format_time(minutes: int) -> str:
    """``"HH:MM"`` for minutes after midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_number(value: Any) -> float | None:
    """The number a database or constraint value stands for (``4``, ``"4.5"``, ``"23.60 pounds"``), else ``None``.

    A leading number followed by a unit is accepted, so prices like ``"23.60 pounds"`` compare numerically.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:  # an integer beyond a float's range (JSON allows 400 digits)
            return math.inf if value > 0 else -math.inf
    match = re.match(r"^\s*(-?\d+(?:\.\d+)?)(?:\s*[^\d\s.][^\d]*)?$", str(value))
    return float(match.group(1)) if match else None
