"""Values from Rasa judged by the ontology: entities, ``tod_belief`` and ``tod_acts``."""

from __future__ import annotations

import logging

import pytest

from tod.acts import GENERAL, DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.domain.loader import load_domain
from tod.errors import RasaPayloadError
from tod.integrations.rasa.payloads import RasaEntity, UserMessage
from tod.integrations.rasa.understanding import acts_from_message
from tod.integrations.rasa.values import MAX_VALUE, ValueCheck, text_problem

R, H = "restaurant", "hotel"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def check() -> ValueCheck:
    return ValueCheck(load_domain("cityguide"))


@pytest.mark.parametrize(
    "subdomain, slot, value, kept",
    [
        (R, "food", "italian", "italian"),
        (R, "food", "Pizza", "italian"),  # a synonym
        (R, "area", "center", "centre"),
        (R, "area", "dontcare", "dontcare"),
        (R, "people", "4", "4"),
        (R, "people", "four", "4"),
        (R, "people", "20", "20"),
        (R, "time", "7pm", "19:00"),
        (R, "day", "Friday", "friday"),
        (H, "stay", "3", "3"),
        (H, "parking", "free", "yes"),
        (R, "name", "trattoria lucca", "trattoria lucca"),
        (R, "name", "Joe's Diner & Bar", "joe's diner & bar"),  # a name the database lacks is still a name
        ("", "type", "museum", "museum"),  # no sub-domain yet: the attraction's type fits
        ("", "people", "2", "2"),
    ],
)
def test_values_that_fit_their_slot_are_kept(
    check: ValueCheck, subdomain: str, slot: str, value: str, kept: str
) -> None:
    checked = check.value(subdomain, slot, value)
    assert checked.ok and checked.value == kept


@pytest.mark.parametrize(
    "subdomain, slot, value, words",
    [
        (R, "people", "2018", "within 1 to 20"),  # "who won the world cup in 2018?"
        (R, "people", "0", "positive whole number"),
        (R, "people", "-3", "positive whole number"),
        (R, "people", "2.5", "positive whole number"),
        (R, "people", "1e300", "must be a number"),
        (R, "people", "many", "must be a number"),
        (R, "people", "9" * 40, "people must be"),
        (H, "stay", "45", "within 1 to 30"),
        (R, "time", "04:00", "within 09:00 to 23:30"),
        (R, "time", "25 o'clock", "a time like 19:30"),
        (R, "area", "yes", "must be one of"),  # entity area=true
        (R, "food", SCRIPT, "plain text"),
        (R, "food", "martian", "must be one of"),
        (R, "name", SCRIPT, "plain text"),
        (R, "name", "{{ 7 * 7 }}", "plain text"),
        (R, "name", "a\x00b", "plain text"),
        (R, "name", "x" * (MAX_VALUE + 1), f"at most {MAX_VALUE}"),
        (R, "name", "caf\udce9", "lone surrogate"),
        (R, "colour", "red", "no slot"),
        ("", "type", "spaceport", "must be one of"),
    ],
)
def test_values_that_do_not_fit_are_refused_with_the_reason(
    check: ValueCheck, subdomain: str, slot: str, value: str, words: str
) -> None:
    checked = check.value(subdomain, slot, value)
    assert not checked.ok and words in (checked.problem or "")


def test_text_problem_passes_what_a_database_holds() -> None:
    for value in ("01632960265", "12 Harbour Street, HB1 2AA", "£5.50", "10:00-17:00; closed mondays", "故宫"):
        assert text_problem(value) is None, value


@pytest.mark.parametrize(
    "entities, expected",
    [
        ([("people", 2018)], ()),
        ([("area", True)], ()),
        ([("restaurant-food", SCRIPT)], ()),
        ([("people", 2018), ("day", "friday")], (DialogueAct("inform", "", "day", "friday"),)),
        ([("people", 4)], (DialogueAct("inform", "", "people", "4"),)),
    ],
)
def test_entities_that_do_not_fit_give_no_act_and_are_logged(
    check: ValueCheck,
    entities: list[tuple[str, object]],
    expected: tuple[DialogueAct, ...],
    caplog: pytest.LogCaptureFixture,
) -> None:
    message = UserMessage("who won the world cup in 2018?", "inform", 0.9, tuple(RasaEntity(e, v) for e, v in entities))
    with caplog.at_level(logging.WARNING, logger="tod.rasa"):
        acts = acts_from_message(message, check.domain, check=check)
    assert acts == expected
    refused = len(entities) - len(expected)
    assert len([r for r in caplog.records if "refused" in r.getMessage()]) == refused


def test_a_domain_entity_still_names_the_sub_domain_when_its_values_are_refused(check: ValueCheck) -> None:
    message = UserMessage("a restaurant for 2018", "inform", 0.9, (RasaEntity("domain", R), RasaEntity("people", 2018)))
    assert acts_from_message(message, check.domain, check=check) == (DialogueAct("inform", R),)


def belief(**parts: DomainBelief) -> BeliefState:
    return BeliefState(dict(parts))


def test_belief_values_are_checked_and_bad_ones_dropped(check: ValueCheck, caplog: pytest.LogCaptureFixture) -> None:
    sent = belief(
        restaurant=DomainBelief(
            constraints={"food": SCRIPT, "area": "north", "pricerange": "dontcare"},
            booking={"people": "2018", "day": "friday"},
            requested=("phone",),
            excluded={"food": ["thai", SCRIPT]},
        )
    )
    with caplog.at_level(logging.WARNING, logger="tod.rasa"):
        kept = check.belief(sent, "tracker.slots.tod_belief", "test")
    part = kept[R]
    assert dict(part.constraints) == {"area": "north", "pricerange": "dontcare"}
    assert dict(part.booking) == {"day": "friday"}
    assert part.requested == ("phone",) and dict(part.excluded) == {"food": ("thai",)}
    assert len([r for r in caplog.records if "dropped" in r.getMessage()]) == 3


@pytest.mark.parametrize(
    "sent, words",
    [
        (belief(spaceport=DomainBelief(constraints={"area": "north"})), "unknown sub-domain 'spaceport'"),
        (belief(restaurant=DomainBelief(constraints={"colour": "red"})), "'colour' is no informable slot"),
        (belief(restaurant=DomainBelief(constraints={"people": "2"})), "'people' is no informable slot"),
        (belief(restaurant=DomainBelief(booking={"stay": "2"})), "'stay' is no bookable slot"),
        (belief(restaurant=DomainBelief(requested=("secret",))), "'secret' is no requestable slot"),
        (belief(restaurant=DomainBelief(excluded={"colour": ["red"]})), "'colour' is no informable slot"),
        (belief(restaurant=DomainBelief(booked=({"ref": SCRIPT},))), "booking record"),
    ],
)
def test_unknown_sub_domains_and_slots_in_the_belief_are_refused(
    check: ValueCheck, sent: BeliefState, words: str
) -> None:
    with pytest.raises(RasaPayloadError) as info:
        check.belief(sent, "tracker.slots.tod_belief", "test")
    assert words in str(info.value) and info.value.field.startswith("tracker.slots.tod_belief")


def test_system_acts_keep_database_values_and_drop_strangers(check: ValueCheck) -> None:
    good = (
        DialogueAct("recommend", R, "name", "trattoria lucca"),
        DialogueAct("inform", R, "phone", "01632960265"),
        DialogueAct("book", R, "ref", "KQ0PB7BS"),
        DialogueAct("offerbook", R),
        DialogueAct("reqmore", GENERAL),
    )
    bad = (
        DialogueAct("recommend", R, "name", SCRIPT),
        DialogueAct("inform", "spaceport", "name", "x"),
        DialogueAct("inform", R, "colour", "red"),
    )
    assert check.system_acts(good + bad, "tracker.slots.tod_acts", "test") == good
