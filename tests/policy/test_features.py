"""State features and corpus system acts -> inventory labels (tod.policy.features)."""

from __future__ import annotations

import json

import pytest

from tod._schema import FrozenMap
from tod.acts import REQUESTED, DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.dialogue import SYSTEM, USER, Turn
from tod.domain.loader import load_domain
from tod.errors import SchemaError
from tod.policy.features import (
    ActSpace,
    FeatureIndex,
    canonical_system_acts,
    count_bucket,
    state_features,
)
from tod.policy.mle_data import bookings_as_of
from tod.state import DialogueState, DomainResults, Match

R, H, G = "restaurant", "hotel", "general"


@pytest.fixture(scope="module")
def space() -> ActSpace:
    return ActSpace(load_domain("cityguide"))


def _state(**kwargs) -> DialogueState:
    return DialogueState(**kwargs)


@pytest.mark.parametrize(
    "count, bucket", [(0, "0"), (1, "1"), (2, "2-3"), (3, "2-3"), (4, "4-10"), (10, "4-10"), (11, ">10"), (999, ">10")]
)
def test_match_counts_are_bucketed(count, bucket):
    assert count_bucket(count) == bucket


def test_features_of_a_hand_made_state(space):
    belief = BeliefState({
        R: DomainBelief({"food": "thai", "area": "dontcare"}, (), {"people": "2", "day": "friday", "time": "19:00"}),
        H: DomainBelief({"stars": "4"}, (), {}, ({"name": "kingfisher lodge"},)),
    })
    state = _state(
        belief=belief,
        history=(Turn(SYSTEM, "try il gabbiano", (DialogueAct("recommend", R, "name", "il gabbiano"),)),),
        user_acts=(DialogueAct("inform", R, "time", "19:00"), DialogueAct("request", R, "phone", REQUESTED)),
        system_acts=(DialogueAct("request", R, "time", REQUESTED),),
    )
    db = FrozenMap({R: DomainResults(3, (Match("a"), Match("b"), Match("c"))), H: DomainResults(0)})
    assert state_features(state, db, space) == {
        "c|restaurant|food": 1.0,
        "dc|restaurant|area": 1.0,
        "b|restaurant|people": 1.0,
        "b|restaurant|day": 1.0,
        "b|restaurant|time": 1.0,
        "ready|restaurant": 1.0,
        "c|hotel|stars": 1.0,
        "booked|hotel": 1.0,
        "n|restaurant|2-3": 1.0,
        "n|hotel|0": 1.0,
        "u|inform|restaurant|time": 1.0,
        "u|request|restaurant|phone": 1.0,
        "p|request|restaurant|time": 1.0,
        "offered|restaurant": 1.0,
        "focus|restaurant": 1.0,
        "fn|2-3": 1.0,
    }


def test_the_first_turn_and_general_acts(space):
    state = _state(user_acts=(DialogueAct("greet", G),))
    assert state_features(state, FrozenMap(), space) == {"u|greet|general|": 1.0, "p|none": 1.0}


def test_features_are_deterministic_and_ignore_what_the_ontology_lacks(space):
    plain = _state(
        belief=BeliefState({R: DomainBelief({"food": "thai"})}), user_acts=(DialogueAct("inform", R, "food", "thai"),)
    )
    noisy = _state(
        belief=BeliefState({
            R: DomainBelief({"food": "thai", "colour": "red"}, (), {"valet": "yes"}),
            "spaceport": DomainBelief({"gate": "7"}),
        }),
        user_acts=(
            DialogueAct("inform", R, "food", "thai"), DialogueAct("inform", R, "colour", "red"),
            DialogueAct("inform", "spaceport", "gate", "7"),
        ),
    )
    db = FrozenMap({"spaceport": DomainResults(2)})
    assert state_features(noisy, db, space) == state_features(plain, FrozenMap(), space)
    assert state_features(plain, FrozenMap(), space) == state_features(plain, FrozenMap(), space)


def test_the_focus_feature_is_the_latest_subdomain_of_the_first_acts_that_name_one(space):
    user = (DialogueAct("inform", H, "area", "north"), DialogueAct("thank", G))
    system = (DialogueAct("inform", R, "phone", "1"),)

    def focus(user_acts, system_acts):
        features = state_features(DialogueState(user_acts=user_acts, system_acts=system_acts), FrozenMap(), space)
        return [name for name in features if name.startswith("focus|")]

    assert focus(user, system) == ["focus|hotel"]
    assert focus((DialogueAct("thank", G),), system) == ["focus|restaurant"]
    assert focus((), ()) == []


def test_offered_marks_every_subdomain_the_system_named_an_entity_of(space):
    history = (
        Turn(SYSTEM, "", (DialogueAct("nooffer", R, "name", "nowhere"),)),
        Turn(USER, "", (DialogueAct("inform", H, "area", "north"),)),
    )
    state = DialogueState(history=history, system_acts=(DialogueAct("request", H, "area", REQUESTED),))
    features = state_features(state, FrozenMap(), space)
    assert [n for n in features if n.startswith("offered|")] == ["offered|restaurant"]  # any intent on a name slot


def test_the_feature_index_ignores_unseen_features():
    index = FeatureIndex.fit([{"b": 1.0, "a": 1.0}, {"c": 1.0}])
    assert index.names == ("a", "b", "c")
    x = index.transform([{"c": 1.0, "unseen": 1.0}, {}])
    assert x.shape == (2, 3) and x.toarray().tolist() == [[0, 0, 1], [0, 0, 0]]
    with pytest.raises(SchemaError, match="distinct"):
        FeatureIndex(("a", "a"))


def _canon(space, acts, **kwargs):
    return canonical_system_acts(acts, space, **kwargs)


def test_booking_acts_map_onto_the_subdomain_in_focus(space):
    user = (DialogueAct("inform", H, "stay", "2"),)
    kept, dropped = _canon(space, (
        DialogueAct("offerbooked", "booking", "ref", "ABC"),
        DialogueAct("book", "booking", "", ""),
        DialogueAct("inform", "booking", "", ""),
        DialogueAct("inform", "booking", "people", "2"),
        DialogueAct("request", "booking", "day", "?"),
        DialogueAct("nobook", "booking", "name", "x"),
        DialogueAct("nobook", "booking", "day", "monday"),
    ), user_acts=user)
    assert kept == (
        DialogueAct("book", H, "ref", "ABC"),
        DialogueAct("book", H, "ref", ""),
        DialogueAct("offerbook", H, "", ""),
        DialogueAct("request", H, "day", REQUESTED),
        DialogueAct("nobook", H, "", ""),
        DialogueAct("nobook", H, "day", "monday"),
    )
    assert dropped == ()


def test_the_same_turns_bookable_subdomain_wins_then_the_users_then_the_belief(space):
    acts = (DialogueAct("inform", R, "name", "x"), DialogueAct("book", "booking", "ref", "Q"))
    assert _canon(space, acts, user_acts=(DialogueAct("inform", H, "day", "monday"),))[0][-1].domain == R
    belief = BeliefState({H: DomainBelief({"area": "north"}, (), {"people": "1"})})
    assert _canon(space, (DialogueAct("book", "booking", "ref", "Q"),), belief=belief)[0][0].domain == H
    # no bookable sub-domain anywhere: the act cannot be placed
    kept, dropped = _canon(space, (DialogueAct("book", "booking", "ref", "Q"),))
    assert kept == () and dropped == (DialogueAct("book", "booking", "ref", "Q"),)


def test_offerbooked_slots_that_are_information_become_informs(space):
    kept, _ = _canon(space, (DialogueAct("offerbooked", H, "stars", "4"), DialogueAct("offerbook", R, "area", "north")))
    assert kept == (
        DialogueAct("book", H, "ref", ""),
        DialogueAct("inform", H, "stars", "4"),
        DialogueAct("offerbook", R, "", ""),
        DialogueAct("inform", R, "area", "north"),
    )


def test_acts_outside_the_inventory_are_dropped_and_reported(space):
    acts = (
        DialogueAct("inform", R, "colour", "red"),
        DialogueAct("inform", "spaceport", "gate", "7"),
        DialogueAct("dance", G),
        DialogueAct("inform", R, "ref", "X"),  # becomes book(restaurant, ref)
        DialogueAct("request", R, "food", ""),  # the request value becomes "?"
        DialogueAct("request", R, "food", "?"),
    )
    kept, dropped = _canon(space, acts)
    assert kept == (DialogueAct("book", R, "ref", "X"), DialogueAct("request", R, "food", REQUESTED))
    assert dropped == acts[:3]


def test_item_slots_belong_to_the_inventory_through_their_list_slot(tmp_path):
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "h.json").write_text(json.dumps([{"名称": "A", "设施": ["吹风机"]}]), encoding="utf-8")
    (tmp_path / "ontology.yaml").write_text(
        "name: tiny\nlanguage: zh\ndescription: t\ndomains:\n  酒店:\n"
        "    database: {file: db/h.json, name_field: 名称}\n"
        "    slots:\n      名称: {kind: name, informable: true, requestable: true}\n"
        "      设施: {kind: list, informable: true, requestable: true,\n"
        "             items: {separator: '-', \"yes\": [是], \"no\": [否]}}\n",
        encoding="utf-8",
    )
    space = ActSpace(load_domain(tmp_path))
    assert ("inform", "酒店", "设施-吹风机") in space and ("inform", "酒店", "设施") in space
    assert ("inform", "酒店", "设施-") not in space and ("inform", "酒店", "名称-x") not in space
    state = _state(user_acts=(DialogueAct("request", "酒店", "设施-吹风机", REQUESTED),))
    assert "u|request|酒店|设施" in state_features(state, FrozenMap(), space)


def test_bookings_made_by_the_predicted_turn_are_hidden():
    earlier = BeliefState({R: DomainBelief({"food": "thai"})})
    annotated = BeliefState({R: DomainBelief({"food": "thai"}, (), {"people": "2"}, ({"name": "x"},))})
    seen = bookings_as_of(annotated, earlier)
    assert seen[R].booked == () and seen[R].booking == {"people": "2"}
    assert bookings_as_of(annotated, annotated)[R].booked == annotated[R].booked
    gone = bookings_as_of(BeliefState(), annotated)  # a domain the new belief dropped keeps its bookings
    assert gone[R].booked == annotated[R].booked and not gone[R].constraints


def test_examples_skip_unanswered_system_turns_and_default_a_missing_state(space):
    from tod.dialogue import Dialogue
    from tod.policy.mle_data import policy_examples

    dialogue = Dialogue("d", (
        Turn(SYSTEM, "hello", (DialogueAct("welcome", G),)),
        Turn(USER, "hi", (DialogueAct("greet", G),)),
        Turn(SYSTEM, "hi", (DialogueAct("greet", G), DialogueAct("offerbooked", "booking", "ref", "R"))),
    ))
    (example,) = policy_examples([dialogue], space, None)
    assert example.turn == 2 and example.state.belief.is_empty and example.db_results == {}
    assert example.gold == (DialogueAct("greet", G),)
    assert example.dropped == (DialogueAct("offerbooked", "booking", "ref", "R"),)
    assert example.state.user_acts == (DialogueAct("greet", G),) and len(example.state.history) == 2
