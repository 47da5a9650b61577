"""``tod evaluate conversations``: runs a conversations file on a pipeline, writes JSON and Markdown, and
refuses bad input with a clear message (exit 2) before building anything where it can."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tod.cli.main import main

GOAL = {"restaurant": {"info": {"food": "thai", "area": "south"}, "reqt": ["phone"]}}


def sets(overrides: dict[str, str], cache: Path) -> list[str]:
    return [*(p for k, v in overrides.items() for p in ("--set", f"{k}={v}")), "--cache-dir", str(cache), "--no-progress"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_it_scores_and_writes_json_and_markdown(tmp_path, tiny_pipeline, tiny_pipeline_overrides, tiny_cache, capsys):
    path = write(
        tmp_path,
        f"# id: a\n# goal: {json.dumps(GOAL)}\n# covers: plain\nany thai places in the south\nphone please\n\n"
        f"# id: b\n# goal: {json.dumps(GOAL)}\nthai in the south\n",
    )
    argv = ["evaluate", "conversations", "--conversations", str(path), "--json", str(tmp_path / "r.json"),
            "--report", str(tmp_path / "r.md"), "--transcripts", "--only", "a", *sets(tiny_pipeline_overrides, tiny_cache)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "conversations: 1, succeeded:" in out and "U: any thai places in the south" in out
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["conversations"] == 1 and data["verdicts"][0]["id"] == "a"
    assert len(data["verdicts"][0]["exchanges"]) == 2
    assert (tmp_path / "r.md").read_text() == out


@pytest.mark.parametrize(
    "text, message",
    [
        ("# id: a\n# goal: {not json}\nhello\n", "not JSON"),
        ("# id: a\nhello\n", "no '# goal:'"),
        ("", "at least one conversation"),
        ("# id: a\n# goal: {\"restaurant\": {\"info\": {\"food\": \"thai\"}}}\n\x00\n", None),
    ],
)
def test_a_malformed_file_is_refused_with_its_line(tmp_path, capsys, text, message):
    path = write(tmp_path, text)
    code = main(["evaluate", "conversations", "--conversations", str(path), "--no-progress"])
    err = capsys.readouterr().err
    if message is None:  # a control character is text like any other: it is said to the bot, not refused
        return
    assert code == 2 and message in err and str(path) in err


def test_an_unknown_only_id_is_refused(tmp_path, capsys):
    path = write(tmp_path, f"# id: a\n# goal: {json.dumps(GOAL)}\nhello\n")
    assert main(["evaluate", "conversations", "--conversations", str(path), "--only", "zzz", "--no-progress"]) == 2
    assert "zzz" in capsys.readouterr().err


def test_goals_of_another_domain_are_refused(tmp_path, tiny_pipeline, tiny_pipeline_overrides, tiny_cache, capsys):
    path = write(tmp_path, '# id: a\n# goal: {"train": {"info": {"day": "monday"}, "reqt": ["price"]}}\nhello\n')
    argv = ["evaluate", "conversations", "--conversations", str(path), *sets(tiny_pipeline_overrides, tiny_cache)]
    assert main(argv) == 2
    assert "do not fit the pipeline's domain cityguide" in capsys.readouterr().err
