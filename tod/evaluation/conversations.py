"""Scoring a running system on scripted, human-written conversations (``data/conversations/``).

Each conversation is a user's turns and the goal they pursue (:mod:`tod.data.conversations`). The
turns are said to a pipeline one by one, whatever it replies, and the conversation is scored from
what the system *did*, read from its acts and its final belief, never from its wording:

- **constraints**: every ``info`` constraint of the goal is held in the final belief of its
  sub-domain (a ``dontcare`` one: held as ``dontcare`` or not at all, never as a value); the entity's
  name is checked through the entity instead;
- **entity**: in a sub-domain with a database of named entities, the entity under discussion last
  (the latest one the system offered, told about or booked, or one the user named and the system did
  not refuse; a list of several names to choose from settles none of them) exists and meets every ``info`` constraint of the goal and none of its ``not`` values,
  checked against the database (it is the goal's entity when the goal names one);
- **requested**: every slot of ``reqt`` was told about that entity (any sub-domain's entity change
  starts over), with the database's value where the database holds one;
- **booking**: when the goal books, a booking was made (a ``book`` act with a reference), of that
  entity, with every booking detail of the goal.

A conversation succeeds when every check of every sub-domain of its goal holds. The scorer imports no
policy and no NLU: a system cannot grade itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from tod.acts import REFERENCE, REQUESTED, UNKNOWN, DialogueAct
from tod.belief import DONTCARE, BeliefState
from tod.data.conversations import ScriptedConversation, SubdomainGoal
from tod.dialogue import SYSTEM, USER
from tod.domain.database import Database
from tod.domain.matches import query_constraints
from tod.domain.normalise import name_key, norm_text, parse_number, parse_time
from tod.domain.ontology import Domain, Schema
from tod.domain.table import Entity
from tod.errors import EvaluationError, QueryError
from tod.state import DialogueState

#: The checks of one sub-domain, in the order they are reported.
CHECKS = ("constraints", "entity", "requested", "booking")
#: System intents whose slot and value tell the user something about an entity.
TELLING_INTENTS = frozenset({"inform", "recommend", "select", "offerbook", "book"})
#: System intents that name the entity under discussion (an offer to book proposes; it does not settle).
NAMING_INTENTS = frozenset({"inform", "recommend", "book", "select"})
#: Values that tell nothing.
EMPTY_VALUES = frozenset({"", REQUESTED, "none", "not mentioned", DONTCARE, "?"})


@dataclass(frozen=True)
class SubdomainVerdict:
    """How one sub-domain of a goal fared: each check's outcome (``None``: the goal does not ask for it)
    and the reasons of each failure, in words."""

    subdomain: str
    constraints: bool | None
    entity: bool | None
    requested: bool | None
    booking: bool | None
    entity_name: str | None = None
    problems: tuple[str, ...] = ()

    @property
    def success(self) -> bool:
        return all(getattr(self, check) is not False for check in CHECKS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "subdomain": self.subdomain,
            "success": self.success,
            **{check: getattr(self, check) for check in CHECKS},
            "entity_name": self.entity_name,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class Exchange:
    """One user turn and the system's reply, with what each side's acts were and how the turn was routed."""

    user: str
    system: str
    user_acts: tuple[str, ...]
    system_acts: tuple[str, ...]
    route: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "system": self.system,
            "user_acts": list(self.user_acts),
            "system_acts": list(self.system_acts),
            "route": self.route,
        }


@dataclass(frozen=True)
class ConversationVerdict:
    """One conversation's outcome: success, the verdict of each sub-domain, and the exchanges."""

    id: str
    covers: tuple[str, ...]
    subdomains: tuple[SubdomainVerdict, ...]
    exchanges: tuple[Exchange, ...] = ()
    error: str | None = None

    @property
    def success(self) -> bool:
        return self.error is None and all(v.success for v in self.subdomains)

    @property
    def problems(self) -> tuple[str, ...]:
        out = [f"{v.subdomain}: {p}" for v in self.subdomains for p in v.problems]
        return (f"error: {self.error}", *out) if self.error else tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "success": self.success,
            "covers": list(self.covers),
            "problems": list(self.problems),
            "subdomains": [v.to_dict() for v in self.subdomains],
            "exchanges": [e.to_dict() for e in self.exchanges],
            "error": self.error,
        }


@dataclass(frozen=True)
class ConversationReport:
    """Every conversation's verdict, with the rates that summarise them."""

    verdicts: tuple[ConversationVerdict, ...]
    seconds: float = 0.0
    source: str = ""

    @property
    def success_rate(self) -> float:
        return 100.0 * sum(v.success for v in self.verdicts) / len(self.verdicts) if self.verdicts else 0.0

    def check_rates(self) -> dict[str, float | None]:
        """Per check, the share (%) of sub-domain goals asking for it that passed it."""
        out: dict[str, float | None] = {}
        for check in CHECKS:
            outcomes = [getattr(s, check) for v in self.verdicts for s in v.subdomains if getattr(s, check) is not None]
            out[check] = 100.0 * sum(outcomes) / len(outcomes) if outcomes else None
        return out

    def by_phenomenon(self) -> dict[str, tuple[int, int]]:
        """Phenomenon -> (conversations covering it that succeeded, conversations covering it)."""
        out: dict[str, list[int]] = {}
        for verdict in self.verdicts:
            for tag in verdict.covers:
                counts = out.setdefault(tag, [0, 0])
                counts[0] += verdict.success
                counts[1] += 1
        return {tag: (ok, n) for tag, (ok, n) in sorted(out.items())}

    def fallback_turns(self) -> tuple[int, int]:
        """(user turns the fallback answered, user turns)."""
        exchanges = [e for v in self.verdicts for e in v.exchanges]
        return sum(e.route == "fallback" for e in exchanges), len(exchanges)

    def to_dict(self) -> dict[str, Any]:
        fallback, turns = self.fallback_turns()
        return {
            "source": self.source,
            "conversations": len(self.verdicts),
            "succeeded": sum(v.success for v in self.verdicts),
            "success_rate": round(self.success_rate, 2),
            "checks": {k: None if v is None else round(v, 2) for k, v in self.check_rates().items()},
            "by_phenomenon": {k: {"succeeded": ok, "conversations": n} for k, (ok, n) in self.by_phenomenon().items()},
            "fallback_turns": fallback,
            "user_turns": turns,
            "seconds": round(self.seconds, 2),
            "verdicts": [v.to_dict() for v in self.verdicts],
        }


# --------------------------------------------------------------------------------------------------- values
def same_value(left: Any, right: Any, synonyms: Mapping[str, str] | None = None) -> bool:
    """Whether two values say the same: equal times (``"8pm"`` and ``"20:00"``), equal numbers, or the
    same text ignoring case, spacing and a leading article ("the cambridge belfry" as a taxi's departure
    is the cambridge belfry), after the slot's ``synonyms``."""
    a, b = norm_text(left, synonyms), norm_text(right, synonyms)
    if not a or not b:
        return False
    if a == b or name_key(a) == name_key(b):
        return True
    ta, tb = parse_time(a), parse_time(b)
    if ta is not None and tb is not None and (":" in a or ":" in b):
        return ta == tb
    na, nb = parse_number(a), parse_number(b)
    return na is not None and nb is not None and na == nb


def _told(value: str) -> bool:
    return norm_text(value) not in EMPTY_VALUES


# --------------------------------------------------------------------------------------------------- scoring
@dataclass
class _Trace:
    """What the system did in one sub-domain, read turn by turn."""

    entity: str | None = None
    #: slot -> value told about the current entity (reset when the entity changes)
    told: dict[str, str] = field(default_factory=dict)
    #: slots told in the sub-domain whatever the entity (for sub-domains without named entities)
    told_any: dict[str, str] = field(default_factory=dict)


class ConversationScorer:
    """Scores the dialogue state a conversation ended in against the conversation's goal."""

    def __init__(self, domain: Domain, database: Database) -> None:
        self.domain = domain
        self.database = database

    def score(self, conversation: ScriptedConversation, state: DialogueState) -> tuple[SubdomainVerdict, ...]:
        traces = self._trace(state)
        return tuple(
            self._subdomain(name, goal, state.belief, traces.get(name, _Trace()))
            for name, goal in conversation.goal.items()
        )

    # -- reading the conversation ---------------------------------------------------------------------
    def _trace(self, state: DialogueState) -> dict[str, _Trace]:
        traces: dict[str, _Trace] = {}
        for turn in state.history:
            if turn.speaker == USER:
                self._user_names(turn.acts, traces)
            elif turn.speaker == SYSTEM:
                self._system_acts(turn.acts, traces)
        return traces

    def _name_slot(self, subdomain: str) -> str | None:
        schema = self.domain.schemas.get(subdomain)
        return None if schema is None else schema.name_slot

    def _user_names(self, acts: Iterable[DialogueAct], traces: dict[str, _Trace]) -> None:
        for act in acts:
            if act.intent == "inform" and act.slot and act.slot == self._name_slot(act.domain) and _told(act.value):
                self._focus(traces.setdefault(act.domain, _Trace()), act.value)

    def _system_acts(self, acts: Sequence[DialogueAct], traces: dict[str, _Trace]) -> None:
        listed: dict[str, set[str]] = {}  # a choice of several names settles none of them
        for act in acts:
            if act.intent == "select" and act.slot and act.slot == self._name_slot(act.domain) and _told(act.value):
                listed.setdefault(act.domain, set()).add(name_key(act.value))
        for act in acts:  # names first: the facts of a turn are about the entity it names
            trace = traces.setdefault(act.domain, _Trace()) if act.domain in self.domain.schemas else None
            if trace is None:
                continue
            name_slot = self._name_slot(act.domain)
            if act.intent == "nooffer" and trace.entity and act.value and name_key(act.value) == name_key(trace.entity):
                self._focus(trace, None)
            elif act.intent == "select" and len(listed.get(act.domain, ())) > 1:
                self._focus(trace, None)
            elif act.intent in NAMING_INTENTS and act.slot == name_slot and _told(act.value):
                self._focus(trace, act.value)
        for act in acts:
            trace = traces.get(act.domain)
            unknown = act.intent == "inform" and act.value == UNKNOWN  # "the entrance fee is not listed"
            if trace is None or act.intent not in TELLING_INTENTS or not act.slot or not (_told(act.value) or unknown):
                continue
            trace.told[act.slot] = act.value
            trace.told_any[act.slot] = act.value

    @staticmethod
    def _focus(trace: _Trace, name: str | None) -> None:
        if name is None or trace.entity is None or name_key(name) != name_key(trace.entity):
            trace.told = {}
        trace.entity = name

    # -- the checks -----------------------------------------------------------------------------------
    def _subdomain(self, name: str, goal: SubdomainGoal, belief: BeliefState, trace: _Trace) -> SubdomainVerdict:
        schema = self.domain.schemas.get(name)
        if schema is None:
            raise EvaluationError(f"the goal's sub-domain {name!r} is not in the domain {self.domain.name}")
        problems: list[str] = []
        constraints = self._constraints(schema, goal, belief, problems)
        entity, entity_ok = self._entity(schema, goal, trace, problems)
        requested = self._requested(schema, goal, trace, entity, problems) if goal.reqt else None
        booking = self._booking(schema, goal, belief, entity, problems) if goal.book else None
        return SubdomainVerdict(
            name,
            constraints,
            entity_ok,
            requested,
            booking,
            entity.name if entity is not None else trace.entity,
            tuple(problems),
        )

    def _constraints(self, schema: Schema, goal: SubdomainGoal, belief: BeliefState, problems: list[str]) -> bool | None:
        held = belief[schema.name].constraints if schema.name in belief else {}
        checked = {slot: value for slot, value in goal.info.items() if slot not in schema.name_slots}
        if not checked and not goal.exclude:
            return None
        ok = True
        for slot, wanted in checked.items():
            value = held.get(slot)
            spec = schema.slots.get(slot)
            synonyms = spec.synonyms if spec is not None else None
            if wanted == DONTCARE:
                if value is not None and value != DONTCARE:
                    problems.append(f"{slot}: wanted any, held {value!r}")
                    ok = False
            elif value is None:
                problems.append(f"{slot}: wanted {wanted!r}, not held")
                ok = False
            elif not same_value(value, wanted, synonyms):
                problems.append(f"{slot}: wanted {wanted!r}, held {value!r}")
                ok = False
        for slot, values in goal.exclude.items():
            value = held.get(slot)
            if value is not None and any(same_value(value, v) for v in values):
                problems.append(f"{slot}: the user ruled out {value!r}, held as wanted")
                ok = False
        return ok

    def _has_entities(self, schema: Schema) -> bool:
        return (
            schema.name in self.database.subdomains
            and schema.database is not None
            and schema.database.format != "generated"
            and bool(schema.name_slots)
        )

    def _entity(
        self, schema: Schema, goal: SubdomainGoal, trace: _Trace, problems: list[str]
    ) -> tuple[Entity | None, bool | None]:
        if not self._has_entities(schema):
            return None, None
        if trace.entity is None:
            problems.append("no entity was offered")
            return None, False
        entity = self.database.lookup(schema.name, trace.entity)
        if entity is None:
            problems.append(f"the entity {trace.entity!r} is not in the database")
            return None, False
        ok = True
        wanted = {s: v for s, v in goal.info.items() if v != DONTCARE and s not in schema.name_slots}
        entity = self._of_the_goal(schema, entity, wanted)
        for slot in schema.name_slots:
            if slot in goal.info and name_key(goal.info[slot]) != name_key(entity.name):
                problems.append(f"the entity is {entity.name!r}, the user asked about {goal.info[slot]!r}")
                ok = False
        for slot, value in query_constraints(self.database, schema.name, wanted).items():
            if not self._meets(entity, {slot: value}):
                problems.append(f"{entity.name!r} does not meet {slot}={value!r}")
                ok = False
        for slot, values in goal.exclude.items():
            for value in values:
                if self._meets(entity, {slot: value}):
                    problems.append(f"{entity.name!r} has {slot}={value!r}, which the user ruled out")
                    ok = False
        return entity, ok

    def _of_the_goal(self, schema: Schema, entity: Entity, wanted: Mapping[str, str]) -> Entity:
        """Among the rows called like ``entity`` (MultiWOZ has 336 train IDs that name two trains, on
        different days), the first that meets the goal's constraints; ``entity`` when none does."""
        if schema.name_slot is None:
            return entity
        try:
            constraints = query_constraints(self.database, schema.name, dict(wanted))
            rows = self.database.query(schema.name, {**constraints, schema.name_slot: entity.name}, top_k=1)
        except QueryError:
            return entity
        return rows[0] if rows else entity

    def _meets(self, entity: Entity, constraints: Mapping[str, str]) -> bool:
        try:
            return self.database.meets(entity, constraints)
        except QueryError:
            return False

    def _requested(
        self, schema: Schema, goal: SubdomainGoal, trace: _Trace, entity: Entity | None, problems: list[str]
    ) -> bool:
        told = trace.told if self._has_entities(schema) else trace.told_any
        ok = True
        for slot in goal.reqt:
            if slot in schema.name_slots and entity is not None:
                continue  # the entity was named: its name was told
            value = told.get(slot)
            if value is None:
                problems.append(f"{slot} was never told" + (f" about {entity.name!r}" if entity is not None else ""))
                ok = False
                continue
            truth = self._field(schema, entity, slot)
            if value == UNKNOWN and truth is not None:  # said to be unknown, but the database has it
                problems.append(f"{slot} told as not listed, the database says {truth!r}")
                ok = False
            elif value != UNKNOWN and truth is not None and not same_value(value, truth, schema.slots[slot].synonyms):
                problems.append(f"{slot} told as {value!r}, the database says {truth!r}")
                ok = False
        return ok

    @staticmethod
    def _field(schema: Schema, entity: Entity | None, slot: str) -> str | None:
        spec = schema.slots.get(slot)
        if entity is None or spec is None or spec.field is None:
            return None
        value = entity.get(spec.field)
        if value is None or isinstance(value, (tuple, list, dict)) or not _told(str(value)):
            return None
        return str(value)

    def _booking(
        self, schema: Schema, goal: SubdomainGoal, belief: BeliefState, entity: Entity | None, problems: list[str]
    ) -> bool:
        booked = belief[schema.name].booked if schema.name in belief else ()
        if not booked:
            problems.append("nothing was booked")
            return False
        record = booked[-1]
        ok = True
        if entity is not None:
            name = record.get("name") or record.get(schema.name_slot or "name")
            if name and name_key(name) != name_key(entity.name):
                problems.append(f"booked {name!r}, but the entity under discussion is {entity.name!r}")
                ok = False
        if not _told(record.get(REFERENCE, "")):
            problems.append("the booking has no reference")
            ok = False
        for slot, wanted in goal.book.items():
            value = record.get(slot)
            if value is None:
                problems.append(f"booked without {slot} (wanted {wanted!r})")
                ok = False
            elif not same_value(value, wanted):
                problems.append(f"booked {slot}={value!r}, wanted {wanted!r}")
                ok = False
        return ok


# --------------------------------------------------------------------------------------------------- running
def _act_strings(acts: Iterable[DialogueAct]) -> tuple[str, ...]:
    return tuple(f"{a.intent}({a.domain}{', ' + a.slot if a.slot else ''}{', ' + a.value if a.value else ''})" for a in acts)


def run_conversation(pipeline: Any, conversation: ScriptedConversation) -> tuple[DialogueState, tuple[Exchange, ...]]:
    """Say every user turn of ``conversation`` to ``pipeline`` from a new conversation; the final state
    and the exchanges. The pipeline's own conversation is left as it was."""
    state = DialogueState()
    exchanges = []
    for text in conversation.turns:
        result = pipeline.step(state, text)
        state = result.state
        exchanges.append(
            Exchange(text, result.turn.text, _act_strings(result.nlu.acts), _act_strings(result.turn.acts), state.route)
        )
    return state, tuple(exchanges)


def evaluate_conversations(
    pipeline: Any,
    conversations: Sequence[ScriptedConversation],
    *,
    progress: bool = False,
    source: str = "",
) -> ConversationReport:
    """Run and score every conversation with ``pipeline`` (its context's domain and database score them)."""
    if not conversations:
        raise EvaluationError("no conversations to evaluate")
    scorer = ConversationScorer(pipeline.context.domain, pipeline.context.database)
    from tqdm.auto import tqdm

    started = time.perf_counter()
    verdicts = []
    for conversation in tqdm(conversations, desc="conversations", unit="conversation", disable=not progress, leave=False):
        state, exchanges = run_conversation(pipeline, conversation)
        verdicts.append(
            ConversationVerdict(conversation.id, conversation.covers, scorer.score(conversation, state), exchanges)
        )
    return ConversationReport(tuple(verdicts), time.perf_counter() - started, source)


def render_report(report: ConversationReport, *, transcripts: bool = False) -> str:
    """The report as Markdown: the rates, the phenomena, then each conversation (with its exchanges when
    ``transcripts``)."""
    fallback, turns = report.fallback_turns()
    succeeded = sum(v.success for v in report.verdicts)
    lines = [
        f"conversations: {len(report.verdicts)}, succeeded: {succeeded} ({report.success_rate:.1f}%)",
        "checks passed (% of sub-domain goals asking for them): "
        + ", ".join(f"{k} {'-' if v is None else f'{v:.1f}'}" for k, v in report.check_rates().items()),
        f"user turns the fallback answered: {fallback} of {turns}",
        "",
        "| phenomenon | succeeded |",
        "|---|---|",
        *(f"| {tag} | {ok}/{n} |" for tag, (ok, n) in report.by_phenomenon().items()),
        "",
    ]
    for verdict in report.verdicts:
        mark = "ok  " if verdict.success else "FAIL"
        lines.append(f"- {mark} {verdict.id}" + ("" if verdict.success else ": " + "; ".join(verdict.problems)))
        if transcripts:
            for e in verdict.exchanges:
                lines.append(f"    U: {e.user}")
                lines.append(f"    S: {e.system}" + ("  [fallback]" if e.route == "fallback" else ""))
    return "\n".join(lines) + "\n"
