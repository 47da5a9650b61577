"""``tod evaluate paradise``: fit on a USS-format rating file, apply a saved model, refuse bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.conftest import require_shared
from tests.evaluation.paradise.test_study_report import OUT_FILES, synthetic_rated
from tod.acts import DialogueAct
from tod.cli.main import main
from tod.data.dialogue_files import write_dialogues
from tod.data.uss import RatedDialogue, load_uss
from tod.dialogue import USER


def label(act: DialogueAct) -> str:
    """A USS act label: ``Hotel-Nooffer`` (MultiWOZ style) or ``REQUEST_ALTS`` (SGD style)."""
    return f"{act.domain.capitalize()}-{act.intent.capitalize()}" if act.domain else act.intent.upper()


def uss_text(rated: tuple[RatedDialogue, ...]) -> str:
    lines = [""]
    for r in rated:
        for turn, ratings in zip(r.dialogue.turns, r.turn_ratings):
            role = "USER" if turn.speaker == USER else "SYSTEM"
            lines.append("\t".join([role, turn.text, ",".join(map(label, turn.acts)), ",".join(map(str, ratings))]))
        lines += ["USER\tOVERALL\t\t" + ",".join(map(str, r.ratings)), ""]
    return "\n".join(lines)


@pytest.fixture
def rating_file(tmp_path) -> Path:
    """40 synthetic rated dialogues in the USS format (RATED.txt)."""
    path = tmp_path / "RATED.txt"
    path.write_text(uss_text(synthetic_rated(40, seed=3, prefix="RATED")), encoding="utf-8")
    return path


@pytest.fixture
def dialogue_file(tmp_path) -> Path:
    """10 unrated dialogues as a tod dialogue file (sims.jsonl)."""
    return write_dialogues(tmp_path / "sims.jsonl", [r.dialogue for r in synthetic_rated(10, seed=4, prefix="SIM")])


def paradise(*args: str) -> int:
    return main(["evaluate", "paradise", *args])


def test_rating_file_writer_round_trips(rating_file):
    rated = load_uss(rating_file)
    expected = synthetic_rated(40, seed=3, prefix="RATED")

    def shape(r: RatedDialogue) -> list:  # USS labels carry no slot or value
        return [(t.speaker, t.text, [(a.intent, a.domain) for a in t.acts]) for t in r.dialogue.turns]

    assert [shape(r) for r in rated] == [shape(r) for r in expected]
    assert [r.ratings for r in rated] == [r.ratings for r in expected]


def test_help_names_the_json_keys(capsys):
    with pytest.raises(SystemExit) as exit_info:
        paradise("--help")
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "paradise.json (keys r2, spearman, weights)" in text
    for option in ("--ratings", "--transfer-from", "--model", "--data", "--kappa", "--folds", "--bootstrap"):
        assert option in text


def test_fit_then_apply_the_saved_model(tmp_path, rating_file, dialogue_file, capsys):
    out = tmp_path / "report"
    argv = ["--ratings", str(rating_file), "--data", str(dialogue_file), "--folds", "5", "--bootstrap", "100"]
    assert paradise(*argv, "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert "RATED: 40 rated dialogues, κ source acts" in printed and "CV Spearman PARADISE" in printed
    assert f"report: {out / 'report.md'}" in printed
    assert {p.name for p in out.iterdir()} == OUT_FILES
    data = json.loads((out / "paradise.json").read_text(encoding="utf-8"))
    assert data["ratings"] == "RATED" and data["dialogues"] == 40
    assert isinstance(data["r2"], float) and 0 < data["r2"] <= 1
    assert isinstance(data["spearman"], float)
    assert data["spearman"] > data["cross_validation"]["turns_only"]["spearman"]["value"]
    assert set(data["weights"]) <= {"kappa", "turns", "nooffers", "repairs"} and "nooffers" in data["weights"]
    assert all(isinstance(v, float) for v in data["weights"].values())
    assert (data["cross_validation"]["folds"], data["bootstrap_resamples"]) == (5, 100)
    assert data["transfer"] is None
    (fitted_applied,) = data["applied"]
    assert (fitted_applied["name"], fitted_applied["dialogues"]) == ("sims.jsonl", 10)

    applied_out = tmp_path / "applied"
    model = out / "paradise_model.json"
    assert paradise("--model", str(model), "--data", str(dialogue_file), "--out", str(applied_out)) == 0
    printed = capsys.readouterr().out
    assert "sims.jsonl: 10 dialogues, predicted satisfaction" in printed
    assert {p.name for p in applied_out.iterdir()} == {"applied.json"}
    applied = json.loads((applied_out / "applied.json").read_text(encoding="utf-8"))
    assert applied["model"] == str(model)
    (saved_applied,) = applied["applied"]
    # the saved model predicts what the fitted one predicted for the same dialogues
    assert saved_applied == fitted_applied


def test_the_old_dialogues_spelling_still_works_with_a_deprecation_note(tmp_path, rating_file, dialogue_file, capsys):
    common = ["--ratings", str(rating_file), "--folds", "5", "--bootstrap", "50"]
    assert paradise(*common, "--data", str(dialogue_file), "--out", str(tmp_path / "new")) == 0
    assert "deprecated" not in capsys.readouterr().err
    assert paradise(*common, "--dialogues", str(dialogue_file), "--out", str(tmp_path / "old")) == 0
    err = capsys.readouterr().err
    assert "deprecated: --dialogues is now --data" in err and "goes in the next release" in err

    def applied(out: str) -> list:
        return json.loads((tmp_path / out / "paradise.json").read_text(encoding="utf-8"))["applied"]

    assert applied("old") == applied("new") and applied("new")[0]["dialogues"] == 10


def test_both_spellings_of_the_dialogues_are_refused(tmp_path, rating_file, dialogue_file, capsys):
    argv = ["--ratings", str(rating_file), "--data", str(dialogue_file), "--dialogues", str(tmp_path / "other.jsonl")]
    with pytest.raises(SystemExit) as exit_info:
        paradise(*argv, "--out", str(tmp_path / "out"))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--data" in err and "conflicts with the deprecated spelling given as --dialogues" in err
    assert "expected --data only" in err and not (tmp_path / "out").exists()


def test_the_recorded_command_is_the_one_run(tmp_path, rating_file, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["some-wrapper", "--unrelated"])
    out = tmp_path / "report"
    assert paradise("--ratings", str(rating_file), "--folds", "5", "--bootstrap", "50", "--out", str(out)) == 0
    command = json.loads((out / "paradise.json").read_text(encoding="utf-8")).get("command", "")
    assert "--ratings" in command and str(rating_file) in command


def _bad_ratings(tmp_path: Path) -> Path:
    path = tmp_path / "BAD.txt"
    path.write_text("USER\thello\tHotel-Inform\t3,4\nSYSTEM\thi\t\t\nUSER\tonly three columns\t3\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "argv, message",
    [
        pytest.param([], "give --ratings FILE (fit a model on rated dialogues) or --model FILE", id="neither"),
        pytest.param(["--model", "{model}", "--ratings", "{ratings}"], "cannot be combined with --ratings", id="both"),
        pytest.param(
            ["--model", "{model}", "--transfer-from", "{ratings}", "--data", "{dialogues}"],
            "cannot be combined with --ratings or --transfer-from",
            id="model-and-transfer",
        ),
        pytest.param(["--model", "{model}"], "--model needs --data", id="model-without-dialogues"),
        pytest.param(
            ["--model", "{model}", "--data", "{dialogues}"],
            "{model}: PARADISE model file not found",
            id="missing-model",
        ),
        pytest.param(
            ["--ratings", "{ratings}", "--split", "val"],
            "--split selects a split of a corpus; give --corpus",
            id="split-without-corpus",
        ),
        pytest.param(
            ["--ratings", "{tmp}/missing.txt"], "{tmp}/missing.txt: expected a USS rating file", id="missing-ratings"
        ),
        pytest.param(
            ["--ratings", "{bad}"],
            "{bad}:3: dialogue BAD-0001: expected 4 tab-separated columns",
            id="malformed-ratings",
        ),
        pytest.param(
            ["--ratings", "{ratings}", "--kappa", "goal"],
            "RATED-0001: κ from the goal needs a goal",
            id="goal-kappa-on-uss",
        ),
        pytest.param(
            ["--ratings", "{ratings}", "--folds", "41"],
            "folds must be an integer from 2 to the number",
            id="more-folds-than-dialogues",
        ),
        pytest.param(
            ["--ratings", "{ratings}", "--data", "{tmp}/none.jsonl"],
            "{tmp}/none.jsonl: no such file",
            id="missing-dialogues",
        ),
        pytest.param(
            ["--ratings", "{ratings}", "--act-classes", "{tmp}/none.yaml"],
            "{tmp}/none.yaml: expected the act classes, found nothing there",
            id="missing-act-classes",
        ),
        pytest.param(["--ratings", "{ratings}", "--transfer-from", "{bad}"], "{bad}:3:", id="malformed-transfer"),
    ],
)
def test_bad_input_is_a_clear_error_with_status_2(tmp_path, rating_file, dialogue_file, capsys, argv, message):
    names = {
        "tmp": str(tmp_path),
        "ratings": str(rating_file),
        "dialogues": str(dialogue_file),
        "model": str(tmp_path / "model.json"),
        "bad": str(_bad_ratings(tmp_path)),
    }
    out = tmp_path / "out"
    assert paradise(*(a.format(**names) for a in argv), "--out", str(out)) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("tod: error: ")
    assert message.format(**names) in captured.err
    assert captured.out == ""
    assert not out.exists()  # nothing half-written


def test_out_that_is_a_file_is_refused(tmp_path, rating_file, capsys):
    out = tmp_path / "taken"
    out.write_text("keep me", encoding="utf-8")
    assert paradise("--ratings", str(rating_file), "--out", str(out)) == 2
    assert f"--out {out} exists and is not a directory" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize(
    "argv, message",
    [
        pytest.param(["--kappa", "belief"], "argument --kappa: invalid choice: 'belief'", id="kappa"),
        pytest.param(["--folds", "1"], "argument --folds", id="one-fold"),
        pytest.param(["--folds", "two"], "argument --folds", id="folds-not-a-number"),
        pytest.param(["--confidence", "1.5"], "argument --confidence", id="confidence-above-1"),
        pytest.param(["--confidence", "0.3"], "argument --confidence", id="confidence-below-half"),
        pytest.param(["--bootstrap", "0"], "argument --bootstrap", id="no-resamples"),
        pytest.param(["--seed", "-1"], "argument --seed", id="negative-seed"),
        pytest.param(["--corpus", "nosuch"], "argument --corpus: invalid choice", id="corpus"),
    ],
)
def test_bad_option_values_are_argparse_errors(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        paradise("--ratings", "R.txt", *argv, "--out", str(tmp_path / "out"))
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_out_is_required(capsys):
    with pytest.raises(SystemExit) as exit_info:
        paradise("--ratings", "R.txt")
    assert exit_info.value.code == 2
    assert "--out" in capsys.readouterr().err


@pytest.mark.corpus
def test_real_uss_mwoz_with_transfer_from_sgd(tmp_path, capsys):
    mwoz = require_shared("uss", "MWOZ.txt")
    sgd = require_shared("uss", "SGD.txt")
    out = tmp_path / "report"
    assert paradise("--ratings", str(mwoz), "--transfer-from", str(sgd), "--bootstrap", "200", "--out", str(out)) == 0
    assert "transfer SGD -> MWOZ" in capsys.readouterr().out
    data = json.loads((out / "paradise.json").read_text(encoding="utf-8"))
    assert data["dialogues"] == 1000 and data["kappa_source"] == "acts"
    assert data["spearman"] > data["cross_validation"]["turns_only"]["spearman"]["value"]
    transfer = data["transfer"]
    assert (transfer["source"], transfer["target"]) == ("SGD", "MWOZ")
    assert -1 <= transfer["spearman_own_statistics"]["value"] <= 1 and transfer["features"]
    assert {p.name for p in out.iterdir()} == OUT_FILES


def goal_rated(n: int = 40, seed: int = 7) -> tuple[RatedDialogue, ...]:
    """Hotel dialogues with a goal (area, stars) and a final belief that gets 0-2 of them right;
    satisfaction rises with what the belief got right (so with goal κ), not with length."""
    import random

    from tod.belief import BeliefState, DomainBelief
    from tod.dialogue import SYSTEM, Dialogue, Goal, SubGoal, Turn

    rng = random.Random(seed)
    rated = []
    for i in range(n):
        area, stars = rng.choice(["north", "south", "east"]), rng.choice(["3", "4", "5"])
        right = rng.randint(0, 2)
        got = {"area": area if right >= 1 else "centre", "stars": stars if right == 2 else "2"}
        state = BeliefState({"hotel": DomainBelief(constraints=got)})
        turns = []
        for j in range(rng.randint(2, 4)):
            turns.append(
                Turn(USER, f"a hotel please {j}", (DialogueAct("inform", "hotel", "area", area),), state=state)
            )
            turns.append(Turn(SYSTEM, "the acorn", (DialogueAct("inform", "hotel", "name", "acorn"),), state=state))
        goal = Goal((SubGoal("hotel", constraints={"area": area, "stars": stars}),))
        dialogue = Dialogue(f"G-{i:03d}", tuple(turns), goal=goal)
        level = 2 + right + (1 if rng.random() < 0.2 else 0)
        ratings = tuple(max(1, min(5, level + rng.choice([-1, 0, 0, 1]))) for _ in range(3))
        turn_ratings = tuple((3, 3, 3) if t.speaker == USER else () for t in turns)
        rated.append(RatedDialogue(dialogue, turn_ratings, ratings))
    return tuple(rated)


def test_rated_dialogue_files_with_goals_fit_with_goal_kappa(tmp_path, capsys):
    ratings = write_dialogues(tmp_path / "rated.jsonl", goal_rated())
    out = tmp_path / "goal"
    assert (
        paradise("--ratings", str(ratings), "--kappa", "goal", "--folds", "5", "--bootstrap", "100", "--out", str(out))
        == 0
    )
    report = json.loads((out / "paradise.json").read_text())
    assert report["kappa_source"] == "goal" and report["dialogues"] == 40
    assert (
        report["weights"]["kappa"] > 0
        and report["spearman"] > report["cross_validation"]["turns_only"]["spearman"]["value"]
    )
    model = json.loads((out / "paradise_model.json").read_text())
    assert model["kappa_source"] == "goal" and 0 <= model["kappa_expected"] < 1


def test_rated_dialogue_files_round_trip_and_reject_plain_dialogues(tmp_path):
    from tod.data.dialogue_files import load_rated_dialogues
    from tod.errors import CorpusError

    rated = goal_rated(5)
    assert load_rated_dialogues(write_dialogues(tmp_path / "r.jsonl", rated)) == rated
    plain = write_dialogues(tmp_path / "plain.jsonl", [r.dialogue for r in rated])
    with pytest.raises(CorpusError, match=r"plain\.jsonl:1: dialogue G-000: not a rated dialogue"):
        load_rated_dialogues(plain)
