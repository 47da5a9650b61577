"""Fixtures for the Rasa integration: the rasa-sdk switch, real servers as subprocesses, payloads.

Servers run as real subprocesses on a free loopback port, each in its own session (a second
SIGTERM to rasa-sdk's server would kill its whole process group), are ready when ``GET /health``
answers (they log "up and running" before binding), and are stopped by their PID: one SIGTERM,
then SIGKILL if they have not exited in time.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

HERE = Path(__file__).parent
REPO = Path(__file__).resolve().parents[3]


def require_rasa_sdk() -> None:
    """Skip where rasa-sdk (the 'rasa' extra) is not installed; fail instead when TOD_REQUIRE_DATA=1 (CI)."""
    if importlib.util.find_spec("rasa_sdk") is not None:
        return
    message = "rasa-sdk is not installed (pip install -e '.[rasa]', the Makefile does)"
    if os.environ.get("TOD_REQUIRE_DATA") == "1":
        pytest.fail(message + "; TOD_REQUIRE_DATA=1 demands it")
    pytest.skip(message, allow_module_level=True)


@pytest.fixture(scope="session")
def rasa_sdk_installed() -> None:
    require_rasa_sdk()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A server subprocess: its process, base URL and log file."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhook"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.process.poll() is None


def start_server(command: list[str], port: int, log: Path, env: dict[str, str], timeout: float = 120.0) -> Server:
    handle = log.open("wb")
    process = subprocess.Popen(
        command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=REPO, start_new_session=True
    )
    handle.close()
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/health", timeout=1) as response:
                if json.loads(response.read()) == {"status": "ok"}:
                    return server
        except (OSError, ValueError):
            time.sleep(0.1)
    stop_server(server)
    raise RuntimeError(f"server not healthy after {timeout:g} s:\n{server.log_text()[-3000:]}")


def stop_server(server: Server, timeout: float = 15.0) -> int:
    """One SIGTERM to the server's PID, then SIGKILL to it if it has not exited within ``timeout``."""
    if server.process.poll() is None:
        os.kill(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait(5)
    return server.process.returncode


def server_env(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TOD_CACHE=str(cache),
        OMP_WAIT_POLICY="PASSIVE",
        TOKENIZERS_PARALLELISM="false",
        HF_HUB_OFFLINE="1",
        SANIC_HOST="127.0.0.1",
        PYTHONPATH=os.pathsep.join([str(HERE), str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    return env


def serve_actions_command(
    port: int, store: str | Path, overrides: dict[str, str], cache: Path, *extra: str
) -> list[str]:
    command = [sys.executable, "-m", "tod.cli.main", "serve-actions", "--port", str(port), "--store", str(store)]
    for key, value in overrides.items():
        command += ["--set", f"{key}={value}"]
    return [*command, "--cache-dir", str(cache), "--no-progress", "--log-level", "WARNING", *extra]


@dataclass
class TodServer:
    """How to (re)start ``tod serve-actions`` on the tiny pipeline with one store, and the running server."""

    port: int
    store: str | Path  # an SQLite file or a postgresql:// URL
    overrides: dict[str, str]
    cache: Path
    log: Path
    extra: tuple[str, ...] = ()
    server: Server | None = None

    def start(self) -> Server:
        command = serve_actions_command(self.port, self.store, self.overrides, self.cache, *self.extra)
        self.server = start_server(command, self.port, self.log, server_env(self.cache))
        return self.server

    def stop(self) -> int:
        assert self.server is not None
        return stop_server(self.server)


@pytest.fixture(scope="session")
def tod_server(
    rasa_sdk_installed: None,
    tiny_pipeline: Any,  # trains the tiny NLU into tiny_cache once, for every process
    tiny_pipeline_overrides: dict[str, str],
    tiny_cache: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TodServer]:
    """``tod serve-actions`` (tiny cityguide pipeline, tod's actions and the test package's) on a free port."""
    folder = tmp_path_factory.mktemp("tod-server")
    handle = TodServer(
        free_port(),
        folder / "states.sqlite3",
        tiny_pipeline_overrides,
        tiny_cache,
        folder / "server.log",
        ("--actions", "rasa_test_actions"),
    )
    handle.start()
    yield handle
    if handle.server is not None and handle.server.alive():
        handle.stop()


@pytest.fixture(scope="session")
def sdk_server(rasa_sdk_installed: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """rasa-sdk's own server (``python -m rasa_sdk``) running the test action package."""
    port = free_port()
    folder = tmp_path_factory.mktemp("sdk-server")
    command = [sys.executable, "-m", "rasa_sdk", "--actions", "rasa_test_actions", "--port", str(port)]
    server = start_server(command, port, folder / "server.log", server_env(folder), timeout=60)
    yield server
    stop_server(server)


def post(url: str, body: bytes | dict[str, Any] | list[Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """POST ``body`` (JSON-encoded unless bytes); the status and the decoded JSON answer."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        with error:
            raw = error.read()
        try:
            return error.code, json.loads(raw or b"null")
        except ValueError:
            return error.code, raw.decode(errors="replace")


#: One turn of Rasa 3.6.21's events as recorded (``fixtures/rasa36_turn.json``, about 3.9 KB a turn).
RECORDED = json.loads((HERE / "fixtures" / "rasa36_turn.json").read_text(encoding="utf-8"))


def rasa_call_bytes(
    sender: str, slots: dict[str, Any], turns: int, text: str, intent: str, entities: list[dict[str, Any]]
) -> bytes:
    """The body Rasa 3.6 posts for ``action_tod_respond`` in turn ``turns`` of a conversation: the
    domain, the slots, the latest message, and every event so far (the recorded turn's events
    ``turns`` times), written directly as bytes so that a 5,000-turn body (about 20 MB) is quick to make."""
    from tod.integrations.rasa.service import TOD_ACTIONS, TOD_SLOTS
    from tod.integrations.rasa.webhook_client import domain_payload

    message = {
        **RECORDED["latest_message"],
        "text": text,
        "intent": {"name": intent, "confidence": 0.98},
        "entities": entities,
        "intent_ranking": [{"name": intent, "confidence": 0.98}],
    }
    head = {
        "next_action": "action_tod_respond",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": domain_payload(TOD_SLOTS, list(TOD_ACTIONS)),
    }
    tracker = {
        "sender_id": sender,
        "slots": slots,
        "latest_message": message,
        "latest_event_time": 1_796_698_286.0 + turns,
        "followup_action": None,
        "paused": False,
        "latest_input_channel": "rest",
        "active_loop": {},
        "latest_action": {"action_name": "action_listen"},
        "latest_action_name": "action_listen",
    }
    turn = ", ".join(json.dumps(e) for e in RECORDED["turn"])
    start = ", ".join(json.dumps(e) for e in RECORDED["session_start"])
    events = "[" + ", ".join([start, *([turn] * turns)]) + "]"
    body = json.dumps({**head, "tracker": {**tracker, "events": "@EVENTS@"}})
    return body.replace('"@EVENTS@"', events, 1).encode("utf-8")


@pytest.fixture(scope="session")
def acts_tod_server(rasa_sdk_installed: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TodServer]:
    """``tod serve-actions --acts-only`` (the city guide without its NLU: starts in seconds) with its
    defaults, on a free port; its log (``--log-level WARNING``) shows every refused call."""
    folder = tmp_path_factory.mktemp("acts-tod-server")
    handle = TodServer(
        free_port(), folder / "states.sqlite3", {}, folder / "cache", folder / "server.log", ("--acts-only",)
    )
    handle.start()
    yield handle
    if handle.server is not None and handle.server.alive():
        handle.stop()
