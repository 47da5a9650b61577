"""Goal generation: satisfiable by construction, deliberately unsatisfiable where asked, reproducible."""

from __future__ import annotations

import pytest

from tod.dialogue import Goal, GoalReference, SubGoal
from tod.domain.database import Database
from tod.errors import SimulationError
from tod.simulator.goal_graph import dependency_graph, ordered_subgoals
from tod.simulator.goals import GoalGenerator, GoalOptions, GoalStats, goal_seed


def test_every_drawn_goal_is_satisfiable(city_db: Database) -> None:
    generator = GoalGenerator(city_db, GoalOptions(fail_rate=0.5))
    goals = generator.goals(300, seed=4)
    failing = 0
    for goal in goals:
        assert 1 <= len(goal.subgoals) <= 3
        assert len(goal.description) == len(goal.subgoals)
        for sub in goal.subgoals:
            schema = city_db.domain.schema(sub.domain)
            assert city_db.count(sub.domain, dict(sub.constraints)) >= 1, sub
            assert set(sub.requests) <= set(schema.requestable)
            if sub.booking:
                assert schema.booking is not None and set(schema.booking.required) <= set(sub.booking)
            if sub.fail_constraints:
                failing += 1
                assert city_db.count(sub.domain, dict(sub.fail_constraints)) == 0, sub
    assert failing > 50  # fail_rate 0.5 of several hundred sub-goals


def test_requests_are_answerable_for_the_drawn_entity(city_db: Database) -> None:
    """A goal never asks for a value the database does not hold for every entity it could get."""
    for goal in GoalGenerator(city_db).goals(200, seed=1):
        for sub in goal.subgoals:
            matches = city_db.query(sub.domain, dict(sub.constraints))
            schema = city_db.domain.schema(sub.domain)
            for slot in sub.requests:
                field = schema.slots[slot].field
                assert any(m.get(field) not in (None, "", "?") for m in matches), (sub, slot)


def test_unsatisfiable_goals_match_nothing_and_have_no_way_out(city_db: Database) -> None:
    goals = GoalGenerator(city_db, GoalOptions(unsatisfiable_rate=1.0, fail_rate=0.0)).goals(100, seed=2)
    first = [g.subgoals[0] for g in goals]
    unsatisfiable = [s for s in first if city_db.count(s.domain, dict(s.constraints)) == 0]
    assert len(unsatisfiable) >= 90  # only a sub-goal with nothing to change stays satisfiable
    assert all(not s.fail_constraints for s in unsatisfiable)


def test_goals_are_reproducible_and_independent_of_how_a_run_is_split(city_db: Database) -> None:
    generator = GoalGenerator(city_db)
    whole = generator.goals(40, seed=9)
    again = GoalGenerator(city_db).goals(40, seed=9)
    assert whole == again
    assert [generator.goal(goal_seed(9, i)) for i in range(20, 40)] == whole[20:]
    assert GoalGenerator(city_db).goals(40, seed=10) != whole


def test_goal_options_are_checked(city_db: Database) -> None:
    with pytest.raises(SimulationError, match="probability"):
        GoalOptions(fail_rate=1.5)
    with pytest.raises(SimulationError, match="min_domains"):
        GoalOptions(min_domains=3, max_domains=2)
    with pytest.raises(SimulationError, match="unknown sub-domains"):
        GoalGenerator(city_db, GoalOptions(domains=("spaceport",)))
    only = GoalGenerator(city_db, GoalOptions(domains=("hotel",), max_domains=1)).goals(20)
    assert {s.domain for g in only for s in g.subgoals} == {"hotel"}


def test_statistics_steer_the_goals(city_db: Database) -> None:
    corpus_goals = [
        Goal(
            (
                SubGoal(
                    "restaurant",
                    1,
                    {"food": "italian", "area": "centre"},
                    ("phone",),
                    {"people": "2", "day": "monday", "time": "19:00"},
                ),
            )
        )
    ] * 30
    stats = GoalStats.from_goals(corpus_goals, city_db.domain.schemas)
    assert stats.booking_rate == {"restaurant": 1.0}
    goals = GoalGenerator(city_db, stats=stats).goals(30, seed=3)
    for goal in goals:
        (sub,) = goal.subgoals
        assert sub.domain == "restaurant" and sub.booking  # always booked, as in the "corpus"
        assert set(sub.constraints) <= {"food", "area"}
        assert sub.requests in ((), ("phone",))
    with pytest.raises(SimulationError, match="no goal"):
        GoalStats.from_goals([Goal((SubGoal("spaceport", 1),))], city_db.domain.schemas)


def test_dependencies_order_the_subgoals() -> None:
    taxi = SubGoal("taxi", 1, references={"departure": GoalReference(3), "destination": GoalReference(2)})
    goal = Goal((taxi, SubGoal("hotel", 2), SubGoal("restaurant", 3)))
    assert [s.id for s in ordered_subgoals(goal)] == [2, 3, 1]
    assert set(dependency_graph(goal).edges) == {(3, 1), (2, 1)}
    with pytest.raises(SimulationError, match="cycle"):
        ordered_subgoals(
            Goal(
                (
                    SubGoal("a", 1, references={"x": GoalReference(2)}),
                    SubGoal("b", 2, references={"y": GoalReference(1)}),
                )
            )
        )
    with pytest.raises(SimulationError, match="does not have"):
        ordered_subgoals(Goal((SubGoal("a", 1, references={"x": GoalReference(7)}),)))
    with pytest.raises(SimulationError, match="unique"):
        ordered_subgoals(Goal((SubGoal("a", 1), SubGoal("b", 1))))


@pytest.mark.corpus
def test_multiwoz_goals_follow_the_corpus_and_taxis_go_between_places() -> None:
    from tests.conftest import require_shared
    from tod.data.corpus import load_corpus
    from tod.domain.database import open_database

    data = require_shared("multiwoz")
    db = open_database("multiwoz", data)
    corpus = load_corpus("multiwoz", data, splits=["val"])
    stats = GoalStats.from_goals([d.goal for d in corpus["val"]], db.domain.schemas)
    goals = GoalGenerator(db, GoalOptions(), stats).goals(300, seed=0)
    taxis = [s for g in goals for s in g.subgoals if s.domain == "taxi"]
    assert taxis and all(s.references or s.constraints.get("departure") for s in taxis)
    for goal in goals:
        ids = {s.id for s in goal.subgoals}
        for sub in goal.subgoals:
            assert all(r.subgoal in ids and r.subgoal < sub.id for r in sub.references.values())
            if sub.domain != "taxi":
                assert db.count(sub.domain, dict(sub.constraints)) >= 1
    trains = [s for g in goals for s in g.subgoals if s.domain == "train"]
    assert sum("departure" in s.constraints for s in trains) / len(trains) > 0.9  # the corpus always gives it


@pytest.mark.corpus
def test_crosswoz_references_point_at_pinned_entities() -> None:
    from tests.conftest import require_shared
    from tod.data.corpus import load_corpus
    from tod.domain.database import open_database

    data = require_shared("crosswoz")
    db = open_database("crosswoz", data)
    corpus = load_corpus("crosswoz", data, splits=["val"])
    stats = GoalStats.from_goals([d.goal for d in corpus["val"]], db.domain.schemas)
    goals = GoalGenerator(db, GoalOptions(), stats).goals(200, seed=0)
    referenced = 0
    for goal in goals:
        by_id = {s.id: s for s in goal.subgoals}
        for sub in goal.subgoals:
            for ref in sub.references.values():
                target = by_id[ref.subgoal]
                if target.domain in ("景点", "餐馆", "酒店"):
                    referenced += 1
                    assert db.count(target.domain, dict(target.constraints)) == 1  # "near id=1" means one entity
    assert referenced > 20


@pytest.mark.corpus
def test_crosswoz_taxis_go_between_places_and_metros_between_places_they_know() -> None:
    """CrossWOZ's taxi table is one template row ("出租 ($出发地 - $目的地)"), not a list of places: a taxi
    goes between the other sub-goals' entities (or named places), never from that row to itself."""
    from tests.conftest import require_shared
    from tod.data.corpus import load_corpus
    from tod.domain.database import open_database

    data = require_shared("crosswoz")
    db = open_database("crosswoz", data)
    corpus = load_corpus("crosswoz", data, splits=["val"])
    stats = GoalStats.from_goals([d.goal for d in corpus["val"]], db.domain.schemas)
    goals = GoalGenerator(db, GoalOptions(), stats).goals(400, seed=0)
    places = ("景点", "餐馆", "酒店")
    transports = [(g, s) for g in goals for s in g.subgoals if s.domain in ("出租", "地铁")]
    assert sum(s.domain == "出租" for _, s in transports) > 5 and sum(s.domain == "地铁" for _, s in transports) > 5
    for goal, sub in transports:
        by_id = {s.id: s for s in goal.subgoals}
        for slot in ("出发地", "目的地"):
            if slot in sub.references:
                assert by_id[sub.references[slot].subgoal].domain in places
            else:
                name = sub.constraints[slot]
                assert "$" not in name and any(db.lookup(d, name) is not None for d in places), (sub, name)
                if sub.domain == "地铁":  # the metro table must know the place's station
                    assert db.lookup("地铁", name) is not None
