"""PARADISE on the USS ratings: cross-validated satisfaction prediction, transfer, corpus κ.

Run from the repository root: ``.venv/bin/python benchmarks/paradise_uss.py [--data ../shared/data]``.
Runs ``tod evaluate paradise`` twice (fit on USS MultiWOZ with transfer from USS SGD and the
predicted performance of MultiWOZ val; then the other way round), and computes PARADISE κ from the
goals of MultiWOZ val and CrossWOZ val. Writes ``benchmarks/results/paradise_uss.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from benchlib import machine, run

SEED = 13


def study(data: Path, ratings: str, other: str, scratch: Path) -> dict[str, object]:
    out = scratch / ratings
    cmd = [
        str(Path(sys.executable).parent / "tod"), "evaluate", "paradise",
        "--ratings", str(data / "uss" / f"{ratings}.txt"),
        "--transfer-from", str(data / "uss" / f"{other}.txt"),
        "--seed", str(SEED),
        "--out", str(out),
    ]  # fmt: skip
    if ratings == "MWOZ":
        cmd += ["--data", str(data / "multiwoz"), "--corpus", "multiwoz", "--split", "val"]
    wall, peak = run(cmd)
    result = json.loads((out / "paradise.json").read_text(encoding="utf-8"))
    command = " ".join(["tod", *cmd[1:]]).replace(str(scratch), "OUT")
    return {"command": command, "wall_s": round(wall, 1), "peak_mib": round(peak), "result": result}


def goal_kappas(data: Path) -> dict[str, object]:
    from tod.data.corpus import load_corpus
    from tod.evaluation.paradise.features import dialogue_features

    out: dict[str, object] = {}
    for name in ("multiwoz", "crosswoz"):
        dialogues = load_corpus(name, data / name / "val.json.zip", splits=["val"])["val"]
        started = time.perf_counter()
        table = dialogue_features(dialogues, kappa_source="goal")
        out[name] = {
            "dialogues": len(dialogues),
            "kappa_set": round(table.matrix.kappa, 4),
            "p_agreement": round(table.matrix.agreement, 4),
            "p_expected": round(table.matrix.expected, 4),
            "mean_dialogue_kappa": round(float(table.column("kappa").mean()), 4),
            "attribute_values": table.matrix.total,
            "seconds": round(time.perf_counter() - started, 2),
        }
    return out


def _iv(entry: dict[str, float]) -> str:
    return f"{entry['value']:.3f} [{entry['low']:.3f}, {entry['high']:.3f}]"


def markdown(result: dict[str, object]) -> str:
    lines = [
        "# PARADISE on the USS satisfaction ratings",
        "",
        f"Date: {result['date']}  ",
        f"Machine: {result['machine']}  ",
        f"Command: `{result['command']}`",
        "",
        "Dialogue-level satisfaction = mean of the raters' OVERALL ratings. κ from the `acts` attribute-value "
        "matrix (a success proxy from the annotated act labels: the rating files have no goals; docs/paradise.md). "
        "10-fold cross-validation, seed 13; 95% percentile bootstrap intervals over dialogues, 1000 resamples.",
        "",
        "| ratings | dialogues | CV Spearman PARADISE | CV Spearman turns only | gain (paired) | R² (fit) | "
        "transfer from | transfer Spearman (N over target) | turns only, transferred |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in result["studies"].items():
        r = entry["result"]
        cv = r["cross_validation"]
        t = r["transfer"]
        lines.append(
            f"| {name} | {r['dialogues']} | {_iv(cv['paradise']['spearman'])} | {_iv(cv['turns_only']['spearman'])} | "
            f"{_iv(cv['spearman_gain_over_turns_only'])} | {r['r2']:.3f} | {t['source']} | "
            f"{_iv(t['spearman_own_statistics'])} | {_iv(t['turns_only_spearman_own_statistics'])} |"
        )
    lines += ["", "Weights (coefficients on Z-scored features, 95% OLS intervals):", ""]
    for name, entry in result["studies"].items():
        r = entry["result"]
        parts = [
            f"{f} {w:+.3f} [{r['weight_intervals'][f]['low']:+.3f}, {r['weight_intervals'][f]['high']:+.3f}]"
            for f, w in r["weights"].items()
        ]
        dropped = f"; constant, left out: {', '.join(r['dropped_features'])}" if r["dropped_features"] else ""
        lines.append(f"- {name}: " + "; ".join(parts) + dropped)
    lines += ["", "Commands (OUT is a scratch directory) and cost on this machine:", ""]
    for name, entry in result["studies"].items():
        lines.append(f"- {name}: `{entry['command']}` ({entry['wall_s']} s, peak {entry['peak_mib']} MiB)")
    applied = result["studies"]["MWOZ"]["result"]["applied"]
    if applied:
        a = applied[0]
        lines += [
            "",
            f"Predicted satisfaction of {a['name']} with the USS MultiWOZ model: "
            f"{_iv(a['predicted_performance'])} over {a['dialogues']} dialogues.",
        ]
    lines += [
        "",
        "## κ from goals (PARADISE's attribute-value matrix: goal against final belief state)",
        "",
        "| corpus | dialogues | attribute values | P(A) | P(E) | κ of the set | mean κ per dialogue |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, k in result["goal_kappa"].items():
        lines.append(
            f"| {name} val | {k['dialogues']} | {k['attribute_values']} | {k['p_agreement']:.4f} | "
            f"{k['p_expected']:.4f} | {k['kappa_set']:.4f} | {k['mean_dialogue_kappa']:.4f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path("../shared/data"), help="folder holding uss/, multiwoz/, crosswoz/"
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"), help="where paradise_uss.{json,md} go")
    args = parser.parse_args()
    result: dict[str, object] = {
        "command": "python " + " ".join(sys.argv),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(with_torch=False),
    }
    with tempfile.TemporaryDirectory(prefix="tod-paradise-") as scratch:
        result["studies"] = {
            "MWOZ": study(args.data, "MWOZ", "SGD", Path(scratch)),
            "SGD": study(args.data, "SGD", "MWOZ", Path(scratch)),
        }
    result["goal_kappa"] = goal_kappas(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "paradise_uss.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (args.out / "paradise_uss.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
