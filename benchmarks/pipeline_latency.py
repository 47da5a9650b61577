"""Latency of one full pipeline turn on the built-in cityguide system, and its first-start cost.

Run from the repository root: ``.venv/bin/python benchmarks/pipeline_latency.py [--cache-dir DIR]
[--repeat N]``. Builds ``pipelines/cityguide.yaml`` (joint BERT act NLU + rule tracker + rule policy
+ template NLG + retrieval fallback). With an empty cache directory (the default: a fresh temporary
one) the NLU is trained first on synthesised dialogues, and that time is recorded as the first
start; then a second build from the filled cache is timed (a later start). Scripted conversations
are replayed ``--repeat`` times; every ``Pipeline.respond`` call is timed (task turns and fallback
turns reported apart) after 20 warm-up turns. Finally 1,000 hostile inputs are sent (the same
generator as the tests, :func:`tod.testing.hostile.hostile_inputs`), counting crashes and fallback turns that changed
the task state. Writes ``benchmarks/results/pipeline_latency.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from benchlib import machine

SCRIPTS = [
    [
        "hello",
        "i need a cheap restaurant in the centre",
        "italian food please",
        "what is the phone number?",
        "book a table for 2 people on friday at 7pm",
        "thank you, goodbye",
    ],
    [
        "i am looking for a hotel in the north",
        "a guesthouse with free parking",
        "what's the address?",
        "book it for 3 people for 2 nights from saturday",
        "thanks that's all",
    ],
    ["any museums in the west?", "what are the opening hours?", "and the postcode?", "tell me a joke", "bye"],
    [
        "i want an expensive thai restaurant",
        "anywhere is fine",
        "can you give me the address and postcode",
        "i also need a cheap hotel",
        "in the east please",
        "what's the weather like tomorrow?",
        "thanks, bye",
    ],
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def build(cache_dir: str):
    from tod.pipeline.config import load_pipeline_config
    from tod.pipeline.pipeline import Pipeline

    started = time.perf_counter()
    pipeline = Pipeline.from_config(load_pipeline_config("cityguide"), cache_dir=cache_dir, progress=False)
    return pipeline, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache-dir", help="model cache (default: a new temporary directory: the NLU is trained)")
    parser.add_argument("--repeat", type=int, default=25, help="replays of the scripted conversations (default 25)")
    parser.add_argument("--out", default="benchmarks/results", help="where to write pipeline_latency.{json,md}")
    args = parser.parse_args()

    import torch

    from tod.state import ROUTE_FALLBACK
    from tod.testing.hostile import hostile_inputs

    scratch = tempfile.TemporaryDirectory(prefix="tod-bench-")
    cache = args.cache_dir or scratch.name
    before = set(Path(cache).glob("nlu/cityguide-*"))
    _, first = build(cache)
    # a model directory appeared: this start trained the NLU (other city guide models in the cache,
    # of other recipes or versions, say nothing about this one)
    trained = bool(set(Path(cache).glob("nlu/cityguide-*")) - before)
    pipeline, later = build(cache)
    task, fallback, stages = [], [], {"nlu": [], "dst": [], "policy": [], "nlg": [], "fallback": []}
    turns = 0
    for _ in range(args.repeat):
        for script in SCRIPTS:
            pipeline.reset()
            for line in script:
                started = time.perf_counter()
                pipeline.respond(line)
                elapsed = (time.perf_counter() - started) * 1000
                turns += 1
                if turns <= 20:
                    continue
                (fallback if pipeline.state.route == ROUTE_FALLBACK else task).append(elapsed)
                for name in stages:
                    stages[name].append(getattr(pipeline.last.timings, name) * 1000)
    crashes, leaks, routed = 0, 0, 0
    pipeline.reset()
    for index, text in enumerate(hostile_inputs(1000, seed=7)):
        if index % 50 == 0:
            pipeline.reset()
            pipeline.respond("a cheap italian restaurant in the north please")
        before = pipeline.state
        try:
            pipeline.respond(text)
        except Exception as error:  # counted, reported
            crashes += 1
            print(f"crash on input {index}: {type(error).__name__}: {error}", file=sys.stderr)
            continue
        if pipeline.state.route == ROUTE_FALLBACK:
            routed += 1
            after = pipeline.state
            leaks += (after.belief, after.db, after.system_acts) != (before.belief, before.db, before.system_acts)
    every = task + fallback
    result = {
        "benchmark": "pipeline_latency",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "torch_threads": torch.get_num_threads(),
        "command": "python benchmarks/pipeline_latency.py" + (" --cache-dir DIR" if args.cache_dir else ""),
        "pipeline": "pipelines/cityguide.yaml",
        "first_start_seconds": round(first, 1),
        "first_start_trained_nlu": trained,
        "later_start_seconds": round(later, 2),
        "timed_turns": len(every),
        "turn_ms": {
            "p50": round(percentile(every, 0.5), 2),
            "p95": round(percentile(every, 0.95), 2),
            "mean": round(statistics.fmean(every), 2),
        },
        "task_turn_ms": {
            "p50": round(percentile(task, 0.5), 2),
            "p95": round(percentile(task, 0.95), 2),
            "turns": len(task),
        },
        "fallback_turn_ms": {
            "p50": round(percentile(fallback, 0.5), 2) if fallback else None,
            "p95": round(percentile(fallback, 0.95), 2) if fallback else None,
            "turns": len(fallback),
        },
        "stage_ms_p50": {k: round(percentile(v, 0.5), 3) for k, v in stages.items()},
        "hostile": {"inputs": 1000, "crashes": crashes, "fallback_turns": routed, "fallback_state_changes": leaks},
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "pipeline_latency.json").write_text(json.dumps(result, indent=2) + "\n")
    m = result["machine"]
    lines = [
        "# pipeline_latency: one full turn of the cityguide pipeline",
        "",
        f"- date: {result['date']}",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, GPU: {m['gpu'] or 'none'}; "
        f"torch threads {result['torch_threads']}",
        f"- command: `{result['command']}`",
        f"- first start: {result['first_start_seconds']} s"
        + (" (NLU trained on synthesised dialogues)" if trained else " (NLU loaded from the cache)")
        + f"; later start: {result['later_start_seconds']} s",
        "",
        "| turns | count | p50 ms | p95 ms |",
        "|---|---|---|---|",
        f"| all | {len(every)} | {result['turn_ms']['p50']} | {result['turn_ms']['p95']} |",
        f"| task (NLU + DST + policy + NLG) | {len(task)} | {result['task_turn_ms']['p50']} | "
        f"{result['task_turn_ms']['p95']} |",
        f"| fallback (NLU + retrieval) | {len(fallback)} | {result['fallback_turn_ms']['p50']} | "
        f"{result['fallback_turn_ms']['p95']} |",
        "",
        "Median per stage (ms): " + ", ".join(f"{k} {v}" for k, v in result["stage_ms_p50"].items()),
        "",
        f"Hostile inputs: 1,000 sent, {crashes} crashes, {routed} routed to the fallback, "
        f"{leaks} fallback turns changed the task state.",
    ]
    (out / "pipeline_latency.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 1 if crashes or leaks else 0


if __name__ == "__main__":
    sys.exit(main())
