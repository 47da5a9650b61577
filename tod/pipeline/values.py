"""Values the tagger cut short: "门票不免费" tagged as 免费 (free) means 不免费 (not free).

A tagger may stop inside a value it has rarely seen whole, and a shorter known value is often
inside the longer one ("免费" in "不免费"; "european" in "modern european"). :func:`widen_values`
gives an inform the longer of its slot's known forms (the ontology's values and synonym keys) that
the text spells around it, when every occurrence of the tagged value in the text lies inside one
of that form; where the text also has the short value on its own, the tagger may be right, and
the value is kept.

Times and numbers are read from the whole expression the user wrote (:func:`whole_expressions`): a
tagger that tagged "half" of "half past seven", "8" of "8 pm" or "couple" of "a couple of nights" gives
the inform the longest stretch of the text around the tag that the slot's reader reads
(:mod:`tod.domain.value_reading`, the language's words); the tracker then reads the value from it
(:mod:`tod.dst.values`), and a time no clock shows ("25 o'clock") reaches the booking as written, to be
refused with a question.
"""

from __future__ import annotations

from typing import Callable, Sequence

from tod.acts import DialogueAct
from tod.belief import DONTCARE
from tod.domain.ontology import Domain
from tod.domain.value_reading import expression_around, read_number, read_time
from tod.domain.value_words import ValueWords, value_words


def _occurrences(text: str, part: str) -> list[int]:
    found, start = [], text.find(part)
    while start >= 0:
        found.append(start)
        start = text.find(part, start + 1)
    return found


def _inside(text: str, short: str, long: str) -> bool:
    """Whether ``short`` occurs in ``text`` and each occurrence lies inside an occurrence of ``long``."""
    shorts = _occurrences(text, short)
    longs = set(_occurrences(text, long))
    # an occurrence of short at i is inside long when long starts at i - k for some k where long has short
    starts = [k for k in range(len(long) - len(short) + 1) if long.startswith(short, k)]
    return bool(shorts) and all(any(i - k in longs for k in starts) for i in shorts)


def known_forms(domain: Domain, subdomain: str, slot: str) -> tuple[str, ...]:
    """The values and synonym keys the ontology lists for a slot (lower case), longest first."""
    schema = domain.schemas.get(subdomain)
    spec = schema.slot(slot) if schema is not None else None
    if spec is None:
        return ()
    forms = {v.casefold() for v in (*spec.values, *spec.synonyms.keys()) if v}
    return tuple(sorted(forms, key=lambda f: (-len(f), f)))


def _reads(kind: str, words: ValueWords) -> Callable[[str], bool]:
    """Whether a stretch of text reads as a value of ``kind`` (an impossible time or a vague number counts:
    the booking refuses it with a question)."""

    def time(text: str) -> bool:
        reading = read_time(text, words)
        return reading.minutes is not None or reading.impossible

    def number(text: str) -> bool:
        reading = read_number(text, words)
        return reading.value is not None or reading.vague

    return time if kind == "time" else number


def whole_expression(text: str, value: str, kind: str, words: ValueWords) -> str | None:
    """The longest expression of ``text`` around the first occurrence of ``value`` that reads as a value
    of ``kind`` (``"time"`` or ``"number"``), as written; ``None`` when ``value`` is not in the text or
    nothing around it reads."""
    lowered, needle = text.casefold(), value.casefold().strip()
    if not needle or len(lowered) != len(text):  # casefold changed lengths (ß -> ss): offsets would not fit
        return None
    start = lowered.find(needle)
    if start < 0:
        return None
    span = expression_around(text, start, start + len(needle), _reads(kind, words))
    return None if span is None else text[span[0] : span[1]]


def whole_expressions(acts: Sequence[DialogueAct], text: str, domain: Domain) -> tuple[DialogueAct, ...]:
    """``acts`` with the value of each inform of a time or number slot replaced by the whole expression
    the text writes around it (see the module docstring)."""
    words = value_words(domain.language)
    out = []
    for act in acts:
        schema = domain.schemas.get(act.domain)
        spec = schema.slot(act.slot) if schema is not None and act.slot else None
        if act.intent == "inform" and spec is not None and spec.kind in ("time", "number") and act.value:
            # value forms (价格 100-150元) are read by the query, not here
            if act.value.casefold() != DONTCARE and not spec.forms:
                written = whole_expression(text, act.value, spec.kind, words)
                if written and written != act.value:
                    act = DialogueAct(act.intent, act.domain, act.slot, written)
        out.append(act)
    return tuple(out)


def widen_values(acts: Sequence[DialogueAct], text: str, domain: Domain) -> tuple[DialogueAct, ...]:
    """``acts`` with each inform's value widened to the longest known form of its slot that the text
    writes around every occurrence of it, and times and numbers to the whole expression (see the
    module docstring)."""
    acts = whole_expressions(acts, text, domain)
    lowered = text.casefold()
    out = []
    for act in acts:
        value = act.value.casefold()
        if act.intent == "inform" and act.domain and act.slot and value and value != DONTCARE:
            for form in known_forms(domain, act.domain, act.slot):
                if len(form) > len(value) and value in form and _inside(lowered, value, form):
                    start = lowered.find(form)
                    same = len(lowered) == len(text)  # casefold can change lengths (ß -> ss)
                    written = text[start : start + len(form)] if same else form
                    act = DialogueAct(act.intent, act.domain, act.slot, written)
                    break
        out.append(act)
    return tuple(out)
