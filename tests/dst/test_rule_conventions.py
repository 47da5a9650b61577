"""RuleDST's corpus conventions (RuleOptions) on tiny hand-made acts and states, CrossWOZ and MultiWOZ style.

The CrossWOZ-style ontology below is hand-made (three sub-domains with names, relation slots to one
another, a list slot with item slots and a plain list slot), so no corpus or database is needed.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from tod.acts import REQUESTED, DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.builtin import domains_dir
from tod.domain.loader import load_domain, parse_ontology
from tod.domain.ontology import Domain
from tod.dst.rule import RuleDST, RuleOptions
from tod.dst.values import ValueNormaliser

ONTOLOGY = """
name: tiny-zh
language: zh
x-name: &name {kind: name, informable: true, requestable: true}
x-near-sight: &near-sight {kind: relation, target: 景点, informable: true, requestable: true}
x-near-food: &near-food {kind: relation, target: 餐馆, informable: true, requestable: true}
x-near-inn: &near-inn {kind: relation, target: 酒店, informable: true, requestable: true}
domains:
  景点:
    slots: {名称: *name, 评分: {kind: text, informable: true}, 电话: {requestable: true},
            周边景点: *near-sight, 周边餐馆: *near-food, 周边酒店: *near-inn}
  餐馆:
    slots: {名称: *name, 推荐菜: {kind: list, informable: true}, 人均消费: {kind: text, informable: true},
            电话: {requestable: true}, 周边景点: *near-sight, 周边餐馆: *near-food, 周边酒店: *near-inn}
  酒店:
    slots:
      名称: *name
      价格: {kind: text, informable: true}
      酒店设施: {kind: list, informable: true, requestable: true, items: {separator: '-', "yes": [是], "no": [否]}}
      周边景点: *near-sight
      周边餐馆: *near-food
"""


def A(intent: str, domain: str = "", slot: str = "", value: str = "") -> DialogueAct:
    return DialogueAct(intent, domain, slot, value)


def belief(**domains: dict[str, str]) -> BeliefState:
    return BeliefState({d: DomainBelief(c) for d, c in domains.items()})


def constraints(state: BeliefState) -> dict[str, dict[str, str]]:
    return {d: dict(b.constraints) for d, b in state.domains.items() if b.constraints}


@pytest.fixture(scope="module")
def zh() -> Domain:
    return parse_ontology(yaml.safe_load(ONTOLOGY), Path("tiny-zh.yaml"), Path("."))


@pytest.fixture(scope="module")
def city() -> Domain:
    return load_domain("cityguide")


def tracker(domain: Domain, **options: bool) -> RuleDST:
    return RuleDST(domain, RuleOptions(**options))


# -- select_starts_search ---------------------------------------------------------------------------


def test_select_starts_a_new_search_in_the_target_domain(zh: Domain) -> None:
    start = belief(景点={"名称": "故宫"}, 餐馆={"推荐菜": "烤鸭", "人均消费": "50-100元"})
    acts = [A("inform", "餐馆", "推荐菜", "炸酱面"), A("select", "餐馆", "源领域", "景点")]
    state = tracker(zh, select_starts_search=True).update(start, acts)
    assert constraints(state)["餐馆"] == {"推荐菜": "炸酱面", "周边景点": "故宫"}
    assert constraints(state)["景点"] == {"名称": "故宫"}
    kept = tracker(zh).update(start, acts)  # the default: earlier constraints stay
    assert constraints(kept)["餐馆"] == {"推荐菜": "烤鸭 炸酱面", "人均消费": "50-100元", "周边景点": "故宫"}


def test_select_in_the_source_domain_itself_drops_its_name(zh: Domain) -> None:
    """Attractions near 故宫 rated 5: 故宫 moves from the name to the relation slot."""
    start = belief(景点={"名称": "故宫", "评分": "4分以上"})
    state = tracker(zh, select_starts_search=True).update(
        start, [A("inform", "景点", "评分", "5分"), A("select", "景点", "源领域", "景点")]
    )
    assert constraints(state) == {"景点": {"评分": "5分", "周边景点": "故宫"}}


def test_select_near_the_same_entity_narrows_the_search(zh: Domain) -> None:
    start = belief(酒店={"周边餐馆": "大三元酒家", "酒店设施": "早餐服务"})
    acts = [A("inform", "酒店", "价格", "300-400元"), A("select", "酒店", "源领域", "餐馆")]
    state = tracker(zh, select_starts_search=True).update(start, acts)
    assert constraints(state)["酒店"] == {"周边餐馆": "大三元酒家", "酒店设施": "早餐服务", "价格": "300-400元"}
    elsewhere = tracker(zh, select_starts_search=True).update(
        start, [*acts, A("inform", "餐馆", "名称", "全聚德")]
    )  # near another restaurant: a new search
    assert constraints(elsewhere)["酒店"] == {"周边餐馆": "全聚德", "价格": "300-400元"}


# -- request_name_starts_search ---------------------------------------------------------------------


def test_a_name_request_after_several_offers_asks_which_of_them(zh: Domain) -> None:
    searching = tracker(zh, request_name_starts_search=True)
    start = belief(酒店={"价格": "500-600元", "酒店设施": "早餐服务"})
    user = [A("inform", "酒店", "酒店设施-健身房", "是"), A("request", "酒店", "名称", REQUESTED)]
    two = [A("recommend", "酒店", "名称", "北京饭店"), A("recommend", "酒店", "名称", "首都宾馆")]
    assert constraints(searching.update(start, user, two))["酒店"] == {
        "价格": "500-600元",
        "酒店设施": "早餐服务 健身房",
    }
    one = two[:1]  # one offer (or none): a new search, as before
    assert constraints(searching.update(start, user, one))["酒店"] == {"酒店设施": "健身房"}
    assert constraints(searching.update(start, user))["酒店"] == {"酒店设施": "健身房"}


# -- named_item_requests ----------------------------------------------------------------------------


def test_asking_the_named_entity_about_an_item_adds_the_item(zh: Domain) -> None:
    checking = tracker(zh, named_item_requests=True)
    ask = [A("request", "酒店", "酒店设施-商务中心", REQUESTED)]
    named = belief(酒店={"名称": "北京饭店", "酒店设施": "早餐服务"})
    state = checking.update(named, ask)
    assert constraints(state)["酒店"] == {"名称": "北京饭店", "酒店设施": "早餐服务 商务中心"}
    assert state["酒店"].requested == ("酒店设施-商务中心",)
    unnamed = belief(酒店={"价格": "300-400元"})
    assert checking.update(unnamed, ask) == tracker(zh).update(unnamed, ask)  # no entity named: a question only
    # a name given in this very turn is not enough: the system has not looked the entity up yet
    fresh = checking.update(unnamed, [A("inform", "酒店", "名称", "北京饭店"), *ask])
    assert constraints(fresh)["酒店"] == {"价格": "300-400元", "名称": "北京饭店"}
    assert constraints(tracker(zh).update(named, ask))["酒店"] == {"名称": "北京饭店", "酒店设施": "早餐服务"}


# -- implicit_select --------------------------------------------------------------------------------


def test_a_named_entity_of_another_domain_is_a_select_the_acts_left_out(zh: Domain) -> None:
    implicit = tracker(zh, implicit_select=True, select_starts_search=True)
    start = belief(酒店={"名称": "新大宗饭店"})
    acts = [A("inform", "景点", "名称", "香山公园"), A("inform", "酒店", "酒店设施-行李寄存", "是")]
    state = implicit.update(start, acts)
    assert constraints(state) == {"酒店": {"酒店设施": "行李寄存", "周边景点": "香山公园"}}
    assert constraints(tracker(zh).update(start, acts)) == {
        "酒店": {"名称": "新大宗饭店", "酒店设施": "行李寄存"},
        "景点": {"名称": "香山公园"},
    }


def test_no_implicit_select_when_the_turn_says_more_about_the_named_entity(zh: Domain) -> None:
    implicit = tracker(zh, implicit_select=True)
    asked = [
        A("inform", "景点", "名称", "香山公园"),
        A("request", "景点", "电话", REQUESTED),
        A("inform", "酒店", "价格", "300-400元"),
    ]
    assert constraints(implicit.update(BeliefState(), asked)) == {
        "景点": {"名称": "香山公园"},
        "酒店": {"价格": "300-400元"},
    }
    explicit = [A("inform", "景点", "名称", "香山公园"), A("inform", "餐馆", "人均消费", "50-100元")]
    explicit.append(A("select", "酒店", "源领域", "景点"))  # an explicit select decides alone
    assert constraints(implicit.update(BeliefState(), explicit)) == {
        "餐馆": {"人均消费": "50-100元"},
        "酒店": {"周边景点": "香山公园"},
    }
    alone = [A("inform", "景点", "名称", "香山公园")]  # nothing asked of another domain
    assert constraints(implicit.update(BeliefState(), alone)) == {"景点": {"名称": "香山公园"}}


# -- accept_discussed_names -------------------------------------------------------------------------


def test_a_name_for_a_domain_the_system_told_about_is_not_looked_up(zh: Domain) -> None:
    holding = tracker(zh, accept_discussed_names=False)
    user = [A("inform", "景点", "名称", "故宫"), A("request", "景点", "电话", REQUESTED)]
    described = [A("inform", "景点", "评分", "4.7分")]  # the system described an attraction it holds
    assert holding.update(BeliefState(), user, described).is_empty is False  # the request is kept
    assert constraints(holding.update(BeliefState(), user, described)) == {}
    nearby = [A("inform", "餐馆", "周边景点", "故宫")]  # the system spoke of restaurants, not attractions
    assert constraints(holding.update(BeliefState(), user, nearby)) == {"景点": {"名称": "故宫"}}
    assert constraints(tracker(zh).update(BeliefState(), user, described)) == {"景点": {"名称": "故宫"}}


def test_offered_and_discussed_names_are_separate_options(zh: Domain) -> None:
    offered = [A("recommend", "景点", "名称", "故宫")]
    user = [A("inform", "景点", "名称", "故宫")]
    other = [A("inform", "景点", "名称", "天坛")]
    holding = tracker(zh, accept_discussed_names=False)  # offered names still accepted
    assert constraints(holding.update(BeliefState(), user, offered)) == {"景点": {"名称": "故宫"}}
    assert constraints(holding.update(BeliefState(), other, offered)) == {}
    strict = tracker(zh, accept_offered_names=False)  # a name other than the offered one is still taken
    assert constraints(strict.update(BeliefState(), user, offered)) == {}
    assert constraints(strict.update(BeliefState(), other, offered)) == {"景点": {"名称": "天坛"}}


# -- MultiWOZ style: the options leave an ontology without relations, items or selects alone ----------


def test_multiwoz_style_turns_are_unchanged_by_the_crosswoz_options(city: Domain) -> None:
    crosswoz_like = tracker(city, select_starts_search=True, named_item_requests=True, implicit_select=True)
    start = belief(hotel={"area": "east", "name": "the anchor"})
    turns = [
        ([A("inform", "restaurant", "food", "thai"), A("inform", "hotel", "name", "the anchor")], []),
        ([A("request", "hotel", "phone", REQUESTED)], [A("inform", "hotel", "area", "east")]),
        ([A("inform", "restaurant", "area", "north"), A("request", "restaurant", "name", REQUESTED)], []),
    ]
    default = RuleDST(city)
    for user, system in turns:
        assert crosswoz_like.update(start, user, system) == default.update(start, user, system)


def test_multiwoz_style_discussed_name(city: Domain) -> None:
    system = [A("inform", "hotel", "area", "east"), A("inform", "hotel", "stars", "4")]
    user = [A("inform", "hotel", "name", "the anchor")]
    assert RuleDST(city).update(BeliefState(), user, system)["hotel"].constraints["name"] == "the anchor"
    holding = tracker(city, accept_discussed_names=False)
    assert holding.update(BeliefState(), user, system)["hotel"].constraints.get("name") is None


# -- configuration and data -------------------------------------------------------------------------


def test_from_config_takes_every_option(zh: Domain) -> None:
    options = {name: not value for name, value in RuleOptions().to_dict().items()}
    built = RuleDST.from_config(SimpleNamespace(domain=zh), **options)  # type: ignore[arg-type]
    assert built.options.to_dict() == options
    assert RuleDST.from_config(SimpleNamespace(domain=zh)).options == RuleOptions()  # type: ignore[arg-type]


def test_crosswoz_ticket_not_free_is_written_as_the_corpus_writes_it() -> None:
    path = domains_dir() / "crosswoz" / "ontology.yaml"
    domain = parse_ontology(yaml.safe_load(path.read_text(encoding="utf-8")), path, path.parent)
    normaliser = ValueNormaliser(domain)
    assert normaliser.normalise("景点", "门票", "不免费") == "1元以上"
    assert normaliser.normalise("景点", "门票", "免费") == "免费"
    state = RuleDST(domain).update(BeliefState(), [A("inform", "景点", "门票", "不免费")])
    assert normaliser.triples(state) == {("景点", "门票", "1元以上")}
