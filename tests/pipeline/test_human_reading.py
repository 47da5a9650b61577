"""Reading human turns on the city guide: names written in a turn the NLU read, values unique within the
sub-domain spoken of, misspelt and plural values, a changed value said beside the old one, a number detail
that fits the sub-domain in focus, short day names, and a short question the NLU found nothing in."""

from __future__ import annotations

import pytest

from tests.pipeline.test_context import ScriptedNLU, after_offer, offered
from tod.acts import REQUESTED, DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.domain.name_match import exact_names_in_text
from tod.dst.rule import RuleDST
from tod.nlg.template import TemplateNLG
from tod.pipeline.focus import names_from_the_text, resolve_domains
from tod.pipeline.pipeline import Pipeline
from tod.pipeline.reading import Words, requests_in_focus
from tod.pipeline.turn_words import ENGLISH
from tod.pipeline.twin_values import changed_values
from tod.pipeline.values import missed_constraints, widen_values
from tod.policy.rule import RulePolicy
from tod.state import DialogueState

A = DialogueAct


# -- names ----------------------------------------------------------------------------------------------


def test_a_name_written_exactly_beside_what_the_nlu_read(db) -> None:
    text = "lol random q but is the cellar club any good"
    # the tagger took "club" of the name for a type: the name replaces it
    assert names_from_the_text([A("inform", "attraction", "type", "club")], text, db) == (
        A("inform", "attraction", "name", "the cellar club"),)
    # a name some act gives already (a taxi's place, a name) is not added again
    given = [A("inform", "attraction", "name", "the cellar club")]
    assert names_from_the_text(given, text, db) == tuple(given)
    assert exact_names_in_text(db, ["restaurant"], "") == []
    assert exact_names_in_text(db, ["restaurant"], "x " * 300) == []


def test_a_misspelt_name_is_looked_for_only_when_the_nlu_read_nothing_of_the_task(db) -> None:
    text = "is the cellar clubb any good"
    assert names_from_the_text([], text, db) == (A("inform", "attraction", "name", "the cellar club"),)
    # values read from the words besides the NLU's acts do not stop it (``tagged``: the NLU's own acts)
    widened = [A("inform", "attraction", "type", "nightclub")]
    assert names_from_the_text(widened, text, db, tagged=[])[-1] == A("inform", "attraction", "name", "the cellar club")
    assert names_from_the_text(widened, text, db) == tuple(widened)


# -- values ---------------------------------------------------------------------------------------------


def test_values_unique_within_the_sub_domain_spoken_of(city) -> None:
    museum = [A("inform", "attraction", "type", "museum")]
    assert missed_constraints(museum, "a museum in the south", city)[-1] == A("inform", "attraction", "area", "south")
    # a turn about no sub-domain: "south" is every sub-domain's area, nothing added
    assert missed_constraints([], "something in the south", city) == ()
    assert missed_constraints([], "is it cheap?", city, within="restaurant") == (A("inform", "restaurant", "pricerange", "cheap"),)


def test_misspelt_and_plural_values(city) -> None:
    assert missed_constraints([], "any interesting architechture?", city) == (
        A("inform", "attraction", "type", "architecture"),)
    assert missed_constraints([], "any clubs in town?", city) == (A("inform", "attraction", "type", "clubs"),)
    # short values are other words a letter away ("worth" is not north), and never fuzzy
    assert missed_constraints([], "is it worth it", city, within="restaurant") == ()
    assert missed_constraints([], "", city) == ()


def test_everyday_price_words_are_values(city) -> None:
    assert missed_constraints([], "somewhere posh to eat", city, within="restaurant")[0].slot == "pricerange"
    assert city.schemas["hotel"].slots["pricerange"].synonyms["cheapest"] == "cheap"


def test_a_changed_value_said_beside_the_old_one(city) -> None:
    belief = BeliefState({"hotel": DomainBelief({"pricerange": "cheap"})})
    acts = [A("inform", "hotel", "pricerange", "moderate"), A("inform", "hotel", "pricerange", "cheap")]
    assert changed_values(acts, belief) == (acts[0],)
    # nothing held, or both values new: left to the tracker
    assert changed_values(acts, BeliefState()) == tuple(acts)
    three = [*acts, A("inform", "hotel", "pricerange", "expensive")]
    assert changed_values(three, belief) == tuple(three)


def test_a_number_detail_fits_the_sub_domain_in_focus(city, db) -> None:
    state = after_offer("restaurant", offered(db, "restaurant").name)
    acts = [A("inform", "", "stay", "2"), A("inform", "", "day", "friday"), A("inform", "", "time", "1pm")]
    assert resolve_domains(acts, state, city) == (
        A("inform", "restaurant", "people", "2"), A("inform", "restaurant", "day", "friday"),
        A("inform", "restaurant", "time", "1pm"))
    # a hotel in focus has nights: left as they are
    hotel = after_offer("hotel", offered(db, "hotel").name)
    nights = [A("inform", "", "stay", "2"), A("inform", "", "day", "friday")]
    assert [a.slot for a in resolve_domains(nights, hotel, city)] == ["stay", "day"]


def test_short_day_names_after_a_day_word_and_no_day_from_a_clock(city) -> None:
    acts = [A("inform", "restaurant", "people", "2"), A("inform", "restaurant", "day", "quarter"),
            A("inform", "restaurant", "time", "quarter past seven")]
    assert widen_values(acts, "book it for 2 on fri at quarter past seven", city) == (
        acts[0], acts[2], A("inform", "", "day", "friday"))
    # "sat" on its own is a word: not a day
    assert [a.slot for a in widen_values(acts[:1], "we sat down for 2", city)] == ["people"]


def test_a_request_no_sub_domain_was_given_is_the_discussed_ones(city) -> None:
    acts = (A("request", "", "pricerange", REQUESTED),)
    words = Words.of("how much does it cost", ENGLISH)
    assert requests_in_focus(acts, words, city, "attraction") == (A("request", "attraction", "entrance fee", REQUESTED),)
    assert requests_in_focus(acts, words, city) == acts


# -- through the pipeline --------------------------------------------------------------------------------


def test_a_short_question_the_nlu_found_nothing_in(context, db) -> None:
    cheap = offered(db, "restaurant", pricerange="expensive")
    script = {"italian food": ([A("inform", "restaurant", "name", cheap.name)], 0.9)}
    bot = Pipeline(context, ScriptedNLU(script), RuleDST(context.domain), RulePolicy(context.database),
                   TemplateNLG.for_domain(context.domain))
    bot.respond("italian food")
    bot.respond("is it cheap?")
    assert any(a.intent in ("affirm", "negate") for a in bot.state.system_acts)
    assert "pricerange" not in bot.state.belief["restaurant"].constraints  # a question, never a constraint
    assert bot.state.route == "task"
