"""Rule tracker with gold acts on MultiWOZ val and CrossWOZ val, both protocols.

Run from the repository root: ``.venv/bin/python benchmarks/dst_gold.py [--data ../shared/data]``.
Writes ``benchmarks/results/dst_gold.{json,md}``. The rule options are fitted (greedily, single-turn
joint accuracy) on a seeded 80% train part of each val split and reported on the 20% dev part and on
the whole split. Single-turn starts each user turn from the previous system turn's
``query_state`` where the corpus records one (CrossWOZ's ``sys_state``: the paper's protocol),
else from the previous user turn's gold state (MultiWOZ).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from benchlib import machine

from tod.data.corpus import load_corpus
from tod.data.split import split_dialogues
from tod.domain.loader import load_domain
from tod.dst.rule import RuleDST
from tod.dst.values import ValueNormaliser
from tod.evaluation.dst import PROTOCOLS, evaluate_dst, fit_rule_options

SEED = 13
DEV_FRACTION = 0.2


def run(name: str, data: Path) -> dict[str, object]:
    path = data / name / "val.json.zip"
    started = time.perf_counter()
    dialogues = load_corpus(name, path, splits=["val"])["val"]
    load_s = time.perf_counter() - started
    domain = load_domain(name, data_dir=data / name)
    parts = split_dialogues(dialogues, {"train": 1 - DEV_FRACTION, "dev": DEV_FRACTION}, SEED)
    started = time.perf_counter()
    options = fit_rule_options(domain, parts["train"])
    fit_s = time.perf_counter() - started
    tracker, normaliser = RuleDST(domain, options), ValueNormaliser(domain)
    out: dict[str, object] = {"dialogues": len(dialogues), "options": options.to_dict(), "load_s": round(load_s, 2)}
    out["fit_s"] = round(fit_s, 2)
    for part, chosen in (("all", dialogues), ("dev", parts["dev"])):
        started = time.perf_counter()
        scores = evaluate_dst(tracker, chosen, normaliser, PROTOCOLS)
        seconds = time.perf_counter() - started
        out[part] = {p: s.to_dict() for p, s in scores.items()}
        out[part]["seconds"] = round(seconds, 2)
        out[part]["turns_per_s"] = round(2 * scores["cumulative"].turns / seconds)
        if part == "all":
            out["errors_single_turn"] = scores["single-turn"].slot_errors(15)
            out["errors_cumulative"] = scores["cumulative"].slot_errors(15)
    return out


def markdown(result: dict[str, object]) -> str:
    lines = [
        "# DST: rule tracker with gold acts",
        "",
        f"Command: `{result['command']}`  ",
        f"Date: {result['date']}  ",
        f"Machine: {result['machine']}",
        "",
        "Joint goal accuracy (JGA), slot accuracy and slot F1 in %. Options fitted on a seeded 80% train part",
        f"(seed {SEED}) of each val split; 'dev' is the other 20%.",
        "",
        "| corpus | part | protocol | JGA | slot acc | slot F1 | turns |",
        "|---|---|---|---|---|---|---|",
    ]
    for corpus in ("multiwoz", "crosswoz"):
        entry = result[corpus]
        for part in ("all", "dev"):
            for protocol, s in entry[part].items():
                if not isinstance(s, dict):
                    continue
                lines.append(
                    f"| {corpus} | {part} | {protocol} | {100 * s['joint_goal_accuracy']:.2f} | "
                    f"{100 * s['slot_accuracy']:.2f} | {100 * s['slot_f1']:.2f} | {s['turns']} |"
                )
    lines += ["", "Anchor: CrossWOZ paper RuleDST, single turn, gold acts: 71.33.", ""]
    for corpus in ("multiwoz", "crosswoz"):
        entry = result[corpus]
        lines.append(f"## {corpus}: options {entry['options']}; seconds: {entry['all']['seconds']} (both protocols)")
        lines.append("")
        lines.append(
            "Most frequent wrong slots (single-turn, whole split): "
            + ", ".join(f"{k} ({v})" for k, v in entry["errors_single_turn"])
        )
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path("../shared/data"), help="folder holding multiwoz/ and crosswoz/"
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"), help="where dst_gold.{json,md} go")
    args = parser.parse_args()
    result: dict[str, object] = {
        "command": "python " + " ".join(sys.argv),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(with_torch=False),
    }
    for name in ("multiwoz", "crosswoz"):
        result[name] = run(name, args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dst_gold.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (args.out / "dst_gold.md").write_text(markdown(result) + "\n", encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
