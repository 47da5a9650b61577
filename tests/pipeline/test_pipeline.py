"""The pipeline's step: routing, state handling, bookings recorded, contracts enforced."""

from __future__ import annotations

import pytest

from tod.acts import DialogueAct
from tod.domain.context import BuildContext
from tod.dst.rule import RuleDST
from tod.errors import PipelineError
from tod.pipeline.config import RoutingConfig
from tod.pipeline.pipeline import MAX_TEXT, Pipeline, clean_text, record_bookings
from tod.state import ROUTE_FALLBACK, ROUTE_TASK, DialogueState
from tod.types import BeliefState, NLUResult


class TableNLU:
    """Returns a fixed parse per text; anything else parses to no acts."""

    def __init__(self, table: dict[str, tuple[tuple[DialogueAct, ...], float]]) -> None:
        self.table = table
        self.seen: list[tuple[str, DialogueState]] = []

    def parse(self, text: str, state: object | None = None) -> NLUResult:
        self.seen.append((text, state))
        acts, confidence = self.table.get(text, ((), 0.9))
        return NLUResult(text=text, acts=acts, confidence=confidence)


class EchoPolicy:
    def __init__(self, acts: list[DialogueAct] | None = None) -> None:
        self.acts = acts

    def predict(self, state, db_results):
        if self.acts is not None:
            return list(self.acts)
        return [DialogueAct("inform", d, "choice", str(r.count)) for d, r in db_results.items()] or [
            DialogueAct("reqmore", "general")
        ]


class JoinNLG:
    def generate(self, acts, state=None):
        return "; ".join(map(str, acts))


class NoteFallback:
    def respond(self, text, state):
        return f"off-task: {text[:20]}"


CHEAP = DialogueAct("inform", "restaurant", "pricerange", "cheap")
NORTH = DialogueAct("inform", "restaurant", "area", "north")


@pytest.fixture(scope="module")
def context() -> BuildContext:
    return BuildContext.open("cityguide")


def make(context, table, policy=None, fallback=NoteFallback(), min_confidence=0.3):
    return Pipeline(
        context,
        TableNLU(table),
        RuleDST(context.domain),
        policy or EchoPolicy(),
        JoinNLG(),
        fallback,
        RoutingConfig(min_confidence),
    )


def test_a_task_turn_tracks_queries_and_answers(context):
    pipeline = make(context, {"cheap food in the north": ((CHEAP, NORTH), 0.95)})
    turn = pipeline.respond("cheap food in the north")
    state = pipeline.state
    assert state.route == ROUTE_TASK
    assert dict(state.belief["restaurant"].constraints) == {"pricerange": "cheap", "area": "north"}
    expected = context.database.count("restaurant", {"pricerange": "cheap", "area": "north"})
    assert state.db["restaurant"].count == expected
    assert turn.text == f"inform(restaurant, choice, {expected})"
    assert [t.speaker for t in state.history] == ["user", "system"]
    assert state.system_acts == turn.acts and state.user_acts == (CHEAP, NORTH)


def test_chitchat_and_unparsed_turns_go_to_the_fallback_and_keep_the_task_state(context):
    chitchat = DialogueAct("chitchat", "general")
    pipeline = make(context, {"cheap": ((CHEAP,), 0.9), "tell me a joke": ((chitchat,), 0.9)})
    pipeline.respond("cheap")
    before = pipeline.state
    for text in ("tell me a joke", "", "asdf qwer"):
        turn = pipeline.respond(text)
        assert turn.text.startswith("off-task")
        assert pipeline.state.route == ROUTE_FALLBACK
        assert pipeline.state.belief == before.belief
        assert pipeline.state.db == before.db and pipeline.state.system_acts == before.system_acts
    assert len(pipeline.state.history) == len(before.history) + 6


def test_low_confidence_without_a_task_act_goes_to_the_fallback_but_task_acts_stay(context):
    thanks = DialogueAct("thank", "general")
    pipeline = make(context, {"thanks?": ((thanks,), 0.1), "cheap?": ((CHEAP,), 0.1)})
    pipeline.respond("thanks?")
    assert pipeline.state.route == ROUTE_FALLBACK
    pipeline.respond("cheap?")
    assert pipeline.state.route == ROUTE_TASK  # the policy confirms uncertain task acts itself
    assert pipeline.state.nlu_confidence == pytest.approx(0.1)


def test_an_unsure_yes_after_a_confirmation_is_an_answer(context):
    yes = DialogueAct("affirm", "general")
    confirm = [DialogueAct("confirm", "restaurant", "pricerange", "cheap")]
    pipeline = make(context, {"yes": ((yes,), 0.05), "cheap?": ((CHEAP,), 0.1)}, policy=EchoPolicy(confirm))
    pipeline.respond("yes")  # nothing asked yet: an unsure yes is small talk
    assert pipeline.state.route == ROUTE_FALLBACK
    pipeline.respond("cheap?")  # the system confirms ...
    pipeline.respond("yes")  # ... and the unsure yes answers it
    assert pipeline.state.route == ROUTE_TASK


def test_without_a_fallback_the_nlg_steers_back(context):
    pipeline = make(context, {}, fallback=None)
    assert pipeline.respond("hello there").text == "reqmore(general)"


def test_bookings_are_recorded_from_book_acts(context):
    acts = [
        DialogueAct("book", "restaurant", "ref", "ABCD1234"),
        DialogueAct("book", "restaurant", "name", "casa ferro"),
        DialogueAct("book", "restaurant", "people", "4"),
    ]
    belief = record_bookings(BeliefState(), acts, {"restaurant": "name"})
    booked = belief["restaurant"].booked
    assert len(booked) == 1 and booked[0]["ref"] == "ABCD1234" and booked[0]["name"] == "casa ferro"
    assert record_bookings(belief, acts, {"restaurant": "name"}) == belief  # the same booking once
    pipeline = make(context, {"book": ((CHEAP,), 0.9)}, policy=EchoPolicy(acts))
    pipeline.respond("book")
    assert pipeline.state.belief["restaurant"].booked[0]["people"] == "4"


def test_bye_ends_the_dialogue_and_reset_starts_again(context):
    pipeline = make(
        context, {"bye": ((DialogueAct("bye", "general"),), 0.9)}, policy=EchoPolicy([DialogueAct("bye", "general")])
    )
    pipeline.respond("bye")
    assert pipeline.state.over
    pipeline.reset()
    assert pipeline.state == DialogueState() and pipeline.last is None


def test_step_is_pure_and_states_round_trip_through_json(context):
    pipeline = make(context, {"cheap": ((CHEAP,), 0.9)})
    start = DialogueState()
    first = pipeline.step(start, "cheap")
    second = pipeline.step(start, "cheap")
    assert first.state == second.state and pipeline.state == start
    assert DialogueState.from_json(first.state.to_json()) == first.state


def test_the_nlu_sees_cleaned_text_and_the_state(context):
    pipeline = make(context, {})
    pipeline.respond("a\x00b\x1b[31m  c\n\td" + "x" * 5000)
    text, state = pipeline.nlu.seen[-1]
    assert text.startswith("a b [31m c d") and len(text) == MAX_TEXT
    assert isinstance(state, DialogueState)
    assert clean_text("\x07\x7f") == ""


@pytest.mark.parametrize(
    "stage, bad",
    [("policy", "not a list"), ("policy", [("inform",)]), ("nlg", None), ("nlu", {"acts": []}), ("fallback", "")],
)
def test_broken_components_are_reported_not_passed_on(context, stage, bad):
    class Bad:
        def parse(self, text, state=None):
            return bad

        def predict(self, state, db):
            return bad

        def generate(self, acts, state=None):
            return bad

        def respond(self, text, state):
            return bad

    pipeline = make(context, {"cheap": ((CHEAP,), 0.9)})
    setattr(pipeline, stage, Bad())
    with pytest.raises(PipelineError):
        pipeline.respond("cheap" if stage != "fallback" else "zzz")


def test_non_text_input_is_a_type_error(context):
    pipeline = make(context, {})
    with pytest.raises(TypeError, match="must be a string"):
        pipeline.respond(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="DialogueState"):
        pipeline.step({}, "x")  # type: ignore[arg-type]


def test_domain_less_acts_get_the_sub_domain_in_focus_and_stay_with_the_task(context):
    phone = DialogueAct("request", "", "phone", "?")
    people = DialogueAct("inform", "", "people", "4")
    stay = DialogueAct("inform", "", "stay", "2")
    pipeline = make(context, {"cheap": ((CHEAP,), 0.9), "phone?": ((phone,), 0.1), "4": ((people,), 0.9)})
    pipeline.respond("cheap")
    pipeline.respond("phone?")  # low confidence, but it asks about the task
    assert pipeline.state.route == ROUTE_TASK
    assert pipeline.state.user_acts == (DialogueAct("request", "restaurant", "phone", "?"),)
    pipeline.respond("4")
    assert pipeline.state.belief["restaurant"].booking["people"] == "4"
    # nothing in focus: a slot only one sub-domain has decides; a shared one stays unresolved
    fresh = make(context, {"2 nights": ((stay,), 0.9), "4 people": ((people,), 0.9)})
    fresh.respond("2 nights")
    assert fresh.state.user_acts == (DialogueAct("inform", "hotel", "stay", "2"),)
    fresh.reset()
    fresh.respond("4 people")
    assert fresh.state.user_acts == (people,) and fresh.state.belief.is_empty
