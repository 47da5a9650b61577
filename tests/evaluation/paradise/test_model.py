"""The PARADISE regression, its persistence, cross-validation and the Spearman bootstrap."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import KFold

from tod.errors import ParadiseError
from tod.evaluation.paradise.model import (
    ParadiseModel,
    Weight,
    fit_paradise,
    select_columns,
)
from tod.evaluation.paradise.validation import (
    Interval,
    cross_validated_predictions,
    spearman_difference_interval,
    spearman_interval,
)

FEATURES = ("kappa", "turns", "noise")


def synthetic(n: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """κ-like and cost-like features on different scales; y = 3 + 0.8·N(kappa) − 0.5·N(turns) + ε."""
    rng = np.random.default_rng(seed)
    kappa = rng.uniform(-0.2, 1.0, n)
    turns = rng.poisson(12, n).astype(float)
    noise = rng.normal(100.0, 30.0, n)
    X = np.column_stack([kappa, turns, noise])
    Z = (X - X.mean(axis=0)) / X.std(axis=0)  # population std, as the model's N()
    y = 3.0 + 0.8 * Z[:, 0] - 0.5 * Z[:, 1] + rng.normal(0.0, 0.1, n)
    return X, y


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return synthetic()


@pytest.fixture(scope="module")
def model(data: tuple[np.ndarray, np.ndarray]) -> ParadiseModel:
    X, y = data
    return fit_paradise(X, y, FEATURES)


def test_recovers_known_weights(model: ParadiseModel, data: tuple[np.ndarray, np.ndarray]) -> None:
    X, _ = data
    assert model.features == FEATURES and model.dropped == () and model.n == 2000
    assert model.confidence == 0.95 and model.target == "satisfaction"
    assert model.intercept == pytest.approx(3.0, abs=0.01)
    truth = {"kappa": 0.8, "turns": -0.5}
    for feature, value in truth.items():
        w = model.weight(feature)
        assert w.coefficient == pytest.approx(value, abs=0.02)
        assert w.low < value < w.high
        assert w.high - w.low < 0.05
        assert w.p_value < 1e-12
    assert model.r2 > 0.95 and model.adjusted_r2 <= model.r2
    assert model.means == pytest.approx(tuple(X.mean(axis=0)))
    assert model.stds == pytest.approx(tuple(X.std(axis=0, ddof=0)))  # population std


def test_noise_feature_interval_covers_zero(model: ParadiseModel) -> None:
    w = model.weight("noise")
    assert w.low < 0.0 < w.high
    assert w.p_value > 0.01
    assert abs(w.coefficient) < 0.02


def test_intervals_match_classical_ols() -> None:
    # Small case checked against an explicit σ²(DᵀD)⁻¹ computation and the t quantile.
    from scipy import stats

    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 2))
    y = 1.0 + X[:, 0] + rng.normal(size=30)
    m = fit_paradise(X, y, ["a", "b"], confidence=0.9)
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    D = np.column_stack([np.ones(30), Z])
    beta, *_ = np.linalg.lstsq(D, y, rcond=None)
    rss = float(((y - D @ beta) ** 2).sum())
    se = np.sqrt(np.diag(rss / 27 * np.linalg.inv(D.T @ D)))[1:]
    q = stats.t.ppf(0.95, 27)
    for i, w in enumerate(m.weights):
        assert w.coefficient == pytest.approx(beta[i + 1])
        assert (w.low, w.high) == pytest.approx((beta[i + 1] - q * se[i], beta[i + 1] + q * se[i]))
        assert w.p_value == pytest.approx(2 * stats.t.sf(abs(beta[i + 1] / se[i]), 27))
    assert m.intercept == pytest.approx(beta[0])
    assert m.r2 == pytest.approx(1 - rss / float(((y - y.mean()) ** 2).sum()))
    assert m.adjusted_r2 == pytest.approx(1 - (1 - m.r2) * 29 / 27)


def test_constant_column_is_dropped_and_reported(data: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = data
    Xc = np.column_stack([X[:, :2], np.full(len(y), 7.0)])
    m = fit_paradise(Xc, y, ["kappa", "turns", "task_completed"])
    assert m.features == ("kappa", "turns")
    assert m.dropped == ("task_completed",)
    with pytest.raises(ParadiseError, match="dropped as constant"):
        m.weight("task_completed")
    # Applying it to the full table picks the used columns by name.
    assert m.predict(select_columns(Xc, ["kappa", "turns", "task_completed"], m.features)).shape == (len(y),)


def test_collinear_columns_are_left_out(data: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = data
    # "double" = 2·kappa + 1, "sum" = kappa + turns: each a combination of columns before it.
    Xc = np.column_stack([X[:, 0], 2 * X[:, 0] + 1, X[:, 1], X[:, 0] + X[:, 1], np.zeros(len(y))])
    names = ["kappa", "double", "turns", "sum", "zero"]
    m = fit_paradise(Xc, y, names)
    assert m.features == ("kappa", "turns")
    assert m.collinear == ("double", "sum") and m.dropped == ("zero",)
    assert m.weight("kappa").coefficient == pytest.approx(0.8, abs=0.02)
    with pytest.raises(ParadiseError, match="linear combination"):
        m.weight("sum")
    assert ParadiseModel.from_dict(m.to_dict()) == m
    # two rare counts non-zero in the same dialogues only: the second is left out, not an error
    rare = np.zeros((len(y), 2))
    rare[:3] = [[1.0, 2.0], [2.0, 4.0], [1.0, 2.0]]
    m2 = fit_paradise(np.column_stack([X, rare]), y, [*FEATURES, "fallbacks", "repairs"])
    assert m2.collinear == ("repairs",) and "fallbacks" in m2.features


def test_normalise_and_predict_with_model_or_own_statistics(model: ParadiseModel) -> None:
    X = np.array([[0.5, 10.0, 90.0], [0.9, 14.0, 120.0], [0.1, 14.0, 100.0]])
    Z = model.normalise(X)
    assert Z == pytest.approx((X - np.array(model.means)) / np.array(model.stds))
    assert model.predict(X) == pytest.approx(model.intercept + Z @ model.coefficients)
    own = model.normalise(X, own_statistics=True)
    assert own == pytest.approx((X - X.mean(axis=0)) / X.std(axis=0))
    assert own.mean(axis=0) == pytest.approx(np.zeros(3), abs=1e-12)
    assert model.predict(X, own_statistics=True) == pytest.approx(model.intercept + own @ model.coefficients)
    # a column constant in X gets 0 with its own statistics
    constant = X.copy()
    constant[:, 1] = 14.0
    assert np.all(model.normalise(constant, own_statistics=True)[:, 1] == 0.0)
    with pytest.raises(ParadiseError, match="3 features"):
        model.normalise(X[:, :2])
    with pytest.raises(ParadiseError, match="non-finite"):
        model.predict(np.array([[np.nan, 1.0, 1.0]]))


def test_save_load_round_trip(tmp_path: Path, model: ParadiseModel, data: tuple[np.ndarray, np.ndarray]) -> None:
    X, _ = data
    path = tmp_path / "sub" / "paradise.json"
    model.save(path)
    loaded = ParadiseModel.load(path)
    assert loaded == model
    assert np.array_equal(loaded.predict(X[:50]), model.predict(X[:50]))
    assert [p.name for p in path.parent.iterdir()] == ["paradise.json"]  # no temporary left behind
    model.save(path)  # overwriting works
    assert ParadiseModel.from_dict(json.loads(path.read_text())) == model
    assert ParadiseModel.from_dict(model.to_dict()) == model


def test_load_rejects_bad_files(tmp_path: Path, model: ParadiseModel) -> None:
    missing = tmp_path / "absent.json"
    with pytest.raises(ParadiseError, match="absent.json.*not found"):
        ParadiseModel.load(missing)
    good = json.dumps(model.to_dict())
    cases = {
        "truncated.json": good[: len(good) // 2],
        "garbage.json": "\x00not json at all",
        "list.json": "[1, 2, 3]",
        "nan.json": good.replace(json.dumps(model.r2), "NaN", 1),
    }
    data = model.to_dict()
    del data["weights"]
    cases["missing-key.json"] = json.dumps(data)
    data = model.to_dict()
    data["means"] = data["means"][:-1]
    cases["short.json"] = json.dumps(data)
    data = model.to_dict()
    data["intercept"] = "3.0"
    cases["string.json"] = json.dumps(data)
    data = model.to_dict()
    data["weights"][0]["feature"] = "other"
    cases["misaligned.json"] = json.dumps(data)
    data = model.to_dict()
    data["format"] = "something-else/9"
    cases["format.json"] = json.dumps(data)
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(ParadiseError, match=name.replace(".", r"\.")):
            ParadiseModel.load(path)


def test_from_dict_rejects_malformed(model: ParadiseModel) -> None:
    for key, value in [
        ("n", 2.5),
        ("n", True),
        ("stds", [1.0, 0.0, 1.0]),
        ("confidence", 1.5),
        ("r2", float("nan")),
        ("kappa_expected", 1.0),
        ("kappa_expected", "0.2"),
        ("kappa_source", 3),
    ]:
        data = model.to_dict()
        data[key] = value
        with pytest.raises(ParadiseError):
            ParadiseModel.from_dict(data)
    with pytest.raises(ParadiseError):
        ParadiseModel.from_dict("not a mapping")  # type: ignore[arg-type]
    with pytest.raises(ParadiseError, match="weights"):
        ParadiseModel(("a",), (0.0,), (1.0,), 0.0, (), 0.5, 0.5, 10, 0.95, ())
    Weight("a", 1.0, 0.5, 1.5, 0.01)  # plain construction works


def test_cross_validated_predictions_avoid_leakage(data: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = data[0][:200], data[1][:200]
    predictions = cross_validated_predictions(X, y, FEATURES, folds=5, seed=3)
    assert predictions.shape == (200,)
    # Manual fold: fit on the training part only, normalise the held-out part with its statistics.
    train, test = next(KFold(n_splits=5, shuffle=True, random_state=3).split(X))
    fold_model = fit_paradise(X[train], y[train], FEATURES)
    assert predictions[test] == pytest.approx(fold_model.predict(X[test]))
    # A model fitted on everything (or held-out statistics) gives different numbers: that would leak.
    full = fit_paradise(X, y, FEATURES)
    assert not np.allclose(predictions[test], full.predict(X[test]))
    assert not np.allclose(predictions[test], fold_model.predict(X[test], own_statistics=True))
    # Changing a held-out target leaves its own prediction untouched.
    y2 = y.copy()
    y2[test[0]] += 100.0
    assert cross_validated_predictions(X, y2, FEATURES, folds=5, seed=3)[test[0]] == pytest.approx(predictions[test[0]])
    # deterministic for a seed
    assert np.array_equal(predictions, cross_validated_predictions(X, y, FEATURES, folds=5, seed=3))
    with pytest.raises(ParadiseError, match="folds"):
        cross_validated_predictions(X, y, FEATURES, folds=1)


def test_spearman_interval_on_monotone_data() -> None:
    x = np.arange(50, dtype=float)
    interval = spearman_interval(x, x**3 + 1.0)
    assert isinstance(interval, Interval)
    assert interval.value == pytest.approx(1.0)
    assert interval.low == pytest.approx(1.0) and interval.high == pytest.approx(1.0)
    assert interval.to_dict() == {
        "value": interval.value,
        "low": interval.low,
        "high": interval.high,
        "confidence": 0.95,
    }
    reverse = spearman_interval(x, -x)
    assert reverse.value == pytest.approx(-1.0) and reverse.high == pytest.approx(-1.0)


def test_spearman_interval_is_reproducible_and_covers_the_estimate() -> None:
    rng = np.random.default_rng(1)
    rated = rng.integers(1, 6, 300).astype(float)  # Likert ratings: many ties
    predicted = rated + rng.normal(0.0, 1.5, 300)
    a = spearman_interval(predicted, rated, resamples=500, seed=4)
    b = spearman_interval(predicted, rated, resamples=500, seed=4)
    assert a == b
    assert -1.0 <= a.low < a.value < a.high <= 1.0
    assert a.high - a.low < 0.3
    wider = spearman_interval(predicted, rated, resamples=500, seed=4, confidence=0.99)
    assert wider.low <= a.low and wider.high >= a.high


def test_spearman_skips_constant_resamples() -> None:
    # Three dialogues, one of them different: some resamples draw only equal values (ρ undefined).
    interval = spearman_interval([1.0, 1.0, 2.0], [1.0, 2.0, 3.0], resamples=200)
    assert np.isfinite(interval.low) and np.isfinite(interval.high)
    assert -1.0 <= interval.low <= interval.high <= 1.0


def test_spearman_difference_sign() -> None:
    rng = np.random.default_rng(2)
    rated = rng.normal(size=400)
    good = rated + rng.normal(0.0, 0.3, 400)
    poor = rated + rng.normal(0.0, 3.0, 400)
    difference = spearman_difference_interval(good, poor, rated, resamples=500)
    assert difference.value > 0 and difference.low > 0
    reverse = spearman_difference_interval(poor, good, rated, resamples=500)
    assert reverse.high < 0
    assert reverse.value == pytest.approx(-difference.value)
    same = spearman_difference_interval(good, good, rated, resamples=200)
    assert same.value == 0.0 and same.low == 0.0 and same.high == 0.0


def test_fit_errors(data: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = data
    with pytest.raises(ParadiseError, match="too few"):
        fit_paradise(X[:4], y[:4], FEATURES)  # n = 4 <= k + 1 = 4
    with pytest.raises(ParadiseError, match="non-finite"):
        fit_paradise(np.where(np.arange(X.size).reshape(X.shape) == 7, np.nan, X), y, FEATURES)
    with pytest.raises(ParadiseError, match="non-finite"):
        fit_paradise(X, np.where(np.arange(len(y)) == 3, np.inf, y), FEATURES)
    with pytest.raises(ParadiseError, match="2 feature names for 3 columns"):
        fit_paradise(X, y, FEATURES[:2])
    with pytest.raises(ParadiseError, match="unique"):
        fit_paradise(X, y, ["kappa", "turns", "kappa"])
    with pytest.raises(ParadiseError, match="rows"):
        fit_paradise(X, y[:-1], FEATURES)
    with pytest.raises(ParadiseError, match="2-D"):
        fit_paradise(X[:, 0], y, ["kappa"])
    with pytest.raises(ParadiseError, match="no usable feature"):
        fit_paradise(np.ones((10, 2)), np.arange(10.0), ["a", "b"])
    with pytest.raises(ParadiseError, match="constant"):
        fit_paradise(X, np.full(len(y), 4.0), FEATURES)
    with pytest.raises(ParadiseError, match="confidence"):
        fit_paradise(X, y, FEATURES, confidence=95)


def test_select_columns() -> None:
    X = np.arange(12.0).reshape(4, 3)
    assert np.array_equal(select_columns(X, ["a", "b", "c"], ["c", "a"]), X[:, [2, 0]])
    with pytest.raises(ParadiseError, match="'dialogue_length'"):
        select_columns(X, ["a", "b", "c"], ["a", "dialogue_length"])
    with pytest.raises(ParadiseError, match="unique"):
        select_columns(X, ["a", "a", "c"], ["a"])


def test_spearman_errors() -> None:
    with pytest.raises(ParadiseError, match="at least 3"):
        spearman_interval([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ParadiseError, match="non-finite"):
        spearman_interval([1.0, np.nan, 3.0], [1.0, 2.0, 3.0])
    with pytest.raises(ParadiseError, match="4 values"):
        spearman_interval([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0])
    with pytest.raises(ParadiseError, match="constant"):
        spearman_interval([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ParadiseError, match="resamples"):
        spearman_interval([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], resamples=0)
    with pytest.raises(ParadiseError, match="predicted_b"):
        spearman_difference_interval([1.0, 2.0, 3.0], [1.0, 2.0], [1.0, 2.0, 3.0])
