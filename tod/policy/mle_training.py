"""Training the MLE policy: corpus system turns -> a multi-label scikit-learn model -> :class:`MLEModel`.

The training dialogues are cut once more by dialogue ID (``tune_fraction``, ``seed``): a model is fitted on
the larger part, the decision threshold (one for every label) is the one of :data:`THRESHOLDS` with the
best act F1 on the smaller *tune* part, and the final model is refitted on all training dialogues with
that threshold. Whatever part of the corpus is held out for evaluation is never seen here.

Architectures (chosen on the dev part of MultiWOZ val, see docs/policy-mle.md):

* ``logreg`` (default): one logistic regression per label (scikit-learn ``LogisticRegression``, lbfgs,
  L2 with inverse strength ``c``); convex, so the result does not depend on the seed;
* ``mlp``: scikit-learn ``MLPClassifier``, one ReLU hidden layer of ``hidden`` units, L2 ``alpha``,
  Adam with early stopping on 10% of the rows (disabled below 200 rows), ``max_iter`` epochs at most.
"""

from __future__ import annotations

import platform
import time
import warnings
from dataclasses import asdict, dataclass
from typing import Any, Callable, Sequence

import numpy as np

from tod.data.split import train_dev_parts
from tod.dialogue import Dialogue
from tod.domain.database import Database
from tod.domain.ontology import Domain
from tod.errors import ConfigError
from tod.policy.features import ActSpace, FeatureIndex, Triple, state_features, triple
from tod.policy.mle_data import PolicyExample, policy_examples
from tod.policy.mle_model import MLEModel, as_layers

ARCHITECTURES = ("logreg", "mlp")
#: The thresholds tried on the tune part.
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 19))
#: Fewer training dialogues than this: no tune part, the threshold is 0.5 (or the one given).
MIN_TUNE_DIALOGUES = 10
#: The logit of a label that is positive in every training example (it has nothing to fit).
_ALWAYS = 10.0


@dataclass(frozen=True)
class MLETrainConfig:
    """How an MLE policy is trained; ``threshold`` 0 means "choose it on the tune part"."""

    architecture: str = "logreg"
    c: float = 0.5
    hidden: int = 256
    alpha: float = 0.01
    max_iter: int = 200
    seed: int = 0
    tune_fraction: float = 0.1
    threshold: float = 0.0

    def __post_init__(self) -> None:
        if self.architecture not in ARCHITECTURES:
            raise ConfigError(f"architecture: expected one of {ARCHITECTURES}, found {self.architecture!r}")
        checks = (
            ("c", self.c > 0, "a positive number"),
            ("hidden", isinstance(self.hidden, int) and self.hidden >= 1, "a whole number >= 1"),
            ("alpha", self.alpha >= 0, "a number >= 0"),
            ("max_iter", isinstance(self.max_iter, int) and self.max_iter >= 1, "a whole number >= 1"),
            ("seed", isinstance(self.seed, int) and self.seed >= 0, "a whole number >= 0"),
            ("tune_fraction", 0 < self.tune_fraction < 1, "a fraction in (0, 1)"),
            ("threshold", 0 <= self.threshold < 1, "0 (choose on the tune part) or a probability in (0, 1)"),
        )
        for name, ok, expected in checks:
            if not ok:
                raise ConfigError(f"MLE policy {name}: expected {expected}, found {getattr(self, name)!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _label_matrix(examples: Sequence[PolicyExample], labels: Sequence[Triple]) -> np.ndarray:
    column = {t: j for j, t in enumerate(labels)}
    y = np.zeros((len(examples), len(labels)), dtype=np.int64)
    for row, example in enumerate(examples):
        for act in example.gold:
            j = column.get(triple(act))
            if j is not None:
                y[row, j] = 1
    return y


def _fit(x, y: np.ndarray, config: MLETrainConfig) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Fit ``config.architecture`` on features ``x`` and labels ``y``; the layers as ``(W, b)`` pairs."""
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    # One BLAS thread: lbfgs on problems this small spends its time synchronising threads otherwise
    # (13x slower with 2 threads on a loaded 2-core machine).
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        if config.architecture == "mlp":
            from sklearn.neural_network import MLPClassifier

            model = MLPClassifier(
                hidden_layer_sizes=(config.hidden,), alpha=config.alpha, max_iter=config.max_iter,
                early_stopping=x.shape[0] >= 200, n_iter_no_change=10, random_state=config.seed,
            )
            model.fit(x, y)
            return as_layers(model.coefs_, model.intercepts_)
        from sklearn.linear_model import LogisticRegression

        weights = np.zeros((x.shape[1], y.shape[1]), dtype=np.float64)
        bias = np.zeros(y.shape[1], dtype=np.float64)
        for j in range(y.shape[1]):
            column = y[:, j]
            if column.min() == column.max():  # never or always seen: nothing to separate
                bias[j] = _ALWAYS if column[0] else -_ALWAYS
                continue
            lr = LogisticRegression(C=config.c, max_iter=1000).fit(x, column)
            weights[:, j], bias[j] = lr.coef_[0], lr.intercept_[0]
        return as_layers([weights], [bias])


def micro_f1(gold: Sequence[set[Triple]], predicted: Sequence[set[Triple]]) -> float:
    """Micro F1 over triples, summed over turns."""
    tp = sum(len(g & p) for g, p in zip(gold, predicted))
    fp = sum(len(p - g) for g, p in zip(gold, predicted))
    fn = sum(len(g - p) for g, p in zip(gold, predicted))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def choose_threshold(model: MLEModel, x, gold: Sequence[set[Triple]]) -> tuple[float, dict[str, float]]:
    """The threshold of :data:`THRESHOLDS` with the best micro F1 (ties: nearest 0.5), and every F1 tried."""
    probabilities = model.probabilities(x)
    curve = {}
    for threshold in THRESHOLDS:
        predicted = [{t for t, _ in model.decide(row, threshold)} for row in probabilities]
        curve[f"{threshold:.2f}"] = micro_f1(gold, predicted)
    best = max(THRESHOLDS, key=lambda t: (curve[f"{t:.2f}"], -abs(t - 0.5)))
    return best, curve


def train_mle(
    dialogues: Sequence[Dialogue],
    domain: Domain,
    database: Database | None,
    config: MLETrainConfig = MLETrainConfig(),
    *,
    log: Callable[[str], None] | None = None,
) -> MLEModel:
    """Train an MLE policy on the system turns of ``dialogues`` (see the module docstring)."""
    say = log or (lambda line: None)
    started = time.time()
    space = ActSpace(domain)
    dialogues = tuple(dialogues)
    if not dialogues:
        raise ConfigError("MLE policy training: expected training dialogues, found none")
    every = policy_examples(dialogues, space, database)
    examples = [e for e in every if e.gold]
    if not examples:
        raise ConfigError("MLE policy training: no system turn has an act of the system act inventory")
    labels = tuple(sorted({triple(a) for e in examples for a in e.gold}))
    rows = [state_features(e.state, e.db_results, space) for e in examples]
    index = FeatureIndex.fit(rows)
    say(f"{len(dialogues)} dialogues, {len(examples)} system turns, {len(index)} features, {len(labels)} labels")
    meta: dict[str, Any] = {"train_dialogues": len(dialogues), "train_turns": len(examples)}
    threshold = config.threshold
    if not threshold and len(dialogues) >= MIN_TUNE_DIALOGUES:
        fit_part, tune_part = train_dev_parts(dialogues, config.tune_fraction, config.seed)
        tune_ids = {d.id for d in tune_part}
        fit_rows = [i for i, e in enumerate(examples) if e.dialogue_id not in tune_ids]
        tune_rows = [i for i, e in enumerate(examples) if e.dialogue_id in tune_ids]
        say(f"choosing the threshold: fitting {config.architecture} on {len(fit_part)} dialogues, "
            f"scoring {len(tune_part)} held-out training dialogues (seed {config.seed})")
        x = index.transform(rows)
        y = _label_matrix(examples, labels)
        probe = MLEModel(domain.name, index, labels, _fit(x[fit_rows], y[fit_rows], config), 0.5)
        gold = [{triple(a) for a in examples[i].gold} for i in tune_rows]
        threshold, curve = choose_threshold(probe, x[tune_rows], gold)
        meta.update({"tune_dialogues": len(tune_part), "tune_turns": len(tune_rows), "tune_f1": curve})
        say(f"threshold {threshold:.2f} (tune act F1 {100 * curve[f'{threshold:.2f}']:.2f})")
    elif not threshold:
        threshold = 0.5
        say(f"fewer than {MIN_TUNE_DIALOGUES} dialogues: no tune part, threshold 0.5")
    say(f"fitting {config.architecture} on all {len(dialogues)} training dialogues")
    layers = _fit(index.transform(rows), _label_matrix(examples, labels), config)
    meta.update({
        "component": "mle",
        "domain": domain.name,
        "train_config": config.to_dict(),
        "threshold": threshold,
        "dropped_corpus_acts": sum(len(e.dropped) for e in every),
        "train_seconds": round(time.time() - started, 2),
        "versions": _versions(),
    })
    return MLEModel(domain.name, index, labels, layers, threshold, config.architecture, meta)


def _versions() -> dict[str, str]:
    import scipy
    import sklearn

    import tod

    return {
        "tod": tod.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "python": platform.python_version(),
    }
