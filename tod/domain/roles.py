"""What a sub-domain is to a simulated user, read from its schema: a transport, or a place.

A *transport* (MultiWOZ's taxi, CrossWOZ's taxi and metro) has informable text slots the database
does not hold: the places it goes between (departure, destination). A *place* is a sub-domain
with named entities and no timetable (a restaurant, not a train): what a transport goes between.
"""

from __future__ import annotations

from tod.domain.ontology import Schema


def place_slots(schema: Schema) -> list[str]:
    """Slots naming a place the database does not hold (a taxi's departure and destination)."""
    return [n for n, s in schema.slots.items() if s.informable and s.field is None and s.kind == "text"]


def is_place(schema: Schema) -> bool:
    """Whether entities of ``schema`` are places one goes to (a name, no timetable, and not itself a
    transport: CrossWOZ's taxi table names its rows, but a taxi is not where one goes)."""
    timetable = any(s.kind == "time" and s.field for s in schema.slots.values())
    return bool(schema.name_slot) and not timetable and not place_slots(schema)
