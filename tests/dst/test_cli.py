"""``tod evaluate dst``: a real small run, bad arguments, missing files, a fake NLU."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from tod.acts import DialogueAct
from tod.cli.main import main
from tod.dialogue import Dialogue

from ..conftest import require_shared


def test_real_run_on_the_dev_part(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = require_shared("crosswoz", "val.json.zip")
    out = tmp_path / "dst.json"
    args = [
        "evaluate",
        "dst",
        "--data",
        str(data),
        "--corpus",
        "crosswoz",
        "--dev-fraction",
        "0.05",
        "--json",
        str(out),
    ]
    assert main(args) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result["protocols"]) == {"cumulative", "single-turn"}
    assert result["joint_goal_accuracy"] == result["protocols"]["cumulative"]["joint_goal_accuracy"]
    assert result["protocols"]["single-turn"]["joint_goal_accuracy"] > 0.6
    assert result["dialogues"] == 25 and result["options"]["accept_offered_names"] is False  # fitted on the rest
    assert "joint goal acc" in capsys.readouterr().out


def test_missing_file_and_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = ["evaluate", "dst", "--data", str(tmp_path / "nope.json.zip"), "--corpus", "multiwoz"]
    assert main(missing) == 2
    assert "does not exist" in capsys.readouterr().err
    data = require_shared("crosswoz", "val.json.zip")
    bad_option = ["evaluate", "dst", "--data", str(data), "--corpus", "crosswoz", "--option", "fast=yes"]
    assert main(bad_option) == 2
    assert "NAME=true|false" in capsys.readouterr().err
    zero = ["evaluate", "dst", "--data", str(data), "--corpus", "crosswoz", "--dev-fraction", "0"]
    assert main(zero) == 2
    with pytest.raises(SystemExit):
        main(["evaluate", "dst", "--data", str(data), "--corpus", "nowoz"])
    with pytest.raises(SystemExit):
        main(["evaluate", "dst", "--data", str(data), "--corpus", "crosswoz", "--dev-fraction", "1.5"])


def test_fake_nlu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = require_shared("crosswoz", "val.json.zip")
    calls: list[str] = []

    class FakeNLU:
        @classmethod
        def load(cls, directory: str) -> FakeNLU:
            calls.append(directory)
            return cls()

        def parse_dialogue(self, dialogue: Dialogue) -> list[tuple[DialogueAct, ...]]:
            return [() for turn in dialogue.turns if turn.speaker == "user"]  # hears nothing

    module = types.ModuleType("tod.nlu.acts")
    module.ActNLU = FakeNLU  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tod.nlu.acts", module)
    out = tmp_path / "dst.json"
    args = ["evaluate", "dst", "--data", str(data), "--corpus", "crosswoz", "--dev-fraction", "0.05"]
    assert main([*args, "--nlu", str(tmp_path), "--protocol", "cumulative", "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert calls == [str(tmp_path)] and list(result["protocols"]) == ["cumulative"]
    assert result["joint_goal_accuracy"] < 0.2  # no acts: only turns with an empty gold state are right
    assert main([*args, "--nlu", str(tmp_path / "absent")]) == 2
