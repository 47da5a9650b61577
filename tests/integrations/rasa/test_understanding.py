"""Rasa's intent and entities as tod acts, and the mapping file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tod.acts import DialogueAct
from tod.domain.loader import load_domain
from tod.domain.ontology import Domain
from tod.errors import ConfigError
from tod.integrations.rasa.payloads import RasaEntity, UserMessage
from tod.integrations.rasa.understanding import RasaMapping, acts_from_message, entity_text, load_mapping


@pytest.fixture(scope="module")
def domain() -> Domain:
    return load_domain("cityguide")


def message(intent: str, *entities: tuple[str, object] | RasaEntity, text: str = "") -> UserMessage:
    made = tuple(e if isinstance(e, RasaEntity) else RasaEntity(e[0], e[1]) for e in entities)
    return UserMessage(text=text, intent=intent, confidence=0.9, entities=made)


def test_inform_with_domain_slot_and_bare_slot_entities(domain: Domain) -> None:
    acts = acts_from_message(message("inform", ("restaurant-food", "thai"), ("area", "north")), domain)
    assert acts == (DialogueAct("inform", "restaurant", "food", "thai"), DialogueAct("inform", "", "area", "north"))


def test_role_and_domain_entity_give_the_sub_domain(domain: Domain) -> None:
    by_role = acts_from_message(message("inform", RasaEntity("area", "east", role="hotel")), domain)
    assert by_role == (DialogueAct("inform", "hotel", "area", "east"),)
    by_entity = acts_from_message(message("inform", ("domain", "hotel"), ("stars", 4)), domain)
    assert by_entity == (DialogueAct("inform", "hotel", "stars", "4"),)
    alone = acts_from_message(message("inform", ("domain", "restaurant")), domain)
    assert alone == (DialogueAct("inform", "restaurant"),)


def test_requests_general_intents_and_reqalts(domain: Domain) -> None:
    asked = acts_from_message(
        message("request", ("requested_slot", "phone"), ("restaurant-postcode", "postcode")), domain
    )
    assert asked == (DialogueAct("request", "", "phone", "?"), DialogueAct("request", "restaurant", "postcode", "?"))
    assert acts_from_message(message("goodbye"), domain) == (DialogueAct("bye", "general"),)
    assert acts_from_message(message("affirm", ("people", 4.0)), domain) == (
        DialogueAct("affirm", "general"),
        DialogueAct("inform", "", "people", "4"),
    )
    assert acts_from_message(message("reqalts", ("domain", "hotel")), domain) == (DialogueAct("reqalts", "hotel"),)


def test_what_tod_reads_itself(domain: Domain) -> None:
    """Unknown intents, nlu_fallback, no intent, chitchat, and an inform with nothing usable: tod's NLU."""
    for intent in ("nlu_fallback", "mood_great", "", "chitchat", "out_of_scope"):
        assert acts_from_message(message(intent, ("restaurant-food", "thai")), domain) == ()
    unusable = message("inform", ("colour", "red"), ("restaurant-food", {"duckling": 1}), ("hotel-nonsense", "x"))
    assert acts_from_message(unusable, domain) == ()


def test_entity_text() -> None:
    assert [entity_text(v) for v in ("  thai ", 3, 2.0, 2.5, True, None, [1], float("nan"), " ")] == [
        "thai",
        "3",
        "2",
        "2.5",
        "yes",
        None,
        None,
        None,
        None,
    ]


def test_mapping_file(tmp_path: Path, domain: Domain) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("intents: {book_table: inform}\nentities: {cuisine: restaurant-food, what: requested_slot}\n")
    mapping = load_mapping(path)
    assert acts_from_message(message("book_table", ("cuisine", "thai")), domain, mapping) == (
        DialogueAct("inform", "restaurant", "food", "thai"),
    )
    assert acts_from_message(message("request", ("what", "address")), domain, mapping) == (
        DialogueAct("request", "", "address", "?"),
    )
    assert mapping.intent("goodbye") == "bye"  # the defaults stay
    assert RasaMapping().target("cuisine") == "cuisine"


@pytest.mark.parametrize(
    "text, words",
    [
        ("intents: {book: reserve}\n", "maps to 'reserve'; expected one of"),
        ("colours: {}\n", "unknown key"),
        ("intents: [a, b]\n", "mapping of names to names"),
        ("- a\n", "expected a mapping"),
        ("intents: {a: [\n", "not valid YAML"),
    ],
)
def test_bad_mapping_files(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "map.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=words):
        load_mapping(path)
    with pytest.raises(ConfigError, match=r"absent\.yaml: expected the Rasa mapping file, found nothing there"):
        load_mapping(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    "text, entity, start, end, slot",
    [
        ("for 2 nights from monday", "people", 4, 5, "stay"),  # Rasa's tagger took the nights for people
        ("3 nights", "people", 0, 1, "stay"),
        ("3 nights", "stay", 0, 1, "stay"),
        ("for 2 people", "stay", 4, 5, "people"),
        ("for 2 people for 3 nights", "people", 4, 5, "people"),
        ("a table for 2 on friday", "people", 12, 13, "people"),  # no unit: as Rasa said
        ("a hotel with 4 stars", "hotel-stars", 13, 14, "stars"),
    ],
)
def test_a_number_followed_by_a_unit_fills_the_slot_of_that_unit(
    domain: Domain, text: str, entity: str, start: int, end: int, slot: str
) -> None:
    message = UserMessage(text, "inform", 0.9, (RasaEntity(entity, text[start:end], start=start, end=end),))
    (act,) = acts_from_message(message, domain)
    assert act.slot == slot and act.value == text[start:end]
