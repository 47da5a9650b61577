"""1,000 generated hostile inputs through a whole cityguide pipeline: no crash, fallback turns keep the task state."""

from __future__ import annotations

from tod.state import ROUTE_FALLBACK
from tod.testing.hostile import hostile_inputs


def test_the_generator_is_seeded_and_hostile():
    first = hostile_inputs(300)
    assert first == hostile_inputs(300) and first != hostile_inputs(300, seed=8)
    assert "" in first and any(len(t) >= 10_000 for t in first)
    assert any(any(0xD800 <= ord(c) <= 0xDFFF for c in t) for t in first)  # lone surrogates
    assert any("Ignore all previous instructions" in t for t in first)


def test_hostile_inputs_never_crash_and_fallback_turns_keep_the_task_state(tiny_pipeline):
    pipeline = tiny_pipeline
    fallbacks = 0
    for index, text in enumerate(hostile_inputs(1000, seed=7)):
        if index % 50 == 0:
            pipeline.reset()
            pipeline.respond("a cheap italian restaurant in the north please")
        before = pipeline.state
        turn = pipeline.respond(text)
        after = pipeline.state
        assert isinstance(turn.text, str) and turn.text.strip()
        if after.route == ROUTE_FALLBACK:
            fallbacks += 1
            assert after.belief == before.belief
            assert after.db == before.db and after.system_acts == before.system_acts
            assert after.user_acts == before.user_acts
        assert len(after.history) == len(before.history) + 2
    assert fallbacks > 0  # the fallback path was exercised
