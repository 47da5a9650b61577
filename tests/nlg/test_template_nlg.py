"""TemplateNLG: coverage of the act inventories, determinism, spans, hostile values, Chinese, construction."""

from __future__ import annotations

from pathlib import Path

import pytest

from tod.acts import CHOICE, GENERAL, REFERENCE, REQUESTED, DialogueAct
from tod.dialogue import USER, Turn
from tod.domain.act_space import system_act_space, user_act_space
from tod.domain.context import BuildContext
from tod.domain.ontology import Domain
from tod.errors import ConfigError, NLGError
from tod.nlg.base import NLG
from tod.nlg.render import surface
from tod.nlg.template import TemplateNLG
from tod.nlg.templates import ontology_only
from tod.registry import NLG_REGISTRY
from tod.state import DialogueState

SPECIAL = {"", REQUESTED, "yes", "no", "dontcare"}


def sample_value(domain: Domain, intent: str, subdomain: str, slot: str) -> str:
    """A plausible value for an act of the inventory (the first of a value set, else a marked string)."""
    if intent == "request":
        return REQUESTED
    if not slot:
        return ""
    if slot == CHOICE:
        return "3"
    if slot == REFERENCE:
        return "ABCD1234"
    known = domain.schema(subdomain).slot(slot)
    if known is not None and known.values:
        return known.values[0]
    return "价值" + slot if domain.language == "zh" else f"value of {slot}"


def space_acts(domain: Domain, space) -> list[DialogueAct]:
    return [
        DialogueAct(i, d, s, sample_value(domain, i, d, s)) if d != GENERAL else DialogueAct(i, d) for i, d, s in space
    ]


@pytest.mark.parametrize("name", ["cityguide", "multiwoz", "crosswoz"])
def test_system_templates_cover_the_system_act_space(name):
    domain = ontology_only(name)
    nlg = TemplateNLG.for_domain(domain)
    acts = space_acts(domain, system_act_space(domain))
    assert len(acts) > 100
    for act in acts:
        result = nlg.realise([act])
        assert result.text, act
        if act.value not in SPECIAL:
            # every value is written; a name in title case (the case is the only change)
            assert surface(act.value, nlg.templates).casefold() in result.text.casefold(), (act, result.text)
        if name == "cityguide":  # the default domain has a specific template for every act
            assert not result.generic_acts, (act, result.sentences)


def test_system_templates_cover_multiwoz_corpus_acts_outside_the_inventory():
    nlg = TemplateNLG.for_domain("multiwoz")
    acts = [
        DialogueAct("offerbooked", "train", "ref", "XYZ12345"),
        DialogueAct("offerbooked", "train", "price", "10.1 GBP"),
        DialogueAct("book", "booking", "ref", "QWERTY12"),
        DialogueAct("inform", "booking"),
        DialogueAct("nobook", "booking", "day", "monday"),
        DialogueAct("request", "booking", "people", REQUESTED),
        DialogueAct("inform", "hotel", "internet", "none"),
        DialogueAct("inform", "taxi", "car type", "red skoda"),
    ]
    result = nlg.realise(acts)
    for value in ("XYZ12345", "10.1 GBP", "QWERTY12", "monday", "red skoda"):
        assert value in result.text
    assert not result.generic_acts


def test_user_templates_cover_the_cityguide_user_act_space():
    domain = ontology_only("cityguide")
    nlg = TemplateNLG.for_domain(domain, side="user")
    for act in space_acts(domain, user_act_space(domain)):
        result = nlg.realise([act])
        assert result.text and not result.generic_acts, (act, result.sentences)


@pytest.mark.parametrize("name", ["multiwoz", "crosswoz"])
def test_user_templates_cover_inform_request_and_general_acts(name):
    domain = ontology_only(name)
    nlg = TemplateNLG.for_domain(domain, side="user")
    wanted = [e for e in user_act_space(domain) if e[0] in ("inform", "request") or e[1] == GENERAL]
    for act in space_acts(domain, wanted):
        text = nlg.generate([act])
        assert text, act
        if act.value not in SPECIAL:
            assert act.value in text


def test_cityguide_user_templates_are_varied():
    nlg = TemplateNLG.for_domain("cityguide", side="user")
    by_key = {e.pattern.key: e.templates for e in nlg.templates.entries}
    assert len(by_key["chitchat(general)"]) >= 40
    informs = [k for k in by_key if k.startswith("inform(") and "*" not in k and "(*)" not in k]
    assert len(informs) >= 30 and all(len(by_key[k]) >= 5 for k in informs), [k for k in informs if len(by_key[k]) < 5]
    assert sum("+" in k for k in informs) >= 10  # several slots at once
    for intent in ("greet", "thank", "bye", "affirm", "negate"):
        assert len(by_key[f"{intent}(general)"]) >= 5


def cityguide_user_turns(domain: Domain) -> list[list[DialogueAct]]:
    """Every user act alone, and every sub-domain's informs and requests together."""
    acts = space_acts(domain, user_act_space(domain))
    turns = [[a] for a in acts]
    for sub in domain.schemas:
        turns.append([a for a in acts if a.domain == sub and a.intent == "inform"])
        turns.append([DialogueAct("greet", GENERAL), *(a for a in acts if a.domain == sub and a.intent == "request")])
    return turns


def test_user_spans_point_at_every_value():
    domain = ontology_only("cityguide")
    nlg = TemplateNLG.for_domain(domain, side="user")
    checked = 0
    for acts in cityguide_user_turns(domain):
        for variant in range(6):
            text, spans = nlg.generate_with_spans(acts, variant=variant)
            for span in spans:
                assert text[span.start : span.end] == surface(span.act.value, nlg.templates), (text, span)
                assert span.act in acts
            spanned = {s.act for s in spans}
            for act in acts:
                if act.value not in SPECIAL:
                    assert act in spanned, (act, text)
                    checked += 1
    assert checked > 200


def test_spans_of_merged_values_and_multi_slot_templates():
    nlg = TemplateNLG.for_domain("cityguide", side="user")
    acts = [
        DialogueAct("inform", "restaurant", "pricerange", "cheap"),
        DialogueAct("inform", "restaurant", "food", "italian"),
        DialogueAct("inform", "restaurant", "area", "north"),
    ]
    text, spans = nlg.generate_with_spans(acts)
    assert len(nlg.realise(acts).sentences) == 1  # one sentence for the three slots
    assert sorted(text[s.start : s.end] for s in spans) == ["cheap", "italian", "north"]
    system = TemplateNLG.for_domain("cityguide")
    options = [DialogueAct("select", "hotel", "type", "hotel"), DialogueAct("select", "hotel", "type", "guesthouse")]
    text, spans = system.generate_with_spans(options)
    assert " or " in text and [text[s.start : s.end] for s in spans] == ["hotel", "guesthouse"]


def test_generation_is_deterministic_and_independent_of_call_order():
    nlg = TemplateNLG.for_domain("cityguide", seed=3)
    first = [DialogueAct("reqmore", GENERAL)]
    second = [DialogueAct("request", "restaurant", "food", REQUESTED)]
    a = nlg.generate(first)
    nlg.generate(second)
    assert nlg.generate(first) == a == TemplateNLG.for_domain("cityguide", seed=3).generate(first)
    state = DialogueState(history=(Turn(USER, "hi"), Turn(USER, "more")))
    assert nlg.generate(first, state) == nlg.generate(first, state)


def test_other_seeds_turns_and_variants_choose_other_templates():
    acts = [DialogueAct("reqmore", GENERAL), DialogueAct("request", "restaurant", "area", REQUESTED)]
    seeds = {TemplateNLG.for_domain("cityguide", seed=s).generate(acts) for s in range(20)}
    assert len(seeds) >= 3
    nlg = TemplateNLG.for_domain("cityguide")
    states = [DialogueState(history=tuple(Turn(USER, "x") for _ in range(n))) for n in range(20)]
    assert len({nlg.generate(acts, s) for s in states}) >= 3
    assert len({nlg.generate(acts, variant=v) for v in range(20)}) >= 3


def test_sentences_follow_the_intent_order():
    nlg = TemplateNLG.for_domain("cityguide")
    acts = [
        DialogueAct("reqmore", GENERAL),
        DialogueAct("request", "restaurant", "area", REQUESTED),
        DialogueAct("suggest", "restaurant", "food", "dontcare"),
        DialogueAct("nooffer", "restaurant", "food", "korean"),
    ]
    keys = [s.key.split("(")[0] for s in nlg.realise(acts).sentences]
    assert keys == ["nooffer", "suggest", "request", "reqmore"]


@pytest.mark.parametrize(
    "value",
    ["{value}{slot} {{x}} {0} {a:b}", "x" * 10_000, "bad\x00\x1b\nline\u2028sep\tend", "%s %(x)s $x ${x}"],
)
def test_hostile_values_are_written_safely(value):
    nlg = TemplateNLG.for_domain("cityguide")
    acts = [DialogueAct("inform", "restaurant", "name", value), DialogueAct("inform", "restaurant", "phone", value)]
    text, spans = nlg.generate_with_spans(acts)
    clean = surface(value, nlg.templates)
    assert text.casefold().count(clean.casefold()) >= 2  # the name written as a name (title case), the phone as is
    assert not any(ord(ch) < 32 for ch in text)
    assert all(text[s.start : s.end].casefold() == clean.casefold() for s in spans) and len(spans) == 2
    odd = DialogueAct("inform", "restaurant", "{slot}\x00", value)  # an unknown slot takes the generic template
    assert clean in nlg.generate([odd])


def test_chinese_output_for_crosswoz_acts():
    nlg = TemplateNLG.for_domain("crosswoz")
    acts = [
        DialogueAct("nooffer", "餐馆"),
        DialogueAct("inform", "餐馆", "名称", "讲礼驴肉馆"),
        DialogueAct("inform", "餐馆", "人均消费", "68元"),
        DialogueAct("inform", "酒店", "酒店设施-早餐服务", "是"),
        DialogueAct("inform", "景点", "周边餐馆", "赛百味"),
        DialogueAct("inform", "景点", "周边餐馆", "肯德基"),
    ]
    text = nlg.generate(acts)
    assert nlg.language == "zh"
    assert text.startswith("抱歉")
    for piece in ("讲礼驴肉馆", "68元", "早餐服务", "赛百味、肯德基"):
        assert piece in text
    assert " " not in text and sum("\u4e00" <= ch <= "\u9fff" for ch in text) > len(text) / 2


def test_an_act_without_any_template_is_an_error_naming_it(tmp_path: Path):
    path = tmp_path / "system.yaml"
    path.write_text('templates:\n  "inform(*, phone)": ["The phone number is {value}."]\n', encoding="utf-8")
    nlg = TemplateNLG.for_domain("cityguide", templates=path)
    assert nlg.generate([DialogueAct("inform", "hotel", "phone", "0123")]) == "The phone number is 0123."
    with pytest.raises(NLGError, match=r"inform\(hotel, area, north\)"):
        nlg.generate([DialogueAct("inform", "hotel", "area", "north")])
    with pytest.raises(NLGError, match=r"bye\(general\)"):
        nlg.generate([DialogueAct("bye", GENERAL)])
    assert nlg.generate([]) == ""


def test_dontcare_is_only_written_by_templates_that_name_it():
    nlg = TemplateNLG.for_domain("cityguide", side="user")
    for variant in range(5):
        text = nlg.generate([DialogueAct("inform", "restaurant", "area", "dontcare")], variant=variant)
        assert "the any" not in text and "dontcare" not in text


def test_construction_from_a_build_context_and_the_registry():
    context = BuildContext.open("cityguide")
    nlg = NLG_REGISTRY.get("template").from_config(context, side="user", seed=5)
    assert isinstance(nlg, TemplateNLG) and isinstance(nlg, NLG)
    assert nlg.side == "user" and nlg.seed == 5
    with pytest.raises(ConfigError, match="expected one of \\['system', 'user'\\], found 'both'"):
        TemplateNLG.from_config(context, side="both")
    with pytest.raises(ConfigError, match="seed"):
        TemplateNLG(nlg.templates, seed="1")  # type: ignore[arg-type]
    with pytest.raises(NLGError, match="template file not found"):
        TemplateNLG.from_config(context, templates="/nonexistent/templates.yaml")
