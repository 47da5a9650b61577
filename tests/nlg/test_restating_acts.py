"""Acts that restate what the acts beside them say (affirm, negate, exclude) are left unsaid by a domain
whose system templates predate them; any other act without a template is still an error."""

from __future__ import annotations

import pytest

from tod.acts import DialogueAct as A
from tod.errors import NLGError
from tod.nlg.template import TemplateNLG
from tod.nlg.templates import parse_templates

OLD = {"templates": {"inform(*, *)": ["The {slot} is {value}."], "reqmore(general)": ["Anything else?"]}}


@pytest.mark.parametrize("intent", ["affirm", "negate", "exclude"])
def test_a_restating_act_without_a_template_is_left_unsaid(intent):
    nlg = TemplateNLG(parse_templates(OLD, "old.yaml", "system"))
    text = nlg.generate([A(intent, "cake", "flavour", "lemon"), A("inform", "cake", "flavour", "vanilla")])
    assert text == "The flavour is vanilla."


def test_a_restating_act_with_a_template_is_said():
    raw = {"templates": {**OLD["templates"], "negate(*, *)": ["No, the {slot} is not {value}."]}}
    nlg = TemplateNLG(parse_templates(raw, "new.yaml", "system"))
    text = nlg.generate([A("negate", "cake", "flavour", "lemon"), A("inform", "cake", "flavour", "vanilla")])
    assert "not lemon" in text and "vanilla" in text


def test_other_acts_without_a_template_still_fail():
    nlg = TemplateNLG(parse_templates(OLD, "old.yaml", "system"))
    with pytest.raises(NLGError, match="no template expresses the act"):
        nlg.generate([A("book", "cake", "ref", "X1")])


def test_the_user_side_says_everything_or_fails():
    nlg = TemplateNLG(parse_templates({"templates": {"inform(*, *)": ["a {value} one"]}}, "user.yaml", "user"))
    with pytest.raises(NLGError, match="no template expresses the act"):
        nlg.generate([A("negate", "general")])
