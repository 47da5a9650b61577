"""Check this Rasa project end to end with real Rasa in front of ``tod serve-actions``.

    python examples/rasa_bot/check_with_rasa.py --rasa /path/to/rasa-venv/bin/rasa --out report.md

Rasa Open Source 3.6 needs Python 3.8-3.10, so it is given as the ``rasa`` executable of its own virtual
environment (``python3.10 -m venv rasa-venv && rasa-venv/bin/pip install rasa==3.6.21``). The script

1. copies the project to a work folder and trains it with ``rasa train`` (about 2-3 minutes on 2 cores;
   ``--model`` reuses a trained model folder),
2. starts ``tod serve-actions`` (the city guide with its NLU; the first start trains it, later starts take
   seconds) and ``rasa run`` with the REST channel, both on free loopback ports, each in its own session,
3. talks to Rasa as a user would (``POST /webhooks/rest/webhook``) and checks what came back:
   a restaurant booking, two hotel bookings ("for 2 nights from monday", "3 nights" read as the stay, not
   the number of people), off-topic questions classified ``out_of_scope`` and answered by tod's fallback,
   a party of 2018 never booked, and one conversation of ``--long-turns`` turns (default 400) answered to
   the end while Rasa's tracker, which Rasa sends whole on every call, grows past the old 1 MB limit,
4. writes a Markdown report (``--out``) and stops both servers; the exit status is 1 if a check failed.

Nothing here is imported by tod; ``tests/integrations/rasa/test_real_rasa.py`` runs it where Rasa is found.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(url: str, body: Any = None, timeout: float = 120.0) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


@dataclass
class Process:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """One SIGTERM to the process (its own session), then SIGKILL if it has not exited in 20 s."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


def start(name: str, command: list[str], cwd: Path, log: Path, ready: Callable[[], bool], timeout: float) -> Process:
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "TOKENIZERS_PARALLELISM": "false", "SANIC_HOST": "127.0.0.1"}
    with log.open("wb") as handle:
        process = subprocess.Popen(
            command, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    started = Process(name, process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{started.tail()}")
        try:
            if ready():
                return started
        except (OSError, ValueError):
            pass
        time.sleep(1.0)
    started.stop()
    raise RuntimeError(f"{name} not ready after {timeout:.0f} s:\n{started.tail()}")


@dataclass
class Rasa:
    """The running Rasa server's REST channel and tracker API."""

    url: str
    latencies: list[float] = field(default_factory=list)

    def say(self, sender: str, text: str) -> str:
        started = time.perf_counter()
        answer = http(f"{self.url}/webhooks/rest/webhook", {"sender": sender, "message": text})
        self.latencies.append(time.perf_counter() - started)
        return " ".join(m.get("text", "") for m in answer if isinstance(m, dict)).strip()

    def tracker(self, sender: str) -> dict[str, Any]:
        return http(f"{self.url}/conversations/{sender}/tracker")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    transcript: list[tuple[str, str, str]] = field(default_factory=list)  # (user, Rasa's intent, reply)


def intents(tracker: dict[str, Any]) -> list[str]:
    return [e["parse_data"]["intent"]["name"] for e in tracker["events"] if e["event"] == "user"]


def booked(tracker: dict[str, Any], domain: str) -> list[dict[str, str]]:
    belief = (tracker.get("slots") or {}).get("tod_belief") or {}
    return list((belief.get(domain) or {}).get("booked") or [])


def converse(rasa: Rasa, sender: str, turns: list[str]) -> tuple[list[tuple[str, str, str]], dict[str, Any]]:
    replies = [rasa.say(sender, text) for text in turns]
    tracker = rasa.tracker(sender)
    return list(zip(turns, intents(tracker)[-len(turns) :], replies)), tracker


def scripted(rasa: Rasa) -> list[Check]:
    checks = []

    transcript, tracker = converse(
        rasa,
        "restaurant",
        [
            "hi",
            "i need a cheap restaurant in the north",
            "indian please",
            "what is the phone number?",
            "a table for 2 on friday at 19:00",
            "thanks, bye",
        ],
    )
    made = booked(tracker, "restaurant")
    ok = len(made) == 1 and made[0].get("people") == "2" and made[0]["ref"] in " ".join(r for _, _, r in transcript)
    checks.append(Check("restaurant booking", ok, f"booked: {made}", transcript))

    for name, turns, people, stay in (
        (
            "hotel booking: 'for 2 nights from monday'",
            [
                "i need a hotel",
                "a guesthouse in the north",
                "kingfisher lodge please",
                "for 2 people",
                "for 2 nights from monday",
            ],
            "2",
            "2",
        ),
        (
            "hotel booking: '3 nights'",
            ["i am looking for a cheap hotel in the centre", "yes, book it", "for 3 people on friday", "3 nights"],
            "3",
            "3",
        ),
    ):
        transcript, tracker = converse(rasa, name.split(":")[0].replace(" ", "-") + stay, turns)
        made = booked(tracker, "hotel")
        ok = len(made) == 1 and made[0].get("stay") == stay and made[0].get("people") == people
        # booked in the turn that gave the nights, not asked for them again
        ok = ok and made[0]["ref"] in transcript[-1][2]
        checks.append(Check(name, ok, f"booked: {made}, in the turn that gave the nights: {ok}", transcript))

    transcript, tracker = converse(
        rasa, "off-topic", ["who won the world cup in 2018?", "hmm, what's the weather like?", "tell me a joke"]
    )
    said = " ".join(r for _, _, r in transcript).lower()
    ok = all(i == "out_of_scope" for _, i, _ in transcript) and all(r for _, _, r in transcript)
    ok = ok and not booked(tracker, "restaurant") and "2018 people" not in said
    checks.append(
        Check(
            "off-topic answered by tod's fallback",
            ok,
            "Rasa's intents: " + ", ".join(i for _, i, _ in transcript),
            transcript,
        )
    )

    transcript, tracker = converse(
        rasa, "party-2018", ["i need a restaurant in the centre", "a table for 2018 people on friday at 19:00"]
    )
    said = " ".join(r for _, _, r in transcript)
    ok = not booked(tracker, "restaurant") and "2018" not in said
    checks.append(
        Check("a party of 2018 is never booked nor echoed", ok, f"booked: {booked(tracker, 'restaurant')}", transcript)
    )
    return checks


LONG_TURNS = [
    "i need a restaurant in the centre",
    "cheap please",
    "what is the phone number?",
    "anything else?",
    "what is the address?",
    "thanks",
    "i need a hotel in the north",
    "what is the postcode?",
    "thank you",
    "any museums in the centre?",
    "what is the address?",
    "hi",
]


def long_conversation(rasa: Rasa, turns: int) -> tuple[Check, dict[str, Any]]:
    sender = f"long-{turns}"
    empty, started = [], time.perf_counter()
    first = len(rasa.latencies)
    for n in range(turns):
        if not rasa.say(sender, LONG_TURNS[n % len(LONG_TURNS)]):
            empty.append(n + 1)
    elapsed = time.perf_counter() - started
    tracker = rasa.tracker(sender)
    size = len(json.dumps(tracker).encode())
    tod_turn = (tracker.get("slots") or {}).get("tod_turn")
    latencies = sorted(rasa.latencies[first:])
    stats = {
        "turns": turns,
        "tracker_bytes": size,
        "tod_turn": tod_turn,
        "empty_replies": len(empty),
        "seconds": round(elapsed, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
        "max_ms": round(1000 * latencies[-1], 1),
        "last_turns_ms": round(1000 * statistics.median(latencies[-20:]), 1) if latencies else 0,
    }
    ok = not empty and tod_turn == turns
    detail = f"{turns} turns, every one answered: {not empty} (empty: {empty[:5]}), tod_turn {tod_turn}"
    detail += f", tracker {size:,} bytes"
    return Check(f"a {turns}-turn conversation", ok, detail), stats


def report(checks: list[Check], stats: dict[str, Any], args: argparse.Namespace, versions: dict[str, str]) -> str:
    lines = [
        "# examples/rasa_bot checked with real Rasa",
        "",
        f"Command: `python examples/rasa_bot/check_with_rasa.py --long-turns {args.long_turns}` "
        f"({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node() or 'this machine'}, "
        f"{os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the end).",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".",
        "",
        "| check | result | detail |",
        "|---|---|---|",
        *[f"| {c.name} | {'pass' if c.ok else 'FAIL'} | {c.detail} |" for c in checks],
        "",
        "Long conversation: " + ", ".join(f"{k} {v}" for k, v in stats.items()) + ".",
        "",
    ]
    for check in checks:
        if check.transcript:
            lines += [f"## {check.name}", "", "```"]
            for user, intent, reply in check.transcript:
                lines += [f"user ({intent}): {user}", f"bot: {reply}"]
            lines += ["```", ""]
    return "\n".join(lines)


def versions(rasa_bin: str) -> dict[str, str]:
    out = subprocess.run([rasa_bin, "--version"], capture_output=True, text=True, timeout=300).stdout
    found = {}
    for line in out.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("Rasa Version", "Python Version"):
            found[key.strip().replace(" Version", "")] = value.strip()
    import rasa_sdk

    found["rasa-sdk (tod's action server)"] = rasa_sdk.__version__
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rasa",
        default=shutil.which("rasa"),
        help="the rasa executable of a Rasa 3.6 environment (default: rasa on PATH)",
    )
    parser.add_argument(
        "--tod",
        default=str(Path(sys.executable).with_name("tod")),
        help="the tod executable (default: beside this Python)",
    )
    parser.add_argument("--model", help="a folder with a model trained from this project (default: train one)")
    parser.add_argument("--long-turns", type=int, default=400, help="turns of the long conversation (default: 400)")
    parser.add_argument(
        "--tod-args", default="", help="more arguments for tod serve-actions, e.g. '--pipeline my.yaml'"
    )
    parser.add_argument("--work", help="work folder (default: a temporary one, removed afterwards)")
    parser.add_argument("--out", help="write the Markdown report here (default: print it)")
    args = parser.parse_args(argv)
    if not args.rasa or not Path(args.rasa).exists():
        parser.error("no rasa executable: give --rasa PATH (Rasa Open Source 3.6 in a Python 3.10 environment)")
    if args.long_turns < 1:
        parser.error("--long-turns must be at least 1")

    work = Path(args.work or tempfile.mkdtemp(prefix="tod-rasa-check-"))
    project = work / "project"
    shutil.copytree(
        HERE, project, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.py", "models", ".rasa", "__pycache__")
    )
    tod_port, rasa_port = free_port(), free_port()
    (project / "endpoints.yml").write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{tod_port}/webhook"\n')
    models = Path(args.model) if args.model else work / "models"
    if not args.model:
        print(f"training the Rasa model in {models} ...", flush=True)
        trained = subprocess.run(
            [args.rasa, "train", "--out", str(models)], cwd=project, capture_output=True, text=True
        )
        if trained.returncode != 0:
            print(trained.stdout[-3000:], trained.stderr[-3000:], file=sys.stderr)
            return 2
    servers: list[Process] = []
    try:
        tod_command = [
            args.tod,
            "serve-actions",
            "--port",
            str(tod_port),
            "--store",
            str(work / "states.sqlite3"),
            "--log-level",
            "WARNING",
            "--no-progress",
            *args.tod_args.split(),
        ]
        # tod runs where the script was started (the repository root: ../shared/data is found as by make chat)
        servers.append(
            start(
                "tod serve-actions",
                tod_command,
                Path.cwd(),
                work / "tod.log",
                lambda: http(f"http://127.0.0.1:{tod_port}/health", timeout=2) == {"status": "ok"},
                900,
            )
        )
        rasa_command = [
            args.rasa,
            "run",
            "--enable-api",
            "--port",
            str(rasa_port),
            "--interface",
            "127.0.0.1",
            "--model",
            str(models),
            "--endpoints",
            "endpoints.yml",
        ]
        servers.append(
            start(
                "rasa run",
                rasa_command,
                project,
                work / "rasa.log",
                lambda: bool(http(f"http://127.0.0.1:{rasa_port}/status", timeout=5).get("model_file")),
                600,
            )
        )
        rasa = Rasa(f"http://127.0.0.1:{rasa_port}")
        checks = scripted(rasa)
        long_check, stats = long_conversation(rasa, args.long_turns)
        checks.append(long_check)
        text = report(checks, stats, args, versions(args.rasa))
    finally:
        for server in reversed(servers):
            server.stop()
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
