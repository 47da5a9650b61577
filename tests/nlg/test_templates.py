"""Template files: the key and template languages, and every kind of malformed file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tod.errors import NLGError
from tod.nlg.patterns import Field, parse_key, parse_template
from tod.nlg.templates import load_templates, ontology_only

MINIMAL = """\
language: en
templates:
  "inform(*, *)": ["The {slot} is {value}."]
"""


def write(tmp_path: Path, text: str, name: str = "system.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_keys_parse_into_patterns():
    one = parse_key("inform(restaurant, phone)")
    assert (one.intent, one.domain, one.named, one.rest) == ("inform", "restaurant", ("phone",), False)
    multi = parse_key("recommend(*, name + food+area)")
    assert multi.named == ("name", "food", "area") and multi.domain == "*"
    rest = parse_key("book(*, name+**)")
    assert rest.rest and rest.named == ("name",)
    assert parse_key("offerbook(hotel)").slotless
    conditioned = parse_key("inform(hotel, parking=Yes|free)").slots[0]
    assert conditioned.values == frozenset({"yes", "free"})
    glob = parse_key("inform(酒店, 酒店设施-*=是)").slots[0]
    assert glob.is_glob and glob.match_slot("酒店设施-早餐服务").group(1) == "早餐服务"
    assert glob.match_slot("价格") is None
    assert parse_key("inform(*, entrance fee)").named == ("entrance fee",)


@pytest.mark.parametrize(
    "key",
    ["inform", "Inform(a, b)", "inform(a, b", "inform(*, a+*)", "inform(*, a+a)", "inform(*, a=)", "inform(*, +)"],
)
def test_bad_keys_are_value_errors(key):
    with pytest.raises(ValueError):
        parse_key(key)


def test_templates_parse_into_literals_and_fields():
    template = parse_template("Call {{ {name} }} on {a:value}.")
    assert template.segments == ("Call { ", Field("name"), " } on ", Field("value", article=True), ".")
    assert template.fields == {"name", "value"}
    for bad in ("It is {value", "It is value}", "empty {} field", "{a:}"):
        with pytest.raises(ValueError):
            parse_template(bad)


def test_a_minimal_file_loads(tmp_path):
    templates = load_templates(write(tmp_path, MINIMAL), "system")
    assert templates.language == "en" and templates.side == "system"
    assert [e.pattern.key for e in templates.entries] == ["inform(*, *)"]
    assert templates.conditional_values == {"dontcare"}


@pytest.mark.parametrize(
    "text, where, message",
    [
        ("templates: [unclosed\n", "", "not valid YAML"),
        ('templates:\n  "inform(*, *)": [a]\n  "inform(*, *)": [b]\n', "", "duplicate key"),
        ('templates:\n  "greet(general)": []\n', "templates.greet(general)", "empty list"),
        ('templates:\n  "greet(general)": ["Hi {name}"]\n', "templates.greet(general)[0]", "placeholder {name}"),
        ('templates:\n  "inform(*, phone)": ["It is {phones}"]\n', "templates.inform(*, phone)[0]", "not allowed"),
        ('templates:\n  "dance(general)": ["Hi"]\n', "templates.dance(general)", "unknown intent 'dance'"),
        ('templates:\n  "inform(*, a+*)": ["x"]\n', "templates.inform(*, a+*)", "bad act pattern"),
        ('templates:\n  "inform(*, *)": ["The {slot"]\n', "templates.inform(*, *)[0]", "unmatched"),
        ('templates:\n  "inform(*, *)": [""]\n', "templates.inform(*, *)[0]", "non-empty string"),
        ('templates:\n  "inform(*, *)": [yes]\n', "templates.inform(*, *)[0]", "quote yes/no"),
        ("templates: {}\n", "templates", "found none"),
        ("tempaltes: {}\n", "<top level>", "unknown key(s) ['tempaltes']"),
        ("language: fr\n" + MINIMAL.split("\n", 1)[1], "language", "expected one of"),
        ("side: user\n" + MINIMAL, "side", "expected 'system' templates"),
        ("order: [inform, dance]\n" + MINIMAL, "order[1]", "unknown intent 'dance'"),
        ("lists: {sep: x}\n" + MINIMAL, "lists", "unknown key"),
        ("phrases: {'a.b.c=': x}\n" + MINIMAL, "phrases.a.b.c=", "bad phrase key"),
        ("phrases: {area: 'in {the} {value}'}\n" + MINIMAL, "phrases.area[0]", "placeholder {the}"),
        ("domain_names: {hotel: {nom: x}}\n" + MINIMAL, "domain_names.hotel", "expected a name"),
        ("- just\n- a list\n", "<top level>", "expected a mapping"),
    ],
)
def test_malformed_files_name_the_file_and_the_key(tmp_path, text, where, message):
    path = write(tmp_path, text)
    with pytest.raises(NLGError) as caught:
        load_templates(path, "system")
    assert str(path) in str(caught.value)
    assert f": {where}:" in str(caught.value) or where == ""
    assert message in str(caught.value)


def test_domains_and_language_are_checked_against_the_ontology(tmp_path):
    domain = ontology_only("cityguide")
    bad_domain = write(tmp_path, 'templates:\n  "inform(resturant, phone)": ["x {value}"]\n')
    with pytest.raises(NLGError, match=r"templates.inform\(resturant, phone\): unknown domain 'resturant'"):
        load_templates(bad_domain, "system", domain)
    declared = write(tmp_path, 'extra_domains: [booking]\ntemplates:\n  "book(booking, ref)": ["{value}"]\n', "b.yaml")
    assert load_templates(declared, "system", domain).entries[0].pattern.domain == "booking"
    chinese = write(tmp_path, "language: zh\n" + MINIMAL.split("\n", 1)[1], "zh.yaml")
    with pytest.raises(NLGError, match="expected one of \\['en'\\]"):
        load_templates(chinese, "system", domain)


def test_a_missing_file_is_an_nlg_error(tmp_path):
    with pytest.raises(NLGError, match="template file not found"):
        load_templates(tmp_path / "absent.yaml", "user")


def test_extra_intents_extend_the_inventory(tmp_path):
    path = write(tmp_path, 'extra_intents: [offerbooked]\ntemplates:\n  "offerbooked(*, ref)": ["Ref {value}."]\n')
    assert load_templates(path, "system").entries[0].pattern.intent == "offerbooked"
    user = write(tmp_path, 'templates:\n  "offerbook(*)": ["x"]\n', "user.yaml")
    with pytest.raises(NLGError, match="unknown intent 'offerbook'"):
        load_templates(user, "user")  # a system intent is not a user intent


@pytest.mark.parametrize("domain", ["cityguide", "multiwoz", "crosswoz"])
@pytest.mark.parametrize("side", ["system", "user"])
def test_shipped_template_files_load(domain, side):
    ontology = ontology_only(domain)
    templates = load_templates(ontology.directory / "templates" / f"{side}.yaml", side, ontology)
    assert templates.language == ontology.language
    assert len(templates.entries) >= 20
    assert all(e.templates for e in templates.entries)
