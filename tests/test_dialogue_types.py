import json
import pickle

import pytest

from tod._schema import FrozenMap
from tod.errors import SchemaError
from tod.types import (
    DONTCARE,
    ActSpan,
    BeliefState,
    Dialogue,
    DialogueAct,
    DomainBelief,
    Goal,
    GoalReference,
    SubGoal,
    Turn,
)

AREA = DialogueAct("inform", "hotel", "area", "east")


def sample_dialogue() -> Dialogue:
    state = BeliefState().with_constraint("hotel", "area", "east").with_constraint("hotel", "parking", DONTCARE)
    state = state.with_domain(
        "hotel",
        DomainBelief(
            state["hotel"].constraints,
            requested=("phone",),
            booking={"people": "2"},
            booked=({"name": "a and b guest house", "reference": "7GAWK763"},),
        ),
    )
    user = Turn(
        "user",
        "I need a hotel in the east .",
        acts=(AREA, DialogueAct("request", "hotel", "phone", "?")),
        spans=(ActSpan(AREA, 22, 26),),
        state=state,
    )
    system = Turn(
        "system", "Try the A and B .", acts=(DialogueAct("recommend", "hotel", "name", "a and b"),), state=state
    )
    goal = Goal(
        (
            SubGoal("hotel", 1, constraints={"area": "east"}, requests=("phone",), booking={"people": "2"}),
            SubGoal("taxi", 2, references={"departure": GoalReference(1)}),
        ),
        description=("You want a hotel in the east.",),
    )
    return Dialogue("PMUL0001", (user, system), goal, corpus="multiwoz", split="val", info={"topic": "hotel"})


def test_dialogue_round_trips_through_json_and_pickle():
    dialogue = sample_dialogue()
    text = dialogue.to_json()
    assert Dialogue.from_json(text) == dialogue
    assert Dialogue.from_dict(json.loads(json.dumps(dialogue.to_dict()))) == dialogue
    assert pickle.loads(pickle.dumps(dialogue)) == dialogue
    assert dialogue.domains == ("hotel", "taxi")
    assert [t.speaker for t in dialogue.user_turns] == ["user"]
    assert dialogue.turns[0].text[22:26] == "east"


def test_values_are_immutable():
    dialogue = sample_dialogue()
    with pytest.raises(AttributeError):
        dialogue.turns[0].state["hotel"].constraints.area = "west"  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        dialogue.turns[0].state["hotel"].constraints["area"] = "west"  # type: ignore[index]
    # a stage that "changes" the belief gets a new value; the old one is untouched
    before = dialogue.turns[0].state
    after = before.with_constraint("hotel", "area", "west")
    assert before["hotel"].constraints["area"] == "east" and after["hotel"].constraints["area"] == "west"
    assert hash(before) != hash(after)


def test_belief_state_drops_empty_domains_and_exposes_triples():
    state = BeliefState(FrozenMap({"taxi": DomainBelief(), "hotel": DomainBelief({"area": "east"})}))
    assert list(state) == ["hotel"]
    assert state["restaurant"].is_empty
    assert state.constraint_triples() == frozenset({("hotel", "area", "east")})
    assert BeliefState.from_dict(state.to_dict()) == state


@pytest.mark.parametrize(
    "payload, message",
    [
        ("[]", "expected a JSON object"),
        ('{"turns": []}', "missing key 'id'"),
        ('{"id": "", "turns": []}', "non-empty"),
        ('{"id": "x", "turns": [{"speaker": "bot", "text": "hi"}]}', "speaker must be one of"),
        ('{"id": "x", "turns": [{"speaker": "user", "text": 3}]}', "must be str"),
        (
            '{"id": "x", "turns": [{"speaker": "user", "text": "hi", "spans": '
            '[{"act": {"intent": "inform"}, "start": 0, "end": 9}]}]}',
            "past the text length",
        ),
        (
            '{"id": "x", "turns": [{"speaker": "user", "text": "hi", "spans": '
            '[{"act": {"intent": "inform"}, "start": 1, "end": 1}]}]}',
            "0 <= start < end",
        ),
        (
            '{"id": "x", "turns": [{"speaker": "user", "text": "hi", "state": {"hotel": {"constraints": '
            '{"area": 5}}}}]}',
            "string keys and values",
        ),
        (
            '{"id": "x", "turns": [{"speaker": "user", "text": "hi", "state": {"hotel": {"constraints": '
            '{"area": ""}}}}]}',
            "non-empty strings",
        ),
        ('{"id": "x", "turns": [], "goal": {"subgoals": [{"domain": ""}]}}', "SubGoal.domain"),
        (
            '{"id": "x", "turns": [], "goal": {"subgoals": [{"domain": "taxi", "references": '
            '{"departure": {"subgoal": "one"}}}]}}',
            "must be int",
        ),
        ('{"id": "x", "turns": [], "info": {"type": ["a"]}}', "string keys and values"),
        ("{not json", "not valid JSON"),
    ],
)
def test_malformed_dialogue_json_is_rejected_with_a_clear_message(payload, message):
    with pytest.raises(SchemaError, match=message):
        Dialogue.from_json(payload)


def test_frozen_map_behaves_like_a_read_only_mapping():
    m = FrozenMap({"a": "1"})
    assert m == {"a": "1"} and m.set("b", "2") == {"a": "1", "b": "2"} and m == {"a": "1"}
    assert m.without("a") == {} and m.without("zz") is m
    with pytest.raises(AttributeError):
        m.x = 1  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(m)) == m
