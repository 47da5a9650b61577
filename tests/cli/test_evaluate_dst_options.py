"""``tod evaluate dst`` evaluates the tracker as the corpus's pipeline configures it, unless told otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import require_shared
from tod.cli.dst_commands import pipeline_options
from tod.cli.main import main
from tod.errors import ConfigError


def test_the_pipelines_tracker_options_are_read() -> None:
    path, options = pipeline_options("crosswoz")
    assert path.endswith("crosswoz.yaml")
    assert options["accept_offered_names"] is False and options["request_name_starts_search"] is True


def test_a_pipeline_without_the_rule_tracker_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "p.yaml"
    other.write_text("name: p\ndomain: cityguide\nnlu: {name: keyword}\npolicy: {name: rule}\nnlg: {name: template}\n")
    with pytest.raises(ConfigError):
        pipeline_options(str(other))


@pytest.mark.corpus
def test_the_corpus_pipeline_gives_the_options_unless_told(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = require_shared("crosswoz")
    base = [
        "evaluate",
        "dst",
        "--corpus",
        "crosswoz",
        "--data",
        str(data),
        "--protocol",
        "single-turn",
        "--dev-fraction",
        "0.1",
    ]
    shipped, defaults = tmp_path / "a.json", tmp_path / "b.json"
    assert main([*base, "--json", str(shipped)]) == 0
    assert "options from: pipeline" in capsys.readouterr().out
    assert main([*base, "--pipeline", "none", "--option", "implicit_select=true", "--json", str(defaults)]) == 0
    a, b = json.loads(shipped.read_text()), json.loads(defaults.read_text())
    assert a["options"]["accept_offered_names"] is False and a["options_from"].endswith("crosswoz.yaml")
    assert b["options"]["accept_offered_names"] is True and b["options"]["implicit_select"] is True
    assert b["options_from"] == "defaults" and a["joint_goal_accuracy"] > b["joint_goal_accuracy"]
    assert main(["evaluate", "dst", "--corpus", "crosswoz", "--data", str(data), "--fit-options"]) != 0
    assert "give --dev-fraction" in capsys.readouterr().err
