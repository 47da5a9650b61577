"""Values as people write them: times, numbers, days, and the whole expression around a tagged part."""

from __future__ import annotations

import pytest

from tod.domain.value_reading import (
    NumberReading,
    TimeReading,
    expression_around,
    likely_time,
    read_choice,
    read_number,
    read_time,
)
from tod.domain.value_words import ENGLISH, NO_WORDS, value_words

DINNER = (10 * 60, 22 * 60 + 59)  # the city guide's likely hours for a table
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_SYNONYMS = {"sat": "saturday", "fri": "friday", "tues": "tuesday"}


def hhmm(text: str, likely: tuple[int, int] | None = DINNER) -> str | None:
    minutes = likely_time(read_time(text, ENGLISH), likely)
    return None if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("8 pm", "20:00"),
        ("8pm", "20:00"),
        ("8PM", "20:00"),
        ("8 p.m.", "20:00"),
        ("at 8", "20:00"),  # a dinner: the likely hours move it
        ("eight", "20:00"),
        ("half past seven", "19:30"),
        ("Half past 7", "19:30"),
        ("half seven", "19:30"),
        ("quarter to 8", "19:45"),
        ("a quarter to eight", "19:45"),
        ("quarter past 6", "18:15"),
        ("twenty past six", "18:20"),
        ("ten to nine", "20:50"),
        ("10 minutes to 9", "20:50"),
        ("noon", "12:00"),
        ("midday", "12:00"),
        ("12 noon", "12:00"),
        ("midnight", "00:00"),
        ("7.30", "19:30"),
        ("7:30", "19:30"),
        ("19:30", "19:30"),
        ("1930", "19:30"),
        ("07:30", "07:30"),  # a leading zero fixes the morning
        ("seven thirty", "19:30"),
        ("seven forty five", "19:45"),
        ("seven oh five", "19:05"),
        ("around 8 in the evening", "20:00"),
        ("8 in the morning", "08:00"),
        ("6 o'clock in the evening", "18:00"),
        ("6 o’clock", "18:00"),
        ("at 6 oclock", "18:00"),
        ("8.30pm", "20:30"),
        ("12 pm", "12:00"),
        ("12 am", "00:00"),
        ("11", "11:00"),  # inside the likely hours: kept
        ("10", "10:00"),
        ("1", "13:00"),
        ("tonight at 9", "21:00"),
        ("9 tonight", "21:00"),
        ("٨ pm", "20:00"),  # Arabic-Indic digit eight
    ],
)
def test_times_as_people_write_them(text: str, expected: str) -> None:
    assert hhmm(text) == expected


def test_without_likely_hours_a_time_is_read_as_written() -> None:
    assert hhmm("at 8", None) == "08:00"
    assert hhmm("half past seven", None) == "07:30"
    assert hhmm("8 pm", None) == "20:00"
    assert hhmm("24:45", None) == "24:45"  # timetables write times after midnight so


@pytest.mark.parametrize("text", ["25 o'clock", "25:00", "7:75", "13 am", "99 pm", "25"])
def test_impossible_times_are_marked_impossible(text: str) -> None:
    reading = read_time(text, ENGLISH)
    assert reading.minutes is None and reading.impossible, reading


@pytest.mark.parametrize(
    "text",
    ["", "   ", "banana", "a", "both", "the", "1e300", "10**100", "9" * 400, "at", "pm", "in the evening",
     "'; DROP TABLE bookings; --", "<script>alert(1)</script>", "half", "quarter to", "past seven", "\x00\x01"],
)
def test_what_is_no_time_reads_as_no_time(text: str) -> None:
    reading = read_time(text, ENGLISH)
    assert reading == TimeReading(None), reading


@pytest.mark.parametrize(
    "text, expected",
    [
        ("4", 4),
        ("four", 4),
        ("Four of us", 4),
        ("for 2", 2),
        ("a couple of nights", 2),
        ("a couple", 2),
        ("couple of nights", 2),
        ("just me", 1),
        ("only me", 1),
        ("me and my wife", 2),
        ("my wife and I", 2),
        ("the two of us", 2),
        ("party of six", 6),
        ("a party of 6", 6),
        ("table for 3", 3),
        ("3 people", 3),
        ("3ppl", 3),
        ("two adults", 2),
        ("just the one night", 1),
        ("eleven", 11),
        ("fifteen", 15),
        ("twenty", 20),
        ("twenty one", 21),
        ("twenty-one", 21),
        ("a dozen", 12),
        ("0 people", 0),
        ("zero", 0),
        ("-3 nights", -3),
        ("400 people", 400),
        ("４", 4),  # a full-width digit is a digit
    ],
)
def test_numbers_as_people_write_them(text: str, expected: int) -> None:
    assert read_number(text, ENGLISH) == NumberReading(expected)


@pytest.mark.parametrize("text", ["a few", "A few people", "several", "some of us", "a bunch"])
def test_an_amount_without_a_number_is_vague(text: str) -> None:
    assert read_number(text, ENGLISH) == NumberReading(None, vague=True)


@pytest.mark.parametrize(
    "text",
    ["", "  ", "banana", "1e300", "10**100", "9" * 101, "NaN", "inf", "four five", "2.5.1",
     "'; DROP TABLE bookings; --", "<img src=x onerror=alert(1)>", "\u202e4", "twenty twenty"],
)
def test_what_is_no_number_reads_as_no_number(text: str) -> None:
    assert read_number(text, ENGLISH).value is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("saturday", "saturday"),
        ("this saturday", "saturday"),
        ("this coming saturday", "saturday"),
        ("next friday", "friday"),
        ("on sat", "saturday"),
        ("Saturday", "saturday"),
        ("saturdy", "saturday"),
        ("thurday", "thursday"),
        ("wensday", "wednesday"),
        ("tomorrow", None),  # the domain has no calendar: asked which day
        ("today", None),
        ("sun", None),  # not a synonym here, too short to correct
        ("", None),
        ("x" * 10_000, None),
    ],
)
def test_days_as_people_write_them(text: str, expected: str | None) -> None:
    assert read_choice(text, DAYS, DAY_SYNONYMS, ENGLISH) == expected


def test_plurals_are_read_as_their_value() -> None:
    types = ("theatre", "nightclub", "architecture", "museum")
    synonyms = {"club": "nightclub", "church": "architecture"}
    assert read_choice("theatres", types, synonyms, ENGLISH) == "theatre"
    assert read_choice("clubs", types, synonyms, ENGLISH) == "nightclub"
    assert read_choice("churches", types, synonyms, ENGLISH) == "architecture"
    assert read_choice("s", types, synonyms, ENGLISH) is None and read_choice("es", types, synonyms, ENGLISH) is None


def test_a_spelling_equally_close_to_two_values_is_not_corrected() -> None:
    assert read_choice("nouth east", ("north east", "south east"), {}, ENGLISH) is None
    assert read_choice("chineese", ("chinese", "japanese"), {}, ENGLISH) == "chinese"


def test_a_language_without_value_words_reads_digits_only() -> None:
    assert value_words("zh") is NO_WORDS and value_words("en") is ENGLISH
    assert read_number("4", NO_WORDS).value == 4 and read_number("four", NO_WORDS).value is None
    assert read_time("19:30", NO_WORDS).minutes == 19 * 60 + 30 and read_time("8 pm", NO_WORDS).minutes is None


def _reads_time(text: str) -> bool:
    reading = read_time(text, ENGLISH)
    return reading.minutes is not None or reading.impossible


@pytest.mark.parametrize(
    "text, tagged, expected",
    [
        ("can you book a table for four on friday at half past seven please", "half", "at half past seven"),
        ("book it for 2 on saturday at 8pm", "8pm", "at 8pm"),
        ("for 2 on saturday at 8 pm, thanks", "8", "at 8 pm"),
        ("a table at 25 o'clock", "25", "at 25 o'clock"),
        ("book for 4 on thursday, half six", "six", "half six"),
        ("table at 7 for 2 people", "7", "at 7"),
        ("around 8ish for two", "8ish", "around 8ish"),
    ],
)
def test_the_whole_expression_around_a_tagged_part(text: str, tagged: str, expected: str) -> None:
    start = text.index(tagged)
    span = expression_around(text, start, start + len(tagged), _reads_time)
    assert span is not None and text[span[0] : span[1]] == expected


def test_no_expression_when_nothing_around_the_tag_reads() -> None:
    text = "a cheap italian place please"
    start = text.index("italian")
    assert expression_around(text, start, start + 7, _reads_time) is None
    assert expression_around("", 0, 0, _reads_time) is None
    assert expression_around("at 8", 50, 60, _reads_time) is None  # a span outside the text


def test_the_expression_is_found_in_a_long_text_and_stops_at_words_in_no_value() -> None:
    from tod.domain.value_reading import may_be_in_value

    text = "y " * 900 + "at half past seven"
    start = text.index("half")
    span = expression_around(text, start, start + 4, _reads_time, lambda w: may_be_in_value(w, ENGLISH))
    assert span is not None and text[span[0] : span[1]] == "at half past seven"
    text = "seven friends, dinner at half past seven"
    start = text.rindex("half")
    span = expression_around(text, start, start + 4, _reads_time, lambda w: may_be_in_value(w, ENGLISH))
    assert span is not None and text[span[0] : span[1]] == "at half past seven"
    assert may_be_in_value("Half", ENGLISH) and may_be_in_value("8pm,", ENGLISH) and not may_be_in_value("dinner", ENGLISH)
