"""Dialogue costs, attribute values (acts and goal), the act-class table and the feature table,
against answers counted by hand on small MultiWOZ-style and SGD-style dialogues."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tod.acts import DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.dialogue import SYSTEM, USER, Dialogue, Goal, SubGoal, Turn
from tod.errors import ParadiseError
from tod.evaluation.paradise.avm import act_attributes, attribute_values, goal_attributes
from tod.evaluation.paradise.classes import load_act_classes
from tod.evaluation.paradise.costs import COSTS, dialogue_costs
from tod.evaluation.paradise.features import dialogue_features
from tod.evaluation.paradise.kappa import AttributeValue

CLASSES = load_act_classes()


def act(intent: str, domain: str = "", slot: str = "", value: str = "") -> DialogueAct:
    return DialogueAct(intent, domain, slot, value)


def user(text: str, *acts: DialogueAct, state: BeliefState | None = None) -> Turn:
    return Turn(USER, text, acts, state=state)


def system(text: str, *acts: DialogueAct, state: BeliefState | None = None) -> Turn:
    return Turn(SYSTEM, text, acts, state=state)


def dialogue(*turns: Turn, id: str = "d", goal: Goal | None = None, info: dict | None = None) -> Dialogue:
    return Dialogue(id, turns, goal=goal, info=info or {})


def av(attribute: str, key: str, achieved: str) -> AttributeValue:
    return AttributeValue(attribute, key, achieved)


def costs(*turns: Turn, info: dict | None = None) -> dict[str, float]:
    return dialogue_costs(dialogue(*turns, info=info), CLASSES)


# ------------------------------------------------------------------------------------------- costs


def test_every_cost_of_a_multiwoz_style_dialogue_by_hand():
    d = dialogue(
        user("I need a cheap hotel in the north.", act("inform", "hotel", "pricerange", "cheap")),  # U1
        system("What day?", act("request", "hotel", "day")),  # S1
        user("Monday.", act("inform", "booking", "day", "monday")),  # U2
        system("Which day was it?", act("Request", "Hotel", "Day")),  # S2: re-prompt (case ignored)
        user("I said Monday.", act("inform", "booking", "day", "monday")),  # U3: repair by marker
        system("No hotels match.", act("NoOffer", "hotel"), act("nobook", "booking")),  # S3: one nooffer turn
        user("Try another area.", act("reqalts", "hotel")),  # U4: repair by act
        system("Sorry, I did not get that."),  # S4: no act, a fallback
        user("Then I need a cheap hotel in the north please."),  # U5: repeats U1 (Jaccard 8/10)
        system("Shall I book the Acorn?", act("confirm", "booking", "name", "acorn")),  # S5: confirmation
        user("Thanks."),  # U6: no act, not a fallback (only system turns are)
        system("Anything else?", act("confreq", "general")),  # S6: confirmation
    )
    # U1 words {i, need, a, cheap, hotel, in, the, north} (8), U5 adds {then, please}:
    #   |∩| = 8, |∪| = 10 → 0.8 >= 0.6: one repetition.
    assert dialogue_costs(d, CLASSES) == {
        "turns": 6.0,
        "nooffers": 1.0,
        "reprompts": 1.0,
        "confirmations": 2.0,
        "fallbacks": 1.0,
        "repairs": 2.0,
        "repetitions": 1.0,
    }
    assert tuple(dialogue_costs(d, CLASSES)) == COSTS  # the documented order, no elapsed_seconds


def test_costs_of_an_sgd_style_dialogue_without_domains():
    got = costs(
        user("Find me a movie.", act("INFORM_INTENT")),
        system("Where?", act("REQUEST")),
        user("In Berkeley.", act("INFORM")),
        system("Where exactly?", act("REQUEST")),  # same label, no slot: a re-prompt
        user("No, something else.", act("REQUEST_ALTS")),  # repair act
        system("Sorry, that failed.", act("NOTIFY_FAILURE")),  # failure act
        user("Okay.", act("NEGATE")),  # repair act
        system("Goodbye.", act("GOODBYE")),
    )
    assert got == {
        "turns": 4.0,
        "nooffers": 1.0,
        "reprompts": 1.0,
        "confirmations": 0.0,
        "fallbacks": 0.0,
        "repairs": 2.0,
        "repetitions": 0.0,
    }


def test_reprompt_needs_the_same_request_in_the_previous_system_turn():
    day, area = act("request", "hotel", "day"), act("request", "hotel", "area")
    # day, area, day: the third asks what the first asked, but not what the second did → 0
    assert costs(system("a", day), system("b", area), system("c", day))["reprompts"] == 0.0
    # day, day, day → 2 (each asks what the one before asked)
    assert costs(system("a", day), system("b", day), system("c", day))["reprompts"] == 2.0
    # the same slot of another domain is another request → 0
    assert costs(system("a", day), system("b", act("request", "restaurant", "day")))["reprompts"] == 0.0
    # a system turn between them without a request breaks the chain → 0
    assert costs(system("a", day), system("b", act("inform", "hotel")), system("c", day))["reprompts"] == 0.0
    # sharing one request of several is enough; user turns in between do not matter → 1
    both = costs(system("a", day, area), user("x y z"), system("b", area, act("request", "hotel", "stars")))
    assert both["reprompts"] == 1.0
    # reqalts is a request class too
    assert costs(system("a", act("reqalts", "hotel")), system("b", act("reqalts", "hotel")))["reprompts"] == 1.0


def test_nooffers_confirmations_fallbacks_count_system_turns_only():
    got = costs(
        user("x", act("nooffer", "hotel"), act("confirm")),  # user turns never count for these
        user("y"),  # no act, but a user turn: not a fallback
        system("none here", act("nooffer", "hotel"), act("notify_failure")),  # one turn → 1
        system("", act("expl-conf", "hotel")),
        system("", act("impl-conf", "hotel"), act("confirm", "hotel")),  # one turn → 1
        system("a reply outside the act scheme"),
        system(""),
    )
    assert (got["nooffers"], got["confirmations"], got["fallbacks"]) == (1.0, 2.0, 2.0)
    assert got["turns"] == 2.0


@pytest.mark.parametrize(
    "text, repair",
    [
        ("Actually, make it four people.", True),
        ("I want it in the centre instead.", True),
        ("I SAID the north.", True),  # case-insensitive
        ("That's not what I asked for.", True),
        ("That's wrong.", True),
        ("You misunderstood me.", True),
        ("I meant Tuesday.", True),
        ("不对，我要便宜的。", True),  # CJK markers match anywhere, without word boundaries
        ("我说的是北边的酒店", True),
        ("能换一个吗", True),
        ("Nothing else, thanks.", False),
        ("That is factually fine.", False),  # 'actually' inside a word
        ("The wrongly named hotel is fine.", False),  # 'wrong' inside a word
        ("Not whatever you like.", False),  # 'not what' inside 'not whatever'
        ("I am saying yes.", False),
        ("是的，谢谢", False),
    ],
)
def test_repair_markers_in_user_text(text, repair):
    assert costs(user(text))["repairs"] == float(repair)
    assert CLASSES.marks_repair(text) is repair


def test_repairs_count_user_turns_once_and_ignore_the_system():
    got = costs(
        user("No, actually I meant the south.", act("negate", "general"), act("reqalts", "hotel")),  # 1, not 4
        system("Actually, I said something wrong.", act("deny")),  # a system turn: never a repair
        user("Okay.", act("DENY")),  # intent case ignored → 1
        user("Fine.", act("negate_intent")),  # → 1
        user("Good.", act("inform", "hotel")),
    )
    assert got["repairs"] == 3.0


def test_repetition_threshold_edge_and_short_turns():
    # {one, two, three, four} vs {one, two, three, five}: 3 / 5 = 0.6 exactly → a repetition
    assert costs(user("one two three four"), user("one two three five"))["repetitions"] == 1.0
    # {one, two, three, four, five} vs {one, two, three, four, six, seven}: 4 / 7 ≈ 0.571 → not one
    assert costs(user("one two three four five"), user("one two three four six seven"))["repetitions"] == 0.0
    # case and punctuation are not words: the same word set → a repetition
    assert costs(user("Cheap hotel, north!"), user("cheap HOTEL north"))["repetitions"] == 1.0
    # fewer than 3 words on either side: ignored (a short turn is not even remembered)
    assert costs(user("yes please"), user("yes please"), user("yes please"))["repetitions"] == 0.0
    assert costs(user("cheap hotel north"), user("cheap hotel"))["repetitions"] == 0.0
    assert costs(user("ok ok ok ok"), user("ok ok ok ok"))["repetitions"] == 0.0  # one distinct word
    # every repeating turn counts, against any earlier user turn; system turns are not compared
    three = costs(
        user("a cheap hotel please"),
        system("a cheap hotel please"),
        user("a cheap hotel please"),
        user("something different entirely now"),
        user("please a cheap hotel"),
    )
    assert three["repetitions"] == 2.0


@pytest.mark.parametrize("value, seconds", [("12.5", 12.5), ("0", 0.0), (" 7 ", 7.0), ("1e2", 100.0), (3, 3.0)])
def test_elapsed_seconds_from_info(value, seconds):
    got = costs(user("hi"), info={"elapsed_seconds": value})
    assert got["elapsed_seconds"] == seconds
    assert list(got) == [*COSTS, "elapsed_seconds"]


@pytest.mark.parametrize("value", ["-1", "abc", "", "nan", "inf", "-0.5"])
def test_bad_elapsed_seconds_is_a_paradise_error(value):
    with pytest.raises(ParadiseError, match=r"dialogue d: info\['elapsed_seconds'\] must be a non-negative number"):
        costs(user("hi"), info={"elapsed_seconds": value})


def test_elapsed_seconds_of_the_wrong_type_is_a_paradise_error():
    with pytest.raises(ParadiseError, match="elapsed_seconds"):
        costs(user("hi"), info={"elapsed_seconds": [3]})


# ------------------------------------------------------------------------------ attribute values: acts


def test_acts_nooffer_then_offer_is_offered_and_a_request_answered():
    d = dialogue(
        user("A hotel in the north.", act("inform", "hotel", "area", "north")),
        system("None there.", act("nooffer", "hotel")),
        user("The south then.", act("inform", "hotel", "area", "south")),
        system("The Acorn.", act("recommend", "hotel", "name", "acorn"), act("reqmore", "general")),
        user("Its phone?", act("request", "hotel", "phone")),
        system("0123.", act("inform", "hotel", "phone", "0123")),
    )
    assert act_attributes(d, CLASSES) == (
        av("hotel-result", "offered", "offered"),
        av("hotel-answer", "answered", "answered"),
    )


def test_acts_offer_then_failure_is_failed_and_booking_acts_go_to_the_current_domain():
    d = dialogue(
        user("Thai food.", act("inform", "restaurant", "food", "thai")),  # current: restaurant
        system("Bangkok City.", act("inform", "restaurant", "name", "bangkok city")),  # restaurant offered
        user("Book it for 2.", act("inform", "booking", "people", "2")),  # booking: still restaurant
        system("Booking failed.", act("nobook", "booking")),  # → restaurant failed
        user("And a taxi.", act("inform", "taxi", "destination", "x")),  # current: taxi
        system("When?", act("request", "taxi", "leaveat")),  # a request: no outcome → none
        user("Thanks.", act("thank", "general")),  # general: current stays taxi
        system("Bye.", act("bye", "general")),
    )
    assert act_attributes(d, CLASSES) == (
        av("restaurant-result", "offered", "failed"),
        av("taxi-result", "offered", "none"),
    )


def test_acts_booking_success_counts_for_the_domain_the_user_last_named():
    d = dialogue(
        user("A hotel and a train.", act("inform", "hotel", "area", "north"), act("inform", "train", "day", "x")),
        system("No hotel.", act("nooffer", "hotel")),  # explicit domain: hotel failed
        user("Book the train.", act("inform", "booking", "people", "1")),  # current: train (last named)
        system("Booked.", act("book", "booking", "ref", "abc")),  # → train offered, not hotel
    )
    assert act_attributes(d, CLASSES) == (
        av("hotel-result", "offered", "failed"),
        av("train-result", "offered", "offered"),
    )


def test_acts_outcomes_before_the_first_wish_or_in_unwished_domains_do_not_count():
    d = dialogue(
        system("Welcome, try the Acorn hotel!", act("recommend", "hotel", "name", "acorn")),  # before any wish
        user("A hotel please.", act("inform", "hotel", "area", "north")),
        system("An attraction too?", act("recommend", "attraction", "name", "museum")),  # attraction unwished
    )
    assert act_attributes(d, CLASSES) == (av("hotel-result", "offered", "none"),)


@pytest.mark.parametrize(
    "reply, achieved",
    [
        (system("It is 0123.", act("inform", "hotel", "phone", "0123")), "answered"),
        (system("Anything else?", act("reqmore", "general")), "answered"),  # neither failure nor only requests
        (system("No.", act("inform", "hotel"), act("nooffer", "hotel")), "failed"),  # failure wins
        (system("Which hotel?", act("request", "hotel", "name"), act("reqalts", "hotel")), "deferred"),
        (system("Hmm, let me see."), "unknown"),  # a reply without act labels
        (user("Hello?", act("greet", "general")), "none"),  # the user spoke again first
    ],
)
def test_acts_answer_to_a_request(reply, achieved):
    d = dialogue(user("The phone of the Acorn?", act("request", "hotel", "phone")), reply)
    assert act_attributes(d, CLASSES) == (av("hotel-answer", "answered", achieved),)


def test_acts_unanswered_request_at_the_end_and_several_requests_in_one_turn():
    d = dialogue(
        user("Phone and postcode?", act("request", "hotel", "phone"), act("request", "hotel", "postcode")),
        system("0123, CB1.", act("inform", "hotel", "phone"), act("inform", "hotel", "postcode")),
        user("And the train's price?", act("request", "train", "price")),  # no reply: none
    )
    assert act_attributes(d, CLASSES) == (
        av("hotel-answer", "answered", "answered"),
        av("hotel-answer", "answered", "answered"),
        av("train-answer", "answered", "none"),
    )


def test_acts_user_turn_followed_by_a_user_turn_closes_the_request_as_none():
    d = dialogue(
        user("The phone?", act("request", "hotel", "phone")),
        user("Thanks anyway.", act("thank", "general")),
        system("0123.", act("inform", "hotel", "phone", "0123")),  # too late for the request
    )
    assert act_attributes(d, CLASSES) == (av("hotel-answer", "answered", "none"),)


def test_acts_sgd_style_without_domains_is_one_task():
    d = dialogue(
        user("I want to see a movie.", act("INFORM_INTENT")),  # task-result wished
        system("Where?", act("REQUEST")),  # only a request: no outcome
        user("Berkeley.", act("INFORM")),
        system("How about Dumbo?", act("OFFER")),  # offered
        user("Something else.", act("REQUEST_ALTS")),
        system("Nothing else.", act("NOTIFY_FAILURE")),  # failed (the last outcome)
        user("What time is Dumbo?", act("REQUEST")),  # task-answer
        system("For which day?", act("REQUEST")),  # deferred
    )
    assert act_attributes(d, CLASSES) == (
        av("task-result", "offered", "failed"),
        av("task-answer", "answered", "deferred"),
    )


def test_acts_a_dialogue_without_wishes_or_requests_has_no_attributes():
    d = dialogue(user("Hello.", act("greet", "general")), system("Hi!", act("welcome", "general")))
    assert act_attributes(d, CLASSES) == ()
    assert attribute_values(d, "acts", CLASSES) == ()


# ------------------------------------------------------------------------------ attribute values: goal


def belief(**domains: DomainBelief) -> BeliefState:
    return BeliefState(domains)


GOAL = Goal(
    (
        SubGoal(
            "hotel",
            constraints={"area": "North  Side", "pricerange": "cheap"},
            booking={"people": "2", "day": "Monday"},
            requests=("phone", "postcode"),
        ),
        SubGoal("train", constraints={"destination": "Cambridge"}),
    )
)


def test_goal_constraints_booking_and_requests_against_the_final_state():
    early = belief(hotel=DomainBelief(constraints={"area": "north side", "pricerange": "cheap"}))
    final = belief(
        hotel=DomainBelief(constraints={"area": " north   SIDE ", "pricerange": "moderate"}, booking={"people": "2"})
    )
    d = dialogue(
        user("A cheap hotel in the north side.", state=early),
        system("The Acorn, phone 0123.", act("inform", "hotel", "phone", "0123"), state=early),
        user("Make it moderate, for 2.", state=final),
        # a request act naming postcode is not an offer; a train postcode is not the hotel's
        system("Postcode?", act("request", "hotel", "postcode"), act("inform", "train", "postcode", "cb1")),
        goal=GOAL,
    )
    # the last turn with a state is the final one (the last system turn has none)
    assert goal_attributes(d, CLASSES) == (
        av("hotel-area", "north side", "north side"),  # case and spaces normalised
        av("hotel-pricerange", "cheap", "moderate"),  # the final state, not the early one
        av("hotel-book-people", "2", "2"),
        av("hotel-book-day", "monday", "none"),  # absent from the state
        av("hotel-phone?", "provided", "provided"),
        av("hotel-postcode?", "provided", "missing"),
        av("train-destination", "cambridge", "none"),  # a domain the state never touched
    )
    assert attribute_values(d, "goal", CLASSES) == goal_attributes(d, CLASSES)


@pytest.mark.parametrize(
    "goal, states",
    [
        pytest.param(None, True, id="no-goal"),
        pytest.param(Goal(()), True, id="goal-without-subgoals"),
        pytest.param(GOAL, False, id="no-belief-state"),
    ],
)
def test_goal_attributes_need_a_goal_and_states(goal, states):
    state = belief(hotel=DomainBelief(constraints={"area": "north"})) if states else None
    d = dialogue(user("hi", state=state), system("hello"), id="MUL0001", goal=goal)
    with pytest.raises(ParadiseError, match="dialogue MUL0001: κ from the goal needs a goal with sub-goals"):
        goal_attributes(d, CLASSES)
    with pytest.raises(ParadiseError, match="'acts' source"):
        attribute_values(d, "goal", CLASSES)


def test_unknown_attribute_source():
    with pytest.raises(ParadiseError, match=r"unknown κ source 'belief'.*\['acts', 'goal'\]"):
        attribute_values(dialogue(user("hi")), "belief", CLASSES)


# ---------------------------------------------------------------------------------- act-class table

CUSTOM = """\
system:
  offer: [Present, show]
  failure: [sorry]
  request: [ask_back]
  confirmation: [check]
user:
  find: [want]
  ask: [question]
  repair: [fix]
shared_domains: [meta]
repair_markers:
  en: [oops, "my bad"]
  de: [eigentlich]
"""


def test_custom_act_classes_replace_the_shipped_table(tmp_path):
    path = tmp_path / "classes.yaml"
    path.write_text(CUSTOM, encoding="utf-8")
    classes = load_act_classes(path)
    assert classes.source == str(path)
    assert classes.offer == {"present", "show"}  # lower-cased
    assert classes.shared_domains == {"meta"}
    assert classes.repair_markers == ("eigentlich", "my bad", "oops")  # sorted over languages
    d = dialogue(
        user("I want a flat, actually.", act("want", "flat")),  # 'actually' is no marker here
        system("Here is one.", act("Present", "flat"), act("check", "meta")),
        user("Oops, and its size?", act("question", "meta", "size")),  # meta: the current task, flat
        system("Which one?", act("ask_back", "flat")),
        user("Eigentlich egal.", act("fix", "flat")),  # marker and act: one repair turn
        system("Sorry.", act("sorry", "meta"), act("request", "flat")),  # 'request' is no class here
    )
    assert act_attributes(d, classes) == (
        av("flat-result", "offered", "failed"),
        av("flat-answer", "answered", "deferred"),
    )
    got = dialogue_costs(d, classes)
    assert (got["repairs"], got["confirmations"], got["nooffers"], got["reprompts"]) == (2.0, 1.0, 1.0, 0.0)
    # with the shipped table the same dialogue has other costs: 'actually' marks a repair, nothing else counts
    shipped = dialogue_costs(d, CLASSES)
    assert (shipped["repairs"], shipped["confirmations"], shipped["nooffers"]) == (1.0, 0.0, 0.0)


def test_non_ascii_markers_of_spaced_languages_match_whole_words(tmp_path):
    path = tmp_path / "ru.yaml"
    path.write_text(CUSTOM.replace("de: [eigentlich]", "ru: [нет]\n  fr: [plutôt]"), encoding="utf-8")
    classes = load_act_classes(path)
    assert classes.marks_repair("Нет, другой отель.") and classes.marks_repair("plutôt le nord")
    assert not classes.marks_repair("Есть интернет?")  # 'нет' inside 'интернет' (internet)


def test_shipped_table_is_the_default():
    classes = load_act_classes()
    assert classes.source == "act_classes.yaml"
    assert {"nooffer", "nobook", "notify_failure"} == classes.failure
    assert {"", "booking", "general"} == classes.shared_domains
    assert "不对" in classes.repair_markers and "i said" in classes.repair_markers


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("- a\n- b\n", "expected a mapping with 'system', 'user'", id="a-list"),
        pytest.param("", "expected a mapping", id="empty-file"),
        pytest.param(
            CUSTOM.replace("  confirmation: [check]\n", ""),
            r"'system' must map exactly \['offer', 'failure', 'request', 'confirmation'\].*found \['failure', "
            r"'offer', 'request'\]",
            id="missing-system-key",
        ),
        pytest.param(
            CUSTOM.replace("  repair: [fix]\n", "  repair: [fix]\n  extra: [x]\n"),
            r"'user' must map exactly \['find', 'ask', 'repair'\]",
            id="extra-user-key",
        ),
        pytest.param(
            CUSTOM.split("user:")[0] + "shared_domains: []\n",
            r"'user' must map exactly .* found NoneType",
            id="missing-user-section",
        ),
        pytest.param(
            CUSTOM.replace("[Present, show]", "Present"),
            r"'system.offer' must be a list of non-empty strings",
            id="string-not-list",
        ),
        pytest.param(CUSTOM.replace("[sorry]", "[sorry, 3]"), r"'system.failure' must be a list", id="number-item"),
        pytest.param(CUSTOM.replace("[want]", "[want, '']"), r"'user.find' must be a list of non-empty", id="empty"),
        pytest.param(
            CUSTOM.replace("shared_domains: [meta]", "shared_domains: meta"),
            "'shared_domains' must be",
            id="shared-not-list",
        ),
        pytest.param(
            CUSTOM.split("repair_markers:")[0] + "repair_markers: [oops]\n",
            "'repair_markers' must map a language to a list of words",
            id="markers-not-mapping",
        ),
        pytest.param(
            CUSTOM.replace("[eigentlich]", "eigentlich"),
            r"'repair_markers.de' must be a list",
            id="markers-language-not-list",
        ),
        pytest.param("system: [offer, failure\nuser: {", "not valid YAML", id="bad-yaml"),
    ],
)
def test_malformed_act_classes_are_a_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParadiseError, match=message) as error:
        load_act_classes(path)
    assert str(error.value).startswith(f"{path}:")  # every message names the file (and the line of a YAML error)


def test_unreadable_act_classes_are_a_clear_error(tmp_path):
    missing = tmp_path / "nope.yaml"
    where = re.escape(str(missing))
    with pytest.raises(ParadiseError, match=rf"^{where}: expected the act classes, found nothing there"):
        load_act_classes(missing)
    with pytest.raises(ParadiseError, match=rf"^{re.escape(str(tmp_path))}: expected the act classes, found a dir"):
        load_act_classes(tmp_path)  # a directory
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("repair_markers: {fr: [déjà]}\n".encode("latin-1"))
    found = "expected UTF-8 text in the act classes, found byte 0xe9"
    with pytest.raises(ParadiseError, match=rf"^{re.escape(str(latin1))}:1: {found}"):
        load_act_classes(latin1)


def test_misspelt_top_level_key_is_an_error(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text(CUSTOM.replace("repair_markers:", "repair_marker:"), encoding="utf-8")
    with pytest.raises(ParadiseError, match="repair_marker"):
        load_act_classes(path)


# ------------------------------------------------------------------------------------- feature table


def three_dialogues(elapsed: tuple[str | None, ...] = (None, None, None)) -> list[Dialogue]:
    def info(i: int) -> dict:
        return {} if elapsed[i] is None else {"elapsed_seconds": elapsed[i]}

    a = dialogue(
        user("A hotel.", act("inform", "hotel", "area", "north")),
        system("The Acorn.", act("inform", "hotel", "name", "acorn")),
        id="A",
        info=info(0),
    )
    b = dialogue(
        user("A hotel.", act("inform", "hotel", "area", "north")),
        system("None.", act("nooffer", "hotel")),
        user("Its phone?", act("request", "hotel", "phone")),
        id="B",
        info=info(1),
    )
    c = dialogue(
        user("Hello.", act("greet", "general")), system("Hi.", act("welcome", "general")), id="C", info=info(2)
    )
    return [a, b, c]


def test_feature_table_by_hand():
    # A: hotel-result offered/offered                        → P_A = 1
    # B: hotel-result offered/failed, hotel-answer answered/none → P_A = 0
    # C: no attribute → imputed with the mean κ of A and B
    # keys: hotel-result=offered ×2, hotel-answer=answered ×1: P(E) = (2² + 1²) / 3² = 5/9
    # κ_A = (1 − 5/9) / (4/9) = 1;  κ_B = (0 − 5/9) / (4/9) = −5/4;  κ_C = (1 − 5/4) / 2 = −1/8
    # the set: P(A) = 1/3, κ = (1/3 − 5/9) / (4/9) = −1/2
    table = dialogue_features(three_dialogues())
    assert table.features == ("kappa", *COSTS)
    assert table.features[:3] == ("kappa", "turns", "nooffers")
    assert table.ids == ("A", "B", "C")
    assert table.kappa_source == "acts"
    assert table.imputed == ("C",)
    np.testing.assert_allclose(
        table.values,
        [
            # kappa, turns, nooffers, reprompts, confirmations, fallbacks, repairs, repetitions
            [1.0, 1, 0, 0, 0, 0, 0, 0],
            [-1.25, 2, 1, 0, 0, 0, 0, 0],
            [-0.125, 1, 0, 0, 0, 0, 0, 0],
        ],
    )
    assert table.matrix.kappa == pytest.approx(-0.5)
    np.testing.assert_allclose(table.column("kappa"), [1.0, -1.25, -0.125])
    assert table.means()["turns"] == pytest.approx(4 / 3)
    row = table.rows()[1]
    assert row.pop("id") == "B" and row.pop("kappa") == pytest.approx(-1.25)
    assert row == {**dict.fromkeys(COSTS, 0.0), "turns": 2.0, "nooffers": 1.0}
    with pytest.raises(ParadiseError, match="no feature 'elapsed_seconds'"):
        table.column("elapsed_seconds")


def test_elapsed_seconds_column_only_when_every_dialogue_has_it():
    table = dialogue_features(three_dialogues(("10", "20.5", "3")))
    assert table.features == ("kappa", *COSTS, "elapsed_seconds")
    np.testing.assert_allclose(table.column("elapsed_seconds"), [10.0, 20.5, 3.0])
    assert "elapsed_seconds" not in dialogue_features(three_dialogues(("10", None, "3"))).features


def test_feature_table_errors():
    with pytest.raises(ParadiseError, match=r"unknown κ source 'gold'"):
        dialogue_features(three_dialogues(), kappa_source="gold")
    with pytest.raises(ParadiseError, match="no dialogues"):
        dialogue_features([])
    with pytest.raises(ParadiseError, match="attribute"):
        dialogue_features(three_dialogues()[2:])  # only C: nothing to compute κ from
    with pytest.raises(ParadiseError, match="dialogue A: κ from the goal needs"):
        dialogue_features(three_dialogues(), kappa_source="goal")
    one_key = three_dialogues()[:1]  # every key is hotel-result=offered: P(E) = 1
    with pytest.raises(ParadiseError, match="κ is undefined"):
        dialogue_features(one_key)


def test_feature_table_from_goals():
    # two dialogues, goal keys hotel-area=north and hotel-phone?=provided, one each: P(E) = 1/2.
    # G1 got both (κ 1), G2 neither (P_A 0, κ = (0 − 1/2) / (1/2) = −1).
    goal = Goal((SubGoal("hotel", constraints={"area": "north"}, requests=("phone",)),))
    north = belief(hotel=DomainBelief(constraints={"area": "north"}))
    south = belief(hotel=DomainBelief(constraints={"area": "south"}))
    g1 = dialogue(user("north", state=north), system("0123", act("inform", "hotel", "phone")), id="G1", goal=goal)
    g2 = dialogue(user("south", state=south), system("sorry", act("nooffer", "hotel")), id="G2", goal=goal)
    table = dialogue_features([g1, g2], kappa_source="goal")
    assert table.kappa_source == "goal"
    np.testing.assert_allclose(table.column("kappa"), [1.0, -1.0])
    np.testing.assert_allclose(table.column("nooffers"), [0.0, 1.0])
