"""The rule policy on the built-in cityguide domain: one test per act situation, hostile input, a random sweep."""

from __future__ import annotations

import logging
import math
import random
from collections import Counter
from typing import Any, Iterable, Mapping, Sequence

import pytest

from tod.acts import CHOICE, GENERAL, REFERENCE, REQUESTED, DialogueAct
from tod.belief import DONTCARE, BeliefState
from tod.dialogue import SYSTEM, USER, Turn
from tod.domain.act_space import system_act_space, user_act_space
from tod.domain.context import BuildContext
from tod.domain.database import Database
from tod.domain.matches import query_belief
from tod.errors import ConfigError, QueryError
from tod.policy.base import Policy
from tod.policy.rule import RulePolicy
from tod.registry import POLICY_REGISTRY
from tod.state import DBResults, DialogueState

A = DialogueAct

# -- helpers shared with test_rule_corpus.py ----------------------------------------------------------


def req(domain: str, slot: str) -> DialogueAct:
    return DialogueAct("request", domain, slot, REQUESTED)


def make_state(
    belief: Mapping[str, Mapping[str, Any]] | BeliefState | None = None,
    acts: Sequence[DialogueAct] = (),
    system: Sequence[DialogueAct] = (),
    earlier: Iterable[Sequence[DialogueAct]] = (),
    confidence: float = 1.0,
) -> DialogueState:
    """The state after a user turn with ``acts`` that answers a system turn with ``system``.

    ``belief`` is a BeliefState or its JSON form; ``earlier`` the acts of earlier turns, user and system
    alternating, oldest first.
    """
    beliefs = belief if isinstance(belief, BeliefState) else BeliefState.from_dict(dict(belief or {}))
    history = [Turn(USER if i % 2 == 0 else SYSTEM, "", tuple(t)) for i, t in enumerate(earlier)]
    if system:
        if not history or history[-1].speaker == SYSTEM:
            history.append(Turn(USER, "", ()))
        history.append(Turn(SYSTEM, "", tuple(system)))
    history.append(Turn(USER, "", tuple(acts)))
    return DialogueState(
        belief=beliefs, history=tuple(history), user_acts=tuple(acts), system_acts=tuple(system),
        nlu_confidence=confidence,
    )  # fmt: skip


def results_for(database: Database, state: DialogueState) -> DBResults:
    """What the pipeline hands the policy; empty when the belief holds a value the database cannot read."""
    try:
        return query_belief(database, state.belief)
    except QueryError:
        return query_belief(database, BeliefState())


def predict(policy: RulePolicy, state: DialogueState) -> list[DialogueAct]:
    return policy.predict(state, results_for(policy.database, state))


def in_space(policy: RulePolicy, acts: Iterable[DialogueAct]) -> list[DialogueAct]:
    """The acts outside the policy's domain's system act space (should be none)."""
    space = set(system_act_space(policy.domain))
    return [a for a in acts if (a.intent, a.domain, a.slot) not in space or not isinstance(a.value, str)]


def by_intent(acts: Iterable[DialogueAct], intent: str) -> list[DialogueAct]:
    return [a for a in acts if a.intent == intent]


# -- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def context() -> BuildContext:
    return BuildContext.open("cityguide", seed=7)


@pytest.fixture(scope="module")
def policy(context: BuildContext) -> RulePolicy:
    return RulePolicy.from_config(context)


@pytest.fixture(scope="module")
def db(context: BuildContext) -> Database:
    return context.database


def restaurants(db: Database, **constraints: str) -> list[Any]:
    return db.query("restaurant", constraints)


def entropy(values: Iterable[str]) -> float:
    counts = Counter(values)
    total = sum(counts.values())
    return -sum(c / total * math.log2(c / total) for c in counts.values())


# -- construction ---------------------------------------------------------------------------------------


def test_registered_and_satisfies_the_protocol(policy: RulePolicy) -> None:
    assert POLICY_REGISTRY.get("rule") is RulePolicy
    assert isinstance(policy, Policy)
    assert policy.seed == 7 and policy.confirm_below == 0.3 and policy.max_options == 3


@pytest.mark.parametrize(
    "params",
    [{"confirm_below": 1.5}, {"confirm_below": -0.1}, {"confirm_below": "low"}, {"confirm_below": float("nan")},
     {"max_options": 0}, {"max_options": 2.5}, {"list_items": 0}, {"max_options": True}],
)  # fmt: skip
def test_invalid_parameters_are_config_errors(context: BuildContext, params: dict[str, Any]) -> None:
    name = next(iter(params))
    with pytest.raises(ConfigError, match=name):
        RulePolicy.from_config(context, **params)


def test_plain_constructor_takes_a_database(db: Database) -> None:
    policy = RulePolicy(db)
    assert policy.domain is db.domain and policy.seed == 0
    assert predict(policy, make_state(acts=[A("greet", GENERAL)])) == [A("welcome", GENERAL)]


# -- general turns --------------------------------------------------------------------------------------


def test_opening_line_before_the_user_speaks(policy: RulePolicy) -> None:
    assert policy.predict(DialogueState(), query_belief(policy.database, BeliefState())) == [A("welcome", GENERAL)]


def test_greet_is_welcomed_first_and_greeted_later(policy: RulePolicy) -> None:
    assert predict(policy, make_state(acts=[A("greet", GENERAL)])) == [A("welcome", GENERAL)]
    later = make_state(acts=[A("greet", GENERAL)], earlier=[[A("thank", GENERAL)], [A("reqmore", GENERAL)]])
    assert predict(policy, later) == [A("greet", GENERAL)]


def test_thanks_get_reqmore(policy: RulePolicy) -> None:
    assert predict(policy, make_state(acts=[A("thank", GENERAL)])) == [A("reqmore", GENERAL)]


def test_thanks_after_reqmore_end_the_dialogue(policy: RulePolicy) -> None:
    assert predict(policy, make_state(acts=[A("thank", GENERAL)], system=[A("reqmore", GENERAL)])) == [
        A("bye", GENERAL)
    ]


def test_bye_gets_bye(policy: RulePolicy) -> None:
    assert predict(policy, make_state(acts=[A("thank", GENERAL), A("bye", GENERAL)])) == [A("bye", GENERAL)]


def test_bye_comes_after_the_answer_to_a_last_request(policy: RulePolicy) -> None:
    state = make_state(
        {"restaurant": {"constraints": {"name": "trattoria lucca"}}},
        acts=[req("restaurant", "phone"), A("bye", GENERAL)],
    )
    acts = predict(policy, state)
    assert acts == [A("inform", "restaurant", "phone", "01632960265"), A("bye", GENERAL)]


def test_nothing_understood_continues_the_search_or_says_reqmore(policy: RulePolicy) -> None:
    assert predict(policy, make_state(acts=[])) == [A("reqmore", GENERAL)]
    state = make_state(
        {"hotel": {"constraints": {"area": "north"}}},
        acts=[],
        earlier=[[A("inform", "hotel", "area", "north")], [A("inform", "hotel", CHOICE, "4"), req("hotel", "stars")]],
    )
    acts = predict(policy, state)
    assert by_intent(acts, "request") and all(a.domain == "hotel" for a in acts)


# -- searching ------------------------------------------------------------------------------------------


def test_many_matches_ask_for_the_slot_that_splits_them_most_evenly(policy: RulePolicy, db: Database) -> None:
    state = make_state(
        {"restaurant": {"constraints": {"pricerange": "cheap"}}}, [A("inform", "restaurant", "pricerange", "cheap")]
    )
    acts = predict(policy, state)
    matches = restaurants(db, pricerange="cheap")
    scores = {s: entropy(e.get(s) for e in matches) for s in ("area", "food")}
    best = max(scores, key=scores.__getitem__)
    assert acts == [A("inform", "restaurant", CHOICE, str(len(matches))), req("restaurant", best)]


def test_after_dontcare_the_user_gets_an_offer(policy: RulePolicy) -> None:
    """A user who says "any" to one question wants an offer, not the next question."""
    constraints = {"pricerange": "cheap", "food": DONTCARE}
    state = make_state({"restaurant": {"constraints": constraints}}, [A("inform", "restaurant", "food", DONTCARE)])
    acts = predict(policy, state)
    assert not by_intent(acts, "request")
    assert by_intent(acts, "recommend") and by_intent(acts, "inform")[0].slot == CHOICE


def test_a_few_matches_are_offered_as_a_choice(policy: RulePolicy, db: Database) -> None:
    constraints = {"pricerange": "cheap", "area": "centre"}
    state = make_state({"restaurant": {"constraints": constraints}}, [A("inform", "restaurant", "area", "centre")])
    acts = predict(policy, state)
    matches = restaurants(db, **constraints)
    assert 1 < len(matches) <= policy.max_options
    # the count, then the names listed (so "the second one" can pick one)
    assert acts[0] == A("inform", "restaurant", "choice", str(len(matches)))
    assert [a.intent for a in acts[1:]] == ["select"] * len(matches)
    assert {a.slot for a in acts[1:]} == {"name"}
    assert sorted(a.value for a in acts[1:]) == sorted(e.get("name") for e in matches)


def test_max_options_one_never_selects(context: BuildContext) -> None:
    policy = RulePolicy.from_config(context, max_options=1)
    constraints = {"pricerange": "cheap", "area": "centre"}
    acts = predict(
        policy, make_state({"restaurant": {"constraints": constraints}}, [A("inform", "restaurant", "area", "centre")])
    )
    assert not by_intent(acts, "select") and by_intent(acts, "request")


def test_one_match_is_recommended_with_an_offer_to_book(policy: RulePolicy, db: Database) -> None:
    constraints = {"pricerange": "cheap", "area": "centre", "food": "italian"}
    state = make_state({"restaurant": {"constraints": constraints}}, [A("inform", "restaurant", "food", "italian")])
    acts = predict(policy, state)
    (match,) = restaurants(db, **constraints)
    assert acts[0] == A("recommend", "restaurant", "name", match.name)
    assert acts[-1] == A("offerbook", "restaurant")
    assert not by_intent(acts, "request") and not in_space(policy, acts)


def test_no_match_says_nooffer_and_suggests_a_relaxation_that_matches(policy: RulePolicy, db: Database) -> None:
    constraints = {"food": "korean", "area": "north", "pricerange": "expensive"}
    state = make_state(
        {"restaurant": {"constraints": constraints}}, [A("inform", "restaurant", s, v) for s, v in constraints.items()]
    )
    acts = predict(policy, state)
    assert not restaurants(db, **constraints)
    assert {(a.slot, a.value) for a in by_intent(acts, "nooffer")} == set(constraints.items())
    (suggest,) = by_intent(acts, "suggest")
    relaxed = {**constraints, suggest.slot: suggest.value}
    assert restaurants(db, **relaxed), f"the suggestion {suggest} must give matches"
    # the relaxed constraint is the one whose removal leaves the most matches
    left = {s: len(restaurants(db, **{k: v for k, v in constraints.items() if k != s})) for s in constraints}
    assert left[suggest.slot] == max(left.values())


def test_an_unknown_name_gets_nooffer_and_did_you_mean_the_closest_name(policy: RulePolicy) -> None:
    state = make_state(
        {"restaurant": {"constraints": {"name": "trattoria luca"}}},
        [A("inform", "restaurant", "name", "trattoria luca")],
    )
    assert predict(policy, state) == [
        A("nooffer", "restaurant", "name", "trattoria luca"),
        A("confirm", "restaurant", "name", "trattoria lucca"),
    ]


def test_a_name_nothing_is_close_to_gets_nooffer_alone(policy: RulePolicy) -> None:
    state = make_state(
        {"restaurant": {"constraints": {"name": "the quantum zeppelin"}}},
        [A("inform", "restaurant", "name", "the quantum zeppelin")],
    )
    assert predict(policy, state) == [A("nooffer", "restaurant", "name", "the quantum zeppelin")]


def test_reqalts_offers_an_entity_not_offered_before(policy: RulePolicy) -> None:
    offered = [A("recommend", "hotel", "name", "orchard house"), A("offerbook", "hotel")]
    state = make_state({"hotel": {"constraints": {"area": "east"}}}, [A("reqalts", "hotel")], system=offered)
    acts = predict(policy, state)
    (name,) = [a for a in by_intent(acts, "recommend") if a.slot == "name"]
    assert name.value not in ("orchard house", "") and not in_space(policy, acts)


def test_the_user_naming_an_entity_gets_its_description(policy: RulePolicy) -> None:
    state = make_state(
        {"restaurant": {"constraints": {"name": "Trattoria Lucca"}}},
        [A("inform", "restaurant", "name", "Trattoria Lucca")],
    )
    acts = predict(policy, state)
    assert acts[0] == A("inform", "restaurant", "name", "trattoria lucca")
    assert A("inform", "restaurant", "area", "centre") in acts and acts[-1] == A("offerbook", "restaurant")


# -- requests -------------------------------------------------------------------------------------------


def test_requested_slots_of_the_named_entity_are_answered(policy: RulePolicy) -> None:
    acts = [
        A("inform", "restaurant", "name", "trattoria lucca"),
        req("restaurant", "phone"),
        req("restaurant", "postcode"),
    ]
    state = make_state(
        {"restaurant": {"constraints": {"name": "trattoria lucca"}, "requested": ["phone", "postcode"]}}, acts
    )
    assert predict(policy, state) == [
        A("inform", "restaurant", "phone", "01632960265"),
        A("inform", "restaurant", "postcode", "hb1 3qq"),
    ]


def test_requests_are_about_the_entity_offered_last(policy: RulePolicy, db: Database) -> None:
    matches = restaurants(db, pricerange="cheap")
    offered = matches[2]  # not the first match: the answer must follow the offer, not the database order
    system = [A("recommend", "restaurant", "name", offered.name), A("offerbook", "restaurant")]
    state = make_state(
        {"restaurant": {"constraints": {"pricerange": "cheap"}}}, [req("restaurant", "address")], system=system
    )
    assert predict(policy, state) == [A("inform", "restaurant", "address", offered.get("address"))]


def test_a_request_before_any_offer_names_the_entity_first(policy: RulePolicy, db: Database) -> None:
    state = make_state(
        {"hotel": {"constraints": {"area": "north", "stars": "5"}}},
        [A("inform", "hotel", "stars", "5"), req("hotel", "phone")],
    )
    (match,) = db.query("hotel", {"area": "north", "stars": "5"})
    assert predict(policy, state) == [
        A("recommend", "hotel", "name", match.name),
        A("inform", "hotel", "phone", match.get("phone")),
    ]


# -- bookings -------------------------------------------------------------------------------------------

BOOKABLE = {"constraints": {"name": "trattoria lucca"}, "booking": {"people": "2", "day": "friday", "time": "19:30"}}


def test_booking_with_every_detail_gives_a_stable_reference(policy: RulePolicy) -> None:
    state = make_state({"restaurant": BOOKABLE}, [A("inform", "restaurant", "time", "19:30")])
    acts = predict(policy, state)
    (ref,) = [a for a in acts if a.intent == "book" and a.slot == REFERENCE]
    assert len(ref.value) == 8 and ref.value.isalnum() and ref.value.upper() == ref.value
    assert A("book", "restaurant", "name", "trattoria lucca") in acts
    assert {(a.slot, a.value) for a in by_intent(acts, "book")} >= {
        ("people", "2"),
        ("day", "friday"),
        ("time", "19:30"),
    }
    assert acts[-1] == A("reqmore", GENERAL)
    assert predict(policy, state) == acts  # a replay gets the same reference
    assert predict(policy, DialogueState.from_dict(state.to_dict())) == acts  # so does a stored and resumed state
    later = make_state({"restaurant": BOOKABLE}, [A("inform", "restaurant", "time", "19:30")], earlier=[[], []])
    assert [a for a in predict(policy, later) if a.slot == REFERENCE] != [ref]  # another turn, another booking


def test_booking_asks_for_a_missing_detail(policy: RulePolicy) -> None:
    belief = {"constraints": {"name": "trattoria lucca"}, "booking": {"people": "2", "day": "friday"}}
    assert predict(policy, make_state({"restaurant": belief}, [A("inform", "restaurant", "day", "friday")])) == [
        req("restaurant", "time")
    ]


def test_an_invalid_detail_is_nobook_and_asked_again(policy: RulePolicy) -> None:
    belief = {"constraints": {"name": "trattoria lucca"}, "booking": {"people": "0", "day": "friday", "time": "19:30"}}
    assert predict(policy, make_state({"restaurant": belief}, [A("inform", "restaurant", "people", "0")])) == [
        A("nobook", "restaurant", "people", "0"),
        req("restaurant", "people"),
    ]


def test_accepting_an_offer_to_book_asks_for_the_details(policy: RulePolicy) -> None:
    system = [A("recommend", "restaurant", "name", "trattoria lucca"), A("offerbook", "restaurant")]
    state = make_state({"restaurant": {"constraints": {"food": "italian"}}}, [A("affirm", GENERAL)], system=system)
    assert predict(policy, state) == [req("restaurant", s) for s in ("people", "day", "time")]


def test_declining_an_offer_to_book_gets_reqmore(policy: RulePolicy) -> None:
    system = [A("recommend", "restaurant", "name", "trattoria lucca"), A("offerbook", "restaurant")]
    state = make_state({"restaurant": {"constraints": {"food": "italian"}}}, [A("negate", GENERAL)], system=system)
    assert predict(policy, state) == [A("reqmore", GENERAL)]


def test_a_booking_is_not_made_twice(policy: RulePolicy) -> None:
    booked = {**BOOKABLE, "booked": [{"ref": "ABCD1234", "name": "trattoria lucca", "people": "2"}]}
    acts = predict(policy, make_state({"restaurant": booked}, [req("restaurant", "phone")]))
    assert acts == [A("inform", "restaurant", "phone", "01632960265")]
    again = predict(policy, make_state({"restaurant": booked}, [A("inform", "restaurant", "name", "trattoria lucca")]))
    assert not by_intent(again, "book") and A("offerbook", "restaurant") not in again


# -- confirmation ---------------------------------------------------------------------------------------


def test_low_confidence_informs_are_confirmed_instead_of_acted_on(policy: RulePolicy) -> None:
    belief = {"restaurant": {"constraints": {"pricerange": "cheap", "area": "centre"}}}
    acts = [A("inform", "restaurant", "pricerange", "Cheap"), A("inform", "restaurant", "area", "center")]
    assert predict(policy, make_state(belief, acts, confidence=0.1)) == [
        A("confirm", "restaurant", "pricerange", "cheap"),  # the value as the tracker understood it
        A("confirm", "restaurant", "area", "centre"),
    ]
    assert not by_intent(predict(policy, make_state(belief, acts, confidence=0.9)), "confirm")


def test_affirm_after_confirm_proceeds(policy: RulePolicy) -> None:
    belief = {"restaurant": {"constraints": {"pricerange": "cheap"}}}
    state = make_state(
        belief, [A("affirm", GENERAL)], system=[A("confirm", "restaurant", "pricerange", "cheap")], confidence=0.1
    )
    acts = predict(policy, state)
    assert acts[0] == A("inform", "restaurant", CHOICE, "13") and by_intent(acts, "request")


def test_negate_after_confirm_asks_again(policy: RulePolicy) -> None:
    belief = {"restaurant": {"constraints": {"pricerange": "cheap"}}}
    state = make_state(belief, [A("negate", GENERAL)], system=[A("confirm", "restaurant", "pricerange", "cheap")])
    assert predict(policy, state) == [req("restaurant", "pricerange")]


# -- several sub-domains --------------------------------------------------------------------------------


def test_a_multi_domain_turn_answers_each_sub_domain_in_order(policy: RulePolicy) -> None:
    belief = {
        "attraction": {"constraints": {"type": "museum", "area": "north"}},
        "hotel": {"constraints": {"name": "kingfisher lodge"}},
    }
    acts = [
        A("inform", "attraction", "type", "museum"),
        A("inform", "attraction", "area", "north"),
        req("hotel", "phone"),
    ]
    out = predict(policy, make_state(belief, acts))
    domains = list(dict.fromkeys(a.domain for a in out))
    assert domains == ["attraction", "hotel"]
    assert by_intent(out, "select") or by_intent(out, "recommend")
    assert out[-1] == A("inform", "hotel", "phone", "01632960409")


# -- hostile input --------------------------------------------------------------------------------------


def test_unknown_sub_domains_in_acts_are_ignored(policy: RulePolicy) -> None:
    acts = [A("inform", "spaceship", "warp", "9"), A("request", "spaceship", "captain", "?")]
    assert predict(policy, make_state({"spaceship": {"constraints": {"warp": "9"}}}, acts)) == [A("reqmore", GENERAL)]


def test_unknown_slots_and_values_that_do_not_normalise(policy: RulePolicy) -> None:
    state = make_state(
        {"hotel": {"constraints": {"stars": "lots", "area": "north"}}}, [A("inform", "hotel", "stars", "lots")]
    )
    results = query_belief(policy.database, state.belief)  # the unreadable constraint is left out
    assert results["hotel"].count == policy.database.count("hotel", {"area": "north"})
    assert predict(policy, state) == [req("hotel", "stars")]
    odd = make_state(
        {"hotel": {"constraints": {"area": "north"}}}, [req("hotel", "colour"), A("inform", "hotel", "", "x")]
    )
    assert not in_space(policy, predict(policy, odd))


def test_huge_values_do_not_break_anything(policy: RulePolicy) -> None:
    huge = "x" * 100_000
    belief = {
        "restaurant": {
            "constraints": {"food": huge, "name": huge},
            "booking": {"people": huge, "day": huge, "time": huge},
        }
    }
    acts = [A("inform", "restaurant", "food", huge), A("inform", "restaurant", "name", huge), req("restaurant", huge)]
    out = predict(policy, make_state(belief, acts))
    assert out and not in_space(policy, out)
    assert by_intent(out, "nooffer")


def test_results_that_disagree_with_the_belief_do_not_crash(policy: RulePolicy) -> None:
    from tod._schema import FrozenMap
    from tod.state import DomainResults, Match

    state = make_state(
        {"restaurant": {"constraints": {"food": "korean"}}}, [A("inform", "restaurant", "food", "korean")]
    )
    odd = [
        FrozenMap({"restaurant": DomainResults(count=7)}),  # a count without matches
        FrozenMap(
            {"restaurant": DomainResults(count=1, matches=(Match("nowhere cafe"),))}
        ),  # an entity not in the database
        FrozenMap({"spaceship": DomainResults(count=2)}),
    ]
    for results in odd:
        acts = policy.predict(state, results)
        assert acts and not in_space(policy, acts)


# -- every act in the act space, deterministic ----------------------------------------------------------

JUNK = ["lots", "x" * 300, "北京", "7", "25:99", "-3", "dontcare"]


def _random_state(rng: random.Random, policy: RulePolicy) -> DialogueState:
    domain = policy.domain
    user_space = user_act_space(domain)
    system_space = system_act_space(domain)

    def value(d: str, s: str) -> str:
        slot = domain.schemas[d].slot(s) if d in domain.schemas else None
        choices = list(slot.values) if slot is not None and slot.values else []
        if slot is not None and slot.kind == "name":
            choices += [e.name for e in policy.database.entities(d)[:5]]
        if slot is not None and slot.kind == "time":
            choices += ["19:30", "7pm"]
        if slot is not None and slot.kind == "number":
            choices += ["1", "2", "4"]
        return rng.choice(choices) if choices and rng.random() < 0.85 else rng.choice(JUNK)

    belief: dict[str, Any] = {}
    for d, schema in domain.schemas.items():
        if rng.random() < 0.5:
            continue
        booking = schema.booking.slots if schema.booking else ()
        belief[d] = {
            "constraints": {s: value(d, s) for s in schema.informable if rng.random() < 0.35},
            "booking": {s: value(d, s) for s in booking if rng.random() < 0.7},
            "requested": [s for s in schema.requestable if rng.random() < 0.1],
            "booked": [{"ref": "AAAA1111", "name": value(d, "name")}] if rng.random() < 0.1 else [],
        }

    def act(intent: str, d: str, s: str) -> DialogueAct:
        return DialogueAct(intent, d, s, REQUESTED if intent == "request" else (value(d, s) if s else ""))

    acts = [act(*rng.choice(user_space)) for _ in range(rng.randint(0, 4))]
    if rng.random() < 0.1:
        acts.append(DialogueAct("inform", "nowhere", "thing", "x"))
    system = [act(*rng.choice(system_space)) for _ in range(rng.randint(0, 3))]
    earlier = [[act(*rng.choice(user_space))], [act(*rng.choice(system_space))]] * rng.randint(0, 2)
    return make_state(belief, acts, system=system, earlier=earlier, confidence=rng.choice([0.0, 0.2, 0.6, 1.0]))


def test_random_states_give_in_space_deterministic_acts(policy: RulePolicy, caplog: pytest.LogCaptureFixture) -> None:
    rng = random.Random(20240605)
    seen: Counter[str] = Counter()
    with caplog.at_level(logging.WARNING, logger="tod.policy.rule"):
        for _ in range(400):
            state = _random_state(rng, policy)
            results = results_for(policy.database, state)
            acts = policy.predict(state, results)
            assert acts, state
            assert not in_space(policy, acts), (state, acts)
            assert policy.predict(state, results) == acts
            seen.update(a.intent for a in acts)
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    # the sweep reaches most situations, so the space check above means something
    assert {"request", "inform", "recommend", "select", "nooffer", "book", "confirm", "reqmore"} <= set(seen), seen
