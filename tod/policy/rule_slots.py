"""What each slot of a sub-domain is for, as the rule policy sees it, and how entity values are told.

Everything is read from the ontology and the sub-domain's table; no slot is named here:

* the **name** slot is the first slot of kind ``name`` (``name``, ``trainID``, ``名称``, ``department``);
* **search** slots are the informable slots the database filters on, the name aside;
* **ask** slots are the search slots worth asking the user for: not lists or relations (an answer
  picks one item of hundreds), not text slots whose values identify entities (more than a fifth of
  the entities have a value no other entity shares: addresses, phone numbers, opening hours);
* **free** slots are informable slots the database does not hold (taxi and metro trip ends);
* **derived** slots are requestable slots the database does not hold; ``<free slot><suffix>``
  (CrossWOZ's ``出发地附近地铁站``) is answered by looking the free slot's value up by name in the
  sub-domain's own table (see :func:`derived_value`).

The most useful slot to ask (:func:`most_useful_slot`) is the ask slot whose values split the
current matches most evenly: the largest entropy of its values over the matches. Numbers and times
are put into at most :data:`BINS` equal-count bins first, because a user answers them with a range
or a bound, not an exact value; otherwise a continuous slot (a price) would always win.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from typing import Any, Mapping, Protocol, Sequence

from tod.domain.database import Database
from tod.domain.normalise import format_time, parse_time
from tod.domain.ontology import Schema, Slot
from tod.domain.table import Table

#: Numbers and times are binned into at most this many equal-count bins before their entropy is taken.
BINS = 4
#: A text slot is an identifier (never asked) when more than this share of entities have a unique value.
IDENTIFIER_SHARE = 0.2
#: The entropy of a slot is estimated on at most this many matches (an even stride through them).
ENTROPY_SAMPLE = 400


class Row(Protocol):
    """A database entity as the policy reads it: a :class:`~tod.state.Match` or a table ``Entity``."""

    @property
    def name(self) -> str: ...

    def get(self, name: str, default: Any = None) -> Any: ...


@dataclass(frozen=True)
class SlotRoles:
    """The slots of one sub-domain by what the rule policy does with them (see the module docstring)."""

    domain: str
    name: str | None
    search: tuple[str, ...]
    ask: tuple[str, ...]
    free: tuple[str, ...]
    derived: tuple[str, ...]
    booking: tuple[str, ...]
    has_table: bool
    generated: bool

    @property
    def bookable(self) -> bool:
        return bool(self.booking)


def slot_roles(schema: Schema, table: Table | None) -> SlotRoles:
    """The roles of ``schema``'s slots; ``table`` is its database table (``None`` when it has none)."""
    slots = schema.slots
    name = schema.name_slot or None
    search = tuple(n for n, s in slots.items() if s.informable and s.field is not None and s.kind != "name")
    if table is None:
        search = ()
    ask = tuple(n for n in search if _askable(slots[n], table))
    free = tuple(n for n, s in slots.items() if s.informable and s.field is None)
    derived = tuple(n for n, s in slots.items() if s.requestable and s.field is None)
    booking = schema.booking.slots if schema.booking is not None else ()
    generated = schema.database is not None and schema.database.format == "generated"
    return SlotRoles(schema.name, name, search, ask, free, derived, booking, table is not None, generated)


def _askable(slot: Slot, table: Table | None) -> bool:
    if slot.kind in ("list", "relation") or table is None:
        return False
    if slot.kind != "text":
        return True
    column = [k for k in table.columns.get(slot.name, ()) if k is not None]
    if not column:
        return False
    counts = Counter(column)
    unique = sum(1 for k in column if counts[k] == 1)
    return unique / len(column) <= IDENTIFIER_SHARE


def _sample(rows: Sequence[int]) -> Sequence[int]:
    if len(rows) <= ENTROPY_SAMPLE:
        return rows
    step = math.ceil(len(rows) / ENTROPY_SAMPLE)
    return rows[::step]


def split_entropy(slot: Slot, keys: Sequence[Any]) -> float:
    """The entropy (bits) of ``keys``, the normalised values of ``slot`` over some matches (``None`` left out)."""
    known = [k for k in keys if k is not None]
    if len(known) < 2:
        return 0.0
    if slot.kind in ("number", "time") and len(set(known)) > BINS:
        ordered = sorted(known)
        known = [bisect_left(ordered, k) * BINS // len(ordered) for k in known]
    counts = Counter(known)
    total = len(known)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def most_useful_slot(
    roles: SlotRoles, table: Table, rows: Sequence[int], skip: frozenset[str] | set[str]
) -> tuple[str, float] | None:
    """The ask slot (not in ``skip``) whose values split the matching ``rows`` most evenly, with its entropy.

    Ties go to the slot declared first; ``None`` when no slot splits the rows at all.
    """
    sample = _sample(rows)
    best: tuple[str, float] | None = None
    for name in roles.ask:
        if name in skip:
            continue
        column = table.columns.get(name)
        if column is None:
            continue
        entropy = split_entropy(table.schema.slots[name], [column[r] for r in sample])
        if entropy > 1e-9 and (best is None or entropy > best[1] + 1e-9):
            best = (name, entropy)
    return best


#: Database values that mean "not known" (MultiWOZ writes ``?`` for an unknown entrance fee).
UNKNOWN_VALUES = frozenset({"?"})


def format_value(value: Any, slot: Slot | None, list_items: int, separator: str) -> str | None:
    """A database value as act text; lists give their first ``list_items`` items; ``None`` when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        parts = [f"{k} {format_value(v, None, list_items, separator)}" for k, v in value.items() if v is not None]
        return separator.join(parts) or None
    if isinstance(value, (list, tuple)):
        items = [t for t in (format_value(v, None, list_items, separator) for v in value) if t]
        return separator.join(items[:list_items]) or None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if slot is not None and slot.kind == "time":
        minutes = parse_time(value)
        if minutes is not None:
            return format_time(minutes)
    text = str(value).strip()
    return text if text and text not in UNKNOWN_VALUES else None


def entity_value(row: Row, slot: Slot, list_items: int, separator: str) -> str | None:
    """The value of ``slot`` for ``row`` as act text, or ``None`` when the database does not say."""
    if slot.field is None:
        return None
    return format_value(row.get(slot.field), slot, list_items, separator)


def derived_value(
    database: Database,
    roles: SlotRoles,
    schema: Schema,
    slot: str,
    given: Mapping[str, str],
    list_items: int,
    separator: str,
) -> str | None:
    """The value of a derived slot ``<free slot><suffix>``: the place named by the free slot, looked up.

    The free slot's value (``出发地`` = a place) names an entity of this sub-domain's own table (the
    metro table lists places with their nearest station); the answer is that entity's value of the
    one requestable slot the table holds besides the name. ``None`` when any step finds nothing.
    """
    if not roles.has_table:
        return None
    sources = [f for f in roles.free if slot != f and slot.startswith(f) and given.get(f)]
    told = [n for n, s in schema.slots.items() if s.requestable and s.field is not None and s.kind != "name"]
    if not sources or len(told) != 1:
        return None
    entity = database.lookup(roles.domain, given[sources[0]])
    if entity is None:
        return None
    return entity_value(entity, schema.slots[told[0]], list_items, separator)
