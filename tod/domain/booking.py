"""Bookings: checked booking details, the booking plan both policies follow, and reference numbers.

A :class:`Booker` is seeded: the same seed and the same sequence of bookings give the same
reference numbers (8 upper-case letters and digits, as in MultiWOZ) and, for sub-domains whose
database is ``generated`` (MultiWOZ taxi), the same generated entity (car and phone).

A policy keeps no state between turns, so it books without a Booker's random draws:

* **Plan** (:func:`plan_booking`): the booking details the belief gives (:func:`booking_details`: each
  booking slot from the belief's booking details or, for slots that are also informable (MultiWOZ
  taxi), its constraints; ``dontcare`` left out), the booking slots still missing, the details as
  :meth:`Booker.check` accepts them or the first one whose value does not fit, and for a ``generated``
  sub-domain the entity drawn for those details (:func:`generated_entity`: the same trip always gets
  the same car). Which entity of a searched sub-domain is booked is each policy's entity under
  discussion.
* **Reference** (:func:`booking_reference`): :func:`stable_reference` over the seed, the sub-domain,
  the entity's name, the checked details, the number of user turns and the conversation's name where
  it has one (:attr:`~tod.state.DialogueState.dialogue_id`), so a replayed conversation gets the same
  reference, the same booking made later another one, and another conversation another one.
"""

from __future__ import annotations

import hashlib
import math
import random
import string
from dataclasses import dataclass
from typing import Any, Mapping

from tod._schema import FrozenMap
from tod.belief import DONTCARE, DomainBelief
from tod.domain.database import Database
from tod.domain.normalise import format_time, norm_text
from tod.domain.ontology import Schema, Slot
from tod.domain.table import Entity, slot_key
from tod.errors import QueryError

REFERENCE_ALPHABET = string.ascii_uppercase + string.digits
REFERENCE_LENGTH = 8


@dataclass(frozen=True)
class Booking:
    """A confirmed booking: the sub-domain, the entity booked, the details and the reference number."""

    domain: str
    entity: Entity
    details: FrozenMap[str, str]
    reference: str


def stable_reference(seed: int, *parts: str) -> str:
    """A reference number (8 upper-case letters and digits) that depends only on ``seed`` and ``parts``.

    For components that must not keep mutable state between turns (a policy serving many
    conversations, a restarted server): the same booking in the same conversation gets the same
    reference, different bookings almost surely different ones.
    """
    digest = hashlib.sha256("\x1f".join((str(seed), *parts)).encode("utf-8")).digest()
    return "".join(REFERENCE_ALPHABET[b % len(REFERENCE_ALPHABET)] for b in digest[:REFERENCE_LENGTH])


class Booker:
    """Makes bookings against one :class:`Database`; deterministic for a seed and sequence of calls."""

    def __init__(self, database: Database, seed: int = 0) -> None:
        self.database = database
        self.seed = seed  # also the seed of plans and references made with this booker
        self._rng = random.Random(seed)  # owned by this booker only

    def book(self, domain: str, entity: Entity | None, details: Mapping[str, str]) -> Booking:
        """Book ``entity`` of ``domain`` with ``details`` (slot -> value).

        ``entity`` may be ``None`` for a ``generated`` sub-domain: one is drawn. QueryError when the
        sub-domain takes no bookings, a required detail is missing or ``dontcare``, a detail is not a
        bookable slot, or a value does not fit its slot (a number or time it cannot read, a value
        outside a categorical slot's value set).
        """
        checked = self.check(domain, details)
        table = self.database.table(domain)
        if entity is None:
            spec = table.schema.database
            if spec is None or spec.format != "generated":
                raise QueryError(f"booking in {domain}: expected an entity to book, found None")
            entity = self._rng.choice(table.entities)
        elif entity.domain != domain:
            raise QueryError(f"booking in {domain}: expected an entity of {domain}, found one of {entity.domain}")
        reference = "".join(self._rng.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
        return Booking(domain, entity, checked, reference)

    def check(self, domain: str, details: Mapping[str, Any]) -> FrozenMap[str, str]:
        """``details`` checked against the bookable slots of ``domain``; see :meth:`book`."""
        schema = self.database.table(domain).schema
        spec = schema.booking
        if spec is None:
            raise QueryError(f"{domain} takes no bookings (sub-domains with bookings: {self._bookable()})")
        given = {k: str(v).strip() for k, v in details.items() if str(v).strip() and str(v).strip() != DONTCARE}
        unknown = [k for k in details if k not in spec.slots]
        if unknown:
            raise QueryError(f"booking in {domain}: unknown detail(s) {unknown}: expected some of {list(spec.slots)}")
        missing = [k for k in spec.required if k not in given]
        missing += ["/".join(group) for group in spec.one_of if not any(k in given for k in group)]
        if missing:
            raise QueryError(f"booking in {domain}: missing detail(s) {missing} (found {sorted(given)})")
        for name, value in given.items():
            _check_value(domain, schema.slots[name], value)
        return FrozenMap(given)

    def invalid(self, domain: str, details: Mapping[str, str]) -> tuple[str, str] | None:
        """The first of ``details`` whose value does not fit its slot, as :meth:`check` judges values
        (``(slot, value)``), or ``None``; details that are not slots of ``domain`` are passed over."""
        slots = self.database.table(domain).schema.slots
        for name, value in details.items():
            try:
                if name in slots:
                    _check_value(domain, slots[name], value)
            except QueryError:
                return name, value
        return None

    def _bookable(self) -> list[str]:
        return [n for n in self.database.subdomains if self.database.table(n).schema.booking is not None]


def value_problem(slot: Slot, value: str) -> str | None:
    """What is wrong with ``value`` (in its normalised form) as a value of ``slot``, or ``None`` when it fits:
    a number or time slot's value must read as one (a number: a positive whole number) within the slot's
    ``range``; a categorical slot's value must be in its value set. Other kinds take any value."""
    key = slot_key(slot, value)
    if slot.kind in ("number", "time") and key is None:
        what = "a number" if slot.kind == "number" else "a time like 19:30"
        return f"{slot.name} must be {what}, found {value!r}"
    if slot.kind == "number" and key is not None and (not math.isfinite(key) or key <= 0 or key != int(key)):
        return f"{slot.name} must be a positive whole number, found {value!r}"
    if slot.range is not None and key is not None and key not in slot.range:
        low, high = slot.range.low, slot.range.high
        shown = ["-" if b is None else format_time(int(b)) if slot.kind == "time" else f"{b:g}" for b in (low, high)]
        return f"{slot.name} must be within {shown[0]} to {shown[1]}, found {value!r}"
    if slot.kind == "categorical" and slot.values and key not in slot.values:
        return f"{slot.name} must be one of {list(slot.values)}, found {value!r}"
    return None


def _check_value(domain: str, slot: Slot, value: str) -> None:
    problem = value_problem(slot, value)
    if problem is not None:
        raise QueryError(f"booking in {domain}: {problem}")


def booking_details(schema: Schema, belief: DomainBelief) -> dict[str, str]:
    """The booking details ``belief`` gives for ``schema`` (see the module docstring), in booking-slot order."""
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


def generated_entity(database: Database, seed: int, domain: str, details: Mapping[str, str]) -> Entity | None:
    """The entity of a ``generated`` sub-domain for a trip: the same details always give the same one."""
    entities = database.entities(domain)
    if not entities:
        return None
    parts = "\x1f".join([str(seed), domain, *(f"{k}={v}" for k, v in sorted(details.items()))])
    digest = hashlib.sha256(parts.encode("utf-8")).digest()
    return entities[int.from_bytes(digest[:8], "big") % len(entities)]


@dataclass(frozen=True)
class BookingPlan:
    """The booking a sub-domain's belief asks for, as a policy sees it before booking (:func:`plan_booking`).

    ``details``: the booking details the belief gives (:func:`booking_details`); ``missing``: the booking
    slots still needed (:func:`missing_details`); ``checked``: the details as :meth:`Booker.check` accepts
    them, ``None`` when something is missing or does not fit; ``invalid``: the first detail whose value
    does not fit its slot (``(slot, value)``: a number or time it cannot read, a value outside the slot's
    value set or ``range``), ``None`` when none, found whether or not others are missing;
    ``generated``: for a ``generated``
    sub-domain with nothing missing, the entity drawn for the details (:func:`generated_entity`), else
    ``None``.
    """

    subdomain: str
    details: FrozenMap[str, str]
    missing: tuple[str, ...] = ()
    checked: FrozenMap[str, str] | None = None
    invalid: tuple[str, str] | None = None
    generated: Entity | None = None

    @property
    def ready(self) -> bool:
        """Whether the booking can be made: every detail given and fitting its slot."""
        return self.checked is not None


def plan_booking(booker: Booker, schema: Schema, belief: DomainBelief) -> BookingPlan:
    """The booking ``belief`` asks for in ``schema``'s sub-domain, checked with ``booker`` (module docstring)."""
    domain = schema.name
    details = booking_details(schema, belief)
    missing = tuple(missing_details(schema, details))
    checked = generated = None
    # a detail that cannot be booked is found at once, not after the others are given: "0 people" is
    # refused when it is said
    invalid = booker.invalid(domain, details) if schema.booking is not None else None
    if schema.booking is not None and not missing and invalid is None:
        try:
            checked = booker.check(domain, details)
        except QueryError:
            invalid = booker.invalid(domain, details)
        if schema.database is not None and schema.database.format == "generated":
            generated = generated_entity(booker.database, booker.seed, domain, details)
    return BookingPlan(domain, FrozenMap(details), missing, checked, invalid, generated)


def booking_reference(seed: int, plan: BookingPlan, entity: str, turn_count: int, dialogue_id: str = "") -> str:
    """The reference of booking ``entity`` (its name) as ``plan`` says, in the conversation's user turn
    ``turn_count`` of the conversation ``dialogue_id`` (:attr:`~tod.state.DialogueState.dialogue_id`; see the
    module docstring); a ``QueryError`` when the plan is not :attr:`~BookingPlan.ready`."""
    if plan.checked is None:
        raise QueryError(f"booking in {plan.subdomain}: the details are not complete and valid: {dict(plan.details)}")
    parts = [f"{k}={v}" for k, v in sorted(plan.checked.items())]
    # a conversation without a name keeps the references it always had (replayed chats, the README's)
    named = (f"dialogue={dialogue_id}",) if dialogue_id else ()
    return stable_reference(seed, plan.subdomain, entity, *parts, str(turn_count), *named)
