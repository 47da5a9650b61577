"""Checking a PARADISE model: cross-validated predictions and bootstrap intervals of Spearman's ρ."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from scipy import stats
from sklearn.model_selection import KFold

from tod.errors import ParadiseError
from tod.evaluation.paradise.model import _confidence, _matrix, _names, _vector, fit_paradise, select_columns

_BOOTSTRAP_CELLS = 4_000_000  # resample-by-item cells handled at once by the bootstrap


def cross_validated_predictions(
    X: Any, y: Any, features: Sequence[str], *, folds: int = 10, seed: int = 13
) -> np.ndarray:
    """Out-of-fold predictions of ``y``: ``KFold(folds, shuffle=True, random_state=seed)``; each fold is
    predicted by :func:`fit_paradise` on the other folds, with the training part's ``N()`` statistics
    (nothing of a held-out dialogue reaches its own prediction). :class:`ParadiseError` as for
    :func:`fit_paradise`, naming the fold, or for ``folds`` outside ``2 .. n``."""
    X = _matrix(X)
    y = _vector(y, "y")
    names = _names(features, X.shape[1])
    n = X.shape[0]
    if n != y.shape[0]:
        raise ParadiseError(f"X has {n} rows but y has {y.shape[0]} values")
    if isinstance(folds, bool) or not isinstance(folds, int) or not 2 <= folds <= n:
        raise ParadiseError(f"folds must be an integer from 2 to the number of dialogues ({n}), got {folds!r}")
    predictions = np.empty(n, dtype=float)
    splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (train, test) in enumerate(splitter.split(X)):
        try:
            model = fit_paradise(X[train], y[train], names)
        except ParadiseError as exc:
            raise ParadiseError(f"fold {fold + 1} of {folds}: {exc}") from exc
        predictions[test] = model.predict(select_columns(X[test], names, model.features))
    return predictions


# ------------------------------------------------------------------------------------------ bootstrap


@dataclass(frozen=True)
class Interval:
    """A point estimate with a percentile-bootstrap interval at ``confidence``."""

    value: float
    low: float
    high: float
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {"value": self.value, "low": self.low, "high": self.high, "confidence": self.confidence}


def _paired(predicted: Any, rated: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    p = _vector(predicted, name)
    r = _vector(rated, "rated")
    if p.shape != r.shape:
        raise ParadiseError(f"{name} has {p.shape[0]} values but rated has {r.shape[0]}")
    if p.shape[0] < 3:
        raise ParadiseError(f"a rank correlation interval needs at least 3 dialogues, got {p.shape[0]}")
    return p, r


def _spearman(a: np.ndarray, b: np.ndarray, name: str) -> float:
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        which = name if np.ptp(a) == 0 else "rated"
        raise ParadiseError(f"Spearman's ρ is undefined: {which} is constant")
    return float(stats.spearmanr(a, b).statistic)


def _row_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row of ``a`` with the same row of ``b``; NaN where a row is constant."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    denominator = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (a * b).sum(axis=1) / denominator
    r[denominator == 0] = np.nan
    return np.clip(r, -1.0, 1.0)


def _bootstrap(
    columns: Sequence[np.ndarray], statistic: Callable[[list[np.ndarray]], np.ndarray], resamples: int, seed: int
) -> np.ndarray:
    """``statistic`` over bootstrap resamples of the dialogues (with replacement, ``default_rng(seed)``).

    ``statistic`` gets, for a chunk of resamples, one rank matrix per column (a row per resample, ties
    averaged as Spearman's ρ does; every column indexed by the same resamples) and returns one value per
    row. Chunks keep memory bounded for long inputs.
    """
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 1:
        raise ParadiseError(f"resamples must be a positive integer, got {resamples!r}")
    n = columns[0].shape[0]
    rng = np.random.default_rng(seed)
    chunk = max(1, _BOOTSTRAP_CELLS // n)
    values = []
    for start in range(0, resamples, chunk):
        index = rng.integers(0, n, size=(min(chunk, resamples - start), n))
        values.append(statistic([stats.rankdata(column[index], axis=1) for column in columns]))
    return np.concatenate(values)


def _percentile_interval(value: float, samples: np.ndarray, confidence: float, what: str) -> Interval:
    samples = samples[np.isfinite(samples)]
    if samples.size == 0:
        raise ParadiseError(f"every bootstrap resample of {what} had a constant side: no interval")
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(samples, [tail, 100.0 - tail])
    return Interval(value=value, low=float(low), high=float(high), confidence=confidence)


def spearman_interval(
    predicted: Any, rated: Any, *, resamples: int = 1000, seed: int = 13, confidence: float = 0.95
) -> Interval:
    """Spearman's ρ of ``predicted`` with ``rated`` (``scipy.stats.spearmanr``) and its percentile
    bootstrap interval over dialogues (``numpy.random.default_rng(seed)``). Resamples in which a side
    is constant (ρ undefined) are skipped. :class:`ParadiseError` for fewer than 3 dialogues, unequal
    lengths, non-finite values or a constant side."""
    p, r = _paired(predicted, rated, "predicted")
    level = _confidence(confidence)
    value = _spearman(p, r, "predicted")
    samples = _bootstrap([p, r], lambda ranks: _row_pearson(ranks[0], ranks[1]), resamples, seed)
    return _percentile_interval(value, samples, level, "Spearman's ρ")


def spearman_difference_interval(
    predicted_a: Any,
    predicted_b: Any,
    rated: Any,
    *,
    resamples: int = 1000,
    seed: int = 13,
    confidence: float = 0.95,
) -> Interval:
    """``ρ(a, rated) − ρ(b, rated)`` with a paired percentile bootstrap: both correlations are computed
    on the same resampled dialogues, and resamples where either is undefined are skipped. An interval
    above 0 says ``a`` ranks the dialogues more like the ratings than ``b`` does."""
    a, r = _paired(predicted_a, rated, "predicted_a")
    b, _ = _paired(predicted_b, rated, "predicted_b")
    level = _confidence(confidence)
    value = _spearman(a, r, "predicted_a") - _spearman(b, r, "predicted_b")
    differences = _bootstrap(
        [a, b, r], lambda ranks: _row_pearson(ranks[0], ranks[2]) - _row_pearson(ranks[1], ranks[2]), resamples, seed
    )
    return _percentile_interval(value, differences, level, "the Spearman difference")
