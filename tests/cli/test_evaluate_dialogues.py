"""``tod evaluate dialogues``: re-scoring a JSONL of act-level dialogues in each metric mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import require_shared
from tod.cli.main import main


def test_help_explains_the_format_and_the_modes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["evaluate", "dialogues", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for words in ("--file", "--metrics", "--verdicts", "goal_at_scoring", "convlab-eval"):
        assert words in text


@pytest.mark.corpus
def test_a_file_is_rescored_and_checked_against_its_verdicts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = require_shared("multiwoz")
    lines = (require_shared("convlab-eval") / "tod_dialogues_rescored.jsonl").read_text().splitlines()[:5]
    rows = [json.loads(line) for line in lines]
    rows[4]["verdict"]["task_success"] = 1 - rows[4]["verdict"]["task_success"]  # one verdict that cannot agree
    source = tmp_path / "dialogues.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    verdicts, summary = tmp_path / "v.jsonl", tmp_path / "s.json"
    args = ["evaluate", "dialogues", "--file", str(source), "--data", str(data), "--no-progress"]
    assert main([*args, "--verdicts", str(verdicts), "--json", str(summary)]) == 0
    out = capsys.readouterr().out
    assert "`convlab` mode" in out and "`tod` mode" in out
    assert f"4 / 5 agree (first that do not: {rows[4]['id']})" in out
    written = [json.loads(line) for line in verdicts.read_text().splitlines()]
    assert [w["id"] for w in written] == [r["id"] for r in rows] and all({"convlab", "tod"} <= set(w) for w in written)
    saved = json.loads(summary.read_text())
    assert saved["by_mode"]["convlab"]["dialogues"] == 5 and saved["convlab_verdicts_in_file"]["agree"] == 4
    assert main([*args, "--metrics", "tod"]) == 0
    assert "`convlab` mode" not in capsys.readouterr().out


@pytest.mark.corpus
def test_a_malformed_file_is_refused_and_no_verdicts_are_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = require_shared("multiwoz")
    source = tmp_path / "bad.jsonl"
    source.write_text(
        json.dumps({"goal": {"hotel": {"info": {"area": "north"}}}, "turns": []})
        + "\n"
        + json.dumps({"goal": {}})
        + "\n"
    )
    verdicts = tmp_path / "v.jsonl"
    code = main(
        [
            "evaluate",
            "dialogues",
            "--file",
            str(source),
            "--data",
            str(data),
            "--no-progress",
            "--verdicts",
            str(verdicts),
        ]
    )
    assert code != 0
    assert "bad.jsonl:2: missing 'turns'" in capsys.readouterr().err
    assert not verdicts.exists()
