"""The query engine honours exclusions: an entity with an excluded value is never a match."""

from __future__ import annotations

import pytest

from tod.belief import BeliefState, DomainBelief
from tod.domain.database import Database, open_database
from tod.domain.matches import query_belief, query_exclusions
from tod.errors import QueryError


@pytest.fixture(scope="module")
def db() -> Database:
    return open_database("cityguide")


def areas(entities) -> set[str]:
    return {e.get("area") for e in entities}


def test_an_excluded_value_is_never_matched(db: Database) -> None:
    everything = db.query("restaurant", {})
    found = db.query("restaurant", {}, excluded={"area": ["north"]})
    assert found and "north" not in areas(found)
    assert len(found) == len([e for e in everything if e.get("area") != "north"])


def test_exclusions_combine_with_constraints_and_each_other(db: Database) -> None:
    found = db.query("restaurant", {"pricerange": "cheap"}, excluded={"area": ["north", "centre"], "food": ["chinese"]})
    assert found
    assert all(e.get("pricerange") == "cheap" and e.get("area") not in ("north", "centre") for e in found)
    assert all(e.get("food") != "chinese" for e in found)
    assert db.count("restaurant", {"pricerange": "cheap"}, {"area": ["north", "centre"], "food": ["chinese"]}) == len(found)


def test_excluding_the_constrained_value_leaves_nothing(db: Database) -> None:
    assert db.query("hotel", {"type": "hotel"}, excluded={"type": ["hotel"]}) == []


def test_values_are_normalised_like_constraints(db: Database) -> None:
    assert db.query("restaurant", {}, excluded={"area": ["North "]}) == db.query("restaurant", {}, excluded={"area": ["north"]})


def test_meets_checks_exclusions(db: Database) -> None:
    north = db.query("restaurant", {"area": "north"}, top_k=1)[0]
    assert db.meets(north, {"area": "north"})
    assert not db.meets(north, {}, {"area": ["north"]})
    assert db.meets(north, {}, {"area": ["south"]})


def test_dontcare_and_unknown_values_exclude_nothing(db: Database) -> None:
    total = db.count("restaurant")
    assert db.count("restaurant", excluded={"area": ["dontcare"]}) == total
    assert db.count("restaurant", excluded={"area": ["mars"]}) == total
    assert db.count("restaurant", excluded={"area": []}) == total


@pytest.mark.parametrize(
    "excluded, message",
    [
        ({"colour": ["red"]}, "unknown slot"),
        ({"area": "north"}, "expected a list of values"),
        ({"area": None}, "expected a list of values"),
        (["area"], "expected slot -> values"),
    ],
)
def test_malformed_exclusions_are_query_errors(db: Database, excluded: object, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        db.query("restaurant", {}, excluded=excluded)  # type: ignore[arg-type]


def test_query_belief_honours_the_beliefs_exclusions(db: Database) -> None:
    belief = BeliefState({"hotel": DomainBelief({"area": "east"}, excluded={"type": ("guesthouse",)})})
    results = query_belief(db, belief, top_k=50)["hotel"]
    expected = db.query("hotel", {"area": "east", "type": "hotel"})
    assert results.count == len(expected) and [m.name for m in results.matches] == [e.name for e in expected]


def test_query_belief_with_only_exclusions_queries_the_subdomain(db: Database) -> None:
    results = query_belief(db, BeliefState({"restaurant": DomainBelief(excluded={"area": ("north",)})}), top_k=100)
    assert results["restaurant"].count == db.count("restaurant", excluded={"area": ["north"]})


def test_exclusions_the_database_cannot_use_are_left_out(db: Database) -> None:
    hostile = {"colour": ("red",), "stars": ("lots", "4"), "people": ("4",), "area": ("north",)}
    kept = query_exclusions(db, "hotel", hostile)
    assert kept == {"stars": ("4",), "area": ("north",)}
    results = query_belief(db, BeliefState({"hotel": DomainBelief(excluded=hostile)}), top_k=100)["hotel"]
    assert results.count == db.count("hotel", excluded=kept)
