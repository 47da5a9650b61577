"""ATIS benchmark of JointBertNLU: quality, training time, memory and inference speed.

Runs exactly the user-facing commands (``tod train nlu`` on train with dev for selection, then
``tod evaluate nlu`` on test), each in its own process so that wall time and peak memory are
those a user sees, then measures batch-1 latency and batched throughput of ``parse`` in this
process. Results go to ``benchmarks/results/atis_nlu.{json,md}`` with the command, date and
machine.

    python benchmarks/atis_nlu.py                       # defaults: ../shared/data/atis
    python benchmarks/atis_nlu.py --data DIR --name snips   # any corpus in the same format
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchlib import machine, run

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

# Bars and anchors from the issue (ATIS test, percent).
ANCHORS = {
    "JointBERT paper (BERT-base)": (97.5, 96.1, 88.2),
    "monologg/JointBERT (BERT-base)": (97.87, 95.59, 88.24),
    "OpenSLU (BERT-base)": (97.9, 95.8, 88.6),
}


def latency(model_dir: Path, texts: list[str], threads: int | None) -> dict[str, float]:
    """Batch-1 latency with one thread (fastest for one utterance at a time: no thread wake-ups)
    and batch-64 throughput with all threads (or --threads)."""
    import torch

    from tod.nlu.jointbert import JointBertNLU

    all_threads = threads or torch.get_num_threads()
    torch.set_num_threads(1)
    nlu = JointBertNLU.load(model_dir)
    for text in texts[:20]:  # warm-up
        nlu.parse(text)
    timings = []
    for text in texts:
        start = time.perf_counter()
        nlu.parse(text)
        timings.append(1000 * (time.perf_counter() - start))
    timings.sort()
    torch.set_num_threads(all_threads)
    nlu.parse_batch(texts[:64], batch_size=64)  # warm-up
    start = time.perf_counter()
    nlu.parse_batch(texts, batch_size=64)
    batched = time.perf_counter() - start
    return {
        "batch1_p50_ms": statistics.median(timings),
        "batch1_p95_ms": timings[int(0.95 * (len(timings) - 1))],
        "batch1_utterances": len(timings),
        "batch64_utterances_per_s": len(texts) / batched,
        "batch1_threads": 1,
        "batch64_threads": all_threads,
        "inference_precision": nlu.precision,
    }


def train_throughput(meta: dict, wall: float) -> float | None:
    """Training examples per second of the training command's wall time: every member's epochs (start-up
    and the dev evaluation after each epoch included)."""
    per_epoch, epochs = meta.get("epoch_examples"), len(meta.get("history") or [])
    if not per_epoch or not epochs or wall <= 0:
        return None
    return meta.get("members", 1) * epochs * per_epoch / wall


def _headline_only(scores: dict | None) -> dict | None:
    """Dev scores as percentages, without the per-label tables (those stay in the model's meta.json)."""
    if not scores:
        return None
    return {k: 100 * scores[k] for k in ("intent_accuracy", "slot_f1", "sentence_accuracy")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "atis"), help="corpus directory")
    parser.add_argument("--name", default="atis_nlu", help="results file name (benchmarks/results/NAME.json)")
    parser.add_argument("--model-dir", help="where to keep the trained model (default: a temporary directory)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads for every step")
    parser.add_argument("--no-record", action="store_true", help="print only; do not write benchmarks/results")
    parser.add_argument("train_args", nargs=argparse.REMAINDER, help="extra arguments for 'tod train nlu' after --")
    args = parser.parse_args(argv)
    extra = [a for a in args.train_args if a != "--"]

    tod = [sys.executable, "-m", "tod.cli.main"]
    threads = ["--threads", str(args.threads)] if args.threads else []
    with tempfile.TemporaryDirectory(prefix="tod-bench-") as scratch:
        model_dir = Path(args.model_dir) if args.model_dir else Path(scratch) / "model"
        scores_path = Path(scratch) / "scores.json"
        train_cmd = tod + ["train", "nlu", "--data", args.data, "--out", str(model_dir), "--overwrite"]
        train_cmd += threads + extra
        train_wall, train_peak = run(train_cmd)
        eval_cmd = tod + ["evaluate", "nlu", "--model", str(model_dir), "--data", args.data, "--split", "test",
                          "--json", str(scores_path), *threads]
        eval_wall, _ = run(eval_cmd)
        scores = json.loads(scores_path.read_text())
        meta = json.loads((model_dir / "meta.json").read_text())

        from tod.data.seqio import load_seq_corpus

        test = load_seq_corpus(args.data, ["test"])["test"]
        speed = latency(model_dir, [" ".join(t) for t in test["tokens"]], args.threads)

    result = {
        "benchmark": args.name,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": shlex.join(["python", "benchmarks/atis_nlu.py", *(argv if argv is not None else sys.argv[1:])]),
        "train_command": shlex.join(["tod", *train_cmd[3:]]),
        "evaluate_command": shlex.join(["tod", *eval_cmd[3:]]),
        "data": str(Path(args.data).resolve()),
        "machine": machine(),
        "test": {
            "intent_accuracy": 100 * scores["intent_accuracy"],
            "slot_f1": 100 * scores["slot_f1"],
            "sentence_accuracy": 100 * scores["sentence_accuracy"],
            "slot_precision": 100 * scores["slot_precision"],
            "slot_recall": 100 * scores["slot_recall"],
            "examples": scores["examples"],
            "unseen_gold_intents": scores["unseen_gold_intents"],
            "unseen_gold_tags": scores["unseen_gold_tags"],
        },
        "dev_at_best_epoch": (
            {k: 100 * meta["dev_metrics"][k] for k in ("intent_accuracy", "slot_f1", "sentence_accuracy")}
            if meta.get("dev_metrics")
            else None
        ),
        "selected": meta["selected"],
        "members": meta.get("members", 1),
        "member_dev_metrics": [_headline_only(m) for m in meta.get("member_dev_metrics") or []],
        "soup_dev_metrics": _headline_only(meta.get("soup_dev_metrics")),
        "train_config": meta["train_config"],
        "train_wall_s": train_wall,
        "train_peak_rss_mib": train_peak,
        "train_examples": meta.get("train_examples"),
        "train_epoch_examples": meta.get("epoch_examples"),
        "train_examples_per_s": train_throughput(meta, train_wall),
        "evaluate_wall_s": eval_wall,
        **speed,
    }
    t = result["test"]
    dev_kept = ", ".join(f"{k} {v:.2f}" for k, v in (result["dev_at_best_epoch"] or {}).items())
    print(json.dumps(result, indent=2))
    if not args.no_record:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n")
        lines = [
            f"# {args.name}: JointBertNLU on {Path(args.data).name}",
            "",
            f"- date: {result['date']}",
            f"- machine: {result['machine']['cpu']}, {result['machine']['cores']} cores, "
            f"{result['machine']['memory_gib']} GiB, GPU: {result['machine']['gpu'] or 'none'}",
            f"- command: `{result['command']}`",
            f"- which ran: `{result['train_command']}` then `{result['evaluate_command']}`",
            "",
            "| system | intent acc | slot F1 | sentence acc |",
            "|---|---|---|---|",
            f"| tod JointBertNLU ({meta['train_config']['encoder']}) | {t['intent_accuracy']:.2f} | "
            f"{t['slot_f1']:.2f} | {t['sentence_accuracy']:.2f} |",
        ]
        if args.name == "atis_nlu":
            lines += [f"| {name} | {a} | {b} | {c} |" for name, (a, b, c) in ANCHORS.items()]
        lines += [
            "",
            f"- test examples: {t['examples']} (gold intents unseen in training: {t['unseen_gold_intents']}, "
            f"gold tags unseen in training: {t['unseen_gold_tags']})",
            f"- kept: {result['selected']} (chosen on dev; {meta['train_config']['epochs']} epochs per member); "
            f"dev at the kept model: {dev_kept}",
            f"- training wall time: {train_wall / 60:.1f} min; peak memory: {train_peak:.0f} MiB "
            "(RSS summed over the training process and its workers, sampled every 0.5 s)"
            + (f"; {result['train_examples_per_s']:.0f} training examples/s (all members and epochs over the "
               "wall time)" if result["train_examples_per_s"] else ""),
            f"- batch-1 latency of `parse` (raw text in, typed result out), 1 thread, "
            f"{speed['inference_precision']} inference: p50 {speed['batch1_p50_ms']:.1f} ms, "
            f"p95 {speed['batch1_p95_ms']:.1f} ms ({speed['batch1_utterances']} test utterances)",
            f"- batched throughput (batch 64, {speed['batch64_threads']} threads): "
            f"{speed['batch64_utterances_per_s']:.0f} utterances/s",
            "",
        ]
        (RESULTS / f"{args.name}.md").write_text("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
