"""The benchmark runner (``python -m benchmarks``) on a fake registry of tiny scripts: no real benchmark runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import runner
from benchmarks.runner import (
    MISMATCH,
    MISSING,
    NO_RECORD,
    NOT_COMPARED,
    OK,
    Bench,
    Context,
    count,
    info,
    memory,
    quality,
    rate,
    seconds,
    verdict,
)

# A fake benchmark: `python fake.py NAME [--size N] [--results-dir DIR] [--out DIR]` writes NAME.json
# (and NAME.md) with the numbers plan.json (in the working directory) gives it, then exits as told.
FAKE = """
import json, pathlib, sys
args = sys.argv[1:]
name = args[0]
plan = json.loads(pathlib.Path("plan.json").read_text())[name]
out = pathlib.Path(args[args.index("--out") + 1] if "--out" in args else args[args.index("--results-dir") + 1])
out.mkdir(parents=True, exist_ok=True)
size = int(args[args.index("--size") + 1]) if "--size" in args else 100
record = {"date": "today", "command": "python fake.py " + " ".join(args), "size": size, **plan["numbers"]}
(out / (name + ".json")).write_text(json.dumps(record))
(out / (name + ".md")).write_text("# " + name)
print("ran", name)
sys.exit(plan.get("exit", 0))
"""

RECORDED = {"date": "2026-01-01", "command": "python fake.py", "score": 90.0, "items": 3, "seconds": 10.0, "mib": 100}


def fake_metrics(j: dict, ctx: Context) -> list:
    return [
        quality("score", "score", j.get("score"), tolerance=0.5),
        count("items", "items", j.get("items")),
        seconds("seconds", "time", j.get("seconds")),
        memory("mib", "memory", j.get("mib")),
        info("size", "size", j.get("size")),
    ]


def fake_estimate(j: dict | None, ctx: Context) -> tuple[float, str]:
    return (float(j["seconds"]), "recorded") if j else (7.0, "no record")


ALPHA = Bench(
    "alpha",
    "writes into --out",
    argv=lambda ctx: ["fake.py", "alpha"],
    quick_argv=lambda ctx: ["fake.py", "alpha", "--size", "1"],
    quick_estimate=2,
    results=("alpha.json", "alpha.md"),
    out_option="dir",
    metrics=fake_metrics,
    estimate=fake_estimate,
)
BETA = Bench(
    "beta",
    "writes into the results directory itself",
    argv=lambda ctx: ["fake.py", "beta", "--results-dir", str(ctx.results)],
    results=("beta.json", "beta.md"),
    data=("corpus/file.txt",),
    metrics=fake_metrics,
    estimate=fake_estimate,
)
GAMMA = Bench(
    "gamma",
    "needs alpha",
    argv=lambda ctx: ["fake.py", "gamma"],
    results=("gamma.json",),
    out_option="dir",
    requires=("alpha",),
    metrics=fake_metrics,
    estimate=fake_estimate,
)
REGISTRY = (ALPHA, BETA)
SUMMARY = (("quality item", "alpha", "score"), ("speed item", "beta", "seconds"))


@pytest.fixture
def bench(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fake project: the scripts, recorded results, data; ``run(numbers..., argv...)`` runs the runner."""
    monkeypatch.setattr(runner, "machine", lambda with_torch=True: {"cpu": "test cpu", "cores": 2})
    (tmp_path / "fake.py").write_text(FAKE)
    results = tmp_path / "results"
    results.mkdir()
    for name in ("alpha", "beta"):
        (results / f"{name}.json").write_text(json.dumps({**RECORDED, "command": f"python fake.py {name}"}))
        (results / f"{name}.md").write_text(f"# recorded {name}\n")
    (tmp_path / "data" / "corpus").mkdir(parents=True)
    (tmp_path / "data" / "corpus" / "file.txt").write_text("x")

    class Run:
        root, work, report = tmp_path, tmp_path / "work", tmp_path / "report"

        def __call__(self, *argv: str, registry=REGISTRY, **changes: dict) -> int:
            plan = {
                name: {"numbers": {k: v for k, v in RECORDED.items() if k not in ("date", "command")}}
                for name in ("alpha", "beta", "gamma")
            }
            for name, change in changes.items():
                plan[name]["numbers"].update(change.get("numbers", {}))
                plan[name]["exit"] = change.get("exit", 0)
            (tmp_path / "plan.json").write_text(json.dumps(plan))
            args = [
                "--results",
                str(results),
                "--work",
                str(self.work),
                "--report-dir",
                str(self.report),
                "--models",
                str(tmp_path / "models"),
                *argv,
            ]
            return runner.main(args, registry=registry, summary=SUMMARY, root=tmp_path, default_data=tmp_path / "data")

        def latest(self) -> dict:
            return json.loads((self.report / "latest.json").read_text())

        def markdown(self) -> str:
            return (self.report / "latest.md").read_text()

        def rows(self, name: str) -> dict[str, dict]:
            return {r["key"]: r for r in self.latest()["benchmarks"][name]["rows"]}

    return Run()


@pytest.mark.parametrize(
    ("metric", "recorded", "expected"),
    [
        (quality("q", "q", 90.4, tolerance=0.5), 90.0, OK),
        (quality("q", "q", 90.6, tolerance=0.5), 90.0, MISMATCH),
        (quality("q", "q", None), 90.0, MISSING),
        (quality("q", "q", 90.0), None, NO_RECORD),
        (count("c", "c", 3), 3, OK),
        (count("c", "c", 4), 3, MISMATCH),
        (seconds("t", "t", 12.9), 10.0, OK),
        (seconds("t", "t", 13.5), 10.0, "SLOWER x1.35"),
        (seconds("t", "t", 7.0), 10.0, "FASTER x0.70"),
        (rate("r", "r", 7.0, "x/s"), 10.0, "SLOWER x0.70"),
        (rate("r", "r", 14.0, "x/s"), 10.0, "FASTER x1.40"),
        (memory("m", "m", 140.0), 100.0, "MORE MEMORY x1.40"),
        (memory("m", "m", 70.0), 100.0, "LESS MEMORY x0.70"),
        (info("i", "i", 1.0), 2.0, ""),
    ],
)
def test_verdict(metric, recorded, expected) -> None:
    assert verdict(metric, recorded) == expected


def test_quick_numbers_are_not_compared() -> None:
    assert verdict(quality("q", "q", 10.0), 90.0, compared=False) == NOT_COMPARED


def test_matching_run_reports_and_keeps_the_record(bench) -> None:
    recorded_beta = (bench.root / "results" / "beta.json").read_bytes()
    assert bench(alpha={"numbers": {"score": 90.3, "seconds": 11.0}}) == 0
    latest = bench.latest()
    assert latest["exit_status"] == 0 and latest["profile"] == "full"
    assert list(latest["benchmarks"]) == ["alpha", "beta"]
    alpha = bench.rows("alpha")
    assert (alpha["score"]["now"], alpha["score"]["recorded"], alpha["score"]["verdict"]) == (90.3, 90.0, OK)
    assert alpha["seconds"]["verdict"] == OK and alpha["items"]["verdict"] == OK
    assert alpha["run.wall_s"]["now"] > 0 and alpha["run.peak_rss_mib"]["kind"] == "memory"
    # the recorded files are as they were; the fresh ones are in the work directory
    assert (bench.root / "results" / "beta.json").read_bytes() == recorded_beta
    assert (bench.root / "results" / "beta.md").read_text() == "# recorded beta\n"
    assert json.loads((bench.work / "beta" / "beta.json").read_text())["size"] == 100
    assert json.loads((bench.work / "alpha" / "alpha.json").read_text())["score"] == 90.3
    assert "ran alpha" in (bench.work / "alpha.log").read_text()
    text = bench.markdown()
    assert "## Summary" in text and "| quality item | alpha | score | 90.30 % | 90.00 % | ok |" in text
    assert f"`python fake.py alpha --out {bench.work / 'alpha'}`" in text
    assert f"`python fake.py beta --results-dir {bench.root / 'results'}`" in text


def test_quality_mismatch_fails_the_run(bench) -> None:
    assert bench(alpha={"numbers": {"score": 91.0}}) == 1
    assert bench.rows("alpha")["score"]["verdict"] == MISMATCH
    assert bench.latest()["outcome"]["mismatches"] == 1
    assert "**MISMATCH**" in bench.markdown()


def test_count_mismatch_fails_the_run(bench) -> None:
    assert bench(beta={"numbers": {"items": 4}}) == 1
    assert bench.rows("beta")["items"]["verdict"] == MISMATCH


def test_missing_quality_number_fails_the_run(bench) -> None:
    assert bench(alpha={"numbers": {"score": None}}) == 1
    assert bench.rows("alpha")["score"]["verdict"] == MISSING


def test_speed_and_memory_are_flagged_without_failing(bench) -> None:
    assert bench(beta={"numbers": {"seconds": 20.0, "mib": 200}}) == 0
    rows = bench.rows("beta")
    assert rows["seconds"]["verdict"] == "SLOWER x2.00"
    assert rows["mib"]["verdict"] == "MORE MEMORY x2.00"
    assert bench.latest()["outcome"]["flags"] == 2
    assert "**SLOWER x2.00**" in bench.markdown()


def test_failed_benchmark_fails_the_run_and_restores_the_record(bench) -> None:
    recorded = (bench.root / "results" / "beta.json").read_bytes()
    assert bench(beta={"exit": 3}) == 1
    assert bench.latest()["benchmarks"]["beta"]["status"] == "failed (exit 3)"
    assert (bench.root / "results" / "beta.json").read_bytes() == recorded
    assert bench.latest()["benchmarks"]["alpha"]["status"] == "ok"  # the others still ran
    assert bench.rows("beta")["score"]["verdict"] == OK  # the numbers it wrote before failing still count


def test_benchmark_without_results_fails(bench) -> None:
    silent = Bench(
        "alpha",
        "writes nothing",
        argv=lambda ctx: ["-c", "pass"],
        results=("alpha.json",),
        out_option="dir",
        metrics=fake_metrics,
        estimate=fake_estimate,
    )
    assert bench(registry=(silent,)) == 1
    assert bench.latest()["benchmarks"]["alpha"]["status"] == "failed (exit 0 but no results JSON)"
    assert bench.rows("alpha")["score"]["verdict"] == "not measured"


def test_only_and_skip(bench) -> None:
    assert bench("--only", "alpha") == 0
    assert list(bench.latest()["benchmarks"]) == ["alpha"]
    assert not (bench.work / "beta.log").exists()
    assert bench("--skip", "alpha") == 0
    assert list(bench.latest()["benchmarks"]) == ["beta"]
    assert bench("--only", "nope") == 2


def test_only_brings_what_a_benchmark_requires(bench) -> None:
    assert bench("--only", "gamma", registry=(ALPHA, BETA, GAMMA)) == 0
    assert list(bench.latest()["benchmarks"]) == ["alpha", "gamma"]
    assert bench.rows("gamma")["score"]["verdict"] == NO_RECORD  # nothing recorded for it


def test_record_keeps_the_fresh_results(bench) -> None:
    assert bench("--record", alpha={"numbers": {"score": 90.2}}, beta={"numbers": {"score": 89.9}}) == 0
    assert json.loads((bench.root / "results" / "alpha.json").read_text())["score"] == 90.2
    assert json.loads((bench.root / "results" / "beta.json").read_text())["score"] == 89.9
    assert (bench.root / "results" / "beta.md").read_text() == "# beta"


def test_quick_profile_is_not_compared(bench) -> None:
    assert bench("--quick", alpha={"numbers": {"score": 12.0}}) == 0
    latest = bench.latest()
    assert latest["profile"] == "quick" and list(latest["benchmarks"]) == ["alpha"]  # beta has no quick profile
    rows = bench.rows("alpha")
    assert rows["score"]["verdict"] == NOT_COMPARED and rows["size"]["now"] == 1
    assert bench("--quick", "--record") == 2


def test_missing_data_stops_before_anything_runs(bench, capsys) -> None:
    (bench.root / "data" / "corpus" / "file.txt").unlink()
    assert bench() == 2
    message = capsys.readouterr().err
    assert "data missing" in message and "corpus/file.txt" in message and "beta" in message
    assert not bench.work.exists() and not (bench.report / "latest.md").exists()


def test_list_shows_commands_and_estimates(bench, capsys) -> None:
    assert bench("--list") == 0
    out = capsys.readouterr().out
    assert "python fake.py alpha --out OUT" in out and "10 s" in out and "total: about 20 s" in out
    assert not bench.work.exists()


def test_the_real_registry_reads_every_recorded_result() -> None:
    """Each benchmark's headline numbers come out of the JSON its issue recorded (no benchmark runs)."""
    from benchmarks.registry import BENCHMARKS, SUMMARY

    results = runner.ROOT / "benchmarks" / "results"
    ctx = Context(runner.ROOT, results, runner.DEFAULT_DATA, False, results, results, quick=False)
    names = {b.name for b in BENCHMARKS}
    assert {name for _, name, _ in SUMMARY} <= names
    for bench in BENCHMARKS:
        recorded = runner.recorded_of(bench, results)
        if recorded is None:
            continue
        metrics = bench.metrics(recorded, ctx)
        assert any(m.value is not None for m in metrics if m.kind != "info"), bench.name
        assert bench.estimate(recorded, ctx)[0] > 0 or bench.model_dir is not None, bench.name
