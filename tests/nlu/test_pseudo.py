"""Pseudo-labelling unlabelled dialogues with an act model, and training on the result."""

import pytest

from tests.conftest import FIXTURES
from tests.nlu.test_acts import tiny_act_config
from tod.data.multiwoz import load_multiwoz
from tod.dialogue import SYSTEM, USER, Dialogue, Turn
from tod.nlu.act_data import act_examples
from tod.nlu.pseudo import pseudo_examples


@pytest.fixture(scope="module")
def dialogues():
    return load_multiwoz(FIXTURES / "multiwoz" / "val.json")["val"]


@pytest.fixture(scope="module")
def teacher(dialogues, tiny_encoder_dir):
    from tod.nlu.act_training import train_act_nlu

    nlu, _ = train_act_nlu(dialogues, dialogues, tiny_act_config(tiny_encoder_dir), progress=False, log=lambda _: None)
    return nlu


def unlabelled(dialogues):
    """The fixture's dialogues as plain text (no acts, spans or states), plus an empty user turn."""
    plain = [Dialogue(f"text-{d.id}", tuple(Turn(t.speaker, t.text) for t in d.turns)) for d in dialogues]
    plain.append(Dialogue("text-empty", (Turn(USER, "   "), Turn(SYSTEM, "hello"))))
    return plain


def test_a_sure_teacher_reproduces_the_gold_examples(teacher, dialogues):
    """The teacher fits the fixture, so its pseudo-labels of the same text are the gold tags and labels."""
    counted = []
    examples, read = pseudo_examples(teacher, unlabelled(dialogues), min_confidence=0.0, progress=counted.append)
    gold = act_examples(dialogues, context_turns=teacher.config.context_turns)
    assert read == len(gold) and sum(counted) == read  # the blank user turn is not read
    assert len(examples) == len(gold)
    for got, want in zip(examples, gold):
        assert (got.text, got.tokens, got.starts, got.ends, got.context) == (
            want.text, want.tokens, want.starts, want.ends, want.context
        )
        assert got.tags == want.tags and sorted(got.labels) == sorted(want.labels)
        assert got.gold == () and got.dialogue_id.startswith("text-")


def test_confidence_filter_and_context(teacher, dialogues):
    everything, _ = pseudo_examples(teacher, unlabelled(dialogues), min_confidence=0.0, context_turns=0)
    assert all(e.context == () for e in everything)
    none, read = pseudo_examples(teacher, unlabelled(dialogues), min_confidence=1.01)
    assert none == [] and read == len(everything)


def test_extra_examples_are_trained_on_and_unknown_labels_dropped(teacher, dialogues, tiny_encoder_dir):
    from dataclasses import replace

    from tod.nlu.act_training import train_act_nlu

    extra, _ = pseudo_examples(teacher, unlabelled(dialogues), min_confidence=0.0)
    odd = replace(extra[0], tags=("B-inform+spaceship+colour",) * len(extra[0].tokens), labels=("bogus+label",))
    nlu, history = train_act_nlu(
        dialogues[:1], None, tiny_act_config(tiny_encoder_dir, epochs=1), progress=False,
        log=lambda _: None, extra_examples=[*extra, odd],
    )
    assert "bogus+label" not in nlu.intents.labels and "B-inform+spaceship+colour" not in nlu.tags.labels
    assert nlu.meta["train_examples"] == len(act_examples(dialogues[:1])) + len(extra) + 1
