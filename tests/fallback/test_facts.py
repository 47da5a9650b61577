"""Facts about database entities, the steer-back line and entity names found in text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tod._schema import FrozenMap
from tod.domain.ontology import Domain, Schema, Slot
from tod.fallback.facts import NameIndex, entity_facts, fact_answer, offers_text, steer_back_text


def test_one_fact_per_cityguide_entity(cityguide):
    facts = entity_facts(cityguide.domain, cityguide.database)
    assert len(facts) == 40 + 20 + 30
    casa = next(f for f in facts if f.name == "casa ferro")
    assert casa.domain == "restaurant"
    assert casa.text.startswith("casa ferro (restaurant): area north")
    for value in ("italian", "moderate", "43 harbour road", "01632960237"):
        assert value in casa.details
    # what the entity is comes before how to reach it
    assert casa.details.index("food italian") < casa.details.index("phone")
    # without templates, the values as one line; with them, sentences (tests/fallback/test_fact_sentences.py)
    assert fact_answer(casa, "en").startswith("Here is what I know about casa ferro (restaurant): area north")


def test_entities_are_capped_per_subdomain(cityguide):
    facts = entity_facts(cityguide.domain, cityguide.database, max_per_domain=2)
    assert [f.domain for f in facts] == ["restaurant"] * 2 + ["hotel"] * 2 + ["attraction"] * 2


def test_steer_back_from_the_ontology(cityguide):
    assert offers_text(cityguide.domain) == "places to eat, places to stay and things to see and do"
    text = steer_back_text(cityguide.domain)
    assert text.startswith("Sorry") and "places to eat" in text and text.endswith("?")


def _zh_domain() -> Domain:
    schemas = {
        name: Schema(name, FrozenMap({"名称": Slot("名称", kind="name", field="名称")}), description="")
        for name in ("景点", "餐馆", "酒店")
    }
    return Domain("zh-test", "zh", "北京", FrozenMap(schemas), Path("."))


def test_steer_back_in_chinese():
    assert (
        steer_back_text(_zh_domain())
        == "抱歉，这个问题我帮不上忙。我可以帮您查询景点、餐馆和酒店的信息，请问您需要什么？"
    )


def test_steer_back_without_subdomains_is_generic():
    empty = Domain("empty", "en", "", FrozenMap(), Path("."))
    assert steer_back_text(empty).startswith("Sorry, I can't help with that.")


def test_name_index_finds_whole_names_longest_first(cityguide):
    facts = entity_facts(cityguide.domain, cityguide.database)
    index = NameIndex(facts, "en")
    found = index.find("What's the phone number of THE Harbour View Hotel, please?")
    assert found is not None and facts[found].name == "the harbour view hotel"
    assert facts[index.find("is kumo sushi any good")].name == "kumo sushi"
    assert index.find("I like kumo sushis") is None  # whole words only
    assert index.find("") is None
    assert index.find("what is the meaning of life") is None


def test_name_index_for_chinese_matches_substrings():
    from tod.fallback.facts import Fact

    facts = (Fact("景点", "故宫", "", "故宫（景点）："), Fact("餐馆", "全聚德", "", "全聚德（餐馆）："))
    index = NameIndex(facts, "zh")
    assert index.find("故宫几点开门？") == 0
    assert index.find("我想去全聚德吃饭") == 1
    assert index.find("天气怎么样") is None


@pytest.mark.corpus
def test_multiwoz_facts_skip_unknown_values_and_generated_taxis():
    from tests.conftest import require_shared
    from tod.domain.context import BuildContext

    context = BuildContext.open("multiwoz", data_dir=require_shared("multiwoz"))
    facts = entity_facts(context.domain, context.database)
    assert "taxi" not in {f.domain for f in facts} and "train" in {f.domain for f in facts}
    acorn = next(f for f in facts if f.name == "acorn guest house")
    assert "price double 75" in acorn.text and " ?" not in acorn.text
    assert all(len(f.details) <= 300 for f in facts)


@pytest.mark.corpus
def test_crosswoz_answers_in_chinese():
    from tests.conftest import require_shared
    from tod.domain.context import BuildContext
    from tod.fallback.knowledge import Knowledge

    context = BuildContext.open("crosswoz", data_dir=require_shared("crosswoz"))
    knowledge = Knowledge.for_domain(context.domain, context.database, encoder=None)
    answer = knowledge.lookup("故宫几点开门？").answer.text  # in sentences, by the Chinese system templates
    assert "故宫" in answer and "门票60" in answer and "我知道这些" not in answer, answer
    assert knowledge.lookup("今天天气怎么样").answer.text.startswith("抱歉，这个问题我帮不上忙。")
