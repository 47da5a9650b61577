"""``tod evaluate dialogues``: re-score a JSON-lines file of act-level dialogues in each metric mode."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import nullcontext
from typing import Any

from tod.errors import EvaluationError

#: How many disagreements with a file's own verdicts are listed.
SHOWN = 10


def _agrees(mine: dict[str, Any], theirs: Any) -> bool:
    """Whether a ConvLab verdict agrees with a file's: success, book rate and inform TP/FP/FN."""
    if not isinstance(theirs, dict) or not isinstance(theirs.get("inform"), dict):
        raise EvaluationError(
            f"a 'verdict' must be an object with task_success, book_rate, inform; found {theirs!r:.60}"
        )
    rate, other = mine["book_rate"], theirs.get("book_rate")
    same_rate = (rate is None and other is None) or (
        rate is not None and isinstance(other, (int, float)) and abs(rate - other) <= 1e-12
    )
    counts = all(mine["inform"][k] == theirs["inform"].get(k) for k in ("tp", "fp", "fn"))
    return mine["task_success"] == theirs.get("task_success") and same_rate and counts


def evaluate_dialogues(args: argparse.Namespace) -> int:
    from rich.console import Console
    from tqdm.auto import tqdm

    from tod.cli.options import write_json
    from tod.data.multiwoz import MultiWOZInventory
    from tod.domain.database import open_database
    from tod.files import atomic_file
    from tod.simulator.convlab.adapter import ConvLabScorer, from_record, to_metrics
    from tod.simulator.convlab.records import read_records
    from tod.simulator.metrics import Evaluator, summarise_metrics
    from tod.simulator.modes import resolve_mode
    from tod.simulator.report import _mode_rows

    database = open_database(args.domain, args.data)
    modes = ["convlab", "tod"] if args.metrics == "both" else [args.metrics]
    for mode in modes:
        resolve_mode(database.domain, mode)
    convlab = ConvLabScorer(database.domain) if "convlab" in modes else None
    strict = Evaluator(database) if "tod" in modes else None
    slots = MultiWOZInventory.load().slots if strict is not None else {}
    per_mode: dict[str, list[Any]] = {m: [] for m in modes}
    checked = agreed = 0
    wrong: list[str] = []
    target = atomic_file(args.verdicts) if args.verdicts else nullcontext(None)
    with target as handle:  # written whole or not at all
        for record in tqdm(read_records(args.file), desc="scoring", unit="dialogue", disable=args.no_progress):
            line: dict[str, Any] = {"id": record.id}
            if convlab is not None:
                verdict = convlab.evaluator.score(record)
                per_mode["convlab"].append(to_metrics(verdict))
                line["convlab"] = verdict.to_dict()
                if "verdict" in record.extra:
                    checked += 1
                    if _agrees(line["convlab"], record.extra["verdict"]):
                        agreed += 1
                    elif len(wrong) < SHOWN:
                        wrong.append(record.id)
            if strict is not None:
                dialogue, goal = from_record(record, database.domain, slots)
                metrics = strict.evaluate(dialogue, goal)
                per_mode["tod"].append(metrics)
                line["tod"] = metrics.to_dict()
            if handle is not None:
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    summary = {mode: summarise_metrics(values) for mode, values in per_mode.items()}
    sys.stdout.write(f"# {args.file}: {len(next(iter(per_mode.values())))} dialogues\n\n")
    sys.stdout.write("\n".join(_mode_rows(summary)) + "\n")
    payload: dict[str, Any] = {"dialogues": args.file, "by_mode": summary}
    if checked:
        payload["convlab_verdicts_in_file"] = {"checked": checked, "agree": agreed, "first_disagreeing": wrong}
        sys.stdout.write(f"\nConvLab-2's own verdicts in the file: {agreed} / {checked} agree")
        sys.stdout.write(f" (first that do not: {', '.join(wrong)})\n" if wrong else "\n")
    if args.json:
        write_json(args.json, payload)
        Console(stderr=True).print(f"scores: {args.json}")
    return 0
