"""Two ``tod serve-actions`` processes on two ports sharing one PostgreSQL store, as behind a load balancer.

A conversation's turns go to either server; each turn is committed before its reply, so the next turn,
wherever it lands, continues from the whole stored state (history included). 20 senders x 50 turns
alternating between the servers lose nothing and leak nothing; a server killed with SIGKILL loses no
answered turn; the same turn computed on both at once is written once (the other gets a 409).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.request
from typing import Any, Iterator

import pytest

from tests.integrations.rasa.conftest import TodServer, free_port, post
from tod.dialogue import USER
from tod.integrations.rasa.service import NAMESPACE, SLOT_BELIEF, SLOT_TURN, TOD_SLOTS
from tod.integrations.rasa.webhook_client import action_call, domain_payload, tracker_payload
from tod.store import open_store
from tod.testing.postgres import PostgresCluster
from tod.testing.rasa_load import run_load

RESPOND = "action_tod_respond"
DOMAIN = domain_payload(TOD_SLOTS, [RESPOND, "action_tod_reset"])
EMPTY = {name: None for name in TOD_SLOTS}


@pytest.fixture(scope="module")
def shared(
    rasa_sdk_installed: None,
    postgres_cluster: PostgresCluster,
    tiny_pipeline: Any,  # trains the tiny NLU into tiny_cache once, for every process
    tiny_pipeline_overrides: dict[str, str],
    tiny_cache: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, TodServer, TodServer]]:
    """(store URL, server A, server B): the tiny city guide pipeline twice, one PostgreSQL store."""
    url = postgres_cluster.create_database(f"shared_{os.getpid()}")
    folder = tmp_path_factory.mktemp("shared-store")
    servers = [
        TodServer(free_port(), url, tiny_pipeline_overrides, tiny_cache, folder / f"server-{name}.log")
        for name in "ab"
    ]
    for server in servers:
        server.start()
    yield url, servers[0], servers[1]
    for server in servers:
        if server.server is not None and server.server.alive():
            server.stop()


def call(sender: str, slots: dict[str, Any], text: str, intent: str | None = None, entities: Any = ()) -> dict:
    return action_call(RESPOND, tracker_payload(sender, slots, text=text, intent=intent, entities=entities), DOMAIN)


def slots_of(answer: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in answer["events"] if e["event"] == "slot"}


def webhook(server: TodServer) -> str:
    assert server.server is not None
    return server.server.webhook


def test_one_conversation_alternates_between_the_servers(shared: tuple[str, TodServer, TodServer]) -> None:
    url, a, b = shared
    turns = [
        (a, "thai food", "inform", [{"entity": "restaurant-food", "value": "thai"}]),
        (b, "in the north", "inform", [{"entity": "area", "value": "north"}]),
        (a, "what is the phone number?", "request", [{"entity": "restaurant-phone", "value": "phone"}]),
        (b, "cheap please", "inform", [{"entity": "pricerange", "value": "cheap"}]),
    ]
    slots = dict(EMPTY)
    with open_store(url, NAMESPACE) as store:
        for number, (server, text, intent, entities) in enumerate(turns, 1):
            status, answer = post(webhook(server), call("alternating", slots, text, intent, entities))
            assert status == 200, answer
            slots = {**slots, **slots_of(answer)}
            assert slots[SLOT_TURN] == number
            # committed before the reply: another connection reads this turn at once, whole history included
            record = store.load("alternating")
            assert record is not None and record.turn == number and record.version == number
            assert [t.text for t in record.state.history if t.speaker == USER] == [t[1] for t in turns[:number]]
    constraints = slots[SLOT_BELIEF]["restaurant"]["constraints"]
    assert constraints == {"food": "thai", "area": "north", "pricerange": "cheap"}


def test_twenty_senders_fifty_turns_over_both_lose_nothing_and_leak_nothing(
    shared: tuple[str, TodServer, TodServer],
) -> None:
    url, a, b = shared
    report = run_load([webhook(a), webhook(b)], senders=20, requests=50, store=url)
    assert report.errors == () and report.leaks == ()
    assert len(report.latencies) == 1000
    with open_store(url, NAMESPACE) as store:
        load_senders = [key for key in store.keys() if key.startswith("load-")]
    assert len(load_senders) >= 20
    for server in (a, b):
        assert server.server is not None and server.server.alive()
        assert "Traceback" not in server.server.log_text()


def test_a_server_killed_mid_conversation_loses_no_answered_turn(shared: tuple[str, TodServer, TodServer]) -> None:
    """Runs after the others that need both servers: it kills server A with SIGKILL, then starts it again."""
    url, a, b = shared
    status, first = post(webhook(a), call("killed", EMPTY, "thai", "inform", [{"entity": "food", "value": "thai"}]))
    assert status == 200
    assert a.server is not None
    os.kill(a.server.process.pid, signal.SIGKILL)
    a.server.process.wait(10)
    slots = {**EMPTY, **slots_of(first)}
    status, second = post(webhook(b), call("killed", slots, "north", "inform", [{"entity": "area", "value": "north"}]))
    assert status == 200 and slots_of(second)[SLOT_TURN] == 2
    with open_store(url, NAMESPACE) as store:
        record = store.load("killed")
    assert record is not None and [t.text for t in record.state.history][::2] == ["thai", "north"]
    a.start()
    status, third = post(webhook(a), call("killed", {**slots, **slots_of(second)}, "bye", "bye"))
    assert status == 200 and slots_of(third)[SLOT_TURN] == 3


def _waiting_on_a_lock(cluster: PostgresCluster, database: str) -> bool:
    rows = cluster.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = 'tod' "
        "AND wait_event_type = 'Lock'",
        (database,),
        database="postgres",
    )
    return rows[0][0] > 0


def test_the_same_turn_on_both_servers_at_once_is_written_once(
    shared: tuple[str, TodServer, TodServer], postgres_cluster: PostgresCluster
) -> None:
    """Server A computes a turn while the record is locked; meanwhile the record moves on (another server's
    write of the same turn). A's write finds another version: it writes nothing and answers 409."""
    import psycopg

    url, a, b = shared
    database = url.rsplit("/", 1)[1]
    status, first = post(webhook(b), call("twice", EMPTY, "thai", "inform", [{"entity": "food", "value": "thai"}]))
    assert status == 200
    slots = {**EMPTY, **slots_of(first)}
    results: list[tuple[int, Any]] = []
    with psycopg.connect(url) as holder:  # a transaction holding the record's row lock
        holder.execute("SELECT version FROM tod_states WHERE key = 'twice' FOR UPDATE")
        entities = [{"entity": "area", "value": "north"}]
        sender = threading.Thread(
            target=lambda: results.append(post(webhook(a), call("twice", slots, "north", "inform", entities)))
        )
        sender.start()
        deadline = time.monotonic() + 30
        while not _waiting_on_a_lock(postgres_cluster, database):
            assert time.monotonic() < deadline, "server A never waited for the row lock"
            time.sleep(0.05)
        holder.execute("UPDATE tod_states SET version = version + 1 WHERE key = 'twice'")
        holder.commit()
    sender.join(30)
    assert not sender.is_alive()
    status, answer = results[0]
    assert status == 409, answer
    assert "'twice' changed while its turn was computed (expected version 1, found version 2" in answer["error"]
    with open_store(url, NAMESPACE) as store:
        record = store.load("twice")
    assert record is not None and record.turn == 1 and record.version == 2  # A wrote nothing
    with urllib.request.urlopen(f"{a.server.url}/health", timeout=5) as response:  # type: ignore[union-attr]
        assert json.loads(response.read()) == {"status": "ok"}
