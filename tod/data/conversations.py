"""Scripted conversations: user turns written by people, each conversation with the goal it pursues.

The human-written dev sets in ``data/conversations/`` use this plain-text format (one file per
domain; conversations separated by a blank line; the ``#`` lines first, then one user turn a line)::

    # id: cg-001
    # goal: {"restaurant": {"info": {"food": "thai"}, "not": {"area": ["north"]}, "reqt": ["phone"]}}
    # covers: negation, follow-up-request
    hey any thai places, not up north tho
    phone?

The goal is one JSON object: per sub-domain, ``info`` (the constraints the user wants, ``dontcare``
where any value will do), ``not`` (values the user excludes, per slot), ``reqt`` (the slots the
user asks to be told) and ``book`` (the booking details, when the user books). ``covers`` names the
phenomena the conversation exercises (:data:`PHENOMENA`). :func:`check_against_domain` checks a
conversation against an ontology and a database: every slot is the sub-domain's, and some entity
meets the goal.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from tod._schema import FrozenMap
from tod.belief import DONTCARE
from tod.domain.database import Database
from tod.domain.ontology import Domain
from tod.errors import CorpusError
from tod.files import read_text

#: The phenomena a conversation may be tagged with (``# covers:``).
PHENOMENA = (
    "plain",
    "follow-up-request",
    "context-carryover",
    "correction",
    "entity-question",
    "fallback-smalltalk",
    "negation",
    "dontcare",
    "booking-time-words",
    "misspelling",
    "reference",
)
#: How many user turns a conversation has, at least and at most.
MIN_TURNS, MAX_TURNS = 1, 20
_META = re.compile(r"#\s*([a-z]+)\s*:\s*(.*)$")
_GOAL_KEYS = ("info", "not", "reqt", "book")


@dataclass(frozen=True)
class SubdomainGoal:
    """What the user wants of one sub-domain."""

    info: FrozenMap[str, str] = field(default_factory=FrozenMap)
    #: slot -> values the user rules out ("not in the north")
    exclude: FrozenMap[str, tuple[str, ...]] = field(default_factory=FrozenMap)
    reqt: tuple[str, ...] = ()
    book: FrozenMap[str, str] = field(default_factory=FrozenMap)


@dataclass(frozen=True)
class ScriptedConversation:
    """One conversation: its ID, goal (sub-domain -> :class:`SubdomainGoal`, in the file's order),
    the phenomena it covers, the user's turns, and where it starts in its file."""

    id: str
    goal: FrozenMap[str, SubdomainGoal]
    covers: tuple[str, ...]
    turns: tuple[str, ...]
    path: str
    line: int


def load_conversations(path: str | os.PathLike[str]) -> list[ScriptedConversation]:
    """The conversations of one file; a malformed one is a :class:`CorpusError` naming file and line."""
    text = read_text(path, error=CorpusError, what="a conversations file")
    out: list[ScriptedConversation] = []
    block: list[tuple[int, str]] = []
    for number, line in enumerate([*text.splitlines(), ""], start=1):
        if line.strip():
            block.append((number, line.rstrip()))
        elif block:
            out.append(_conversation(block, str(path)))
            block = []
    seen: dict[str, int] = {}
    for conversation in out:
        if conversation.id in seen:
            raise CorpusError(
                f"conversation ID {conversation.id!r} again (first at line {seen[conversation.id]})",
                str(path),
                conversation.line,
            )
        seen[conversation.id] = conversation.line
    if not out:
        raise CorpusError("expected at least one conversation, found none", str(path))
    return out


def _conversation(block: list[tuple[int, str]], path: str) -> ScriptedConversation:
    meta: dict[str, tuple[int, str]] = {}
    turns: list[str] = []
    for number, line in block:
        if line.startswith("#"):
            match = _META.match(line)
            if match is None or match.group(1) not in ("id", "goal", "covers"):
                raise CorpusError(f"expected '# id:', '# goal:' or '# covers:', found {line[:60]!r}", path, number)
            if turns:
                raise CorpusError("a '#' line after the user turns: the metadata comes first", path, number)
            if match.group(1) in meta:
                raise CorpusError(f"'# {match.group(1)}:' twice in one conversation", path, number)
            meta[match.group(1)] = (number, match.group(2).strip())
        else:
            turns.append(line.strip())
    start = block[0][0]
    for key in ("id", "goal"):
        if key not in meta:
            raise CorpusError(f"the conversation has no '# {key}:' line", path, start)
    if not MIN_TURNS <= len(turns) <= MAX_TURNS:
        raise CorpusError(f"expected {MIN_TURNS} to {MAX_TURNS} user turns, found {len(turns)}", path, start)
    covers = tuple(t.strip() for t in meta.get("covers", (start, ""))[1].split(",") if t.strip())
    unknown = [t for t in covers if t not in PHENOMENA]
    if unknown:
        raise CorpusError(f"unknown phenomena {unknown}; expected some of {list(PHENOMENA)}", path, meta["covers"][0])
    return ScriptedConversation(meta["id"][1], _goal(*meta["goal"], path), covers, tuple(turns), path, start)


def _goal(number: int, text: str, path: str) -> FrozenMap[str, SubdomainGoal]:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise CorpusError(f"the goal is not JSON: {error}", path, number) from None
    if not isinstance(data, dict) or not data:
        raise CorpusError("expected the goal to be a JSON object of sub-domains", path, number)
    goal: dict[str, SubdomainGoal] = {}
    for subdomain, spec in data.items():
        if not isinstance(spec, dict) or not spec or set(spec) - set(_GOAL_KEYS):
            raise CorpusError(
                f"goal of {subdomain!r}: expected an object with some of {list(_GOAL_KEYS)}, found {spec!r:.80}",
                path,
                number,
            )
        goal[subdomain] = SubdomainGoal(
            info=FrozenMap(_strings(spec.get("info", {}), f"{subdomain}.info", path, number)),
            exclude=FrozenMap(
                {
                    slot: tuple(_string_list(values, f"{subdomain}.not.{slot}", path, number))
                    for slot, values in _mapping(spec.get("not", {}), f"{subdomain}.not", path, number).items()
                }
            ),
            reqt=tuple(_string_list(spec.get("reqt", []), f"{subdomain}.reqt", path, number)),
            book=FrozenMap(_strings(spec.get("book", {}), f"{subdomain}.book", path, number)),
        )
    return FrozenMap(goal)


def _mapping(value: Any, what: str, path: str, line: int) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise CorpusError(f"goal {what}: expected an object, found {value!r:.60}", path, line)
    return value


def _strings(value: Any, what: str, path: str, line: int) -> dict[str, str]:
    mapping = _mapping(value, what, path, line)
    bad = {k: v for k, v in mapping.items() if not isinstance(v, str) or not v.strip()}
    if bad:
        raise CorpusError(f"goal {what}: expected non-empty string values, found {bad!r:.80}", path, line)
    return dict(mapping)


def _string_list(value: Any, what: str, path: str, line: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CorpusError(f"goal {what}: expected a list of non-empty strings, found {value!r:.60}", path, line)
    return list(value)


def check_against_domain(conversation: ScriptedConversation, domain: Domain, database: Database) -> list[str]:
    """What is wrong with ``conversation`` for ``domain`` and its ``database`` (empty: nothing): a
    sub-domain or slot the ontology lacks, or constraints no entity meets. Sub-domains whose
    database is generated (a taxi) are checked for their slots only."""
    problems: list[str] = []
    where = f"{conversation.path}:{conversation.line} ({conversation.id})"
    for subdomain, goal in conversation.goal.items():
        schema = domain.schemas.get(subdomain)
        if schema is None:
            problems.append(f"{where}: no sub-domain {subdomain!r} in {domain.name}")
            continue
        booking = set(schema.booking.slots) if schema.booking is not None else set()
        for kind, slots, known in (
            ("constraint", [*goal.info, *goal.exclude], set(schema.informable)),
            ("request", goal.reqt, set(schema.requestable) | set(schema.informable)),
            ("booking detail", goal.book, booking),
        ):
            problems += [f"{where}: {subdomain} has no {kind} slot {s!r}" for s in slots if s not in known]
        if problems or subdomain not in database.subdomains or schema.database.format == "generated":
            continue
        wanted = {slot: value for slot, value in goal.info.items() if value != DONTCARE}
        matches = [
            entity
            for entity in database.query(subdomain, wanted)
            if not any(str(entity.get(slot, "")).lower() in values for slot, values in goal.exclude.items())
        ]
        if not matches:
            problems.append(f"{where}: no {subdomain} meets {dict(goal.info)} without {dict(goal.exclude)}")
    return problems
