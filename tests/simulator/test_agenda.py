"""The agenda-based user: its first turn, and its reaction to each system act."""

from __future__ import annotations

import pytest

from tod.acts import REQUESTED, DialogueAct
from tod.belief import DONTCARE
from tod.dialogue import Goal, GoalReference, SubGoal
from tod.domain.database import Database
from tod.errors import SimulationError
from tod.simulator.agenda import AgendaUser, UserOptions

A = DialogueAct
G = "general"
BOOK = {"people": "2", "day": "friday", "time": "19:00"}


def restaurant(database: Database, **criteria: str) -> str:
    return database.query("restaurant", criteria, top_k=1)[0].name


def user(db: Database, *subgoals: SubGoal, **options) -> AgendaUser:
    return AgendaUser(db, Goal(tuple(subgoals)), UserOptions(**options), seed=1)


def test_first_turn_gives_constraints_requests_and_booking(city_db: Database) -> None:
    u = user(city_db, SubGoal("restaurant", 1, {"food": "italian", "area": "centre"}, ("phone",), BOOK))
    first = u.start()
    assert first[:3] == [  # the sub-domain first: "something in the centre" alone does not say what
        A("inform", "restaurant"),
        A("inform", "restaurant", "food", "italian"),
        A("inform", "restaurant", "area", "centre"),
    ]
    assert A("request", "restaurant", "phone", REQUESTED) in first
    assert A("inform", "restaurant", "people", "2") in first
    assert u.turns == 1 and not u.over


def test_a_goal_without_constraints_names_the_sub_domain(city_db: Database) -> None:
    assert user(city_db, SubGoal("hotel", 1, requests=("phone",))).start()[0] == A("inform", "hotel")


def test_a_named_entity_says_its_sub_domain_itself(city_db: Database) -> None:
    name = restaurant(city_db, food="italian")
    first = user(city_db, SubGoal("restaurant", 1, {"name": name}, ("phone",))).start()
    assert first[0] == A("inform", "restaurant", "name", name) and A("inform", "restaurant") not in first


def test_answers_a_request_from_the_goal_or_with_dontcare(city_db: Database) -> None:
    u = user(city_db, SubGoal("restaurant", 1, {"food": "italian"}, ("phone",)))
    u.start()
    said = u.respond([A("request", "restaurant", "food", REQUESTED), A("request", "restaurant", "area", REQUESTED)])
    assert said[:2] == [A("inform", "restaurant", "food", "italian"), A("inform", "restaurant", "area", DONTCARE)]


def test_nooffer_switches_to_the_real_constraints(city_db: Database) -> None:
    sub = SubGoal("restaurant", 1, {"food": "italian"}, fail_constraints={"food": "klingon"})
    u = user(city_db, sub)
    assert u.start() == [A("inform", "restaurant"), A("inform", "restaurant", "food", "klingon")]
    assert u.respond([A("nooffer", "restaurant", "food", "klingon")]) == [A("inform", "restaurant", "food", "italian")]


def test_nooffer_without_an_alternative_gives_the_sub_goal_up(city_db: Database) -> None:
    u = user(city_db, SubGoal("restaurant", 1, {"food": "klingon"}), SubGoal("hotel", 2, {"area": "north"}))
    u.start()
    said = u.respond([A("nooffer", "restaurant", "food", "klingon")])
    assert said == [A("inform", "hotel"), A("inform", "hotel", "area", "north")]  # on to the next sub-goal
    assert u.tasks[0].given_up and not u.complete


def test_offerbook_is_answered_with_the_booking(city_db: Database) -> None:
    name = restaurant(city_db, food="italian")
    u = user(city_db, SubGoal("restaurant", 1, {"food": "italian"}, booking=BOOK), max_acts=10)
    u.start()
    said = u.respond([A("recommend", "restaurant", "name", name), A("offerbook", "restaurant")])
    assert said[0] == A("affirm", G)
    assert {a.slot for a in said[1:]} == {"people", "day", "time"}


def test_nobook_switches_to_the_real_booking(city_db: Database) -> None:
    name = restaurant(city_db, food="italian")
    sub = SubGoal(
        "restaurant",
        1,
        {"food": "italian"},
        booking=BOOK,
        fail_booking={"people": "40", "day": "friday", "time": "19:00"},
    )
    u = user(city_db, sub)
    u.start()
    said = u.respond([A("recommend", "restaurant", "name", name), A("nobook", "restaurant", "people", "40")])
    assert A("inform", "restaurant", "people", "2") in said


def test_select_takes_the_goal_value_or_the_first_option(city_db: Database) -> None:
    u = user(city_db, SubGoal("restaurant", 1, {"food": "italian", "area": "centre"}))
    u.start()
    said = u.respond([A("select", "restaurant", "area", "north"), A("select", "restaurant", "area", "centre")])
    assert said == [A("inform", "restaurant", "area", "centre")]
    said = u.respond([A("select", "restaurant", "name", "x"), A("select", "restaurant", "name", "y")])
    assert said == [A("inform", "restaurant", "name", "x")]


def test_confirm_is_affirmed_or_corrected(city_db: Database) -> None:
    u = user(city_db, SubGoal("restaurant", 1, {"food": "italian"}))
    u.start()
    assert u.respond([A("confirm", "restaurant", "food", "Italian")])[0] == A("affirm", G)
    said = u.respond([A("confirm", "restaurant", "food", "thai")])
    assert said[:2] == [A("negate", G), A("inform", "restaurant", "food", "italian")]


def test_an_entity_that_breaks_a_constraint_is_corrected(city_db: Database) -> None:
    wrong = restaurant(city_db, food="thai")
    u = user(city_db, SubGoal("restaurant", 1, {"food": "italian"}, ("phone",)))
    u.start()
    said = u.respond([A("recommend", "restaurant", "name", wrong), A("inform", "restaurant", "phone", "0")])
    assert A("inform", "restaurant", "food", "italian") in said
    assert u.tasks[0].entity == ""


def test_finishes_with_thanks_and_bye_once_everything_is_known(city_db: Database) -> None:
    name = restaurant(city_db, food="italian")
    u = user(city_db, SubGoal("restaurant", 1, {"food": "italian"}, ("phone",)))
    u.start()
    said = u.respond([A("recommend", "restaurant", "name", name), A("inform", "restaurant", "phone", "01632 960001")])
    assert said == [A("thank", G), A("bye", G)]
    assert u.over and u.complete
    assert u.respond([A("bye", G)]) == []


def test_asks_again_for_what_is_missing_then_gives_up(city_db: Database) -> None:
    name = restaurant(city_db, food="italian")
    u = user(city_db, SubGoal("restaurant", 1, {"food": "italian"}, ("phone",)), max_repeats=1, patience=10)
    u.start()
    offer = [A("recommend", "restaurant", "name", name)]
    assert u.respond(offer) == [A("request", "restaurant", "phone", REQUESTED)]  # asked once more ...
    assert u.respond([A("reqmore", G)]) == [A("thank", G), A("bye", G)]  # ... then given up
    assert not u.complete and u.tasks[0].given_up


def test_patience_and_turn_limit(city_db: Database) -> None:
    u = user(city_db, SubGoal("restaurant", 1, {"food": "italian"}), patience=2)
    u.start()
    same = [A("request", "restaurant", "area", REQUESTED)]
    u.respond(same)  # new
    assert u.respond(same) != [A("bye", G)]  # once the same: patience 2 bears it
    assert u.respond(same) == [A("bye", G)]
    assert u.over and u.quit_reason == "the system repeated itself"
    v = user(city_db, SubGoal("restaurant", 1, {"food": "italian"}), max_turns=2, patience=5)
    v.start()
    v.respond([A("request", "restaurant", "area", REQUESTED)])
    assert v.respond([A("request", "restaurant", "pricerange", REQUESTED)]) == [A("bye", G)]
    assert "turns" in v.quit_reason


def test_noise_holds_acts_back_but_loses_none(city_db: Database) -> None:
    sub = SubGoal("restaurant", 1, {"food": "italian", "area": "centre", "pricerange": "cheap"}, ("phone", "postcode"))
    quiet = user(city_db, sub).start()
    noisy = AgendaUser(city_db, Goal((sub,)), UserOptions(noise=0.6), seed=3)
    said = noisy.start()
    assert said and len(said) < len(quiet)
    later = [a for item in noisy.agenda for a in [item.act] if a.domain == "restaurant"]
    assert set(quiet) <= set(said) | set(later)


def test_references_take_the_other_entity(city_db: Database) -> None:
    name = restaurant(city_db, food="italian")
    hotel = SubGoal("hotel", 2, {"area": "north"}, references={"name": GoalReference(1)})
    u = user(city_db, SubGoal("restaurant", 1, {"food": "italian"}), hotel)
    u.start()
    said = u.respond([A("recommend", "restaurant", "name", name)])
    assert A("inform", "hotel", "name", name) in said


def test_bad_goals_and_options_are_refused(city_db: Database) -> None:
    with pytest.raises(SimulationError, match="at least one sub-goal"):
        AgendaUser(city_db, Goal(()))
    with pytest.raises(SimulationError, match="not in domain"):
        AgendaUser(city_db, Goal((SubGoal("spaceport", 1),)))
    with pytest.raises(SimulationError, match="patience"):
        UserOptions(patience=0)
    with pytest.raises(SimulationError, match="noise"):
        UserOptions(noise=1.0)


@pytest.mark.corpus
def test_a_taxi_without_places_goes_between_the_other_sub_goals(city_db: Database) -> None:
    """MultiWOZ goals often say only 'a taxi between the two places'; the user fills them in."""
    from tod.simulator.agenda import with_implicit_places

    goal = Goal((SubGoal("restaurant", 1, {"food": "italian"}), SubGoal("hotel", 2, {"area": "north"})))
    assert with_implicit_places(goal, city_db.domain) == goal  # no transport in the city guide: unchanged
    # the MultiWOZ shape, written against a domain with a transport
    from tests.conftest import require_shared
    from tod.domain.loader import load_domain

    mwz = load_domain("multiwoz", require_shared("multiwoz"))
    taxi = SubGoal("taxi", 3, {"leaveAt": "10:00"}, ("phone",))
    filled = with_implicit_places(Goal((SubGoal("restaurant", 1), SubGoal("hotel", 2), taxi)), mwz)
    refs = filled.subgoals[2].references
    assert (refs["departure"].subgoal, refs["destination"].subgoal) == (1, 2)
    named = SubGoal("taxi", 3, {"departure": "x", "destination": "y"})
    assert with_implicit_places(Goal((SubGoal("hotel", 1), named)), mwz).subgoals[1] == named


def test_a_failing_booking_detail_is_tried_with_the_rest_first(city_db: Database) -> None:
    """MultiWOZ's fail_book names only the detail that fails: the first attempt is the booking with it."""
    sub = SubGoal("restaurant", 1, {"food": "italian"}, booking=BOOK, fail_booking={"time": "20:00"})
    first = user(city_db, sub).start()
    assert A("inform", "restaurant", "time", "20:00") in first and A("inform", "restaurant", "people", "2") in first


def test_a_confirmation_is_answered_with_the_questions_it_swallowed(city_db: Database) -> None:
    u = user(city_db, SubGoal("restaurant", 1, {"food": "italian"}, ("phone",)))
    u.start()  # informs the food and asks for the phone
    said = u.respond([A("confirm", "restaurant", "food", "italian")])
    assert said[:2] == [A("affirm", G), A("request", "restaurant", "phone", REQUESTED)]


def test_a_value_asked_for_is_heard_as_the_answer_whatever_sub_domain_it_was_read_with(city_db: Database) -> None:
    name = restaurant(city_db, food="italian")
    u = user(city_db, SubGoal("restaurant", 1, {"name": name}, ("phone", "area")))
    assert A("request", "restaurant", "phone", REQUESTED) in u.start()  # phone and area asked for
    said = u.respond([A("inform", "hotel", "phone", "01632 960001"), A("inform", "hotel", "stars", "4")])
    assert u.tasks[0].told == {"phone": "01632 960001"}  # no hotel is wanted: the phone is the answer
    assert said == [A("request", "restaurant", "area", REQUESTED)]


def test_a_value_not_yet_asked_for_is_not_taken_from_another_sub_domain(city_db: Database) -> None:
    name = restaurant(city_db, food="italian")
    u = user(
        city_db, SubGoal("hotel", 1, {"area": "north"}), SubGoal("restaurant", 2, {"name": name}, ("area",))
    )
    u.start()
    hotel = city_db.query("hotel", {"area": "north"}, top_k=1)[0].name
    u.respond([A("recommend", "hotel", "name", hotel), A("inform", "hotel", "area", "north")])
    assert "area" not in u.tasks[1].told  # the hotel's area, told before the restaurant's was asked


def test_read_acts_sub_domains_are_guesses_for_what_was_asked_and_for_names(city_db: Database) -> None:
    """At text level the acts are a reader's: "the phone number is 01632..." says no sub-domain, so the
    guessed one does not take the answer from the sub-goal that asked, even with that sub-domain's sub-goal
    still to come; a name goes where the database has it. Act-level acts keep their sub-domains."""
    name = restaurant(city_db, food="italian")
    goal = Goal((SubGoal("restaurant", 1, {"name": name}, ("phone", "area")), SubGoal("hotel", 2, {"area": "north"})))
    guessed = [A("inform", "hotel", "phone", "01632 960001")]
    read = AgendaUser(city_db, goal, UserOptions(), seed=1, read=True)
    read.start()
    read.respond(guessed)
    assert read.tasks[0].told == {"phone": "01632 960001"} and read.tasks[1].told == {}
    exact = AgendaUser(city_db, goal, UserOptions(), seed=1)
    exact.start()
    exact.respond(guessed)
    assert exact.tasks[0].told == {} and exact.tasks[1].told == {"phone": "01632 960001"}

    other = restaurant(city_db, food="chinese")
    named = Goal((SubGoal("restaurant", 1, {"food": "chinese"}, ("phone",)), SubGoal("hotel", 2, {"area": "north"})))
    read = AgendaUser(city_db, named, UserOptions(), seed=1, read=True)
    read.start()
    read.respond([A("recommend", "hotel", "name", other)])  # a restaurant's name read as a hotel's
    assert read.tasks[0].entity == other and read.tasks[1].entity == ""
    hotel = city_db.query("hotel", {"area": "north"}, top_k=1)[0].name
    read.respond([A("recommend", "hotel", "name", hotel)])  # a hotel's name stays the hotel's
    assert read.tasks[0].entity == other and read.tasks[1].entity == hotel


def test_a_read_nooffer_that_misheard_the_constraints_is_corrected_once(city_db: Database) -> None:
    """"No restaurant whose phone is 10:30": at text level the system misunderstood, and the user says its
    constraints again (once) rather than giving the sub-goal up; a nooffer of what it said is believed."""
    goal = Goal((SubGoal("restaurant", 1, {"food": "italian", "area": "centre"}, ("phone",)),))
    misheard = [A("nooffer", "restaurant", "food", "italian"), A("nooffer", "restaurant", "phone", "10:30")]
    read = AgendaUser(city_db, goal, UserOptions(), seed=1, read=True)
    read.start()
    said = read.respond(misheard)
    assert A("inform", "restaurant", "food", "italian") in said and A("inform", "restaurant", "area", "centre") in said
    assert not read.tasks[0].given_up
    read.respond(misheard)  # misheard again: the user believes it this time
    assert read.tasks[0].given_up
    heard = AgendaUser(city_db, goal, UserOptions(), seed=1, read=True)
    heard.start()
    heard.respond([A("nooffer", "restaurant", "food", "Italian"), A("nooffer", "restaurant", "area", "centre")])
    assert heard.tasks[0].given_up  # what the user said (case aside): a real nooffer
    exact = AgendaUser(city_db, goal, UserOptions(), seed=1)
    exact.start()
    exact.respond(misheard)
    assert exact.tasks[0].given_up  # act level: the system's acts are its own, nothing was misheard


def test_the_convlab_style_user_has_no_patience_and_closes_with_bye_alone(city_db: Database) -> None:
    options = UserOptions.for_style("convlab")
    assert (options.max_turns, options.max_acts, options.style) == (20, 4, "convlab")
    sub = SubGoal("restaurant", 1, {"food": "italian"}, ("phone",))
    u = AgendaUser(city_db, Goal((sub,)), options, seed=1)
    u.start()
    same = [A("request", "restaurant", "area", REQUESTED)]
    for _ in range(6):  # the tod style would have left after 3 of these
        assert u.respond(same) != [A("bye", G)]
    name = restaurant(city_db, food="italian")
    told = [A("inform", "restaurant", "name", name), A("inform", "restaurant", "phone", "01223 000000")]
    assert u.respond(told) == [A("bye", G)]  # no "thank" first
    tod_style = user(city_db, sub)
    tod_style.start()
    assert A("thank", G) in tod_style.respond(told)


def test_a_user_style_it_does_not_know_is_refused() -> None:
    with pytest.raises(SimulationError, match="style must be one of"):
        UserOptions.for_style("rasa")
    with pytest.raises(SimulationError, match="style must be one of"):
        UserOptions(style="patient")
