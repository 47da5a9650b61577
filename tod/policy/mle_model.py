"""The trained MLE policy network as plain arrays, and its atomic model directory.

A model is a feed-forward scorer: the feature vector goes through ``layers`` (weights ``W`` and bias
``b``), ReLU between them and a sigmoid at the end, giving one probability per label (an
``(intent, domain, slot)`` triple); labels at or above ``threshold`` are predicted. One-vs-rest logistic
regression is the one-layer case, scikit-learn's ``MLPClassifier`` (one ReLU hidden layer or more) the
deeper one; both are stored the same way, so loading needs numpy only and **never runs pickle**
(``numpy.load(..., allow_pickle=False)``).

Directory (written atomically by :func:`tod.files.atomic_directory`, checked by ``verify``)::

    MODEL_DIR/
      weights.npz          W0, b0, W1, b1, ... (float32)
      policy_config.json   format version, component, domain, architecture, threshold, features, labels
      meta.json            training metadata: corpus, data, split and seed, tune/dev metrics, versions
      manifest.json        size and SHA-256 of every file above; written last
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from tod.errors import ModelDirError
from tod.files import atomic_directory, read_json, verify
from tod.policy.features import FeatureIndex, Triple

KIND = "mle-policy"
FORMAT_VERSION = 1
CONFIG_FILE = "policy_config.json"
WEIGHTS_FILE = "weights.npz"
META_FILE = "meta.json"


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))


@dataclass(frozen=True, eq=False)
class MLEModel:
    """Feature index, label triples, layer weights and decision threshold of a trained policy."""

    domain: str
    features: FeatureIndex
    labels: tuple[Triple, ...]
    layers: tuple[tuple[np.ndarray, np.ndarray], ...]
    threshold: float = 0.5
    architecture: str = "logreg"
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ModelDirError(f"MLE policy threshold must be in (0, 1), found {self.threshold!r}")
        if not self.layers:
            raise ModelDirError("MLE policy model: expected at least one layer, found none")
        width = len(self.features)
        for i, (w, b) in enumerate(self.layers):
            if w.ndim != 2 or b.shape != (w.shape[1],) or w.shape[0] != width:
                raise ModelDirError(
                    f"MLE policy layer {i}: expected weights ({width}, n) and bias (n,), found {w.shape} and {b.shape}"
                )
            width = w.shape[1]
        if width != len(self.labels):
            raise ModelDirError(f"MLE policy: the last layer has {width} outputs for {len(self.labels)} labels")

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Label probabilities of feature rows ``x`` (dense ``(n, features)`` array or scipy sparse matrix)."""
        h = x
        for i, (w, b) in enumerate(self.layers):
            h = h @ w + b
            if i < len(self.layers) - 1:
                h = np.maximum(h, 0.0)
        return _sigmoid(np.asarray(h, dtype=np.float64))

    def vector(self, features: Mapping[str, float]) -> np.ndarray:
        """One dense feature row (features outside the index are ignored)."""
        columns: dict[str, int] = self.features._columns  # type: ignore[attr-defined]
        x = np.zeros((1, len(self.features)), dtype=np.float32)
        for name, value in features.items():
            column = columns.get(name)
            if column is not None:
                x[0, column] = value
        return x

    def decide(self, probabilities: np.ndarray, threshold: float | None = None) -> list[tuple[Triple, float]]:
        """The labels of one probability row at or above the threshold, most probable first."""
        cut = self.threshold if threshold is None else threshold
        chosen = np.nonzero(probabilities >= cut)[0]
        ranked = sorted(chosen, key=lambda j: (-probabilities[j], j))
        return [(self.labels[j], float(probabilities[j])) for j in ranked]

    # -- the model directory ----------------------------------------------------------------------

    def save(self, directory: str | Path) -> None:
        """Write the model atomically to ``directory`` (replacing a model already there)."""
        config = {
            "format_version": FORMAT_VERSION,
            "component": "mle",
            "domain": self.domain,
            "architecture": self.architecture,
            "threshold": self.threshold,
            "layers": len(self.layers),
            "features": list(self.features.names),
            "labels": [list(t) for t in self.labels],
        }
        arrays = {}
        for i, (w, b) in enumerate(self.layers):
            arrays[f"W{i}"] = np.asarray(w, dtype=np.float32)
            arrays[f"b{i}"] = np.asarray(b, dtype=np.float32)
        with atomic_directory(directory, KIND) as scratch:
            with (scratch / WEIGHTS_FILE).open("wb") as fh:
                np.savez(fh, **arrays)
            (scratch / CONFIG_FILE).write_text(json.dumps(config, ensure_ascii=False, indent=1), encoding="utf-8")
            (scratch / META_FILE).write_text(json.dumps(self.meta, ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> MLEModel:
        """Load a directory written by :meth:`save`; ModelDirError when it is missing, incomplete or corrupt."""
        directory = Path(directory)
        verify(directory, KIND)
        config = read_json(directory / CONFIG_FILE, error=ModelDirError, what="the policy's configuration", top=dict)
        meta = read_json(directory / META_FILE, error=ModelDirError, what="the MLE policy's training metadata")
        version = config.get("format_version")
        if version != FORMAT_VERSION:
            raise ModelDirError(f"{directory}: MLE policy format version {version!r}, expected {FORMAT_VERSION}")
        try:
            features = FeatureIndex(tuple(_strings(config["features"], "features")))
            labels = tuple(_triple(t) for t in config["labels"])
            count = int(config["layers"])
            threshold = float(config["threshold"])
            domain, architecture = str(config["domain"]), str(config["architecture"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelDirError(f"{directory / CONFIG_FILE} is malformed: {exc}") from exc
        try:
            with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as arrays:
                layers = tuple((arrays[f"W{i}"], arrays[f"b{i}"]) for i in range(count))
        except (KeyError, ValueError, OSError) as exc:
            raise ModelDirError(f"{directory / WEIGHTS_FILE} is malformed: {exc}") from exc
        return cls(domain, features, labels, layers, threshold, architecture, meta if isinstance(meta, dict) else {})


def _strings(items: Any, what: str) -> list[str]:
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        raise ValueError(f"{what}: expected a list of strings")
    return items


def _triple(item: Any) -> Triple:
    parts = _strings(item, "label")
    if len(parts) != 3 or not parts[0]:
        raise ValueError(f"label: expected [intent, domain, slot], found {item!r}")
    return (parts[0], parts[1], parts[2])


def as_layers(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """``(W, b)`` pairs as float32 arrays."""
    return tuple(
        (np.asarray(w, dtype=np.float32), np.asarray(b, dtype=np.float32).reshape(-1)) for w, b in zip(weights, biases)
    )
