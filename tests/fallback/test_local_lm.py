"""The local causal-LM fallback with a tiny randomly initialised GPT-2 built from a config."""

from __future__ import annotations

import inspect
import logging
import time

import pytest

from tod.errors import ConfigError
from tod.fallback.local_lm import LocalLMFallback, _trim
from tod.fallback.prompt import alternating, plain_prompt
from tod.registry import FALLBACK_REGISTRY


@pytest.fixture(scope="module")
def tiny_lm(tiny_gpt2_dir, strict_knowledge) -> LocalLMFallback:
    return LocalLMFallback(str(tiny_gpt2_dir), knowledge=strict_knowledge, max_new_tokens=12, timeout=10.0)


def test_registered():
    assert FALLBACK_REGISTRY.get("local-lm") is LocalLMFallback


def test_from_config_parameters_are_typed_keyword_only_with_defaults():
    for name, parameter in list(inspect.signature(LocalLMFallback.from_config).parameters.items())[1:]:
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, name
        assert parameter.default is not inspect.Parameter.empty, name
        assert parameter.annotation in ("str", "int", "float", "bool", "str | None"), name


def test_generates_a_reply_from_the_model(tiny_lm, tiny_gpt2_dir, state):
    vocabulary = set(tiny_lm.tokenizer.get_vocab())
    before = state.to_dict()
    reply = tiny_lm.respond("Is the beach nice?", state)
    assert reply and reply != tiny_lm.knowledge.lookup("Is the beach nice?").answer.text
    assert set(reply.split()) <= vocabulary  # words of the tiny model, not a canned answer
    assert tiny_lm.respond("Is the beach nice?", state) == reply  # greedy decoding is deterministic
    assert state.to_dict() == before


def test_the_prompt_is_plain_without_a_chat_template(tiny_lm, state):
    prompt, templated = tiny_lm._prompt([{"role": "system", "content": "rules"}, {"role": "user", "content": "hi"}])
    assert not templated and prompt == "rules\nUser: hi\nAssistant:"


def test_a_chat_template_is_used_when_the_tokenizer_has_one(tiny_lm, monkeypatch):
    template = "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}<assistant>"
    monkeypatch.setattr(tiny_lm.tokenizer, "chat_template", template, raising=False)
    prompt, templated = tiny_lm._prompt([{"role": "system", "content": "rules"}, {"role": "user", "content": "hi"}])
    assert templated and prompt == "<system>rules<user>hi<assistant>"


def test_a_strict_template_gets_the_system_text_folded_in(tiny_lm, monkeypatch):
    template = (
        "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('no system role') }}{% endif %}"
        "<{{ m.role }}>{{ m.content }}{% endfor %}<assistant>"
    )
    monkeypatch.setattr(tiny_lm.tokenizer, "chat_template", template, raising=False)
    prompt, templated = tiny_lm._prompt([{"role": "system", "content": "rules"}, {"role": "user", "content": "hi"}])
    assert templated and prompt == "<user>rules\n\nhi<assistant>"


def test_a_slow_generation_stops_at_the_timeout(tiny_gpt2_dir, strict_knowledge, state):
    slow = LocalLMFallback(str(tiny_gpt2_dir), knowledge=strict_knowledge, max_new_tokens=2000, timeout=0.4)
    started = time.monotonic()
    reply = slow.respond("Is the beach nice?", state)
    assert time.monotonic() - started < 0.4 + 0.5
    assert reply


def test_a_failing_model_gives_the_retrieval_answer(tiny_lm, state, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("CUDA out of memory")

    monkeypatch.setattr(tiny_lm.model, "generate", broken)
    with caplog.at_level(logging.WARNING, logger="tod.fallback"):
        reply = tiny_lm.respond("When is the tourist office open?", state)
    assert reply.startswith("The Harbourton visitor centre") and "CUDA out of memory" in caplog.text


def test_a_long_history_is_cut_to_the_model_positions(tiny_lm, state, monkeypatch):
    seen = {}
    original = tiny_lm.model.generate

    def spy(*args, **kwargs):
        seen["length"] = kwargs["input_ids"].shape[1]
        return original(*args, **kwargs)

    monkeypatch.setattr(tiny_lm.model, "generate", spy)
    monkeypatch.setattr(tiny_lm, "max_positions", 64)
    assert tiny_lm.respond("the beach " * 2000, state)
    assert seen["length"] <= 64 - 12


def test_trim_stops_at_the_next_turn_and_at_the_last_sentence():
    assert _trim("Sure thing.\nUser: book it", templated=False) == "Sure thing."
    assert _trim("Sure thing\nUser: book it", templated=False) == "Sure thing"
    assert _trim("Sure thing\nUser: book it", templated=True) == "Sure thing\nUser: book it"
    assert _trim("One. Two and thr", templated=True) == "One."
    assert _trim("One! Two?", templated=True) == "One! Two?"
    assert _trim("no sentence end", templated=True) == "no sentence end"


def test_prompt_shapes():
    messages = [
        {"role": "system", "content": "rules"},
        {"role": "assistant", "content": "welcome"},
        {"role": "user", "content": "a"},
        {"role": "user", "content": "b"},
    ]
    assert alternating(messages) == [{"role": "user", "content": "rules\n\na\nb"}]
    assert plain_prompt(messages).endswith("User: b\nAssistant:")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"model": ""}, "needs model"),
        ({"model": "/no/such/model"}, "cannot load the causal language model"),
        ({"timeout": 0}, "timeout must be a positive number"),
        ({"max_new_tokens": 0}, "max_new_tokens must be a whole number"),
        ({"temperature": -0.5}, "temperature must be a number"),
    ],
)
def test_invalid_configuration_is_a_config_error(cityguide, tiny_gpt2_dir, options, message):
    params = {"model": str(tiny_gpt2_dir), "encoder": "", **options}
    with pytest.raises(ConfigError, match=message):
        LocalLMFallback.from_config(cityguide, **params)


def test_from_config_with_sampling(cityguide, tiny_gpt2_dir, tiny_encoder_dir, state):
    fallback = LocalLMFallback.from_config(
        cityguide, model=str(tiny_gpt2_dir), encoder=str(tiny_encoder_dir), temperature=0.8, max_new_tokens=5
    )
    assert fallback.temperature == 0.8 and fallback.respond("hello", state)
