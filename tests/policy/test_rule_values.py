"""Booking values the booking cannot take are refused with a question at once, and never confirmed."""

from __future__ import annotations

import pytest

from tests.policy.test_rule import make_state, predict
from tod.acts import REQUESTED, DialogueAct
from tod.domain.context import BuildContext
from tod.policy.rule import RulePolicy

A = DialogueAct


@pytest.fixture(scope="module")
def policy() -> RulePolicy:
    return RulePolicy.from_config(BuildContext.open("cityguide", seed=7))


@pytest.mark.parametrize(
    ("slot", "value"),
    [("people", "0"), ("people", "400"), ("people", "-3"), ("people", "a few"), ("time", "25 o'clock"),
     ("time", "24:30"), ("day", "tomorrow")],
)
def test_an_unbookable_detail_is_refused_as_soon_as_it_is_said(policy: RulePolicy, slot: str, value: str) -> None:
    # nothing else is known yet: no entity chosen, the other details missing
    state = make_state(
        {"restaurant": {"constraints": {"food": "italian"}, "booking": {slot: value}}},
        [A("inform", "restaurant", slot, value)],
    )
    refusal = [A("nobook", "restaurant", slot, value), A("request", "restaurant", slot, REQUESTED)]
    assert predict(policy, state) == refusal


def test_an_unbookable_detail_said_earlier_does_not_block_the_turn(policy: RulePolicy) -> None:
    state = make_state(
        {"restaurant": {"constraints": {"food": "italian", "area": "centre", "pricerange": "cheap"},
                        "booking": {"people": "0"}}},
        [A("request", "restaurant", "phone", REQUESTED)],
        earlier=[[A("inform", "restaurant", "people", "0")], [A("request", "restaurant", "people", REQUESTED)]],
    )  # fmt: skip
    acts = predict(policy, state)
    assert [a.slot for a in acts if a.intent == "inform"] == ["phone"]  # the question is answered
    assert acts[:2] == [A("nobook", "restaurant", "people", "0"), A("request", "restaurant", "people", REQUESTED)]


def test_an_unbookable_detail_is_not_confirmed_when_the_nlu_is_unsure(policy: RulePolicy) -> None:
    state = make_state(
        {"restaurant": {"constraints": {"food": "italian"}, "booking": {"time": "25 o'clock"}}},
        [A("inform", "restaurant", "time", "25 o'clock"), A("inform", "restaurant", "food", "italian")],
        confidence=0.1,
    )
    acts = predict(policy, state)
    assert A("confirm", "restaurant", "time", "25 o'clock") not in acts
    assert A("confirm", "restaurant", "food", "italian") in acts  # the rest is confirmed as before


def test_a_bookable_time_books(policy: RulePolicy) -> None:
    state = make_state(
        {"restaurant": {"constraints": {"name": "trattoria lucca"},
                        "booking": {"people": "2", "day": "saturday", "time": "20:00"}}},
        [A("inform", "restaurant", "time", "20:00")],
    )  # fmt: skip
    acts = predict(policy, state)
    assert A("book", "restaurant", "time", "20:00") in acts and not [a for a in acts if a.intent == "nobook"]
