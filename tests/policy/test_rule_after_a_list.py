"""After the system listed several names, an answer to a question names the entity it is about."""

from __future__ import annotations

import pytest

from tod.acts import DialogueAct as A
from tod.pipeline.config import load_pipeline_config
from tod.pipeline.pipeline import Pipeline
from tod.state import DialogueState


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.from_config(load_pipeline_config("cityguide"), progress=False, acts_only=True)


def test_a_question_after_a_list_is_answered_with_the_name(pipeline):
    step = pipeline.step_acts(DialogueState(), [A("inform", "attraction", "type", "park"), A("inform", "attraction", "area", "south")])
    listed = [a.value for a in step.state.system_acts if a.intent == "select" and a.slot == "name"]
    assert len(listed) > 1  # the policy listed the parks
    answer = pipeline.step_acts(step.state, [A("request", "attraction", "address", "?")])
    names = [a.value for a in answer.state.system_acts if a.slot == "name" and a.intent in ("recommend", "inform")]
    assert names and names[0] in listed
    assert any(a.intent == "inform" and a.slot == "address" for a in answer.state.system_acts)


def test_a_question_after_one_offer_needs_no_name_again(pipeline):
    step = pipeline.step_acts(DialogueState(), [A("inform", "restaurant", "name", "trattoria lucca")])
    answer = pipeline.step_acts(step.state, [A("request", "restaurant", "phone", "?")])
    assert [a.intent for a in answer.state.system_acts] == ["inform"]
