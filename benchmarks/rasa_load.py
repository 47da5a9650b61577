"""Rasa conversations against ``tod serve-actions``: errors, leaking state, latency, throughput.

Run from the repository root: ``.venv/bin/python benchmarks/rasa_load.py`` (``make bench-rasa``)
runs two loads, each against its own server (``tod/testing/rasa_load.py`` explains both):

* **closed loop** on the pipeline as configured (tod's NLU included): first one sender alone
  (``--requests`` turns: latency without contention), then ``--senders`` senders at once, each
  sending its next turn when the previous answer is in; every 5th turn is plain text for tod's NLU,
  the others carry Rasa's intent and entities (``--acts-only``: against an acts-only server too);
* **open loop** on the act-level pipeline (``serve-actions --acts-only``): calls arrive on a fixed
  schedule, ``--rate`` per second (200) for ``--duration`` seconds (30), sent over a pool of
  ``--connections`` keep-alive connections (32), each playing conversations of ``--turns`` turns
  (10) with Rasa's intent and entities (every 3rd turn asks for the phone number); a call's latency
  counts from the moment it was due. The run stops by itself: nothing is sent after ``duration +
  --drain`` seconds (10) and every socket times out then.

``--only closed`` or ``--only open`` runs one of them and keeps the other's results recorded in
``--out``. Each server (``python -m tod.cli.main serve-actions``, rasa-sdk's Sanic app, the cityguide
pipeline unless ``--pipeline``/``--set`` change it) runs on a free loopback port with a fresh state
store, in its own process session; the load starts once ``GET /health`` answers (a first start
trains the city guide's NLU, about 2 minutes; acts-only starts in seconds). Every answer is checked
(HTTP 200, reply, slots, turn counter, the conversation's own belief values) and afterwards the
store (each conversation at its last turn, its history only its own turns). The server is stopped
with one SIGTERM to its PID. The results go to ``rasa_load.{json,md}`` in ``--out`` (default
``benchmarks/results``), with the load average before and after each load (the machine may be
shared) and the server's CPU time per request. Exit status 1 on any error or leak, or with
``--max-p95-ms`` a slower open-loop p95. A quick closed-loop run with a tiny encoder: ``--only
closed --set nlu.encoder=DIR --set nlu.dialogues=200 --set nlu.epochs=1 --set fallback.encoder=DIR
--out /tmp/rasa-load``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from benchlib import machine, tree_rss_mib

from tod.testing.rasa_load import run_load, run_rate_load


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float, log: Path) -> float:
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        if process.poll() is not None:
            raise SystemExit(f"the action server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:
                if json.loads(answer.read()) == {"status": "ok"}:
                    return time.perf_counter() - began
        except (OSError, ValueError):
            time.sleep(0.2)
    raise SystemExit(f"the action server was not healthy after {timeout:g} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(5)
    return process.returncode


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc), 0 where unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def measure(args: argparse.Namespace, acts_only: bool, run: Callable[[str, Path], tuple[Any, int]]) -> tuple[Any, dict]:
    """Start the server (``acts_only``: with ``--acts-only``) on a fresh store, ``run(webhook, store)`` ->
    (report, answered calls), stop it; the report and what was seen of the server."""
    scratch = tempfile.TemporaryDirectory(prefix="tod-rasa-load-")
    store, log = Path(scratch.name) / "states.sqlite3", Path(scratch.name) / "server.log"
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "tod.cli.main",
        "serve-actions",
        "--pipeline",
        args.pipeline,
        "--port",
        str(port),
        "--store",
        str(store),
        "--no-progress",
        "--log-level",
        "WARNING",
    ]
    if acts_only:
        command.append("--acts-only")
    for item in args.overrides:
        command += ["--set", item]
    if args.cache_dir:
        command += ["--cache-dir", args.cache_dir]
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "TOKENIZERS_PARALLELISM": "false"}
    print("$ " + shlex.join(command), flush=True)
    with log.open("wb") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        start = wait_healthy(url, process, args.start_timeout, log)
        load_before, cpu_before = load_average(), cpu_seconds(process.pid)
        print(f"server healthy after {start:.1f} s; load average {load_before}", flush=True)
        report, answered = run(f"{url}/webhook", store)
        cpu = cpu_seconds(process.pid) - cpu_before
        load_after, rss = load_average(), tree_rss_mib(process.pid)
    finally:
        code = stop(process)
        scratch.cleanup()
    return report, {
        **run_info(args, acts_only),
        "server_start_s": round(start, 1),
        "server_rss_mib": round(rss, 1),
        "server_cpu_ms_per_request": round(cpu * 1000 / answered, 2) if answered else None,
        "server_exit_code_after_sigterm": code,
        "load_average_before": load_before,
        "load_average_after": load_after,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("closed", "open"), help="run only the closed- or the open-loop load")
    parser.add_argument("--senders", type=int, default=20, help="closed loop: concurrent conversations (default 20)")
    parser.add_argument("--requests", type=int, default=50, help="closed loop: turns per conversation (default 50)")
    parser.add_argument(
        "--acts-only", action="store_true", help="closed loop: against serve-actions --acts-only too (no NLU model)"
    )
    parser.add_argument("--rate", type=float, default=200.0, help="open loop: calls per second (default 200)")
    parser.add_argument("--duration", type=float, default=30.0, help="open loop: seconds of calls (default 30)")
    parser.add_argument("--connections", type=int, default=32, help="open loop: keep-alive connections (default 32)")
    parser.add_argument("--turns", type=int, default=10, help="open loop: turns per conversation (default 10)")
    parser.add_argument("--drain", type=float, default=10.0, help="open loop: seconds allowed after --duration")
    parser.add_argument("--max-p95-ms", type=float, help="open loop: exit status 1 when its p95 latency is higher")
    parser.add_argument("--pipeline", default="cityguide", help="pipeline name or file (default cityguide)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="STAGE.PARAM=VALUE")
    parser.add_argument("--cache-dir", help="model cache (default: $TOD_CACHE or ~/.cache/tod)")
    parser.add_argument("--start-timeout", type=float, default=900.0, help="seconds to wait for /health")
    parser.add_argument("--out", default="benchmarks/results", help="where to write rasa_load.{json,md}")
    args = parser.parse_args()

    out = Path(args.out)
    try:
        result = json.loads((out / "rasa_load.json").read_text())
    except (OSError, ValueError):
        result = {}
    ok = True
    if args.only != "open":

        def closed(webhook: str, store: Path) -> tuple[Any, int]:
            alone = run_load(webhook, senders=1, requests=args.requests)
            together = run_load(webhook, senders=args.senders, requests=args.requests, store=store)
            return (alone, together), len(alone.latencies) + len(together.latencies)

        (alone, together), server = measure(args, args.acts_only, closed)
        result = {
            **server,
            "one_sender": alone.summary(),
            "concurrent": together.summary(),
            **({"rate": result["rate"]} if "rate" in result else {}),
        }
        ok = alone.ok and together.ok and server["server_exit_code_after_sigterm"] == 0
    if args.only != "closed":

        def open_loop(webhook: str, store: Path) -> tuple[Any, int]:
            report = run_rate_load(
                webhook,
                args.rate,
                args.duration,
                connections=args.connections,
                turns=args.turns,
                drain=args.drain,
                store=store,
            )
            return report, report.answered

        rate, server = measure(args, True, open_loop)
        result["rate"] = {**server, "open_loop": rate.summary()}
        ok = ok and rate.ok and server["server_exit_code_after_sigterm"] == 0
        ok = ok and (args.max_p95_ms is None or rate.percentile(0.95) * 1000 <= args.max_p95_ms)
    out.mkdir(parents=True, exist_ok=True)
    (out / "rasa_load.json").write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    (out / "rasa_load.md").write_text(text)
    print(text)
    return 0 if ok else 1


def run_info(args: argparse.Namespace, acts_only: bool) -> dict:
    command = shlex.join(["python", "benchmarks/rasa_load.py", *sys.argv[1:]])
    threads = "turns on the event loop" if acts_only else "one pipeline worker thread"
    return {
        "benchmark": "rasa_load",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(with_torch=False),
        "command": command,
        "pipeline": args.pipeline + (" (acts only: no NLU)" if acts_only else ""),
        "server": f"tod serve-actions (rasa-sdk 3.21.1 Sanic app, single process, {threads})",
    }


def markdown(result: dict) -> str:
    lines = ["# rasa_load: Rasa conversations on `tod serve-actions`", ""]
    if "concurrent" in result:
        lines += closed_loop_markdown(result)
    if "rate" in result:
        lines += open_loop_markdown(result["rate"])
    return "\n".join(lines)


def _setup(run: dict) -> list[str]:
    m = run["machine"]
    cpu = run.get("server_cpu_ms_per_request")
    return [
        f"- date: {run['date']}",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}"
        + (
            f"; load average (1, 5, 15 min) {run['load_average_before']} before, {run['load_average_after']} after"
            if "load_average_before" in run
            else ""
        ),
        f"- command: `{run['command']}`" + (" (`make bench-rasa`)" if run["command"].endswith(".py") else ""),
        f"- server: {run['server']}, pipeline `{run['pipeline']}`, loopback HTTP; healthy "
        f"{run['server_start_s']} s after start; {run['server_rss_mib']} MiB resident after the run; "
        + (f"{cpu} ms of server CPU per request; " if cpu is not None else "")
        + f"exit code {run['server_exit_code_after_sigterm']} after one SIGTERM",
    ]


def closed_loop_markdown(result: dict) -> list[str]:
    one, many = result["one_sender"], result["concurrent"]

    def row(name: str, s: dict) -> str:
        lat = s["latency_ms"]
        return (
            f"| {name} | {s['requests']} | {s['errors']} | {s['leaks']} | {s['throughput_per_s']} | "
            f"{lat['p50']} | {lat['p95']} | {lat['max']} |"
        )

    lines = [
        "## Closed loop: each sender sends its next turn when the answer is in",
        "",
        *_setup(result),
        "- each sender: its own keep-alive connection, tod's slots carried from answer to answer as Rasa's "
        "tracker carries them; 4 of 5 turns with Rasa's intent and entities (its own food and area), every "
        "5th plain text for tod's NLU",
        "- checked: HTTP 200, a reply, tod's slots, `tod_turn` +1 per turn, the belief holding the sender's own "
        "values; afterwards each stored conversation at its last turn with only its own user turns",
        "",
        "| run | requests | errors | leaks | requests/s | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|---|---|---|",
        row("1 sender", one),
        row(f"{many['senders']} senders at once", many),
        "",
    ]
    problems = many["first_errors"] + many["first_leaks"] + one["first_errors"] + one["first_leaks"]
    if problems:
        lines += ["Problems (first few):", "", *[f"- {p}" for p in problems], ""]
    return lines


def open_loop_markdown(run: dict) -> list[str]:
    s = run["open_loop"]
    lat, service, lag = s["latency_ms"], s["service_ms"], s["send_lag_ms"]
    lines = [
        "## Open loop: calls arrive on a fixed schedule",
        "",
        *_setup(run),
        f"- {s['target_rate_per_s']:g} calls/s due for {s['duration_s']:g} s ({s['scheduled']} calls), sent over "
        f"{s['connections']} keep-alive connections, each playing conversations of {s['turns_per_conversation']} "
        f"turns ({s['conversations']} conversations) with Rasa's intent and entities (its own food and area; "
        "every 3rd turn asks for the phone number); the run stops by itself "
        f"{s['duration_s'] + s['drain_s']:g} s after the start at the latest",
        "- latency: from the moment a call was due to its answer (waiting for a free connection included: "
        "no coordinated omission); service: from the actual send; send lag: how late calls were sent",
        "- checked: as in the closed loop, and afterwards every conversation in the store",
        "",
        "| target/s | achieved/s | sent | answered | errors | leaks | p50 ms | p95 ms | p99 ms | max ms "
        "| service p95 ms | send lag p95 ms | run s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {s['target_rate_per_s']:g} | {s['achieved_rate_per_s']} | {s['sent']} | {s['answered']} | {s['errors']} "
        f"| {s['leaks']} | {lat['p50']} | {lat['p95']} | {lat['p99']} | {lat['max']} | {service['p95']} "
        f"| {lag['p95']} | {s['elapsed_s']} |",
        "",
    ]
    problems = s["first_errors"] + s["first_leaks"]
    if problems:
        lines += ["Problems (first few):", "", *[f"- {p}" for p in problems], ""]
    return lines


if __name__ == "__main__":
    sys.exit(main())
