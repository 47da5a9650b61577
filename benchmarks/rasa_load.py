"""Concurrent Rasa conversations against ``tod serve-actions``: errors, leaking state, latency, throughput.

Run from the repository root: ``.venv/bin/python benchmarks/rasa_load.py [--senders 20] [--requests 50]
[--set STAGE.PARAM=VALUE ...] [--cache-dir DIR] [--out DIR]``. Starts the real action server
(``python -m tod.cli.main serve-actions``, rasa-sdk's Sanic app, the cityguide pipeline unless
``--set`` changes it) on a free loopback port with a fresh state store, in its own process session,
and waits for ``GET /health`` (a first start trains the city guide's NLU, about 2 minutes). Then
:func:`tod.testing.rasa_load.run_load` plays Rasa: first one sender alone (``--requests`` turns:
latency without contention), then ``--senders`` senders at once, each over its own keep-alive
connection, carrying tod's slots from answer to answer; every 5th turn is plain text for tod's
NLU, the others carry Rasa's intent and entities. Every answer is checked (HTTP 200, reply, slots,
turn counter, the sender's own belief values) and afterwards the store (each conversation at its
last turn, its history only its own turns). The server is stopped with one SIGTERM to its PID.
Writes ``rasa_load.{json,md}`` to ``--out`` (default ``benchmarks/results``); exit status 1 on any
error or leak. A quick run with a tiny encoder: ``--set nlu.encoder=DIR --set nlu.dialogues=200
--set nlu.epochs=1 --set fallback.encoder=DIR --out /tmp/rasa-load``.
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

from benchlib import machine, tree_rss_mib

from tod.testing.rasa_load import LoadReport, run_load


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--senders", type=int, default=20, help="concurrent conversations (default 20)")
    parser.add_argument("--requests", type=int, default=50, help="turns per conversation (default 50)")
    parser.add_argument("--pipeline", default="cityguide", help="pipeline name or file (default cityguide)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="STAGE.PARAM=VALUE")
    parser.add_argument("--cache-dir", help="model cache (default: $TOD_CACHE or ~/.cache/tod)")
    parser.add_argument("--start-timeout", type=float, default=900.0, help="seconds to wait for /health")
    parser.add_argument("--out", default="benchmarks/results", help="where to write rasa_load.{json,md}")
    args = parser.parse_args()

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
        print(f"server healthy after {start:.1f} s", flush=True)
        alone = run_load(f"{url}/webhook", senders=1, requests=args.requests)
        together = run_load(f"{url}/webhook", senders=args.senders, requests=args.requests, store=store)
        rss = tree_rss_mib(process.pid)
    finally:
        code = stop(process)
    result = report(args, alone, together, start, rss, code)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "rasa_load.json").write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    (out / "rasa_load.md").write_text(text)
    print(text)
    return 0 if alone.ok and together.ok and code == 0 else 1


def report(
    args: argparse.Namespace, alone: LoadReport, together: LoadReport, start: float, rss: float, code: int
) -> dict:
    command = shlex.join(["python", "benchmarks/rasa_load.py", *sys.argv[1:]])
    return {
        "benchmark": "rasa_load",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(with_torch=False),
        "command": command,
        "pipeline": args.pipeline,
        "server": "tod serve-actions (rasa-sdk 3.21.1 Sanic app, single process, one pipeline worker thread)",
        "server_start_s": round(start, 1),
        "server_rss_mib": round(rss, 1),
        "server_exit_code_after_sigterm": code,
        "one_sender": alone.summary(),
        "concurrent": together.summary(),
    }


def markdown(result: dict) -> str:
    m, one, many = result["machine"], result["one_sender"], result["concurrent"]

    def row(name: str, s: dict) -> str:
        lat = s["latency_ms"]
        return (
            f"| {name} | {s['requests']} | {s['errors']} | {s['leaks']} | {s['throughput_per_s']} | "
            f"{lat['p50']} | {lat['p95']} | {lat['max']} |"
        )

    lines = [
        "# rasa_load: concurrent Rasa conversations on `tod serve-actions`",
        "",
        f"- date: {result['date']}",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}",
        f"- command: `{result['command']}`" + (" (`make bench-rasa`)" if result["command"].endswith(".py") else ""),
        f"- server: {result['server']}, pipeline `{result['pipeline']}`, loopback HTTP; healthy "
        f"{result['server_start_s']} s after start; {result['server_rss_mib']} MiB resident after the run; "
        f"exit code {result['server_exit_code_after_sigterm']} after one SIGTERM",
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
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
