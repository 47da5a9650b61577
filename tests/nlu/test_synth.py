"""Synthetic training dialogues for a domain's NLU: seeded, inside the user act space, spans on the values."""

from __future__ import annotations

from collections import Counter

import pytest

from tod.acts import CHITCHAT
from tod.domain.act_space import user_act_space
from tod.domain.context import BuildContext
from tod.nlu.domain_model import SynthRecipe, synthetic_dialogues


@pytest.fixture(scope="module")
def context() -> BuildContext:
    return BuildContext.open("cityguide")


@pytest.fixture(scope="module")
def dialogues(context):
    return synthetic_dialogues(context, SynthRecipe(dialogues=600))


def test_the_same_seed_gives_the_same_dialogues(context, dialogues):
    again = synthetic_dialogues(context, SynthRecipe(dialogues=600))
    assert [d.to_dict() for d in again] == [d.to_dict() for d in dialogues]
    other = synthetic_dialogues(context, SynthRecipe(dialogues=600, seed=1))
    assert [d.to_dict() for d in other] != [d.to_dict() for d in dialogues]
    assert len(dialogues) == 600 + SynthRecipe(dialogues=600).dev_dialogues


def test_user_acts_stay_in_the_user_act_space_and_spans_point_at_values(context, dialogues):
    space = user_act_space(context.domain)
    slots = {(intent, slot) for intent, _, slot in space}
    for dialogue in dialogues:
        user = dialogue.turns[-1]
        assert user.speaker == "user" and user.text and user.acts
        for act in user.acts:
            if act.domain:  # sub-domain acts are in the space as they are
                assert (act.intent, act.domain, act.slot) in space, act
            else:  # requests, alternatives and booking details are left without a sub-domain
                assert (act.intent, act.slot) in slots, act
        for span in user.spans:
            assert user.text[span.start : span.end].lower() == span.act.value.lower(), (user.text, span)


def test_every_situation_is_represented(dialogues):
    kinds = Counter()
    for dialogue in dialogues:
        for act in dialogue.turns[-1].acts:
            kinds[act.intent if act.slot or act.intent != "inform" else "inform-domain"] += 1
    for intent in ("inform", "inform-domain", "request", "reqalts", "affirm", "negate", "thank", "bye", CHITCHAT):
        assert kinds[intent] > 5, (intent, kinds)
    unscoped = [a for d in dialogues for a in d.turns[-1].acts if a.intent == "request"]
    assert unscoped and all(a.domain == "" for a in unscoped)


def test_whole_requests_in_one_turn_are_represented(dialogues):
    """What a simulated (and many a real) user says: constraints, wanted slots and booking at once."""
    whole = [
        d.turns[-1].acts
        for d in dialogues
        if any(a.intent == "request" for a in d.turns[-1].acts)
        and sum(bool(a.intent == "inform" and a.domain) for a in d.turns[-1].acts) >= 2
    ]
    assert len(whole) > 30
    assert any(sum(a.intent == "inform" and not a.domain for a in acts) >= 3 for acts in whole)  # with a booking
