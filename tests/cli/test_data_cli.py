import json
import subprocess
import sys

import pytest

from tests.conftest import require_shared
from tests.data.test_unified import dialogue, write
from tod.cli.main import main


def test_stats_prints_counts_and_writes_json(tmp_path, capsys):
    path = write(tmp_path / "corpus", [dialogue(), dialogue("tiny-test-0", "test")])
    out = tmp_path / "stats.json"
    assert main(["data", "stats", "--corpus", "camrest", "--data", str(path), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "dialogues" in printed and "user turns" in printed
    report = json.loads(out.read_text())
    assert report["splits"]["train"]["dialogues"] == 1
    assert report["splits"]["train"]["user_turns"] == 2 and report["splits"]["train"]["spans"] == 1
    assert report["splits"]["train"]["goal_domains"] == {"restaurant": 1}


@pytest.mark.parametrize("action, status", [("stats", 0), ("validate", 1)])
def test_the_positional_corpus_still_works_for_a_release(tmp_path, capsys, action, status):
    """``tod data stats CORPUS`` (the spelling before --corpus): the same result, and a deprecation note."""
    bad = dialogue("two-users")
    bad["turns"][1]["speaker"] = "user"
    path = write(tmp_path / "corpus", [dialogue(), bad])
    new, old = tmp_path / "new.json", tmp_path / "old.json"
    assert main(["data", action, "--corpus", "camrest", "--data", str(path), "--json", str(new)]) == status
    assert "deprecated" not in capsys.readouterr().err
    assert main(["data", action, "camrest", "--data", str(path), "--json", str(old)]) == status
    err = capsys.readouterr().err
    assert "tod: deprecated: the positional CORPUS is now --corpus (use --corpus camrest)" in err
    assert json.loads(old.read_text()) == json.loads(new.read_text())


def test_validate_clean_corpus_exits_zero(tmp_path, capsys):
    path = write(tmp_path / "corpus", [dialogue()])
    assert main(["data", "validate", "--corpus", "woz", "--data", str(path)]) == 0
    assert "OK" in capsys.readouterr().out


def test_validate_reports_every_problem_and_exits_one(tmp_path, capsys):
    bad_span = dialogue("bad-span")
    bad_span["turns"][0]["dialogue_acts"]["non-categorical"][0]["end"] = 999
    two_users = dialogue("two-users")
    two_users["turns"][1]["speaker"] = "user"
    empty = dialogue("empty-text")
    empty["turns"][1]["utterance"] = "   "
    path = write(tmp_path / "corpus", [dialogue(), bad_span, two_users, empty])
    out = tmp_path / "problems.json"
    assert main(["data", "validate", "--corpus", "camrest", "--data", str(path), "--json", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "bad-span" in printed and "two-users" in printed and "empty-text" in printed
    report = json.loads(out.read_text())
    assert report["dialogues"] == 3 and len(report["skipped"]) == 1
    assert {p["dialogue"] for p in report["problems"]} == {"bad-span", "two-users", "empty-text"}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["data", "stats", "--corpus", "multiwoz", "--data", "/nonexistent/dir"], "does not exist"),
        (["data", "stats", "--corpus", "camrest", "--data", "{broken}"], "not a readable zip"),
    ],
)
def test_bad_input_is_a_clear_error_with_status_2(tmp_path, capsys, argv, message):
    if argv[-1] == "{broken}":
        broken = tmp_path / "data.zip"
        broken.write_bytes(b"PK\x03\x04 truncated")
        argv = [*argv[:-1], str(broken)]
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_unknown_corpus_name_is_refused_with_the_choices(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["data", "stats", "--corpus", "nosuchcorpus", "--data", "."])
    assert exit_info.value.code == 2
    assert "multiwoz" in capsys.readouterr().err


def test_data_help_explains_itself():
    done = subprocess.run(
        [sys.executable, "-m", "tod.cli.main", "data", "validate", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "exits with status 1" in done.stdout.replace("\n", " ")


@pytest.mark.corpus
def test_real_crosswoz_stats_match_the_data_readme(tmp_path):
    root = require_shared("crosswoz", "val.json.zip")
    out = tmp_path / "stats.json"
    assert main(["data", "stats", "--corpus", "crosswoz", "--data", str(root.parent), "--json", str(out)]) == 0
    val = json.loads(out.read_text())["splits"]["val"]
    assert (val["dialogues"], val["user_turns"], val["system_turns"]) == (500, 4229, 4229)
    assert val["info"]["type"] == {
        "不独立多领域": 168,
        "不独立多领域+交通": 63,
        "单领域": 39,
        "独立多领域": 162,
        "独立多领域+交通": 68,
    }
