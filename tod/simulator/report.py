"""The report of a simulation run: ``simulation.json``, ``report.md`` and ``failed.jsonl``.

``simulation.json`` holds the aggregates of the headline metric mode (``metric_mode``: ``convlab``
for MultiWOZ, else ``tod``) at the top level (``success_rate``, ``complete_rate``, ``book_rate``,
``inform_precision``, ``inform_recall``, ``inform_f1``, ``avg_turns``, ...), every mode's under
``by_mode``, then the run's settings (the simulated user's among them); ``failed.jsonl`` holds every
dialogue that did not succeed in the headline mode (its turns, goal,
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

#: What each metric mode's numbers mean, written into every report.
DEFINITIONS = {
    "convlab": (
        "`convlab`: ConvLab-2's MultiWozEvaluator, dialogue by dialogue (`tod/simulator/convlab/`; it agrees "
        "with ConvLab-2's verdicts on the 3,000 dialogues of ../shared/data/convlab-eval). Informed values must "
        "pass ConvLab's format checks (11-digit phones except restaurants', postcodes, train IDs, ...); inform "
        "P/R/F1 over the goal's requested slots, averaged over dialogues that request something; book rate: "
        "the share of the booked entity's `info` constraints it meets (departure/destination left out), over "
        "dialogues that book; success = every goal domain passes the database check with its constraints and "
        "the values told, and book rate 1 with recall 1 (a goal that requests and books nothing never "
        "succeeds); complete = every request answered and every booking made (ConvLab's user simulator's)."
    ),
    "tod": (
        "`tod`: tod's stricter definitions (`tod/simulator/metrics.py`): any requestable slot told unasked is a "
        "false positive, no format checks, and success also needs the entity discussed last in each sub-goal "
        "to meet the final constraints; a goal that requests and books nothing succeeds when that holds."
    ),
}
#: Turns: both modes count user and system turns.
TURNS = "Turns count user and system turns (two per exchange)."


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
        "metric_mode": result.summary.get("metric_mode"),
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


def _booking(m: dict[str, Any]) -> str:
    return f"{_cell(m['book_rate'])} ({m['dialogues_with_booking']})"


def _inform(m: dict[str, Any]) -> str:
    p, r, f = (_cell(m[k]) for k in ("inform_precision", "inform_recall", "inform_f1"))
    return f"{p} / {r} / {f} ({m['dialogues_with_requests']})"


def _turns(m: dict[str, Any]) -> str:
    return f"{_cell(m['avg_turns'], False)} / {_cell(m['avg_turns_success'], False)}"


#: The rows of the per-mode table: label and how one mode's aggregates fill a cell.
_ROWS = (
    ("success rate", lambda m: _cell(m["success_rate"])),
    ("complete rate", lambda m: _cell(m["complete_rate"])),
    ("book rate (dialogues that book)", _booking),
    ("inform precision / recall / F1 (dialogues that request)", _inform),
    ("average turns (all / successful)", _turns),
)


def _mode_rows(modes: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["| metric | " + " | ".join(f"`{n}` mode" for n in modes) + " |", "|---|" + "---|" * len(modes)]
    for label, cell in _ROWS:
        lines.append(f"| {label} | " + " | ".join(cell(m) for m in modes.values()) + " |")
    return lines


def markdown(data: dict[str, Any]) -> str:
    s = data["settings"]
    mode = data.get("metric_mode") or "tod"
    modes = data.get("by_mode") or {mode: data}
    modes = {mode: modes[mode], **{k: v for k, v in modes.items() if k != mode}}  # the headline mode first
    lines = [
        f"# Simulation: {s['pipeline']}, {s['level']} level",
        "",
        f"- command: `{data['command']}`" if data.get("command") else "- command: (Python API)",
        f"- date: {data['date']}; machine: {data['machine']}",
        f"- {s['dialogues']} dialogues, seed {s['seed']}, {s['workers']} worker process(es), goals {s['goals']}",
        f"- simulated user: {user_line(s['user'])}",
        f"- headline metric mode: `{mode}`" + (f" (also reported: {', '.join(f'`{m}`' for m in modes if m != mode)})"
                                              if len(modes) > 1 else ""),
        "",
        *_mode_rows(modes),
        f"| dialogues per second | {_cell(data.get('dialogues_per_second'), False)} |" + " |" * (len(modes) - 1),
        f"| system turn p50 / p95 (ms) | {_cell(data['system_turn_ms_p50'], False)} / "
        f"{_cell(data['system_turn_ms_p95'], False)} |" + " |" * (len(modes) - 1),
        "",
    ]
    if data["quit_reasons"]:
        lines += [
            "Users who left before the end: " + ", ".join(f"{k} ({v})" for k, v in data["quit_reasons"].items()),
            "",
        ]
    lines += [DEFINITIONS[m] for m in modes if m in DEFINITIONS]
    lines += [TURNS, ""]
    return "\n".join(lines)


def user_line(user: dict[str, Any]) -> str:
    """The simulated user's settings in words (which closing, patience and turn limit a number used)."""
    style = user.get("style", "tod")
    closing = "bye alone, no patience limit (ConvLab-2's agenda user)" if style == "convlab" else (
        f"thanks and bye, patience {user['patience']}"
    )
    return (
        f"`{style}` style: {closing}, at most {user['max_turns']} user turns and {user['max_acts']} acts a turn"
        + (f", noise {user['noise']}" if user.get("noise") else "")
    )


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
