"""The tracker's value normaliser reads values as people write them, with the ontology's likely hours."""

from __future__ import annotations

import pytest

from tod.belief import DONTCARE
from tod.domain.loader import load_domain, parse_ontology, read_ontology
from tod.domain.paths import domain_dir
from tod.dst.values import ValueNormaliser


@pytest.fixture(scope="module")
def normaliser() -> ValueNormaliser:
    return ValueNormaliser(load_domain("cityguide"))


@pytest.mark.parametrize(
    ("slot", "said", "canonical"),
    [
        ("time", "8 pm", "20:00"),
        ("time", "at 8", "20:00"),  # restaurant time: likely ["10:00", "22:59"] in the ontology
        ("time", "half past seven", "19:30"),
        ("time", "quarter to 8", "19:45"),
        ("time", "noon", "12:00"),
        ("time", "7.30", "19:30"),
        ("time", "19:30", "19:30"),
        ("time", "around 8 in the evening", "20:00"),
        ("time", "25 o'clock", "25 o'clock"),  # no clock shows it: kept as said, the booking refuses it
        ("people", "four of us", "4"),
        ("people", "Four", "4"),
        ("people", "just me", "1"),
        ("people", "me and my wife", "2"),
        ("people", "a few", "a few"),  # no number: kept, the booking asks
        ("people", "0", "0"),
        ("people", "-3", "-3"),
        ("people", "1e300", "1e300"),
        ("day", "this saturday", "saturday"),
        ("day", "on sat", "saturday"),
        ("day", "saturdy", "saturday"),
        ("day", "tomorrow", "tomorrow"),
        ("food", "japaneese", "japanese"),
        ("food", "chineese", "chinese"),
        ("area", "est", "est"),  # too short to correct: east or west?
        ("area", "any", DONTCARE),
    ],
)
def test_restaurant_values_as_people_write_them(
    normaliser: ValueNormaliser, slot: str, said: str, canonical: str
) -> None:
    assert normaliser.normalise("restaurant", slot, said) == canonical


def test_a_couple_of_nights_is_two(normaliser: ValueNormaliser) -> None:
    assert normaliser.normalise("hotel", "stay", "a couple of nights") == "2"
    assert normaliser.normalise("hotel", "stars", "4 stars") == "4"
    assert normaliser.normalise("hotel", "stars", "4.5") == "4.5"
    assert normaliser.normalise("hotel", "stars", "12345678.5") == "12345678.5"


def test_a_time_slot_without_likely_hours_is_read_as_written() -> None:
    directory = domain_dir("multiwoz")
    source, raw = read_ontology(directory)
    multiwoz = ValueNormaliser(parse_ontology(raw, source, directory))  # the corpus databases are not needed
    assert multiwoz.normalise("train", "leaveAt", "at 8") == "08:00"  # no likely hours: a train may leave at 8
    assert multiwoz.normalise("train", "leaveAt", "half past seven") == "07:30"
    assert multiwoz.normalise("train", "leaveAt", "8 pm") == "20:00"
    assert multiwoz.normalise("restaurant", "time", "at 8") == "20:00"  # a table: likely hours in the ontology
    assert multiwoz.normalise("restaurant", "no such slot", "At 8 PM") == "at 8 pm"  # text normalisation only
