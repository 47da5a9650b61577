"""Values the tagger missed: a categorical search value only one slot has ("a 5 star hotel": type hotel);
and requests of a slot the sub-domain lacks read again by the turn's words ("how much" of an attraction)."""

from __future__ import annotations

import pytest

from tod.acts import DialogueAct as A
from tod.domain.loader import load_domain
from tod.pipeline.reading import Words, requests_in_focus
from tod.pipeline.turn_words import turn_words
from tod.pipeline.values import missed_constraints


@pytest.fixture(scope="module")
def cityguide():
    return load_domain("cityguide")


def added(domain, text, acts=()):
    return missed_constraints(list(acts), text, domain)[len(acts):]


def test_a_value_only_one_slot_has_is_read(cityguide):
    assert added(cityguide, "I need a 5 star hotel in the south", [A("inform", "hotel", "area", "south")]) == (
        A("inform", "hotel", "type", "hotel"),
    )
    # the attraction's type, then its area: "north" is every sub-domain's, but only one slot's of attractions
    assert added(cityguide, "any museums up north?") == (
        A("inform", "attraction", "type", "museums"), A("inform", "attraction", "area", "north"))


@pytest.mark.parametrize(
    "text, acts",
    [
        ("a guesthouse please", [A("inform", "hotel", "type", "guesthouse")]),  # the tagger read it
        ("hotel or guesthouse, whatever", []),  # two values of one slot: which one?
        ("what time does the harbour view hotel open", [A("inform", "hotel", "name", "the harbour view hotel")]),
        ("a table near the museum", [A("inform", "restaurant", "area", "north")]),  # another sub-domain's turn
        ("somewhere in the north", []),  # a value several slots share
        ("hotels", [A("request", "hotel", "type", "?")]),  # spoken of already
        ("", []),
        ("\u202e" + "hotel" * 400, []),
    ],
)
def test_nothing_is_added_where_it_would_be_a_guess(cityguide, text, acts):
    assert added(cityguide, text, acts) == ()


def test_a_value_ruled_out_in_the_turn_leaves_the_other_one(cityguide):
    acts = [A("inform", "hotel", "area", "east"), A("exclude", "hotel", "type", "guesthouse")]
    assert added(cityguide, "a hotel in the east, not a guesthouse", acts) == (A("inform", "hotel", "type", "hotel"),)


def test_a_language_written_without_spaces_is_left_alone(cityguide):
    from dataclasses import replace

    chinese = replace(cityguide, language="zh")
    assert added(chinese, "I need a 5 star hotel") == ()


def test_a_request_of_a_slot_the_sub_domain_lacks_is_read_by_its_words(cityguide):
    words = Words.of("how much is it to get in?", turn_words(cityguide.language))
    acts = requests_in_focus([A("request", "attraction", "pricerange", "?")], words, cityguide)
    assert acts == (A("request", "attraction", "entrance fee", "?"),)


def test_a_request_the_words_do_not_explain_is_kept(cityguide):
    words = Words.of("blah blah", turn_words(cityguide.language))
    kept = [A("request", "attraction", "pricerange", "?"), A("request", "restaurant", "phone", "?")]
    assert requests_in_focus(kept, words, cityguide) == tuple(kept)
