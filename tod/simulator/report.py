"""The report of a simulation run: ``simulation.json``, ``report.md`` and ``failed.jsonl``.

``simulation.json`` holds the aggregates at the top level (``success_rate``, ``complete_rate``,
``book_rate``, ``inform_precision``, ``inform_recall``, ``inform_f1``, ``avg_turns``, ...), then the
run's settings; ``failed.jsonl`` holds every dialogue that did not succeed (its turns, goal,
metrics and why the user stopped), one JSON object per line, for inspection. Files are written
to a temporary name and renamed, so an interrupted run leaves no half-written report.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from tod.files import write_atomically
from tod.simulator.runner import SimulationResult

#: ConvLab's metric definitions, written into every report.
DEFINITIONS = (
    "Definitions (ConvLab-2's, `tod/simulator/metrics.py`): turns count user and system turns; "
    "inform P/R/F1 over the slots the goal requests (a false positive is a requestable slot told that "
    "the goal neither requests nor constrains), averaged over dialogues that request something; book "
    "rate is the share of a booking sub-goal's constraints the booked entity meets (0 without a "
    "booking), averaged over dialogues that book; complete = every booking made and every request "
    "answered; success = book rate 1 and inform recall 1 and the entity discussed meets the final "
    "constraints."
)


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.system()}"


def result_json(result: SimulationResult, command: Sequence[str] = ()) -> dict[str, Any]:
    spec = result.spec
    settings = {
        "pipeline": spec.pipeline,
        "overrides": dict(spec.overrides),
        "level": spec.level,
        "dialogues": spec.dialogues,
        "seed": spec.seed,
        "workers": result.workers,
        "goals": "file" if spec.goals else ("generated with corpus statistics" if spec.stats else "generated"),
        "user": asdict(spec.user),
        "goal_options": asdict(spec.goal_options),
    }
    return {
        **result.summary,
        "settings": settings,
        "command": " ".join(command),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
    }


def _cell(value: Any, percent: bool = True) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value * 100:.2f}" if percent else f"{value:.2f}"
    return str(value)


def markdown(data: dict[str, Any]) -> str:
    s = data["settings"]
    lines = [
        f"# Simulation: {s['pipeline']}, {s['level']} level",
        "",
        f"- command: `{data['command']}`" if data.get("command") else "- command: (Python API)",
        f"- date: {data['date']}; machine: {data['machine']}",
        f"- {s['dialogues']} dialogues, seed {s['seed']}, {s['workers']} worker process(es), goals {s['goals']}",
        "",
        "| metric | value |",
        "|---|---|",
        f"| success rate | {_cell(data['success_rate'])} |",
        f"| complete rate | {_cell(data['complete_rate'])} |",
        f"| book rate | {_cell(data['book_rate'])} ({data['dialogues_with_booking']} dialogues book) |",
        f"| inform precision / recall / F1 | {_cell(data['inform_precision'])} / {_cell(data['inform_recall'])} / "
        f"{_cell(data['inform_f1'])} ({data['dialogues_with_requests']} dialogues request) |",
        f"| average turns (all / successful) | {_cell(data['avg_turns'], False)} / {_cell(data['avg_turns_success'], False)} |",
        f"| dialogues per second | {_cell(data.get('dialogues_per_second'), False)} |",
        f"| system turn p50 / p95 (ms) | {_cell(data['system_turn_ms_p50'], False)} / {_cell(data['system_turn_ms_p95'], False)} |",
        "",
    ]
    if data["quit_reasons"]:
        lines += [
            "Users who left before the end: " + ", ".join(f"{k} ({v})" for k, v in data["quit_reasons"].items()),
            "",
        ]
    lines += [DEFINITIONS, ""]
    return "\n".join(lines)


def write_report(result: SimulationResult, out: str | os.PathLike[str], command: Sequence[str] = ()) -> dict[str, Path]:
    """Write the JSON, Markdown and failed dialogues of ``result`` into ``out`` (created if missing)."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    data = result_json(result, command)
    paths = {"json": folder / "simulation.json", "markdown": folder / "report.md", "failed": folder / "failed.jsonl"}
    write_atomically(paths["json"], json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    write_atomically(paths["markdown"], markdown(data))
    failed = "".join(json.dumps(d.to_dict(), ensure_ascii=False) + "\n" for d in result.failed)
    write_atomically(paths["failed"], failed)
    return paths
