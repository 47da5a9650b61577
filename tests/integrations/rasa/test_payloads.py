"""Checked parsing of Rasa action calls: good calls become typed values, bad ones name the field."""

from __future__ import annotations

from typing import Any

import pytest

from tod.errors import RasaPayloadError
from tod.integrations.rasa.payloads import MAX_SENDER_ID, RasaEntity, parse_action_call, parse_message, parse_tracker
from tod.integrations.rasa.webhook_client import action_call, domain_payload, tracker_payload


def rasa_call(**changes: Any) -> dict[str, Any]:
    tracker = tracker_payload(
        "user-1",
        {"tod_turn": 2, "other": "x"},
        text="a thai place",
        intent="inform",
        confidence=0.93,
        entities=[{"entity": "restaurant-food", "value": "thai", "start": 2, "end": 6, "extractor": "DIETClassifier"}],
    )
    call = action_call("action_tod_respond", tracker, domain_payload(["tod_turn", "other"], ["action_tod_respond"]))
    call.update(changes)
    return call


def test_a_rasa_call_parses() -> None:
    call = parse_action_call(rasa_call())
    assert call.next_action == "action_tod_respond"
    assert call.tracker.sender_id == "user-1"
    assert call.tracker.slot("tod_turn") == 2 and call.tracker.slot("missing") is None
    message = call.tracker.latest_message
    assert (message.text, message.intent, message.confidence) == ("a thai place", "inform", 0.93)
    assert message.entities == (RasaEntity("restaurant-food", "thai", start=2, end=6),)
    assert call.domain_slots == frozenset({"tod_turn", "other"})
    assert call.tracker.latest_action_name == "action_listen"


def test_minimal_tracker_and_nulls() -> None:
    view = parse_tracker({"sender_id": "x", "slots": None, "latest_message": None})
    assert view.slots == {} and view.latest_message.text == "" and view.latest_message.intent == ""
    message = parse_tracker({"sender_id": "x", "latest_message": {"text": None, "intent": {}, "entities": None}})
    assert message.latest_message.confidence == 1.0
    assert parse_action_call({"next_action": "a", "tracker": {"sender_id": "x"}}).domain_slots is None


@pytest.mark.parametrize(
    "body, field, words",
    [
        ([1, 2], "the action call", "expected a JSON object, found array"),
        ({"tracker": {"sender_id": "x"}}, "next_action", "missing"),
        ({"next_action": 5, "tracker": {"sender_id": "x"}}, "next_action", "expected a string, found int"),
        ({"next_action": "a"}, "tracker", "missing; expected the conversation tracker"),
        ({"next_action": "a", "tracker": "x"}, "tracker", "expected a JSON object, found string"),
        ({"next_action": "a", "tracker": {}}, "tracker.sender_id", "missing"),
        ({"next_action": "a", "tracker": {"sender_id": ""}}, "tracker.sender_id", "non-empty string"),
        ({"next_action": "a", "tracker": {"sender_id": 7}}, "tracker.sender_id", "found int 7"),
        ({"next_action": "a", "tracker": {"sender_id": "a\x00b"}}, "tracker.sender_id", "control characters"),
        ({"next_action": "a", "tracker": {"sender_id": "x" * (MAX_SENDER_ID + 1)}}, "tracker.sender_id", "at most"),
        ({"next_action": "a", "sender_id": "y", "tracker": {"sender_id": "x"}}, "sender_id", "differs"),
        ({"next_action": "a", "tracker": {"sender_id": "x", "slots": []}}, "tracker.slots", "JSON object"),
        ({"next_action": "a", "tracker": {"sender_id": "x", "events": {}}}, "tracker.events", "an array"),
        ({"next_action": "a", "version": 3, "tracker": {"sender_id": "x"}}, "version", "expected a string"),
        ({"next_action": "a", "domain": [], "tracker": {"sender_id": "x"}}, "domain", "JSON object"),
        (
            {"next_action": "a", "domain": {"slots": []}, "tracker": {"sender_id": "x"}},
            "domain.slots",
            "slot definitions",
        ),
    ],
)
def test_bad_calls_name_the_field(body: Any, field: str, words: str) -> None:
    with pytest.raises(RasaPayloadError, match=words) as caught:
        parse_action_call(body)
    assert caught.value.field == field


@pytest.mark.parametrize(
    "message, field, words",
    [
        ("hi", "tracker.latest_message", "JSON object"),
        ({"text": 4}, "tracker.latest_message.text", "expected a string"),
        ({"intent": "inform"}, "tracker.latest_message.intent", "JSON object"),
        ({"intent": {"name": 1}}, "tracker.latest_message.intent.name", "string"),
        ({"intent": {"name": "a", "confidence": 1.5}}, "tracker.latest_message.intent.confidence", r"\[0, 1\]"),
        ({"intent": {"name": "a", "confidence": "high"}}, "tracker.latest_message.intent.confidence", r"\[0, 1\]"),
        ({"intent": {"name": "a", "confidence": True}}, "tracker.latest_message.intent.confidence", r"\[0, 1\]"),
        ({"entities": {}}, "tracker.latest_message.entities", "array of entities"),
        ({"entities": [{"value": "x"}]}, "tracker.latest_message.entities[0].entity", "missing"),
        ({"entities": [{"entity": "food"}]}, "tracker.latest_message.entities[0].value", "needs a value"),
        (
            {"entities": [{"entity": "food", "value": "x", "role": 3}]},
            "tracker.latest_message.entities[0].role",
            "string",
        ),
    ],
)
def test_bad_messages_name_the_field(message: Any, field: str, words: str) -> None:
    with pytest.raises(RasaPayloadError, match=words) as caught:
        parse_tracker({"sender_id": "x", "latest_message": message})
    assert caught.value.field == field
    assert str(caught.value).startswith(field + ": ")


@pytest.mark.parametrize("offset", ["2", -1, 2.5, True, 10**8])
def test_entity_offsets_must_be_character_positions(offset: object) -> None:
    entity = {"entity": "people", "value": 2, "start": offset, "end": 5}
    with pytest.raises(RasaPayloadError) as caught:
        parse_message({"text": "for 2 people", "entities": [entity]})
    assert caught.value.field == "tracker.latest_message.entities[0].start"
