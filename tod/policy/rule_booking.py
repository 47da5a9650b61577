"""Bookings for the rule policy: the details given, their check, the reference, and whether it is done.

* **Details** are the sub-domain's booking slots found in the belief's booking details or, for slots
  that are also informable (MultiWOZ taxi), in its constraints.
* **Check.** :meth:`tod.domain.booking.Booker.check` decides. Missing details are asked for
  (``request(d, detail, ?)``, one act per missing detail, the first slot of a one-of group); an
  invalid one becomes ``nobook(d, detail, value)`` plus ``request(d, detail, ?)`` to ask again.
* **Booking.** ``book(d, ref, REF)``, ``book(d, <name slot>, NAME)`` and ``book(d, detail, value)``
  per detail; the pipeline records the booking from them. ``REF`` is
  :func:`~tod.domain.booking.stable_reference` over the seed, the sub-domain, the entity's name, the
  details and the number of user turns, so a replayed conversation gets the same reference. For a
  ``generated`` database (MultiWOZ taxi) the entity is drawn by a hash of the same parts without the
  turn count, so the same trip always gets the same car, and its requestable fields are told.
* **Done.** A booking is done when a booked entry of the sub-domain names the same entity (or no
  entity) and agrees with every current detail it records; it is then not made again.
"""

from __future__ import annotations

import hashlib
from typing import Mapping

from tod.acts import REFERENCE, REQUESTED, DialogueAct
from tod.belief import DONTCARE, DomainBelief
from tod.domain.booking import Booker, stable_reference
from tod.domain.database import Database
from tod.domain.normalise import name_key, norm_text
from tod.domain.ontology import Schema, Slot
from tod.domain.table import Entity, slot_key
from tod.errors import QueryError
from tod.policy.rule_slots import Row, SlotRoles

#: Keys a booked entry may hold its reference under (ours, and MultiWOZ's annotation).
REFERENCE_KEYS = (REFERENCE, "reference")


def booking_details(schema: Schema, belief: DomainBelief) -> dict[str, str]:
    """The booking details the belief gives for ``schema`` (dontcare left out), in booking-slot order."""
    if schema.booking is None:
        return {}
    found = {}
    for slot in schema.booking.slots:
        value = belief.booking.get(slot) or belief.constraints.get(slot)
        if value and norm_text(value) != DONTCARE:
            found[slot] = value
    return found


def missing_details(schema: Schema, details: Mapping[str, str]) -> list[str]:
    """The booking slots still needed: every required one absent, and the first slot of each unmet one-of group."""
    spec = schema.booking
    if spec is None:
        return []
    missing = [s for s in spec.required if s not in details]
    missing += [group[0] for group in spec.one_of if group and not any(s in details for s in group)]
    return missing


def invalid_detail(schema: Schema, details: Mapping[str, str]) -> tuple[str, str] | None:
    """The first detail whose value does not fit its slot (as :class:`Booker` judges values), or ``None``."""
    for name, value in details.items():
        slot = schema.slots.get(name)
        if slot is not None and not _fits(slot, value):
            return name, value
    return None


def _fits(slot: Slot, value: str) -> bool:
    key = slot_key(slot, value)
    if slot.kind in ("number", "time"):
        return key is not None and (slot.kind == "time" or (key > 0 and key == int(key)))
    return not (slot.kind == "categorical" and slot.values and key not in slot.values)


def existing_booking(
    belief: DomainBelief, roles: SlotRoles, entity: Row | None, details: Mapping[str, str]
) -> str | None:
    """The reference of a booking already made for ``entity`` with ``details`` ("" when it has none), else ``None``."""
    for booked in reversed(belief.booked):
        name = booked.get(roles.name or "") or booked.get("name")
        if entity is not None and name and not roles.generated and name_key(name) != name_key(entity.name):
            continue
        if any(k in booked and norm_text(booked[k]) != norm_text(v) for k, v in details.items()):
            continue
        return next((booked[k] for k in REFERENCE_KEYS if booked.get(k)), "")
    return None


def generated_entity(database: Database, seed: int, domain: str, details: Mapping[str, str]) -> Entity | None:
    """The entity of a ``generated`` sub-domain for a trip: the same details always give the same one."""
    entities = database.entities(domain)
    if not entities:
        return None
    parts = "\x1f".join([str(seed), domain, *(f"{k}={v}" for k, v in sorted(details.items()))])
    digest = hashlib.sha256(parts.encode("utf-8")).digest()
    return entities[int.from_bytes(digest[:8], "big") % len(entities)]


def booking_acts(
    booker: Booker,
    seed: int,
    schema: Schema,
    roles: SlotRoles,
    entity: Row,
    details: Mapping[str, str],
    turn_count: int,
) -> tuple[list[DialogueAct], bool]:
    """The acts that book ``entity`` with ``details``, or ask for what is missing or wrong; and whether it booked."""
    domain = schema.name
    missing = missing_details(schema, details)
    if missing:
        return [DialogueAct("request", domain, s, REQUESTED) for s in missing], False
    try:
        checked = booker.check(domain, details)
    except QueryError:
        culprit = invalid_detail(schema, details)
        if culprit is None:
            return [DialogueAct("nobook", domain)], False
        slot, value = culprit
        return [DialogueAct("nobook", domain, slot, value), DialogueAct("request", domain, slot, REQUESTED)], False
    parts = [f"{k}={v}" for k, v in sorted(checked.items())]
    reference = stable_reference(seed, domain, entity.name, *parts, str(turn_count))
    acts = [DialogueAct("book", domain, REFERENCE, reference)]
    if roles.name is not None:
        acts.append(DialogueAct("book", domain, roles.name, entity.name))
    acts += [DialogueAct("book", domain, k, v) for k, v in checked.items()]
    return acts, True


def restate_booking(domain: str, roles: SlotRoles, entity: Row | None, reference: str) -> list[DialogueAct]:
    """The acts that tell a booking already made again (the pipeline does not record it twice)."""
    acts = [DialogueAct("book", domain, REFERENCE, reference)]
    if roles.name is not None and entity is not None:
        acts.append(DialogueAct("book", domain, roles.name, entity.name))
    return acts
