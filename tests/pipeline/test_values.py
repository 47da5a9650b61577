"""Values the tagger cut short are widened to the slot's known form the text writes around them."""

from __future__ import annotations

import pytest

from tod.acts import DialogueAct as A
from tod.domain.loader import load_domain
from tod.pipeline.values import known_forms, widen_values


@pytest.fixture(scope="module")
def city():
    return load_domain("cityguide")


def test_a_value_inside_a_longer_known_value_is_widened(city) -> None:
    text = "I'd like to go to a Swimming Pool please"
    assert "swimming pool" in known_forms(city, "attraction", "type")
    widened = widen_values([A("inform", "attraction", "type", "pool")], text, city)
    assert widened == (A("inform", "attraction", "type", "Swimming Pool"),)  # as written


def test_a_value_also_written_alone_or_not_inside_is_kept(city) -> None:
    alone = "a pool, or a swimming pool"
    assert widen_values([A("inform", "attraction", "type", "pool")], alone, city)[0].value == "pool"
    assert widen_values([A("inform", "attraction", "type", "pool")], "a pool", city)[0].value == "pool"


def test_only_informs_with_a_known_slot_are_touched(city) -> None:
    text = "a swimming pool"
    acts = [
        A("request", "attraction", "type", "pool"),  # not an inform
        A("inform", "attraction", "area", "pool"),  # no such form for the slot
        A("inform", "nowhere", "type", "pool"),  # no such sub-domain
        A("inform", "attraction", "nothing", "pool"),  # no such slot
        A("inform", "attraction", "type", ""),
        A("inform", "attraction", "type", "dontcare"),
        A("thank", "general"),
    ]
    assert widen_values(acts, text, city) == tuple(acts)


@pytest.mark.parametrize("text", ["", "ß" * 50 + " swimming pool", "\u202e pool", "pool" * 500])
def test_hostile_text_never_breaks_it(city, text: str) -> None:
    (act,) = widen_values([A("inform", "attraction", "type", "pool")], text, city)
    assert act.value.casefold() in ("pool", "swimming pool")


@pytest.mark.corpus
def test_crosswoz_not_free_is_not_free() -> None:
    from tests.conftest import require_shared

    crosswoz = load_domain("crosswoz", data_dir=require_shared("crosswoz"))
    (act,) = widen_values([A("inform", "景点", "门票", "免费")], "游玩时间3天的景点。门票要不免费。", crosswoz)
    assert act.value == "不免费"
    (act,) = widen_values([A("inform", "景点", "门票", "免费")], "门票要免费。", crosswoz)
    assert act.value == "免费"


@pytest.mark.parametrize(
    ("text", "slot", "tagged", "expected"),
    [
        ("book a table for four on friday at half past seven", "time", "half", "half past seven"),
        ("for 2 on saturday at 8 pm", "time", "8", "8 pm"),
        ("table for 2 at 25 o'clock", "time", "25", "25 o'clock"),
        ("Saturday at quarter to 8 for the two of us", "time", "8", "quarter to 8"),
        ("four of us, thursday", "people", "four", "four"),
        ("for me and my wife", "people", "wife", "me and my wife"),
        ("book it for just me", "people", "me", "me"),
        ("a party of six please", "people", "six", "six"),
        ("a table for 2", "people", "2", "2"),
    ],
)
def test_times_and_numbers_are_read_from_the_whole_expression(city, text, slot, tagged, expected) -> None:
    from tod.pipeline.values import whole_expressions

    for domain in ("restaurant", ""):  # with the NLU's sub-domain, or none (the focus step places it)
        act = widen_values([A("inform", domain, slot, tagged)], text, city)[0]  # missed details may follow
        assert act == A("inform", domain, slot, expected)
        assert whole_expressions([A("inform", domain, slot, tagged)], text, city) == (act,)


def test_a_couple_of_nights_is_read_whole(city) -> None:
    acts = widen_values([A("inform", "hotel", "stay", "couple")], "from this saturday, a couple of nights", city)
    assert acts == (A("inform", "hotel", "stay", "a couple"), A("inform", "", "day", "saturday"))


def test_a_number_taken_out_of_a_clock_time_is_that_time(city) -> None:
    text = "book a table for four at half past seven"
    acts = [A("inform", "", "people", "four"), A("inform", "", "stay", "half"), A("inform", "", "stay", "seven")]
    expected = (A("inform", "", "people", "four"), A("inform", "", "time", "half past seven"))
    assert widen_values(acts, text, city) == expected
    # a hotel has no booking time: the time goes without a sub-domain, for the focus step
    (act,) = widen_values([A("inform", "hotel", "stay", "8")], "at quarter to 8", city)
    assert act == A("inform", "", "time", "quarter to 8")
    # a bare number is no clock time: "for 2 at 8" keeps its count
    acts = [A("inform", "", "people", "2"), A("inform", "", "time", "8")]
    assert widen_values(acts, "for 2 at 8", city) == tuple(acts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("book it for just me, tuesday, a couple of nights",
         {"people": "just me", "stay": "a couple", "day": "tuesday"}),
        ("two of us, arriving this friday, a couple of nights",
         {"people": "two of us", "stay": "a couple", "day": "friday"}),
        ("four of us, thursday, 3 nights", {"people": "four", "stay": "3", "day": "thursday"}),
        ("me and my wife, saturday", {"people": "me and my wife", "day": "saturday"}),
        ("book 3 ppl from wed", {"people": "3", "day": "wednesday"}),  # a short day name after "from"
        ("the people there were nice", {}),
        ("can u book lemmongrass for tues 2 people", {"people": "2", "day": "tuesday"}),
        ("2 people, friday or saturday", {"people": "2"}),  # two days: left to the NLU
        ("i sat with 2 people", {"people": "2"}),  # a short synonym is a word of its own
        ("we are a couple of friends", {}),
        ("for 2 people, no wait, 3 people", {}),  # said twice, differently: left to the NLU
        ("can you book me a room", {}),  # "me" alone is no party
        ("9" * 3000 + " people", {}),
        ("", {}),
    ],
)
def test_number_details_the_tagger_missed_are_found_by_their_units(city, text, expected) -> None:
    from tod.pipeline.values import missed_details

    added = missed_details([], text, city)
    assert {a.slot: a.value for a in added} == expected
    assert all(a.intent == "inform" and a.domain == "" for a in added)
    informed = [A("inform", "", "people", "2")]  # a slot the NLU informed is left to it
    assert all(a.slot != "people" for a in missed_details(informed, text, city)[1:])


def test_values_not_in_the_text_or_of_other_kinds_are_kept(city) -> None:
    kept = [
        A("inform", "restaurant", "time", "19:30"),  # not written in the text
        A("inform", "restaurant", "time", "dontcare"),
        A("request", "restaurant", "time", "8"),  # not an inform
        A("inform", "restaurant", "food", "8"),  # not a time or number slot
        A("inform", "restaurant", "people", ""),
    ]
    assert widen_values(kept, "at 8 pm for ß people", city) == tuple(kept)
    hostile = "9" * 5000 + " o'clock; DROP TABLE x; --"
    (act,) = widen_values([A("inform", "restaurant", "time", "9")], hostile, city)
    assert act.value == "9"  # nothing around it reads as a time: left as the tagger gave it
