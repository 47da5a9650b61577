"""Dialogue-act metrics: hand-checked numbers and agreement with ConvLab-3's definition."""

from __future__ import annotations

import io
import json
import random
from typing import Any

import pytest

from tod.acts import DialogueAct
from tod.errors import ConfigError
from tod.evaluation.act_report import print_act_report
from tod.metrics.acts import ActScores, act_errors, act_key, normalise_value, score_acts


def inform(domain: str, slot: str, value: str) -> DialogueAct:
    return DialogueAct("inform", domain, slot, value)


def request(domain: str, slot: str, value: str = "?") -> DialogueAct:
    return DialogueAct("request", domain, slot, value)


def general(intent: str) -> DialogueAct:
    return DialogueAct(intent, "general")


# Six utterances, each checking one rule; counts worked out by hand in the comments.
GOLD = [
    [inform("restaurant", "pricerange", "cheap"), request("restaurant", "phone")],  # 2 TP, correct
    [inform("hotel", "area", "north")],  # wrong value: 1 FP + 1 FN, wrong
    [],  # nothing in gold or prediction: no counts, correct
    [general("bye")],  # duplicate prediction counts once: 1 TP, correct
    [inform("hotel", "stars", "4"), general("greet")],  # nothing predicted: 2 FN, wrong
    [],  # spurious prediction: 1 FP, wrong
]
PRED = [
    [inform("restaurant", "pricerange", "Cheap "), request("restaurant", "phone", "")],
    [inform("hotel", "area", "south")],
    [],
    [general("bye"), general("bye")],
    [],
    [inform("train", "day", "monday")],
]
TEXTS = ["a cheap one, phone?", "in the north", "hmm", "bye", "4 stars, hello", "thanks"]


def test_hand_checked_totals() -> None:
    s = score_acts(GOLD, PRED)
    assert (s.tp, s.fp, s.fn, s.utterances) == (3, 2, 3, 6)
    assert s.precision == pytest.approx(3 / 5)
    assert s.recall == pytest.approx(3 / 6)
    assert s.f1 == pytest.approx(2 * 0.6 * 0.5 / 1.1)
    assert s.utterance_accuracy == pytest.approx(3 / 6)


def test_per_intent_and_per_domain() -> None:
    s = score_acts(GOLD, PRED)
    assert set(s.per_intent) == {"inform", "request", "bye", "greet"}
    # inform: TP cheap; FP south, monday; FN north, 4
    assert s.per_intent["inform"] == pytest.approx({"precision": 1 / 3, "recall": 1 / 3, "f1": 1 / 3, "support": 3})
    assert s.per_intent["request"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert s.per_intent["bye"]["support"] == 1 and s.per_intent["bye"]["f1"] == 1.0
    assert s.per_intent["greet"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert s.per_domain["restaurant"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}
    assert s.per_domain["hotel"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 2}
    assert s.per_domain["general"] == pytest.approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2})
    assert s.per_domain["train"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


def test_duplicates_count_once_in_gold_and_prediction() -> None:
    a = inform("hotel", "area", "north")
    s = score_acts([[a, a]], [[a]])
    assert (s.tp, s.fp, s.fn, s.utterance_accuracy) == (1, 0, 0, 1.0)
    s = score_acts([[a]], [[a, a, a]])
    assert (s.tp, s.fp, s.fn, s.utterance_accuracy) == (1, 0, 0, 1.0)


def test_value_normalisation_removes_whitespace_and_case() -> None:
    assert normalise_value(" Pizza  Hut\t") == "pizzahut"
    s = score_acts(
        [[inform("restaurant", "name", "pizza hut"), inform("restaurant", "pricerange", "cheap")]],
        [[inform("restaurant", "name", "PizzaHut"), inform("restaurant", "pricerange", "Cheap ")]],
    )
    assert (s.tp, s.fp, s.fn, s.f1, s.utterance_accuracy) == (2, 0, 0, 1.0, 1.0)


def test_request_value_is_ignored_but_other_values_are_not() -> None:
    assert (
        act_key(request("hotel", "phone", "?"))
        == act_key(request("hotel", "phone", ""))
        == ("request", "hotel", "phone")
    )
    assert act_key(general("bye")) == ("bye", "general", "")
    s = score_acts([[request("hotel", "phone", "?")]], [[request("hotel", "phone", "")]])
    assert (s.tp, s.fp, s.fn) == (1, 0, 0)
    # a real value is compared: it is a different act from the valueless one
    s = score_acts([[inform("hotel", "parking", "")]], [[inform("hotel", "parking", "yes")]])
    assert (s.tp, s.fp, s.fn, s.utterance_accuracy) == (0, 1, 1, 0.0)


def test_wrong_value_is_one_false_positive_and_one_false_negative() -> None:
    s = score_acts([[inform("hotel", "area", "north")]], [[inform("hotel", "area", "south")]])
    assert (s.tp, s.fp, s.fn) == (0, 1, 1)
    assert (s.precision, s.recall, s.f1, s.utterance_accuracy) == (0.0, 0.0, 0.0, 0.0)


def test_empty_gold_and_empty_prediction() -> None:
    s = score_acts([[], []], [[], []])
    # ConvLab-3: no acts at all gives P = R = F1 = 0 (zero denominators), yet every utterance is correct
    assert (s.tp, s.fp, s.fn, s.precision, s.recall, s.f1, s.utterance_accuracy) == (0, 0, 0, 0.0, 0.0, 0.0, 1.0)
    assert s.per_intent == {} and s.per_domain == {}
    s = score_acts([[general("thank")]], [[]])
    assert (s.fn, s.recall, s.precision, s.utterance_accuracy) == (1, 0.0, 0.0, 0.0)
    s = score_acts([[]], [[general("thank")]])
    assert (s.fp, s.recall, s.precision, s.utterance_accuracy) == (1, 0.0, 0.0, 0.0)


def test_length_mismatch_and_nothing_to_score() -> None:
    with pytest.raises(ConfigError, match="3 gold utterances, 2 predicted"):
        score_acts([[], [], []], [[], []])
    with pytest.raises(ValueError, match="no utterances"):
        score_acts([], [])
    with pytest.raises(ConfigError, match="2 texts, 1 gold"):
        act_errors([[]], [[]], ["a", "b"], 5)
    with pytest.raises(ConfigError, match="limit"):
        act_errors([[]], [[]], ["a"], -1)


def test_to_dict_keys_and_json() -> None:
    s = score_acts(GOLD, PRED)
    d = s.to_dict()
    assert {"act_f1", "act_precision", "act_recall", "utterance_accuracy"} <= set(d)
    assert set(d) == {
        "act_f1", "act_precision", "act_recall", "utterance_accuracy",
        "tp", "fp", "fn", "utterances", "per_intent", "per_domain",
    }  # fmt: skip
    assert d["act_f1"] == s.f1 and d["act_recall"] == s.recall and d["per_domain"] == s.per_domain
    assert json.loads(json.dumps(d)) == d
    assert s.headline() == "act F1 54.55  P 60.00  R 50.00  utterance acc 50.00"
    with pytest.raises(AttributeError):
        s.f1 = 1.0  # type: ignore[misc]


def test_act_errors_lists_missing_and_extra() -> None:
    errors = act_errors(GOLD, PRED, TEXTS, limit=10)
    assert [e.index for e in errors] == [1, 4, 5]
    first = errors[0]
    assert first.text == "in the north"
    assert first.missing == (inform("hotel", "area", "north"),)
    assert first.extra == (inform("hotel", "area", "south"),)
    assert errors[1].missing == (inform("hotel", "stars", "4"), general("greet")) and errors[1].extra == ()
    assert errors[2].missing == () and errors[2].extra == (inform("train", "day", "monday"),)
    assert [e.index for e in act_errors(GOLD, PRED, TEXTS, limit=2)] == [1, 4]
    assert act_errors(GOLD, PRED, TEXTS, limit=0) == []
    assert json.loads(json.dumps(first.to_dict()))["missing"] == [inform("hotel", "area", "north").to_dict()]
    # an utterance score_acts counts as right is never an error (normalised value, request "?", duplicates)
    assert act_errors(GOLD[:1] + GOLD[3:4], PRED[:1] + PRED[3:4], ["x", "y"], 5) == []


def test_report_prints_tables_and_errors() -> None:
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, width=120, color_system=None)
    scores = score_acts(GOLD + [[DialogueAct("bye")]], PRED + [[DialogueAct("bye")]])
    print_act_report(scores, "acts [test]", act_errors(GOLD, PRED, TEXTS, 2), console=console)
    out = buffer.getvalue()
    # the extra bye() (no domain) is one more TP: P 4/6, R 4/7, F1 16/26
    for text in ("acts [test]", "act F1", "61.54", "per intent", "per domain", "(none)", "greet", "restaurant"):
        assert text in out
    assert "missing inform(hotel, area, north)" in out and "extra   inform(hotel, area, south)" in out
    assert "4: 4 stars, hello" in out


# --- ConvLab-3's definition, re-implemented from convlab/nlu/evaluate_unified_datasets.py ----------------
# Unified-format samples: sample["dialogue_acts"] and sample["predictions"]["dialogue_acts"] are dicts with
# "binary" (no value), "categorical" and "non-categorical" lists of {"intent", "domain", "slot"[, "value"]}.


def convlab3_evaluate(samples: list[dict[str, Any]]) -> dict[str, float]:
    """ConvLab-3's ``evaluate`` for typed (dict) predictions: overall P/R/F1 and utterance accuracy."""
    tp = fp = fn = 0
    correct = []
    for sample in samples:
        all_equal = True
        for da_type in ("binary", "categorical", "non-categorical"):

            def as_tuples(acts: list[dict[str, str]]) -> list[tuple[str, ...]]:
                if da_type == "binary":
                    tuples = [(a["intent"], a["domain"], a["slot"]) for a in acts]
                else:
                    tuples = [(a["intent"], a["domain"], a["slot"], "".join(a["value"].split()).lower()) for a in acts]
                return sorted(set(tuples))

            predicts = as_tuples(sample["predictions"]["dialogue_acts"][da_type])
            labels = as_tuples(sample["dialogue_acts"][da_type])
            tp += sum(1 for p in predicts if p in labels)
            fp += sum(1 for p in predicts if p not in labels)
            fn += sum(1 for g in labels if g not in predicts)
            all_equal = all_equal and predicts == labels
        correct.append(all_equal)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": sum(correct) / len(correct)}


CATEGORICAL_SLOTS = {"pricerange", "area", "parking"}


def to_unified(acts: list[DialogueAct]) -> dict[str, list[dict[str, str]]]:
    """Our acts in ConvLab-3's typed lists: no value (or a request's ``?``) is binary."""
    typed: dict[str, list[dict[str, str]]] = {"binary": [], "categorical": [], "non-categorical": []}
    for a in acts:
        if a.value in ("", "?"):
            typed["binary"].append({"intent": a.intent, "domain": a.domain, "slot": a.slot})
        else:
            kind = "categorical" if a.slot in CATEGORICAL_SLOTS else "non-categorical"
            typed[kind].append({"intent": a.intent, "domain": a.domain, "slot": a.slot, "value": a.value})
    return typed


def _check_against_convlab3(gold: list[list[DialogueAct]], pred: list[list[DialogueAct]]) -> None:
    samples = [
        {"dialogue_acts": to_unified(g), "predictions": {"dialogue_acts": to_unified(p)}} for g, p in zip(gold, pred)
    ]
    theirs = convlab3_evaluate(samples)
    ours = score_acts(gold, pred)
    assert ours.precision == pytest.approx(theirs["precision"])
    assert ours.recall == pytest.approx(theirs["recall"])
    assert ours.f1 == pytest.approx(theirs["f1"])
    assert ours.utterance_accuracy == pytest.approx(theirs["accuracy"])


def test_agrees_with_convlab3_on_the_hand_checked_example() -> None:
    _check_against_convlab3(GOLD, PRED)
    assert convlab3_evaluate(
        [{"dialogue_acts": to_unified(g), "predictions": {"dialogue_acts": to_unified(p)}} for g, p in zip(GOLD, PRED)]
    ) == pytest.approx({"precision": 0.6, "recall": 0.5, "f1": 6 / 11, "accuracy": 0.5})


def test_agrees_with_convlab3_on_random_utterances() -> None:
    rng = random.Random(13)
    pool = [
        inform("restaurant", "pricerange", "cheap"),
        inform("restaurant", "pricerange", "Cheap "),
        inform("restaurant", "pricerange", "expensive"),
        inform("restaurant", "name", "Pizza Hut"),
        inform("restaurant", "name", "pizzahut"),
        inform("hotel", "parking", "yes"),
        inform("hotel", "parking", ""),
        request("hotel", "phone", "?"),
        request("hotel", "phone", ""),
        request("restaurant", "phone"),
        general("bye"),
        general("thank"),
    ]
    gold = [[rng.choice(pool) for _ in range(rng.randint(0, 4))] for _ in range(300)]
    pred = [[rng.choice(pool) for _ in range(rng.randint(0, 4))] if rng.random() < 0.5 else list(g) for g in gold]
    _check_against_convlab3(gold, pred)
    assert 0 < score_acts(gold, pred).utterance_accuracy < 1


def test_scores_are_frozen_dataclass_fields() -> None:
    fields = set(ActScores.__dataclass_fields__)
    assert {"precision", "recall", "f1", "utterance_accuracy", "tp", "fp", "fn", "utterances"} <= fields
    assert {"per_intent", "per_domain"} <= fields
