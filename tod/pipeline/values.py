"""Values the tagger cut short: "门票不免费" tagged as 免费 (free) means 不免费 (not free).

A tagger may stop inside a value it has rarely seen whole, and a shorter known value is often
inside the longer one ("免费" in "不免费"; "european" in "modern european"). :func:`widen_values`
gives an inform the longer of its slot's known forms (the ontology's values and synonym keys) that
the text spells around it, when every occurrence of the tagged value in the text lies inside one
of that form; where the text also has the short value on its own, the tagger may be right, and
the value is kept.
"""

from __future__ import annotations

from typing import Sequence

from tod.acts import DialogueAct
from tod.belief import DONTCARE
from tod.domain.ontology import Domain


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


def widen_values(acts: Sequence[DialogueAct], text: str, domain: Domain) -> tuple[DialogueAct, ...]:
    """``acts`` with each inform's value widened to the longest known form of its slot that the text
    writes around every occurrence of it (see the module docstring)."""
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
