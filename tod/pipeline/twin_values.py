"""Two values for one slot in one turn: "ely to cambridge" tagged as two destinations.

A tagger that has seen "to cambridge" far more often than "ely to ..." may give both places of a turn one
slot. When a turn informs one slot of a sub-domain with two different values, and the sub-domain has one
other slot of the same kind that the turn leaves empty (a departure beside a destination), the words
written right before each value (the slots' ``marked_by`` in the ontology: "from", "to") tell which is
which: a value marked by the other slot's words and not by its own goes to the other slot; else, when
every value but one is marked by the slot's own words, that one goes to the other slot. Anything less
clear is left as the tagger read it.

A transport's place the tagger missed is read the same way (:func:`transport_places`): in a turn about a
taxi that leaves its departure or destination empty, a database name the text writes right after that
slot's markers ("from cambridge arts theatre to the lensfield hotel") fills it.
"""

from __future__ import annotations

import re
from typing import Sequence

from tod.acts import DialogueAct
from tod.belief import BeliefState
from tod.domain.database import Database
from tod.domain.name_match import names_in_text
from tod.domain.normalise import name_key
from tod.domain.ontology import Domain
from tod.domain.roles import is_place, place_slots

#: Words that may stand between a marker and the value ("to the cambridge belfry").
_BETWEEN = r"(?:(?:the|a|an)\s+)?"


def twin_values(acts: Sequence[DialogueAct], text: str, domain: Domain) -> tuple[DialogueAct, ...]:
    """``acts`` with the one value of a slot given twice that belongs to its twin slot moved there."""
    lowered = text.casefold()
    if not lowered or len(lowered) != len(text):
        return tuple(acts)
    groups: dict[tuple[str, str], list[DialogueAct]] = {}
    for act in acts:
        if act.intent == "inform" and act.domain in domain.schemas and act.slot and act.value:
            groups.setdefault((act.domain, act.slot), []).append(act)
    out = list(acts)
    for (subdomain, slot), group in groups.items():
        if len({a.value.casefold() for a in group}) < 2:
            continue
        schema = domain.schemas[subdomain]
        spec = schema.slots.get(slot)
        twins = [
            name
            for name, other in schema.slots.items()
            if spec is not None and name != slot and other.kind == spec.kind and other.informable == spec.informable
            and other.marked_by and (subdomain, name) not in groups
        ]
        if spec is None or not spec.marked_by or len(twins) != 1:
            continue
        (twin,) = twins
        own = [a for a in group if marked(lowered, a.value, spec.marked_by)]
        moved = [a for a in group if a not in own and marked(lowered, a.value, schema.slots[twin].marked_by)]
        if not moved and len(own) == len(group) - 1:
            moved = [a for a in group if a not in own and _written(lowered, a.value)]
        if len(moved) == 1:
            out[out.index(moved[0])] = DialogueAct("inform", subdomain, twin, moved[0].value)
    return tuple(out)


def _written(lowered: str, value: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(value.casefold())}(?!\w)", lowered) is not None


def marked(lowered: str, value: str, markers: Sequence[str]) -> bool:
    """Whether ``value`` is written in ``lowered`` (lower case) right after one of ``markers`` (an article
    between them allowed)."""
    value = re.escape(value.casefold())
    return any(
        re.search(rf"(?<!\w){re.escape(marker)}\s+{_BETWEEN}{value}(?!\w)", lowered) for marker in markers
    )


def transport_places(acts: Sequence[DialogueAct], text: str, database: Database) -> tuple[DialogueAct, ...]:
    """``acts`` and an inform of each place slot (departure, destination) of a transport the turn speaks of
    and leaves empty, when the text writes one database name of a place right after that slot's markers
    (see the module docstring)."""
    domain = database.domain
    lowered = text.casefold()
    out = list(acts)
    for subdomain in dict.fromkeys(a.domain for a in acts if a.domain in domain.schemas):
        schema = domain.schemas[subdomain]
        missing = [
            s for s in place_slots(schema)
            if schema.slots[s].marked_by and not any(a.domain == subdomain and a.slot == s for a in out)
        ]
        if not missing or len(lowered) != len(text):
            continue
        places = [d for d in database.subdomains if is_place(domain.schemas[d]) and domain.schemas[d].name_slot]
        said = {name_key(a.value) for a in out if a.value}
        for match in names_in_text(database, places, text):
            if name_key(match.name) in said:
                continue
            written = (match.name.casefold(), name_key(match.name))
            slots = [s for s in missing if any(marked(lowered, w, schema.slots[s].marked_by) for w in written)]
            if len(slots) == 1:
                out.append(DialogueAct("inform", subdomain, slots[0], match.name))
                missing.remove(slots[0])
    return tuple(out)


def changed_values(acts: Sequence[DialogueAct], belief: BeliefState) -> tuple[DialogueAct, ...]:
    """``acts`` without the informs of a value the belief holds already, when the turn informs the same slot
    with another value too: "actually make it moderate, the cheap ones have thin walls" changes the price
    range to moderate, whichever of the two the tagger read last."""
    values: dict[tuple[str, str], set[str]] = {}
    for act in acts:
        if act.intent == "inform" and act.slot and act.value:
            values.setdefault((act.domain, act.slot), set()).add(act.value.casefold())
    dropped = set()
    for (subdomain, slot), said in values.items():
        held = belief[subdomain].constraints.get(slot, "") if subdomain in belief else ""
        if len(said) > 1 and held and held.casefold() in said and len(said - {held.casefold()}) == 1:
            dropped.add((subdomain, slot, held.casefold()))
    return tuple(a for a in acts if (a.domain, a.slot, a.value.casefold()) not in dropped or a.intent != "inform")
