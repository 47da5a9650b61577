"""RuleDST per act type on the cityguide ontology, and on real MultiWOZ/CrossWOZ ontologies."""

from __future__ import annotations

import pytest

from tod.acts import REQUESTED, DialogueAct
from tod.belief import DONTCARE, BeliefState
from tod.domain.loader import load_domain
from tod.dst.rule import RuleDST, RuleOptions
from tod.registry import DST_REGISTRY

from ..conftest import require_shared


def A(intent: str, domain: str = "", slot: str = "", value: str = "") -> DialogueAct:
    return DialogueAct(intent, domain, slot, value)


@pytest.fixture(scope="module")
def tracker() -> RuleDST:
    return RuleDST(load_domain("cityguide"))


def test_registered_as_rule() -> None:
    assert DST_REGISTRY.get("rule") is RuleDST


def test_inform_normalises_to_the_ontology(tracker: RuleDST) -> None:
    state = tracker.update(
        BeliefState(), [A("inform", "restaurant", "area", "Center"), A("inform", "restaurant", "food", "Pizza")]
    )
    assert dict(state["restaurant"].constraints) == {"area": "centre", "food": "italian"}
    assert not state["restaurant"].booking


def test_booking_slot_goes_to_booking(tracker: RuleDST) -> None:
    state = tracker.update(BeliefState(), [A("inform", "hotel", "day", "Fri"), A("inform", "hotel", "people", "2")])
    assert dict(state["hotel"].booking) == {"day": "friday", "people": "2"}
    assert not state["hotel"].constraints
    timed = tracker.update(BeliefState(), [A("inform", "restaurant", "time", "7pm")])
    assert timed["restaurant"].booking["time"] == "19:00"


def test_dontcare_spellings(tracker: RuleDST) -> None:
    state = tracker.update(
        BeliefState(), [A("inform", "hotel", "area", "don't care"), A("inform", "hotel", "pricerange", "any")]
    )
    assert dict(state["hotel"].constraints) == {"area": DONTCARE, "pricerange": DONTCARE}


def test_negate_and_deny_remove_the_value(tracker: RuleDST) -> None:
    start = tracker.update(
        BeliefState(), [A("inform", "restaurant", "area", "north"), A("inform", "restaurant", "food", "thai")]
    )
    state = tracker.update(
        start, [A("negate", "restaurant", "area", "north"), A("deny", "restaurant", "food", "indian")]
    )
    assert dict(state["restaurant"].constraints) == {"food": "thai"}  # indian was never the value
    replaced = tracker.update(
        start, [A("deny", "restaurant", "food", "thai"), A("inform", "restaurant", "food", "korean")]
    )
    assert replaced["restaurant"].constraints["food"] == "korean"


def test_request_resets_every_turn(tracker: RuleDST) -> None:
    asked = tracker.update(BeliefState(), [A("request", "hotel", "phone", REQUESTED)])
    assert asked["hotel"].requested == ("phone",)
    later = tracker.update(asked, [A("request", "restaurant", "address", REQUESTED)])
    assert later["hotel"].requested == () and later["restaurant"].requested == ("address",)


def test_reqalts_drops_the_name(tracker: RuleDST) -> None:
    start = tracker.update(
        BeliefState(), [A("inform", "hotel", "name", "The Anchor"), A("inform", "hotel", "area", "east")]
    )
    state = tracker.update(start, [A("reqalts", "hotel")])
    assert dict(state["hotel"].constraints) == {"area": "east"}


def test_pseudo_domain_acts_apply_to_the_domain_talked_about(tracker: RuleDST) -> None:
    system = [A("request", "booking", "day", REQUESTED), A("inform", "hotel", "name", "the anchor")]
    state = tracker.update(BeliefState(), [A("inform", "booking", "day", "monday")], system)
    assert state["hotel"].booking["day"] == "monday"
    assert tracker.update(BeliefState(), [A("inform", "booking", "day", "monday")]).is_empty  # no domain to apply to


def test_general_acts_change_nothing(tracker: RuleDST) -> None:
    start = tracker.update(BeliefState(), [A("inform", "hotel", "area", "east")])
    assert tracker.update(start, [A("thank", "general"), A("bye", "general")]) == start


def test_unknown_slots_are_ignored(tracker: RuleDST) -> None:
    assert tracker.update(BeliefState(), [A("inform", "hotel", "colour", "red")]).is_empty


def test_offered_name_option(tracker: RuleDST) -> None:
    system = [A("recommend", "hotel", "name", "The Anchor")]
    user = [A("inform", "hotel", "name", "the anchor")]
    assert tracker.update(BeliefState(), user, system)["hotel"].constraints["name"] == "the anchor"
    strict = RuleDST(tracker.domain, RuleOptions(accept_offered_names=False))
    assert strict.update(BeliefState(), user, system).is_empty
    assert strict.update(BeliefState(), user)["hotel"].constraints["name"] == "the anchor"  # not offered: kept


def test_request_name_starts_a_new_search(tracker: RuleDST) -> None:
    searching = RuleDST(tracker.domain, RuleOptions(request_name_starts_search=True))
    start = searching.update(BeliefState(), [A("inform", "hotel", "area", "east"), A("inform", "hotel", "stars", "4")])
    state = searching.update(start, [A("inform", "hotel", "area", "west"), A("request", "hotel", "name", REQUESTED)])
    assert dict(state["hotel"].constraints) == {"area": "west"}


def test_crosswoz_items_and_select_nearby() -> None:
    tracker = RuleDST(load_domain("crosswoz", data_dir=require_shared("crosswoz")))
    state = tracker.update(
        BeliefState(),
        [
            A("inform", "酒店", "酒店设施-早餐服务", "是"),
            A("inform", "酒店", "酒店设施-SPA", "是"),
            A("inform", "酒店", "酒店类型", "高档型"),
        ],
    )
    assert dict(state["酒店"].constraints) == {"酒店设施": "早餐服务 SPA", "酒店类型": "高档型"}
    near = tracker.update(
        state,
        [
            A("inform", "景点", "名称", "天安门广场"),
            A("inform", "酒店", "评分", "4.5分以上"),
            A("select", "酒店", "源领域", "景点"),
        ],
    )
    assert near["酒店"].constraints["周边景点"] == "天安门广场"
    assert "景点" not in near.domains  # the name was the source entity, not an attraction constraint
    offered = tracker.update(
        BeliefState(), [A("select", "酒店", "源领域", "餐馆")], [A("inform", "餐馆", "名称", "全聚德")]
    )
    assert offered["酒店"].constraints["周边餐馆"] == "全聚德"


def test_real_multiwoz_dialogue_first_turns() -> None:
    from tod.data.corpus import load_corpus

    path = require_shared("multiwoz", "val.json.zip")
    domain = load_domain("multiwoz", data_dir=path.parent)
    dialogue = load_corpus("multiwoz", path, splits=["val"])["val"][0]
    tracker, state = RuleDST(domain), BeliefState()
    user = [t for t in dialogue.turns if t.speaker == "user"]
    for turn in user[:2]:
        state = tracker.update(state, turn.acts)
    assert state.constraint_triples() == user[1].state.constraint_triples()
