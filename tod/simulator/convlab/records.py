"""A dialogue as ConvLab-2's evaluator receives it, and JSON-lines files of them.

One record per line, in the format of ``../shared/data/convlab-eval`` (see its README):

- ``goal``: ConvLab's goal, ``{domain: {"info": {slot: value}, "reqt": {slot: "?"} or [slot],
  "book": {...}, ...}}`` with ConvLab's long slot names;
- ``turns``: ``[{"speaker": "system" | "user", "acts": [[intent, domain, slot, value], ...]}, ...]``
  in the order the evaluator received them (act slots are the corpus's abbreviations);
- ``goal_at_scoring`` (optional): the goal when it was scored, its ``reqt`` values filled with what
  the user was told (ConvLab's user simulator fills them during the dialogue). Without it the
  requested values are filled from the system's acts (:func:`~tod.simulator.convlab.evaluator.filled_goal`);
- ``id`` (optional) and anything else (kept, never read).

Anything malformed is an :class:`~tod.errors.EvaluationError` naming the file, line and key.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from tod.errors import EvaluationError
from tod.files import parse_json

SPEAKERS = ("system", "user")
#: The most records a file may hold (a guard against a wrong file, not a real limit).
MAX_RECORDS = 1_000_000

Act = tuple[str, str, str, str]


@dataclass(frozen=True)
class ConvLabTurn:
    speaker: str
    acts: tuple[Act, ...]


@dataclass(frozen=True)
class ConvLabRecord:
    """One dialogue for ConvLab's evaluator (see the module docstring)."""

    id: str
    goal: Mapping[str, Any]
    turns: tuple[ConvLabTurn, ...]
    goal_at_scoring: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {**self.extra, "id": self.id, "goal": self.goal}
        out["turns"] = [{"speaker": t.speaker, "acts": [list(a) for a in t.acts]} for t in self.turns]
        if self.goal_at_scoring is not None:
            out["goal_at_scoring"] = self.goal_at_scoring
        return out


def _goal(data: Any, where: str, key: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise EvaluationError(
            f"{where}: {key!r} must be an object of domain -> {{info, reqt, book}}, found {data!r:.60}"
        )
    for domain, part in data.items():
        if not isinstance(part, Mapping):
            raise EvaluationError(f"{where}: {key}.{domain} must be an object with info/reqt/book, found {part!r:.60}")
        for name in ("info", "book"):
            value = part.get(name, {})
            if not isinstance(value, Mapping) or not all(isinstance(v, (str, int, float)) for v in value.values()):
                raise EvaluationError(f"{where}: {key}.{domain}.{name} must map slots to strings, found {value!r:.60}")
        reqt = part.get("reqt", {})
        if isinstance(reqt, list):
            if not all(isinstance(r, str) for r in reqt):
                raise EvaluationError(f"{where}: {key}.{domain}.reqt must list slot names, found {reqt!r:.60}")
        elif not isinstance(reqt, Mapping) or not all(isinstance(v, str) for v in reqt.values()):
            raise EvaluationError(
                f"{where}: {key}.{domain}.reqt must be a list of slots or an object of slot -> value, "
                f"found {reqt!r:.60}"
            )
    return data


def parse_record(data: Any, where: str = "record") -> ConvLabRecord:
    """One record from its JSON value; EvaluationError naming ``where`` and the key otherwise."""
    if not isinstance(data, Mapping):
        raise EvaluationError(f"{where}: a dialogue must be a JSON object, found {type(data).__name__}")
    for key in ("goal", "turns"):
        if key not in data:
            raise EvaluationError(f"{where}: missing {key!r} (expected goal, turns and optionally goal_at_scoring)")
    ident = data.get("id", where)
    if not isinstance(ident, (str, int)) or isinstance(ident, bool):
        raise EvaluationError(f"{where}: 'id' must be a string, found {ident!r:.40}")
    goal = _goal(data["goal"], where, "goal")
    scoring = data.get("goal_at_scoring")
    if scoring is not None:
        scoring = _goal(scoring, where, "goal_at_scoring")
    raw_turns = data["turns"]
    if not isinstance(raw_turns, list):
        raise EvaluationError(f"{where}: 'turns' must be a list of {{speaker, acts}}, found {raw_turns!r:.60}")
    turns = []
    for number, turn in enumerate(raw_turns):
        here = f"{where}: turns[{number}]"
        if (
            not isinstance(turn, Mapping)
            or turn.get("speaker") not in SPEAKERS
            or not isinstance(turn.get("acts"), list)
        ):
            raise EvaluationError(
                f"{here}: expected {{'speaker': 'system' or 'user', 'acts': [...]}}, found {turn!r:.80}"
            )
        acts = []
        for act in turn["acts"]:
            if (
                not isinstance(act, list)
                or len(act) != 4
                or not all(isinstance(a, str) for a in act[:3])
                or isinstance(act[3], (list, dict))
            ):
                raise EvaluationError(
                    f"{here}: an act must be [intent, domain, slot, value] strings, found {act!r:.80}"
                )
            acts.append((act[0], act[1], act[2], str(act[3])))
        turns.append(ConvLabTurn(turn["speaker"], tuple(acts)))
    extra = {k: v for k, v in data.items() if k not in ("id", "goal", "turns", "goal_at_scoring")}
    return ConvLabRecord(str(ident), goal, tuple(turns), scoring, extra)


def read_records(path: str | os.PathLike[str]) -> Iterator[ConvLabRecord]:
    """Every record of the JSON-lines file ``path``, one at a time (blank lines are skipped)."""
    path = Path(path)
    if not path.is_file():
        raise EvaluationError(f"dialogue file {path} does not exist (expected JSON lines of act-level dialogues)")
    count = 0
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise EvaluationError.at(
                    f"expected UTF-8 text, found byte {raw[exc.start]:#04x}", str(path), number
                ) from None
            if not line.strip():
                continue
            count += 1
            if count > MAX_RECORDS:
                raise EvaluationError(f"{path}: more than {MAX_RECORDS} dialogues")
            data = parse_json(line, error=EvaluationError, what="a dialogue file", where=str(path), line=number)
            yield parse_record(data, f"{path}:{number}")
    if count == 0:
        raise EvaluationError(f"{path}: no dialogues (expected one JSON object per line)")


def dumps(record: ConvLabRecord) -> str:
    return json.dumps(record.to_dict(), ensure_ascii=False)
