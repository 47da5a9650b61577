"""Bookings for the rule policy: the plan's acts, and whether a booking is already done.

* **Plan** (:func:`tod.domain.booking.plan_booking`, shared with the MLE policy): the details the
  belief gives, those missing, their check by :meth:`tod.domain.booking.Booker.check`, and the entity
  drawn for a ``generated`` sub-domain (MultiWOZ taxi). Missing details are asked for
  (``request(d, detail, ?)``, one act per missing detail, the first slot of a one-of group); an invalid
  one (a time no clock shows, "0 people", a value outside the slot's ``range`` in the ontology, a day
  the domain cannot name) becomes ``nobook(d, detail, value)`` plus ``request(d, detail, ?)`` to ask
  again, at once (:func:`refusal`): before the other details are asked for, before an entity is chosen,
  and never confirmed or booked.
* **Booking.** ``book(d, ref, REF)``, ``book(d, <name slot>, NAME)`` and ``book(d, detail, value)``
  per detail; the pipeline records the booking from them. ``REF`` is
  :func:`~tod.domain.booking.booking_reference` (the seed, the sub-domain, the entity's name, the
  details and the number of user turns), so a replayed conversation gets the same reference. For a
  ``generated`` database the requestable fields of the drawn entity are told.
* **Done.** A booking is done when a booked entry of the sub-domain names the same entity (or no
  entity) and agrees with every current detail it records; it is then not made again.
"""

from __future__ import annotations

from typing import Mapping

from tod.acts import REFERENCE, REQUESTED, DialogueAct
from tod.belief import DomainBelief
from tod.domain.booking import BookingPlan, booking_reference
from tod.domain.normalise import name_key, norm_text
from tod.policy.rule_slots import Row, SlotRoles

#: Keys a booked entry may hold its reference under (ours, and MultiWOZ's annotation).
REFERENCE_KEYS = (REFERENCE, "reference")


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


def refusal(plan: BookingPlan) -> list[DialogueAct]:
    """``nobook(d, detail, value)`` + ``request(d, detail, ?)`` for the detail the plan cannot book ("25
    o'clock is not a time I can book - what time would you like?"); ``[]`` when every detail fits."""
    if plan.invalid is None:
        return []
    slot, value = plan.invalid
    return [DialogueAct("nobook", plan.subdomain, slot, value), DialogueAct("request", plan.subdomain, slot, REQUESTED)]


def booking_acts(
    plan: BookingPlan, seed: int, roles: SlotRoles, entity: Row, turn_count: int, dialogue_id: str = ""
) -> tuple[list[DialogueAct], bool]:
    """The acts that book ``entity`` as ``plan`` says, or ask for what is missing or wrong; and whether it booked."""
    domain = plan.subdomain
    if plan.invalid is not None:
        return refusal(plan), False
    if plan.missing:
        return [DialogueAct("request", domain, s, REQUESTED) for s in plan.missing], False
    if plan.checked is None:
        return [DialogueAct("nobook", domain)], False
    reference = booking_reference(seed, plan, entity.name, turn_count, dialogue_id)
    acts = [DialogueAct("book", domain, REFERENCE, reference)]
    if roles.name is not None:
        acts.append(DialogueAct("book", domain, roles.name, entity.name))
    acts += [DialogueAct("book", domain, k, v) for k, v in plan.checked.items()]
    return acts, True


def restate_booking(domain: str, roles: SlotRoles, entity: Row | None, reference: str) -> list[DialogueAct]:
    """The acts that tell a booking already made again (the pipeline does not record it twice)."""
    acts = [DialogueAct("book", domain, REFERENCE, reference)]
    if roles.name is not None and entity is not None:
        acts.append(DialogueAct("book", domain, roles.name, entity.name))
    return acts
