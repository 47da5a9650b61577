"""Dialogue context, questions and short follow-ups: each reading of the turn's words, and multi-turn
conversations through the whole pipeline on the city guide (an NLU that returns scripted acts stands in for
the trained one, so that what is tested is the pipeline's reading, not a model's guess)."""

from __future__ import annotations

import pytest

from tod.acts import REQUESTED, DialogueAct
from tod.belief import DONTCARE, BeliefState, DomainBelief
from tod.dialogue import SYSTEM, USER, Turn
from tod.domain.loader import load_domain
from tod.dst.rule import RuleDST
from tod.nlg.template import TemplateNLG
from tod.pipeline.focus import corrections_in_focus
from tod.pipeline.pipeline import Pipeline
from tod.pipeline.questions import entity_questions, is_question
from tod.pipeline.reading import Words, follow_up, indifferent_answer
from tod.pipeline.slot_references import slot_references
from tod.pipeline.turn_words import ENGLISH, tokens, turn_words
from tod.policy.rule import RulePolicy
from tod.state import ROUTE_FALLBACK, ROUTE_TASK, DialogueState
from tod.types import NLUResult

A = DialogueAct


def offered(db, subdomain: str, **constraints: str):
    """The first entity of ``subdomain`` meeting ``constraints``."""
    return db.query(subdomain, constraints, top_k=1)[0]


def after_offer(subdomain: str, name: str, belief: dict[str, str] | None = None) -> DialogueState:
    system = (A("recommend", subdomain, "name", name), A("offerbook", subdomain))
    user = Turn(USER, "", (A("inform", subdomain),))
    return DialogueState(
        belief=BeliefState({subdomain: DomainBelief(belief or {})}),
        history=(user, Turn(SYSTEM, "", system)),
        system_acts=system,
    )


# -- the language's words --------------------------------------------------------------------------


def test_the_words_of_a_turn() -> None:
    assert tokens("What's the ADDRESS?") == ("what's", "the", "address", "?")
    assert tokens("") == ()
    assert turn_words("en") is ENGLISH and turn_words("zh") is None
    words = Words.of("ok so is it cheap?", ENGLISH)
    assert words.body() == ("is", "it", "cheap") and words.asks
    assert is_question(words) and is_question(Words.of("does the grand beacon have parking", ENGLISH))
    assert not is_question(Words.of("i want a cheap hotel", ENGLISH))


def test_a_long_word_matches_a_misspelling_one_edit_away(city) -> None:
    schema = city.schemas["restaurant"]
    assert Words.of("and the adress", ENGLISH).slots_named(schema, schema.requestable) == ["address"]
    assert Words.of("postcdoe?", ENGLISH).slots_named(schema, schema.requestable) == ["postcode"]  # a swap
    assert Words.of("the fod", ENGLISH).slots_named(schema, ["food"]) == []  # short words must match exactly


# -- short follow-ups -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slot"),
    [("phone please", "phone"), ("and the adress", "address"), ("how much is it", "pricerange"),
     ("address?", "address"), ("where is it exactly", "address+area"), ("and their postcode pls", "postcode")],
)
def test_a_short_follow_up_asks_about_the_entity_under_discussion(city, db, text, slot) -> None:
    state = after_offer("restaurant", offered(db, "restaurant").name)
    # "where is it": where it is in town and its address
    wanted = tuple(A("request", "restaurant", s, REQUESTED) for s in slot.split("+"))
    assert follow_up((), text, state, city, ENGLISH) == wanted


def test_follow_ups_take_the_sub_domain_under_discussion(city, db) -> None:
    state = after_offer("hotel", offered(db, "hotel").name)
    assert follow_up((), "stars?", state, city, ENGLISH) == (A("request", "hotel", "stars", REQUESTED),)
    assert follow_up((), "what about parking", state, city, ENGLISH) == (A("request", "hotel", "parking", REQUESTED),)
    state = after_offer("attraction", offered(db, "attraction").name)
    assert follow_up((), "how much", state, city, ENGLISH) == (A("request", "attraction", "entrance fee", REQUESTED),)


def test_thanks_and_goodbyes_stay_in_the_task(city, db) -> None:
    state = after_offer("restaurant", offered(db, "restaurant").name)
    assert follow_up((), "k thx", state, city, ENGLISH) == (A("thank", "general"),)
    assert follow_up((A("chitchat", "general"),), "ok cheers", state, city, ENGLISH) == (A("thank", "general"),)
    assert follow_up((), "thats all, bye", state, city, ENGLISH) == (A("bye", "general"),)


@pytest.mark.parametrize(
    "text",
    ["is there a beach?", "what's the weather like tomorrow", "", "???", "phone " * 20, "\x00\u202e phone",
     "tell me a joke about the phone number of the moon please now"],
)
def test_other_turns_are_not_follow_ups(city, db, text) -> None:
    state = after_offer("restaurant", offered(db, "restaurant").name)
    found = follow_up((), text, state, city, ENGLISH)
    assert found is None or found == (A("request", "restaurant", "phone", REQUESTED),)
    if text in ("is there a beach?", "what's the weather like tomorrow", "", "???", "phone " * 20):
        assert found is None


def test_no_follow_up_before_anything_was_discussed_or_when_the_nlu_found_a_task_act(city, db) -> None:
    assert follow_up((), "phone please", DialogueState(), city, ENGLISH) is None
    state = after_offer("restaurant", offered(db, "restaurant").name)
    nlu = (A("request", "hotel", "phone", REQUESTED),)
    assert follow_up(nlu, "phone please", state, city, ENGLISH) is None  # the NLU's reading stands


def test_anywhere_answers_the_slot_just_asked(city) -> None:
    asked = (A("inform", "hotel", "choice", "7"), A("request", "hotel", "area", REQUESTED))
    state = DialogueState(history=(Turn(SYSTEM, "", asked),), system_acts=asked)
    guessed = (A("inform", "restaurant", "pricerange", DONTCARE),)
    for text in ("anywhere", "i don't mind", "doesn't matter", "ok any is fine"):
        assert indifferent_answer(guessed, text, state, city, ENGLISH) == (A("inform", "hotel", "area", DONTCARE),)
    assert indifferent_answer((), "in the north", state, city, ENGLISH) is None
    assert indifferent_answer((), "anywhere", DialogueState(), city, ENGLISH) is None  # nothing was asked


# -- questions are questions ----------------------------------------------------------------------------


def test_a_question_about_the_offered_entity_is_a_check(city, db) -> None:
    entity = offered(db, "restaurant", pricerange="cheap")
    state = after_offer("restaurant", entity.name)
    acts = [A("inform", "restaurant", "pricerange", "expensive")]
    assert entity_questions(acts, "is it expensive?", state, city, db, ENGLISH) == (
        A("request", "restaurant", "pricerange", REQUESTED),
        A("confirm", "restaurant", "pricerange", "expensive"),
    )


def test_a_named_entity_question_is_a_check_and_asks_the_slots_it_names(city, db) -> None:
    hotel = offered(db, "hotel")
    acts = [A("inform", "hotel", "name", hotel.name), A("inform", "hotel", "parking", "yes")]
    checked = entity_questions(acts, f"Is there parking at {hotel.name}?", DialogueState(), city, db, ENGLISH)
    assert checked == (
        A("inform", "hotel", "name", hotel.name),
        A("request", "hotel", "parking", REQUESTED),
        A("confirm", "hotel", "parking", "yes"),
    )
    attraction = offered(db, "attraction")
    acts = [A("inform", "attraction", "name", attraction.name)]
    text = f"what time does {attraction.name} open"
    assert A("request", "attraction", "openhours", REQUESTED) in entity_questions(acts, text, DialogueState(), city, db, ENGLISH)


@pytest.mark.parametrize(
    "text",
    ["is there an expensive restaurant?", "do you have any expensive ones?", "i want something expensive",
     "can you find me an expensive restaurant", "any expensive restaurants in town?"],
)
def test_a_search_is_not_a_check(city, db, text) -> None:
    state = after_offer("restaurant", offered(db, "restaurant", pricerange="cheap").name)
    acts = [A("inform", "restaurant", "pricerange", "expensive")]
    assert entity_questions(acts, text, state, city, db, ENGLISH) == tuple(acts)


def test_a_value_beside_a_request_of_another_slot_describes_the_entity(city, db) -> None:
    state = after_offer("attraction", offered(db, "attraction", type="museum").name)
    acts = [A("request", "attraction", "address", REQUESTED), A("inform", "attraction", "type", "museum")]
    assert entity_questions(acts, "address for the museum?", state, city, db, ENGLISH) == tuple(acts)


def test_no_check_without_an_entity(city, db) -> None:
    acts = [A("inform", "restaurant", "pricerange", "expensive")]
    assert entity_questions(acts, "is it expensive?", DialogueState(), city, db, ENGLISH) == tuple(acts)


# -- corrections and references -----------------------------------------------------------------------


def test_a_correction_changes_the_sub_domain_under_discussion(city, db) -> None:
    state = after_offer("hotel", offered(db, "hotel").name, {"pricerange": "cheap"})
    guessed = [A("inform", "restaurant", "pricerange", "expensive")]
    for text in ("actually make it expensive", "hmm, expensive", "no, expensive please"):
        assert corrections_in_focus(guessed, Words.of(text, ENGLISH), state, city) == (
            A("inform", "hotel", "pricerange", "expensive"),
        )
    new = [A("inform", "restaurant"), A("inform", "restaurant", "pricerange", "expensive")]
    words = Words.of("and an expensive place to eat", ENGLISH)
    assert corrections_in_focus(new, words, state, city) == tuple(new)  # the turn names the restaurant
    food = [A("inform", "restaurant", "food", "thai")]  # a hotel has no food: the turn is about a restaurant
    assert corrections_in_focus(food, Words.of("make it thai", ENGLISH), state, city) == tuple(food)
    museum = [A("inform", "attraction", "type", "museum")]  # a hotel's type cannot be a museum
    assert corrections_in_focus(museum, Words.of("what about museums", ENGLISH), state, city) == tuple(museum)


def test_same_area_takes_the_other_sub_domains_value(city, db) -> None:
    restaurant = offered(db, "restaurant", area="north")
    state = after_offer("restaurant", restaurant.name, {"food": restaurant.get("food")})
    acts = [A("inform", "hotel"), A("inform", "hotel", "pricerange", "moderate")]
    words = Words.of("I also need somewhere to stay in the same area, moderate price", ENGLISH)
    resolved = slot_references(acts, words, state, city, db)
    assert A("inform", "hotel", "area", "north") in resolved  # the offered restaurant's area
    assert A("inform", "hotel", "pricerange", "moderate") in resolved  # given, not referred to
    near = slot_references([A("inform", "attraction", "type", "museum")], Words.of("a museum near it", ENGLISH), state, city, db)
    assert A("inform", "attraction", "area", "north") in near


def test_same_day_and_group_come_from_the_named_sub_domain(city, db) -> None:
    hotel = offered(db, "hotel")
    belief = BeliefState({"hotel": DomainBelief({"name": hotel.name}, booking={"day": "friday", "people": "3"})})
    system = (A("book", "hotel", "ref", "X1"),)
    state = DialogueState(belief=belief, history=(Turn(SYSTEM, "", system),), system_acts=system)
    acts = [A("inform", "restaurant", "food", "thai")]
    words = Words.of("a thai place to eat on the same day as the hotel, for the same group", ENGLISH)
    resolved = slot_references(acts, words, state, city, db)
    assert A("inform", "restaurant", "day", "friday") in resolved
    assert A("inform", "restaurant", "people", "3") in resolved


def test_a_reference_with_nothing_to_refer_to_changes_nothing(city, db) -> None:
    acts = [A("inform", "hotel", "pricerange", "cheap")]
    assert slot_references(acts, Words.of("same area please", ENGLISH), DialogueState(), city, db) == tuple(acts)


# -- the policy's answers -------------------------------------------------------------------------------


def policy_answer(context, state: DialogueState, user: list[DialogueAct], confidence: float = 1.0):
    belief = RuleDST(context.domain).update(state.belief, user, state.system_acts)
    from tod.domain.matches import query_belief

    db = query_belief(context.database, belief)
    during = DialogueState(belief, (*state.history, Turn(USER, "", tuple(user))), tuple(user), state.system_acts, db, confidence)
    return RulePolicy(context.database).predict(during, db), belief


def test_the_policy_answers_a_check_with_yes_or_no_and_the_fact(context, db) -> None:
    entity = offered(db, "restaurant", pricerange="cheap")
    state = after_offer("restaurant", entity.name, {"pricerange": "cheap"})
    check = [A("request", "restaurant", "pricerange", REQUESTED), A("confirm", "restaurant", "pricerange", "expensive")]
    acts, belief = policy_answer(context, state, check, confidence=0.1)  # unsure, and still no confirmation
    assert acts[0] == A("negate", "restaurant", "pricerange", "expensive")
    assert A("inform", "restaurant", "pricerange", "cheap") in acts and A("inform", "restaurant", "name", entity.name) in acts
    assert not any(a.intent == "confirm" for a in acts)
    assert belief["restaurant"].constraints["pricerange"] == "cheap"  # never a new constraint
    yes = [A("request", "restaurant", "pricerange", REQUESTED), A("confirm", "restaurant", "pricerange", "cheap")]
    assert policy_answer(context, state, yes)[0][0] == A("affirm", "restaurant", "pricerange", "cheap")


def test_a_known_name_is_not_confirmed(context, db) -> None:
    attraction = offered(db, "attraction")
    acts, _ = policy_answer(context, DialogueState(), [A("inform", "attraction", "name", attraction.name)], confidence=0.1)
    assert not any(a.intent == "confirm" for a in acts)
    acts, _ = policy_answer(context, DialogueState(), [A("inform", "attraction", "name", "no such place xq")], 0.1)
    assert not any(a.intent == "confirm" for a in acts)  # an unknown name is said to be unknown instead
    assert any(a.intent == "nooffer" and a.value == "no such place xq" for a in acts)


# -- the whole pipeline -------------------------------------------------------------------------------


class ScriptedNLU:
    """Returns the acts scripted for each text (a stand-in for the trained model), with a confidence."""

    def __init__(self, script: dict[str, tuple[list[DialogueAct], float]]) -> None:
        self.script = script

    def parse(self, text: str, state: DialogueState) -> NLUResult:
        acts, confidence = self.script.get(text, ([], 0.0))
        return NLUResult(text=text, acts=tuple(acts), confidence=confidence)


def pipeline(context, script) -> Pipeline:
    return Pipeline(context, ScriptedNLU(script), RuleDST(context.domain), RulePolicy(context.database), TemplateNLG.for_domain(context.domain))


def test_a_conversation_with_questions_follow_ups_and_a_correction(context, db) -> None:
    cheap = offered(db, "restaurant", pricerange="cheap", food="italian")
    script = {
        "a cheap italian place": ([A("inform", "restaurant"), A("inform", "restaurant", "pricerange", "cheap"), A("inform", "restaurant", "food", "italian")], 0.9),
        "is it expensive?": ([A("inform", "restaurant", "pricerange", "expensive")], 0.2),
        "phone please": ([A("chitchat", "general")], 0.4),
        "k thx": ([A("thank", "general")], 0.1),
    }
    bot = pipeline(context, script)
    bot.respond("a cheap italian place")
    assert bot.state.belief["restaurant"].constraints["pricerange"] == "cheap"
    reply = bot.respond("is it expensive?")
    assert reply.text.startswith("No, ") and "cheap" in reply.text, reply.text
    assert bot.state.belief["restaurant"].constraints["pricerange"] == "cheap"
    reply = bot.respond("phone please")
    assert bot.state.route == ROUTE_TASK and str(cheap.get("phone")) in reply.text, reply.text
    reply = bot.respond("k thx")
    assert bot.state.route == ROUTE_TASK and bot.state.system_acts == (A("reqmore", "general"),)


def test_anywhere_after_a_question_is_dontcare_without_a_confirmation(context) -> None:
    script = {"a hotel": ([A("inform", "hotel")], 0.9), "anywhere": ([], 0.0)}
    bot = pipeline(context, script)
    bot.respond("a hotel")
    asked = [a for a in bot.state.system_acts if a.intent == "request"]
    assert len(asked) == 1
    bot.respond("anywhere")
    assert bot.state.route == ROUTE_TASK
    assert bot.state.belief["hotel"].constraints[asked[0].slot] == DONTCARE
    assert not any(a.intent == "confirm" for a in bot.state.system_acts)


def test_a_correction_goes_to_the_hotel_being_discussed(context) -> None:
    script = {
        "a cheap hotel in the west": ([A("inform", "hotel"), A("inform", "hotel", "pricerange", "cheap"), A("inform", "hotel", "area", "west")], 0.9),
        "actually make it moderate": ([A("inform", "restaurant", "pricerange", "moderate")], 0.6),
    }
    bot = pipeline(context, script)
    bot.respond("a cheap hotel in the west")
    bot.respond("actually make it moderate")
    assert bot.state.belief["hotel"].constraints["pricerange"] == "moderate"
    assert "restaurant" not in bot.state.belief.domains


def test_small_talk_still_goes_to_the_fallback(context, db) -> None:
    bot = pipeline(context, {"a cheap hotel": ([A("inform", "hotel"), A("inform", "hotel", "pricerange", "cheap")], 0.9)})
    bot.respond("a cheap hotel")
    bot.respond("what's the meaning of life, honestly")
    assert bot.state.route == ROUTE_FALLBACK


@pytest.mark.parametrize(
    "text",
    ["", "?", "is it " * 500, "\x00\x01 same same same area near near it", "same area as the the the", "near",
     "is it \u202eexpensive?", "نعم؟", "actually make it 💥", "phone" * 300],
)
def test_hostile_text_is_read_without_error(context, db, text) -> None:
    bot = pipeline(context, {"a cheap hotel": ([A("inform", "hotel"), A("inform", "hotel", "pricerange", "cheap")], 0.9)})
    bot.respond("a cheap hotel")
    before = bot.state.belief
    reply = bot.respond(text)
    assert isinstance(reply.text, str) and reply.text
    assert bot.state.belief["hotel"].constraints["pricerange"] == before["hotel"].constraints["pricerange"]
