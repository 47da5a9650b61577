"""Dialogue-act NLU and NLU -> RuleDST on MultiWOZ or CrossWOZ: quality, training time, memory.

Runs exactly the user-facing commands, each in its own process: ``tod train nlu --corpus C`` on
the train part of val (80% of the dialogues by ID, seed 13; the other 20% select the epoch), then
``tod evaluate nlu --part dev`` (act F1 and utterance accuracy, ConvLab-3's definitions) and
``tod evaluate dst --nlu`` on the same dev part. With the official train/test files the same
commands train on train, select on val and evaluate on test (``--split test``, ``--part all``).
Results go to ``benchmarks/results/act_nlu_<corpus>.{json,md}`` with the command, date and machine.

    python benchmarks/act_nlu.py --corpus multiwoz
    python benchmarks/act_nlu.py --corpus crosswoz --encoder e5-small -- --epochs 8
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import sys
import tempfile
from pathlib import Path

from benchlib import machine, run

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TOD = [sys.executable, "-m", "tod.cli.main"]

# Anchors named by the issue (dialogue-act F1 / utterance accuracy; joint goal accuracy).
ANCHORS = {
    "multiwoz": {
        "ConvLab-3 BERTNLU, context 3 (12-layer BERT, 8,434 train dialogues)": "90.3 / 80.6",
        "ConvLab-3 BERTNLU, no context": "85.9 / 74.5",
        "TripPy joint goal accuracy (trained tracker)": "55.3",
    },
    "crosswoz": {
        "CrossWOZ paper BERTNLU, with context (5,012 train dialogues)": "95.53 (F1)",
        "CrossWOZ paper BERTNLU, without context": "91.85 (F1)",
    },
}


def train_throughput(meta: dict, wall: float) -> float | None:
    """Training examples per second of the training command's wall time (start-up and the dev evaluation
    after each epoch included)."""
    per_epoch, epochs = meta.get("epoch_examples"), len(meta.get("history") or [])
    if not per_epoch or not epochs or wall <= 0:
        return None
    return round(meta.get("members", 1) * epochs * per_epoch / wall, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=("multiwoz", "crosswoz"), required=True)
    parser.add_argument("--data", help="corpus directory (default: ../shared/data/<corpus>)")
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument("--split", default="val", help="split to train on (its dev part is held out)")
    parser.add_argument("--dev-fraction", default="0.2")
    parser.add_argument("--split-seed", default="13")
    parser.add_argument("--keep", metavar="DIR", help="keep the trained model here (default: a temporary dir)")
    parser.add_argument("--no-record", action="store_true", help="print only; do not write benchmarks/results")
    parser.add_argument(
        "--record-from", metavar="LOG",
        help="only write benchmarks/results from the JSON a run of this script printed (e.g. a --no-record run's log)",
    )
    parser.add_argument("--note", help="with --record-from: a remark recorded with the result")
    parser.add_argument("train_args", nargs="*", help="extra 'tod train nlu' options, after --")
    args = parser.parse_args(argv)
    if args.record_from:
        text = Path(args.record_from).read_text(encoding="utf-8", errors="replace")
        result = json.loads(text[text.rindex("\n{") + 1 :])
        if args.note:
            result["note"] = args.note
        record(result)
        return 0
    data = Path(args.data or ROOT.parent / "shared" / "data" / args.corpus)
    split = ["--dev-fraction", args.dev_fraction, "--split-seed", args.split_seed]
    with tempfile.TemporaryDirectory(prefix="tod-act-bench-") as scratch:
        model = Path(args.keep) if args.keep else Path(scratch) / "model"
        train_cmd = [*TOD, "train", "nlu", "--corpus", args.corpus, "--data", str(data), "--out", str(model),
                     "--encoder", args.encoder, "--train-split", args.split, "--overwrite", *split, *args.train_args]
        train_wall, train_peak = run(train_cmd)
        nlu_json, dst_json = Path(scratch) / "nlu.json", Path(scratch) / "dst.json"
        nlu_cmd = [*TOD, "evaluate", "nlu", "--model", str(model), "--data", str(data), "--split", args.split,
                   "--part", "dev", *split, "--json", str(nlu_json)]
        nlu_wall, _ = run(nlu_cmd)
        dst_cmd = [*TOD, "evaluate", "dst", "--corpus", args.corpus, "--data", str(data), "--split", args.split,
                   "--nlu", str(model), "--protocol", "both", *split, "--fit-options", "--json", str(dst_json)]
        dst_wall, _ = run(dst_cmd)
        nlu_scores = json.loads(nlu_json.read_text())
        dst_scores = json.loads(dst_json.read_text())
        meta = json.loads((model / "meta.json").read_text())
    result = {
        "benchmark": f"act_nlu_{args.corpus}",
        "corpus": args.corpus,
        "command": "python benchmarks/act_nlu.py " + shlex.join(argv if argv is not None else sys.argv[1:]),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "train_command": shlex.join(train_cmd[2:]).replace("tod.cli.main", "tod", 1),
        "evaluate_commands": [shlex.join(c[2:]).replace("tod.cli.main", "tod", 1) for c in (nlu_cmd, dst_cmd)],
        "protocol": f"trained on {100 - 100 * float(args.dev_fraction):.0f}% of {args.split} by dialogue ID "
        f"(seed {args.split_seed}), epoch chosen and scores reported on the other {args.dev_fraction} (dev part)",
        "dev_act_f1": 100 * nlu_scores["act_f1"],
        "dev_act_precision": 100 * nlu_scores["act_precision"],
        "dev_act_recall": 100 * nlu_scores["act_recall"],
        "dev_utterance_accuracy": 100 * nlu_scores["utterance_accuracy"],
        "dev_utterances": nlu_scores["utterances"],
        "dev_dst": {p: {k: 100 * s[k] for k in ("joint_goal_accuracy", "slot_accuracy", "slot_f1")}
                    for p, s in dst_scores["protocols"].items()},
        "selected": meta["selected"],
        "train_config": meta["train_config"],
        "train_wall_s": round(train_wall, 1),
        "train_peak_rss_mib": round(train_peak),
        "train_examples": meta.get("train_examples"),
        "train_epoch_examples": meta.get("epoch_examples"),
        "train_examples_per_s": train_throughput(meta, train_wall),
        "evaluate_wall_s": round(nlu_wall + dst_wall, 1),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if not args.no_record:
        record(result)
    return 0


def record(result: dict) -> None:
    """Write ``benchmarks/results/act_nlu_<corpus>.{json,md}`` from a result this script printed."""
    corpus = result.get("corpus") or result["benchmark"].removeprefix("act_nlu_")
    name = f"act_nlu_{corpus}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    m = result["machine"]
    lines = [
        f"# {name}: dialogue-act NLU and NLU -> RuleDST on {corpus}",
        "",
        f"- date: {result['date']}; machine: {m['cpu']}, {m['cores']} cores, GPU: {m.get('gpu') or 'none'}",
        f"- command: `{result['command']}`",
        f"- which ran: `{result['train_command']}`, then `{result['evaluate_commands'][0]}` and "
        f"`{result['evaluate_commands'][1]}`",
        f"- protocol: {result['protocol']} ({result['dev_utterances']} user turns)",
        "",
        "| system | act F1 / utterance acc | joint goal acc (NLU -> RuleDST, cumulative) |",
        "|---|---|---|",
        f"| tod ActNLU ({result['train_config']['encoder']}) + RuleDST, dev part of val | "
        f"{result['dev_act_f1']:.2f} / "
        f"{result['dev_utterance_accuracy']:.2f} | "
        f"{result['dev_dst'].get('cumulative', {}).get('joint_goal_accuracy', float('nan')):.2f} |",
        *(f"| {k} | {v} | |" for k, v in ANCHORS[corpus].items()),
        "",
        f"- act precision {result['dev_act_precision']:.2f}, recall {result['dev_act_recall']:.2f}; kept "
        f"{result['selected']}",
        "- DST on the dev part: "
        + "; ".join(f"{p}: JGA {s['joint_goal_accuracy']:.2f}, slot acc {s['slot_accuracy']:.2f}, "
                    f"slot F1 {s['slot_f1']:.2f}" for p, s in result["dev_dst"].items()),
        f"- training wall time {result['train_wall_s'] / 60:.1f} min, peak memory "
        f"{result['train_peak_rss_mib']:.0f} MiB (RSS of the training process tree, sampled every 0.5 s); evaluation "
        f"{result['evaluate_wall_s']:.0f} s"
        + (f"; {result['train_examples_per_s']:.1f} training examples/s (over the wall time)"
           if result.get("train_examples_per_s") else ""),
        "- anchors are trained on the full official train splits and tested on test; these numbers are on a "
        "dev part of val after training on 80% of val, so they are not directly comparable",
        *([f"- note: {result['note']}"] if result.get("note") else []),
        "",
    ]
    (RESULTS / f"{name}.md").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
