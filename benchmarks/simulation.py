"""Task success against the simulated user: MultiWOZ, CrossWOZ and the city guide, act and text level.

Run from the repository root: ``.venv/bin/python benchmarks/simulation.py [--data ../shared/data]
[--dialogues 1000] [--mwz-nlu DIR] [--cw-nlu DIR] [--only NAME ...]``. Each run is one
``tod simulate`` command in a subprocess (printed and recorded, so every number can be reproduced
by hand), one process, seed 0, goals drawn with the corpus's goal statistics (val) where there is
a corpus. The text-level runs need the system's NLU: ``--mwz-nlu`` / ``--cw-nlu`` name act models
(the README says how they are trained); without ``--cw-nlu`` the CrossWOZ pipeline's own NLU
(synthesised from the domain) is used; without ``--mwz-nlu`` the MultiWOZ text run is skipped.
``cityguide-text-held-apart`` is the city guide's text run with ``--held-apart``: its user speaks
wording the NLU never trained on (the closed loop's number stands beside it). Writes
``benchmarks/results/simulation.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from benchlib import machine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

ANCHORS = {
    "multiwoz-act-val-goals": "the same anchor as multiwoz-act (ConvLab-2 draws its own goals)",
    "multiwoz-act": "ConvLab-2 RuleDST + RulePolicy vs its agenda user (this machine kind): complete 99.4, success 98.7, "
    "book 99.5, inform F1 91.5, 10.7 turns, 33-36 dialogues/s",
    "multiwoz-text": "ConvLab-2 BERTNLU + RuleDST + RulePolicy + TemplateNLG: complete 90.5, success 81.3, book 91.1, "
    "inform F1 83.5, 12.3 turns",
    "crosswoz-text": "CrossWOZ paper: task finish 23.6 at text level (34.6 at act level)",
}
BARS = {
    "multiwoz-act": {"success_rate": 0.99, "inform_f1": 0.95, "avg_turns": 10, "dialogues_per_second": 100},
    "multiwoz-text": {"success_rate": 0.90, "inform_f1": 0.90, "avg_turns": 11},
    "crosswoz-text": {"success_rate": 0.60},
}


def runs(args: argparse.Namespace) -> list[tuple[str, list[str]]]:
    data = Path(args.data)
    n = str(args.dialogues)
    common = ["--dialogues", n, "--seed", "0", "--no-progress"]
    mwz = ["--pipeline", "multiwoz", "--data", str(data / "multiwoz"), "--corpus", "multiwoz"]
    cw = ["--pipeline", "crosswoz", "--data", str(data / "crosswoz"), "--corpus", "crosswoz"]
    out: list[tuple[str, list[str]]] = [
        ("multiwoz-act", [*mwz, "--level", "act", *common]),
        ("multiwoz-act-val-goals", [*mwz[:4], "--goals", "{val_goals}", "--level", "act", "--dialogues", "999", "--no-progress"]),
        ("crosswoz-act", [*cw, "--level", "act", *common]),
        ("cityguide-act", ["--level", "act", *common]),
    ]
    # The corpus models' confidence says nothing about whether a parse is right (the recorded MultiWOZ
    # model: ROC AUC 0.48 on 1,530 simulated user turns of dev seed 100), so asking the user to confirm
    # cost turns and loops. Without confirmations the simulated dev seed 100 went from 91.00 to 95.33
    # success on MultiWOZ (300 dialogues) and from 15.50 to 55.00 on CrossWOZ (200 dialogues), same
    # models and code. Chosen on that seed, never on seed 0.
    no_confirm = ["--set", "policy.confirm_below=0"]
    if args.mwz_nlu:
        reading = ["--set", "nlu.read_turns=1"]  # its synthetic training dialogues carry only the system's turn
        model = ["--set", f"nlu.model={args.mwz_nlu}"]
        out.append(("multiwoz-text", [*mwz, *model, *reading, *no_confirm, "--level", "text", *common]))
    cw_nlu = ["--set", f"nlu.model={args.cw_nlu}", *no_confirm] if args.cw_nlu else []
    out.append(("crosswoz-text", [*cw, *cw_nlu, "--level", "text", *common]))
    out.append(("cityguide-text", ["--level", "text", *common]))
    # the same, with the simulated user speaking the half of the user templates that the system's NLU
    # (its own model, trained on the other half: nlu.held_apart) never trained on (tod.nlg.halves)
    out.append(("cityguide-text-held-apart", ["--level", "text", "--held-apart", *common]))
    if args.only:
        out = [r for r in out if r[0] in args.only]
    return out


def model_recipe(path: str | None) -> str:
    """How an NLU model directory was trained, from its meta.json (for the record)."""
    if not path:
        return ""
    try:
        meta = json.loads((Path(path) / "meta.json").read_text())
    except (OSError, ValueError):
        return f"{path} (no readable meta.json)"
    config = meta.get("train_config", {})
    model = config.get("model", {})
    return (
        f"{meta.get('corpus')} {meta.get('train_split')} ({meta.get('selection')}), encoder {config.get('encoder')}, "
        f"{config.get('epochs')} epochs, context {model.get('context_turns')} turns, "
        f"{meta.get('synthetic_dialogues', 0)} synthetic dialogues, dev act F1 "
        f"{100 * (meta.get('dev_metrics') or {}).get('act_f1', float('nan')):.2f}"
    )


def write_val_goals(data: Path, scratch: Path) -> Path:
    """MultiWOZ's val goals in ConvLab's format, the way goals are replayed against other systems."""
    from tod.data.corpus import load_corpus
    from tod.simulator.goal_files import to_convlab

    corpus = load_corpus("multiwoz", data / "multiwoz", splits=["val"])
    path = scratch / "multiwoz_val_goals.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for dialogue in corpus["val"]:
            if dialogue.goal is not None and dialogue.goal.subgoals:
                handle.write(json.dumps(to_convlab(dialogue.goal)) + "\n")
    return path


def check(name: str, summary: dict) -> dict[str, bool]:
    verdict = {}
    for key, bar in BARS.get(name, {}).items():
        value = summary.get(key)
        if value is None:
            verdict[key] = False
        elif key == "avg_turns":
            verdict[key] = value <= bar
        else:
            verdict[key] = value >= bar
    return verdict


def cell(value: object, percent: bool = True) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value * 100:.2f}" if percent else f"{value:.2f}"
    return str(value)


def markdown(record: dict) -> str:
    lines = [
        "# Simulation: task success against the agenda-based user",
        "",
        f"- date: {record['date']}; machine: {record['machine']['cpu']}, {record['machine']['cores']} cores, "
        f"GPU: {record['machine'].get('gpu') or 'none'}",
        f"- command: `{record['command']}`; every run below is one `tod simulate` command, one process, seed 0",
        "- goals: drawn from the domain's ontology and database, following the goal statistics of the corpus's val "
        "split (MultiWOZ, CrossWOZ); the city guide's without statistics",
        "",
        "| run | success | complete | book | inform P / R / F1 | turns (all / successful) | dialogues/s | system turn p50 / p95 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, run in record["runs"].items():
        s = run["summary"]
        lines.append(
            f"| {name} | {cell(s['success_rate'])} | {cell(s['complete_rate'])} | {cell(s['book_rate'])} | "
            f"{cell(s['inform_precision'])} / {cell(s['inform_recall'])} / {cell(s['inform_f1'])} | "
            f"{cell(s['avg_turns'], False)} / {cell(s['avg_turns_success'], False)} | "
            f"{cell(s.get('dialogues_per_second'), False)} | {cell(s['system_turn_ms_p50'], False)} / "
            f"{cell(s['system_turn_ms_p95'], False)} |"
        )
    lines += ["", "Commands and bars:", ""]
    for name, run in record["runs"].items():
        bars = run.get("bars") or {}
        verdict = ", ".join(f"{k} {'met' if ok else 'NOT met'}" for k, ok in bars.items()) or "no bar"
        lines.append(f"- **{name}** ({run['seconds']:.0f} s wall, models included): `{run['command']}` ({verdict})")
        if name in ANCHORS:
            lines.append(f"  - anchor: {ANCHORS[name]}")
    for corpus, recipe in record.get("models", {}).items():
        if recipe:
            lines.append(f"- the {corpus} text-level NLU: {recipe}")
    if any("val-goals" in n for n in record["runs"]):
        lines.append(
            "- multiwoz-act-val-goals: MultiWOZ's own 999 val goals written in ConvLab's goal format "
            "(SCRATCH/multiwoz_val_goals.jsonl, `tod.simulator.goal_files.to_convlab` of the corpus goals) and replayed"
        )
    if "cityguide-text-held-apart" in record["runs"]:
        lines.append(
            "- cityguide-text is a closed loop: the simulated user speaks the user templates the city guide's NLU was "
            "synthesised from. cityguide-text-held-apart splits every template pattern in two seeded halves "
            "(tod.nlg.halves): the NLU is trained on one (with the human turns, where the corpora are present), "
            "the user speaks the other"
        )
    lines += [
        "",
        "Metric definitions: ConvLab-2's (docs/simulation.md). Turns count user and system turns. Dialogues/s is "
        "simulation time only (building the pipeline and training the user-side NLU are not in it).",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), help="the corpora folder")
    parser.add_argument("--dialogues", type=int, default=1000)
    parser.add_argument("--mwz-nlu", metavar="DIR", help="the MultiWOZ act NLU for the text-level run")
    parser.add_argument("--cw-nlu", metavar="DIR", help="the CrossWOZ act NLU for the text-level run")
    parser.add_argument(
        "--only", nargs="*", help="run only these (e.g. multiwoz-act cityguide-text); the other recorded runs are kept"
    )
    parser.add_argument("--no-record", action="store_true", help="print, do not write benchmarks/results")
    args = parser.parse_args()
    tod = str(Path(sys.executable).with_name("tod"))
    record = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": "python benchmarks/simulation.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        "runs": {},
    }
    record["models"] = {"multiwoz": model_recipe(args.mwz_nlu), "crosswoz": model_recipe(args.cw_nlu)}
    with tempfile.TemporaryDirectory(prefix="tod-sim-bench-") as scratch:
        planned = runs(args)
        if any("{val_goals}" in options for _, options in planned):
            goals = str(write_val_goals(Path(args.data), Path(scratch)))
            planned = [(n, [goals if o == "{val_goals}" else o for o in opts]) for n, opts in planned]
        for name, options in planned:
            out = Path(scratch) / name
            command = ["tod", "simulate", *options, "--out", str(out)]
            print(f"== {name}: {shlex.join(command)}", flush=True)
            started = time.perf_counter()
            done = subprocess.run([tod, *command[1:]], cwd=ROOT, stdout=subprocess.DEVNULL)
            seconds = time.perf_counter() - started
            if done.returncode != 0:
                print(f"   failed with exit status {done.returncode}", file=sys.stderr)
                return 1
            summary = json.loads((out / "simulation.json").read_text())
            shown = shlex.join([*command[:-1], f"runs/{name}"]).replace(scratch, "SCRATCH")
            record["runs"][name] = {
                "command": shown,
                "seconds": seconds,
                "summary": summary,
                "bars": check(name, summary),
            }
            s = summary
            print(
                f"   success {cell(s['success_rate'])}  complete {cell(s['complete_rate'])}  book {cell(s['book_rate'])}  "
                f"inform F1 {cell(s['inform_f1'])}  turns {cell(s['avg_turns'], False)}  "
                f"{cell(s.get('dialogues_per_second'), False)} dialogues/s  ({seconds:.0f} s)",
                flush=True,
            )
    if args.only and not args.no_record and (RESULTS / "simulation.json").exists():
        # re-measuring some runs: the others keep their recorded numbers (each run carries its own command)
        earlier = json.loads((RESULTS / "simulation.json").read_text())
        runs_now = record["runs"]
        record["runs"] = {**earlier.get("runs", {}), **runs_now}
        record["models"] = {k: v or earlier.get("models", {}).get(k, "") for k, v in record["models"].items()}
        record["command"] = f"{earlier.get('command', '')}; then {record['command']} on {record['date']}"
    text = markdown(record)
    print(text)
    if not args.no_record:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "simulation.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        (RESULTS / "simulation.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
