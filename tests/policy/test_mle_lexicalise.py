"""Filling in the values of predicted act triples (tod.policy.mle_lexicalise)."""

from __future__ import annotations

import pytest

from tod.acts import REQUESTED, DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.dialogue import SYSTEM, USER, Turn
from tod.domain.booking import stable_reference
from tod.domain.context import BuildContext
from tod.domain.matches import query_belief
from tod.policy.mle_lexicalise import entity_in_focus, lexicalise
from tod.state import DialogueState

R, H, G = "restaurant", "hotel", "general"


@pytest.fixture(scope="module")
def context() -> BuildContext:
    return BuildContext.open("cityguide")


def _state(constraints=None, booking=None, booked=(), offered=None, subdomain=R) -> DialogueState:
    belief = BeliefState({subdomain: DomainBelief(constraints or {}, (), booking or {}, booked)})
    history = ()
    if offered:
        history = (Turn(SYSTEM, "how about it", (DialogueAct("recommend", subdomain, "name", offered),)),)
    return DialogueState(belief=belief, history=history)


def _fill(context, state, *triples, seed=0):
    db = query_belief(context.database, state.belief)
    return lexicalise([(t, 1.0) for t in triples], state, db, context.domain, context.database, seed)


def _focus(context, state, subdomain=R):
    db = query_belief(context.database, state.belief)
    entity = entity_in_focus(state, db, subdomain, context.domain, context.database)
    return entity.name if entity else None


def test_the_entity_under_discussion(context):
    assert _focus(context, _state({"food": "italian"})) == "trattoria lucca"  # the top match
    assert _focus(context, _state({"food": "italian", "name": "luna rossa"})) == "luna rossa"  # named by the user
    assert _focus(context, _state({"food": "italian"}, offered="casa ferro")) == "casa ferro"  # offered, still fits
    # offered, but the constraints moved on: the new top match
    assert _focus(context, _state({"food": "italian", "area": "west"}, offered="casa ferro")) == "luna rossa"
    booked = ({"name": "il gabbiano", "reference": "X"},)
    assert _focus(context, _state({"food": "italian"}, booked=booked, offered="casa ferro")) == "il gabbiano"
    # nothing matches: the constraints are relaxed, the latest first (area goes, korean stays)
    assert _focus(context, _state({"food": "korean", "area": "north"})) in {"seoul kitchen", "hanok house"}
    assert _focus(context, DialogueState()) is None


def test_inform_recommend_choice_request(context):
    state = _state({"food": "italian", "area": "centre"})
    acts = _fill(context, state, ("inform", R, "choice"), ("recommend", R, "name"), ("inform", R, "phone"),
                 ("request", R, "pricerange"), ("reqmore", G, ""))
    assert acts == [
        DialogueAct("inform", R, "choice", "1"),
        DialogueAct("inform", R, "phone", "01632960265"),
        DialogueAct("recommend", R, "name", "trattoria lucca"),
        DialogueAct("request", R, "pricerange", REQUESTED),
        DialogueAct("reqmore", G, "", ""),
    ]


def test_select_offers_distinct_values_and_needs_two(context):
    acts = _fill(context, _state({"food": "italian"}), ("select", R, "pricerange"))
    assert acts == [DialogueAct("select", R, "pricerange", v) for v in ("cheap", "moderate", "expensive")]
    assert _fill(context, _state({"food": "italian", "area": "centre"}), ("select", R, "pricerange")) == []


def test_nooffer_suggest_confirm_take_the_beliefs_values(context):
    state = _state({"food": "korean", "area": "north", "pricerange": "dontcare"})
    assert _fill(context, state, ("nooffer", R, "food"), ("nooffer", R, ""), ("nooffer", R, "name")) == [
        DialogueAct("nooffer", R, "food", "korean"), DialogueAct("nooffer", R, "", ""),
    ]
    assert _fill(context, state, ("suggest", R, "area"), ("suggest", R, "pricerange")) == [
        DialogueAct("suggest", R, "area", "dontcare")
    ]
    assert _fill(context, state, ("confirm", R, "area"), ("confirm", R, "pricerange")) == [
        DialogueAct("confirm", R, "area", "north")
    ]


def test_a_booking_is_reported_only_when_it_can_be_made(context):
    details = {"people": "2", "day": "friday", "time": "19:30"}
    state = _state({"food": "italian", "area": "centre"}, booking=details)
    reference = stable_reference(7, R, "trattoria lucca", "day=friday", "people=2", "time=19:30", "0")  # 0 user turns
    assert _fill(context, state, ("book", R, "ref"), ("book", R, "name"), ("book", R, "day"), seed=7) == [
        DialogueAct("book", R, "ref", reference),
        DialogueAct("book", R, "name", "trattoria lucca"),
        DialogueAct("book", R, "day", "friday"),
    ]
    missing = _state({"food": "italian"}, booking={"people": "2"})
    assert _fill(context, missing, ("book", R, "ref")) == []
    bad = _state({"food": "italian"}, booking={**details, "people": "many"})
    assert _fill(context, bad, ("book", R, "ref"), ("offerbook", R, "")) == [DialogueAct("offerbook", R, "", "")]
    assert _fill(context, _state(booking={"people": "2"}), ("nobook", R, "people"), ("nobook", R, "")) == [
        DialogueAct("nobook", R, "people", "2"), DialogueAct("nobook", R, "", ""),
    ]


def test_values_that_cannot_be_filled_are_left_out(context):
    assert _fill(context, DialogueState(), ("inform", R, "phone"), ("inform", R, "choice"), ("select", H, "type")) == []
    assert _fill(context, DialogueState(), ("inform", "spaceport", "gate")) == []


def test_list_fields_give_one_act_per_item_and_item_slots_yes_or_no(tmp_path):
    import json

    (tmp_path / "db").mkdir()
    records = [{"名称": "A", "设施": ["吹风机", "早餐", "wifi"], "周边": ["B", "C"]}]
    (tmp_path / "db" / "h.json").write_text(json.dumps(records), encoding="utf-8")
    (tmp_path / "ontology.yaml").write_text(
        "name: tiny\nlanguage: zh\ndescription: t\ndomains:\n  酒店:\n"
        "    database: {file: db/h.json, name_field: 名称}\n"
        "    slots:\n      名称: {kind: name, informable: true, requestable: true}\n"
        "      周边: {kind: list, requestable: true}\n"
        "      设施: {kind: list, informable: true, requestable: true,\n"
        "             items: {separator: '-', \"yes\": [是], \"no\": [否]}}\n",
        encoding="utf-8",
    )
    context = BuildContext.open(tmp_path)
    state = DialogueState(belief=BeliefState({"酒店": DomainBelief({"名称": "A"})}))
    h = "酒店"
    acts = _fill(context, state, ("inform", h, "周边"), ("inform", h, "设施-早餐"), ("inform", h, "设施-泳池"))
    assert acts == [
        DialogueAct("inform", "酒店", "周边", "B"), DialogueAct("inform", "酒店", "周边", "C"),
        DialogueAct("inform", "酒店", "设施-早餐", "是"), DialogueAct("inform", "酒店", "设施-泳池", "否"),
    ]


def test_both_policies_make_the_same_booking_with_the_same_reference(context):
    from tod.policy.rule import RulePolicy

    details = {"people": "2", "day": "friday", "time": "19:30"}
    belief = BeliefState({R: DomainBelief({"name": "luna rossa"}, (), details)})
    said = tuple(DialogueAct("inform", R, k, v) for k, v in details.items())
    state = DialogueState(
        belief=belief, history=(Turn(USER, "", ()), Turn(SYSTEM, "", ()), Turn(USER, "", said)), user_acts=said,
        nlu_confidence=1.0,
    )  # fmt: skip
    db = query_belief(context.database, state.belief)
    rule = [a for a in RulePolicy.from_config(context).predict(state, db) if a.intent == "book"]
    mle = _fill(context, state, ("book", R, "ref"), ("book", R, "name"), *((("book", R, k)) for k in details))
    assert sorted(rule, key=str) == sorted(mle, key=str)
    assert DialogueAct("book", R, "ref", stable_reference(0, R, "luna rossa", "day=friday", "people=2",
                                                          "time=19:30", "2")) in mle  # fmt: skip


def test_a_dontcare_detail_is_no_detail(context):
    state = _state({"food": "italian"}, booking={"people": "2", "day": "DontCare", "time": "19:30"})
    assert _fill(context, state, ("book", R, "ref"), ("book", R, "people")) == []  # the day is missing
