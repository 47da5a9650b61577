"""The rule tracker's exclusions: "not in the north" is kept apart from constraints and undone by an inform."""

from __future__ import annotations

import pytest

from tod.acts import EXCLUDE, DialogueAct
from tod.belief import DONTCARE, BeliefState, DomainBelief
from tod.domain.loader import load_domain
from tod.dst.rule import RuleDST


def A(intent: str, domain: str = "", slot: str = "", value: str = "") -> DialogueAct:
    return DialogueAct(intent, domain, slot, value)


def X(domain: str, slot: str, value: str) -> DialogueAct:
    return DialogueAct(EXCLUDE, domain, slot, value)


@pytest.fixture(scope="module")
def tracker() -> RuleDST:
    return RuleDST(load_domain("cityguide"))


def test_an_exclusion_is_kept_apart_and_normalised(tracker: RuleDST) -> None:
    belief = tracker.update(BeliefState(), [A("inform", "restaurant", "pricerange", "cheap"), X("restaurant", "area", "Center")])
    assert dict(belief["restaurant"].constraints) == {"pricerange": "cheap"}
    assert belief["restaurant"].excluded == {"area": ("centre",)}


def test_excluding_the_held_value_removes_the_constraint(tracker: RuleDST) -> None:
    before = BeliefState({"restaurant": DomainBelief({"area": "north", "food": "thai"})})
    belief = tracker.update(before, [X("restaurant", "area", "north")])
    assert dict(belief["restaurant"].constraints) == {"food": "thai"}
    assert belief["restaurant"].excluded == {"area": ("north",)}


def test_excluding_another_value_keeps_the_constraint(tracker: RuleDST) -> None:
    before = BeliefState({"hotel": DomainBelief({"type": "hotel"})})
    belief = tracker.update(before, [X("hotel", "type", "guesthouse")])
    assert dict(belief["hotel"].constraints) == {"type": "hotel"}
    assert belief["hotel"].excluded == {"type": ("guesthouse",)}


def test_a_hotel_not_a_guesthouse_in_one_turn(tracker: RuleDST) -> None:
    belief = tracker.update(BeliefState(), [A("inform", "hotel", "type", "hotel"), X("hotel", "type", "guesthouse")])
    assert dict(belief["hotel"].constraints) == {"type": "hotel"} and belief["hotel"].excluded == {"type": ("guesthouse",)}


def test_exclusions_accumulate_and_a_later_inform_of_the_value_takes_one_back(tracker: RuleDST) -> None:
    belief = tracker.update(BeliefState(), [X("restaurant", "food", "chinese")])
    belief = tracker.update(belief, [X("restaurant", "food", "indian"), X("restaurant", "food", "chinese")])
    assert belief["restaurant"].excluded == {"food": ("chinese", "indian")}
    belief = tracker.update(belief, [A("inform", "restaurant", "food", "Chinese")])
    assert belief["restaurant"].constraints["food"] == "chinese"
    assert belief["restaurant"].excluded == {"food": ("indian",)}
    belief = tracker.update(belief, [A("inform", "restaurant", "food", "indian")])
    assert not belief["restaurant"].excluded


def test_a_later_inform_of_another_value_keeps_the_exclusion(tracker: RuleDST) -> None:
    belief = tracker.update(BeliefState(), [X("restaurant", "area", "north")])
    belief = tracker.update(belief, [A("inform", "restaurant", "area", "south")])
    assert belief["restaurant"].constraints["area"] == "south" and belief["restaurant"].excluded == {"area": ("north",)}


def test_dontcare_clears_earlier_exclusions_of_the_slot(tracker: RuleDST) -> None:
    belief = tracker.update(BeliefState(), [X("restaurant", "area", "north"), X("restaurant", "food", "thai")])
    belief = tracker.update(belief, [A("inform", "restaurant", "area", "dontcare")])
    assert belief["restaurant"].constraints["area"] == DONTCARE
    assert belief["restaurant"].excluded == {"food": ("thai",)}


def test_anything_but_in_one_turn_keeps_both(tracker: RuleDST) -> None:
    belief = tracker.update(BeliefState(), [A("inform", "restaurant", "food", "dontcare"), X("restaurant", "food", "thai")])
    assert belief["restaurant"].constraints["food"] == DONTCARE and belief["restaurant"].excluded == {"food": ("thai",)}


def test_a_domainless_exclusion_goes_to_the_domain_in_focus(tracker: RuleDST) -> None:
    before = BeliefState({"hotel": DomainBelief({"area": "east"})})
    system = [A("request", "hotel", "pricerange", "?")]
    belief = tracker.update(before, [X("", "pricerange", "expensive")], system)
    assert belief["hotel"].excluded == {"pricerange": ("expensive",)}


def test_excluding_a_booking_detail_removes_it_and_keeps_no_exclusion(tracker: RuleDST) -> None:
    before = BeliefState({"restaurant": DomainBelief({"food": "thai"}, booking={"day": "friday", "people": "4"})})
    belief = tracker.update(before, [X("restaurant", "day", "Fri")])
    assert dict(belief["restaurant"].booking) == {"people": "4"} and not belief["restaurant"].excluded


def test_asking_for_another_one_keeps_the_exclusions(tracker: RuleDST) -> None:
    before = BeliefState({"restaurant": DomainBelief({"food": "thai"}, excluded={"area": ("north",)})})
    belief = tracker.update(before, [A("reqalts", "restaurant")])
    assert belief["restaurant"].excluded == {"area": ("north",)}  # another entity, the same wishes


@pytest.mark.parametrize(
    "act",
    [
        X("restaurant", "colour", "red"),  # unknown slot
        X("restaurant", "area", ""),  # no value
        X("restaurant", "", "north"),  # no slot
        X("nowhere", "area", "north"),  # unknown sub-domain, nothing in focus
        X("restaurant", "phone", "01632"),  # requestable only
        X("restaurant", "area", "dontcare"),  # ruling out "any" means nothing
    ],
)
def test_exclusions_that_mean_nothing_change_nothing(tracker: RuleDST, act: DialogueAct) -> None:
    before = BeliefState({"restaurant": DomainBelief({"food": "thai"})})
    assert tracker.update(before, [act]) == before


def test_an_unknown_value_is_kept_as_said(tracker: RuleDST) -> None:
    belief = tracker.update(BeliefState(), [X("restaurant", "area", "Mars" * 50)])
    assert belief["restaurant"].excluded["area"] == (("mars" * 50),)


def test_exclusions_survive_turns_that_do_not_touch_them(tracker: RuleDST) -> None:
    belief = tracker.update(BeliefState(), [X("hotel", "type", "guesthouse")])
    belief = tracker.update(belief, [A("inform", "hotel", "area", "east"), A("request", "hotel", "phone", "?")])
    belief = tracker.update(belief, [A("inform", "restaurant", "food", "thai")])
    assert belief["hotel"].excluded == {"type": ("guesthouse",)}
