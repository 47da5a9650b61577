"""``tod simulate`` end to end on the tiny city guide pipeline, and its refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tod.cli.main import main


@pytest.fixture()
def base(tiny_pipeline_overrides: dict[str, str], tiny_pipeline, tiny_cache: Path) -> list[str]:
    sets = [x for k, v in tiny_pipeline_overrides.items() for x in ("--set", f"{k}={v}")]
    return ["simulate", *sets, "--cache-dir", str(tiny_cache), "--no-progress"]


def test_help_explains_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["simulate", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for option in ("--dialogues", "--seed", "--workers", "--level", "--out", "--goals", "--corpus", "--patience"):
        assert option in text
    assert "--goal-corpus" not in text and "--goal-split" not in text  # deprecated spellings stay hidden


def test_a_run_writes_its_report(base: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main([*base, "--dialogues", "12", "--seed", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "success rate" in printed and "# Simulation: cityguide, act level" in printed
    data = json.loads((out / "simulation.json").read_text())
    assert data["dialogues"] == 12 and data["settings"]["seed"] == 3
    assert data["success_rate"] >= 0.9
    assert data["command"].startswith("tod simulate")
    assert (out / "failed.jsonl").exists() and (out / "report.md").exists()


def test_goals_from_a_convlab_file(base: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    goals = tmp_path / "goals.jsonl"
    goal = {
        "restaurant": {
            "info": {"food": "italian"},
            "reqt": ["phone"],
            "book": {"people": "2", "day": "monday", "time": "19:00"},
        }
    }
    goals.write_text(
        json.dumps(goal) + "\n" + json.dumps({"hotel": {"info": {"area": "north"}, "reqt": ["car type"]}}) + "\n"
    )
    assert main([*base, "--dialogues", "4", "--goals", str(goals), "--out", str(tmp_path / "o")]) == 0
    captured = capsys.readouterr()
    assert "hotel.reqt.car type (1)" in captured.err  # what the domain has no slot for is named
    data = json.loads((tmp_path / "o" / "simulation.json").read_text())
    assert data["settings"]["goals"] == "file" and data["success_rate"] == 1.0


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--dialogues", "0"], "expected a number >= 1"),
        (["--level", "telepathy"], "invalid choice"),
        (["--noise", "1.5"], "fraction"),
        (["--workers", "-1"], "expected a number >= 1"),
        (["--seed", "x"], "expected a whole number"),
    ],
)
def test_bad_arguments_are_refused(
    base: list[str], extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main([*base, *extra])
    assert done.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--goals", "/nonexistent/goals.jsonl"], "does not exist"),
        (["--min-domains", "3", "--max-domains", "2"], "above --max-domains"),
        (["--corpus", "multiwoz"], "--corpus multiwoz needs the corpus folder"),
        (["--goal-corpus", "multiwoz"], "--corpus multiwoz needs the corpus folder"),  # the deprecated spelling
        (["--set", "policy.nonsense=1"], "nonsense"),
    ],
)
def test_bad_inputs_get_a_clear_error(
    base: list[str], extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*base, *extra]) == 2
    assert message in capsys.readouterr().err


def test_the_convlab_user_style_refuses_a_patience(base: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*base, "--dialogues", "2", "--user-style", "convlab", "--patience", "3"]) != 0
    assert "ConvLab-2's agenda user has no patience" in capsys.readouterr().err


def test_the_convlab_metric_mode_needs_convlabs_tables(base: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*base, "--dialogues", "2", "--metrics", "convlab"]) != 0
    assert "needs ConvLab's evaluator tables" in capsys.readouterr().err


def test_the_report_says_which_user_and_which_metric_mode(base: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*base, "--dialogues", "3", "--user-style", "convlab"]) == 0
    out = capsys.readouterr().out
    assert "`convlab` style: bye alone, no patience limit" in out and "headline metric mode: `tod`" in out
