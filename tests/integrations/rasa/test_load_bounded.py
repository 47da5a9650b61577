"""``tod serve-actions --acts-only`` as a real subprocess, and the open-loop (fixed-rate) load run.

The acts-only server loads no model, so these tests start in seconds. The rate run is short (2 s at
50 calls/s) and checks what the benchmark relies on: it stops by itself within duration + drain,
even against a server that never answers, and reports what it found.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Iterator

import pytest

from tests.integrations.rasa.conftest import TodServer, free_port, post
from tod.acts import GENERAL, DialogueAct
from tod.integrations.rasa.service import NAMESPACE, SLOT_ACTS, SLOT_BELIEF, SLOT_TURN, TOD_SLOTS
from tod.integrations.rasa.webhook_client import action_call, domain_payload, tracker_payload
from tod.store import SQLiteStateStore
from tod.testing.rasa_load import RateReport, run_rate_load

RESPOND = "action_tod_respond"
DOMAIN = domain_payload(TOD_SLOTS, [RESPOND])
EMPTY = {name: None for name in TOD_SLOTS}


@pytest.fixture(scope="module")
def acts_server(rasa_sdk_installed: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TodServer]:
    """``tod serve-actions --acts-only`` (the city guide without its NLU) on a free port."""
    folder = tmp_path_factory.mktemp("acts-server")
    handle = TodServer(
        free_port(), folder / "states.sqlite3", {}, folder / "cache", folder / "server.log", ("--acts-only",)
    )
    handle.start()
    yield handle
    if handle.server is not None and handle.server.alive():
        assert handle.stop() == 0


def slots_of(answer: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in answer["events"] if e["event"] == "slot"}


def test_acts_only_server_uses_rasas_acts_and_answers_the_rest_with_reqmore(acts_server: TodServer) -> None:
    assert acts_server.server is not None
    thai = [{"entity": "restaurant-food", "value": "thai"}]
    call = action_call(RESPOND, tracker_payload("ann", EMPTY, text="thai", intent="inform", entities=thai), DOMAIN)
    status, first = post(acts_server.server.webhook, call)
    assert status == 200 and slots_of(first)[SLOT_BELIEF]["restaurant"]["constraints"] == {"food": "thai"}

    slots = {**EMPTY, **slots_of(first)}
    call = action_call(RESPOND, tracker_payload("ann", slots, text="tell me a joke", intent="nlu_fallback"), DOMAIN)
    status, second = post(acts_server.server.webhook, call)
    assert status == 200
    got = slots_of(second)
    assert got[SLOT_TURN] == 2
    assert got[SLOT_BELIEF] == slots[SLOT_BELIEF] and got[SLOT_ACTS] == slots[SLOT_ACTS]

    from tod.pipeline.config import load_pipeline_config
    from tod.pipeline.pipeline import Pipeline

    pipeline = Pipeline.from_config(load_pipeline_config("cityguide"), progress=False, acts_only=True)
    reqmore = {pipeline.nlg.generate([DialogueAct("reqmore", GENERAL)], None, variant=v) for v in range(32)}
    assert [r["text"] for r in second["responses"]] in [[line] for line in reqmore]
    with SQLiteStateStore(acts_server.store, NAMESPACE) as store:
        record = store.load("ann")
    assert record is not None and record.turn == 2
    assert [t.text for t in record.state.history][::2] == ["thai", "tell me a joke"]


def test_rate_run_stops_by_itself_with_no_errors(acts_server: TodServer) -> None:
    assert acts_server.server is not None
    duration, drain = 2.0, 3.0
    began = time.monotonic()
    report = run_rate_load(
        acts_server.server.webhook,
        50,
        duration,
        connections=8,
        turns=6,
        text_every=4,
        drain=drain,
        store=acts_server.store,
    )
    took = time.monotonic() - began
    assert took <= duration + drain + 1.0 and report.elapsed <= duration + drain + 0.5
    assert report.errors == () and report.leaks == ()
    assert report.scheduled == report.sent == report.answered == 100
    assert report.conversations >= 100 // 6
    assert 40 <= report.achieved_rate <= 55
    summary = report.summary()
    assert {
        "target_rate_per_s",
        "achieved_rate_per_s",
        "duration_s",
        "drain_s",
        "connections",
        "scheduled",
        "sent",
        "answered",
        "errors",
        "leaks",
        "elapsed_s",
    } <= set(summary)
    assert set(summary["latency_ms"]) == {"mean", "p50", "p95", "p99", "max"}
    assert 0 < summary["latency_ms"]["p50"] <= summary["latency_ms"]["p95"] <= summary["latency_ms"]["p99"]
    assert acts_server.server.alive()


@pytest.fixture()
def silent_server() -> Iterator[str]:
    """A loopback server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/webhook"
    stop.set()
    thread.join(2)
    for sock in held:
        sock.close()
    listener.close()


def test_rate_run_is_bounded_when_the_server_never_answers(silent_server: str) -> None:
    duration, drain = 1.0, 1.0
    began = time.monotonic()
    report: RateReport = run_rate_load(silent_server, 20, duration, connections=4, drain=drain)
    took = time.monotonic() - began
    assert took <= duration + drain + 1.0
    assert report.answered == 0 and not report.ok
    assert any("timed out" in e or "not sent" in e for e in report.errors)
    assert report.sent <= 4 < report.scheduled  # each connection hangs on its first call


def test_rate_run_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError, match="rate > 0"):
        run_rate_load("http://127.0.0.1:9/webhook", 0, 1)
    with pytest.raises(ValueError, match="connections >= 1"):
        run_rate_load("http://127.0.0.1:9/webhook", 10, 1, connections=0)


def test_cli_help_names_acts_only(capsys: pytest.CaptureFixture[str]) -> None:
    from tod.cli.main import main

    with pytest.raises(SystemExit) as exited:
        main(["serve-actions", "--help"])
    assert exited.value.code == 0
    assert "--acts-only" in capsys.readouterr().out
