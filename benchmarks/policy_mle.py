"""The supervised (MLE) policy on MultiWOZ and CrossWOZ: act F1, training time, predict latency.

For each corpus: the val split is cut by dialogue ID (80% train part, 20% dev part, seed 13: the split
``tod train policy`` / ``tod evaluate policy --part dev`` use), the policy is trained on the train part
(both architectures; the threshold is chosen on 10% of the train part) and scored on the dev part:
act precision / recall / F1 over (intent, domain, slot) triples, micro over system turns, and the
latency of ``predict`` per turn (p50/p95). For comparison on the same turns: the trivial baseline (always
the k most frequent training triples, k chosen on the train part) and the rule policy where it exists.
Runs in-process through the same functions the commands call; the equivalent commands are recorded.

    python benchmarks/policy_mle.py                 # both corpora, writes benchmarks/results/policy_mle.*
    python benchmarks/policy_mle.py --corpus multiwoz --no-record
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shlex
import sys
import time
from collections import Counter
from pathlib import Path

from benchlib import machine

from tod.acts import DialogueAct
from tod.data.corpus import load_corpus
from tod.data.split import train_dev_parts
from tod.domain.context import BuildContext
from tod.evaluation.policy import evaluate_policy
from tod.policy.features import ActSpace, triple
from tod.policy.mle import MLEPolicy
from tod.policy.mle_data import policy_examples
from tod.policy.mle_training import MLETrainConfig, train_mle

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DEV_FRACTION, SPLIT_SEED = 0.2, 13


class MostFrequent:
    """Always the same acts: the k most frequent triples of the training turns."""

    def __init__(self, triples) -> None:
        self.acts = [DialogueAct(i, d, s, "") for i, d, s in triples]

    def predict(self, state, db_results):
        return list(self.acts)


def _row(result, **extra) -> dict:
    s = result.to_dict()
    keep = ("act_precision", "act_recall", "act_f1", "turn_accuracy", "latency_p50_ms", "latency_p95_ms")
    return {**{k: s[k] for k in keep}, **extra}


def _shown(path: Path) -> str:
    """``path`` relative to the repository where it is beside it (``../shared/data/multiwoz``)."""
    try:
        return str(Path("..") / path.resolve().relative_to(ROOT.parent.resolve()))
    except ValueError:
        return str(path)


def run_corpus(name: str, data: Path) -> dict:
    corpus = load_corpus(name, data, splits=["val"])
    context = BuildContext.open(name, data_dir=data)
    space = ActSpace(context.domain)
    train, dev = train_dev_parts(corpus["val"], DEV_FRACTION, SPLIT_SEED)
    dev_examples = policy_examples(dev, space, context.database)
    train_examples = [e for e in policy_examples(train, space, context.database) if e.gold]
    rows: dict[str, dict] = {}
    for architecture in ("logreg", "mlp"):
        started = time.perf_counter()
        model = train_mle(train, context.domain, context.database, MLETrainConfig(architecture=architecture))
        seconds = time.perf_counter() - started
        result = evaluate_policy(MLEPolicy(model, context.domain, context.database), dev_examples)
        rows[f"mle-{architecture}"] = _row(result, train_seconds=round(seconds, 2), threshold=model.threshold)
        print(f"{name} mle-{architecture}: {rows[f'mle-{architecture}']}", file=sys.stderr)
    counts = Counter(triple(a) for e in train_examples for a in e.gold)
    k = max(range(1, 6), key=lambda n: evaluate_policy(
        MostFrequent([t for t, _ in counts.most_common(n)]), train_examples).scores.f1)
    baseline = MostFrequent([t for t, _ in counts.most_common(k)])
    rows["most-frequent"] = _row(evaluate_policy(baseline, dev_examples), k=k)
    try:
        from tod.registry import POLICY_REGISTRY

        rule = POLICY_REGISTRY.get("rule").from_config(context)
        rows["rule"] = _row(evaluate_policy(rule, dev_examples))
    except ImportError as exc:  # the rule policy is optional here
        print(f"rule policy skipped: {exc}", file=sys.stderr)
    scored = evaluate_policy(baseline, dev_examples)
    return {
        "corpus": name,
        "train_dialogues": len(train),
        "train_turns": len(train_examples),
        "dev_dialogues": len(dev),
        "dev_turns": scored.turns,
        "dev_unscored_turns": scored.unscored_turns,
        "dev_dropped_gold_acts": scored.dropped_gold_acts,
        "dev_gold_acts": sum(len(e.gold) for e in dev_examples),
        "commands": [
            f"tod train policy --corpus {name} --data {_shown(data)} --out models/policy-{name} --split val "
            f"--dev-fraction {DEV_FRACTION} --split-seed {SPLIT_SEED}",
            f"tod evaluate policy --model models/policy-{name} --data {_shown(data)} --part dev "
            f"--json policy-{name}.json",
        ],
        "results": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=("multiwoz", "crosswoz"), action="append", help="default: both")
    parser.add_argument("--data", help="folder holding the corpus folders (default: ../shared/data)")
    parser.add_argument("--no-record", action="store_true", help="print only; do not write benchmarks/results")
    args = parser.parse_args(argv)
    base = Path(args.data or ROOT.parent / "shared" / "data")
    started = time.perf_counter()
    corpora = [run_corpus(name, base / name) for name in args.corpus or ("multiwoz", "crosswoz")]
    result = {
        "benchmark": "policy_mle",
        "command": f"python benchmarks/policy_mle.py {shlex.join(sys.argv[1:] if argv is None else argv)}".strip(),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(with_torch=False),
        "protocol": f"val split by dialogue ID (seed {SPLIT_SEED}): trained on {1 - DEV_FRACTION:.0%}, scored on the "
        f"other {DEV_FRACTION:.0%} (dev part, never trained on); threshold chosen on 10% of the train part",
        "wall_s": round(time.perf_counter() - started, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "corpora": corpora,
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if not args.no_record:
        record(result)
    return 0


LABELS = {
    "mle-logreg": "MLE policy, logreg (default)",
    "mle-mlp": "MLE policy, mlp (256 hidden)",
    "most-frequent": "always the k most frequent triples",
    "rule": "rule policy (defaults)",
}


def record(result: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "policy_mle.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    m = result["machine"]
    lines = [
        "# policy_mle: the supervised (MLE) policy on MultiWOZ and CrossWOZ",
        "",
        f"- date: {result['date']}; machine: {m['cpu']}, {m['cores']} cores; wall time {result['wall_s']} s, "
        f"peak memory {result['peak_rss_mib']} MiB",
        f"- command: `{result['command']}`",
        f"- protocol: {result['protocol']}",
        "- metric: act precision / recall / F1 over (intent, domain, slot) triples per system turn, micro over turns "
        "(values dropped); gold acts mapped onto the system act inventory first (docs/policy-mle.md); turn acc = "
        "share of turns whose triples are exactly right; latency = one `predict` call",
        "",
    ]
    for c in result["corpora"]:
        lines += [
            f"## {c['corpus']}",
            "",
            f"- train part {c['train_dialogues']} dialogues ({c['train_turns']} system turns); dev part "
            f"{c['dev_dialogues']} dialogues, {c['dev_turns']} scored turns ({c['dev_unscored_turns']} without a gold "
            f"act in the inventory); {c['dev_dropped_gold_acts']} of {c['dev_gold_acts'] + c['dev_dropped_gold_acts']} "
            "gold acts outside the inventory",
            f"- the same with the commands: `{c['commands'][0]}`, then `{c['commands'][1]}`",
            "",
            "| policy | act P | act R | act F1 | turn acc | train s | predict p50 / p95 ms |",
            "|---|---|---|---|---|---|---|",
        ]
        for key, row in c["results"].items():
            label = LABELS.get(key, key) + (f" (k={row['k']})" if "k" in row else "")
            train_s = f"{row['train_seconds']:.1f}" if "train_seconds" in row else ""
            lines.append(
                f"| {label} | {100 * row['act_precision']:.2f} | {100 * row['act_recall']:.2f} | "
                f"{100 * row['act_f1']:.2f} | {100 * row['turn_accuracy']:.2f} | {train_s} | "
                f"{row['latency_p50_ms']:.3f} / {row['latency_p95_ms']:.3f} |"
            )
        lines.append("")
    lines += [
        "The rule policy is scored as it was in the repository on the date above; like any policy it is compared "
        "with what the corpus wizards did, which is one of several reasonable answers per turn (MultiWOZ wizards "
        "vary most), so these act F1s measure agreement with the corpus, not task success.",
        "",
    ]
    (RESULTS / "policy_mle.md").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
