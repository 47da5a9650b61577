"""ConvLab's metric definitions, checked on hand-made dialogues of the city guide."""

from __future__ import annotations

import pytest

from tod.acts import REQUESTED, DialogueAct
from tod.dialogue import SYSTEM, USER, Dialogue, Goal, SubGoal, Turn
from tod.domain.database import Database
from tod.simulator.metrics import Evaluator

A = DialogueAct
BOOK = {"people": "2", "day": "friday", "time": "19:00"}


def dialogue(*turns: list[DialogueAct], goal: Goal) -> Dialogue:
    return Dialogue(
        "d", tuple(Turn(USER if i % 2 == 0 else SYSTEM, "", tuple(t)) for i, t in enumerate(turns)), goal=goal
    )


@pytest.fixture(scope="module")
def names(city_db: Database) -> dict[str, str]:
    return {
        "italian": city_db.query("restaurant", {"food": "italian"}, top_k=1)[0].name,
        "thai": city_db.query("restaurant", {"food": "thai"}, top_k=1)[0].name,
    }


def test_a_perfect_dialogue(city_db: Database, names: dict[str, str]) -> None:
    goal = Goal((SubGoal("restaurant", 1, {"food": "italian"}, ("phone", "postcode"), BOOK),))
    d = dialogue(
        [A("inform", "restaurant", "food", "italian"), A("request", "restaurant", "phone", REQUESTED)],
        [A("recommend", "restaurant", "name", names["italian"]), A("inform", "restaurant", "phone", "01632"),
         A("inform", "restaurant", "postcode", "HB1"), A("offerbook", "restaurant")],
        [A("inform", "restaurant", "people", "2")],
        [A("book", "restaurant", "ref", "ABC123"), A("book", "restaurant", "name", names["italian"])],
        goal=goal,
    )  # fmt: skip
    m = Evaluator(city_db).evaluate(d)
    assert (m.success, m.complete, m.book_rate) == (True, True, 1.0)
    assert (m.inform_precision, m.inform_recall, m.inform_f1) == (1.0, 1.0, 1.0)
    assert m.turns == 4 and (m.true_positives, m.false_positives, m.false_negatives) == (2, 0, 0)


def test_missing_request_and_false_positive(city_db: Database, names: dict[str, str]) -> None:
    goal = Goal((SubGoal("restaurant", 1, {"food": "italian"}, ("phone", "postcode")),))
    d = dialogue(
        [A("inform", "restaurant", "food", "italian")],
        [A("recommend", "restaurant", "name", names["italian"]), A("inform", "restaurant", "phone", "01632"),
         A("inform", "restaurant", "address", "1 quay"), A("inform", "restaurant", "food", "italian"),
         A("inform", "restaurant", "choice", "3")],
        goal=goal,
    )  # fmt: skip
    m = Evaluator(city_db).evaluate(d)
    # phone: hit; postcode: miss; address: false positive; food (a constraint), name and choice: neither
    assert (m.true_positives, m.false_positives, m.false_negatives) == (1, 1, 1)
    assert m.inform_precision == 0.5 and m.inform_recall == 0.5 and m.inform_f1 == 0.5
    assert not m.success and not m.complete and m.book_rate is None


def test_badly_formed_values_tell_nothing(city_db: Database, names: dict[str, str]) -> None:
    goal = Goal((SubGoal("restaurant", 1, {"food": "italian"}, ("phone",)),))
    d = dialogue(
        [], [A("recommend", "restaurant", "name", names["italian"]), A("inform", "restaurant", "phone", "?")], goal=goal
    )
    m = Evaluator(city_db).evaluate(d)
    assert m.false_negatives == 1 and m.inform_recall == 0.0 and m.inform_f1 == 0.0


def test_booking_the_wrong_entity_scores_the_share_of_constraints_met(city_db: Database, names: dict[str, str]) -> None:
    thai = names["thai"]
    area = city_db.lookup("restaurant", thai).get("area")
    goal = Goal((SubGoal("restaurant", 1, {"food": "italian", "area": area}, (), BOOK),))
    d = dialogue([], [A("book", "restaurant", "ref", "R1"), A("book", "restaurant", "name", thai)], goal=goal)
    m = Evaluator(city_db).evaluate(d)
    assert m.book_rate == 0.5  # the area is right, the food is not
    assert m.complete and not m.success


def test_no_booking_scores_zero_and_no_request_leaves_inform_undefined(
    city_db: Database, names: dict[str, str]
) -> None:
    goal = Goal((SubGoal("restaurant", 1, {"food": "italian"}, (), BOOK),))
    m = Evaluator(city_db).evaluate(dialogue([], [A("recommend", "restaurant", "name", names["italian"])], goal=goal))
    assert m.book_rate == 0.0 and m.inform_recall is None and m.inform_f1 is None
    assert not m.success and not m.complete


def test_success_needs_the_discussed_entity_to_fit(city_db: Database, names: dict[str, str]) -> None:
    goal = Goal((SubGoal("restaurant", 1, {"food": "italian"}, ("phone",)),))
    wrong = dialogue(
        [], [A("recommend", "restaurant", "name", names["thai"]), A("inform", "restaurant", "phone", "1")], goal=goal
    )
    assert not Evaluator(city_db).evaluate(wrong).success
    # the entity the user named counts as the one under discussion, unless the system says nooffer
    named = dialogue(
        [A("inform", "restaurant", "name", names["italian"])], [A("inform", "restaurant", "phone", "1")], goal=goal
    )
    assert Evaluator(city_db).evaluate(named).success
    refused = dialogue(
        [A("inform", "restaurant", "name", names["italian"])],
        [A("nooffer", "restaurant", "name", names["italian"]), A("inform", "restaurant", "phone", "1")],
        goal=goal,
    )
    assert not Evaluator(city_db).evaluate(refused).success


def test_a_dialogue_without_a_goal_is_refused(city_db: Database) -> None:
    with pytest.raises(ValueError, match="no goal"):
        Evaluator(city_db).evaluate(Dialogue("x", ()))


def test_a_first_attempt_the_system_never_refused_stands(city_db: Database, names: dict[str, str]) -> None:
    """MultiWOZ's fail_info sometimes matches: without a nooffer, the user took what it asked first."""
    thai = names["thai"]
    goal = Goal((SubGoal("restaurant", 1, {"food": "italian"}, ("phone",), fail_constraints={"food": "thai"}),))
    took_first = dialogue([], [A("recommend", "restaurant", "name", thai), A("inform", "restaurant", "phone", "1")], goal=goal)
    assert Evaluator(city_db).evaluate(took_first).success
    refused = dialogue(
        [A("inform", "restaurant", "food", "thai")],
        [A("nooffer", "restaurant", "food", "thai")],
        [A("inform", "restaurant", "food", "italian")],
        [A("recommend", "restaurant", "name", thai), A("inform", "restaurant", "phone", "1")],
        goal=goal,
    )
    assert not Evaluator(city_db).evaluate(refused).success  # after the nooffer the real goal counts
