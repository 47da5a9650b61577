"""Giving user acts their sub-domain: focus, details given together, answers to the system's question."""

from __future__ import annotations

import pytest

from tod.acts import REQUESTED, DialogueAct
from tod.belief import DONTCARE
from tod.dialogue import SYSTEM, Turn
from tod.domain.loader import load_domain
from tod.pipeline.focus import answers_in_context, resolve_domains
from tod.state import DialogueState

A = DialogueAct


@pytest.fixture(scope="module")
def city():
    return load_domain("cityguide")


def after(*system: DialogueAct) -> DialogueState:
    return DialogueState(history=(Turn(SYSTEM, "", tuple(system)),), system_acts=tuple(system))


def test_an_answer_takes_the_asked_sub_domain(city) -> None:
    state = after(A("inform", "hotel", "choice", "7"), A("request", "hotel", "area", REQUESTED))
    guessed = A("inform", "attraction", "area", "dontcare")  # "any area is fine": the NLU guessed
    assert answers_in_context([guessed], state, city) == (A("inform", "hotel", "area", "dontcare"),)


def test_a_turn_that_names_its_own_sub_domain_keeps_it(city) -> None:
    state = after(A("request", "hotel", "area", REQUESTED))
    acts = [A("inform", "restaurant"), A("inform", "restaurant", "area", "north")]
    assert answers_in_context(acts, state, city) == tuple(acts)


def test_other_slots_and_ambiguous_questions_are_left_alone(city) -> None:
    state = after(A("request", "hotel", "area", REQUESTED), A("request", "restaurant", "area", REQUESTED))
    act = A("inform", "attraction", "area", "north")
    assert answers_in_context([act], state, city) == (act,)  # two sub-domains asked: no answer to pick
    state = after(A("request", "hotel", "stars", REQUESTED))
    other = A("inform", "restaurant", "food", "thai")
    assert answers_in_context([other], state, city) == (other,)


def test_booking_details_given_together_go_to_one_sub_domain(city) -> None:
    state = after(A("inform", "hotel", "choice", "5"), A("recommend", "restaurant", "name", "x"))  # restaurant last
    details = [A("inform", "", "people", "7"), A("inform", "", "day", "tuesday"), A("inform", "", "stay", "5")]
    resolved = resolve_domains(details, state, city)
    assert {a.domain for a in resolved} == {"hotel"}  # only a hotel has nights, so all go there
    alone = resolve_domains([A("inform", "", "people", "2")], state, city)
    assert alone[0].domain == "restaurant"  # one detail: the sub-domain in focus


def test_booking_details_join_the_sub_domain_the_turn_speaks_of(city) -> None:
    from tod.pipeline.focus import details_with_the_turn

    acts = [A("inform", "hotel", "area", "north"), A("inform", "restaurant", "people", "8")]
    assert details_with_the_turn(acts, city)[1] == A("inform", "hotel", "people", "8")
    both = [A("inform", "hotel", "area", "north"), A("inform", "restaurant", "food", "thai"), A("inform", "restaurant", "people", "8")]
    assert details_with_the_turn(both, city) == tuple(both)  # the turn speaks of the restaurant too


def test_details_that_only_one_sub_domain_has_together_go_there_out_of_focus(city) -> None:
    state = after(A("recommend", "restaurant", "name", "x"))  # only the restaurant in focus
    details = [A("inform", "", "people", "3"), A("inform", "", "stay", "2"), A("request", "", "phone", REQUESTED)]
    assert {a.domain for a in resolve_domains(details, state, city)} == {"hotel"}  # only a hotel has nights
    ambiguous = [A("request", "", "phone", REQUESTED), A("request", "", "address", REQUESTED)]
    assert resolve_domains(ambiguous, state, city)[0].domain == "restaurant"  # many have them: the focus


def test_a_name_takes_the_sub_domain_whose_database_knows_it() -> None:
    from tod.domain.database import open_database
    from tod.pipeline.focus import names_from_the_database

    db = open_database("cityguide")
    name = db.query("restaurant", {}, top_k=1)[0].name
    guessed = [A("inform", "hotel", "name", name), A("request", "", "phone", REQUESTED)]
    assert names_from_the_database(guessed, db)[0] == A("inform", "restaurant", "name", name)
    assert names_from_the_database([A("inform", "", "name", name)], db)[0].domain == "restaurant"
    unknown = [A("inform", "hotel", "name", "no such place"), A("inform", "hotel", "name", DONTCARE)]
    assert names_from_the_database(unknown, db) == tuple(unknown)  # nobody knows it: left as it is


def test_a_misspelt_name_takes_the_database_name_it_surely_means() -> None:
    from tod.domain.database import open_database
    from tod.pipeline.focus import names_from_the_database

    db = open_database("cityguide")
    said = [A("inform", "restaurant", "name", "trattoria luca"), A("request", "", "phone", REQUESTED)]
    assert names_from_the_database(said, db) == (A("inform", "restaurant", "name", "trattoria lucca"), said[1])
    # the NLU's sub-domain was wrong and the name misspelt: the database's sub-domain and name
    assert names_from_the_database([A("inform", "restaurant", "name", "velvet rooom")], db) == (
        A("inform", "attraction", "name", "the velvet room"),
    )
    guess = [A("inform", "hotel", "name", "saltmarsh b&b")]  # only a guess: the policy asks
    assert names_from_the_database(guess, db) == tuple(guess)
    for hostile in ("", "x" * 5000, "'; DROP TABLE hotel; --"):
        acts = [A("inform", "hotel", "name", hostile)]
        assert names_from_the_database(acts, db) == tuple(acts)


def test_a_name_the_system_does_not_know_is_dropped_from_the_belief(city) -> None:
    from tod.belief import BeliefState, DomainBelief
    from tod.pipeline.focus import forget_unknown_names

    belief = BeliefState(
        {
            "restaurant": DomainBelief({"name": "the quantum zeppelin", "area": "north"}, booking={"people": "2"}),
            "hotel": DomainBelief({"name": "the regent hotel"}),
        }
    )
    told = [A("nooffer", "restaurant", "name", "The Quantum Zeppelin")]
    after_it = forget_unknown_names(belief, told, city)
    assert dict(after_it["restaurant"].constraints) == {"area": "north"}
    assert dict(after_it["restaurant"].booking) == {"people": "2"} and after_it["hotel"] == belief["hotel"]
    # other acts, other names, other slots and unknown sub-domains change nothing
    for acts in (
        [A("nooffer", "restaurant", "name", "another place")],
        [A("nooffer", "restaurant", "area", "north")],
        [A("inform", "restaurant", "name", "the quantum zeppelin")],
        [A("nooffer", "nowhere", "name", "the quantum zeppelin")],
        [A("nooffer", "restaurant")],
    ):
        assert forget_unknown_names(belief, acts, city) == belief


def test_names_are_found_in_the_text_when_the_nlu_understood_nothing_of_the_task() -> None:
    from tod.domain.database import open_database
    from tod.pipeline.focus import names_from_the_text

    db = open_database("cityguide")
    assert names_from_the_text([], "wheres the salt & ancor", db) == (
        A("inform", "restaurant", "name", "the salt and anchor"),
    )
    small_talk = [A("chitchat", "general")]
    assert names_from_the_text(small_talk, "is il gabbiano expensive?", db) == (
        small_talk[0], A("inform", "restaurant", "name", "il gabbiano"),
    )
    task = [A("inform", "restaurant", "food", "italian")]  # the NLU understood the task: left to it
    assert names_from_the_text(task, "italian like il gabbiano", db) == tuple(task)
    for nothing in ("", "hello there", "any museums in the city?", "x " * 1000, "'; DROP TABLE restaurant; --"):
        assert names_from_the_text([], nothing, db) == ()
