"""Task success on human-written conversations: the city guide and the MultiWOZ bot, scored by goal.

Run from the repository root::

    .venv/bin/python benchmarks/human_conversations.py [--data DIR] [--multiwoz-model DIR]
        [--multiwoz-synthesised] [--cache-dir DIR] [--out benchmarks/results]

The conversations are ``data/conversations/{cityguide,multiwoz}.txt``: user turns written by a person
who never read tod's templates, synthesiser or training data (``data/README.md``). Each is said to
the pipeline turn by turn and scored against its goal by :mod:`tod.evaluation.conversations`
(constraints held, the entity under discussion meets them in the database, requested facts told with
the database's values, the booking made with the goal's details).

- city guide: ``pipelines/cityguide.yaml`` as shipped (its NLU from the cache, trained when missing);
- MultiWOZ, with ``--multiwoz-model DIR``: ``pipelines/multiwoz.yaml`` with that act NLU (such as the
  one ``tod train nlu --corpus multiwoz --train-split val --dev-fraction 0.2 --split-seed 13
  --context-turns 2`` trains on 80% of val, as ``benchmarks/act_nlu.py`` does; ``python -m benchmarks``
  passes simulation's MultiWOZ NLU, which adds synthesised dialogues);
- MultiWOZ, with ``--multiwoz-synthesised``: its default NLU synthesised from the user templates
  (trained on first use: long).

Bars (issue 19): city guide >= 90%, MultiWOZ >= 80% of conversations succeed. Writes
``human_conversations.{json,md}`` to ``--out`` with every verdict and exchange.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from benchlib import machine

ROOT = Path(__file__).resolve().parent.parent
BARS = {"cityguide": 90.0, "multiwoz": 80.0}


def run(label: str, pipeline_name: str, conversations: Path, overrides: dict[str, str], data: str | None, cache: str | None) -> dict:
    from tod.data.conversations import check_against_domain, load_conversations
    from tod.evaluation.conversations import evaluate_conversations, render_report
    from tod.pipeline.config import load_pipeline_config, with_data_dir
    from tod.pipeline.pipeline import Pipeline

    config = with_data_dir(load_pipeline_config(pipeline_name, overrides), data)
    started = time.perf_counter()
    pipeline = Pipeline.from_config(config, cache_dir=cache, progress=True)
    build = time.perf_counter() - started
    items = load_conversations(conversations)
    problems = [p for c in items for p in check_against_domain(c, pipeline.context.domain, pipeline.context.database)]
    if problems:
        raise SystemExit(f"{conversations} does not fit {pipeline_name}: {problems[:3]}")
    report = evaluate_conversations(pipeline, items, progress=True, source=str(conversations.relative_to(ROOT)))
    print(f"\n## {label}\n\n" + render_report(report), flush=True)
    return {
        "label": label,
        "pipeline": pipeline_name,
        "overrides": overrides,
        "build_seconds": round(build, 1),
        "bar": BARS.get(pipeline_name),
        "report": report.to_dict(),
        "markdown": render_report(report),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), help="the corpora folder (../shared/data)")
    parser.add_argument("--multiwoz-model", metavar="DIR", help="a MultiWOZ act NLU (tod train nlu --corpus multiwoz)")
    parser.add_argument(
        "--multiwoz-synthesised", action="store_true", help="also run MultiWOZ with its default synthesised NLU (long)"
    )
    parser.add_argument("--skip-cityguide", action="store_true", help="leave the city guide out")
    parser.add_argument("--cache-dir", help="model cache (default: $TOD_CACHE or ~/.cache/tod)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"), help="where to write the results")
    args = parser.parse_args()

    conversations = ROOT / "data" / "conversations"
    mwz_data = str(Path(args.data) / "multiwoz")
    runs = []
    started = time.perf_counter()
    if not args.skip_cityguide:
        runs.append(run("city guide (pipelines/cityguide.yaml)", "cityguide", conversations / "cityguide.txt", {}, None, args.cache_dir))
    if args.multiwoz_model:
        model = str(Path(args.multiwoz_model).resolve())
        runs.append(
            run(f"MultiWOZ, act NLU {Path(model).name} (--multiwoz-model)", "multiwoz", conversations / "multiwoz.txt",
                {"nlu.model": model}, mwz_data, args.cache_dir)
        )
    if args.multiwoz_synthesised:
        runs.append(
            run("MultiWOZ, default NLU (synthesised)", "multiwoz", conversations / "multiwoz.txt", {}, mwz_data, args.cache_dir)
        )
    if not runs:
        parser.error("nothing to run: leave out --skip-cityguide or give --multiwoz-model / --multiwoz-synthesised")
    command = "python benchmarks/human_conversations.py" + "".join(
        f" {flag}" for flag, on in (
            ("--multiwoz-model DIR", args.multiwoz_model),
            ("--multiwoz-synthesised", args.multiwoz_synthesised),
            ("--skip-cityguide", args.skip_cityguide),
        ) if on
    )
    result = {
        "benchmark": "human_conversations",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": command,
        "wall_s": round(time.perf_counter() - started, 1),
        "runs": runs,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "human_conversations.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    m = result["machine"]
    lines = [
        "# human_conversations: task success on human-written conversations",
        "",
        f"- date: {result['date']}; machine: {m['cpu']}, {m['cores']} cores, GPU: {m['gpu'] or 'none'}",
        f"- command: `{command}`",
        "- conversations: data/conversations/ (user turns written blind to tod's templates, synthesiser and "
        "training data; data/README.md); scored by tod.evaluation.conversations",
        "",
        "| system | conversations | succeeded | success % | bar | constraints | entity | requested | booking | fallback turns |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        rep = r["report"]
        checks = rep["checks"]
        lines.append(
            f"| {r['label']} | {rep['conversations']} | {rep['succeeded']} | {rep['success_rate']:.1f} | "
            f">= {r['bar']:.0f} | " + " | ".join("-" if checks[k] is None else f"{checks[k]:.1f}" for k in
                                                ("constraints", "entity", "requested", "booking"))
            + f" | {rep['fallback_turns']}/{rep['user_turns']} |"
        )
    lines += ["", "Checks: % of sub-domain goals asking for the check that passed it.", ""]
    for r in runs:
        lines += [f"## {r['label']}", "", r["markdown"]]
    (out / "human_conversations.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:12 + len(runs)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
