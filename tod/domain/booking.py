"""Bookings: checked booking details and MultiWOZ-style reference numbers.

A :class:`Booker` is seeded: the same seed and the same sequence of bookings give the same
reference numbers (8 upper-case letters and digits, as in MultiWOZ) and, for sub-domains whose
database is ``generated`` (MultiWOZ taxi), the same generated entity (car and phone).
"""

from __future__ import annotations

import hashlib
import random
import string
from dataclasses import dataclass
from typing import Any, Mapping

from tod._schema import FrozenMap
from tod.belief import DONTCARE
from tod.domain.database import Database
from tod.domain.ontology import Slot
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

    def _bookable(self) -> list[str]:
        return [n for n in self.database.subdomains if self.database.table(n).schema.booking is not None]


def _check_value(domain: str, slot: Slot, value: str) -> None:
    key = slot_key(slot, value)
    if slot.kind in ("number", "time") and key is None:
        what = "a number" if slot.kind == "number" else "a time like 19:30"
        raise QueryError(f"booking in {domain}: {slot.name} must be {what}, found {value!r}")
    if slot.kind == "number" and key is not None and (key <= 0 or key != int(key)):
        raise QueryError(f"booking in {domain}: {slot.name} must be a positive whole number, found {value!r}")
    if slot.kind == "categorical" and slot.values and key not in slot.values:
        raise QueryError(f"booking in {domain}: {slot.name} must be one of {list(slot.values)}, found {value!r}")
