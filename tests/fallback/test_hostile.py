"""1,000 seeded hostile inputs never make a fallback raise, never give an empty reply or one with
control characters, and never change the dialogue state they are given."""

from __future__ import annotations

import unicodedata

import pytest

from tod.fallback.guard import clean_text
from tod.fallback.openai_compat import OpenAIFallback
from tod.fallback.prompt import chat_messages
from tod.fallback.retrieval import RetrievalFallback
from tod.testing.hostile import hostile_inputs

TEXTS = hostile_inputs(1000, seed=7)


def _safe(reply: str) -> bool:
    return (
        isinstance(reply, str)
        and bool(reply.strip())
        and not any(unicodedata.category(c) in ("Cc", "Cs") for c in reply)
    )


def test_the_generator_covers_every_category():
    assert len(TEXTS) == 1000 and "" in TEXTS
    assert any(len(t) == 10_000 for t in TEXTS)
    assert any("\x00" in t for t in TEXTS) and any("\u202e" in t for t in TEXTS)
    assert any("Ignore all previous instructions" in t for t in TEXTS)
    assert any("👩‍👩‍👧‍👦" in t for t in TEXTS) and any("你好" in t for t in TEXTS) and any("مرحبا" in t for t in TEXTS)
    assert any(any(0xD800 <= ord(c) <= 0xDFFF for c in t) for t in TEXTS)
    assert hostile_inputs(50, seed=7) == TEXTS[:50]  # seeded


def test_retrieval_fallback_survives_hostile_inputs(tiny_knowledge, state):
    fallback = RetrievalFallback(tiny_knowledge)
    before = state.to_dict()
    for text in TEXTS:
        reply = fallback.respond(text, state)
        assert _safe(reply), (text[:80], reply[:80])
        assert len(reply) <= 600
    assert state.to_dict() == before


def test_hostile_history_and_text_make_a_sendable_prompt(state):
    from dataclasses import replace

    from tod.dialogue import SYSTEM, USER, Turn

    hostile_state = replace(state, history=tuple(Turn(USER if i % 2 else SYSTEM, t) for i, t in enumerate(TEXTS[:40])))
    for text in TEXTS[:200]:
        messages = chat_messages(text, hostile_state, description="d", offers="o", facts=TEXTS[:3])
        payload = str(messages).encode("utf-8")  # lone surrogates would fail here
        assert payload and messages[-1]["role"] == "user" and messages[-1]["content"]
        assert all(_safe(m["content"].replace("\n", " ")) for m in messages[:1])  # the rules' own line breaks
        assert all(_safe(m["content"]) for m in messages[1:])
        assert len(messages[-1]["content"]) <= 1000


@pytest.mark.parametrize("text", TEXTS[:60])
def test_openai_fallback_survives_hostile_inputs(text, state):
    # nothing listens on port 9 (discard): every call fails fast and answers politely
    fallback = OpenAIFallback("http://127.0.0.1:9", "m", timeout=1.0)
    before = state.to_dict()
    assert _safe(fallback.respond(text, state))
    assert state.to_dict() == before


def test_clean_text_output_is_always_safe():
    for text in TEXTS:
        cleaned = clean_text(text)
        assert cleaned == "" or _safe(cleaned)
        assert len(cleaned) <= 1000
