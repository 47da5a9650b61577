"""The one booking plan and booking reference both policies use (tod.domain.booking)."""

from __future__ import annotations

import pytest

from tests.conftest import require_shared
from tod._schema import FrozenMap
from tod.belief import DomainBelief
from tod.domain.booking import (
    Booker,
    BookingPlan,
    booking_details,
    booking_reference,
    missing_details,
    plan_booking,
    stable_reference,
)
from tod.domain.database import Database, open_database
from tod.errors import QueryError

DETAILS = {"people": "2", "day": "friday", "time": "19:30"}


@pytest.fixture(scope="module")
def city() -> Database:
    return open_database("cityguide")


def plan(database: Database, subdomain: str, belief: DomainBelief, seed: int = 0) -> BookingPlan:
    return plan_booking(Booker(database, seed), database.domain.schema(subdomain), belief)


def test_a_complete_booking_is_checked_and_ready(city: Database) -> None:
    made = plan(city, "restaurant", DomainBelief({"food": "thai"}, booking={**DETAILS, "time": "7.30pm"}))
    assert made.ready and made.missing == () and made.invalid is None and made.generated is None
    assert made.details == FrozenMap({"people": "2", "day": "friday", "time": "7.30pm"})  # booking-slot order
    assert made.checked == FrozenMap({"people": "2", "day": "friday", "time": "7.30pm"})


def test_missing_details_are_named_and_nothing_is_checked(city: Database) -> None:
    made = plan(city, "restaurant", DomainBelief(booking={"people": "2"}))
    assert made.missing == ("day", "time") and made.checked is None and not made.ready and made.invalid is None
    assert missing_details(city.domain.schema("restaurant"), {"people": "2"}) == ["day", "time"]


@pytest.mark.parametrize(
    ("booking", "invalid"),
    [
        ({**DETAILS, "day": "someday"}, ("day", "someday")),
        ({**DETAILS, "people": "2.5"}, ("people", "2.5")),
        ({**DETAILS, "people": "0"}, ("people", "0")),
        ({**DETAILS, "time": "teatime"}, ("time", "teatime")),
        ({**DETAILS, "people": "many", "day": "someday"}, ("people", "many")),  # the first in booking-slot order
    ],
)
def test_the_first_detail_that_does_not_fit_is_named(city: Database, booking: dict, invalid: tuple) -> None:
    made = plan(city, "restaurant", DomainBelief(booking=booking))
    assert made.invalid == invalid and made.checked is None and made.missing == ()


@pytest.mark.parametrize("dontcare", ["dontcare", "DontCare", " dontcare ", "DONTCARE"])
def test_dontcare_is_no_detail_however_it_is_written(city: Database, dontcare: str) -> None:
    made = plan(city, "restaurant", DomainBelief(booking={**DETAILS, "day": dontcare}))
    assert made.missing == ("day",) and "day" not in made.details and made.checked is None


def test_details_come_from_the_booking_then_the_constraints(city: Database) -> None:
    schema = city.domain.schema("restaurant")
    belief = DomainBelief({"people": "4", "food": "thai"}, booking={"people": "2", "day": "friday"})
    assert booking_details(schema, belief) == {"people": "2", "day": "friday"}  # the booking detail wins
    assert booking_details(schema, DomainBelief({"people": "4"})) == {"people": "4"}
    assert booking_details(city.domain.schema("attraction"), DomainBelief({"area": "north"})) == {}


def test_a_subdomain_without_bookings_has_an_empty_plan(city: Database) -> None:
    made = plan(city, "attraction", DomainBelief({"area": "north"}))
    assert made == BookingPlan("attraction", FrozenMap())


def test_the_reference_depends_on_seed_entity_details_and_turn(city: Database) -> None:
    made = plan(city, "restaurant", DomainBelief(booking=DETAILS))
    reference = booking_reference(7, made, "trattoria lucca", 3)
    assert reference == stable_reference(7, "restaurant", "trattoria lucca", "day=friday", "people=2", "time=19:30", "3")
    assert len(reference) == 8 and reference.isalnum() and reference.upper() == reference
    others = {
        booking_reference(8, made, "trattoria lucca", 3),
        booking_reference(7, made, "luna rossa", 3),
        booking_reference(7, made, "trattoria lucca", 4),
        booking_reference(7, plan(city, "restaurant", DomainBelief(booking={**DETAILS, "people": "3"})), "x", 3),
    }
    assert reference not in others and len(others) == 4
    assert booking_reference(7, made, "trattoria lucca", 3) == reference  # replayed: the same


def test_no_reference_for_a_plan_that_is_not_ready(city: Database) -> None:
    with pytest.raises(QueryError, match="not complete and valid"):
        booking_reference(0, plan(city, "restaurant", DomainBelief(booking={"people": "2"})), "x", 1)


@pytest.mark.parametrize(
    ("slot", "value"),
    [
        ("people", "400"),  # beyond the ontology's range [1, 20]
        ("people", "21"),
        ("people", "-3"),
        ("people", "0"),
        ("people", "1" * 400),  # beyond a float: refused, not a crash
        ("people", "1e300"),
        ("time", "25:00"),
        ("time", "24:30"),  # a timetable time, not a table's
        ("time", "03:00"),  # before the range ["09:00", "23:30"]
        ("time", "25 o'clock"),
        ("day", "tomorrow"),  # no calendar: the day must be named
    ],
)
def test_values_outside_the_ontology_s_range_are_refused(city: Database, slot: str, value: str) -> None:
    made = plan(city, "restaurant", DomainBelief(booking={**DETAILS, slot: value}))
    assert made.invalid == (slot, value) and not made.ready
    with pytest.raises(QueryError, match=slot):
        Booker(city).check("restaurant", {**DETAILS, slot: value})


def test_the_range_ends_are_bookable(city: Database) -> None:
    for booking in ({**DETAILS, "people": "1"}, {**DETAILS, "people": "20"}, {**DETAILS, "time": "09:00"}):
        assert plan(city, "restaurant", DomainBelief(booking=booking)).ready
    assert plan(city, "hotel", DomainBelief(booking={"people": "2", "day": "friday", "stay": "30"})).ready
    assert plan(city, "hotel", DomainBelief(booking={"people": "2", "day": "friday", "stay": "31"})).invalid


def test_an_unbookable_detail_is_found_before_the_others_are_given(city: Database) -> None:
    made = plan(city, "restaurant", DomainBelief(booking={"people": "0"}))
    assert made.invalid == ("people", "0") and made.missing == ("day", "time") and made.checked is None


def test_invalid_passes_over_details_that_are_no_slots(city: Database) -> None:
    booker = Booker(city)
    assert booker.invalid("restaurant", {"colour": "red", "people": "2"}) is None
    assert booker.invalid("restaurant", {"colour": "red", "people": "two"}) == ("people", "two")


def test_a_generated_subdomain_draws_the_same_entity_for_the_same_trip() -> None:
    database = open_database("multiwoz", data_dir=require_shared("multiwoz"))
    trip = {"departure": "acorn guest house", "destination": "curry garden", "leaveAt": "10:15"}
    made = plan(database, "taxi", DomainBelief(trip))  # taxi details are constraints too
    assert made.ready and made.generated is not None and made.generated.domain == "taxi"
    assert plan(database, "taxi", DomainBelief(trip)).generated == made.generated
    assert plan(database, "taxi", DomainBelief(trip), seed=1).generated is not None
    assert plan(database, "taxi", DomainBelief({"departure": "acorn guest house"})).generated is None  # incomplete
