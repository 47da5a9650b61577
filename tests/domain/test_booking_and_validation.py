"""Bookings on the built-in domain, value normalisation, and validation of the built-in domain."""

from __future__ import annotations

import re

import pytest

from tod.domain.booking import Booker
from tod.domain.database import Database, open_database
from tod.domain.normalise import name_key, norm_text, parse_number, parse_time
from tod.domain.validate import validate_domain
from tod.errors import QueryError


@pytest.fixture(scope="module")
def cityguide() -> Database:
    return open_database("cityguide")


def test_cityguide_validates_with_zero_problems(cityguide: Database) -> None:
    assert validate_domain(cityguide) == []
    assert (cityguide.count("restaurant"), cityguide.count("hotel"), cityguide.count("attraction")) == (40, 20, 30)


def test_validation_reports_values_outside_the_set(tmp_path, cityguide: Database) -> None:
    import json
    import shutil

    directory = tmp_path / "broken"
    shutil.copytree(cityguide.domain.directory, directory)
    rows = json.loads((directory / "db" / "hotel.json").read_text())
    rows[0]["area"] = "the moon"
    rows[1]["name"] = rows[2]["name"]
    for row in rows:
        row.pop("internet")
    (directory / "db" / "hotel.json").write_text(json.dumps(rows))
    kinds = {(p.domain, p.slot, p.kind) for p in validate_domain(open_database(directory).domain)}
    assert kinds == {
        ("hotel", "area", "value-outside-set"),
        ("hotel", None, "duplicate-name"),
        ("hotel", "internet", "missing-field"),
    }


def test_booking_is_deterministic_for_a_seed(cityguide: Database) -> None:
    entity = cityguide.query("restaurant", {"food": "italian"})[0]
    details = {"people": "2", "day": "Fri", "time": "7.30pm"}

    def run(seed: int) -> list[str]:
        booker = Booker(cityguide, seed)
        return [booker.book("restaurant", entity, details).reference for _ in range(3)]

    assert run(1) == run(1)
    assert run(1) != run(2)
    assert all(re.fullmatch(r"[A-Z0-9]{8}", ref) for ref in run(1))
    booking = Booker(cityguide, 0).book("restaurant", entity, details)
    assert booking.entity == entity and booking.details["people"] == "2"


@pytest.mark.parametrize(
    ("domain", "details", "message"),
    [
        ("restaurant", {"people": "2", "day": "friday"}, r"missing detail\(s\) \['time'\]"),
        ("restaurant", {"people": "2", "day": "friday", "time": "19:00", "stay": "2"}, r"unknown detail.*'stay'"),
        ("restaurant", {"people": "two", "day": "friday", "time": "19:00"}, "people must be a number"),
        ("restaurant", {"people": "2", "day": "someday", "time": "19:00"}, "day must be one of"),
        ("restaurant", {"people": "2", "day": "friday", "time": "teatime"}, "time must be a time"),
        ("hotel", {"people": "2", "day": "friday", "stay": "dontcare"}, r"missing detail\(s\) \['stay'\]"),
        ("attraction", {}, "attraction takes no bookings"),
    ],
)
def test_bad_booking_details(cityguide: Database, domain: str, details: dict[str, str], message: str) -> None:
    entity = cityguide.entities(domain)[0]
    with pytest.raises(QueryError, match=message):
        Booker(cityguide).book(domain, entity, details)


def test_booking_needs_an_entity_unless_generated(cityguide: Database) -> None:
    with pytest.raises(QueryError, match="expected an entity"):
        Booker(cityguide).book("hotel", None, {"people": "1", "day": "monday", "stay": "2"})


def test_normalisation() -> None:
    assert [parse_time(t) for t in ("9:15", "09:15", "21.15", "0915", "9pm", "12am", "24:00")] == [
        555,
        555,
        1275,
        555,
        1260,
        0,
        1440,
    ]
    assert parse_time("teatime") is None and parse_time("25:00") is None and parse_time("9:75") is None
    assert parse_number("23.60 pounds") == 23.6 and parse_number(4) == 4.0 and parse_number("lots") is None
    assert norm_text("  City   Centre ", {"city centre": "centre"}) == "centre"
    assert name_key("The Copper Kettle") == "copper kettle"
