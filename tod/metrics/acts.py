"""Dialogue-act NLU metrics: act precision/recall/F1 and utterance accuracy, as ConvLab-3 defines them.

Source of the definition: ConvLab-3, ``convlab/nlu/evaluate_unified_datasets.py``, function ``evaluate``
(repository ``ConvLab/ConvLab-3``), the version that also reports ``accuracy``. For every utterance:

1. Gold and predicted acts become tuples. ConvLab-3 keeps three lists per utterance: *binary* acts (no
   value) become ``(intent, domain, slot)``; *categorical* and *non-categorical* acts become
   ``(intent, domain, slot, value)`` with the value normalised as ``''.join(value.split()).lower()``, i.e.
   all whitespace removed and lower-cased (``"Cheap "`` and ``"cheap"`` are the same value,
   ``"Pizza Hut"`` and ``"pizzahut"`` too).
2. Each list is deduplicated (``sorted(set(...))``): an act repeated within one utterance counts once, in
   gold and in prediction alike.
3. Every distinct predicted tuple found among the gold tuples is a true positive, every other one a false
   positive; every distinct gold tuple not predicted is a false negative. A wrong value therefore costs
   one FP and one FN.
4. The utterance is correct when the predicted tuple set equals the gold tuple set (for every act type).

TP/FP/FN are summed over all utterances (micro average): ``precision = TP / (TP + FP)``,
``recall = TP / (TP + FN)``, ``f1 = 2PR / (P + R)``, each ``0.0`` when its denominator is zero; utterance
accuracy is the share of correct utterances. An utterance with no gold and no predicted acts adds no
counts but is correct.

Mapping onto tod's acts: a :class:`~tod.acts.DialogueAct` is one list, not three. An act whose value is
``""`` (``bye()``, ``greet()``, general acts) or :data:`~tod.acts.REQUESTED` (``"?"``, request acts) is
ConvLab-3's *binary* act and compares on ``(intent, domain, slot)``: a request's ``"?"`` never matters,
``request(hotel, phone, ?)`` matches ``request(hotel, phone)``. Any other act compares on
``(intent, domain, slot, normalised value)``. Because binary keys are 3-tuples and valued keys 4-tuples,
one set per utterance gives exactly ConvLab-3's per-type counts and its per-type accuracy; the only
distinction lost is categorical vs non-categorical, which tod's acts do not carry (an act that ConvLab-3
would annotate as categorical in gold but predict as non-categorical counts as right here).

How ConvLab-2 differs (``thu-coai/ConvLab-2``, ``convlab2/nlu/jointBERT/multiwoz/postprocess.py``,
``calculateF1``): acts are ``[domain-intent, slot, value.lower()]`` lists (lower-cased, whitespace kept,
the ``"?"`` of requests part of the value), predictions are *not* deduplicated (list membership, so a
repeated correct prediction counts two TPs), and there is no utterance accuracy.

Beyond ConvLab-3, scores are broken down per intent and per domain: each deduplicated act counts towards
its own intent (domain); ``support`` is the number of distinct gold acts with that intent (domain).

Rates are fractions in ``[0, 1]``, like :mod:`tod.metrics.nlu`; :meth:`ActScores.headline` and the
tables of :mod:`tod.evaluation.act_report` print them as percentages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

from tod.acts import REQUESTED, DialogueAct
from tod.errors import ConfigError

__all__ = ["ActError", "ActScores", "act_errors", "act_key", "normalise_value", "score_acts"]

#: The comparison key of an act: ``(intent, domain, slot)`` or ``(intent, domain, slot, normalised value)``.
ActKey = tuple[str, ...]


def normalise_value(value: str) -> str:
    """ConvLab-3's value normalisation: every whitespace character removed, then lower-cased."""
    return "".join(value.split()).lower()


def act_key(act: DialogueAct) -> ActKey:
    """The tuple an act is compared by (see the module docstring)."""
    if act.value in ("", REQUESTED):
        return (act.intent, act.domain, act.slot)
    return (act.intent, act.domain, act.slot, normalise_value(act.value))


def _keyed(acts: Sequence[DialogueAct]) -> dict[ActKey, DialogueAct]:
    """Distinct keys of an utterance's acts, each with the first act that has it (in order)."""
    keyed: dict[ActKey, DialogueAct] = {}
    for act in acts:
        keyed.setdefault(act_key(act), act)
    return keyed


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _check_lengths(gold: Sequence[Any], predicted: Sequence[Any]) -> None:
    if len(gold) != len(predicted):
        raise ConfigError(
            f"gold and predicted acts differ in length: {len(gold)} gold utterances, {len(predicted)} predicted"
        )


@dataclass(frozen=True)
class ActScores:
    """Act-level scores of a set of utterances; rates are fractions in ``[0, 1]``.

    ``per_intent`` and ``per_domain`` map an intent (domain) to ``precision``, ``recall``, ``f1`` and
    ``support`` (distinct gold acts with it).
    """

    precision: float
    recall: float
    f1: float
    utterance_accuracy: float
    tp: int
    fp: int
    fn: int
    utterances: int
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)
    per_domain: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict: ``act_f1``, ``act_precision``, ``act_recall``, ``utterance_accuracy``, ..."""
        return {
            "act_f1": self.f1,
            "act_precision": self.precision,
            "act_recall": self.recall,
            "utterance_accuracy": self.utterance_accuracy,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "utterances": self.utterances,
            "per_intent": {k: dict(v) for k, v in self.per_intent.items()},
            "per_domain": {k: dict(v) for k, v in self.per_domain.items()},
        }

    def headline(self) -> str:
        """``act F1 91.30  P 90.00  R 92.65  utterance acc 80.00`` (percentages)."""
        return (
            f"act F1 {100 * self.f1:.2f}  P {100 * self.precision:.2f}  R {100 * self.recall:.2f}  "
            f"utterance acc {100 * self.utterance_accuracy:.2f}"
        )


def _breakdown(counts: dict[str, Counter[str]]) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    for name in sorted(counts):
        c = counts[name]
        precision, recall, f1 = _prf(c["tp"], c["fp"], c["fn"])
        rows[name] = {"precision": precision, "recall": recall, "f1": f1, "support": c["tp"] + c["fn"]}
    return rows


def score_acts(gold: Sequence[Sequence[DialogueAct]], predicted: Sequence[Sequence[DialogueAct]]) -> ActScores:
    """Score predicted dialogue acts against gold ones, utterance by utterance (ConvLab-3's definition).

    ``gold[i]`` and ``predicted[i]`` are the acts of utterance ``i``. Raises :class:`~tod.errors.ConfigError`
    when the two differ in length or are empty.
    """
    _check_lengths(gold, predicted)
    if not gold:
        raise ConfigError("nothing to score: no utterances")
    tp = fp = fn = correct = 0
    by_intent: dict[str, Counter[str]] = {}
    by_domain: dict[str, Counter[str]] = {}

    def count(key: ActKey, outcome: str) -> None:
        by_intent.setdefault(key[0], Counter())[outcome] += 1
        by_domain.setdefault(key[1], Counter())[outcome] += 1

    for gold_acts, pred_acts in zip(gold, predicted):
        gold_keys = set(_keyed(gold_acts))
        pred_keys = set(_keyed(pred_acts))
        for key in pred_keys:
            outcome = "tp" if key in gold_keys else "fp"
            count(key, outcome)
        for key in gold_keys - pred_keys:
            count(key, "fn")
        hits = len(pred_keys & gold_keys)
        tp += hits
        fp += len(pred_keys) - hits
        fn += len(gold_keys) - hits
        correct += int(pred_keys == gold_keys)

    precision, recall, f1 = _prf(tp, fp, fn)
    return ActScores(
        precision=precision,
        recall=recall,
        f1=f1,
        utterance_accuracy=correct / len(gold),
        tp=tp,
        fp=fp,
        fn=fn,
        utterances=len(gold),
        per_intent=_breakdown(by_intent),
        per_domain=_breakdown(by_domain),
    )


@dataclass(frozen=True)
class ActError:
    """A wrongly understood utterance: its acts, and those the prediction missed or added.

    ``missing`` and ``extra`` hold one act per distinct key (the first as written), so a request predicted
    with value ``"?"`` never shows up as different from a gold one without.
    """

    index: int
    text: str
    gold: tuple[DialogueAct, ...]
    predicted: tuple[DialogueAct, ...]
    missing: tuple[DialogueAct, ...]
    extra: tuple[DialogueAct, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of the error."""
        return {
            "index": self.index,
            "text": self.text,
            "gold": [a.to_dict() for a in self.gold],
            "predicted": [a.to_dict() for a in self.predicted],
            "missing": [a.to_dict() for a in self.missing],
            "extra": [a.to_dict() for a in self.extra],
        }


def act_errors(
    gold: Sequence[Sequence[DialogueAct]],
    predicted: Sequence[Sequence[DialogueAct]],
    texts: Sequence[str],
    limit: int = 20,
) -> list[ActError]:
    """The first ``limit`` utterances (in order) that :func:`score_acts` counts as wrong, for reports.

    Raises :class:`~tod.errors.ConfigError` when ``gold``, ``predicted`` and ``texts`` differ in length or
    ``limit`` is negative.
    """
    _check_lengths(gold, predicted)
    if len(texts) != len(gold):
        raise ConfigError(f"texts and gold acts differ in length: {len(texts)} texts, {len(gold)} gold utterances")
    if limit < 0:
        raise ConfigError(f"limit must be zero or more, found {limit}")
    errors: list[ActError] = []
    for i, (text, gold_acts, pred_acts) in enumerate(zip(texts, gold, predicted)):
        if len(errors) >= limit:
            break
        gold_keyed, pred_keyed = _keyed(gold_acts), _keyed(pred_acts)
        missing = tuple(act for key, act in gold_keyed.items() if key not in pred_keyed)
        extra = tuple(act for key, act in pred_keyed.items() if key not in gold_keyed)
        if missing or extra:
            errors.append(ActError(i, text, tuple(gold_acts), tuple(pred_acts), missing, extra))
    return errors
