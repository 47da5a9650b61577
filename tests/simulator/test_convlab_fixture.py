"""tod's ``convlab`` metric mode agrees with ConvLab-2's own verdict on every fixture dialogue.

``../shared/data/convlab-eval`` holds 1,000 of ConvLab-2's own act-level dialogues and 2,000 of tod's,
each with every act as ConvLab-2's ``MultiWozEvaluator`` received it and that evaluator's numbers.
Each is replayed through :class:`~tod.simulator.convlab.evaluator.ConvLabEvaluator` and every number
is compared: success, complete (ConvLab's dialogues), book rate and its per-domain scores, inform
TP/FP/FN, P/R/F1, the three diagnostic sets, the final-goal check, domain success, turns and the
booked rows. ConvLab's dialogues are scored against their ``goal_at_scoring`` (the values ConvLab's
user simulator was told, which only that simulator knows); tod's are scored from their goal and acts
alone, so the requested values and the booked rows are tod's own reading of the acts.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_shared
from tod.domain.loader import load_domain
from tod.simulator.convlab.evaluator import ConvLabEvaluator, ConvLabVerdict
from tod.simulator.convlab.records import parse_record

FILES = ("convlab2_dialogues.jsonl", "tod_dialogues_rescored.jsonl")
INFORM_COUNTS = (
    "tp",
    "fp",
    "fn",
    "counts_per_domain",
    "bad_format",
    "requested_not_informed",
    "informed_not_requested",
)


def _close(mine: float | None, theirs: float | None) -> bool:
    if mine is None or theirs is None:
        return mine is theirs
    return math.isclose(mine, theirs, rel_tol=0, abs_tol=1e-12)


def disagreements(verdict: ConvLabVerdict, row: dict[str, Any]) -> list[str]:
    """The numbers of ``verdict`` that differ from the fixture line's ConvLab verdict."""
    mine, want = verdict.to_dict(), row["verdict"]
    out = [
        k
        for k in ("task_success", "book_rate_per_domain", "final_goal", "domain_success", "turns")
        if mine[k] != want[k]
    ]
    if not _close(mine["book_rate"], want["book_rate"]):
        out.append("book_rate")
    if want["complete"] is not None and mine["complete"] != want["complete"]:
        out.append("complete")
    out += [f"inform.{k}" for k in INFORM_COUNTS if mine["inform"][k] != want["inform"][k]]
    out += [f"inform.{k}" for k in ("precision", "recall", "f1") if not _close(mine["inform"][k], want["inform"][k])]
    booked = {d: (b["db_row"] if isinstance(b, dict) else "booked") for d, b in row["booked"].items()}
    if mine["booked"] != booked:
        out.append("booked")
    return out


@pytest.fixture(scope="module")
def fixture_dir() -> Path:
    return require_shared("convlab-eval")


@pytest.fixture(scope="module")
def evaluator() -> ConvLabEvaluator:
    return ConvLabEvaluator.for_domain(load_domain("multiwoz", require_shared("multiwoz")))


@pytest.mark.corpus
def test_every_fixture_dialogue_gets_convlabs_verdict(fixture_dir: Path, evaluator: ConvLabEvaluator) -> None:
    total, wrong = 0, []
    for name in FILES:
        with open(fixture_dir / name, encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                if row["source"].startswith("tod"):  # scored from the goal and acts alone
                    row_in = {k: v for k, v in row.items() if k != "goal_at_scoring"}
                else:
                    row_in = row
                total += 1
                differs = disagreements(evaluator.score(parse_record(row_in, row["id"])), row)
                if differs:
                    wrong.append(f"{row['id']}: {differs}")
    assert total == 3000
    assert not wrong, f"{total - len(wrong)} / {total} agree; first disagreements: {wrong[:10]}"


@pytest.mark.corpus
def test_the_aggregates_are_convlabs(fixture_dir: Path, evaluator: ConvLabEvaluator) -> None:
    """Averaged ConvLab's way, the verdicts give ConvLab-2's printed numbers for each set."""
    from tod.simulator.convlab.adapter import aggregate

    summary = json.loads((fixture_dir / "summary.json").read_text(encoding="utf-8"))
    sets: dict[str, list[ConvLabVerdict]] = {}
    for name in FILES:
        with open(fixture_dir / name, encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                sets.setdefault(row["source"], []).append(evaluator.score(parse_record(row, row["id"])))
    for name, block in summary["sets"].items():
        want = block["convlab2_evaluator"]
        got = aggregate(sets[block["source"]])
        for key in ("success_rate", "book_rate", "inform_precision", "inform_recall", "inform_f1", "avg_turns"):
            assert got[key] == pytest.approx(want[key], abs=1e-12), (name, key)
        assert got["dialogues_with_booking"] == want["book_rate_n_dialogues"]
        assert got["dialogues_with_requests"] == want["inform_n_dialogues"]
        if want["complete_rate"] is not None:
            assert got["complete_rate"] == pytest.approx(want["complete_rate"], abs=1e-12)
