"""A PARADISE study on synthetic rated dialogues (satisfaction driven by nooffers, repairs and
answered requests, not by length) and the report it writes: Markdown, JSON, the model, CSV, PNGs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from tod.acts import DialogueAct
from tod.data.uss import RatedDialogue
from tod.dialogue import SYSTEM, USER, Dialogue, Turn
from tod.errors import ParadiseError
from tod.evaluation.paradise.classes import load_act_classes
from tod.evaluation.paradise.features import dialogue_features
from tod.evaluation.paradise.model import ParadiseModel, select_columns
from tod.evaluation.paradise.report import write_report
from tod.evaluation.paradise.study import StudyOptions, rated_set, run_study

CLASSES = load_act_classes()
OPTIONS = StudyOptions(folds=5, resamples=100)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OUT_FILES = {
    "report.md",
    "paradise.json",
    "paradise_model.json",
    "features.csv",
    "predicted_vs_rated.png",
    "weights.png",
}
CONSTANT = ("reprompts", "confirmations", "fallbacks", "repetitions")  # never non-zero in synthetic dialogues


def synthetic_rated(n: int = 60, seed: int = 0, prefix: str = "SYN") -> tuple[RatedDialogue, ...]:
    """Hotel dialogues: ``turns`` user turns (4-7), the first ``nooffers`` (0-2) system replies fail, the
    user repairs ``repairs`` (0-2) times, and a final phone request is answered or left without a reply.

    Satisfaction ≈ 4.3 − 0.9·nooffers − 0.7·repairs + 0.4·answered (turns play no part), 3 raters.
    Every user text has fewer than 3 words but the first (no repetitions); the system never requests
    or confirms and always has an act (no re-prompts, confirmations or fallbacks).
    """
    rng = np.random.default_rng(seed)
    rated = []
    for i in range(n):
        turns, nooffers, repairs = int(rng.integers(4, 8)), int(rng.integers(0, 3)), int(rng.integers(0, 3))
        answered = bool(rng.integers(0, 2))
        dialogue_turns: list[Turn] = []
        for j in range(turns):
            if j == 0:
                dialogue_turns.append(Turn(USER, "hotel in north", (DialogueAct("inform", "hotel", "area", "north"),)))
            elif j <= repairs:
                dialogue_turns.append(Turn(USER, "another one", (DialogueAct("reqalts", "hotel"),)))
            elif j == turns - 1:
                dialogue_turns.append(Turn(USER, "phone number?", (DialogueAct("request", "hotel", "phone"),)))
            else:
                dialogue_turns.append(Turn(USER, f"okay {j}", (DialogueAct("inform", "hotel", "stars", str(j)),)))
            if j < nooffers:
                dialogue_turns.append(Turn(SYSTEM, "none", (DialogueAct("nooffer", "hotel"),)))
            elif j == turns - 1:
                if answered:
                    dialogue_turns.append(Turn(SYSTEM, "0123", (DialogueAct("inform", "hotel", "phone", "0123"),)))
            else:
                dialogue_turns.append(Turn(SYSTEM, "the acorn", (DialogueAct("inform", "hotel", "name", "acorn"),)))
        level = 4.3 - 0.9 * nooffers - 0.7 * repairs + 0.4 * answered + rng.normal(0.0, 0.25)
        ratings = tuple(int(np.clip(round(level + rng.normal(0.0, 0.3)), 1, 5)) for _ in range(3))
        dialogue = Dialogue(f"{prefix}-{i + 1:04d}", tuple(dialogue_turns), corpus="uss", split=prefix)
        turn_ratings = tuple((3, 3, 3) if t.speaker == USER else () for t in dialogue.turns)
        rated.append(RatedDialogue(dialogue, turn_ratings, ratings))
    return tuple(rated)


@pytest.fixture(scope="module")
def study():
    ratings = rated_set("TGT", synthetic_rated(60, seed=0, prefix="TGT"), OPTIONS, CLASSES)
    source = rated_set("SRC", synthetic_rated(60, seed=1, prefix="SRC"), OPTIONS, CLASSES)
    sims = tuple(r.dialogue for r in synthetic_rated(10, seed=2, prefix="SIM"))
    return run_study(ratings, OPTIONS, transfer_from=source, apply_to=[("sims", sims)], classes=CLASSES)


@pytest.fixture(scope="module")
def report_dir(study, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("paradise") / "report"  # write_report creates it
    path = write_report(study, out, command="tod evaluate paradise --ratings TGT.txt", extra={"note": "synthetic"})
    assert path == out / "report.md"
    return out


# ------------------------------------------------------------------------------------------- rated_set


def test_rated_set_needs_twenty_dialogues():
    with pytest.raises(ParadiseError, match="^tiny: 19 rated dialogues; a PARADISE fit needs at least 20$"):
        rated_set("tiny", synthetic_rated(19), OPTIONS, CLASSES)
    rated = synthetic_rated(20)
    data = rated_set("twenty", rated, OPTIONS, CLASSES)
    assert data.name == "twenty" and data.table.ids == tuple(r.dialogue.id for r in rated)
    np.testing.assert_allclose(data.satisfaction, [sum(r.ratings) / 3 for r in rated])


def test_rated_set_computes_the_costs_the_generator_put_in():
    rated = synthetic_rated(30)
    table = rated_set("x", rated, OPTIONS, CLASSES).table
    for r, row in zip(rated, table.rows()):
        turns = r.dialogue.turns
        assert row["turns"] == sum(t.speaker == USER for t in turns)
        assert row["nooffers"] == sum(t.text == "none" for t in turns)
        assert row["repairs"] == sum(t.text == "another one" for t in turns)
        assert all(row[name] == 0.0 for name in CONSTANT)


def test_rated_set_with_goal_kappa_on_dialogues_without_goals_fails():
    with pytest.raises(ParadiseError, match="SYN-0001: κ from the goal needs a goal"):
        rated_set("x", synthetic_rated(20), StudyOptions(kappa_source="goal"), CLASSES)


# --------------------------------------------------------------------------------------------- the study


def test_paradise_beats_turns_only(study):
    assert study.model.kappa_source == "acts"
    assert study.model.dropped == CONSTANT
    assert set(study.model.features) == {"kappa", "turns", "nooffers", "repairs"}
    assert study.model.weight("nooffers").coefficient < 0 and study.model.weight("repairs").coefficient < 0
    assert study.model.weight("kappa").coefficient > 0  # answered requests raise κ and satisfaction
    assert study.full.spearman.value > 0.6
    assert study.full.spearman.value > study.baseline.spearman.value + 0.4
    assert study.gain.low > 0  # the paired interval of the gain excludes 0
    assert study.baseline.features == ("turns",)
    y = study.ratings.satisfaction
    # the reported numbers are those of the out-of-fold predictions
    assert study.full.spearman.value == pytest.approx(stats.spearmanr(study.full.predictions, y).statistic)
    sse, sst = np.sum((y - study.full.predictions) ** 2), np.sum((y - y.mean()) ** 2)
    assert study.full.r2 == pytest.approx(1 - sse / sst)
    assert study.gain.value == pytest.approx(study.full.spearman.value - study.baseline.spearman.value)


def test_transfer_and_applied_sets(study):
    t = study.transfer
    assert (t.source, t.target) == ("SRC", "TGT")
    assert set(t.features) <= set(study.ratings.table.features)
    assert t.own_statistics.value > t.baseline_own_statistics.value
    (applied,) = study.applied
    assert (applied.name, applied.n) == ("sims", 10)
    sims = dialogue_features(
        [r.dialogue for r in synthetic_rated(10, seed=2, prefix="SIM")],
        classes=CLASSES,
        expected=study.model.kappa_expected,
    )
    expected = study.model.predict(select_columns(sims.values, sims.features, study.model.features))
    np.testing.assert_allclose(applied.predictions, expected)
    assert applied.performance.value == pytest.approx(expected.mean())
    # normal interval of the mean: ± 1.96 · s / √n
    half = 1.959963984540054 * expected.std(ddof=1) / np.sqrt(10)
    assert applied.performance.low == pytest.approx(expected.mean() - half)
    assert applied.performance.high == pytest.approx(expected.mean() + half)
    assert applied.kappa_set == pytest.approx(sims.matrix.kappa)


def test_applied_kappa_uses_the_fitting_sets_chance_agreement(study):
    """One dialogue with one task and no request: its own key has one label (P(E) = 1, κ undefined), but
    scored with the model it gets κ = (P(A) − P(E)_fit) / (1 − P(E)_fit)."""
    from tod.evaluation.paradise.study import apply_model

    model = study.model
    assert model.kappa_expected == pytest.approx(study.ratings.table.matrix.expected)
    offered = Dialogue(
        "ONE",
        (
            Turn(USER, "a hotel in the north", (DialogueAct("inform", "hotel", "area", "north"),)),
            Turn(SYSTEM, "the acorn", (DialogueAct("inform", "hotel", "name", "acorn"),)),
        ),
    )
    applied = apply_model(model, "one", [offered], OPTIONS, CLASSES)
    assert applied.kappa_set is None  # the set's own matrix has a single key label
    kappa = (1.0 - model.kappa_expected) / (1.0 - model.kappa_expected)
    row = np.array([[kappa if f == "kappa" else applied.feature_means[f] for f in model.features]])
    assert applied.performance.value == pytest.approx(float(model.predict(row)[0]))
    assert applied.feature_means["kappa"] == pytest.approx(1.0)


def test_to_dict_has_the_documented_keys(study):
    data = study.to_dict()
    json.dumps(data, allow_nan=False)  # JSON-ready, finite
    assert isinstance(data["r2"], float) and data["r2"] == study.model.r2
    assert isinstance(data["spearman"], float) and data["spearman"] == study.full.spearman.value
    assert data["weights"] == {w.feature: w.coefficient for w in study.model.weights}
    assert list(data["weights"]) == list(study.model.features)
    assert all(isinstance(v, float) for v in data["weights"].values())
    assert set(data["weight_intervals"]) == set(data["weights"])
    assert data["dialogues"] == 60 and data["ratings"] == "TGT" and data["kappa_source"] == "acts"
    assert data["dropped_features"] == list(CONSTANT)
    cv = data["cross_validation"]
    assert (cv["folds"], cv["seed"], data["bootstrap_resamples"]) == (5, 13, 100)
    assert cv["turns_only"]["spearman"]["value"] == study.baseline.spearman.value < data["spearman"]
    assert cv["spearman_gain_over_turns_only"]["low"] > 0
    assert data["transfer"]["source"] == "SRC" and "spearman_own_statistics" in data["transfer"]
    assert [a["name"] for a in data["applied"]] == ["sims"]


# -------------------------------------------------------------------------------------------- the report


def test_report_writes_exactly_the_documented_files(report_dir):
    assert {p.name for p in report_dir.iterdir()} == OUT_FILES  # no scratch files left behind


@pytest.mark.parametrize("name, size", [("predicted_vs_rated.png", (495, 1100)), ("weights.png", None)])
def test_plots_are_real_png_images(report_dir, name, size):
    import matplotlib.image

    path = report_dir / name
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[2] in (3, 4)
    if size is not None:  # 10 × 4.5 inches at 110 dpi
        assert image.shape[:2] == size
    else:  # 7 inches wide, 0.45 inch per weight + 1.5
        assert image.shape[1] == 770 and image.shape[0] > 100
    assert float(image[..., :3].std()) > 0.01  # something is drawn, not a blank canvas


def test_saved_model_reloads_and_predicts_the_same(study, report_dir):
    loaded = ParadiseModel.load(report_dir / "paradise_model.json")
    assert loaded == study.model
    table = study.ratings.table
    X = select_columns(table.values, table.features, loaded.features)
    np.testing.assert_array_equal(loaded.predict(X), study.model.predict(X))


def test_paradise_json_matches_the_study(study, report_dir):
    data = json.loads((report_dir / "paradise.json").read_text(encoding="utf-8"))
    assert data["command"] == "tod evaluate paradise --ratings TGT.txt" and data["note"] == "synthetic"
    assert data["spearman"] == study.full.spearman.value
    assert data["weights"] == pytest.approx(study.to_dict()["weights"])


def test_features_csv_has_every_rated_dialogue(study, report_dir):
    with (report_dir / "features.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    table = study.ratings.table
    assert rows[0] == ["id", *table.features, "satisfaction", "predicted_cv"]
    assert [r[0] for r in rows[1:]] == list(table.ids)
    values = np.array([[float(x) for x in r[1:]] for r in rows[1:]])
    np.testing.assert_allclose(values[:, : len(table.features)], table.values, rtol=1e-5)
    np.testing.assert_allclose(values[:, -2], study.ratings.satisfaction, rtol=1e-5)
    np.testing.assert_allclose(values[:, -1], study.full.predictions, rtol=1e-5)


def test_report_markdown_mentions_every_weight_and_section(study, report_dir):
    text = (report_dir / "report.md").read_text(encoding="utf-8")
    assert text.startswith("# PARADISE: user satisfaction on TGT")
    for w in study.model.weights:
        assert f"| {w.feature} | {w.coefficient:+.3f} |" in text
    assert f"left out: {', '.join(CONSTANT)}." in text
    assert "Command: `tod evaluate paradise --ratings TGT.txt`" in text and "- note: synthetic" in text
    assert "## Transfer: fitted on SRC, predicting TGT" in text
    assert "| sims | 10 |" in text
    assert "![predicted against rated satisfaction](predicted_vs_rated.png)" in text
    assert "![weights with intervals](weights.png)" in text
    assert f"| PARADISE | {len(study.full.features)} | {study.full.spearman.value:.3f} [" in text
