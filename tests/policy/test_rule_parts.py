"""The rule policy's parts: slot roles, the entropy of a split, value formatting, relaxations, bookings."""

from __future__ import annotations

import math

import pytest

from tod.belief import DomainBelief
from tod.domain.context import BuildContext
from tod.domain.ontology import Slot
from tod.policy.rule_booking import existing_booking
from tod.policy.rule_search import Search
from tod.policy.rule_slots import format_value, slot_roles, split_entropy


@pytest.fixture(scope="module")
def context() -> BuildContext:
    return BuildContext.open("cityguide")


def test_slot_roles_come_from_the_ontology(context: BuildContext) -> None:
    schema = context.domain.schema("hotel")
    roles = slot_roles(schema, context.database.table("hotel"))
    assert roles.name == "name"
    assert roles.search == ("area", "pricerange", "type", "stars", "parking", "internet")
    assert roles.ask == roles.search and roles.free == () and roles.derived == ()
    assert roles.booking == ("people", "day", "stay") and roles.bookable and not roles.generated
    attraction = slot_roles(context.domain.schema("attraction"), context.database.table("attraction"))
    assert not attraction.bookable and "entrance fee" not in attraction.search


def test_identifying_text_slots_are_not_asked(context: BuildContext) -> None:
    import dataclasses

    from tod._schema import FrozenMap

    schema = context.domain.schema("restaurant")
    slots = dict(schema.slots)
    slots["address"] = dataclasses.replace(slots["address"], informable=True, kind="text")  # unique per restaurant
    changed = dataclasses.replace(schema, slots=FrozenMap(slots))
    table = context.database.table("restaurant")
    roles = slot_roles(changed, table)
    assert "address" in roles.search and "address" not in roles.ask


def test_split_entropy() -> None:
    categorical = Slot("area", kind="categorical")
    assert split_entropy(categorical, ["a", "b", "c", "d"]) == pytest.approx(2.0)
    assert split_entropy(categorical, ["a", "a", None, None]) == 0.0
    assert split_entropy(categorical, ["a"]) == 0.0
    # 100 distinct prices would give log2(100) bits; binned, a number splits into at most 4 answers
    number = Slot("price", kind="number")
    assert split_entropy(number, list(range(100))) == pytest.approx(2.0)
    assert split_entropy(number, [1.0, 1.0, 2.0, 2.0]) == pytest.approx(1.0)
    assert split_entropy(number, [5] * 10 + list(range(10))) <= math.log2(4) + 1e-9


def test_format_value() -> None:
    assert format_value(["a", "b", "c", "d"], None, 3, "、") == "a、b、c"
    assert format_value([], None, 3, ", ") is None
    assert format_value(None, None, 3, ", ") is None
    assert format_value(4.0, None, 3, ", ") == "4" and format_value(4.5, None, 3, ", ") == "4.5"
    assert format_value({"double": "90", "single": "50"}, None, 3, ", ") == "double 90, single 50"
    assert format_value("9.05", Slot("leaveAt", kind="time"), 3, ", ") == "09:05"
    assert format_value("  ", None, 3, ", ") is None
    assert format_value(True, None, 3, ", ") == "yes"


def test_relaxation_prefers_the_constraint_whose_removal_matches_most(context: BuildContext) -> None:
    database = context.database
    roles = slot_roles(context.domain.schema("restaurant"), database.table("restaurant"))
    constraints = {"food": "korean", "area": "north", "pricerange": "expensive"}
    search = Search(database, roles, DomainBelief(constraints=constraints), None, {}, 3, ", ")
    assert search.count == 0
    slot, value = search.relaxation()  # type: ignore[misc]
    left = {s: database.count("restaurant", {k: v for k, v in constraints.items() if k != s}) for s in constraints}
    assert left[slot] == max(left.values())
    assert database.count("restaurant", {**constraints, slot: value}) > 0
    # with equal counts, the constraint given earliest is relaxed
    tie = {"area": "north", "pricerange": "cheap", "food": "korean"}
    mentions = {"food": 0, "area": 1, "pricerange": 1}
    search = Search(database, roles, DomainBelief(constraints=tie), None, mentions, 3, ", ")
    counts = {s: database.count("restaurant", {k: v for k, v in tie.items() if k != s}) for s in tie}
    best = max(counts.values())
    relaxed, _ = search.relaxation()  # type: ignore[misc]
    assert counts[relaxed] == best
    tied = [s for s in tie if counts[s] == best]
    assert relaxed == min(tied, key=lambda s: (mentions[s], list(tie).index(s)))


def test_existing_booking_matches_entity_and_details(context: BuildContext) -> None:
    roles = slot_roles(context.domain.schema("restaurant"), context.database.table("restaurant"))
    entity = context.database.lookup("restaurant", "trattoria lucca")
    booked = DomainBelief(booked=({"ref": "REF12345", "name": "Trattoria Lucca", "people": "2"},))
    assert existing_booking(booked, roles, entity, {"people": "2", "day": "friday"}) == "REF12345"
    assert existing_booking(booked, roles, entity, {"people": "3"}) is None
    other = context.database.entities("restaurant")[1]
    assert existing_booking(booked, roles, other, {"people": "2"}) is None
