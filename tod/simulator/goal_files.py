"""Goal files: replay the same goals against tod and other systems.

A goal file is JSON lines (``.jsonl``) or one JSON list (``.json``); each goal is either

- ConvLab's format, ``{"restaurant": {"info": {...}, "reqt": [...] or {...}, "book": {...},
  "fail_info": {...}, "fail_book": {...}}, ...}`` (domain order is sub-goal order), or
- tod's own :class:`~tod.dialogue.Goal` (``{"subgoals": [...]}``, as ``Goal.to_dict`` writes it), or
- a dialogue record with its goal under ``"goal"`` (the lines of ``../shared/data/convlab-eval``, or
  of ``tod evaluate dialogues``), so that ConvLab's 1,000 goals replay straight from that file.

ConvLab goals are read against a domain: sub-domains and slots the domain does not have are left
out and counted (MultiWOZ's ``car type`` has no slot in tod's MultiWOZ ontology, for example);
booking bookkeeping keys (``invalid``, ``pre_invoke``, ``booked``) are ignored. Anything else
malformed is a :class:`~tod.errors.SimulationError` naming the file and line.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from tod._schema import FrozenMap
from tod.dialogue import Goal, SubGoal
from tod.domain.ontology import Domain, Schema
from tod.errors import SchemaError, SimulationError
from tod.files import parse_json, read_text, write_atomically

#: Keys of a ConvLab booking that are bookkeeping, not booking details.
BOOKKEEPING = frozenset({"invalid", "pre_invoke", "booked"})
#: The most goals a file may hold (a guard against a wrong file, not a real limit).
MAX_GOALS = 1_000_000


@dataclass
class GoalFile:
    """Goals read from a file, with what was left out of them."""

    goals: list[Goal]
    skipped: Counter[str] = field(default_factory=Counter)


def read_goals(path: str | os.PathLike[str], domain: Domain) -> GoalFile:
    """Every goal in ``path`` (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise SimulationError(f"goal file {path} does not exist (expected .jsonl or .json goals)")
    what = "a goal file"
    text = read_text(path, error=SimulationError, what=what)
    entries: list[tuple[int, Any]] = []
    stripped = text.lstrip()
    if stripped.startswith("["):
        data = parse_json(text, error=SimulationError, what=what, where=str(path))
        entries = [(0, item) for item in data]
    else:
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            entries.append((number, parse_json(line, error=SimulationError, what=what, where=str(path), line=number)))
            if len(entries) > MAX_GOALS:
                raise SimulationError(f"{path}: more than {MAX_GOALS} goals")
    out = GoalFile([])
    for number, item in entries:
        where = f"{path}:{number}" if number else f"{path} (goal {len(out.goals) + 1})"
        if isinstance(item, Mapping) and "goal" in item and "turns" in item:
            item = item["goal"]  # a dialogue record: its goal
        out.goals.append(parse_goal(item, domain, where, out.skipped))
    if not out.goals:
        raise SimulationError(f"{path}: no goals")
    return out


def parse_goal(data: Any, domain: Domain, where: str = "goal", skipped: Counter[str] | None = None) -> Goal:
    """One goal in tod's or ConvLab's format."""
    skipped = skipped if skipped is not None else Counter()
    if not isinstance(data, Mapping):
        raise SimulationError(f"{where}: a goal must be a JSON object, found {type(data).__name__}")
    if "subgoals" in data:
        try:
            goal = Goal.from_dict(data)
        except SchemaError as error:
            raise SimulationError(f"{where}: {error}") from None
        unknown = [s.domain for s in goal.subgoals if s.domain not in domain.schemas]
        if unknown:
            raise SimulationError(f"{where}: sub-domains {unknown} are not in {domain.name} ({list(domain.schemas)})")
        if not goal.subgoals:
            raise SimulationError(f"{where}: the goal has no sub-goals")
        return replace(goal, subgoals=tuple(_known_slots(s, domain, skipped) for s in goal.subgoals))
    subgoals = []
    for name, part in data.items():
        if name not in domain.schemas:
            skipped[f"sub-domain {name}"] += 1
            continue
        if not isinstance(part, Mapping):
            raise SimulationError(
                f"{where}: {name!r} must map to an object with info/reqt/book, found {type(part).__name__}"
            )
        subgoals.append(_convlab_subgoal(name, part, domain, len(subgoals) + 1, where, skipped))
    subgoals = [s for s in subgoals if s.constraints or s.requests or s.booking]
    if not subgoals:
        raise SimulationError(f"{where}: no sub-goal of domain {domain.name} (expected some of {list(domain.schemas)})")
    return Goal(tuple(subgoals))


def _is_slot(schema: Schema, slot: str) -> bool:
    return schema.resolve(slot) is not None


def _kept(values: Mapping[str, str], schema: Schema, what: str, skipped: Counter[str]) -> dict[str, str]:
    """``values`` without the slots ``schema`` does not have (counted in ``skipped``)."""
    kept = {}
    for slot, value in values.items():
        if _is_slot(schema, slot):
            kept[slot] = value
        else:
            skipped[f"{schema.name}.{what}.{slot}"] += 1
    return kept


def _known_requests(requests: Sequence[str], schema: Schema, skipped: Counter[str]) -> tuple[str, ...]:
    kept = []
    for slot in requests:
        if slot in schema.slots and schema.slots[slot].requestable:
            kept.append(slot)
        else:
            skipped[f"{schema.name}.reqt.{slot}"] += 1
    return tuple(dict.fromkeys(kept))


def _known_slots(sub: SubGoal, domain: Domain, skipped: Counter[str]) -> SubGoal:
    """``sub`` without the slots its sub-domain does not have (MultiWOZ's ``car type`` elsewhere)."""
    schema = domain.schema(sub.domain)
    return replace(
        sub,
        constraints=FrozenMap(_kept(sub.constraints, schema, "info", skipped)),
        requests=_known_requests(sub.requests, schema, skipped),
        booking=FrozenMap(_kept(sub.booking, schema, "book", skipped)),
        fail_constraints=FrozenMap(_kept(sub.fail_constraints, schema, "fail_info", skipped)),
        fail_booking=FrozenMap(_kept(sub.fail_booking, schema, "fail_book", skipped)),
    )


def _strings(value: Any, what: str, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SimulationError(f"{where}: {what} must be an object of slot -> value, found {type(value).__name__}")
    out = {}
    for slot, item in value.items():
        if slot in BOOKKEEPING:
            continue
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise SimulationError(f"{where}: {what}.{slot} must be a string or number, found {item!r:.40}")
        out[str(slot)] = str(item)
    return out


def _convlab_subgoal(
    name: str, part: Mapping[str, Any], domain: Domain, ident: int, where: str, skipped: Counter[str]
) -> SubGoal:
    here = f"{where}: {name}"
    reqt = part.get("reqt", [])
    if isinstance(reqt, Mapping):
        requests = list(reqt)
    elif isinstance(reqt, list) and all(isinstance(r, str) for r in reqt):
        requests = list(reqt)
    else:
        raise SimulationError(f"{here}: reqt must be a list of slots or an object of slot -> '?', found {reqt!r:.60}")
    sub = SubGoal(
        name,
        ident,
        constraints=_strings(part.get("info"), "info", here),
        requests=tuple(requests),
        booking=_strings(part.get("book"), "book", here),
        fail_constraints=_strings(part.get("fail_info"), "fail_info", here),
        fail_booking=_strings(part.get("fail_book"), "fail_book", here),
    )
    return _known_slots(sub, domain, skipped)


def write_goals(goals: list[Goal], path: str | os.PathLike[str]) -> None:
    """Write ``goals`` as tod goal JSON lines (atomically: a temporary file renamed into place)."""
    write_atomically(path, "".join(json.dumps(g.to_dict(), ensure_ascii=False) + "\n" for g in goals))


def to_convlab(goal: Goal) -> dict[str, Any]:
    """``goal`` in ConvLab's format (one entry per sub-domain: a second sub-goal of a sub-domain is merged)."""
    out: dict[str, Any] = {}
    for sub in goal.subgoals:
        part = out.setdefault(sub.domain, {"info": {}, "reqt": {}, "book": {}})
        part["info"].update(sub.constraints)
        part["reqt"].update({r: "?" for r in sub.requests})
        part["book"].update(sub.booking)
        if sub.fail_constraints:
            part["fail_info"] = dict(sub.fail_constraints)
        if sub.fail_booking:
            part["fail_book"] = dict(sub.fail_booking)
    return out
