"""How long a full load of each dialogue corpus takes, and whether its counts match the data README.

Each corpus is loaded ``--repeats`` times in a fresh process (so imports and caches are counted as
a user sees them the first time, and once more warm in the same process); the median wall time and
the counts go to ``benchmarks/results/corpus_load.{json,md}`` with the command, date and machine.

    python benchmarks/corpus_load.py                      # defaults: ../shared/data
    python benchmarks/corpus_load.py --data /path/to/data --repeats 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

from benchlib import machine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

# corpus name -> (path under the data directory, bar in seconds or None, expected counts per split
# from ../shared/data/README.md: dialogues, utterances, user turns, system turns; None: not stated)
CORPORA = {
    "multiwoz": ("multiwoz/val.json.zip", 10.0, {"val": (999, 14730, 7365, 7365)}),
    "crosswoz": ("crosswoz/val.json.zip", 10.0, {"val": (500, 8458, 4229, 4229)}),
    "camrest": (
        "camrest/data.zip",
        None,
        {"train": (406, 3342, None, None), "validation": (135, 1076, None, None), "test": (135, 1070, None, None)},
    ),
    "woz": (
        "woz/data.zip",
        None,
        {"train": (600, 4472, None, None), "validation": (200, 1460, None, None), "test": (400, 2892, None, None)},
    ),
    "multiwoz22-text": (
        "multiwoz/mwz22_text_vonCount",
        None,
        {"train": (8437, 113552, None, None), "dev": (1000, 14748, None, None)},
    ),
}

# Runs in a fresh interpreter: the first load is what `tod data stats` costs a user.
PROBE = """
import json, sys, time
t0 = time.perf_counter()
from tod.data.corpus import load_corpus
corpus = load_corpus(sys.argv[1], sys.argv[2])
first = time.perf_counter() - t0
t1 = time.perf_counter()
load_corpus(sys.argv[1], sys.argv[2])
warm = time.perf_counter() - t1
counts = {s: [len(d), sum(len(x.turns) for x in d), sum(len(x.user_turns) for x in d),
              sum(len(x.system_turns) for x in d)]
          for s, d in corpus.splits.items()}
print(json.dumps({"first": first, "warm": warm, "counts": counts}))
"""


def measure(name: str, path: Path, repeats: int) -> dict[str, object]:
    runs = []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, "-c", PROBE, name, str(path)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise SystemExit(f"loading {name} from {path} failed:\n{done.stderr}")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {
        "path": str(path),
        "first_load_s": round(statistics.median(r["first"] for r in runs), 3),
        "warm_load_s": round(statistics.median(r["warm"] for r in runs), 3),
        "counts": runs[0]["counts"],
    }


def check_counts(counts: dict[str, list[int]], expected: dict[str, tuple]) -> list[str]:
    problems = []
    for split, want in expected.items():
        got = counts.get(split)
        if got is None:
            problems.append(f"split {split} missing")
            continue
        for label, g, w in zip(("dialogues", "utterances", "user turns", "system turns"), got, want):
            if w is not None and g != w:
                problems.append(f"{split} {label}: {g} != {w}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), help="the data directory")
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per corpus (median reported)")
    parser.add_argument("--corpus", action="append", choices=list(CORPORA), help="only these corpora")
    parser.add_argument("--no-record", action="store_true", help="print only; do not write benchmarks/results")
    args = parser.parse_args(argv)

    data = Path(args.data)
    results: dict[str, object] = {}
    failed = False
    for name in args.corpus or CORPORA:
        relative, bar, expected = CORPORA[name]
        entry = measure(name, data / relative, args.repeats)
        entry["bar_s"] = bar
        entry["count_problems"] = check_counts(entry["counts"], expected)
        entry["meets_bar"] = (bar is None or entry["first_load_s"] <= bar) and not entry["count_problems"]
        failed |= not entry["meets_bar"]
        results[name] = entry
        bar_text = f"(bar <= {bar:.0f} s)" if bar else ""
        print(
            f"{name:16s} first load {entry['first_load_s']:6.2f} s, warm {entry['warm_load_s']:6.2f} s {bar_text} "
            f"counts {entry['counts']} {'OK' if not entry['count_problems'] else entry['count_problems']}"
        )

    command = "python benchmarks/corpus_load.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    record = {
        "benchmark": "corpus_load",
        "command": command.strip(),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(with_torch=False),
        "results": results,
    }
    if not args.no_record:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "corpus_load.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        lines = [
            "# Corpus load times",
            "",
            f"- command: `{record['command']}`",
            f"- date: {record['date']}",
            f"- machine: {record['machine']['cpu']}, {record['machine']['cores']} cores",
            "- first load: a fresh process (imports included), median of the repeats; warm: a second load",
            "",
            "| corpus | file | first load (s) | warm (s) | bar | dialogues per split | counts match README |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, r in results.items():
            dialogues = ", ".join(f"{s} {c[0]:,}" for s, c in r["counts"].items())
            bar = f"<= {r['bar_s']:.0f} s" if r["bar_s"] else "-"
            ok = "yes" if not r["count_problems"] else "; ".join(r["count_problems"])
            lines.append(
                f"| {name} | `{Path(r['path']).name}` | {r['first_load_s']:.2f} | {r['warm_load_s']:.2f} | {bar} "
                f"| {dialogues} | {ok} |"
            )
        (RESULTS / "corpus_load.md").write_text("\n".join(lines) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
