"""The shared guard: cleaning of text and the time limit on back ends."""

from __future__ import annotations

import logging
import threading
import time
import unicodedata

import pytest

from tod.fallback.guard import LAST_RESORT, clean_text, guarded_reply


def _no_controls(text: str) -> bool:
    return not any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


def test_clean_text_removes_controls_and_collapses_space():
    assert clean_text("  hello\x00\tworld\n\x1b[31m red \u202eevil\ud800 ") == "hello world [31m red evil"
    assert clean_text("a\u2028b\u2029c") == "a b c"


def test_clean_text_keeps_emoji_and_scripts():
    text = "👩‍👩‍👧 你好 مرحبا Привет"
    assert clean_text(text) == text


def test_clean_text_caps_at_a_word_boundary():
    text = "word " * 100
    cut = clean_text(text, 42)
    assert len(cut) <= 42 and cut.endswith("…") and cut[:-1].split() == ["word"] * len(cut[:-1].split())
    assert len(clean_text("x" * 10_000, 50)) == 50


@pytest.mark.parametrize("value", [None, 3, b"bytes", ["list"]])
def test_clean_text_of_non_strings_is_empty(value):
    assert clean_text(value) == ""


def test_guarded_reply_returns_the_cleaned_reply():
    assert guarded_reply(lambda: " fine\x07 thanks ", timeout=1, polite="sorry", what="t") == "fine thanks"


def test_guarded_reply_caps_the_reply():
    reply = guarded_reply(lambda: "word " * 1000, timeout=1, polite="sorry", what="t", max_chars=100)
    assert len(reply) <= 100


@pytest.mark.parametrize(
    "work",
    [lambda: 1 / 0, lambda: None, lambda: 42, lambda: "", lambda: " \x00\x1f ", lambda: ["a"]],
    ids=["raises", "none", "int", "empty", "only-controls", "list"],
)
def test_guarded_reply_answers_politely_when_work_fails(work, caplog):
    with caplog.at_level(logging.WARNING, logger="tod.fallback"):
        assert guarded_reply(work, timeout=1, polite="Sorry!", what="unit") == "Sorry!"
    assert any("unit" in r.getMessage() for r in caplog.records)


def test_guarded_reply_does_not_wait_for_a_hanging_back_end(caplog):
    release = threading.Event()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="tod.fallback"):
        reply = guarded_reply(lambda: release.wait(10) and "late", timeout=0.2, polite="Sorry!", what="slow")
    elapsed = time.monotonic() - started
    release.set()
    assert reply == "Sorry!"
    assert elapsed < 0.2 + 0.5
    assert any("within 0.20 s" in r.getMessage() for r in caplog.records)


def test_polite_answer_may_be_computed_and_never_fails():
    assert guarded_reply(lambda: 1 / 0, timeout=1, polite=lambda: "computed", what="t") == "computed"
    assert guarded_reply(lambda: 1 / 0, timeout=1, polite=lambda: 1 / 0, what="t") == LAST_RESORT
    assert guarded_reply(lambda: 1 / 0, timeout=1, polite="\x00", what="t") == LAST_RESORT


def test_keyboard_interrupt_in_the_back_end_is_contained():
    def work() -> str:
        raise KeyboardInterrupt

    assert guarded_reply(work, timeout=1, polite="Sorry!", what="t") == "Sorry!"
    assert _no_controls(LAST_RESORT)
