"""The PARADISE feature table: per dialogue, task success κ and the dialogue costs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tod.dialogue import Dialogue
from tod.errors import ParadiseError
from tod.evaluation.paradise.avm import attribute_values
from tod.evaluation.paradise.classes import ActClasses, load_act_classes
from tod.evaluation.paradise.costs import COSTS, ELAPSED, dialogue_costs
from tod.evaluation.paradise.kappa import ConfusionMatrix, dialogue_kappas

KAPPA = "kappa"


@dataclass(frozen=True)
class FeatureTable:
    """One row per dialogue: ``kappa`` first, then the costs, in ``features`` order.

    ``matrix`` is the attribute-value confusion matrix of the whole set (its κ is the set's task
    success); ``imputed`` names the dialogues without any attribute, whose κ is the set's mean.
    """

    ids: tuple[str, ...]
    features: tuple[str, ...]
    values: np.ndarray
    kappa_source: str
    matrix: ConfusionMatrix
    imputed: tuple[str, ...] = ()

    def column(self, name: str) -> np.ndarray:
        if name not in self.features:
            raise ParadiseError(f"no feature {name!r}; the table has {list(self.features)}")
        return self.values[:, self.features.index(name)]

    def means(self) -> dict[str, float]:
        return {name: float(self.values[:, i].mean()) for i, name in enumerate(self.features)}

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"id": did, **{name: float(v) for name, v in zip(self.features, row)}}
            for did, row in zip(self.ids, self.values)
        ]


def dialogue_features(
    dialogues: Sequence[Dialogue],
    *,
    kappa_source: str = "acts",
    classes: ActClasses | None = None,
    expected: float | None = None,
) -> FeatureTable:
    """κ (from ``kappa_source``: ``acts`` or ``goal``, see ``tod.evaluation.paradise.avm``) and costs.

    Per-dialogue κ uses this set's chance agreement P(E), or ``expected`` where given (a fitted
    model's, to score other dialogues on its scale)."""
    if not dialogues:
        raise ParadiseError("no dialogues to compute PARADISE features for")
    classes = classes or load_act_classes()
    avms = [attribute_values(d, kappa_source, classes) for d in dialogues]
    matrix = ConfusionMatrix.from_values(v for avm in avms for v in avm)
    kappas = dialogue_kappas(avms, expected)
    known = [k for k in kappas if k is not None]
    if not known:
        raise ParadiseError(f"no dialogue has any attribute for κ from {kappa_source!r}")
    fill = float(np.mean(known))
    costs = [dialogue_costs(d, classes) for d in dialogues]
    names = [KAPPA, *COSTS]
    if all(ELAPSED in c for c in costs):
        names.append(ELAPSED)
    values = np.array(
        [[fill if k is None else k, *(c[name] for name in names[1:])] for k, c in zip(kappas, costs)], dtype=float
    )
    imputed = tuple(d.id for d, k in zip(dialogues, kappas) if k is None)
    return FeatureTable(tuple(d.id for d in dialogues), tuple(names), values, kappa_source, matrix, imputed)
