"""Fuzzing the running system: ``Pipeline.respond`` on any text, ``Pipeline.step_acts`` on any acts.

The pipeline is the tiny city guide of ``tests/conftest.py`` (a 2-layer random BERT as its NLU).
``respond`` must always give a system turn with a non-empty reply; the one documented rejection is
a ``TypeError`` for text that is not a string (checked apart from the counts).
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.conftest import HOSTILE_TEXT, fuzz, outcome
from tod.acts import REQUESTED, DialogueAct
from tod.dialogue import SYSTEM, Turn
from tod.domain.loader import load_domain
from tod.pipeline.pipeline import MAX_TEXT, Pipeline
from tod.state import DialogueState

TASK_TEXT = st.sampled_from(
    [
        "a cheap italian restaurant in the north please",
        "book it for 4 people on friday at 7pm",
        "yes",
        "no",
        "what is the phone number?",
        "thanks, bye",
        "a hotel with free parking",
    ]
)
USER_TEXT = st.one_of(
    HOSTILE_TEXT,
    TASK_TEXT,
    st.text(min_size=1, max_size=300),
    st.builds(lambda a, b: a + " " + b, TASK_TEXT, HOSTILE_TEXT),
    st.builds(lambda t, n: t * n, st.text(min_size=1, max_size=5), st.integers(2_000, 30_000)),
)


def check_turn(pipeline: Pipeline, turn: object, history_before: int) -> None:
    assert isinstance(turn, Turn) and turn.speaker == SYSTEM
    assert isinstance(turn.text, str) and turn.text.strip()
    assert len(pipeline.state.history) == history_before + 2
    said = pipeline.state.history[-2].text
    assert len(said) <= MAX_TEXT and not any(0xD800 <= ord(c) <= 0xDFFF or ord(c) < 32 for c in said)


@fuzz("respond_text")
@given(text=USER_TEXT)
@example(text="")
@example(text="   \t\n ")
@example(text="x" * 100_000)
@example(text="\x00\ud800\u202e🍕 مرحبا 你好")
def test_respond_answers_any_text(tiny_pipeline: Pipeline, text: str) -> None:
    tiny_pipeline.reset()
    turn, error = outcome(lambda: tiny_pipeline.respond(text))
    assert error is None, f"respond rejected {text[:60]!r}: {error}"
    check_turn(tiny_pipeline, turn, 0)


@fuzz("respond_conversation")
@given(turns=st.lists(USER_TEXT, min_size=1, max_size=6))
def test_respond_survives_any_conversation(tiny_pipeline: Pipeline, turns: list[str]) -> None:
    tiny_pipeline.reset()
    for number, text in enumerate(turns):
        turn, error = outcome(lambda: tiny_pipeline.respond(text))
        assert error is None, f"turn {number} {text[:60]!r}: {error}"
        check_turn(tiny_pipeline, turn, 2 * number)
    assert DialogueState.from_dict(tiny_pipeline.state.to_dict()) == tiny_pipeline.state


@pytest.mark.parametrize("text", [None, 3, b"bytes", ["a list"]])
def test_respond_rejects_what_is_not_text(tiny_pipeline: Pipeline, text: object) -> None:
    with pytest.raises(TypeError, match="must be a string"):
        tiny_pipeline.respond(text)  # type: ignore[arg-type]


# ---------------------------------------------------------------- act level

INTENTS = ["inform", "request", "book", "reqalts", "confirm", "affirm", "negate", "select", "bye", "thank", "hello"]
GENERAL_INTENTS = ["greet", "thank", "bye", "reqmore", "welcome", "chitchat"]


CITY = load_domain("cityguide")


@st.composite
def user_acts(draw: st.DrawFn) -> list[DialogueAct]:
    """Acts from the city guide's ontology (sub-domains, slots, values, synonyms) mixed with garbage."""
    acts = []
    for _ in range(draw(st.integers(0, 5))):
        domain = draw(st.sampled_from([*CITY.schemas, "general", ""]) | HOSTILE_TEXT)
        schema = CITY.schemas.get(domain)
        slots = [] if schema is None else list(schema.slots)
        slot = draw(st.sampled_from([*slots, ""]) if slots and draw(st.booleans()) else HOSTILE_TEXT)
        values: list[str] = ["dontcare", "", REQUESTED, "4", "7pm", "friday", "lots", "-1", "1e400", "nan"]
        if schema is not None and slot in schema.slots:
            values += [*schema.slots[slot].values, *schema.slots[slot].synonyms]
        value = draw(st.sampled_from(values) | HOSTILE_TEXT)
        intent = draw(st.sampled_from(INTENTS + GENERAL_INTENTS) | HOSTILE_TEXT.filter(bool))
        acts.append(DialogueAct(intent, domain, slot, value))
    return acts


@fuzz("step_acts")
@given(turns=st.lists(user_acts(), min_size=1, max_size=4))
@example(turns=[[DialogueAct("inform", "hotel", "stars", "lots"), DialogueAct("book", "hotel", "people", "-1")]])
def test_step_acts_answers_any_acts(tiny_pipeline: Pipeline, turns: list[list[DialogueAct]]) -> None:
    state = DialogueState()
    for number, acts in enumerate(turns):
        result, error = outcome(lambda: tiny_pipeline.step_acts(state, acts, text="fuzz"))
        assert error is None, f"turn {number} {acts}: {error}"
        assert isinstance(result.turn.text, str) and result.turn.speaker == SYSTEM
        assert all(isinstance(a, DialogueAct) for a in result.turn.acts)
        state = result.state
        assert len(state.history) == 2 * (number + 1)
    assert DialogueState.from_dict(state.to_dict()) == state
