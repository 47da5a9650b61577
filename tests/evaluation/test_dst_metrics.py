"""DST metrics against hand-computed examples, both protocols."""

from __future__ import annotations

import pytest

from tod.acts import DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.dialogue import Dialogue, Turn
from tod.domain.loader import load_domain
from tod.dst.rule import RuleDST
from tod.dst.values import ValueNormaliser
from tod.errors import ConfigError, SchemaError
from tod.evaluation.dst import TurnResult, evaluate_dst, score_turns, track_dialogue


def belief(**domains: dict[str, str]) -> BeliefState:
    return BeliefState({d: DomainBelief(c) for d, c in domains.items()})


@pytest.fixture(scope="module")
def normaliser() -> ValueNormaliser:
    return ValueNormaliser(load_domain("cityguide"))


def test_scores_by_hand() -> None:
    g1 = frozenset({("hotel", "area", "east")})
    g2 = frozenset({("hotel", "area", "east"), ("restaurant", "food", "thai")})
    results = [
        TurnResult("d", 0, g1, g1),  # right
        TurnResult("d", 2, g2, frozenset({("hotel", "area", "west"), ("restaurant", "food", "thai")})),
    ]
    pairs = {("hotel", "area"), ("restaurant", "food"), ("hotel", "stars")}
    s = score_turns(results, pairs, "cumulative")
    assert s.joint_goal_accuracy == 0.5
    assert s.slot_accuracy == pytest.approx(5 / 6)  # 3 pairs per turn, one wrong in turn 2
    assert s.slot_precision == pytest.approx(2 / 3) and s.slot_recall == pytest.approx(2 / 3)
    assert s.slot_f1 == pytest.approx(2 / 3)
    assert s.per_domain == {
        "hotel": {"joint_accuracy": 0.5, "turns": 2},
        "restaurant": {"joint_accuracy": 1.0, "turns": 1},
    }
    assert set(s.to_dict()) >= {"joint_goal_accuracy", "slot_accuracy", "slot_f1", "turns", "per_domain"}
    assert s.slot_errors() == [("missed hotel.area", 1), ("extra hotel.area", 1)]


def test_normalised_triples_exclude_requested_and_booked(normaliser: ValueNormaliser) -> None:
    state = BeliefState(
        {
            "hotel": DomainBelief(
                {"area": "Center", "name": "The Anchor"}, ("phone",), {"day": "fri"}, ({"ref": "X"},)
            ),
        }
    )
    assert normaliser.triples(state) == {
        ("hotel", "area", "centre"),
        ("hotel", "name", "anchor"),
        ("hotel", "day", "friday"),
    }


def _dialogue() -> Dialogue:
    inform = DialogueAct("inform", "hotel", "area", "east")
    wrong = DialogueAct("inform", "hotel", "stars", "5")  # gold says 4: the tracker goes wrong here
    return Dialogue(
        "d1",
        (
            Turn("user", "east", (inform,), state=belief(hotel={"area": "east"})),
            Turn("system", "ok", state=belief(hotel={"area": "east"})),
            Turn("user", "5 stars", (wrong,), state=belief(hotel={"area": "east", "stars": "4"})),
            Turn("system", "ok"),
            Turn(
                "user",
                "cheap",
                (DialogueAct("inform", "hotel", "pricerange", "cheap"),),
                state=belief(hotel={"area": "east", "stars": "4", "pricerange": "cheap"}),
            ),
            Turn("user", "no state", ()),
        ),
    )


def test_protocols(normaliser: ValueNormaliser) -> None:
    tracker = RuleDST(normaliser.domain)
    scores = evaluate_dst(tracker, [_dialogue()], normaliser, ("cumulative", "single-turn"))
    # cumulative: turn 1 right, turn 2 wrong (5), turn 3 carries the 5: wrong; the stateless turn is skipped
    assert scores["cumulative"].turns == 3 and scores["cumulative"].joint_goal_accuracy == pytest.approx(1 / 3)
    # single-turn: turn 3 starts from the gold state of turn 2: right again
    assert scores["single-turn"].joint_goal_accuracy == pytest.approx(2 / 3)


def test_nlu_acts_and_start_states(normaliser: ValueNormaliser) -> None:
    class FakeNLU:
        def parse_dialogue(self, dialogue: Dialogue) -> list[tuple[DialogueAct, ...]]:
            return [(), (DialogueAct("inform", "hotel", "stars", "4"),), (), ()]

    tracker = RuleDST(normaliser.domain)
    s = evaluate_dst(tracker, [_dialogue()], normaliser, ("single-turn",), nlu=FakeNLU())["single-turn"]
    assert [r.correct for r in s.results] == [False, True, False]
    starts = {"d1": [None, None, belief(hotel={"area": "east", "stars": "4", "pricerange": "cheap"}), None]}
    s = evaluate_dst(tracker, [_dialogue()], normaliser, ("single-turn",), nlu=FakeNLU(), start_states=starts)
    assert [r.correct for r in s["single-turn"].results] == [False, True, True]


def test_bad_inputs(normaliser: ValueNormaliser) -> None:
    tracker = RuleDST(normaliser.domain)
    with pytest.raises(ConfigError, match="protocol"):
        evaluate_dst(tracker, [_dialogue()], normaliser, ("sideways",))
    with pytest.raises(SchemaError, match="expected acts for 4 user turns, found 1"):
        track_dialogue(tracker, _dialogue(), normaliser, "cumulative", [()])
