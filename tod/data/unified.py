"""Loader for corpora in ConvLab-3's unified format (CamRest676 and WOZ 2.0 are registered).

A unified dataset is a ``data.zip`` holding ``data/dialogues.json`` (a list of dialogues, each with
``dialogue_id``, ``data_split`` and ``turns``) and ``data/ontology.json`` (``intents`` and
``domains`` -> ``slots``). What the loader makes of it:

* splits: each dialogue's ``data_split`` (``train``, ``validation``, ``test``; names kept);
* acts: ``categorical``, ``non-categorical`` and ``binary`` acts become DialogueActs (a request's
  value is ``"?"``; a binary act without a value has ``""``); intent, domain and slot are checked
  against the ontology; a ``non-categorical`` act with ``start``/``end`` becomes an ActSpan over
  characters of ``utterance``;
* state: user turns carry ``state`` (domain -> slot -> value): ``""`` means unset, ``"dontcare"``
  (or ``"do n't care"``) becomes :data:`~tod.belief.DONTCARE`; ``requested`` are the slots of the
  turn's request acts. The following system turn carries the same state;
* goal (CamRest676): ``inform`` -> constraints and ``request`` -> requests, per domain; the
  ``description`` is the goal's description.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

from tod.acts import REQUESTED, DialogueAct
from tod.belief import DONTCARE, BeliefState, DomainBelief
from tod.data.corpus import Corpus, SkipLog, register_corpus
from tod.dialogue import SPEAKERS, SYSTEM, USER, ActSpan, Dialogue, Goal, SubGoal, Turn
from tod.errors import CorpusError, SchemaError
from tod.files import read_json

ACT_KINDS = ("categorical", "non-categorical", "binary")
DONTCARE_VALUES = frozenset({"dontcare", "do n't care", "don't care"})
REQUEST_INTENT = "request"
INFO_KEYS = ("original_id", "finished")  # descriptive fields kept in Dialogue.info


class Ontology:
    """The intents, and per domain the slots, that acts may name (from ``data/ontology.json``)."""

    def __init__(self, data: Any, where: str) -> None:
        if not (
            isinstance(data, dict) and isinstance(data.get("intents"), dict) and isinstance(data.get("domains"), dict)
        ):
            raise CorpusError("expected an ontology object with 'intents' and 'domains' objects", where)
        self.intents = frozenset(data["intents"])
        self.slots: dict[str, frozenset[str]] = {}
        for domain, spec in data["domains"].items():
            slots = spec.get("slots") if isinstance(spec, dict) else None
            if not (spec is None or isinstance(spec, dict)) or not (
                slots is None or isinstance(slots, dict) or _strings(slots)
            ):
                raise CorpusError(
                    f"domains[{domain!r}]: expected an object whose 'slots' is an object of slot names, "
                    f"found {spec!r:.60}",
                    where,
                )
            self.slots[domain] = frozenset(slots or ())

    def act(self, raw: Any, kind: str) -> DialogueAct:
        """One act object as a DialogueAct; SchemaError if it has the wrong shape or unknown names."""
        if not isinstance(raw, dict):
            raise SchemaError(f"{kind} act: expected an object, found {raw!r:.60}")
        fields = {k: raw.get(k, "") for k in ("intent", "domain", "slot", "value")}
        if not all(isinstance(v, str) for v in fields.values()):
            raise SchemaError(f"{kind} act: expected string intent/domain/slot/value, found {raw!r:.80}")
        if fields["intent"] not in self.intents:
            raise SchemaError(
                f"unknown intent {fields['intent']!r} in {raw!r:.80}; expected one of {sorted(self.intents)}"
            )
        if fields["domain"] not in self.slots:
            raise SchemaError(
                f"unknown domain {fields['domain']!r} in {raw!r:.80}; expected one of {sorted(self.slots)}"
            )
        if fields["slot"] and fields["slot"] not in self.slots[fields["domain"]]:
            known = sorted(self.slots[fields["domain"]])
            raise SchemaError(f"unknown slot {fields['slot']!r} in {raw!r:.80}; expected one of {known}")
        if fields["intent"] == REQUEST_INTENT and not fields["value"]:
            fields["value"] = REQUESTED
        return DialogueAct(**fields)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _acts(raw: Any, text: str, ontology: Ontology) -> tuple[list[DialogueAct], list[ActSpan]]:
    if raw is None:
        return [], []
    if not isinstance(raw, dict):
        raise SchemaError(f"dialogue_acts: expected an object of {list(ACT_KINDS)}, found {raw!r:.60}")
    acts: list[DialogueAct] = []
    spans: list[ActSpan] = []
    for kind in ACT_KINDS:
        entries = raw.get(kind) or []
        if not isinstance(entries, list):
            raise SchemaError(f"dialogue_acts.{kind}: expected a list, found {type(entries).__name__}")
        for entry in entries:
            act = ontology.act(entry, kind)
            acts.append(act)
            if kind == "non-categorical" and ("start" in entry or "end" in entry):
                start, end = entry.get("start"), entry.get("end")
                if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
                    raise SchemaError(
                        f"span of {act}: expected 0 <= start < end <= {len(text)} (the utterance length), "
                        f"found start={start!r}, end={end!r}"
                    )
                spans.append(ActSpan(act, start, end))
    return acts, spans


def _state(raw: Any, acts: Iterable[DialogueAct]) -> BeliefState:
    if not isinstance(raw, dict):
        raise SchemaError(f"state: expected an object of domains, found {raw!r:.60}")
    requested: dict[str, list[str]] = {}
    for act in acts:
        if act.intent == REQUEST_INTENT and act.slot:
            requested.setdefault(act.domain, []).append(act.slot)
    beliefs = {}
    for domain in dict.fromkeys([*raw, *requested]):
        slots = raw.get(domain, {})
        if not isinstance(slots, dict) or not all(isinstance(v, str) for v in slots.values()):
            raise SchemaError(f"state[{domain!r}]: expected an object of string values, found {slots!r:.80}")
        constraints = {s: DONTCARE if v in DONTCARE_VALUES else v for s, v in slots.items() if v}
        beliefs[domain] = DomainBelief(constraints, requested.get(domain, ()))
    return BeliefState(beliefs)


def _goal(raw: Any) -> Goal:
    """A unified-format goal ``{description, inform: {domain: {slot: value}}, request: {domain: {slot: ""}}}``."""
    if not isinstance(raw, dict):
        raise SchemaError(f"goal: expected an object, found {type(raw).__name__}")
    description = raw.get("description", "")
    inform, request = raw.get("inform") or {}, raw.get("request") or {}
    if not (isinstance(description, str) and isinstance(inform, dict) and isinstance(request, dict)):
        raise SchemaError("goal: expected a string 'description' and objects 'inform' and 'request'")
    subgoals = []
    for domain in dict.fromkeys([*inform, *request]):
        constraints, requests = inform.get(domain, {}), request.get(domain, {})
        if not (isinstance(constraints, dict) and isinstance(requests, dict)) or not all(
            isinstance(v, str) for v in constraints.values()
        ):
            raise SchemaError(
                f"goal[{domain!r}]: expected objects of slots (inform: slot -> string value), "
                f"found {constraints!r:.40} / {requests!r:.40}"
            )
        subgoals.append(
            SubGoal(domain, constraints={s: v for s, v in constraints.items() if v}, requests=list(requests))
        )
    return Goal(tuple(subgoals), (description,) if description else ())


def parse_dialogue(raw: Any, index: int, corpus: str, ontology: Ontology, where: str) -> Dialogue:
    """One dialogue object (the ``index``-th of the file); CorpusError naming file, dialogue and turn."""
    did = raw.get("dialogue_id") if isinstance(raw, dict) else None
    did = did if isinstance(did, str) and did else f"#{index}"
    turn_index: int | None = None
    try:
        if not isinstance(raw, dict):
            raise SchemaError(f"expected a dialogue object, found {type(raw).__name__}")
        missing = [k for k in ("dialogue_id", "data_split", "turns") if k not in raw]
        if missing or not isinstance(raw["turns"], list) or not isinstance(raw["data_split"], str):
            raise SchemaError(f"expected keys dialogue_id, data_split (string), turns (list); missing {missing}")
        turns: list[Turn] = []
        state: BeliefState | None = None
        for turn_index, entry in enumerate(raw["turns"]):
            if not isinstance(entry, dict) or entry.get("speaker") not in SPEAKERS:
                raise SchemaError(f"expected a turn with speaker in {SPEAKERS}, found {entry!r:.80}")
            text = entry.get("utterance")
            if not isinstance(text, str):
                raise SchemaError(f"expected a string utterance, found {type(text).__name__}")
            acts, spans = _acts(entry.get("dialogue_acts"), text, ontology)
            if entry["speaker"] == USER:
                state = _state(entry["state"], acts) if "state" in entry else None
            turns.append(Turn(entry["speaker"], text, acts, spans, state))
            if entry["speaker"] == SYSTEM:
                state = None  # a later system turn without a user turn before it has no state
        turn_index = None
        goal = _goal(raw["goal"]) if raw.get("goal") is not None else None
        info = {k: str(raw[k]).lower() if isinstance(raw[k], bool) else str(raw[k]) for k in INFO_KEYS if k in raw}
        return Dialogue(did, turns, goal, corpus, raw["data_split"], info)
    except SchemaError as exc:
        raise CorpusError(str(exc), where, dialogue=did, turn=turn_index) from exc


def _archive(path: Path) -> Path:
    if path.is_dir():
        path = path / "data.zip"
    if not path.is_file():
        raise CorpusError("expected a unified-format data.zip (or the directory holding it); not found", str(path))
    return path


def load_unified(
    path: str | os.PathLike[str], name: str, *, splits: Iterable[str] | None = None, lenient: bool = False
) -> Corpus:
    """Load the unified-format corpus ``name`` from its ``data.zip`` (or the directory holding it)."""
    archive = _archive(Path(path))
    ontology = Ontology(
        read_json(archive, error=CorpusError, what="the corpus ontology", member="data/ontology.json"),
        f"{archive}!data/ontology.json",
    )
    data = read_json(archive, error=CorpusError, what="the corpus dialogues", member="data/dialogues.json")
    where = f"{archive}!data/dialogues.json"
    if not isinstance(data, list):
        raise CorpusError(f"expected a JSON list of dialogues, found {type(data).__name__}", where)
    wanted = None if splits is None else list(splits)
    log = SkipLog(lenient)
    loaded: dict[str, list[Dialogue]] = {s: [] for s in wanted or ()}
    for index, raw in enumerate(data):
        try:
            dialogue = parse_dialogue(raw, index, name, ontology, where)
        except CorpusError as exc:
            log.guard(exc, exc.dialogue or f"#{index}")
            continue
        if wanted is None or dialogue.split in wanted:
            loaded.setdefault(dialogue.split, []).append(dialogue)
    empty = [s for s, ds in loaded.items() if not ds]
    if empty:
        found = sorted({str(d.get("data_split")) for d in data if isinstance(d, dict)})
        raise CorpusError(f"no dialogues of split(s) {empty}; splits in the file: {found}", where)
    return Corpus(name, {s: tuple(ds) for s, ds in loaded.items()}, tuple(log.skipped))


@register_corpus("camrest")
def load_camrest(path: str | os.PathLike[str], *, splits: Iterable[str] | None = None, lenient: bool = False) -> Corpus:
    """CamRest676 in ConvLab-3's unified format (``data/unified_datasets/camrest/data.zip``)."""
    return load_unified(path, "camrest", splits=splits, lenient=lenient)


@register_corpus("woz")
def load_woz(path: str | os.PathLike[str], *, splits: Iterable[str] | None = None, lenient: bool = False) -> Corpus:
    """WOZ 2.0 in ConvLab-3's unified format (``data/unified_datasets/woz/data.zip``)."""
    return load_unified(path, "woz", splits=splits, lenient=lenient)
