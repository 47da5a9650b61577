"""A PARADISE study: fit satisfaction on κ and costs, cross-validate, compare, transfer, apply.

Everything a report shows is computed here and returned as one value (``ParadiseStudy``); the
Markdown/PNG/JSON rendering lives in ``tod.evaluation.paradise.report``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from tod.data.uss import RatedDialogue
from tod.dialogue import Dialogue
from tod.errors import ParadiseError
from tod.evaluation.paradise.classes import ActClasses
from tod.evaluation.paradise.features import FeatureTable, dialogue_features
from tod.evaluation.paradise.model import ParadiseModel, fit_paradise, select_columns
from tod.evaluation.paradise.validation import (
    Interval,
    cross_validated_predictions,
    spearman_difference_interval,
    spearman_interval,
)

BASELINE = ("turns",)
MIN_RATED = 20


@dataclass(frozen=True)
class StudyOptions:
    kappa_source: str = "acts"
    folds: int = 10
    seed: int = 13
    resamples: int = 1000
    confidence: float = 0.95


@dataclass(frozen=True)
class RatedSet:
    """Rated dialogues as a feature table and the dialogue-level satisfaction (mean rating)."""

    name: str
    table: FeatureTable
    satisfaction: np.ndarray


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold predictions of one feature set and their agreement with the ratings."""

    features: tuple[str, ...]
    predictions: np.ndarray
    spearman: Interval
    r2: float

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "spearman": self.spearman.to_dict(), "r2": self.r2}


@dataclass(frozen=True)
class Transfer:
    """A model fitted on one rated set predicting another: with the target's own Z-score
    statistics (PARADISE's N over the data at hand) and with the source's."""

    source: str
    target: str
    features: tuple[str, ...]
    own_statistics: Interval
    source_statistics: Interval
    baseline_own_statistics: Interval

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "features": list(self.features),
            "spearman_own_statistics": self.own_statistics.to_dict(),
            "spearman_source_statistics": self.source_statistics.to_dict(),
            "turns_only_spearman_own_statistics": self.baseline_own_statistics.to_dict(),
        }


@dataclass(frozen=True)
class Applied:
    """Predicted performance of a set of unrated dialogues (model statistics, so sets compare)."""

    name: str
    n: int
    performance: Interval
    kappa_set: float | None  # κ of the set's own matrix; None where its key has one value only
    feature_means: dict[str, float]
    predictions: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dialogues": self.n,
            "predicted_performance": self.performance.to_dict(),
            "kappa_set": self.kappa_set,
            "feature_means": self.feature_means,
        }


@dataclass(frozen=True)
class ParadiseStudy:
    ratings: RatedSet
    model: ParadiseModel
    full: CrossValidation
    baseline: CrossValidation
    gain: Interval
    options: StudyOptions
    transfer: Transfer | None = None
    applied: tuple[Applied, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        table = self.ratings.table
        return {
            "ratings": self.ratings.name,
            "dialogues": len(table.ids),
            "kappa_source": table.kappa_source,
            "kappa_set": table.matrix.kappa,
            "kappa_imputed": len(table.imputed),
            "r2": self.model.r2,
            "adjusted_r2": self.model.adjusted_r2,
            "spearman": self.full.spearman.value,
            "spearman_interval": self.full.spearman.to_dict(),
            "weights": {w.feature: w.coefficient for w in self.model.weights},
            "weight_intervals": {
                w.feature: {"low": w.low, "high": w.high, "p_value": w.p_value} for w in self.model.weights
            },
            "intercept": self.model.intercept,
            "dropped_features": list(self.model.dropped),
            "cross_validation": {
                "folds": self.options.folds,
                "seed": self.options.seed,
                "paradise": self.full.to_dict(),
                "turns_only": self.baseline.to_dict(),
                "spearman_gain_over_turns_only": self.gain.to_dict(),
            },
            "bootstrap_resamples": self.options.resamples,
            "feature_means": table.means(),
            "transfer": None if self.transfer is None else self.transfer.to_dict(),
            "applied": [a.to_dict() for a in self.applied],
        }


def rated_set(name: str, rated: Sequence[RatedDialogue], options: StudyOptions, classes: ActClasses) -> RatedSet:
    if len(rated) < MIN_RATED:
        raise ParadiseError(f"{name}: {len(rated)} rated dialogues; a PARADISE fit needs at least {MIN_RATED}")
    table = dialogue_features([r.dialogue for r in rated], kappa_source=options.kappa_source, classes=classes)
    return RatedSet(name, table, np.array([r.satisfaction for r in rated], dtype=float))


def cross_validate(data: RatedSet, features: Sequence[str], options: StudyOptions) -> CrossValidation:
    X = select_columns(data.table.values, data.table.features, features)
    y = data.satisfaction
    predictions = cross_validated_predictions(X, y, features, folds=options.folds, seed=options.seed)
    interval = spearman_interval(
        predictions, y, resamples=options.resamples, seed=options.seed, confidence=options.confidence
    )
    r2 = 1.0 - float(np.sum((y - predictions) ** 2) / np.sum((y - y.mean()) ** 2))
    return CrossValidation(tuple(features), predictions, interval, r2)


def run_study(
    ratings: RatedSet,
    options: StudyOptions,
    *,
    transfer_from: RatedSet | None = None,
    apply_to: Sequence[tuple[str, Sequence[Dialogue]]] = (),
    classes: ActClasses,
) -> ParadiseStudy:
    """Fit on ``ratings``; cross-validate against the turns-only baseline; transfer; apply."""
    table = ratings.table
    model = fit_paradise(table.values, ratings.satisfaction, table.features, confidence=options.confidence)
    model = replace(model, kappa_source=table.kappa_source, kappa_expected=table.matrix.expected)
    full = cross_validate(ratings, model.features, options)
    baseline = cross_validate(ratings, BASELINE, options)
    gain = spearman_difference_interval(
        full.predictions,
        baseline.predictions,
        ratings.satisfaction,
        resamples=options.resamples,
        seed=options.seed,
        confidence=options.confidence,
    )
    transfer = None if transfer_from is None else transfer_study(transfer_from, ratings, options)
    applied = tuple(apply_model(model, name, dialogues, options, classes) for name, dialogues in apply_to)
    return ParadiseStudy(ratings, model, full, baseline, gain, options, transfer, applied)


def transfer_study(source: RatedSet, target: RatedSet, options: StudyOptions) -> Transfer:
    """Fit on ``source`` and predict ``target``'s satisfaction (features both sets vary in)."""
    usable = tuple(f for f in source.table.features if f in target.table.features)
    model = fit_paradise(
        select_columns(source.table.values, source.table.features, usable),
        source.satisfaction,
        usable,
        confidence=options.confidence,
    )
    X = select_columns(target.table.values, target.table.features, model.features)

    def interval(predicted: np.ndarray) -> Interval:
        return spearman_interval(
            predicted,
            target.satisfaction,
            resamples=options.resamples,
            seed=options.seed,
            confidence=options.confidence,
        )

    turns = fit_paradise(
        select_columns(source.table.values, source.table.features, BASELINE), source.satisfaction, BASELINE
    )
    X_turns = select_columns(target.table.values, target.table.features, BASELINE)
    return Transfer(
        source=source.name,
        target=target.name,
        features=model.features,
        own_statistics=interval(model.predict(X, own_statistics=True)),
        source_statistics=interval(model.predict(X)),
        baseline_own_statistics=interval(turns.predict(X_turns, own_statistics=True)),
    )


def apply_model(
    model: ParadiseModel, name: str, dialogues: Sequence[Dialogue], options: StudyOptions, classes: ActClasses
) -> Applied:
    """Predicted performance of ``dialogues`` with the model's own Z-score statistics, so that
    systems (pipelines, corpora) are compared on one scale."""
    table = dialogue_features(
        dialogues, kappa_source=model.kappa_source, classes=classes, expected=model.kappa_expected
    )
    missing = [f for f in model.features if f not in table.features]
    if missing:
        raise ParadiseError(f"{name}: the model needs features {missing} that these dialogues do not have")
    predictions = model.predict(select_columns(table.values, table.features, model.features))
    mean = float(predictions.mean())
    spread = float(predictions.std(ddof=1) / np.sqrt(len(predictions))) if len(predictions) > 1 else 0.0
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + options.confidence / 2))
    performance = Interval(mean, mean - z * spread, mean + z * spread, options.confidence)
    kappa_set = table.matrix.kappa if table.matrix.kappa_defined else None
    return Applied(name, len(dialogues), performance, kappa_set, table.means(), predictions)
