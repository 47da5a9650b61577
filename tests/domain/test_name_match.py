"""Misspelt entity names matched against the database: sure, a guess to ask about, or nothing close."""

from __future__ import annotations

import pytest

from tod.domain.database import Database, open_database
from tod.domain.name_match import GUESS_SCORE, MAX_NAME_LENGTH, NameMatch, match_name


@pytest.fixture(scope="module")
def city() -> Database:
    return open_database("cityguide")


@pytest.mark.parametrize(
    ("said", "subdomain", "name"),
    [
        ("trattoria luca", "restaurant", "trattoria lucca"),
        ("Trattoria Luca", "restaurant", "trattoria lucca"),
        ("grand beakon", "hotel", "the grand beacon"),
        ("the grand beakon", "hotel", "the grand beacon"),
        ("velvet rooom", "attraction", "the velvet room"),
        ("casle keep", "attraction", "castle keep"),
        ("regant hotel", "hotel", "the regent hotel"),
        ("salt & ancor", "restaurant", "the salt and anchor"),  # & is "and"
        ("lemmongrass", "restaurant", "lemongrass"),
        ("fishermen's rest", "restaurant", "the fishermans rest"),  # apostrophes do not count
        ("st brendans church", "attraction", "st brendan's church"),
    ],
)
def test_a_misspelt_name_surely_means_the_closest_one(city: Database, said: str, subdomain: str, name: str) -> None:
    found = match_name(city, city.subdomains, said)
    assert found is not None and found.sure, found
    assert (found.subdomain, found.name) == (subdomain, name)


def test_an_exact_name_is_sure_with_score_one(city: Database) -> None:
    assert match_name(city, city.subdomains, "The Mariner Hotel") == NameMatch("hotel", "the mariner hotel", 1.0, True)


def test_a_distant_spelling_is_a_guess_not_sure(city: Database) -> None:
    found = match_name(city, ["hotel"], "saltmarsh b&b")
    assert found is not None and not found.sure and found.name == "saltmarsh bed and breakfast"
    assert GUESS_SCORE <= found.score < 1


def test_only_the_given_sub_domains_are_searched(city: Database) -> None:
    assert match_name(city, ["restaurant"], "velvet rooom") is None  # an attraction's name
    found = match_name(city, ["attraction"], "velvet rooom")
    assert found is not None and found.name == "the velvet room"
    assert match_name(city, ["no such sub-domain"], "velvet rooom") is None
    assert match_name(city, [], "velvet rooom") is None


@pytest.mark.parametrize(
    "said",
    ["the quantum zeppelin", "hotel", "", "   ", "the", "x" * (MAX_NAME_LENGTH + 1), "'; DROP TABLE restaurant; --",
     "<script>alert(1)</script>", "\u202e\u202e", "1e300", "🍕🍕🍕"],
)
def test_nothing_close_is_no_match(city: Database, said: str) -> None:
    assert match_name(city, city.subdomains, said) is None


def test_a_name_equally_close_to_two_names_is_never_sure() -> None:
    city = open_database("cityguide")
    found = match_name(city, ["attraction"], "the electric cinemas")
    assert found is not None and found.sure and found.name == "the electric cinema"
    # "orchard" is in a hotel's and an attraction's name: neither is sure
    between = match_name(city, ["hotel", "attraction"], "orchard")
    assert between is None or not between.sure


def test_names_written_in_free_text_are_found_exactly_or_surely_misspelt(city: Database) -> None:
    from tod.domain.name_match import names_in_text

    found = names_in_text(city, city.subdomains, "wheres the salt & ancor, and is orchard house nice?")
    assert [(m.subdomain, m.name) for m in found] == [("restaurant", "the salt and anchor"), ("hotel", "orchard house")]
    assert names_in_text(city, city.subdomains, "a cheap italian restaurant in the centre please") == []
    assert names_in_text(city, ["no such sub-domain"], "orchard house") == []
    assert names_in_text(city, city.subdomains, "word " * 500) == []  # too long to be a turn worth scanning
