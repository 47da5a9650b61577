"""Long Rasa conversations against ``tod serve-actions --acts-only``: Rasa sends every event on every call.

Rasa 3.6 posts the whole tracker, 3 to 5 KB more per turn (the recorded turn of ``fixtures/`` is 3.9 KB
of events plus the latest message); before, a conversation stopped at about 320 turns with a 413.
"""

from __future__ import annotations

import json
import socket
import time
import zlib
from typing import Any

import pytest

from tests.integrations.rasa.conftest import TodServer, post, rasa_call_bytes
from tod.integrations.rasa.server import DEFAULT_MAX_BODY
from tod.integrations.rasa.service import DEFAULT_HISTORY_TURNS, NAMESPACE, SLOT_TURN, TOD_SLOTS
from tod.store import SQLiteStateStore

TURNS = [
    (
        "a cheap restaurant in the north",
        "inform",
        [{"entity": "pricerange", "value": "cheap"}, {"entity": "area", "value": "north"}],
    ),
    ("indian please", "inform", [{"entity": "restaurant-food", "value": "indian"}]),
    ("what is the phone number?", "request", [{"entity": "requested_slot", "value": "phone"}]),
    ("anything else?", "reqalts", []),
    ("thanks", "thankyou", []),
]


def slots_of(answer: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in answer["events"] if e["event"] == "slot"}


@pytest.mark.slow
def test_a_5000_turn_conversation_is_answered_to_the_end(acts_tod_server: TodServer) -> None:
    """5,000 turns of one conversation; every 1,000th call carries the whole tracker Rasa would send
    (the recorded turn's events times the turns so far: about 25 MB at turn 5,000), the others only
    their latest turn's events (the whole tracker on every call would be 60 GB to send)."""
    assert acts_tod_server.server is not None
    url = acts_tod_server.server.webhook
    slots: dict[str, Any] = {name: None for name in TOD_SLOTS}
    sizes, seconds = {}, {}
    for turn in range(1, 5001):
        text, intent, entities = TURNS[turn % len(TURNS)]
        whole = turn % 1000 == 0
        body = rasa_call_bytes("marathon", slots, turn if whole else 1, text, intent, entities)
        started = time.perf_counter()
        status, answer = post(url, body)
        assert status == 200, (turn, answer)
        if whole:
            sizes[turn], seconds[turn] = len(body), time.perf_counter() - started
        slots = {**slots, **slots_of(answer)}
        assert slots[SLOT_TURN] == turn and answer["responses"][0]["text"]
    assert sizes[5000] > 20_000_000 and sizes[5000] < DEFAULT_MAX_BODY
    with SQLiteStateStore(acts_tod_server.store, NAMESPACE) as store:
        record = store.load("marathon")
    assert record is not None and record.turn == 5000 and record.state.turn_count == 5000
    assert len(record.state.history) <= DEFAULT_HISTORY_TURNS  # the cost of a turn does not grow
    print({turn: f"{size / 1e6:.1f} MB in {seconds[turn]:.2f} s" for turn, size in sizes.items()})


def test_a_long_tracker_is_answered_plain_and_deflated(acts_tod_server: TodServer) -> None:
    assert acts_tod_server.server is not None
    text, intent, entities = TURNS[0]
    body = rasa_call_bytes("deflated", {name: None for name in TOD_SLOTS}, 2000, text, intent, entities)
    assert len(body) > 1024 * 1024 * 8  # 2,000 turns: eight times the old limit
    for headers, data in (({}, body), ({"Content-Encoding": "deflate"}, zlib.compress(body))):
        status, answer = post(acts_tod_server.server.webhook, data, headers)
        assert status == 200, answer
        assert slots_of(answer)[SLOT_TURN] == 1  # tod_turn null: each call starts the dialogue


def raw_post(port: int, head: bytes) -> tuple[int, dict[str, Any]]:
    """Send ``head`` (request line and headers, no body) and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, json.loads(data.split(b"\r\n\r\n", 1)[1])


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


def test_a_body_over_the_limit_is_refused_unread_and_logged(acts_tod_server: TodServer) -> None:
    assert acts_tod_server.server is not None
    size = DEFAULT_MAX_BODY + 1
    head = (
        f"POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    ).encode()
    status, answer = raw_post(acts_tod_server.port, head)
    assert status == 413 and "size limit" in answer["error"]
    deadline = time.monotonic() + 5
    while "413" not in acts_tod_server.server.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    refused = [line for line in acts_tod_server.server.log_text().splitlines() if "refused" in line and "413" in line]
    assert refused and f"{size} bytes" in refused[-1]


def test_references_differ_per_sender_and_per_dialogue_over_http(acts_tod_server: TodServer) -> None:
    """The dialogue's name reaches tod through rasa-sdk (which keeps no latest_event_time of its own)."""
    assert acts_tod_server.server is not None
    book = [
        {"entity": "restaurant-name", "value": "trattoria lucca"},
        {"entity": "people", "value": 2},
        {"entity": "day", "value": "friday"},
        {"entity": "time", "value": "19:00"},
    ]
    references = []
    for sender, when in (("ann", 1000.0), ("bob", 1000.0), ("ann", 2000.0), ("ann", 1000.0)):
        body = json.loads(rasa_call_bytes(sender, {name: None for name in TOD_SLOTS}, 1, "book it", "inform", book))
        body["tracker"]["latest_event_time"] = when
        status, answer = post(acts_tod_server.server.webhook, body)
        assert status == 200, answer
        (record,) = slots_of(answer)["tod_belief"]["restaurant"]["booked"]
        references.append(record["ref"])
    assert len(set(references[:3])) == 3 and references[3] == references[0]  # replayed: the same
