"""Scoring a policy on corpus system turns: act precision, recall and F1 over ``(intent, domain, slot)``.

Any :class:`~tod.policy.base.Policy` is scored the same way (the MLE policy, the rule policy, yours):
for every system turn of the dialogues (:mod:`tod.policy.mle_data`: the gold belief, the user's acts,
the previous gold system acts and the database results of the belief) the policy predicts acts; values
are dropped on both sides and the turn's distinct triples are compared with the gold ones. TP/FP/FN are
summed over turns (micro), as ConvLab's policy evaluation does; per intent and per sub-domain tables and
the share of turns predicted exactly (``turn_accuracy``) come from :func:`tod.metrics.acts.score_acts`.
Gold acts are mapped onto the system act inventory first (:func:`tod.policy.features.canonical_system_acts`);
corpus acts that do not map are counted (``dropped_gold_acts``), and turns left with no gold act are not
scored (``unscored_turns``): a policy always says something.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from tod.acts import DialogueAct
from tod.metrics.acts import ActScores, score_acts
from tod.policy.base import Policy
from tod.policy.mle_data import PolicyExample


def delexicalised(acts: Sequence[DialogueAct]) -> tuple[DialogueAct, ...]:
    """The acts without values (what the policy metrics compare)."""
    return tuple(DialogueAct(a.intent, a.domain, a.slot, "") for a in acts)


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class PolicyEvaluation:
    """Scores of one policy on a set of system turns; ``latency_ms`` per ``predict`` call (p50, p95)."""

    scores: ActScores
    turns: int
    unscored_turns: int
    dropped_gold_acts: int
    latency_p50_ms: float
    latency_p95_ms: float

    def to_dict(self) -> dict[str, Any]:
        s = self.scores.to_dict()
        return {
            "act_precision": s["act_precision"],
            "act_recall": s["act_recall"],
            "act_f1": s["act_f1"],
            "turns": self.turns,
            "turn_accuracy": s["utterance_accuracy"],
            "tp": s["tp"],
            "fp": s["fp"],
            "fn": s["fn"],
            "unscored_turns": self.unscored_turns,
            "dropped_gold_acts": self.dropped_gold_acts,
            "latency_p50_ms": self.latency_p50_ms,
            "latency_p95_ms": self.latency_p95_ms,
            "per_intent": s["per_intent"],
            "per_domain": s["per_domain"],
        }


def evaluate_policy(
    policy: Policy,
    examples: Sequence[PolicyExample],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> PolicyEvaluation:
    """Score ``policy`` on ``examples`` (see the module docstring)."""
    scored = [e for e in examples if e.gold]
    gold, predicted, latencies = [], [], []
    for i, example in enumerate(scored):
        started = time.perf_counter()
        acts = policy.predict(example.state, example.db_results)
        latencies.append(1000 * (time.perf_counter() - started))
        gold.append(delexicalised(example.gold))
        predicted.append(delexicalised(acts))
        if progress is not None:
            progress(i + 1, len(scored))
    scores = score_acts(gold, predicted)
    return PolicyEvaluation(
        scores=scores,
        turns=len(scored),
        unscored_turns=len(examples) - len(scored),
        dropped_gold_acts=sum(len(e.dropped) for e in examples),
        latency_p50_ms=_percentile(latencies, 0.5),
        latency_p95_ms=_percentile(latencies, 0.95),
    )
