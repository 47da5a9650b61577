"""The MultiWOZ 2.1 loader (ConvLab format): dialogues with acts, spans, belief states and goals.

A split file (``val.json.zip`` or ``val.json``) maps dialogue IDs to ``{"goal", "log"}``; turns
alternate, even index = user. Names are checked and mapped by ``domains/multiwoz/corpus.yaml``:

* acts: ``{"Hotel-Inform": [["Area", "east"]]}`` -> ``DialogueAct("inform", "hotel", "area", "east")``;
  intent and domain lower-cased, the abbreviated slot mapped to its canonical name, the ``none``
  slot/value read as ``""`` (``general-bye`` -> ``DialogueAct("bye", "general")``), request values
  ``"?"``. An intent, domain or slot outside the inventory is an "unknown act" error.
* spans: ``[Domain-Intent, slot, value, first, last]`` (inclusive indices of whitespace-separated
  words) -> :class:`ActSpan` over those words' characters. An entry with ``last == first - 1``
  covers no word (2 in the official val file): it is left out and recorded in
  ``Corpus.warnings``. Any other index outside the text, or inverted, is an error.
* state: system turn *i*'s ``metadata`` (the belief after user turn *i-1*) goes on both turns:
  ``semi`` -> constraints, ``book`` -> booking, ``booked`` -> booked entities; empty values
  dropped, ``dontcare`` spellings unified. ``requested`` (not in the corpus) = the slots of user
  turn *i-1*'s Request acts. Empty ``metadata`` gives ``state=None`` on both turns.
* goal: a :class:`SubGoal` per non-empty goal domain, ordered by the first turn whose acts name
  the domain (ties and unnamed domains in ``goal_domains`` order), ``id`` = position. The
  ``message`` sentences without HTML tags are the description; the domains flagged in ``topic``
  go to ``info["topic"]`` (comma-separated, possibly empty).
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from tod.acts import REQUESTED, DialogueAct
from tod.belief import DONTCARE, BeliefState, DomainBelief
from tod.data.corpus import Corpus, SkipLog, find_split_files, register_corpus
from tod.dialogue import SYSTEM, USER, ActSpan, Dialogue, Goal, SubGoal, Turn
from tod.domain.paths import domain_dir
from tod.errors import CorpusError, SchemaError
from tod.files import read_json, read_yaml

_WORDS = re.compile(r"\S+")
_TAG = re.compile(r"<[^>]*>")
_SET_FIELDS = ("intents", "domains", "request_intents", "empty_values", "dontcare_values", "booking_flags")
# SubGoal field -> key of a goal domain's entry (the ConvLab format's own keys).
_GOAL_PARTS = {"constraints": "info", "booking": "book", "fail_constraints": "fail_info", "fail_booking": "fail_book"}


@dataclass(frozen=True)
class MultiWOZInventory:
    """The act inventory and naming conventions read from ``corpus.yaml`` (see that file)."""

    splits: tuple[str, ...]
    intents: frozenset[str]
    domains: frozenset[str]
    request_intents: frozenset[str]
    none: str
    slots: Mapping[str, Mapping[str, str]]  # lower-cased domain or "default" -> abbreviation -> canonical
    empty_values: frozenset[str]
    dontcare_values: frozenset[str]
    booked_key: str
    goal_domains: tuple[str, ...]
    booking_flags: frozenset[str]

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> MultiWOZInventory:
        """The inventory in ``path`` (default: the shipped ``domains/multiwoz/corpus.yaml``)."""
        file = Path(path) if path is not None else domain_dir("multiwoz") / "corpus.yaml"
        data = read_yaml(file, error=CorpusError, what="the MultiWOZ inventory")
        try:
            sets = {name: frozenset(data[name]) for name in _SET_FIELDS}
            slots = {domain: dict(table) for domain, table in data["slots"].items()}
            return cls(
                **sets,
                splits=tuple(data["splits"]),
                goal_domains=tuple(data["goal_domains"]),
                slots=slots,
                none=str(data["none"]),
                booked_key=str(data["booked_key"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise CorpusError(f"cannot read the MultiWOZ inventory: {type(exc).__name__}: {exc}", str(file)) from exc

    def act(self, name: Any, slot: Any, value: Any) -> DialogueAct:
        """``("Hotel-Inform", "Area", "east")`` as a DialogueAct; a ValueError if not in the inventory."""
        if not isinstance(name, str) or not isinstance(slot, str) or not isinstance(value, str):
            raise ValueError(f"expected Domain-Intent, slot and value strings, found {[name, slot, value]!r:.80}")
        domain, _, intent = name.partition("-")
        if domain not in self.domains or intent not in self.intents:
            raise ValueError(f"unknown act {name!r}: expected Domain-Intent with a domain and intent of the inventory")
        canonical = ""
        if slot != self.none:
            table = self.slots.get(domain.lower(), {})
            canonical = table.get(slot) or self.slots["default"].get(slot, "")
            if not canonical:
                raise ValueError(f"unknown act slot {slot!r} in {name!r}: not in the inventory's slot table")
        if intent in self.request_intents:
            value = REQUESTED
        elif value == self.none and not canonical:
            value = ""
        return DialogueAct(intent.lower(), domain.lower(), canonical, value)

    def value(self, value: Any, what: str) -> str:
        """A belief value: ``""`` for the empty markers, :data:`DONTCARE` for its spellings."""
        if not isinstance(value, str):
            raise ValueError(f"{what}: expected a string value, found {type(value).__name__} {value!r:.60}")
        if value in self.empty_values:
            return ""
        return DONTCARE if value in self.dontcare_values else value


@dataclass
class _Turns:
    """Where parsing is (file, dialogue, turn), to name it in errors."""

    path: str
    dialogue: str
    turn: int | None = None

    def error(self, message: str) -> CorpusError:
        return CorpusError(message, self.path, dialogue=self.dialogue, turn=self.turn)


def _acts(raw: Any, inv: MultiWOZInventory, ctx: _Turns) -> list[DialogueAct]:
    if not isinstance(raw, dict):
        raise ctx.error(f"'dialog_act' must be an object of Domain-Intent -> [[slot, value], ...], found {raw!r:.60}")
    acts = []
    for name, pairs in raw.items():
        if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
            raise ctx.error(f"'dialog_act' {name!r}: expected a list of [slot, value] pairs, found {pairs!r:.60}")
        try:
            acts.extend(inv.act(name, slot, value) for slot, value in pairs)
        except ValueError as exc:
            raise ctx.error(str(exc)) from exc
    return acts


def _spans(raw: Any, text: str, inv: MultiWOZInventory, ctx: _Turns, empty: list[str]) -> list[ActSpan]:
    if not isinstance(raw, list):
        raise ctx.error(f"'span_info' must be a list, found {type(raw).__name__}")
    words = [m.span() for m in _WORDS.finditer(text)] if raw else []
    spans = []
    for entry in raw:
        if not isinstance(entry, list) or len(entry) != 5:
            raise ctx.error(f"span_info entry: expected [Domain-Intent, slot, value, first, last], found {entry!r:.80}")
        name, slot, value, first, last = entry
        integers = type(first) is int and type(last) is int
        if integers and last == first - 1 and 0 <= first <= len(words):
            empty.append(f"{ctx.dialogue} turn {ctx.turn}")  # covers no word: nothing to locate
            continue
        if not integers or not 0 <= first <= last < len(words):
            raise ctx.error(
                f"span_info entry {entry!r:.80}: expected integer word indices first <= last within "
                f"0..{len(words) - 1} (inclusive), found {first!r}..{last!r}: out of range or inverted"
            )
        try:
            act = inv.act(name, slot, value)
        except ValueError as exc:
            raise ctx.error(f"span_info: {exc}") from exc
        spans.append(ActSpan(act, words[first][0], words[last][1]))
    return spans


def _belief(metadata: Any, requested: Mapping[str, list[str]], inv: MultiWOZInventory, ctx: _Turns) -> BeliefState:
    if not isinstance(metadata, dict):
        raise ctx.error(f"'metadata' must be an object of domain -> {{semi, book}}, found {metadata!r:.60}")
    beliefs: dict[str, DomainBelief] = {}
    try:
        for domain, parts in metadata.items():
            semi, book = parts.get("semi", {}), parts.get("book", {})
            if not isinstance(semi, dict) or not isinstance(book, dict):
                raise ValueError(f"metadata {domain!r}: 'semi' and 'book' must be objects")
            booking = {s: inv.value(v, f"{domain}.book.{s}") for s, v in book.items() if s != inv.booked_key}
            booked = book.get(inv.booked_key, [])
            if not isinstance(booked, list) or not all(isinstance(b, dict) for b in booked):
                raise ValueError(f"metadata {domain}.book.{inv.booked_key}: expected a list of objects")
            beliefs[domain] = DomainBelief(
                constraints={s: c for s, v in semi.items() if (c := inv.value(v, f"{domain}.semi.{s}"))},
                requested=requested.get(domain, ()),
                booking={s: v for s, v in booking.items() if v},
                booked=tuple({k: str(v) for k, v in b.items()} for b in booked),
            )
        for domain, slots in requested.items():
            beliefs.setdefault(domain, DomainBelief(requested=slots))
    except (ValueError, AttributeError) as exc:
        raise ctx.error(f"bad metadata: {exc}") from exc
    return BeliefState(beliefs)


def _strings(raw: Any, what: str, ctx: _Turns, drop: frozenset[str] = frozenset()) -> dict[str, str]:
    kept = {k: v for k, v in raw.items() if k not in drop} if isinstance(raw, dict) else raw
    if not isinstance(kept, dict) or not all(isinstance(v, str) for v in kept.values()):
        raise ctx.error(f"goal {what}: expected an object of strings, found {raw!r:.80}")
    return kept


def _goal(raw: Any, turns: list[Turn], inv: MultiWOZInventory, ctx: _Turns) -> tuple[Goal, dict[str, str]]:
    if not isinstance(raw, dict):
        raise ctx.error(f"'goal' must be an object, found {type(raw).__name__}")
    first_seen = {a.domain: i for i, t in reversed(list(enumerate(turns))) for a in t.acts}  # earliest wins
    wanted = [d for d in inv.goal_domains if raw.get(d)]
    wanted.sort(key=lambda d: first_seen.get(d, len(turns)))  # stable: ties keep goal_domains order
    subgoals = []
    for number, domain in enumerate(wanted):
        entry = raw[domain]
        if not isinstance(entry, dict):
            raise ctx.error(f"goal {domain!r}: expected an object, found {entry!r:.60}")
        requests = entry.get("reqt", [])
        if not isinstance(requests, list) or not all(isinstance(r, str) for r in requests):
            raise ctx.error(f"goal {domain}.reqt: expected a list of slot names, found {requests!r:.60}")
        parts = {
            name: _strings(
                entry.get(key, {}), f"{domain}.{key}", ctx, inv.booking_flags if "book" in key else frozenset()
            )
            for name, key in _GOAL_PARTS.items()
        }
        subgoals.append(SubGoal(domain, number, requests=tuple(requests), **parts))
    message = raw.get("message", [])
    message = [message] if isinstance(message, str) else message
    if not isinstance(message, list) or not all(isinstance(m, str) for m in message):
        raise ctx.error(f"goal message: expected a list of sentences, found {message!r:.60}")
    info = {}
    if isinstance(raw.get("topic"), dict):
        info["topic"] = ",".join(name for name, flagged in raw["topic"].items() if flagged is True)
    description = tuple(html.unescape(_TAG.sub("", m)).strip() for m in message)
    return Goal(tuple(subgoals), description), info


def parse_dialogue(did: str, raw: Any, split: str, path: str, inv: MultiWOZInventory, empty: list[str]) -> Dialogue:
    """One dialogue of a split file (``empty`` collects span entries that cover no word); CorpusError if bad."""
    ctx = _Turns(path, did)
    if not isinstance(raw, dict) or not isinstance(raw.get("log"), list):
        found = f"keys {sorted(raw)}" if isinstance(raw, dict) else type(raw).__name__
        raise ctx.error(f"expected an object with a 'log' list of turns, found {found}")
    try:
        turns: list[Turn] = []
        requested: dict[str, list[str]] = {}
        for index, entry in enumerate(raw["log"]):
            ctx.turn = index
            if not isinstance(entry, dict):
                raise ctx.error(f"expected a turn object, found {type(entry).__name__}")
            text = entry.get("text")
            if not isinstance(text, str):
                raise ctx.error(f"turn 'text' must be a string, found {type(text).__name__}")
            acts = _acts(entry.get("dialog_act", {}), inv, ctx)
            spans = _spans(entry.get("span_info", []), text, inv, ctx, empty)
            if index % 2 == 0:
                ask = [a for a in acts if a.value == REQUESTED and a.slot]
                requested = {d: [a.slot for a in ask if a.domain == d] for d in dict.fromkeys(a.domain for a in ask)}
                turns.append(Turn(USER, text, acts, spans))
                continue
            metadata = entry.get("metadata", {})
            state = _belief(metadata, requested, inv, ctx) if metadata else None
            user = turns[-1]
            turns[-1] = Turn(USER, user.text, user.acts, user.spans, state)
            turns.append(Turn(SYSTEM, text, acts, spans, state))
        ctx.turn = None
        goal, info = _goal(raw.get("goal", {}), turns, inv, ctx)
        return Dialogue(did, turns, goal, "multiwoz", split, info)
    except SchemaError as exc:
        raise ctx.error(str(exc)) from exc


@register_corpus("multiwoz")
def load_multiwoz(
    path: str | os.PathLike[str],
    *,
    splits: Iterable[str] | None = None,
    lenient: bool = False,
    inventory: str | os.PathLike[str] | None = None,
) -> Corpus:
    """MultiWOZ 2.1 from a directory of ``{train,val,test}.json[.zip]`` or one such file.

    ``inventory``: the ``corpus.yaml`` to use (default: the shipped one). ``lenient=True`` skips a
    malformed dialogue, recorded in ``Corpus.skipped``; a file that is not a JSON object still raises.
    """
    inv = MultiWOZInventory.load(inventory)
    log = SkipLog(lenient)
    loaded: dict[str, tuple[Dialogue, ...]] = {}
    warnings: list[str] = []
    for split, file in find_split_files(path, splits, inv.splits, "MultiWOZ").items():
        data = read_json(file, error=CorpusError, what="a MultiWOZ split")
        if not isinstance(data, dict):
            raise CorpusError(f"expected a JSON object keyed by dialogue ID, found {type(data).__name__}", str(file))
        dialogues, empty = [], []
        for did, raw in data.items():
            found: list[str] = []  # counted only for dialogues that load
            try:
                dialogues.append(parse_dialogue(did, raw, split, str(file), inv, found))
            except CorpusError as exc:
                log.guard(exc, did)
            else:
                empty.extend(found)
        if empty:
            warnings.append(f"{file}: left out {len(empty)} span_info entries that cover no word ({', '.join(empty)})")
        loaded[split] = tuple(dialogues)
    return Corpus("multiwoz", loaded, tuple(log.skipped), warnings=tuple(warnings))
