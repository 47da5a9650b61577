"""The PARADISE performance function: user satisfaction regressed on Z-scored κ and dialogue costs.

Walker et al. (1997) define ``Performance = α·N(κ) − Σ w_i·N(c_i)`` with ``N(x) = (x − x̄) / σ_x``;
``α`` and the ``w_i`` are the coefficients of a multiple linear regression of user satisfaction on the
normalised success and cost measures. Here every measure is a named feature and its regression
coefficient is kept with its sign (a cost that lowers satisfaction gets a negative coefficient, i.e.
``w_i = −coefficient``).

:func:`fit_paradise` drops constant features, Z-scores the rest with the **population** standard
deviation (``ddof=0``), fits ordinary least squares and reports each coefficient's confidence
interval and p-value from the classical OLS covariance ``σ²(DᵀD)⁻¹`` (``D`` the design matrix with
its intercept column, ``σ² = RSS / (n − k − 1)``) and the t distribution with ``n − k − 1`` degrees of
freedom. :func:`cross_validated_predictions` gives out-of-fold predictions, and
:func:`spearman_interval` / :func:`spearman_difference_interval` bootstrap the rank correlation of
predictions with rated satisfaction.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from scipy import stats
from sklearn.linear_model import LinearRegression

from tod.errors import ParadiseError
from tod.files import read_json, write_atomically

FORMAT = "tod-paradise-model/1"


# --------------------------------------------------------------------------------------------- inputs


def _array(values: Any, name: str, ndim: int) -> np.ndarray:
    """``values`` as a finite float array of ``ndim`` dimensions (2: dialogues × features; 1: one per dialogue)."""
    shape = "a 2-D matrix (dialogues × features)" if ndim == 2 else "a 1-D vector"
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParadiseError(f"{name} must be {shape} of numbers: {exc}") from exc
    if array.ndim != ndim:
        raise ParadiseError(f"{name} must be {shape}, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        where = ", ".join(str(int(i)) for i in np.argwhere(~np.isfinite(array))[0])
        raise ParadiseError(
            f"{name} has non-finite values (first at {'row, column' if ndim == 2 else 'index'} {where})"
        )
    return array


def _matrix(X: Any, name: str = "X") -> np.ndarray:
    return _array(X, name, 2)


def _vector(y: Any, name: str) -> np.ndarray:
    return _array(y, name, 1)


def _names(features: Sequence[str], columns: int) -> tuple[str, ...]:
    if isinstance(features, str):
        raise ParadiseError("features must be a sequence of names, not a single string")
    names = tuple(features)
    if any(not isinstance(f, str) or not f for f in names):
        raise ParadiseError(f"feature names must be non-empty strings, got {list(names)!r}")
    if len(names) != columns:
        raise ParadiseError(f"{len(names)} feature names for {columns} columns")
    duplicates = sorted({f for f in names if names.count(f) > 1})
    if duplicates:
        raise ParadiseError(f"feature names must be unique; repeated: {', '.join(duplicates)}")
    return names


def _confidence(confidence: float) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0.0 < confidence < 1.0:
        raise ParadiseError(f"confidence must be a number strictly between 0 and 1, got {confidence!r}")
    return float(confidence)


def _z_statistics(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and population standard deviations (``ddof=0``)."""
    return X.mean(axis=0), X.std(axis=0, ddof=0)


# ---------------------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Weight:
    """A feature's regression coefficient on the Z-scored feature, with its confidence interval
    (``low``, ``high``, at the model's confidence) and two-sided p-value against zero."""

    feature: str
    coefficient: float
    low: float
    high: float
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "feature": self.feature,
            "coefficient": self.coefficient,
            "low": self.low,
            "high": self.high,
            "p_value": self.p_value,
        }


@dataclass(frozen=True)
class ParadiseModel:
    """A fitted PARADISE performance function.

    ``features`` are the features the regression used (in column order; constant ones, listed in
    ``dropped``, are left out, and so are those listed in ``collinear``: a linear combination of the
    features before them, e.g. two rare counts non-zero in the same dialogues only), ``means`` and
    ``stds`` their statistics on the fitting data (for ``N()``), ``weights`` their coefficients aligned
    with ``features``. ``n`` is the number of fitted dialogues and ``confidence`` the level of the
    coefficient intervals.
    """

    features: tuple[str, ...]
    means: tuple[float, ...]
    stds: tuple[float, ...]
    intercept: float
    weights: tuple[Weight, ...]
    r2: float
    adjusted_r2: float
    n: int
    confidence: float
    dropped: tuple[str, ...]
    target: str = "satisfaction"
    collinear: tuple[str, ...] = ()
    #: where κ's attribute values came from (``acts`` or ``goal``, see ``tod.evaluation.paradise.avm``):
    #: dialogues the model is applied to must get κ the same way
    kappa_source: str = "acts"
    #: the chance agreement P(E) of the fitting set's attribute-value matrix, which per-dialogue κ of
    #: other dialogues must use to be on this model's scale (``None``: not recorded)
    kappa_expected: float | None = None

    def __post_init__(self) -> None:
        k = len(self.features)
        if k == 0:
            raise ParadiseError("a PARADISE model needs at least one feature")
        if len(set(self.features)) != k:
            raise ParadiseError("model feature names must be unique")
        if len(self.means) != k or len(self.stds) != k or len(self.weights) != k:
            raise ParadiseError(
                f"model has {k} features but {len(self.means)} means, {len(self.stds)} stds "
                f"and {len(self.weights)} weights"
            )
        for i, (feature, weight) in enumerate(zip(self.features, self.weights)):
            if weight.feature != feature:
                raise ParadiseError(f"weight {i} is for {weight.feature!r}, feature {i} is {feature!r}")
        numbers = [*self.means, *self.stds, self.intercept, self.r2, self.adjusted_r2]
        numbers += [x for w in self.weights for x in (w.coefficient, w.low, w.high, w.p_value)]
        if not all(math.isfinite(x) for x in numbers):
            raise ParadiseError("model has non-finite numbers")
        if any(s <= 0 for s in self.stds):
            raise ParadiseError("model standard deviations must be positive")
        if self.n < 1:
            raise ParadiseError(f"model n must be positive, got {self.n}")
        _confidence(self.confidence)
        if (set(self.dropped) | set(self.collinear)) & set(self.features) or set(self.dropped) & set(self.collinear):
            raise ParadiseError("a feature must be used, dropped as constant or left out as collinear, only one")

    @property
    def coefficients(self) -> np.ndarray:
        """The coefficients of ``features``, in order."""
        return np.array([w.coefficient for w in self.weights], dtype=float)

    def weight(self, feature: str) -> Weight:
        """The weight of ``feature``; :class:`ParadiseError` if the model does not use it."""
        for w in self.weights:
            if w.feature == feature:
                return w
        why = ""
        if feature in self.dropped:
            why = " (it was dropped as constant)"
        elif feature in self.collinear:
            why = " (it was left out as a linear combination of other features)"
        raise ParadiseError(f"the model has no feature {feature!r}{why}")

    def normalise(self, X: Any, *, own_statistics: bool = False) -> np.ndarray:
        """Z-scores of ``X`` (n × k, columns in ``features`` order).

        With the model's means and standard deviations by default; with ``own_statistics`` with ``X``'s
        own (PARADISE's ``N`` over the data at hand, population std), a column constant in ``X`` getting 0.
        """
        X = _matrix(X)
        if X.shape[1] != len(self.features):
            raise ParadiseError(
                f"X has {X.shape[1]} columns but the model has {len(self.features)} features "
                f"({', '.join(self.features)}); use select_columns to pick them"
            )
        if not own_statistics:
            return (X - np.asarray(self.means)) / np.asarray(self.stds)
        if X.shape[0] == 0:
            raise ParadiseError("own statistics need at least one row")
        means, stds = _z_statistics(X)
        constant = np.ptp(X, axis=0) == 0
        safe = np.where(constant, 1.0, stds)
        return np.where(constant, 0.0, (X - means) / safe)

    def predict(self, X: Any, *, own_statistics: bool = False) -> np.ndarray:
        """Predicted satisfaction, ``intercept + N(X) @ coefficients`` (see :meth:`normalise`)."""
        return self.intercept + self.normalise(X, own_statistics=own_statistics) @ self.coefficients

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view, read back by :meth:`from_dict`."""
        return {
            "format": FORMAT,
            "target": self.target,
            "features": list(self.features),
            "means": list(self.means),
            "stds": list(self.stds),
            "intercept": self.intercept,
            "weights": [w.to_dict() for w in self.weights],
            "r2": self.r2,
            "adjusted_r2": self.adjusted_r2,
            "n": self.n,
            "confidence": self.confidence,
            "dropped": list(self.dropped),
            "collinear": list(self.collinear),
            "kappa_source": self.kappa_source,
            "kappa_expected": self.kappa_expected,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ParadiseModel:
        """Rebuild a model from :meth:`to_dict`; :class:`ParadiseError` on anything malformed."""
        if not isinstance(data, Mapping):
            raise ParadiseError(f"a PARADISE model must be a JSON object, got {type(data).__name__}")
        if "format" in data and data["format"] != FORMAT:
            raise ParadiseError(f"unknown PARADISE model format {data['format']!r} (expected {FORMAT!r})")
        required = ("features", "means", "stds", "intercept", "weights", "r2", "adjusted_r2", "n", "confidence")
        missing = [key for key in required if key not in data]
        if missing:
            raise ParadiseError(f"PARADISE model lacks {', '.join(missing)}")
        weights_data = _list(data["weights"], "weights")
        weights = []
        for i, w in enumerate(weights_data):
            if not isinstance(w, Mapping):
                raise ParadiseError(f"weights[{i}] must be an object")
            lacking = [key for key in ("feature", "coefficient", "low", "high", "p_value") if key not in w]
            if lacking:
                raise ParadiseError(f"weights[{i}] lacks {', '.join(lacking)}")
            weights.append(
                Weight(
                    feature=_string(w["feature"], f"weights[{i}].feature"),
                    coefficient=_number(w["coefficient"], f"weights[{i}].coefficient"),
                    low=_number(w["low"], f"weights[{i}].low"),
                    high=_number(w["high"], f"weights[{i}].high"),
                    p_value=_number(w["p_value"], f"weights[{i}].p_value"),
                )
            )
        n = data["n"]
        if isinstance(n, bool) or not isinstance(n, int):
            raise ParadiseError(f"n must be an integer, got {n!r}")
        return cls(
            features=tuple(_string(f, "features[]") for f in _list(data["features"], "features")),
            means=tuple(_number(x, "means[]") for x in _list(data["means"], "means")),
            stds=tuple(_number(x, "stds[]") for x in _list(data["stds"], "stds")),
            intercept=_number(data["intercept"], "intercept"),
            weights=tuple(weights),
            r2=_number(data["r2"], "r2"),
            adjusted_r2=_number(data["adjusted_r2"], "adjusted_r2"),
            n=n,
            confidence=_number(data["confidence"], "confidence"),
            dropped=tuple(_string(f, "dropped[]") for f in _list(data.get("dropped", []), "dropped")),
            target=_string(data.get("target", "satisfaction"), "target"),
            collinear=tuple(_string(f, "collinear[]") for f in _list(data.get("collinear", []), "collinear")),
            kappa_source=_string(data.get("kappa_source", "acts"), "kappa_source"),
            kappa_expected=_chance(data.get("kappa_expected")),
        )

    def save(self, path: str | Path) -> None:
        """Write the model as JSON, atomically (:func:`tod.files.write_atomically`: a reader sees the old
        file or the new one, never a part)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> ParadiseModel:
        """Read a model written by :meth:`save`; :class:`ParadiseError` naming ``path`` if it is missing,
        not JSON or not a well-formed model."""
        path = Path(path)
        if not path.exists():  # what a mistyped --model shows
            raise ParadiseError(f"{path}: PARADISE model file not found")
        data = read_json(path, error=ParadiseError, what="the PARADISE model", parse_constant=_reject_constant)
        try:
            return cls.from_dict(data)
        except ParadiseError as exc:
            raise ParadiseError(f"{path}: {exc}") from exc


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a finite number")


def _chance(value: Any) -> float | None:
    if value is None:
        return None
    number = _number(value, "kappa_expected")
    if not 0.0 <= number < 1.0:
        raise ParadiseError(f"kappa_expected must be a chance agreement in [0, 1), got {number!r}")
    return number


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, (list, tuple)):
        raise ParadiseError(f"{name} must be a list, got {type(value).__name__}")
    return list(value)


def _string(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ParadiseError(f"{name} must be a string, got {value!r}")
    return value


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ParadiseError(f"{name} must be a finite number, got {value!r}")
    return float(value)


# ------------------------------------------------------------------------------------------------ fit


def fit_paradise(
    X: Any, y: Any, features: Sequence[str], *, confidence: float = 0.95, target: str = "satisfaction"
) -> ParadiseModel:
    """Fit the PARADISE regression of ``y`` (rated satisfaction, one per dialogue) on the columns of
    ``X`` (n × k, named by ``features``).

    Constant columns are dropped (and listed in ``dropped``), and so is, in column order, any column that
    is a linear combination of the columns kept before it (listed in ``collinear``; with rare counts in a
    small sample two costs can be non-zero in exactly the same dialogues). The rest are Z-scored with their mean and
    **population** standard deviation (``ddof=0``, as ``N`` is defined over the data at hand) and fitted
    by ordinary least squares with an intercept. Coefficient intervals and two-sided p-values come from
    ``σ²(DᵀD)⁻¹`` with ``σ² = RSS / (n − k − 1)`` and the t distribution with ``n − k − 1`` degrees of
    freedom. On a perfect fit (``RSS = 0``) intervals collapse to the coefficient and p-values are 0
    (1 for a coefficient of exactly 0).

    :class:`ParadiseError` for mismatched shapes, non-finite values, names that are not unique, no
    non-constant feature, ``n <= k + 1`` (k the non-constant features), or a constant ``y``.
    """
    X = _matrix(X)
    y = _vector(y, "y")
    names = _names(features, X.shape[1])
    level = _confidence(confidence)
    if X.shape[0] != y.shape[0]:
        raise ParadiseError(f"X has {X.shape[0]} rows but y has {y.shape[0]} values")
    if X.shape[0] == 0:
        raise ParadiseError("no dialogues to fit")
    constant = np.ptp(X, axis=0) == 0
    kept = [j for j in range(X.shape[1]) if not constant[j]]
    dropped = tuple(names[j] for j in range(X.shape[1]) if constant[j])
    if not kept:
        raise ParadiseError(
            "no usable feature: every feature is constant over the dialogues"
            + (f" ({', '.join(dropped)})" if dropped else "")
        )
    n, k = X.shape[0], len(kept)
    if n <= k + 1:
        raise ParadiseError(
            f"{n} dialogues are too few for {k} features: the regression needs n > k + 1 = {k + 1} "
            "to estimate its residual variance"
        )
    if np.ptp(y) == 0:
        raise ParadiseError(f"{target} is constant ({y[0]:g}) over all {n} dialogues: nothing to explain")
    Xk = X[:, kept]
    means, stds = _z_statistics(Xk)
    Z = (Xk - means) / stds

    # Leave out, in column order, each feature that is a linear combination of the intercept and the
    # features kept before it: its coefficient is not identifiable and (DᵀD) would be singular.
    design = np.ones((n, 1))
    independent: list[int] = []
    for i in range(k):
        candidate = np.column_stack([design, Z[:, i]])
        if np.linalg.matrix_rank(candidate) == candidate.shape[1]:
            design = candidate
            independent.append(i)
    collinear = tuple(names[kept[i]] for i in range(k) if i not in independent)
    kept = [kept[i] for i in independent]
    means, stds, Z = means[independent], stds[independent], Z[:, independent]
    k = len(kept)

    regression = LinearRegression().fit(Z, y)
    coefficients = np.asarray(regression.coef_, dtype=float)
    intercept = float(regression.intercept_)

    residuals = y - (intercept + Z @ coefficients)
    rss = float(residuals @ residuals)
    tss = float(((y - y.mean()) ** 2).sum())
    dof = n - k - 1
    sigma2 = rss / dof
    covariance = sigma2 * np.linalg.inv(design.T @ design)
    se = np.sqrt(np.clip(np.diag(covariance)[1:], 0.0, None))
    critical = float(stats.t.ppf(0.5 + level / 2.0, dof))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_values = coefficients / se
    p_values = np.where(
        se > 0, 2.0 * stats.t.sf(np.abs(np.where(se > 0, t_values, 0.0)), dof), np.where(coefficients == 0, 1.0, 0.0)
    )
    r2 = 1.0 - rss / tss
    adjusted = 1.0 - (1.0 - r2) * (n - 1) / dof

    kept_names = tuple(names[j] for j in kept)
    weights = tuple(
        Weight(
            feature=name,
            coefficient=float(c),
            low=float(c - critical * s),
            high=float(c + critical * s),
            p_value=float(min(max(p, 0.0), 1.0)),
        )
        for name, c, s, p in zip(kept_names, coefficients, se, p_values)
    )
    return ParadiseModel(
        features=kept_names,
        means=tuple(float(m) for m in means),
        stds=tuple(float(s) for s in stds),
        intercept=intercept,
        weights=weights,
        r2=float(r2),
        adjusted_r2=float(adjusted),
        n=n,
        confidence=level,
        dropped=dropped,
        target=target,
        collinear=collinear,
    )


def select_columns(X: Any, features: Sequence[str], wanted: Sequence[str]) -> np.ndarray:
    """The columns of ``X`` (named by ``features``) named in ``wanted``, in that order — e.g. a feature
    table's columns for ``model.features``. :class:`ParadiseError` naming any that is missing."""
    X = _matrix(X)
    names = _names(features, X.shape[1])
    if isinstance(wanted, str):
        raise ParadiseError("wanted must be a sequence of names, not a single string")
    index = {name: j for j, name in enumerate(names)}
    missing = [name for name in wanted if name not in index]
    if missing:
        raise ParadiseError(
            f"feature table lacks {', '.join(map(repr, missing))} (it has {', '.join(names) or 'no columns'})"
        )
    return X[:, [index[name] for name in wanted]]
