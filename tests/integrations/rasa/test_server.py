"""``tod serve-actions`` as a real subprocess: replies, continuity, hostile payloads, concurrency, restart."""

from __future__ import annotations

import json
import urllib.request
import zlib
from typing import Any

import pytest

from tests.integrations.rasa.conftest import TodServer, post
from tod.integrations.rasa.service import NAMESPACE, SLOT_BELIEF, SLOT_TURN, TOD_SLOTS
from tod.integrations.rasa.webhook_client import action_call, domain_payload, tracker_payload
from tod.store import SQLiteStateStore
from tod.testing.rasa_load import run_load

RESPOND, RESET = "action_tod_respond", "action_tod_reset"
DOMAIN = domain_payload(TOD_SLOTS, [RESPOND, RESET])
EMPTY = {name: None for name in TOD_SLOTS}


def call(
    sender: str, slots: dict[str, Any], text: str, intent: str | None = None, entities: Any = (), action: str = RESPOND
) -> dict[str, Any]:
    return action_call(action, tracker_payload(sender, slots, text=text, intent=intent, entities=entities), DOMAIN)


def slots_of(answer: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in answer["events"] if e["event"] == "slot"}


def healthy(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
        return json.loads(response.read()) == {"status": "ok"}


def test_actions_listed_with_the_users_own(tod_server: TodServer) -> None:
    assert tod_server.server is not None
    with urllib.request.urlopen(f"{tod_server.server.url}/actions", timeout=5) as response:
        names = {item["name"] for item in json.loads(response.read())}
    assert {RESPOND, RESET, "action_book_table"} <= names
    status, answer = post(
        tod_server.server.webhook, call("own", {"people": 2, "name": "x"}, "", action="action_book_table")
    )
    assert status == 200 and slots_of(answer) == {"reference": "RASA-0001"}


def test_reply_slots_and_the_same_dialogue_continues(tod_server: TodServer) -> None:
    assert tod_server.server is not None
    thai = [{"entity": "restaurant-food", "value": "thai"}]
    status, first = post(tod_server.server.webhook, call("alice", EMPTY, "thai food please", "inform", thai))
    assert status == 200
    assert len(first["responses"]) == 1 and first["responses"][0]["text"]
    slots = slots_of(first)
    assert set(slots) == set(TOD_SLOTS) and slots[SLOT_TURN] == 1
    assert slots[SLOT_BELIEF]["restaurant"]["constraints"] == {"food": "thai"}

    north = [{"entity": "area", "value": "north"}]
    status, second = post(tod_server.server.webhook, call("alice", {**EMPTY, **slots}, "in the north", "inform", north))
    assert status == 200 and slots_of(second)[SLOT_TURN] == 2
    assert slots_of(second)[SLOT_BELIEF]["restaurant"]["constraints"] == {"food": "thai", "area": "north"}
    with SQLiteStateStore(tod_server.store, NAMESPACE) as store:
        record = store.load("alice")
    assert record is not None and record.turn == 2 and len(record.state.history) == 4


GOOD = json.dumps(call("mallory", EMPTY, "hi", "greet")).encode()


def without(key: str, inner: bool = False) -> bytes:
    body = call("mallory", EMPTY, "hi", "greet")
    del (body["tracker"] if inner else body)[key]
    return json.dumps(body).encode()


def with_slot(name: str, value: Any, turn: int | None = None) -> bytes:
    slots = {**EMPTY, name: value} if turn is None else {**EMPTY, "tod_turn": turn, name: value}
    return json.dumps(call("mallory", slots, "hi", "greet")).encode()


def in_tracker(name: str, value: Any) -> bytes:
    body = call("mallory", EMPTY, "hi", "greet")
    body["tracker"][name] = value
    return json.dumps(body).encode()


HOSTILE = [
    ("no tracker", without("tracker"), {}, 400, "tracker: missing"),
    ("no sender_id", without("sender_id", inner=True), {}, 400, "tracker.sender_id: missing"),
    ("bad JSON", GOOD[:-7], {}, 400, "not valid JSON"),
    ("unknown action", GOOD.replace(b"action_tod_respond", b"action_nope"), {}, 404, "No registered action"),
    ("2 MB action name", b'{"next_action": "' + b"x" * (2 * 1024 * 1024) + b'"}', {}, 400, "tracker: missing"),
    ("tod_turn 2**63-1", with_slot("tod_turn", 2**63 - 1), {}, 400, "tod_turn: expected a whole number"),
    ("tod_turn 1e300", with_slot("tod_turn", 1e300), {}, 400, "tod_turn: expected a whole number"),
    ("tod_turn -1", with_slot("tod_turn", -1), {}, 400, "tod_turn"),
    ("lone surrogate sender", GOOD.replace(b'"mallory"', b'"mal\\udc00lory"'), {}, 400, "lone surrogate"),
    ("lone surrogate text", GOOD.replace(b'"text": "hi"', b'"text": "h\\ud800i"'), {}, 400, "lone surrogate"),
    ("unknown sub-domain", with_slot("tod_belief", {"moon": {"requested": ["x"]}}, 2), {}, 400, "unknown sub-domain"),
    ("unknown slot", with_slot("tod_belief", {"restaurant": {"booking": {"x": "y"}}}, 2), {}, 400, "no bookable slot"),
    ("event time", in_tracker("latest_event_time", "now"), {}, 400, "latest_event_time"),
    ("events not a list", in_tracker("events", {"a": 1}), {}, 400, "tracker.events"),
    ("JSON array", b"[1, 2]", {}, 400, "expected a JSON object"),
    ("empty body", b"", {}, 400, "no body"),
    ("bad version", GOOD.replace(b'"version": "3.6.20"', b'"version": 3'), {}, 400, "version"),
    ("entities not a list", GOOD.replace(b'"entities": []', b'"entities": 5'), {}, 400, "entities"),
    ("bad turn slot", GOOD.replace(b'"tod_turn": null', b'"tod_turn": "many"'), {}, 400, "tod_turn"),
    ("gzip", GOOD, {"Content-Encoding": "gzip"}, 415, "Content-Encoding"),
    ("bad deflate", b"not deflate", {"Content-Encoding": "deflate"}, 400, "deflate"),
    (
        "deflate bomb",
        zlib.compress(b'{"a": "' + b"x" * 70_000_000 + b'"}'),  # over the 64 MiB limit once inflated
        {"Content-Encoding": "deflate"},
        413,
        "size",
    ),
]


@pytest.mark.parametrize("name, body, headers, status, words", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_malformed_payloads_get_4xx_json(
    tod_server: TodServer, name: str, body: bytes, headers: dict[str, str], status: int, words: str
) -> None:
    assert tod_server.server is not None
    got, answer = post(tod_server.server.webhook, body, headers)
    assert got == status, answer
    assert isinstance(answer, dict) and set(answer) == {"error", "action_name"}
    assert words in answer["error"]
    assert tod_server.server.alive() and healthy(tod_server.server.url)


def test_refused_calls_are_logged_with_their_reason(tod_server: TodServer) -> None:
    assert tod_server.server is not None
    post(tod_server.server.webhook, with_slot("tod_turn", 1e300))
    post(tod_server.server.webhook, b"[1, 2]")
    log = tod_server.server.log_text()
    assert "refused POST /webhook" in log and "expected a JSON object" in log


@pytest.mark.parametrize(
    "tracker_change",
    [{"latest_message": None}, {"slots": None}, {"events": None}, {"latest_action_name": None}, {"active_loop": None}],
    ids=["latest_message null", "slots null", "events null", "latest_action_name null", "active_loop null"],
)
def test_null_tracker_fields_are_answered(tod_server: TodServer, tracker_change: dict[str, Any]) -> None:
    assert tod_server.server is not None
    body = call("nulls", EMPTY, "hi", "greet")
    body["tracker"].update(tracker_change)
    status, answer = post(tod_server.server.webhook, body)
    assert status == 200 and answer["responses"][0]["text"], answer


def test_deflated_calls_are_answered(tod_server: TodServer) -> None:
    assert tod_server.server is not None
    status, answer = post(tod_server.server.webhook, zlib.compress(GOOD), {"Content-Encoding": "deflate"})
    assert status == 200 and slots_of(answer)[SLOT_TURN] == 1


def test_concurrent_senders_do_not_leak(tod_server: TodServer) -> None:
    assert tod_server.server is not None
    report = run_load(tod_server.server.webhook, senders=20, requests=5, store=tod_server.store)
    assert report.errors == () and report.leaks == ()
    assert len(report.latencies) == 100


def test_a_restart_loses_nothing(tod_server: TodServer) -> None:
    """Runs last in this file: it stops the session's server and starts it again on the same store."""
    assert tod_server.server is not None
    thai = [{"entity": "restaurant-food", "value": "thai"}]
    status, first = post(tod_server.server.webhook, call("bob", EMPTY, "thai", "inform", thai))
    assert status == 200
    assert tod_server.stop() == 0
    tod_server.start()
    north = [{"entity": "area", "value": "north"}]
    status, second = post(
        tod_server.server.webhook, call("bob", {**EMPTY, **slots_of(first)}, "north", "inform", north)
    )
    assert status == 200 and slots_of(second)[SLOT_TURN] == 2
    with SQLiteStateStore(tod_server.store, NAMESPACE) as store:
        record = store.load("bob")
    assert record is not None and [t.text for t in record.state.history][::2] == ["thai", "north"]
