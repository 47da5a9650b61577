"""Values the tagger cut short are widened to the slot's known form the text writes around them."""

from __future__ import annotations

import pytest

from tod.acts import DialogueAct as A
from tod.domain.loader import load_domain
from tod.pipeline.values import known_forms, widen_values


@pytest.fixture(scope="module")
def city():
    return load_domain("cityguide")


def test_a_value_inside_a_longer_known_value_is_widened(city) -> None:
    text = "I'd like to go to a Swimming Pool please"
    assert "swimming pool" in known_forms(city, "attraction", "type")
    widened = widen_values([A("inform", "attraction", "type", "pool")], text, city)
    assert widened == (A("inform", "attraction", "type", "Swimming Pool"),)  # as written


def test_a_value_also_written_alone_or_not_inside_is_kept(city) -> None:
    alone = "a pool, or a swimming pool"
    assert widen_values([A("inform", "attraction", "type", "pool")], alone, city)[0].value == "pool"
    assert widen_values([A("inform", "attraction", "type", "pool")], "a pool", city)[0].value == "pool"


def test_only_informs_with_a_known_slot_are_touched(city) -> None:
    text = "a swimming pool"
    acts = [
        A("request", "attraction", "type", "pool"),  # not an inform
        A("inform", "attraction", "area", "pool"),  # no such form for the slot
        A("inform", "nowhere", "type", "pool"),  # no such sub-domain
        A("inform", "attraction", "nothing", "pool"),  # no such slot
        A("inform", "attraction", "type", ""),
        A("inform", "attraction", "type", "dontcare"),
        A("thank", "general"),
    ]
    assert widen_values(acts, text, city) == tuple(acts)


@pytest.mark.parametrize("text", ["", "ß" * 50 + " swimming pool", "\u202e pool", "pool" * 500])
def test_hostile_text_never_breaks_it(city, text: str) -> None:
    (act,) = widen_values([A("inform", "attraction", "type", "pool")], text, city)
    assert act.value.casefold() in ("pool", "swimming pool")


@pytest.mark.corpus
def test_crosswoz_not_free_is_not_free() -> None:
    from tests.conftest import require_shared

    crosswoz = load_domain("crosswoz", data_dir=require_shared("crosswoz"))
    (act,) = widen_values([A("inform", "景点", "门票", "免费")], "游玩时间3天的景点。门票要不免费。", crosswoz)
    assert act.value == "不免费"
    (act,) = widen_values([A("inform", "景点", "门票", "免费")], "门票要免费。", crosswoz)
    assert act.value == "免费"
