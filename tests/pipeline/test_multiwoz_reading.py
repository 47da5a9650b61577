"""Reading human turns in MultiWOZ: two places in one slot, database values as people write them, a clock
time's slot by its words, requests of the entity under discussion, a transport's places, and whole
conversations through the pipeline with a scripted NLU (what is tested is the reading, not a model)."""

from __future__ import annotations

import pytest

from tests.conftest import require_shared
from tests.pipeline.test_context import ScriptedNLU
from tod.acts import REQUESTED, DialogueAct
from tod.belief import DONTCARE
from tod.dialogue import SYSTEM, USER, Turn
from tod.domain.context import BuildContext
from tod.dst.rule import RuleDST
from tod.nlg.template import TemplateNLG
from tod.pipeline.column_values import column_values
from tod.pipeline.focus import places_as_names, requests_in_discussion
from tod.pipeline.pipeline import Pipeline
from tod.pipeline.reading import Words, indifferent_values, requests_by_words
from tod.pipeline.turn_words import ENGLISH
from tod.pipeline.twin_values import transport_places, twin_values
from tod.pipeline.values import missed_details, whole_expressions
from tod.policy.rule import RulePolicy
from tod.state import DialogueState

A = DialogueAct


@pytest.fixture(scope="module")
def context() -> BuildContext:
    return BuildContext.open("multiwoz", data_dir=require_shared("multiwoz"), progress=False)


@pytest.fixture(scope="module")
def mwz(context):
    return context.domain


@pytest.fixture(scope="module")
def db(context):
    return context.database


def words(text: str) -> Words:
    return Words.of(text, ENGLISH)


def discussing(subdomain: str, name: str) -> DialogueState:
    system = (A("recommend", subdomain, "name", name),)
    return DialogueState(history=(Turn(USER, "", (A("inform", subdomain),)), Turn(SYSTEM, "", system)), system_acts=system)


# -- two values for one slot ----------------------------------------------------------------------------


def test_two_destinations_are_a_departure_and_a_destination(mwz) -> None:
    acts = [A("inform", "train", "destination", "ely"), A("inform", "train", "destination", "cambridge")]
    assert twin_values(acts, "ely to cambridge tuesday", mwz) == (
        A("inform", "train", "departure", "ely"), A("inform", "train", "destination", "cambridge"))
    # "from" marks the departure whatever the order
    acts = [A("inform", "train", "destination", "cambridge"), A("inform", "train", "destination", "norwich")]
    assert twin_values(acts, "to cambridge from norwich", mwz)[1] == A("inform", "train", "departure", "norwich")


@pytest.mark.parametrize(
    "text",
    ["ely and cambridge", "to ely, to cambridge", "", "ely to ely", "\u202e ely to cambridge" * 50],
)
def test_unclear_twins_are_left_as_the_tagger_read_them(mwz, text) -> None:
    acts = [A("inform", "train", "destination", "ely"), A("inform", "train", "destination", "cambridge")]
    if text.startswith("\u202e"):
        twin_values(acts, text, mwz)  # hostile text: no error
        return
    assert twin_values(acts, text, mwz) == tuple(acts)


def test_a_slot_whose_twin_is_informed_is_left_alone(mwz) -> None:
    acts = [A("inform", "train", "destination", "ely"), A("inform", "train", "destination", "cambridge"),
            A("inform", "train", "departure", "norwich")]
    assert twin_values(acts, "ely to cambridge from norwich", mwz) == tuple(acts)


def test_a_transport_place_after_its_marker(mwz, db) -> None:
    acts = [A("inform", "taxi", "departure", "cambridge arts theatre")]
    found = transport_places(acts, "taxi from cambridge arts theatre to the lensfield hotel please", db)
    assert found == (*acts, A("inform", "taxi", "destination", "the lensfield hotel"))
    # no marker, or the slot given already: nothing added
    assert transport_places(acts, "taxi from cambridge arts theatre, the lensfield hotel", db) == tuple(acts)
    both = [*acts, A("inform", "taxi", "destination", "nandos")]
    assert transport_places(both, "from cambridge arts theatre to the lensfield hotel", db) == tuple(both)


# -- values as the database writes them -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "meant"),
    [("stansted", "stansted airport"), ("kings cross", "london kings cross"), ("birmingham", "birmingham new street"),
     ("indain", "indian"), ("italian", "italian"), ("london", "london"), ("xyz", "xyz"), ("european", "european")],
)
def test_a_value_takes_the_database_value_it_surely_means(db, said, meant) -> None:
    slot = "food" if said in ("indain", "italian", "xyz", "european") else "departure"
    subdomain = "restaurant" if slot == "food" else "train"
    (act, *_) = column_values([A("inform", subdomain, slot, said)], "", db)
    assert act.value == meant  # "london": two stations, neither surely meant


def test_a_database_value_the_tagger_missed_is_read_from_the_text(db) -> None:
    acts = [A("inform", "restaurant", "pricerange", "moderate")]
    assert column_values(acts, "moderately priced indain food, not in the centre", db)[-1] == A(
        "inform", "restaurant", "food", "indian")
    # "modern european" is one value, not european besides
    assert column_values(acts, "modern european please", db)[-1] == A("inform", "restaurant", "food", "modern european")
    # two foods, a food the acts have already, or a turn about two sub-domains: nothing added
    assert column_values(acts, "indian or thai", db) == tuple(acts)
    informed = [*acts, A("inform", "restaurant", "food", "thai")]
    assert column_values(informed, "thai, not indian", db) == tuple(informed)
    two = [*acts, A("inform", "hotel", "area", "north")]
    assert column_values(two, "indian food and a hotel", db) == tuple(two)
    assert column_values(acts, "", db) == tuple(acts)


# -- a clock time's slot --------------------------------------------------------------------------------


def test_a_missed_clock_time_takes_the_slot_its_words_name(mwz) -> None:
    train = [A("inform", "train", "departure", "cambridge")]
    assert missed_details(train, "from cambridge, leaving after 9 in the morning", mwz)[-1] == A(
        "inform", "train", "leaveAt", "9 in the morning")
    assert missed_details(train, "from cambridge, need to be there by 2pm", mwz)[-1] == A(
        "inform", "train", "arriveBy", "2pm")
    # a train's time that says neither: the tagger's to say, never a restaurant's booking time
    assert missed_details(train, "from cambridge on friday at 9am", mwz) == tuple(train)
    # no sub-domain spoken of: the one booking time, placed by the focus step
    assert missed_details([], "a table sunday at noon", mwz)[-1] == A("inform", "", "time", "noon")


def test_a_number_the_tagger_took_from_a_clock_time_written_in_words(mwz) -> None:
    acts = [A("inform", "restaurant", "people", "3"), A("inform", "restaurant", "people", "7")]
    assert whole_expressions(acts, "table for three at quarter to seven please", mwz) == (
        A("inform", "restaurant", "people", "three"), A("inform", "restaurant", "time", "quarter to seven"))


def test_a_day_said_with_a_search_is_the_bookings(mwz) -> None:
    acts = [A("inform", "restaurant", "food", "thai")]
    assert missed_details(acts, "it's my mum's 60th on saturday!! she loves thai food", mwz)[-1] == A(
        "inform", "", "day", "saturday")
    # a train's day is a search slot, not a booking detail: left to the tagger
    train = [A("inform", "train", "destination", "ely")]
    assert missed_details(train, "train to ely on saturday", mwz) == tuple(train)


def test_indifference_tagged_as_a_value_is_dontcare() -> None:
    acts = [A("inform", "hotel", "pricerange", "doesnt matter"), A("inform", "hotel", "area", "north")]
    assert indifferent_values(acts, ENGLISH) == (A("inform", "hotel", "pricerange", DONTCARE), acts[1])
    assert indifferent_values([A("inform", "hotel", "name", "any old inn")], ENGLISH)[0].value == "any old inn"


# -- requests and places in the conversation ------------------------------------------------------------


def test_a_request_the_nlu_gave_another_sub_domain_asks_about_the_one_discussed(mwz) -> None:
    state = discussing("restaurant", "pizza hut cherry hinton")
    asked = (A("request", "attraction", "phone", REQUESTED),)
    assert requests_in_discussion(asked, words("phone?"), state, mwz) == (A("request", "restaurant", "phone", REQUESTED),)
    # the turn names the other sub-domain: kept
    assert requests_in_discussion(asked, words("and the phone of the attraction?"), state, mwz) == asked
    # a slot the sub-domain under discussion cannot tell: kept
    fee = (A("request", "attraction", "entrance fee", REQUESTED),)
    assert requests_in_discussion(fee, words("entrance fee?"), state, mwz) == fee
    assert requests_in_discussion(asked, words("phone?"), DialogueState(), mwz) == asked


def test_requests_the_words_name_beside_the_nlus(mwz) -> None:
    acts = (A("request", "train", "leaveAt", REQUESTED),)
    assert requests_by_words(acts, words("what time does it leave and how much"), mwz) == (
        *acts, A("request", "train", "price", REQUESTED))
    acts = (A("request", "restaurant", "address", REQUESTED),)
    assert requests_by_words(acts, words("where abouts is it"), mwz) == (*acts, A("request", "restaurant", "area", REQUESTED))
    assert requests_by_words((), words("phone and address"), mwz) == ()


def test_a_taxi_place_in_a_turn_that_speaks_of_no_taxi_is_a_name(db) -> None:
    acts = (A("inform", "taxi", "destination", "kettels yard"),)
    assert places_as_names(acts, words("when is kettels yard open"), DialogueState(), db) == (
        A("inform", "attraction", "name", "kettle's yard"),)
    # the taxi's words, a marker, or a conversation about a taxi keep it a taxi's place
    assert places_as_names(acts, words("a taxi when kettels yard opens"), DialogueState(), db) == acts
    assert places_as_names(acts, words("get me to kettels yard"), DialogueState(), db) == acts
    taxi = DialogueState(history=(Turn(USER, "", (A("inform", "taxi", "leaveAt", "10:00"),)),))
    assert places_as_names(acts, words("kettels yard"), taxi, db) == acts
    unknown = (A("inform", "taxi", "destination", "zzzz qqqq"),)
    assert places_as_names(unknown, words("zzzz qqqq"), DialogueState(), db) == unknown


# -- whole conversations --------------------------------------------------------------------------------


def pipeline(context, script) -> Pipeline:
    return Pipeline(
        context, ScriptedNLU(script), RuleDST(context.domain), RulePolicy(context.database),
        TemplateNLG.for_domain(context.domain),
    )


def test_a_train_named_by_an_id_two_trains_share_is_the_one_searched_for(context, db) -> None:
    same = [e for e in db.entities("train") if e.name == "TR4765"]
    assert len(same) == 2  # MultiWOZ's database: one ID, two trains
    text = "train from cambridge to stevenage on thursday leaving after 17:00"
    acts = [A("inform", "train", "departure", "cambridge"), A("inform", "train", "destination", "stevenage"),
            A("inform", "train", "day", "thursday"), A("inform", "train", "leaveAt", "17:00")]
    bot = pipeline(context, {text: (acts, 0.9), "TR4765 please, what time does it leave": (
        [A("inform", "train", "trainID", "TR4765"), A("request", "train", "leaveAt", REQUESTED)], 0.9)})
    bot.respond(text)
    bot.respond("TR4765 please, what time does it leave")
    told = [a for a in bot.state.system_acts if a.slot == "leaveAt"]
    assert told and told[-1].value == "17:21"  # the thursday train to stevenage, not monday's


def test_a_conversation_with_a_misread_sub_domain_and_places_in_words(context) -> None:
    script = {
        "when is kettels yard open": ([A("inform", "taxi", "destination", "kettels yard")], 0.0),
        "phone?": ([A("request", "hotel", "phone", REQUESTED)], 0.5),
    }
    bot = pipeline(context, script)
    bot.respond("when is kettels yard open")
    assert any(a.domain == "attraction" and a.slot == "openhours" for a in bot.state.system_acts)
    bot.respond("phone?")
    assert [a.domain for a in bot.state.system_acts if a.slot == "phone"] == ["attraction"]
    assert bot.state.belief["attraction"].constraints.get("name") == "kettle's yard"
    assert "taxi" not in bot.state.belief or not bot.state.belief["taxi"].constraints
