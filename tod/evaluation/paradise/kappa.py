"""Task success as κ over an attribute-value matrix (Walker, Litman, Kamm, Abella, ACL 1997).

Each dialogue is scored against its scenario key: for every attribute of the key (``hotel-area``,
``train-leaveAt``, ...) the value the dialogue ended with is set against the key's value. The pairs
of a set of dialogues fill a confusion matrix ``M`` whose **rows are the achieved values** and whose
**columns are the key values**; a value is labelled ``"attribute=value"`` so that values of different
attributes never share a cell. With ``T`` the number of pairs,

* ``P(A) = Σ M(i, i) / T`` — the share of attributes the dialogues got right;
* ``P(E) = Σ (t_i / T)²`` with ``t_i`` the column totals — the chance agreement estimated, as in the
  paper, from the distribution of the values *in the keys* (not Cohen's product of row and column
  marginals);
* ``κ = (P(A) − P(E)) / (1 − P(E))``.

κ is undefined when ``P(E) = 1``: every key value is the same label, so there is nothing to tell
apart and chance alone would agree with the key every time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from tod.errors import ParadiseError


@dataclass(frozen=True)
class AttributeValue:
    """One attribute of a scenario key against what the dialogue achieved.

    ``attribute`` names the attribute (``"hotel-area"``; it may not contain ``=``), ``key`` is the
    scenario key's value and ``achieved`` the value the dialogue ended with (``""`` or ``"none"`` when
    it ended with none: such a value is just another label, one that is never a key value).
    """

    attribute: str
    key: str
    achieved: str

    def __post_init__(self) -> None:
        if not isinstance(self.attribute, str) or not self.attribute:
            raise ParadiseError(f"an attribute name must be a non-empty string, got {self.attribute!r}")
        if "=" in self.attribute:
            raise ParadiseError(
                f"attribute name {self.attribute!r} contains '=', which separates attribute and value in a label"
            )
        for name in ("key", "achieved"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise ParadiseError(f"{self.attribute}: the {name} value must be a string, got {value!r}")

    @property
    def key_label(self) -> str:
        """The matrix label of the key value, ``"attribute=key"``."""
        return f"{self.attribute}={self.key}"

    @property
    def achieved_label(self) -> str:
        """The matrix label of the achieved value, ``"attribute=achieved"``."""
        return f"{self.attribute}={self.achieved}"

    @property
    def agrees(self) -> bool:
        """Whether the dialogue achieved the key's value."""
        return self.key == self.achieved


def _expected_from_key_counts(key_counts: Counter[str]) -> float:
    """``P(E) = Σ (t_i / T)²`` from the number of times each key label occurs."""
    total = sum(key_counts.values())
    return sum((t / total) ** 2 for t in key_counts.values())


def _undefined_reason(key_counts: Counter[str]) -> str:
    (label,) = key_counts
    return (
        f"κ is undefined: every one of the {key_counts[label]} key values is {label!r}, so P(E) = 1 "
        "(chance would always agree with the key and there is nothing to distinguish); "
        "κ needs at least two distinct key values"
    )


@dataclass(frozen=True)
class ConfusionMatrix:
    """The attribute-value confusion matrix: ``counts[row][col]`` is the number of pairs whose achieved
    value is ``labels[row]`` and whose key value is ``labels[col]``.

    ``labels`` is the sorted union of the key and the achieved labels, so an achieved value that is
    never a key value has a row and an all-zero column.
    """

    labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        size = len(self.labels)
        if len(set(self.labels)) != size:
            raise ParadiseError("confusion matrix labels must be unique")
        if len(self.counts) != size or any(len(row) != size for row in self.counts):
            raise ParadiseError(f"confusion matrix counts must be {size}×{size}, one row and column per label")
        if any(not isinstance(c, int) or isinstance(c, bool) or c < 0 for row in self.counts for c in row):
            raise ParadiseError("confusion matrix counts must be non-negative integers")
        if self.total == 0:
            raise ParadiseError("confusion matrix is empty: κ needs at least one attribute value")

    @classmethod
    def from_values(cls, values: Iterable[AttributeValue]) -> ConfusionMatrix:
        """Count the pairs of ``values`` (rows: achieved, columns: key). :class:`ParadiseError` if empty."""
        pairs = Counter((v.achieved_label, v.key_label) for v in values)
        if not pairs:
            raise ParadiseError("no attribute values: κ needs at least one attribute of a scenario key")
        labels = tuple(sorted({label for pair in pairs for label in pair}))
        index = {label: i for i, label in enumerate(labels)}
        counts = [[0] * len(labels) for _ in labels]
        for (achieved, key), count in pairs.items():
            counts[index[achieved]][index[key]] += count
        return cls(labels, tuple(tuple(row) for row in counts))

    @property
    def total(self) -> int:
        """``T``, the number of attribute-value pairs."""
        return sum(sum(row) for row in self.counts)

    @property
    def column_totals(self) -> tuple[int, ...]:
        """``t_i``: how often each label is a key value."""
        return tuple(sum(row[j] for row in self.counts) for j in range(len(self.labels)))

    @property
    def agreement(self) -> float:
        """``P(A) = Σ M(i, i) / T``."""
        return sum(self.counts[i][i] for i in range(len(self.labels))) / self.total

    @property
    def expected(self) -> float:
        """``P(E) = Σ (t_i / T)²`` over the column (key) totals."""
        return _expected_from_key_counts(self._key_counts())

    @property
    def kappa_defined(self) -> bool:
        """Whether κ is defined, i.e. the keys hold at least two distinct labels (``P(E) < 1``)."""
        return len(self._key_counts()) > 1

    @property
    def kappa(self) -> float:
        """``κ = (P(A) − P(E)) / (1 − P(E))``; :class:`ParadiseError` when ``P(E) = 1``."""
        key_counts = self._key_counts()
        if len(key_counts) < 2:
            raise ParadiseError(_undefined_reason(key_counts))
        expected = _expected_from_key_counts(key_counts)
        return (self.agreement - expected) / (1.0 - expected)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view; ``kappa`` is ``None`` where it is undefined."""
        return {
            "labels": list(self.labels),
            "counts": [list(row) for row in self.counts],
            "total": self.total,
            "p_agreement": self.agreement,
            "p_expected": self.expected,
            "kappa": self.kappa if self.kappa_defined else None,
        }

    def _key_counts(self) -> Counter[str]:
        return Counter({label: t for label, t in zip(self.labels, self.column_totals) if t})


def kappa(values: Iterable[AttributeValue]) -> float:
    """κ of a set of attribute values (see the module docstring).

    :class:`ParadiseError` when there are none, or when every key value is the same label
    (``P(E) = 1``: κ is undefined because there is nothing to distinguish).
    """
    return ConfusionMatrix.from_values(values).kappa


def dialogue_kappas(
    avms: Sequence[Sequence[AttributeValue]], expected: float | None = None
) -> tuple[float | None, ...]:
    """κ of each dialogue, with the chance agreement of the whole set.

    Dialogue ``d`` gets ``κ_d = (P_d(A) − P(E)) / (1 − P(E))`` where ``P_d(A)`` is the share of its own
    attributes it got right and ``P(E)`` is computed from the key values of **all** the dialogues.
    This is PARADISE's choice: a single dialogue's key holds one value per attribute, so its own key
    distribution is degenerate (every label once, or one label only) and would make chance agreement
    an artefact of the scenario's size rather than of the task; the corpus-wide key distribution
    estimates how often chance would hit the key. A dialogue with no attributes gets ``None``.

    ``expected`` gives ``P(E)`` instead (e.g. that of the set a PARADISE model was fitted on, so that
    κ of other dialogues is on the model's scale); it must be in [0, 1).

    :class:`ParadiseError` when no dialogue has an attribute, or when the whole set's ``P(E)`` is 1.
    """
    avms = [list(avm) for avm in avms]
    key_counts = Counter(v.key_label for avm in avms for v in avm)
    if not key_counts:
        raise ParadiseError("no attribute values in any dialogue: κ needs at least one attribute of a scenario key")
    if expected is not None:
        if not 0.0 <= expected < 1.0:
            raise ParadiseError(f"a given chance agreement P(E) must be in [0, 1), found {expected!r}")
    elif len(key_counts) < 2:
        raise ParadiseError(_undefined_reason(key_counts))
    else:
        expected = _expected_from_key_counts(key_counts)
    kappas: list[float | None] = []
    for avm in avms:
        if not avm:
            kappas.append(None)
            continue
        agreement = sum(v.agrees for v in avm) / len(avm)
        kappas.append((agreement - expected) / (1.0 - expected))
    return tuple(kappas)
