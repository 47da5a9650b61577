"""Two ``tod serve-actions`` servers sharing one PostgreSQL state store, as behind a load balancer.

Run from the repository root: ``.venv/bin/python benchmarks/rasa_shared_store.py`` (``make
bench-rasa-shared``). It starts a throwaway PostgreSQL cluster (``tod/testing/postgres.py``: Debian's
``postgresql`` package, default settings, so every commit is flushed) unless ``--store URL`` names a
running one, then two acts-only servers (``serve-actions --acts-only --store URL``: Rasa's intent and
entities, no NLU model) on two free loopback ports, and runs against both at once
(``tod/testing/rasa_load.py`` explains the loads; every conversation's turns alternate between the
two servers, turn ``i`` to server ``i mod 2``):

* **closed loop**: ``--senders`` (20) conversations of ``--requests`` (50) turns at once, each turn
  sent when the previous answer is in (every 5th turn plain text, answered by nobody on an acts-only
  server);
* **open loop**: ``--rate`` (200) calls per second due for ``--duration`` (30) seconds over
  ``--connections`` (32) keep-alive connections, conversations of ``--turns`` (10) turns, latency
  counted from each call's due time; it stops by itself ``--duration`` + ``--drain`` seconds after
  the start.

First, the store alone (no server): ``--store-turns`` (300) turns of one conversation, each a load and
a save expecting the version loaded, with a 20-turn state, in an SQLite file, in PostgreSQL, and in
PostgreSQL with ``synchronous_commit`` off (the URL's ``options``): wall and CPU milliseconds per turn.

Every answer is checked (HTTP 200, reply, slots, turn counter, the conversation's own belief) and
afterwards the store (each conversation at its last turn, its history only its own turns: a turn that
resumed from Rasa's slots instead of the store would have lost the history and counts as a leak).
Unless ``--no-baseline``, the same open loop then runs against one acts-only server with an SQLite
store on the same machine, for comparison. The results go to ``rasa_shared_store.{json,md}`` in
``--out`` (default ``benchmarks/results``), with the load average before and after and the CPU time
per call of each server and of PostgreSQL. Exit status 1 on any error or leak, or with
``--max-p95-ms`` a slower open-loop p95.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchlib import machine, tree_rss_mib
from rasa_load import cpu_seconds, free_port, load_average, stop, wait_healthy

from tod.testing.postgres import PostgresUnavailable, start_cluster
from tod.testing.rasa_load import run_load, run_rate_load


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of process ``root`` and all its descendants so far (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += cpu_seconds(pid)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


class Servers:
    """Acts-only ``tod serve-actions`` processes on one store, started and stopped together."""

    def __init__(self, args: argparse.Namespace, store: str, count: int, folder: Path) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        self.urls: list[str] = []
        self.logs: list[Path] = []
        env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "TOKENIZERS_PARALLELISM": "false"}
        began = time.perf_counter()
        for index in range(count):
            port = free_port()
            command = [
                sys.executable, "-m", "tod.cli.main", "serve-actions", "--acts-only", "--pipeline", args.pipeline,
                "--port", str(port), "--store", store, "--no-progress", "--log-level", "WARNING",
            ]
            for item in args.overrides:
                command += ["--set", item]
            print("$ " + shlex.join(command).replace(store, _shown(store)), flush=True)
            log = folder / f"server-{index}.log"
            with log.open("wb") as handle:
                self.processes.append(
                    subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True)
                )
            self.urls.append(f"http://127.0.0.1:{port}")
            self.logs.append(log)
        for url, process, log in zip(self.urls, self.processes, self.logs):
            wait_healthy(url, process, args.start_timeout, log)
        #: seconds from starting them all (together) until every one answered GET /health
        self.start_s = round(time.perf_counter() - began, 1)

    @property
    def webhooks(self) -> list[str]:
        return [f"{url}/webhook" for url in self.urls]

    def cpu(self) -> list[float]:
        return [cpu_seconds(p.pid) for p in self.processes]

    def stop(self) -> list[int]:
        return [stop(process) for process in self.processes]


def _shown(store: str) -> str:
    """``store`` without a password, for what is printed and recorded."""
    if "://" not in store:
        return store
    from tod.store.postgres import redact

    return redact(store)


def store_timing(location: str, turns: int) -> dict[str, float]:
    """Wall and CPU milliseconds of one load and one compare-and-set save of a 20-turn state, over ``turns``."""
    from tod.dialogue import SYSTEM, USER, Turn
    from tod.state import DialogueState
    from tod.store import open_store

    state = DialogueState(
        history=tuple(Turn(USER if i % 2 == 0 else SYSTEM, f"what one says in turn {i} of the talk") for i in range(40))
    )
    with open_store(location, "bench") as store:
        store.save("timing", state, 0)
        wall, cpu = time.perf_counter(), time.process_time()
        for turn in range(1, turns + 1):
            record = store.load("timing")
            assert record is not None
            store.save("timing", state, turn, expect=record.version)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        store.delete("timing")
    return {"wall_ms_per_turn": round(wall * 1000 / turns, 2), "cpu_ms_per_turn": round(cpu * 1000 / turns, 2)}


def _command(args: argparse.Namespace) -> str:
    command = shlex.join(["python", "benchmarks/rasa_shared_store.py", *sys.argv[1:]])
    return command.replace(args.store, _shown(args.store)) if args.store else command


def measure(args: argparse.Namespace, servers: Servers, postgres_pid: int | None, run: Any) -> tuple[Any, dict]:
    """``run(webhooks) -> (report, answered calls)`` against ``servers``; the report and what was seen."""
    load_before = load_average()
    cpu_before = servers.cpu()
    pg_before = tree_cpu_seconds(postgres_pid) if postgres_pid else 0.0
    report, answered = run(servers.webhooks)
    cpu = [after - before for after, before in zip(servers.cpu(), cpu_before)]
    seen: dict[str, Any] = {
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "server_cpu_ms_per_call": round(sum(cpu) * 1000 / answered, 2) if answered else None,
        "server_cpu_s": [round(c, 2) for c in cpu],
    }
    if postgres_pid:
        pg = tree_cpu_seconds(postgres_pid) - pg_before
        seen["postgres_cpu_ms_per_call"] = round(pg * 1000 / answered, 2) if answered else None
    return report, seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", help="a running PostgreSQL's URL (default: start a throwaway cluster)")
    parser.add_argument("--servers", type=int, default=2, help="action servers sharing the store (default 2)")
    parser.add_argument("--senders", type=int, default=20, help="closed loop: concurrent conversations (default 20)")
    parser.add_argument("--requests", type=int, default=50, help="closed loop: turns per conversation (default 50)")
    parser.add_argument("--rate", type=float, default=200.0, help="open loop: calls per second (default 200)")
    parser.add_argument("--duration", type=float, default=30.0, help="open loop: seconds of calls (default 30)")
    parser.add_argument("--connections", type=int, default=32, help="open loop: keep-alive connections (default 32)")
    parser.add_argument("--turns", type=int, default=10, help="open loop: turns per conversation (default 10)")
    parser.add_argument("--drain", type=float, default=10.0, help="open loop: seconds allowed after --duration")
    parser.add_argument("--store-turns", type=int, default=300, help="turns of the store-alone timing (default 300)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the one-server SQLite run of the open loop")
    parser.add_argument("--max-p95-ms", type=float, help="exit status 1 when the shared open loop's p95 is higher")
    parser.add_argument("--pipeline", default="cityguide", help="pipeline name or file (default cityguide)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="STAGE.PARAM=VALUE")
    parser.add_argument("--start-timeout", type=float, default=120.0, help="seconds to wait for /health")
    parser.add_argument("--out", default="benchmarks/results", help="where to write rasa_shared_store.{json,md}")
    args = parser.parse_args()
    if args.servers < 1:
        parser.error("--servers must be at least 1")

    def closed(webhooks: list[str], store: str) -> tuple[Any, int]:
        report = run_load(webhooks, senders=args.senders, requests=args.requests, store=store)
        return report, len(report.latencies)

    def open_loop(webhooks: list[str], store: str) -> tuple[Any, int]:
        report = run_rate_load(
            webhooks, args.rate, args.duration, connections=args.connections, turns=args.turns,
            drain=args.drain, store=store,
        )
        return report, report.answered

    result: dict[str, Any] = {
        "benchmark": "rasa_shared_store",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(with_torch=False),
        "command": _command(args),
        "pipeline": f"{args.pipeline} (acts only: no NLU)",
        "server": (
            "tod serve-actions --acts-only (rasa-sdk 3.21.1 Sanic app, single process; turns in its one pipeline "
            "worker thread with a PostgreSQL store, on the event loop with SQLite)"
        ),
    }
    ok = True
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tod-shared-store-")))
        postgres_pid = None
        if args.store:
            store, result["postgres"] = args.store, f"given: {_shown(args.store)}"
        else:
            try:
                cluster = start_cluster()
            except PostgresUnavailable as error:
                print(f"cannot start PostgreSQL: {error}", file=sys.stderr)
                return 2
            stack.callback(cluster.stop)
            store = cluster.url
            postgres_pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
            version = cluster.execute("SHOW server_version")[0][0]
            result["postgres"] = (
                f"PostgreSQL {version}, throwaway cluster on loopback TCP (tod/testing/postgres.py), default "
                "settings (fsync on, synchronous_commit on)"
            )
        sqlite_timing = str(scratch / "timing.sqlite3")
        separator = "&" if "?" in store else "?"
        result["store_alone"] = {
            "turns": args.store_turns,
            "sqlite": store_timing(sqlite_timing, args.store_turns),
            "postgres": store_timing(store, args.store_turns),
            "postgres_synchronous_commit_off": store_timing(
                f"{store}{separator}options=-csynchronous_commit%3Doff", args.store_turns
            ),
        }
        print(f"store alone: {json.dumps(result['store_alone'])}", flush=True)
        servers = Servers(args, store, args.servers, scratch)
        try:
            result["servers"] = args.servers
            result["server_start_s"] = servers.start_s
            report, seen = measure(args, servers, postgres_pid, lambda w: closed(w, store))
            result["closed_loop"] = {**report.summary(), **seen}
            ok = ok and report.ok
            print(f"closed loop: {json.dumps(result['closed_loop']['latency_ms'])}, errors {len(report.errors)}, "
                  f"leaks {len(report.leaks)}", flush=True)
            report, seen = measure(args, servers, postgres_pid, lambda w: open_loop(w, store))
            result["open_loop"] = {**report.summary(), **seen}
            ok = ok and report.ok
            ok = ok and (args.max_p95_ms is None or report.percentile(0.95) * 1000 <= args.max_p95_ms)
            print(f"open loop: {json.dumps(result['open_loop']['latency_ms'])}, errors {len(report.errors)}, "
                  f"leaks {len(report.leaks)}", flush=True)
            result["server_rss_mib"] = round(sum(tree_rss_mib(p.pid) for p in servers.processes), 1)
        finally:
            codes = servers.stop()
        result["server_exit_codes_after_sigterm"] = codes
        ok = ok and all(code == 0 for code in codes)
        if not args.no_baseline:
            sqlite = str(scratch / "baseline.sqlite3")
            one = Servers(args, sqlite, 1, scratch)
            try:
                report, seen = measure(args, one, None, lambda w: open_loop(w, sqlite))
            finally:
                one.stop()
            result["baseline_open_loop"] = {"store": "SQLite, one server", **report.summary(), **seen}
            print(f"baseline: {json.dumps(result['baseline_open_loop']['latency_ms'])}", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "rasa_shared_store.json").write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    (out / "rasa_shared_store.md").write_text(text)
    print(text)
    return 0 if ok else 1


def markdown(r: dict) -> str:
    m = r["machine"]
    lines = [
        "# rasa_shared_store: two `tod serve-actions` servers, one PostgreSQL store",
        "",
        f"- date: {r['date']}",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']} (servers, "
        "PostgreSQL and the client share these cores)",
        f"- command: `{r['command']}`" + (" (`make bench-rasa-shared`)" if r["command"].endswith(".py") else ""),
        f"- store: {r['postgres']}",
        f"- servers: {r['servers']} x {r['server']}, pipeline `{r['pipeline']}`, loopback HTTP; all healthy "
        f"{r['server_start_s']} s after they were started together; {r.get('server_rss_mib')} MiB resident "
        f"together after the runs; exit codes {r['server_exit_codes_after_sigterm']} after one SIGTERM each",
        "- every conversation's turns alternate between the servers (turn i to server i mod n), tod's slots "
        "carried from answer to answer as Rasa's tracker carries them",
        "- checked: HTTP 200, a reply, tod's slots, `tod_turn` +1 per turn, the belief holding the conversation's "
        "own values; afterwards each stored conversation at its last turn with its whole history, only its own "
        "turns",
        "",
    ]
    if "store_alone" in r:
        t = r["store_alone"]
        lines += [
            f"## The store alone: one load and one compare-and-set save per turn ({t['turns']} turns, 20-turn state)",
            "",
            "| store | wall ms/turn | CPU ms/turn (client) |",
            "|---|---|---|",
            *(
                f"| {name} | {t[key]['wall_ms_per_turn']} | {t[key]['cpu_ms_per_turn']} |"
                for name, key in [
                    ("SQLite (WAL, synchronous=NORMAL)", "sqlite"),
                    ("PostgreSQL (synchronous_commit on: each commit flushed)", "postgres"),
                    ("PostgreSQL, synchronous_commit off", "postgres_synchronous_commit_off"),
                ]
            ),
            "",
        ]
    c = r["closed_loop"]
    lines += [
        "## Closed loop: each sender sends its next turn when the answer is in",
        "",
        "| senders x turns | requests | errors | leaks | requests/s | p50 ms | p95 ms | max ms "
        "| server CPU ms/call | PostgreSQL CPU ms/call |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {c['senders']} x {c['requests_per_sender']} | {c['requests']} | {c['errors']} | {c['leaks']} "
        f"| {c['throughput_per_s']} | {c['latency_ms']['p50']} | {c['latency_ms']['p95']} | {c['latency_ms']['max']} "
        f"| {c['server_cpu_ms_per_call']} | {c.get('postgres_cpu_ms_per_call', '-')} |",
        "",
        f"Load average (1, 5, 15 min): {c['load_average_before']} before, {c['load_average_after']} after.",
        "",
        "## Open loop: calls arrive on a fixed schedule",
        "",
        "Latency counts from the moment a call was due (waiting for a free connection included: no "
        "coordinated omission); service from the actual send.",
        "",
        "| run | target/s | achieved/s | sent | answered | errors | leaks | p50 ms | p95 ms | p99 ms | max ms "
        "| service p95 ms | server CPU ms/call | PostgreSQL CPU ms/call | load avg before / after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    runs = [(f"{r['servers']} servers, PostgreSQL", r["open_loop"])]
    if "baseline_open_loop" in r:
        runs.append(("1 server, SQLite (baseline)", r["baseline_open_loop"]))
    for name, s in runs:
        lat = s["latency_ms"]
        lines.append(
            f"| {name} | {s['target_rate_per_s']:g} | {s['achieved_rate_per_s']} | {s['sent']} | {s['answered']} "
            f"| {s['errors']} | {s['leaks']} | {lat['p50']} | {lat['p95']} | {lat['p99']} | {lat['max']} "
            f"| {s['service_ms']['p95']} | {s['server_cpu_ms_per_call']} | {s.get('postgres_cpu_ms_per_call', '-')} "
            f"| {s['load_average_before']} / {s['load_average_after']} |"
        )
    o = r["open_loop"]
    lines += [
        "",
        f"{o['conversations']} conversations of {o['turns_per_conversation']} turns over {o['connections']} "
        f"connections, {o['duration_s']:g} s of calls; the run stops by itself "
        f"{o['duration_s'] + o['drain_s']:g} s after the start at the latest.",
        "",
    ]
    problems = c["first_errors"] + c["first_leaks"] + o["first_errors"] + o["first_leaks"]
    if problems:
        lines += ["Problems (first few):", "", *[f"- {p}" for p in problems], ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
