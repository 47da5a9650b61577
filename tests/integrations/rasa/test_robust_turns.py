"""Rasa turns a production assistant sends: bad values, distinct references, counters, long conversations.

The pipeline is the city guide built acts-only (Rasa's understanding only, no model), so every turn is
decided by the values Rasa sends and the tests run in seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tod.errors import RasaPayloadError
from tod.integrations.rasa.payloads import TrackerView, parse_tracker
from tod.integrations.rasa.service import (
    FROM_NEW,
    FROM_SLOTS,
    FROM_STORE,
    MAX_TURN,
    NAMESPACE,
    SLOT_BELIEF,
    SLOT_TURN,
    TOD_SLOTS,
    RasaConversations,
    TodReply,
)
from tod.integrations.rasa.webhook_client import tracker_payload
from tod.pipeline.config import load_pipeline_config
from tod.pipeline.pipeline import Pipeline
from tod.store import SQLiteStateStore

EMPTY = {name: None for name in TOD_SLOTS}
SCRIPT = "<script>alert(1)</script>"
BOOK_LUCCA = [
    {"entity": "restaurant-name", "value": "trattoria lucca"},
    {"entity": "people", "value": 2},
    {"entity": "day", "value": "friday"},
    {"entity": "time", "value": "19:00"},
]


@pytest.fixture(scope="module")
def acts_pipeline() -> Pipeline:
    return Pipeline.from_config(load_pipeline_config("cityguide"), acts_only=True, progress=False)


@pytest.fixture()
def conversations(acts_pipeline: Pipeline, tmp_path: Path) -> RasaConversations:
    return RasaConversations(acts_pipeline, SQLiteStateStore(tmp_path / "states.sqlite3", NAMESPACE))


def tracker(
    sender: str, slots: dict[str, Any], text: str, intent: str | None, entities: Any = (), time: float | None = None
) -> TrackerView:
    payload = tracker_payload(sender, slots, text=text, intent=intent, entities=entities)
    if time is not None:
        payload["latest_event_time"] = time
    return parse_tracker(payload)


def talk(conversations: RasaConversations, sender: str, turns: list[tuple[str, str, Any]]) -> list[TodReply]:
    slots: dict[str, Any] = dict(EMPTY)
    replies = []
    for text, intent, entities in turns:
        reply = conversations.respond(tracker(sender, slots, text, intent, entities))
        slots = {**slots, **reply.slots()}
        replies.append(reply)
    return replies


def booked(reply: TodReply) -> list[dict[str, str]]:
    return [dict(b) for part in reply.state.belief.domains.values() for b in part.booked]


LUCCA = ("trattoria lucca please", "inform", [{"entity": "restaurant-name", "value": "trattoria lucca"}])
FRIDAY = ("friday at 7pm", "inform", [{"entity": "day", "value": "friday"}, {"entity": "time", "value": "19:00"}])


@pytest.mark.parametrize(
    "bad, echo",
    [
        (("who won the world cup in 2018?", "inform", [{"entity": "people", "value": 2018}]), "2018"),
        (("yes", "inform", [{"entity": "area", "value": True}]), "in the yes"),
        ((f"{SCRIPT} food", "inform", [{"entity": "restaurant-food", "value": SCRIPT}]), "<script"),
        ((SCRIPT, "inform", [{"entity": "restaurant-name", "value": SCRIPT}]), "<script"),
        (("2 please", "inform", [{"entity": "people", "value": 1e300}]), "1e+300"),
    ],
    ids=["people=2018", "area=true", "script food", "script name", "people=1e300"],
)
def test_bad_entities_are_not_understood_never_booked_or_echoed(
    conversations: RasaConversations, bad: tuple[str, str, Any], echo: str
) -> None:
    replies = talk(conversations, "mallory", [LUCCA, bad, FRIDAY, ("yes please", "affirm", [])])
    assert replies[1].read_by == "none"  # nothing Rasa said survived the checks: a turn nobody understood
    for reply in replies:
        values = [
            v
            for part in reply.state.belief.domains.values()
            for v in (*part.constraints.values(), *part.booking.values())
        ]
        assert not [v for v in values if v in ("2018", "yes") or "script" in v], values
        assert echo not in reply.text.lower() and "script" not in reply.text.lower()
        assert booked(reply) == []  # the number of people was never given: nothing booked
    assert "people" in replies[-1].text  # and tod asks for it


def test_a_good_value_beside_a_bad_one_is_kept(conversations: RasaConversations) -> None:
    mixed = (
        "for 2018 on friday",
        "inform",
        [{"entity": "people", "value": 2018}, {"entity": "day", "value": "friday"}],
    )
    reply = talk(conversations, "mixed", [LUCCA, mixed])[-1]
    assert dict(reply.state.belief["restaurant"].booking) == {"day": "friday"}


def test_references_differ_between_conversations_booking_the_same_table(conversations: RasaConversations) -> None:
    references = set()
    for n in range(1000):
        (reply,) = talk(
            conversations, f"sender-{n}", [("book trattoria lucca for 2 on friday at 7", "inform", BOOK_LUCCA)]
        )
        (record,) = booked(reply)
        assert record["name"] == "trattoria lucca" and reply.text.count(record["ref"]) == 1
        references.add(record["ref"])
    assert len(references) == 1000


def test_references_are_deterministic_per_sender_and_dialogue(acts_pipeline: Pipeline, tmp_path: Path) -> None:
    def reference(store: str, sender: str, time: float | None) -> str:
        service = RasaConversations(acts_pipeline, SQLiteStateStore(tmp_path / store, NAMESPACE))
        reply = service.respond(tracker(sender, EMPTY, "book it", "inform", BOOK_LUCCA, time))
        return booked(reply)[0]["ref"]

    first = reference("a.sqlite3", "ann", 1_700_000_000.25)
    assert reference("b.sqlite3", "ann", 1_700_000_000.25) == first  # replayed: the same reference
    assert reference("c.sqlite3", "ann", 1_700_000_900.5) != first  # the same sender's next dialogue
    assert reference("d.sqlite3", "bob", 1_700_000_000.25) != first  # another sender
    assert reference("e.sqlite3", "ann", None) not in {first, reference("f.sqlite3", "bob", None)}


@pytest.mark.parametrize("turn", [2**63 - 1, 2**63, 1e300, MAX_TURN + 1, -1, 2.5, float("nan"), True, "3"])
def test_impossible_turn_counters_are_refused(conversations: RasaConversations, turn: Any) -> None:
    with pytest.raises(RasaPayloadError) as info:
        conversations.respond(tracker("counter", {**EMPTY, SLOT_TURN: turn}, "hi", "greet"))
    assert info.value.field == f"tracker.slots.{SLOT_TURN}"


def test_the_largest_turn_counter_is_answered(conversations: RasaConversations) -> None:
    reply = conversations.respond(tracker("old", {**EMPTY, SLOT_TURN: float(MAX_TURN - 1)}, "hi", "greet"))
    assert reply.turn == MAX_TURN and reply.resumed_from == FROM_SLOTS


@pytest.mark.parametrize(
    "belief, words",
    [
        ({"spaceport": {"constraints": {"area": "north"}}}, "unknown sub-domain"),
        ({"restaurant": {"constraints": {"colour": "red"}}}, "no informable slot"),
        ({"restaurant": {"booking": {"stay": "3"}}}, "no bookable slot"),
    ],
)
def test_unknown_names_in_tod_belief_are_refused(
    conversations: RasaConversations, belief: dict[str, Any], words: str
) -> None:
    with pytest.raises(RasaPayloadError) as info:
        conversations.respond(tracker("tamper", {**EMPTY, SLOT_TURN: 3, SLOT_BELIEF: belief}, "hi", "greet"))
    assert words in str(info.value) and info.value.field.startswith(f"tracker.slots.{SLOT_BELIEF}")


def test_bad_values_in_tod_belief_are_dropped_when_resuming_from_the_slots(
    conversations: RasaConversations, caplog: pytest.LogCaptureFixture
) -> None:
    belief = {"restaurant": {"constraints": {"food": SCRIPT, "area": "north"}, "booking": {"people": "2018"}}}
    reply = conversations.respond(
        tracker(
            "tamper",
            {**EMPTY, SLOT_TURN: 3, SLOT_BELIEF: belief},
            "cheap",
            "inform",
            [{"entity": "restaurant-pricerange", "value": "cheap"}],
        )
    )
    assert reply.resumed_from == FROM_SLOTS
    part = reply.state.belief["restaurant"]
    assert dict(part.constraints) == {"area": "north", "pricerange": "cheap"} and not part.booking
    assert "script" not in reply.text.lower() and "2018" not in reply.text
    assert len([r for r in caplog.records if "dropped" in r.getMessage()]) == 2  # each logged once


def test_a_long_conversation_keeps_its_latest_turns_and_counts_all(acts_pipeline: Pipeline, tmp_path: Path) -> None:
    service = RasaConversations(acts_pipeline, SQLiteStateStore(tmp_path / "s.sqlite3", NAMESPACE), history_turns=10)
    turns = [LUCCA, ("what is the phone number", "request", [{"entity": "requested_slot", "value": "phone"}])] * 20
    replies = talk(service, "long", [*turns, ("book it for 2 on friday at 7", "inform", BOOK_LUCCA[1:])])
    last = replies[-1]
    assert last.turn == 41 and last.state.turn_count == 41
    assert len(last.state.history) == 10 and last.state.earlier_turns == 36
    assert [r.resumed_from for r in replies[1:]] == [FROM_STORE] * 40
    stored = service.store.load("long")
    assert stored is not None and stored.state == last.state and stored.turn == 41
    (record,) = booked(last)  # the booking works on a trimmed history
    assert record["ref"] in last.text


def test_history_limit_below_one_exchange_is_refused(acts_pipeline: Pipeline, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 2"):
        RasaConversations(acts_pipeline, SQLiteStateStore(tmp_path / "s.sqlite3", NAMESPACE), history_turns=1)


def test_a_reset_starts_a_new_dialogue_with_its_own_name(conversations: RasaConversations) -> None:
    first = conversations.respond(tracker("again", EMPTY, "book", "inform", BOOK_LUCCA, 100.0))
    conversations.reset("again")
    second = conversations.respond(tracker("again", EMPTY, "book", "inform", BOOK_LUCCA, 200.0))
    assert second.resumed_from == FROM_NEW and first.state.dialogue_id != second.state.dialogue_id
    assert booked(first)[0]["ref"] != booked(second)[0]["ref"]
