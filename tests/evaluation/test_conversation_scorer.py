"""The conversation scorer: each check passes and fails where it should, read from acts and belief only."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tod._schema import FrozenMap
from tod.acts import DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.data.conversations import load_conversations
from tod.dialogue import SYSTEM, USER, Turn
from tod.domain.database import open_database
from tod.errors import EvaluationError
from tod.evaluation.conversations import (
    ConversationScorer,
    evaluate_conversations,
    render_report,
    same_value,
)
from tod.state import DialogueState
from tod.types import NLUResult

A = DialogueAct


@pytest.fixture(scope="module")
def scorer() -> ConversationScorer:
    database = open_database("cityguide")
    return ConversationScorer(database.domain, database)


def conversation(tmp_path: Path, goal: dict, turns: int = 1, covers: str = "plain"):
    text = f"# id: t-1\n# goal: {json.dumps(goal)}\n# covers: {covers}\n" + "".join(f"turn {i}\n" for i in range(turns))
    path = tmp_path / "c.txt"
    path.write_text(text, encoding="utf-8")
    return load_conversations(path)[0]


def state(constraints: dict, system: list[list[DialogueAct]], user: list[list[DialogueAct]] | None = None, booked=()):
    belief = BeliefState().with_domain(
        "restaurant", DomainBelief(FrozenMap(constraints), (), FrozenMap(), tuple(FrozenMap(b) for b in booked))
    )
    history: list[Turn] = []
    user = user or [[] for _ in system]
    for u, s in zip(user, system):
        history += [Turn(USER, "u", tuple(u)), Turn(SYSTEM, "s", tuple(s))]
    return DialogueState(belief=belief, history=tuple(history))


ITALIAN = {"restaurant": {"info": {"food": "italian", "area": "centre"}, "reqt": ["phone"]}}
OFFER = [A("inform", "restaurant", "name", "trattoria lucca"), A("inform", "restaurant", "phone", "01632960265")]


def test_a_right_offer_with_the_fact_succeeds(scorer, tmp_path):
    conv = conversation(tmp_path, ITALIAN)
    (verdict,) = scorer.score(conv, state({"food": "italian", "area": "centre"}, [OFFER]))
    assert verdict.success and verdict.entity_name == "trattoria lucca"
    assert (verdict.constraints, verdict.entity, verdict.requested, verdict.booking) == (True, True, True, None)


def test_a_constraint_not_held_fails_and_says_which(scorer, tmp_path):
    (verdict,) = scorer.score(conversation(tmp_path, ITALIAN), state({"food": "italian"}, [OFFER]))
    assert verdict.constraints is False and not verdict.success
    assert any("area" in p and "not held" in p for p in verdict.problems)


def test_a_wrong_value_told_fails(scorer, tmp_path):
    wrong = [OFFER[0], A("inform", "restaurant", "phone", "01632960000")]
    (verdict,) = scorer.score(conversation(tmp_path, ITALIAN), state({"food": "italian", "area": "centre"}, [wrong]))
    assert verdict.requested is False
    assert any("database says" in p for p in verdict.problems)


def test_a_fact_told_about_an_earlier_entity_does_not_count(scorer, tmp_path):
    turns = [
        [A("inform", "restaurant", "name", "casa ferro"), A("inform", "restaurant", "phone", "01632960000")],
        [A("inform", "restaurant", "name", "trattoria lucca")],
    ]
    (verdict,) = scorer.score(conversation(tmp_path, ITALIAN), state({"food": "italian", "area": "centre"}, turns))
    assert verdict.entity is True and verdict.requested is False


def test_an_entity_that_does_not_meet_the_goal_fails(scorer, tmp_path):
    turns = [[A("inform", "restaurant", "name", "casa ferro"), A("inform", "restaurant", "phone", "01632960000")]]
    (verdict,) = scorer.score(conversation(tmp_path, ITALIAN), state({"food": "italian", "area": "centre"}, turns))
    assert verdict.entity is False
    assert any("does not meet area" in p for p in verdict.problems)


def test_no_entity_offered_fails(scorer, tmp_path):
    (verdict,) = scorer.score(conversation(tmp_path, ITALIAN), state({"food": "italian", "area": "centre"}, [[]]))
    assert verdict.entity is False and "no entity was offered" in verdict.problems


def test_an_excluded_value_fails_the_entity_and_the_constraints(scorer, tmp_path):
    goal = {"restaurant": {"info": {"area": "centre"}, "not": {"food": ["italian"]}, "reqt": ["phone"]}}
    (verdict,) = scorer.score(conversation(tmp_path, goal), state({"area": "centre", "food": "italian"}, [OFFER]))
    assert verdict.entity is False and verdict.constraints is False


def test_dontcare_accepts_absent_or_dontcare_but_not_a_value(scorer, tmp_path):
    goal = {"restaurant": {"info": {"food": "italian", "area": "dontcare"}, "reqt": ["phone"]}}
    for held, ok in (({"food": "italian"}, True), ({"food": "italian", "area": "dontcare"}, True),
                     ({"food": "italian", "area": "centre"}, False)):
        (verdict,) = scorer.score(conversation(tmp_path, goal), state(held, [OFFER]))
        assert verdict.constraints is ok, held


def test_a_named_goal_needs_that_entity(scorer, tmp_path):
    goal = {"restaurant": {"info": {"name": "casa ferro"}, "reqt": ["phone"]}}
    (verdict,) = scorer.score(conversation(tmp_path, goal), state({}, [OFFER]))
    assert verdict.entity is False and verdict.constraints is None
    user_named = state({}, [[A("inform", "restaurant", "phone", "01632960266")]], [[A("inform", "restaurant", "name", "casa ferro")]])
    (verdict,) = scorer.score(conversation(tmp_path, goal), user_named)
    assert verdict.entity_name == "casa ferro" and verdict.entity is True


def test_a_name_the_system_refuses_is_not_under_discussion(scorer, tmp_path):
    goal = {"restaurant": {"info": {"name": "casa ferro"}, "reqt": ["phone"]}}
    refused = state({}, [[A("nooffer", "restaurant", "name", "casa ferro")]], [[A("inform", "restaurant", "name", "casa ferro")]])
    (verdict,) = scorer.score(conversation(tmp_path, goal), refused)
    assert verdict.entity is False


BOOK = {"restaurant": {"info": {"food": "italian", "area": "centre"}, "book": {"people": "4", "day": "friday", "time": "19:30"}}}


def test_a_booking_with_the_goal_details_succeeds(scorer, tmp_path):
    booked = [{"name": "trattoria lucca", "people": "4", "day": "friday", "time": "19:30", "ref": "ABC123"}]
    (verdict,) = scorer.score(conversation(tmp_path, BOOK), state({"food": "italian", "area": "centre"}, [OFFER], booked=booked))
    assert verdict.booking is True and verdict.success


@pytest.mark.parametrize(
    "change, problem",
    [({"time": "07:30"}, "booked time"), ({"people": "2"}, "booked people"), ({"ref": ""}, "no reference"),
     ({"name": "casa ferro"}, "booked 'casa ferro'")],
)
def test_a_booking_with_wrong_details_fails(scorer, tmp_path, change, problem):
    booked = [{"name": "trattoria lucca", "people": "4", "day": "friday", "time": "19:30", "ref": "ABC123", **change}]
    (verdict,) = scorer.score(conversation(tmp_path, BOOK), state({"food": "italian", "area": "centre"}, [OFFER], booked=booked))
    assert verdict.booking is False and any(problem in p for p in verdict.problems)


def test_nothing_booked_fails(scorer, tmp_path):
    (verdict,) = scorer.score(conversation(tmp_path, BOOK), state({"food": "italian", "area": "centre"}, [OFFER]))
    assert verdict.booking is False and "nothing was booked" in verdict.problems


def test_a_goal_sub_domain_the_domain_lacks_is_an_error(scorer, tmp_path):
    conv = conversation(tmp_path, {"train": {"info": {"day": "monday"}, "reqt": ["price"]}})
    with pytest.raises(EvaluationError, match="train"):
        scorer.score(conv, DialogueState())


@pytest.mark.parametrize(
    "left, right, same",
    [("8pm", "20:00", True), ("19:30", "7:30 pm", True), ("4", "4.0", True), ("Centre", " centre ", True),
     ("8", "20:00", False), ("friday", "saturday", False), ("", "", False), (None, "x", False), ("?", "?", True),
     ("the cambridge belfry", "Cambridge Belfry", True), ("the", "", False), ("the place", "place", True),
     ("the lensfield hotel", "lensfield", False)],
)
def test_same_value(left, right, same):
    assert same_value(left, right) is same


class ScriptedNLU:
    """Reads the turns of a test conversation: each text is the JSON list of its acts."""

    def parse(self, text: str, state: DialogueState) -> NLUResult:
        acts = tuple(A(*a) for a in json.loads(text))
        return NLUResult(text=text, acts=acts, confidence=1.0)


def test_evaluate_runs_a_pipeline_and_reports(tmp_path):
    from tod.pipeline.config import load_pipeline_config
    from tod.pipeline.pipeline import Pipeline

    pipeline = Pipeline.from_config(load_pipeline_config("cityguide"), progress=False, acts_only=True)
    pipeline.nlu = ScriptedNLU()
    turns = [
        json.dumps([["inform", "restaurant", "food", "thai"], ["inform", "restaurant", "area", "south"]]),
        json.dumps([["request", "restaurant", "phone", "?"]]),
    ]
    goal = {"restaurant": {"info": {"food": "thai", "area": "south"}, "reqt": ["phone"]}}
    path = tmp_path / "c.txt"
    path.write_text(
        f"# id: ok-1\n# goal: {json.dumps(goal)}\n# covers: plain\n" + "\n".join(turns) + "\n\n"
        f"# id: bad-1\n# goal: {json.dumps({'hotel': {'info': {'area': 'north'}, 'reqt': ['phone']}})}\n# covers: negation\n"
        + turns[0] + "\n",
        encoding="utf-8",
    )
    report = evaluate_conversations(pipeline, load_conversations(path))
    ok, bad = report.verdicts
    assert ok.success, ok.problems
    assert not bad.success and bad.problems
    assert report.success_rate == 50.0
    assert report.by_phenomenon() == {"negation": (0, 1), "plain": (1, 1)}
    assert len(ok.exchanges) == 2 and ok.exchanges[0].route == "task"
    data = report.to_dict()
    assert data["succeeded"] == 1 and data["verdicts"][1]["problems"]
    json.dumps(data)  # JSON-ready
    text = render_report(report, transcripts=True)
    assert "FAIL bad-1" in text and "U: " in text and "(50.0%)" in text
    assert pipeline.state == DialogueState()  # the pipeline's own conversation is untouched


def test_evaluate_refuses_no_conversations():
    with pytest.raises(EvaluationError, match="no conversations"):
        evaluate_conversations(object(), [])


def test_hostile_user_text_is_scored_not_crashed(tmp_path):
    from tod.pipeline.config import load_pipeline_config
    from tod.pipeline.pipeline import Pipeline

    class Nothing:
        def parse(self, text, state):
            return NLUResult(text=text)

    pipeline = Pipeline.from_config(load_pipeline_config("cityguide"), progress=False, acts_only=True)
    pipeline.nlu = Nothing()
    goal = {"restaurant": {"info": {"food": "thai"}, "reqt": ["phone"]}}
    path = tmp_path / "c.txt"
    path.write_text(f"# id: h\n# goal: {json.dumps(goal)}\n\u202e<script>x</script>\n{'a' * 5000}\n", encoding="utf-8")
    report = evaluate_conversations(pipeline, load_conversations(path))
    assert not report.verdicts[0].success
    assert replace(report, verdicts=()).success_rate == 0.0


def test_a_list_of_names_settles_none_and_facts_after_it_need_a_name(scorer, tmp_path):
    listed = [A("inform", "restaurant", "choice", "2"), A("select", "restaurant", "name", "trattoria lucca"),
              A("select", "restaurant", "name", "casa ferro")]
    unnamed = [A("inform", "restaurant", "phone", "01632960265")]
    (verdict,) = scorer.score(conversation(tmp_path, ITALIAN), state({"food": "italian", "area": "centre"}, [listed, unnamed]))
    assert verdict.entity is False and "no entity was offered" in verdict.problems
    named = [A("recommend", "restaurant", "name", "trattoria lucca"), *unnamed]
    (verdict,) = scorer.score(conversation(tmp_path, ITALIAN), state({"food": "italian", "area": "centre"}, [listed, named]))
    assert verdict.success, verdict.problems
    picked = [A("select", "restaurant", "name", "trattoria lucca"), *unnamed]  # one name offered alone settles it
    (verdict,) = scorer.score(conversation(tmp_path, ITALIAN), state({"food": "italian", "area": "centre"}, [picked]))
    assert verdict.success, verdict.problems


def test_a_name_two_rows_share_is_scored_as_the_row_the_goal_wants(tmp_path):
    """MultiWOZ's train database gives 336 IDs to two trains each (other days): the entity is the one that
    meets the goal, and its facts are that row's."""
    from tests.conftest import require_shared

    database = open_database("multiwoz", data_dir=require_shared("multiwoz"))
    rows = [e for e in database.entities("train") if e.name == "TR4765"]
    assert len(rows) == 2 and database.lookup("train", "TR4765").get("day") == "monday"
    goal = {"train": {"info": {"departure": "cambridge", "destination": "stevenage", "day": "thursday"},
                      "reqt": ["leaveAt"]}}
    told = [A("inform", "train", "trainID", "TR4765"), A("inform", "train", "leaveAt", "17:21")]
    belief = BeliefState().with_domain(
        "train", DomainBelief(FrozenMap({"departure": "cambridge", "destination": "stevenage", "day": "thursday"}))
    )
    history = (Turn(USER, "u", ()), Turn(SYSTEM, "s", tuple(told)))
    scorer = ConversationScorer(database.domain, database)
    (verdict,) = scorer.score(conversation(tmp_path, goal), DialogueState(belief=belief, history=history))
    assert verdict.success, verdict.problems
    wrong = (Turn(USER, "u", ()), Turn(SYSTEM, "s", (told[0], A("inform", "train", "leaveAt", "15:06"))))
    (verdict,) = scorer.score(conversation(tmp_path, goal), DialogueState(belief=belief, history=wrong))
    assert verdict.requested is False  # monday's train's time is not the thursday train's


def test_a_fact_the_database_lacks_counts_when_told_as_not_listed(tmp_path):
    from tests.conftest import require_shared

    database = open_database("multiwoz", data_dir=require_shared("multiwoz"))
    unknown = next(e for e in database.entities("attraction") if e.get("entrance fee") == "?")
    known = next(e for e in database.entities("attraction") if e.get("entrance fee") not in ("?", None))
    scorer = ConversationScorer(database.domain, database)
    for entity, ok in ((unknown, True), (known, False)):
        goal = {"attraction": {"info": {"name": entity.name}, "reqt": ["entrance fee"]}}
        told = (A("inform", "attraction", "name", entity.name), A("inform", "attraction", "entrance fee", "?"))
        history = (Turn(USER, "u", ()), Turn(SYSTEM, "s", told))
        belief = BeliefState().with_domain("attraction", DomainBelief(FrozenMap({"name": entity.name})))
        (verdict,) = scorer.score(conversation(tmp_path, goal), DialogueState(belief=belief, history=history))
        assert verdict.requested is ok, verdict.problems
