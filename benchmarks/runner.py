"""One entry point for every benchmark: run each script, compare with what the issues recorded, report.

``python -m benchmarks`` (``make bench``) runs every benchmark of :mod:`benchmarks.registry` as a
subprocess, with the exact command printed and kept, measures its wall time and the peak resident
memory of its process tree (sampled every 0.5 s), reads the JSON it writes and compares its headline
numbers with the JSON recorded in ``benchmarks/results/`` before the run. The report goes to
``benchmarks/results/latest.{md,json}``. The recorded files stay as the issues recorded them: a
script that takes ``--out`` writes into this run's work directory; for the others the recorded
files are kept before the run and put back after it (``--record`` keeps the fresh ones instead).

Comparison: quality numbers must match within their stated tolerance (``TRAINED_POINTS`` for
models trained on CPU with a seed, ``EXACT_POINTS`` for everything computed without training;
counts exactly), or the exit status is 1. Speed and memory are flagged outside a factor of
``SPEED_FACTOR`` of the record, without failing. ``--quick`` runs a smaller profile whose numbers
are not compared and whose report goes to the work directory.

Exit status: 0 all ran and every quality number matched; 1 a benchmark failed or a quality number
did not match; 2 a usage error or missing data (nothing ran); 130 interrupted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .benchlib import machine, tree_rss_mib

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"

# Tolerances. Training on CPU is deterministic for a seed on the same machine kind and thread count
# (README), so a trained model's scores should repeat exactly; 0.5 points is the seed-to-seed noise
# measured on ATIS (results/atis_nlu_exploration.md): a change beyond it is not noise.
TRAINED_POINTS = 0.5
EXACT_POINTS = 0.05  # percentages computed without training (rule tracker, act-level simulation, ...)
EXACT_UNIT = 0.001  # correlations, kappas, R² (seeded cross-validation and bootstrap)
SPEED_FACTOR = 1.3  # speed and memory: flagged beyond x1.3 or /1.3 of the record

QUALITY, COUNT, TIME, RATE, MEMORY, INFO = "quality", "count", "time", "rate", "memory", "info"
OK, MISMATCH, MISSING, NO_RECORD, NOT_COMPARED = "ok", "MISMATCH", "MISSING", "no record", "not compared"
NOT_MEASURED = "not measured"  # the benchmark failed or did not run
FAILING = (MISMATCH, MISSING)


@dataclass(frozen=True)
class Metric:
    """One headline number of a benchmark. ``key`` is stable (it pairs the fresh and the recorded value)."""

    key: str
    label: str
    value: float | None
    unit: str = ""
    kind: str = INFO
    tolerance: float = 0.0  # QUALITY and COUNT: the largest absolute difference that still matches
    command: str | None = None  # where one benchmark runs several commands (simulation): this number's


def quality(key: str, label: str, value: Any, unit: str = "%", tolerance: float = TRAINED_POINTS) -> Metric:
    return Metric(key, label, _number(value), unit, QUALITY, tolerance)


def count(key: str, label: str, value: Any) -> Metric:
    return Metric(key, label, _number(value), "", COUNT, 0.0)


def seconds(key: str, label: str, value: Any, unit: str = "s") -> Metric:
    return Metric(key, label, _number(value), unit, TIME)


def rate(key: str, label: str, value: Any, unit: str) -> Metric:
    return Metric(key, label, _number(value), unit, RATE)


def memory(key: str, label: str, value: Any) -> Metric:
    return Metric(key, label, _number(value), "MiB", MEMORY)


def info(key: str, label: str, value: Any, unit: str = "") -> Metric:
    return Metric(key, label, _number(value), unit, INFO)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def verdict(metric: Metric, recorded: float | None, compared: bool = True) -> str:
    """How a fresh number stands against the recorded one (``FAILING`` verdicts fail the run)."""
    if metric.kind == INFO:
        return ""
    if not compared:
        return NOT_COMPARED
    if recorded is None:
        return NO_RECORD
    if metric.value is None:
        return MISSING if metric.kind in (QUALITY, COUNT) else "missing"
    now = metric.value
    if metric.kind in (QUALITY, COUNT):
        return OK if abs(now - recorded) <= metric.tolerance + 1e-9 else MISMATCH
    if recorded <= 0 or now <= 0:
        return OK if now == recorded else _factor_flag(metric.kind, math.inf if now > recorded else 0.0)
    ratio = now / recorded
    if 1 / SPEED_FACTOR <= ratio <= SPEED_FACTOR:
        return OK
    return _factor_flag(metric.kind, ratio)


def _factor_flag(kind: str, ratio: float) -> str:
    higher = ratio > 1
    shown = "x inf" if math.isinf(ratio) else ("x0" if ratio == 0 else f"x{ratio:.2f}")
    if kind == MEMORY:
        return f"MORE MEMORY {shown}" if higher else f"LESS MEMORY {shown}"
    slower = higher if kind == TIME else not higher
    return f"SLOWER {shown}" if slower else f"FASTER {shown}"


def is_flag(text: str) -> bool:
    """A speed or memory number outside ``SPEED_FACTOR`` of the record."""
    return text.startswith(("SLOWER", "FASTER", "MORE MEMORY", "LESS MEMORY"))


@dataclass
class Context:
    """What a benchmark's command builder may use; ``state`` carries choices to the metric readers."""

    root: Path
    results: Path
    data: Path
    data_given: bool
    work: Path
    models: Path
    quick: bool
    given_models: dict[str, Path] = field(default_factory=dict)
    ready_models: dict[str, Path] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def data_args(self, sub: str = "") -> list[str]:
        """``--data DIR`` when ``--data`` was given; nothing otherwise (the scripts' default is the same)."""
        return ["--data", str(self.data / sub if sub else self.data)] if self.data_given else []

    def model(self, name: str) -> Path | None:
        """The model a ``model_dir`` benchmark prepared (or ``--mwz-nlu``-style given), if there is one."""
        return self.given_models.get(name) or self.ready_models.get(name)

    def note(self, text: str) -> None:
        self.notes.append(text)
        say(text)


@dataclass(frozen=True)
class Bench:
    """One benchmark: how to run it, where its JSON is, which numbers count, how long it takes."""

    name: str
    about: str
    argv: Callable[[Context], list[str] | None]  # after the interpreter; None: nothing to run
    metrics: Callable[[dict, Context], list[Metric]]
    estimate: Callable[[dict | None, Context], tuple[float, str]]  # (seconds on 2 cores, basis)
    quick_argv: Callable[[Context], list[str] | None] | None = None  # None: not in --quick
    quick_estimate: float = 60.0  # seconds of the --quick profile on 2 cores (measured)
    results: tuple[str, ...] = ()  # files it writes in benchmarks/results (first: its JSON)
    out_option: str | None = None  # "dir": takes --out DIR; "stem": --out DIR/STEM (writes STEM.json)
    data: tuple[str, ...] = ()  # paths under --data it reads
    group: str | None = None  # consecutive benchmarks of one group run side by side
    requires: tuple[str, ...] = ()  # benchmarks (model_dir steps) it uses; selected with it
    model_dir: Callable[[Context], Path] | None = None  # a step that trains a model there (cached)
    recorded: Callable[[Path], dict | None] | None = None  # the record, when not results/<results[0]>


@dataclass
class Outcome:
    bench: Bench
    status: str  # "ok", "failed (exit N)", "cached", "skipped: why"
    command: str | None = None
    wall_s: float | None = None
    peak_rss_mib: float | None = None
    estimate_s: float | None = None
    log: Path | None = None
    fresh: dict | None = None
    recorded: dict | None = None
    rows: list[dict] = field(default_factory=list)

    @property
    def ran(self) -> bool:
        return self.status in ("ok", "cached") or self.status.startswith("failed")


def say(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def shown(argv: Sequence[str]) -> str:
    """The command as a user types it."""
    text = shlex.join(["python", *argv])
    return "tod" + text[len("python -m tod.cli.main") :] if text.startswith("python -m tod.cli.main") else text


def read_json(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def write_bytes(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)


# --- selection ------------------------------------------------------------------------------------


def select(registry: Sequence[Bench], only: Sequence[str] | None, skip: Sequence[str], quick: bool) -> list[Bench]:
    """The benchmarks to run, in registry order: ``only`` (and what they require) minus ``skip``."""
    names = [b.name for b in registry]
    for name in [*(only or []), *skip]:
        if name not in names:
            raise UsageError(f"unknown benchmark {name!r}; known: {', '.join(names)}")
    by_name = {b.name: b for b in registry}
    wanted = set(only) if only else set(names)
    for name in list(wanted):
        wanted.update(by_name[name].requires)
    chosen = [b for b in registry if b.name in wanted and b.name not in skip]
    if quick:
        chosen = [b for b in chosen if b.quick_argv is not None]
    return chosen


def steps(benches: Sequence[Bench], sequential: bool) -> list[list[Bench]]:
    """Consecutive benchmarks of one group form one step (run side by side)."""
    out: list[list[Bench]] = []
    for bench in benches:
        if not sequential and out and bench.group and out[-1][-1].group == bench.group:
            out[-1].append(bench)
        else:
            out.append([bench])
    return out


class UsageError(Exception):
    pass


def missing_data(benches: Sequence[Bench], data: Path) -> dict[str, list[str]]:
    missing: dict[str, list[str]] = {}
    for bench in benches:
        for path in bench.data:
            if not (data / path).exists():
                missing.setdefault(str(data / path), []).append(bench.name)
    return missing


def recorded_of(bench: Bench, results: Path) -> dict | None:
    if bench.recorded is not None:
        return bench.recorded(results)
    return read_json(results / bench.results[0]) if bench.results else None


def is_cached(bench: Bench, ctx: Context) -> bool:
    """A model step whose model exists, trained by the same command (its stamp file says so)."""
    if bench.model_dir is None:
        return False
    target = bench.model_dir(ctx)
    argv = bench.argv(ctx)
    stamp = target.with_name(target.name + ".command")
    return (
        argv is not None
        and (target / "meta.json").exists()
        and stamp.exists()
        and stamp.read_text(encoding="utf-8").strip() == shown(argv)
    )


# --- running --------------------------------------------------------------------------------------


@dataclass
class Running:
    bench: Bench
    process: subprocess.Popen[bytes]
    argv: list[str]
    log: Path
    started: float
    estimate: float
    snapshot: dict[Path, bytes | None]
    out: Path
    peak: float = 0.0


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    for key, value in (
        ("OMP_WAIT_POLICY", "PASSIVE"),
        ("TOKENIZERS_PARALLELISM", "false"),
        ("HF_HUB_OFFLINE", "1"),
        ("PYTHONUNBUFFERED", "1"),
    ):
        env.setdefault(key, value)
    return env


def start(bench: Bench, ctx: Context, argv: list[str], estimate: float, index: str) -> Running:
    out = ctx.work / bench.name
    out.mkdir(parents=True, exist_ok=True)
    full = list(argv)
    if bench.out_option == "dir":
        full += ["--out", str(out)]
    elif bench.out_option == "stem":
        full += ["--out", str(out / Path(bench.results[0]).stem)]
    snapshot: dict[Path, bytes | None] = {}
    if bench.out_option is None:
        # The script writes into benchmarks/results itself: keep what is recorded, to put it back.
        for name in bench.results:
            path = ctx.results / name
            snapshot[path] = path.read_bytes() if path.exists() else None
            if snapshot[path] is not None:
                keep = ctx.work / "recorded" / name
                keep.parent.mkdir(parents=True, exist_ok=True)
                keep.write_bytes(snapshot[path])
    log = ctx.work / f"{bench.name}.log"
    say(f"{index} {bench.name}: started (estimate {minutes(estimate)}), log {log}")
    say(f"    $ {shown(full)}")
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, *full],
            cwd=ctx.root,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=child_env(),
            start_new_session=True,  # its own process group: an interrupt reaches its workers too
            preexec_fn=_default_sigint,
        )
    return Running(bench, process, full, log, time.perf_counter(), estimate, snapshot, out)


def _default_sigint() -> None:
    """In the child: Ctrl-C raises KeyboardInterrupt even when the runner was started in the background."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def finish(run: Running, ctx: Context, record: bool) -> Outcome:
    bench, code = run.bench, run.process.returncode
    wall = time.perf_counter() - run.started
    fresh: dict | None
    if bench.model_dir is not None:
        target = bench.model_dir(ctx)
        fresh = read_json(target / "meta.json") if code == 0 else None
        if code == 0:
            write_text(target.with_name(target.name + ".command"), shown(run.argv) + "\n")
            ctx.ready_models[bench.name] = target
    elif bench.out_option is not None:
        name = bench.results[0] if bench.out_option == "dir" else Path(bench.results[0]).name
        fresh = read_json(run.out / name)
        if record and code == 0:
            for name in bench.results:
                if (run.out / name).exists():
                    write_bytes(ctx.results / name, (run.out / name).read_bytes())
    else:
        fresh = None
        for path, before in run.snapshot.items():
            after = path.read_bytes() if path.exists() else None
            if after is not None and after != before:
                write_bytes(run.out / path.name, after)
                if path == ctx.results / bench.results[0]:
                    fresh = read_json(run.out / path.name)
        if not (record and code == 0):
            restore(run.snapshot)
    status = "ok" if code == 0 else f"failed (exit {code})"
    if code == 0 and fresh is None:
        status = "failed (exit 0 but no results JSON)"
    say(f"{bench.name}: {status} after {minutes(wall)}, peak RSS {run.peak:.0f} MiB")
    if status != "ok":
        tail = run.log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        for line in tail:
            say(f"    | {line}")
    return Outcome(bench, status, shown(run.argv), wall, run.peak, run.estimate, run.log, fresh)


def restore(snapshot: dict[Path, bytes | None]) -> None:
    for path, before in snapshot.items():
        if before is None:
            path.unlink(missing_ok=True)
        elif not path.exists() or path.read_bytes() != before:
            write_bytes(path, before)


def stop(running: Sequence[Running]) -> None:
    """Interrupt the unfinished process groups this runner started (their ``finally`` blocks run), then kill
    them, and put back the recorded files they may have overwritten."""
    for run in running:
        if run.process.poll() is None:
            try:
                os.killpg(run.process.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 20
    for run in running:
        for then in (signal.SIGTERM, signal.SIGKILL):
            try:
                run.process.wait(max(0.1, deadline - time.monotonic()))
                break
            except subprocess.TimeoutExpired:
                deadline = time.monotonic() + 5
                try:
                    os.killpg(run.process.pid, then)
                except ProcessLookupError:
                    pass
        run.process.wait()
        restore(run.snapshot)


def run_step(
    step: Sequence[Bench], ctx: Context, record: bool, estimates: dict[str, float], first: int, total: int
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    pending: list[Running] = []  # started and not finished: what an interrupt has to stop and put back
    try:
        for offset, bench in enumerate(step):
            index = f"[{first + offset}/{total}]"
            if is_cached(bench, ctx):
                assert bench.model_dir is not None
                target = bench.model_dir(ctx)
                ctx.ready_models[bench.name] = target
                say(f"{index} {bench.name}: cached in {target} (trained by the same command), not retrained")
                argv = bench.argv(ctx) or []
                outcomes.append(Outcome(bench, "cached", shown(argv), fresh=read_json(target / "meta.json")))
                continue
            argv = (bench.quick_argv if ctx.quick and bench.quick_argv else bench.argv)(ctx)
            if argv is None:
                outcomes.append(Outcome(bench, "skipped: nothing to run"))
                continue
            pending.append(start(bench, ctx, argv, estimates.get(bench.name, 0.0), index))
        interval, last_beat = 0.1, time.perf_counter()
        while pending:
            time.sleep(interval)
            interval = min(0.5, interval * 1.5)
            for run in list(pending):
                run.peak = max(run.peak, tree_rss_mib(run.process.pid))
                if run.process.poll() is not None:
                    pending.remove(run)
                    outcomes.append(finish(run, ctx, record))
            if pending and time.perf_counter() - last_beat >= 60:
                last_beat = time.perf_counter()
                for run in pending:
                    say(
                        f"{run.bench.name}: running {minutes(last_beat - run.started)} "
                        f"(estimate {minutes(run.estimate)}), peak RSS so far {run.peak:.0f} MiB"
                    )
    except BaseException:
        stop(pending)
        raise
    order = {b.name: i for i, b in enumerate(step)}
    return sorted(outcomes, key=lambda o: order[o.bench.name])


def minutes(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f} s" if value < 90 else f"{value / 60:.1f} min"


# --- comparing and reporting ----------------------------------------------------------------------


def compare(outcome: Outcome, ctx: Context, previous: dict | None) -> None:
    """Fill ``outcome.rows``: each headline number, fresh against recorded, with its verdict."""
    bench, compared = outcome.bench, not ctx.quick
    now = {m.key: m for m in bench.metrics(outcome.fresh, ctx)} if outcome.fresh is not None else {}
    then = {m.key: m for m in bench.metrics(outcome.recorded, ctx)} if outcome.recorded is not None else {}
    keys = list(now) + [k for k in then if k not in now]
    before = ((previous or {}).get("benchmarks") or {}).get(bench.name) or {}
    runner_metrics = [
        seconds("run.wall_s", "wall time (runner)", outcome.wall_s),
        memory("run.peak_rss_mib", "peak RSS of the process tree (runner)", outcome.peak_rss_mib),
    ]
    for key in keys:
        metric = now[key] if key in now else with_value(then[key], None)
        recorded = then[key].value if key in then else None
        judged = verdict(metric, recorded, compared) if outcome.fresh is not None else NOT_MEASURED
        outcome.rows.append(row(metric, recorded, "" if metric.kind == INFO else judged))
    if outcome.status == "ok":
        for metric in runner_metrics:
            recorded = before.get(metric.key) if (previous or {}).get("profile") == "full" else None
            outcome.rows.append(row(metric, recorded, verdict(metric, recorded, compared)))


def with_value(metric: Metric, value: float | None) -> Metric:
    return Metric(metric.key, metric.label, value, metric.unit, metric.kind, metric.tolerance, metric.command)


def row(metric: Metric, recorded: float | None, judged: str) -> dict:
    return {
        "key": metric.key,
        "label": metric.label,
        "unit": metric.unit,
        "kind": metric.kind,
        "tolerance": metric.tolerance if metric.kind in (QUALITY, COUNT) else None,
        "now": metric.value,
        "recorded": recorded,
        "verdict": judged,
        "command": metric.command,
    }


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "%":
        text = f"{value:.2f}"
    elif float(value).is_integer() and abs(value) < 1e7:
        text = f"{value:.0f}"
    elif abs(value) >= 100:
        text = f"{value:.1f}"
    elif abs(value) >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.4g}"
    return f"{text} {unit}".strip() if unit else text


def change(entry: dict) -> str:
    now, then = entry["now"], entry["recorded"]
    if now is None or then is None or entry["kind"] == INFO:
        return ""
    if entry["kind"] in (QUALITY, COUNT):
        return f"{now - then:+.2f}" if entry["kind"] == QUALITY else f"{now - then:+.0f}"
    return f"x{now / then:.2f}" if then else ""


def shown_verdict(text: str) -> str:
    return f"**{text}**" if text in FAILING or is_flag(text) or text == "missing" else text


def summarise(outcomes: Sequence[Outcome], summary: Sequence[tuple[str, str, str]], quick: bool = False) -> list[dict]:
    """The issue's summary items: (item, benchmark, metric key prefix) -> rows found in the outcomes."""
    found = {o.bench.name: o for o in outcomes}
    out = []
    for item, name, key in summary:
        outcome = found.get(name)
        if outcome is None:  # not selected in this run
            continue
        matches = [r for r in outcome.rows if r["key"] == key or r["key"].startswith(key + ".")]
        if not matches and quick and outcome.status == "ok":  # the quick profile leaves some parts out
            continue
        if not matches:
            out.append(
                {
                    "item": item,
                    "benchmark": name,
                    "label": key,
                    "now": None,
                    "recorded": None,
                    "unit": "",
                    "verdict": outcome.status if outcome.status != "ok" else NOT_MEASURED,
                    "command": None,
                    "kind": INFO,
                }
            )
        for entry in matches:
            out.append({"item": item, "benchmark": name, **entry, "command": entry["command"] or outcome.command})
    return out


def report_markdown(report: dict) -> str:
    m = report["machine"]
    head = report["outcome"]
    lines = [
        "# Benchmarks: the latest run of every benchmark, against what the issues recorded",
        "",
        f"- date: {report['date']}; profile: **{report['profile']}**"
        + (" (a smoke run: smaller sizes, numbers not compared)" if report["profile"] == "quick" else ""),
        f"- machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('memory_gib')} GiB, GPU: {m.get('gpu') or 'none'}",
        f"- command: `{report['command']}`",
        f"- total wall time: {minutes(report['wall_s'])} (estimated from the recorded durations: "
        f"{minutes(report['estimate_s'])}); load average (1 min) at the start {report['load_average']['start']}, "
        f"at the end {report['load_average']['end']}; logs and each benchmark's fresh results: `{report['work']}`",
        f"- outcome: {head['ran']} benchmarks ran, {head['failed']} failed; {head['quality_compared']} quality "
        f"numbers and counts compared, {head['mismatches']} mismatched; {head['flags']} speed or memory numbers "
        f"outside x{SPEED_FACTOR} of the record; exit status {report['exit_status']}",
        f"- tolerances: scores of models trained on CPU with a seed within ±{TRAINED_POINTS} points (training is "
        f"deterministic on the same machine kind and thread count; {TRAINED_POINTS} is the seed-to-seed noise on "
        f"ATIS); other percentages within ±{EXACT_POINTS} points, correlations, κ and R² within ±{EXACT_UNIT}, counts "
        f"exactly: outside them the run fails. Speed and memory within a factor {SPEED_FACTOR} of the record, "
        "flagged (not failing) outside it: they depend on the machine and its load",
        "- peak RSS (runner): resident memory summed over a benchmark's whole process tree, sampled every 0.5 s; "
        "the training peaks are the benchmarks' own measurements of their training command",
        *(f"- note: {n}" for n in report["notes"]),
        "",
        "## Summary",
        "",
        "| item | benchmark | number | now | recorded | verdict | command |",
        "|---|---|---|---|---|---|---|",
    ]
    for entry in report["summary"]:
        lines.append(
            f"| {entry['item']} | {entry['benchmark']} | {entry['label']} | {fmt(entry['now'], entry['unit'])} | "
            f"{fmt(entry['recorded'], entry['unit'])} | {shown_verdict(entry['verdict'])} | "
            + (f"`{entry['command']}`" if entry["command"] else "")
            + " |"
        )
    lines += ["", "## Each benchmark", ""]
    for name, entry in report["benchmarks"].items():
        lines += [f"### {name}: {entry['status']}", "", f"{entry['about']}", ""]
        if entry["command"]:
            lines.append(f"- command: `{entry['command']}`")
        lines.append(
            f"- wall time {minutes(entry['wall_s'])} (estimate {minutes(entry['estimate_s'])}: {entry['basis']}); "
            f"peak RSS {fmt(entry['peak_rss_mib'], 'MiB')}" + (f"; log `{entry['log']}`" if entry["log"] else "")
        )
        rec = entry["recorded_run"]
        if rec:
            lines.append(
                f"- recorded: {rec.get('date') or 'no date'}, `{rec.get('command') or '?'}`, on "
                f"{rec.get('machine') or 'an unrecorded machine'}"
            )
        else:
            lines.append("- recorded: nothing (no recorded JSON): its numbers are not compared")
        if entry["rows"]:
            lines += ["", "| number | now | recorded | change | verdict |", "|---|---|---|---|---|"]
            for r in entry["rows"]:
                tol = f" (±{r['tolerance']:g})" if r["kind"] == QUALITY else ""
                lines.append(
                    f"| {r['label']}{tol} | {fmt(r['now'], r['unit'])} | {fmt(r['recorded'], r['unit'])} | "
                    f"{change(r)} | {shown_verdict(r['verdict'])} |"
                )
        lines.append("")
    return "\n".join(lines)


def describe_machine(record: dict | None) -> str | None:
    if not record:
        return None
    m = record.get("machine")
    if isinstance(m, dict):
        return f"{m.get('cpu')}, {m.get('cores')} cores"
    return str(m) if m else None


# --- the command line -----------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run the benchmarks, compare their headline numbers with benchmarks/results, write "
        "benchmarks/results/latest.{md,json}.",
        epilog="Exit status: 0 all ran and every quality number matched; 1 a benchmark failed or a quality "
        "number did not match; 2 a usage error or missing data; 130 interrupted.",
    )
    p.add_argument("--list", action="store_true", help="list the benchmarks, their commands and estimated times")
    p.add_argument("--only", nargs="+", metavar="NAME", help="run only these (and the models they need)")
    p.add_argument("--skip", nargs="+", metavar="NAME", default=[], help="do not run these")
    p.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run with smaller sizes (see --list --quick): numbers not compared, report in the work directory",
    )
    p.add_argument(
        "--record",
        action="store_true",
        help="keep the fresh results in benchmarks/results as the new record (benchmarks that succeeded)",
    )
    p.add_argument("--data", type=Path, help=f"the corpora (default: {DEFAULT_DATA})")
    p.add_argument(
        "--mwz-nlu",
        type=Path,
        metavar="DIR",
        help="the MultiWOZ act NLU for simulation's text level (default: trained once, cached in --models)",
    )
    p.add_argument(
        "--cw-nlu",
        type=Path,
        metavar="DIR",
        help="the CrossWOZ act NLU for simulation's text level (default: trained once, cached in --models)",
    )
    p.add_argument(
        "--no-text-nlu",
        action="store_true",
        help="train no simulation NLU: simulation's MultiWOZ and CrossWOZ text-level runs are left out",
    )
    p.add_argument(
        "--models",
        type=Path,
        help="where the models the benchmarks need are cached (default: $TOD_CACHE/bench or ~/.cache/tod/bench)",
    )
    p.add_argument(
        "--work", type=Path, help="logs and fresh per-benchmark results (default: a new temporary directory, kept)"
    )
    p.add_argument(
        "--report-dir",
        type=Path,
        help="where latest.{md,json} go (default: benchmarks/results for a "
        "full run of everything, else the work directory)",
    )
    p.add_argument("--results", type=Path, help="the recorded results (default: benchmarks/results)")
    p.add_argument("--sequential", action="store_true", help="run side-by-side groups one at a time")
    return p


def main(
    argv: Sequence[str] | None = None,
    registry: Sequence[Bench] | None = None,
    summary: Sequence[tuple[str, str, str]] | None = None,
    root: Path = ROOT,
    default_data: Path = DEFAULT_DATA,
) -> int:
    if registry is None:
        from .registry import BENCHMARKS, SUMMARY

        registry = BENCHMARKS
        summary = SUMMARY if summary is None else summary
    args = parser().parse_args(argv)
    try:
        if args.quick and args.record:
            raise UsageError("--record keeps full-profile numbers only; leave out --quick")
        chosen = select(registry, args.only, args.skip, args.quick)
    except UsageError as error:
        print(f"python -m benchmarks: {error}", file=sys.stderr)
        return 2
    results = (args.results or root / "benchmarks" / "results").resolve()
    from tod.cache import default_cache_dir

    ctx = Context(
        root=root,
        results=results,
        data=(args.data or default_data).resolve(),
        data_given=args.data is not None and args.data.resolve() != default_data.resolve(),
        work=Path("."),
        models=(args.models or default_cache_dir() / "bench").expanduser().resolve(),
        quick=args.quick,
    )
    names = {b.name for b in chosen}
    for option, name in ((args.mwz_nlu, "sim_nlu_multiwoz"), (args.cw_nlu, "sim_nlu_crosswoz")):
        if option is not None:
            ctx.given_models[name] = option.resolve()
    if args.no_text_nlu:
        chosen = [b for b in chosen if b.model_dir is None]
    chosen = [b for b in chosen if not (b.model_dir is not None and b.name in ctx.given_models)]
    recorded = {b.name: recorded_of(b, results) for b in chosen}
    estimates = {
        b.name: (b.quick_estimate, "the quick profile, measured") if ctx.quick else b.estimate(recorded[b.name], ctx)
        for b in chosen
    }
    plan = steps(chosen, args.sequential)
    total_estimate = sum(max(estimates[b.name][0] for b in step) for step in plan)
    if args.list:
        for bench in chosen:  # the command lines as they will be once the models are trained
            if bench.model_dir is not None:
                ctx.ready_models.setdefault(bench.name, bench.model_dir(ctx))
        print_list(plan, ctx, estimates, total_estimate)
        return 0
    missing = missing_data(chosen, ctx.data)
    if missing:
        print("python -m benchmarks: data missing (give --data DIR, or --skip the benchmarks named):", file=sys.stderr)
        for path, users in missing.items():
            print(f"  {path}  (needed by {', '.join(users)})", file=sys.stderr)
        return 2
    ctx.work = (args.work or Path(tempfile.mkdtemp(prefix="tod-bench-"))).resolve()
    ctx.work.mkdir(parents=True, exist_ok=True)
    everything = not args.quick and not args.only and not args.skip and not args.no_text_nlu
    report_dir = (args.report_dir or (results if everything else ctx.work)).resolve()
    previous = read_json(report_dir / "latest.json")
    say(f"{len(chosen)} benchmarks, estimated {minutes(total_estimate)} on 2 cores; work directory {ctx.work}")
    if names - {b.name for b in chosen}:
        say(f"not run: {', '.join(sorted(names - {b.name for b in chosen}))}")
    ctx.state["load_start"] = _load()
    handler = signal.signal(signal.SIGTERM, _interrupt)
    started, outcomes, done = time.perf_counter(), [], 0
    try:
        for step in plan:
            for outcome in run_step(
                step, ctx, args.record, {k: v[0] for k, v in estimates.items()}, done + 1, len(chosen)
            ):
                outcome.recorded = recorded[outcome.bench.name]
                outcome.estimate_s = estimates[outcome.bench.name][0]
                compare(outcome, ctx, previous)
                outcomes.append(outcome)
            done += len(step)
    except KeyboardInterrupt:
        say("interrupted: recorded results put back, no report written")
        return 130
    finally:
        signal.signal(signal.SIGTERM, handler)
    report = build_report(outcomes, summary or (), ctx, estimates, total_estimate, time.perf_counter() - started, argv)
    write_text(report_dir / "latest.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_text(report_dir / "latest.md", report_markdown(report))
    head = report["outcome"]
    say(
        f"done in {minutes(report['wall_s'])}: {head['failed']} failed, {head['mismatches']} quality mismatches, "
        f"{head['flags']} speed/memory flags; report {report_dir / 'latest.md'}"
    )
    return report["exit_status"]


def _load() -> float | None:
    """The 1-minute load average: other work on the machine slows every timing."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def build_report(
    outcomes: Sequence[Outcome],
    summary: Sequence[tuple[str, str, str]],
    ctx: Context,
    estimates: dict[str, tuple[float, str]],
    total_estimate: float,
    wall: float,
    argv: Sequence[str] | None,
) -> dict:
    rows = [r for o in outcomes for r in o.rows]
    failed = sum(o.status.startswith("failed") for o in outcomes)
    mismatches = sum(r["verdict"] in FAILING for r in rows)
    try:
        here = machine(with_torch=True)
    except ImportError:
        here = machine(with_torch=False)
    args = list(sys.argv[1:] if argv is None else argv)
    report = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "profile": "quick" if ctx.quick else "full",
        "command": shlex.join(["python", "-m", "benchmarks", *args]),
        "machine": here,
        "wall_s": round(wall, 1),
        "estimate_s": round(total_estimate),
        "load_average": {"start": ctx.state.get("load_start"), "end": _load()},
        "work": str(ctx.work),
        "tolerances": {
            "trained_points": TRAINED_POINTS,
            "exact_points": EXACT_POINTS,
            "exact_unit": EXACT_UNIT,
            "speed_factor": SPEED_FACTOR,
        },
        "notes": ctx.notes,
        "outcome": {
            "ran": sum(o.ran for o in outcomes),
            "failed": failed,
            "quality_compared": sum(r["kind"] in (QUALITY, COUNT) and r["verdict"] in (OK, *FAILING) for r in rows),
            "mismatches": mismatches,
            "flags": sum(is_flag(r["verdict"]) for r in rows),
        },
        "exit_status": 1 if failed or mismatches else 0,
        "summary": summarise(outcomes, summary, ctx.quick),
        "benchmarks": {},
    }
    for o in outcomes:
        entry = {
            "about": o.bench.about,
            "status": o.status,
            "command": o.command,
            "wall_s": None if o.wall_s is None else round(o.wall_s, 1),
            "peak_rss_mib": None if o.peak_rss_mib is None else round(o.peak_rss_mib),
            "estimate_s": round(estimates[o.bench.name][0]),
            "basis": estimates[o.bench.name][1],
            "log": str(o.log) if o.log else None,
            "recorded_run": {
                "date": (o.recorded or {}).get("date"),
                "command": (o.recorded or {}).get("command"),
                "machine": describe_machine(o.recorded),
            }
            if o.recorded
            else None,
            "rows": o.rows,
        }
        for r in o.rows:
            if r["key"].startswith("run."):
                entry[r["key"]] = r["now"]
        report["benchmarks"][o.bench.name] = entry
    return report


def print_list(
    plan: Sequence[Sequence[Bench]], ctx: Context, estimates: dict[str, tuple[float, str]], total: float
) -> None:
    profile = "quick" if ctx.quick else "full"
    print(f"{'benchmark':<20} {'estimate':>9}  command ({profile} profile), basis of the estimate")
    for step in plan:
        for bench in step:
            seconds_, basis = estimates[bench.name]
            if is_cached(bench, ctx):
                command = f"(cached in {bench.model_dir(ctx) if bench.model_dir else ''})"
            else:
                builder = bench.quick_argv if ctx.quick and bench.quick_argv else bench.argv
                built = builder(ctx)
                command = shown(built) if built is not None else "(nothing to run)"
                if bench.out_option:
                    command += " --out OUT"
            others = [b.name for b in step if b is not bench]
            together = f" [side by side with {', '.join(others)}]" if others else ""
            print(f"{bench.name:<20} {minutes(seconds_):>9}  {command}{together}")
            print(f"{'':<20} {'':>9}  {bench.about}; estimate: {basis}")
    print(f"total: about {minutes(total)} on 2 cores ({profile} profile; side-by-side groups count once)")
