"""One Rasa turn run by tod: which NLU reads it, where the state comes from, what is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tod.acts import GENERAL, DialogueAct
from tod.errors import RasaPayloadError
from tod.integrations.rasa.payloads import TrackerView, parse_tracker
from tod.integrations.rasa.service import (
    FROM_NEW,
    FROM_SLOTS,
    FROM_STORE,
    NAMESPACE,
    READ_BY_NONE,
    READ_BY_RASA,
    READ_BY_TOD,
    SLOT_ACTS,
    SLOT_BELIEF,
    SLOT_TURN,
    TOD_SLOTS,
    RasaConversations,
)
from tod.integrations.rasa.webhook_client import tracker_payload
from tod.pipeline.config import load_pipeline_config
from tod.pipeline.pipeline import Pipeline
from tod.state import ROUTE_FALLBACK
from tod.store import SQLiteStateStore

EMPTY_SLOTS = {name: None for name in TOD_SLOTS}
THAI = [{"entity": "restaurant-food", "value": "thai"}]
NORTH = [{"entity": "area", "value": "north"}]


def tracker(
    sender: str, slots: dict[str, Any], text: str = "", intent: str | None = None, entities: Any = ()
) -> TrackerView:
    return parse_tracker(tracker_payload(sender, slots, text=text, intent=intent, entities=entities))


@pytest.fixture()
def conversations(tiny_pipeline: Any, tmp_path: Path) -> RasaConversations:
    return RasaConversations(tiny_pipeline, SQLiteStateStore(tmp_path / "states.sqlite3", NAMESPACE))


def test_rasa_understanding_then_continuation_from_the_store(conversations: RasaConversations) -> None:
    first = conversations.respond(tracker("u1", EMPTY_SLOTS, "a thai place", "inform", THAI))
    assert (first.read_by, first.resumed_from, first.turn) == (READ_BY_RASA, FROM_NEW, 1)
    assert first.text
    slots = first.slots()
    assert slots[SLOT_TURN] == 1
    assert slots[SLOT_BELIEF]["restaurant"]["constraints"] == {"food": "thai"}
    assert slots[SLOT_ACTS] == [a.to_dict() for a in first.state.system_acts] and slots[SLOT_ACTS]

    second = conversations.respond(tracker("u1", slots, "in the north", "inform", NORTH))
    assert (second.resumed_from, second.turn) == (FROM_STORE, 2)
    assert second.state.belief["restaurant"].constraints == {"food": "thai", "area": "north"}
    stored = conversations.store.load("u1")
    assert stored is not None and stored.turn == 2
    assert [t.text for t in stored.state.history][::2] == ["a thai place", "in the north"]


def test_tod_reads_what_rasa_did_not_understand(conversations: RasaConversations) -> None:
    reply = conversations.respond(tracker("u2", EMPTY_SLOTS, "hello there", "nlu_fallback"))
    assert reply.read_by == READ_BY_TOD and reply.turn == 1 and reply.text


def test_cleared_turn_slot_starts_a_new_dialogue(conversations: RasaConversations) -> None:
    first = conversations.respond(tracker("u3", EMPTY_SLOTS, "thai", "inform", THAI))
    again = conversations.respond(tracker("u3", EMPTY_SLOTS, "north", "inform", NORTH))
    assert again.resumed_from == FROM_NEW and again.turn == 1
    assert "food" not in again.state.belief["restaurant"].constraints
    assert first.turn == 1


def test_lost_or_behind_store_resumes_from_the_slots(conversations: RasaConversations, tmp_path: Path) -> None:
    first = conversations.respond(tracker("u4", EMPTY_SLOTS, "thai", "inform", THAI))
    fresh = RasaConversations(conversations.pipeline, SQLiteStateStore(tmp_path / "other.sqlite3", NAMESPACE))
    resumed = fresh.respond(tracker("u4", first.slots(), "north", "inform", NORTH))
    assert (resumed.resumed_from, resumed.turn) == (FROM_SLOTS, 2)
    assert resumed.state.belief["restaurant"].constraints == {"food": "thai", "area": "north"}
    behind = conversations.respond(tracker("u4", first.slots(), "north", "inform", NORTH))
    assert behind.resumed_from == FROM_STORE and behind.turn == 2
    # now the store is ahead of the tracker (as when Rasa never received turn 2): the tracker wins
    replay = conversations.respond(tracker("u4", first.slots(), "north", "inform", NORTH))
    assert (replay.resumed_from, replay.turn) == (FROM_SLOTS, 2)


def test_without_tod_slots_in_the_domain_the_store_keeps_the_dialogue(conversations: RasaConversations) -> None:
    conversations.respond(tracker("u5", {}, "thai", "inform", THAI))
    second = conversations.respond(tracker("u5", {"unrelated": 1}, "north", "inform", NORTH))
    assert (second.resumed_from, second.turn) == (FROM_STORE, 2)
    assert second.state.belief["restaurant"].constraints == {"food": "thai", "area": "north"}


@pytest.mark.parametrize(
    "slots, field",
    [
        ({SLOT_TURN: "two"}, "tracker.slots.tod_turn"),
        ({SLOT_TURN: -1}, "tracker.slots.tod_turn"),
        ({SLOT_TURN: 1, SLOT_BELIEF: {"restaurant": {"constraints": {"food": 3}}}}, "tracker.slots.tod_belief"),
        ({SLOT_TURN: 1, SLOT_ACTS: "bye"}, "tracker.slots.tod_acts"),
        ({SLOT_TURN: 1, SLOT_ACTS: [{"domain": "x"}]}, "tracker.slots.tod_acts"),
    ],
)
def test_bad_tod_slots_are_refused(conversations: RasaConversations, slots: dict[str, Any], field: str) -> None:
    with pytest.raises(RasaPayloadError) as caught:
        conversations.respond(tracker("u6", {**EMPTY_SLOTS, **slots}, "thai", "inform", THAI))
    assert caught.value.field == field
    assert conversations.store.load("u6") is None


def test_reset_forgets_and_greets(conversations: RasaConversations) -> None:
    conversations.respond(tracker("u7", EMPTY_SLOTS, "thai", "inform", THAI))
    welcome = conversations.reset("u7")
    assert welcome and conversations.store.load("u7") is None


@pytest.fixture(scope="module")
def acts_only_pipeline() -> Pipeline:
    return Pipeline.from_config(load_pipeline_config("cityguide"), progress=False, acts_only=True)


def test_acts_only_pipeline_uses_rasas_acts(acts_only_pipeline: Pipeline, tmp_path: Path) -> None:
    assert acts_only_pipeline.nlu is None and acts_only_pipeline.fallback is None
    conversations = RasaConversations(acts_only_pipeline, SQLiteStateStore(tmp_path / "s.sqlite3", NAMESPACE))
    assert conversations.acts_only
    reply = conversations.respond(tracker("a1", EMPTY_SLOTS, "a thai place", "inform", THAI))
    assert (reply.read_by, reply.turn) == (READ_BY_RASA, 1) and reply.text
    assert reply.state.belief["restaurant"].constraints == {"food": "thai"}


@pytest.mark.parametrize("intent", ["nlu_fallback", "out_of_scope", None, "inform"])
def test_acts_only_message_without_acts_gets_the_reqmore_line(
    acts_only_pipeline: Pipeline, tmp_path: Path, intent: str | None
) -> None:
    """An acts-only server reads no text: a message that maps to no acts (an unmapped intent, no intent, or
    an inform without entities) is a turn nobody understood: the reqmore line, belief and acts unchanged."""
    conversations = RasaConversations(acts_only_pipeline, SQLiteStateStore(tmp_path / "s.sqlite3", NAMESPACE))
    first = conversations.respond(tracker("a2", EMPTY_SLOTS, "a thai place", "inform", THAI))
    second = conversations.respond(tracker("a2", first.slots(), "tell me a joke", intent))
    assert (second.read_by, second.resumed_from, second.turn) == (READ_BY_NONE, FROM_STORE, 2)
    assert second.text == acts_only_pipeline.nlg.generate([DialogueAct("reqmore", GENERAL)], first.state)
    assert second.state.route == ROUTE_FALLBACK
    assert second.state.belief == first.state.belief and second.state.system_acts == first.state.system_acts
    assert second.slots()[SLOT_BELIEF] == first.slots()[SLOT_BELIEF]
    stored = conversations.store.load("a2")
    assert stored is not None and stored.turn == 2
    assert [t.text for t in stored.state.history] == ["a thai place", first.text, "tell me a joke", second.text]
