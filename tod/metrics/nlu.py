"""Intent and slot metrics: intent accuracy, seqeval slot P/R/F1, sentence accuracy, tables.

Gold labels are compared as strings, so a label the model never saw in training (an intent or a
tag that only occurs in dev/test) simply counts as an error.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence


@dataclass(frozen=True)
class NLUScores:
    intent_accuracy: float
    slot_precision: float
    slot_recall: float
    slot_f1: float
    sentence_accuracy: float
    examples: int
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)
    per_slot: dict[str, dict[str, float]] = field(default_factory=dict)
    unseen_gold_intents: int = 0
    unseen_gold_tags: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent_accuracy": self.intent_accuracy,
            "slot_precision": self.slot_precision,
            "slot_recall": self.slot_recall,
            "slot_f1": self.slot_f1,
            "sentence_accuracy": self.sentence_accuracy,
            "examples": self.examples,
            "unseen_gold_intents": self.unseen_gold_intents,
            "unseen_gold_tags": self.unseen_gold_tags,
            "per_intent": self.per_intent,
            "per_slot": self.per_slot,
        }

    def headline(self) -> str:
        return headline(self.to_dict())


def headline(scores: dict[str, Any] | None) -> str:
    """``intent acc 97.80  slot F1 98.07  sentence acc 92.00`` from a scores dict (fractions)."""
    if not scores:
        return "(none)"
    return (
        f"intent acc {100 * scores['intent_accuracy']:.2f}  slot F1 {100 * scores['slot_f1']:.2f}  "
        f"sentence acc {100 * scores['sentence_accuracy']:.2f}"
    )


def score_nlu(
    gold_intents: Sequence[str],
    pred_intents: Sequence[str],
    gold_tags: Sequence[Sequence[str]],
    pred_tags: Sequence[Sequence[str]],
    known_intents: set[str] | None = None,
    known_tags: set[str] | None = None,
) -> NLUScores:
    """Score predictions against gold labels (percentages are returned as fractions in [0, 1])."""
    from seqeval.metrics import classification_report, f1_score, precision_score, recall_score

    n = len(gold_intents)
    if not (n == len(pred_intents) == len(gold_tags) == len(pred_tags)):
        raise ValueError("gold and predicted sequences differ in length")
    if n == 0:
        raise ValueError("nothing to score: no examples")
    for i, (g, p) in enumerate(zip(gold_tags, pred_tags)):
        if len(g) != len(p):
            raise ValueError(f"example {i}: {len(g)} gold tags but {len(p)} predicted")
    gold_t = [list(t) for t in gold_tags]
    pred_t = [list(t) for t in pred_tags]
    intent_ok = [g == p for g, p in zip(gold_intents, pred_intents)]
    sentence_ok = [ok and g == p for ok, g, p in zip(intent_ok, gold_t, pred_t)]

    per_intent: dict[str, dict[str, float]] = {}
    support = Counter(gold_intents)
    predicted = Counter(pred_intents)
    correct = Counter(g for g, ok in zip(gold_intents, intent_ok) if ok)
    for label in sorted(set(support) | set(predicted)):
        p = correct[label] / predicted[label] if predicted[label] else 0.0
        r = correct[label] / support[label] if support[label] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per_intent[label] = {"precision": p, "recall": r, "f1": f, "support": support[label]}

    report = classification_report(gold_t, pred_t, output_dict=True, zero_division=0)
    per_slot = {
        name: {"precision": v["precision"], "recall": v["recall"], "f1": v["f1-score"], "support": int(v["support"])}
        for name, v in report.items()
        if not name.endswith(" avg")
    }
    return NLUScores(
        intent_accuracy=sum(intent_ok) / n,
        slot_precision=float(precision_score(gold_t, pred_t, zero_division=0)),
        slot_recall=float(recall_score(gold_t, pred_t, zero_division=0)),
        slot_f1=float(f1_score(gold_t, pred_t, zero_division=0)),
        sentence_accuracy=sum(sentence_ok) / n,
        examples=n,
        per_intent=per_intent,
        per_slot=per_slot,
        unseen_gold_intents=sum(1 for g in gold_intents if known_intents is not None and g not in known_intents),
        unseen_gold_tags=sum(1 for t in gold_t for tag in t if known_tags is not None and tag not in known_tags),
    )


class WordPredictor(Protocol):
    """What evaluation needs of a model: labels it knows and word-level predictions."""

    intents: Any
    tags: Any

    def predict_words(self, sentences: Sequence[Sequence[str]], batch_size: int = 64) -> list[Any]: ...


@dataclass(frozen=True)
class ErrorExample:
    tokens: tuple[str, ...]
    gold_intent: str
    pred_intent: str
    gold_tags: tuple[str, ...]
    pred_tags: tuple[str, ...]


def evaluate_predictions(
    model: WordPredictor, split: Any, batch_size: int = 64, keep_errors: int = 0
) -> tuple[NLUScores, list[ErrorExample]]:
    """Predict a split (columns ``tokens``, ``tags``, ``intent``) and score it.

    Returns the scores and up to ``keep_errors`` wrongly parsed examples, in corpus order.
    """
    tokens, gold_tags, gold_intents = split["tokens"], split["tags"], split["intent"]
    preds = model.predict_words(tokens, batch_size)
    pred_intents = [p.intents[0].label for p in preds]
    pred_tags = [list(p.tags) for p in preds]
    scores = score_nlu(
        gold_intents,
        pred_intents,
        gold_tags,
        pred_tags,
        known_intents=set(model.intents.labels),
        known_tags=set(model.tags.labels),
    )
    errors = []
    for words, gi, pi, gt, pt in zip(tokens, gold_intents, pred_intents, gold_tags, pred_tags):
        if len(errors) >= keep_errors:
            break
        if gi != pi or list(gt) != pt:
            errors.append(ErrorExample(tuple(words), gi, pi, tuple(gt), tuple(pt)))
    return scores, errors
