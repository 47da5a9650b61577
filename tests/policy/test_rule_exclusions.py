"""The rule policy with exclusions: excluded entities are never offered, and the answer says what is left out."""

from __future__ import annotations

from tod.acts import EXCLUDE, GENERAL, DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.domain.act_space import system_act_space
from tod.domain.context import BuildContext
from tod.domain.database import Database
from tod.nlg.template import TemplateNLG
from tod.policy.rule import RulePolicy
from tod.state import DialogueState

# the city guide's context, rule policy and database, as the rule policy's own tests build them
from .test_rule import context, db, in_space, make_state, policy, predict  # noqa: F401


def X(domain: str, slot: str, value: str) -> DialogueAct:
    return DialogueAct(EXCLUDE, domain, slot, value)


def offered_names(acts: list[DialogueAct]) -> list[str]:
    return [a.value for a in acts if a.intent in ("recommend", "select", "inform") and a.slot == "name"]


def test_exclude_is_in_the_system_act_space(context: BuildContext) -> None:
    space = set(system_act_space(context.domain))
    assert ("exclude", "restaurant", "area") in space and ("exclude", "hotel", "type") in space
    assert ("exclude", "restaurant", "phone") not in space  # only informable slots are ruled out


def test_the_turn_that_excludes_says_so_and_searches_without_it(policy: RulePolicy, db: Database) -> None:
    belief = BeliefState({"hotel": DomainBelief({"type": "hotel", "area": "east"}, excluded={"pricerange": ("expensive",)})})
    acts = predict(policy, make_state(belief, [X("hotel", "pricerange", "expensive")]))
    assert acts[0] == X("hotel", "pricerange", "expensive")
    assert not in_space(policy, acts)
    for name in offered_names(acts):
        entity = db.lookup("hotel", name)
        assert entity is not None and entity.get("pricerange") != "expensive"


def test_later_turns_do_not_repeat_the_exclusion(policy: RulePolicy) -> None:
    belief = BeliefState({"restaurant": DomainBelief({"food": "italian"}, excluded={"area": ("north",)})})
    acts = predict(policy, make_state(belief, [DialogueAct("inform", "restaurant", "pricerange", "cheap")]))
    assert not [a for a in acts if a.intent == EXCLUDE]


def test_an_excluded_entity_is_never_offered(policy: RulePolicy, db: Database) -> None:
    for area in ("north", "centre", "south", "east", "west"):
        belief = BeliefState({"restaurant": DomainBelief({"pricerange": "expensive"}, excluded={"area": (area,)})})
        acts = predict(policy, make_state(belief, [X("restaurant", "area", area)]))
        for name in offered_names(acts):
            entity = db.lookup("restaurant", name)
            assert entity is not None and entity.get("area") != area, (area, acts)


def test_the_entity_offered_before_is_dropped_once_excluded(policy: RulePolicy, db: Database) -> None:
    thai = db.query("restaurant", {"food": "thai"})
    assert thai
    first = thai[0]
    system = [DialogueAct("recommend", "restaurant", "name", first.name)]
    excluded = str(first.get("area"))
    belief = BeliefState({"restaurant": DomainBelief({"food": "thai"}, excluded={"area": (excluded,)})})
    acts = predict(policy, make_state(belief, [X("restaurant", "area", excluded)], system))
    assert first.name not in offered_names(acts)


def test_nothing_left_says_nooffer_and_never_suggests_the_excluded_value(policy: RulePolicy) -> None:
    belief = BeliefState({"hotel": DomainBelief({"type": "hotel"}, excluded={"type": ("hotel",)})})
    acts = predict(policy, make_state(belief, [X("hotel", "type", "hotel")]))
    assert any(a.intent == "nooffer" for a in acts)
    assert not [a for a in acts if a.intent == "suggest" and a.value == "hotel"]


def test_a_low_confidence_turn_confirms_and_says_the_exclusion(policy: RulePolicy) -> None:
    belief = BeliefState({"restaurant": DomainBelief({"area": "north"}, excluded={"food": ("chinese",)})})
    user = [DialogueAct("inform", "restaurant", "area", "north"), X("restaurant", "food", "chinese")]
    acts = predict(policy, make_state(belief, user, confidence=0.1))
    assert DialogueAct("confirm", "restaurant", "area", "north") in acts and X("restaurant", "food", "chinese") in acts


def test_the_nlg_says_what_is_left_out(context: BuildContext, policy: RulePolicy) -> None:
    nlg = TemplateNLG.from_config(context)
    belief = BeliefState({"restaurant": DomainBelief(excluded={"food": ("chinese", "indian"), "area": ("north",)})})
    acts = [X("restaurant", "food", "chinese"), X("restaurant", "food", "indian"), X("restaurant", "area", "north")]
    text = nlg.generate(acts + [DialogueAct("reqmore", GENERAL)], DialogueState(belief=belief))
    assert "chinese or indian" in text and "north" in text, text
    assert "nothing" in text.lower() or "leave out" in text.lower(), text


def test_mle_features_and_lexicalisation_take_exclusions(context: BuildContext) -> None:
    from tod.domain.matches import query_belief
    from tod.policy.features import ActSpace, state_features
    from tod.policy.mle_lexicalise import entity_in_focus

    belief = BeliefState({"restaurant": DomainBelief({"pricerange": "cheap"}, excluded={"area": ("north",)})})
    state = make_state(belief, [X("restaurant", "area", "north")])
    db_results = query_belief(context.database, belief)
    features = state_features(state, db_results, ActSpace(context.domain))
    assert features["u|exclude|restaurant|area"] == 1.0 and features["c|restaurant|pricerange"] == 1.0
    north = context.database.query("restaurant", {"pricerange": "cheap", "area": "north"}, top_k=1)[0]
    told = make_state(belief, [X("restaurant", "area", "north")], [DialogueAct("recommend", "restaurant", "name", north.name)])
    focus = entity_in_focus(told, db_results, "restaurant", context.domain, context.database)
    assert focus is not None and focus.name != north.name  # the offered entity is excluded now: the top match instead
