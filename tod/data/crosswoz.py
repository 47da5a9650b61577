"""The CrossWOZ loader (ConvLab format, Chinese): dialogues with acts, states, selected entities and goals.

A split file (``val.json.zip`` or ``val.json``) is a JSON object keyed by dialogue ID. Messages: ``usr``
-> user turn, ``sys`` -> system turn. Acts ``[intent, domain, slot, value]`` become DialogueActs with the
intent lower-cased; ``General`` acts become ``DialogueAct(<greet|thank|...>, "general")``; ``"none"``
slots/values become ``""``; request values ``"?"``; every act is checked against the inventory in
``domains/crosswoz/corpus.yaml``. A system turn's state is its ``sys_state_init`` (the system's reading
of the user's constraints before its database query) plus ``requested`` = the slots of the preceding
user turn's Request acts; that user turn carries the same state. List values are joined with the
inventory's ``list_separator``. A system turn's entities are its ``sys_state`` ``selectedResults``.
Spans are derived (:func:`derive_spans`). The goal is the initial ``goal`` (:func:`parse_goal`), what
the user starts with; ``final_goal`` has the values the system supplied filled in: an outcome, not a task.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from tod.acts import REQUESTED, DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.data.corpus import Corpus, SkipLog, find_split_files, register_corpus
from tod.dialogue import SYSTEM, USER, ActSpan, Dialogue, Goal, GoalReference, SubGoal, Turn
from tod.domain.paths import domain_dir
from tod.errors import CorpusError, DomainError, SchemaError
from tod.files import read_json, read_yaml

SPLITS = ("train", "val", "test")
ROLES = {"usr": USER, "sys": SYSTEM}


@dataclass(frozen=True)
class CrossWOZInventory:
    """What ``domains/crosswoz/corpus.yaml`` says: the act inventory and how values are read."""

    intents: Mapping[str, str]
    general_intent: str
    general_domain: str
    general_acts: frozenset[str]
    none: str
    request_intents: frozenset[str]
    no_span_intents: frozenset[str]
    no_span_values: frozenset[str]
    list_separator: str
    selected_results_key: str
    goal_references: tuple[re.Pattern[str], ...]
    slots: Mapping[str, frozenset[str]]
    slot_prefixes: Mapping[str, tuple[str, ...]]

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> CrossWOZInventory:
        """Read the inventory from ``path`` (default: the shipped ``crosswoz`` domain's ``corpus.yaml``)."""
        file = Path(path) if path is not None else domain_dir("crosswoz") / "corpus.yaml"
        data = read_yaml(file, error=DomainError, what="the CrossWOZ inventory")
        try:
            domains = data["domains"]
            return cls(
                intents=dict(data["intents"]),
                general_intent=str(data["general_intent"]),
                general_domain=str(data["general_domain"]),
                general_acts=frozenset(data["general_acts"]),
                none=str(data["none"]),
                request_intents=frozenset(data["request_intents"]),
                no_span_intents=frozenset(data["no_span_intents"]),
                no_span_values=frozenset(data.get("no_span_values") or ()),
                list_separator=str(data["list_separator"]),
                selected_results_key=str(data["selected_results_key"]),
                goal_references=tuple(re.compile(p) for p in data["goal_references"]),
                slots={d: frozenset(spec["slots"]) for d, spec in domains.items()},
                slot_prefixes={d: tuple(spec.get("slot_prefixes") or ()) for d, spec in domains.items()},
            )
        except (KeyError, TypeError, AttributeError, re.error) as exc:
            raise DomainError(f"{file}: not a valid CrossWOZ inventory ({type(exc).__name__}: {exc})") from exc

    def check_slot(self, domain: str, slot: str) -> bool:
        """Whether ``slot`` is a known slot of ``domain`` (the placeholder ``none`` always is)."""
        if domain not in self.slots:
            return False
        return slot == self.none or slot in self.slots[domain] or slot.startswith(self.slot_prefixes[domain])

    def text(self, value: Any) -> str:
        """A corpus value as one string: lists joined with ``list_separator``, numbers written."""
        if isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            return self.list_separator.join(str(v) for v in value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise SchemaError(f"expected a string, number or list of them, found {type(value).__name__} {value!r:.60}")


def parse_act(raw: Any, inv: CrossWOZInventory) -> DialogueAct:
    """One ``[intent, domain, slot, value]`` list as a :class:`DialogueAct` (SchemaError if unknown)."""
    if not (isinstance(raw, list) and len(raw) == 4 and all(isinstance(x, str) for x in raw)):
        raise SchemaError(f"expected an act [intent, domain, slot, value] of 4 strings, found {raw!r:.80}")
    intent, domain, slot, value = raw
    if intent == inv.general_intent:
        if domain not in inv.general_acts:
            raise SchemaError(f"unknown general act {domain!r}; expected one of {sorted(inv.general_acts)}")
        return DialogueAct(domain, inv.general_domain)
    if intent not in inv.intents:
        raise SchemaError(f"unknown intent {intent!r}; expected one of {sorted([*inv.intents, inv.general_intent])}")
    if not inv.check_slot(domain, slot):
        known = sorted(inv.slots[domain]) if domain in inv.slots else sorted(inv.slots)
        raise SchemaError(f"unknown domain/slot {domain!r}/{slot!r} in {raw!r}; expected one of {known}")
    if intent in inv.request_intents:
        value = REQUESTED
    return DialogueAct(
        inv.intents[intent], domain, "" if slot == inv.none else slot, "" if value == inv.none else value
    )


def derive_spans(
    text: str, raws: list[list[str]], acts: Iterable[DialogueAct], inv: CrossWOZInventory
) -> list[ActSpan]:
    """Spans for the acts whose value is written verbatim in ``text``.

    Acts of ``no_span_intents``, with an empty value or a value in ``no_span_values`` get none.
    Each act takes the first occurrence of its value whose (start, end) no earlier act of the turn
    took; an act whose value is not in the text (normalised values such as ``4.5分以上``) gets none.
    """
    spans: list[ActSpan] = []
    taken: set[tuple[int, int]] = set()
    for raw, act in zip(raws, acts):
        if raw[0] in inv.no_span_intents or not act.value or act.value in inv.no_span_values:
            continue
        start = text.find(act.value)
        while start >= 0 and (start, start + len(act.value)) in taken:
            start = text.find(act.value, start + 1)
        if start >= 0:
            taken.add((start, start + len(act.value)))
            spans.append(ActSpan(act, start, start + len(act.value)))
    return spans


def parse_goal(rows: Any, description: Any, inv: CrossWOZInventory) -> Goal:
    """``goal`` rows ``[subgoal_id, domain, slot, value, mentioned]`` as a :class:`Goal`.

    Per sub-goal ID (in order of appearance): an empty value (``""`` or ``[]``) is a request; a value
    matching a ``goal_references`` pattern is a :class:`GoalReference`; any other is a constraint.
    """
    if not isinstance(rows, list):
        raise SchemaError(f"goal: expected a list of rows, found {type(rows).__name__}")
    if not (isinstance(description, list) and all(isinstance(s, str) for s in description)):
        raise SchemaError(f"task description: expected a list of strings, found {description!r:.60}")
    parts: dict[int, dict[str, Any]] = {}
    for row in rows:
        if not (isinstance(row, list) and len(row) == 5 and isinstance(row[0], int) and isinstance(row[1], str)):
            raise SchemaError(f"goal row: expected [subgoal_id, domain, slot, value, mentioned], found {row!r:.80}")
        subgoal_id, domain, slot, value = row[0], row[1], row[2], row[3]
        if not isinstance(slot, str) or not slot:
            raise SchemaError(f"goal row: expected a slot name, found {slot!r}")
        part = parts.setdefault(subgoal_id, {"domain": domain, "constraints": {}, "requests": [], "references": {}})
        if part["domain"] != domain:
            raise SchemaError(f"goal: sub-goal {subgoal_id} names two domains, {part['domain']!r} and {domain!r}")
        text = inv.text(value)
        match = next((m for p in inv.goal_references if (m := p.match(text))), None)
        if not text:
            part["requests"].append(slot)
        elif match is not None:
            via = match.groupdict().get("via") or ""
            try:
                subgoal = int(match.group("subgoal"))
            except ValueError:  # more than 4,300 digits
                raise SchemaError(f"goal row: expected a sub-goal number, found {text!r:.60}") from None
            part["references"][slot] = GoalReference(subgoal, via)
        else:
            part["constraints"][slot] = text
    subgoals = tuple(SubGoal(p.pop("domain"), id=i, **p) for i, p in parts.items())
    return Goal(subgoals, tuple(description))


def _state(
    raw: Any, requested: Mapping[str, list[str]], inv: CrossWOZInventory, key: str = "sys_state_init"
) -> BeliefState:
    if not isinstance(raw, dict):
        raise SchemaError(f"{key}: expected an object of domains, found {type(raw).__name__}")
    beliefs: dict[str, DomainBelief] = {}
    for domain in dict.fromkeys([*raw, *requested]):
        slots = raw.get(domain, {})
        if not isinstance(slots, dict):
            raise SchemaError(f"{key}[{domain!r}]: expected an object of slots, found {slots!r:.60}")
        constraints = {s: inv.text(v) for s, v in slots.items() if s != inv.selected_results_key}
        beliefs[domain] = DomainBelief({s: v for s, v in constraints.items() if v}, requested.get(domain, ()))
    return BeliefState(beliefs)


def _entities(raw: Any, inv: CrossWOZInventory) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict) or not all(isinstance(s, dict) for s in raw.values()):
        raise SchemaError(f"sys_state: expected an object of domains, found {raw!r:.60}")
    found = {d: s.get(inv.selected_results_key) or [] for d, s in raw.items()}
    if not all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in found.values()):
        raise SchemaError(f"sys_state: {inv.selected_results_key} must be lists of names, found {found!r:.80}")
    return {d: tuple(v) for d, v in found.items() if v}


def parse_dialogue(did: str, raw: Any, split: str, path: str, inv: CrossWOZInventory) -> Dialogue:
    """One dialogue of a split file; CorpusError (naming file, dialogue, turn) if it is malformed."""
    turn: int | None = None
    try:
        if not isinstance(raw, dict):
            raise SchemaError(f"expected a dialogue object, found {type(raw).__name__}")
        missing = [k for k in ("messages", "goal", "type", "task description") if k not in raw]
        if missing:
            raise SchemaError(f"missing keys {missing} (keys found: {sorted(raw)})")
        if not isinstance(raw["messages"], list) or not isinstance(raw["type"], str):
            raise SchemaError("expected 'messages' to be a list and 'type' a string")
        goal = parse_goal(raw["goal"], raw["task description"], inv)
        turns: list[Turn] = []
        pending: dict[str, list[str]] = {}  # requested slots of the latest user turn, per domain
        for index, message in enumerate(raw["messages"]):
            turn = index
            if not isinstance(message, dict) or not isinstance(message.get("content"), str):
                raise SchemaError(f"expected a message with a string 'content', found {message!r:.80}")
            role = message.get("role")
            if not isinstance(role, str) or role not in ROLES:
                raise SchemaError(f"unknown role {role!r}; expected one of {sorted(ROLES)}")
            raws = message.get("dialog_act")
            if not isinstance(raws, list):
                raise SchemaError(f"expected 'dialog_act' to be a list, found {type(raws).__name__}")
            acts = [parse_act(a, inv) for a in raws]
            spans = derive_spans(message["content"], raws, acts, inv)
            if ROLES[role] == USER:
                pending = {}
                for act, a in zip(acts, raws):
                    if a[0] in inv.request_intents:
                        pending.setdefault(act.domain, []).append(act.slot)
                turns.append(Turn(USER, message["content"], acts, spans))
                continue
            state = _state(message.get("sys_state_init"), pending, inv)
            entities = _entities(message.get("sys_state", {}), inv)
            query_state = _state(message["sys_state"], {}, inv, "sys_state") if "sys_state" in message else None
            if turns and turns[-1].speaker == USER:
                previous = turns[-1]
                turns[-1] = Turn(previous.speaker, previous.text, previous.acts, previous.spans, state)
            turns.append(Turn(SYSTEM, message["content"], acts, spans, state, entities, query_state))
            pending = {}
        turn = None
        return Dialogue(did, turns, goal, "crosswoz", split, {"type": raw["type"]})
    except SchemaError as exc:
        raise CorpusError(str(exc), path, dialogue=did, turn=turn) from exc


@register_corpus("crosswoz")
def load_crosswoz(
    path: str | os.PathLike[str],
    *,
    splits: Iterable[str] | None = None,
    lenient: bool = False,
    inventory: str | os.PathLike[str] | None = None,
) -> Corpus:
    """Load CrossWOZ from a directory of ``{train,val,test}.json[.zip]`` or from one such file.

    ``inventory`` is the ``corpus.yaml`` to check acts against (default: the shipped one).
    """
    inv = CrossWOZInventory.load(inventory)
    log = SkipLog(lenient)
    loaded: dict[str, tuple[Dialogue, ...]] = {}
    for split, file in find_split_files(path, splits, SPLITS, "CrossWOZ").items():
        data = read_json(file, error=CorpusError, what="a CrossWOZ split")
        if not isinstance(data, dict):
            raise CorpusError(f"expected a JSON object keyed by dialogue ID, found {type(data).__name__}", str(file))
        dialogues = []
        for did, raw in data.items():
            try:
                dialogues.append(parse_dialogue(did, raw, split, str(file), inv))
            except CorpusError as exc:
                log.guard(exc, did)
        loaded[split] = tuple(dialogues)
    return Corpus("crosswoz", loaded, tuple(log.skipped), language="zh")


def span_coverage(dialogues: Iterable[Dialogue]) -> tuple[int, int]:
    """``(acts with a real value (not "" or "?"), spans derived for them)``: their difference were not found."""
    with_value = found = 0
    for turn in (t for d in dialogues for t in d.turns):
        with_value += sum(1 for a in turn.acts if a.value not in ("", REQUESTED))
        found += len(turn.spans)
    return with_value, found
