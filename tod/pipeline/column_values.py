"""Values as the database writes them: "stansted" is the trains' "stansted airport", "indain" is indian.

A text slot the database holds (a train's departure, a restaurant's food) has no value list in the
ontology: its values are the database column's. :func:`column_values` gives an inform whose value is no
value of its column the one column value it surely means: the only one whose words include all of its
words ("stansted", "kings cross", "birmingham"), else the only one a misspelling away (one edit, in words
of five letters or more: "indain"). A turn about a sub-domain whose acts inform nothing of such a slot
gets the column value its text writes (a misspelling allowed), when exactly one value of one such slot of
that sub-domain is written there ("moderately priced indain food, not in the centre"): the tagger missed
a word it had not seen spelt so.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from tod.acts import EXCLUDE, DialogueAct
from tod.belief import DONTCARE
from tod.domain.database import Database
from tod.domain.normalise import norm_text
from tod.pipeline.reading import FUZZY_LENGTH, one_edit

#: The shortest column value looked for in a turn's text (shorter ones are words of their own too).
MIN_SPOTTED = 4


def column_values(acts: Sequence[DialogueAct], text: str, database: Database) -> tuple[DialogueAct, ...]:
    """``acts`` with values of database-held text slots as the database writes them, and such a value the
    text writes and the acts missed added (see the module docstring)."""
    out = []
    for act in acts:
        values = _column(database, act.domain, act.slot) if act.slot and act.value else ()
        if values and act.intent in ("inform", EXCLUDE) and act.value != DONTCARE:
            meant = _meant(norm_text(act.value), values)
            if meant is not None:
                act = DialogueAct(act.intent, act.domain, act.slot, meant)
        out.append(act)
    return (*out, *_spotted(out, text, database))


@lru_cache(maxsize=256)
def _column(database: Database, subdomain: str, slot: str) -> tuple[str, ...]:
    """The values of the database column of ``subdomain``'s text search slot ``slot`` (normalised), or ()."""
    schema = database.domain.schemas.get(subdomain)
    spec = schema.slot(slot) if schema is not None else None
    held = spec is not None and spec.kind == "text" and spec.field is not None and spec.informable
    if spec is None or not held or subdomain not in database.subdomains:
        return ()
    found = {norm_text(e.get(spec.field)) for e in database.entities(subdomain) if isinstance(e.get(spec.field), str)}
    return tuple(sorted(v for v in found if v and v not in ("?", "none")))


def _meant(value: str, values: tuple[str, ...]) -> str | None:
    """The column value ``value`` surely means, ``None`` when it is one already or none or several fit."""
    if not value or value in values:
        return None
    words = value.split()
    containing = [v for v in values if _has_words(v.split(), words)]
    if len(containing) == 1:
        return containing[0]
    if containing:
        return None
    close = [v for v in values if _close(value, v)]
    return close[0] if len(close) == 1 else None


def _has_words(value: list[str], words: list[str]) -> bool:
    n = len(words)
    return any(value[i : i + n] == words for i in range(len(value) - n + 1))


def _close(said: str, known: str) -> bool:
    """Whether two values differ only by one edit in one word of :data:`FUZZY_LENGTH` letters or more."""
    a, b = said.split(), known.split()
    if len(a) != len(b):
        return False
    diff = [(x, y) for x, y in zip(a, b) if x != y]
    return len(diff) == 1 and len(diff[0][1]) >= FUZZY_LENGTH and one_edit(*diff[0])


def _spotted(acts: Sequence[DialogueAct], text: str, database: Database) -> list[DialogueAct]:
    spoken = {a.domain for a in acts if a.domain in database.subdomains}
    if len(spoken) != 1:
        return []
    (subdomain,) = spoken
    schema = database.domain.schemas[subdomain]
    informed = {a.slot for a in acts if a.domain == subdomain and a.slot}
    taken = " ".join(norm_text(a.value) for a in acts if a.value)
    words = re.findall(r"[\w']+", norm_text(text))
    found: dict[str, set[str]] = {}
    for slot in schema.slots:
        for value in _column(database, subdomain, slot):
            if len(value) >= MIN_SPOTTED and value not in taken and _written(value.split(), words):
                found.setdefault(value, set()).add(slot)
    # "european" inside "modern european" is not said on its own
    found = {v: s for v, s in found.items() if not any(v != w and v in w for w in found)}
    slots = {slot for owners in found.values() for slot in owners}
    if len(found) != 1 or len(slots) != 1 or slots & informed:
        return []
    ((value, _),) = found.items()
    return [DialogueAct("inform", subdomain, slots.pop(), value)]


def _written(value: list[str], words: list[str]) -> bool:
    """Whether the words of ``value`` are written in a row in ``words``, each exactly or one edit away."""
    n = len(value)
    for i in range(len(words) - n + 1):
        if all(w == v or len(v) >= FUZZY_LENGTH and one_edit(w, v) for w, v in zip(words[i : i + n], value)):
            return True
    return False
