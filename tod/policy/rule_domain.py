"""The rule policy's decision for one sub-domain in focus (see :mod:`tod.policy.rule` for the rules in full)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tod.acts import CHOICE, EXCLUDE, REFERENCE, REQUESTED, UNKNOWN, DialogueAct
from tod.belief import DomainBelief
from tod.domain.booking import Booker, booking_details, plan_booking
from tod.domain.database import Database
from tod.domain.name_match import match_name
from tod.domain.normalise import norm_text
from tod.policy.rule_booking import booking_acts, existing_booking, refusal, restate_booking
from tod.policy.rule_search import Search
from tod.policy.rule_slots import Row, SlotRoles, derived_value, most_useful_slot
from tod.state import DomainResults


class Source(Enum):
    """Where the entity under discussion comes from."""

    NAMED = "named"  # the user named it (this turn, or the belief's name constraint)
    UNKNOWN_NAME = "unknown name"  # the user named an entity the database does not have
    OFFERED = "offered"  # the system offered it earlier and it still meets the constraints
    ALTERNATIVE = "alternative"  # the user asked for another one (reqalts): the first match not offered yet
    NO_ALTERNATIVE = "no alternative"  # ... and every match was offered already
    NONE = "none"


@dataclass(frozen=True)
class DomainTurn:
    """What the latest user turn (and the history) says about one sub-domain."""

    domain: str
    belief: DomainBelief
    results: DomainResults | None
    requested: tuple[str, ...] = ()
    informed: bool = False
    named: str | None = None
    named_now: bool = False
    reqalts: bool = False
    affirmed_offer: bool = False
    offered: tuple[str, ...] = ()  # every name the system offered, oldest first
    last_offered: str | None = None
    last_listed: int = 0  # how many names the latest offer listed (more than one: none is settled yet)
    mentioned: tuple[tuple[str, int], ...] = ()  # slot -> the index of the user turn that gave it last
    turn_count: int = 0
    dialogue_id: str = ""  # the conversation's name, for booking references
    checks: tuple[tuple[str, str], ...] = ()  # (slot, value) the user asks the entity has ("is it cheap?")
    excluded_now: tuple[str, ...] = ()  # the slots the user ruled values out of in this turn


@dataclass(frozen=True)
class Decision:
    acts: tuple[DialogueAct, ...]
    booked: bool = False


@dataclass(frozen=True)
class Options:
    seed: int
    max_options: int
    list_items: int
    separator: str


class DomainRules:
    """Decides the acts about one sub-domain; holds only read-only resources."""

    def __init__(self, database: Database, roles: dict[str, SlotRoles], options: Options) -> None:
        self.database = database
        self.roles = roles
        self.options = options
        self.booker = Booker(database, options.seed)  # only its checks are used: no random state is drawn

    def decide(self, turn: DomainTurn) -> Decision:
        decision = self._decide(turn)
        said = self._exclusions_said(turn)
        if not said or decision.booked or not decision.acts:
            return decision
        return Decision((*said, *decision.acts), decision.booked)

    @staticmethod
    def _exclusions_said(turn: DomainTurn) -> list[DialogueAct]:
        """``exclude(d, s, v)`` for every value the belief rules out of the slots the user excluded from
        now: the answer says what the search leaves out ("noted: nothing in the north")."""
        excluded = turn.belief.excluded
        return [DialogueAct(EXCLUDE, turn.domain, s, v) for s in turn.excluded_now for v in excluded.get(s, ())]

    def _decide(self, turn: DomainTurn) -> Decision:
        roles = self.roles[turn.domain]
        if not roles.has_table:
            return Decision(())
        schema = self.database.table(turn.domain).schema
        o = self.options
        search = Search(
            self.database, roles, turn.belief, turn.results, dict(turn.mentioned), o.list_items, o.separator
        )
        ask_again = [s for s in search.unreadable if s in schema.informable]
        if ask_again:
            return Decision(tuple(DialogueAct("request", turn.domain, s, REQUESTED) for s in ask_again))
        entity, source = self._entity(turn, search)
        requested = [s for s in turn.requested if s != REFERENCE and s in schema.slots]
        before: list[DialogueAct] = []
        if roles.bookable:
            booking = self._booking(turn, search, entity, source, requested)
            if isinstance(booking, Decision):
                return booking
            before = booking
        if not roles.search:
            return Decision((*before, *self._lookup(turn, search, entity, source, requested)))
        return Decision((*before, *self._searching(turn, search, entity, source, requested)))

    # -- the entity under discussion ----------------------------------------------------------------

    def _entity(self, turn: DomainTurn, search: Search) -> tuple[Row | None, Source]:
        found = self._named(turn, search) if turn.named else None
        if found is not None:
            return found, Source.NAMED
        if turn.named and turn.named_now:
            return None, Source.UNKNOWN_NAME
        if turn.reqalts:
            seen = {n.casefold() for n in turn.offered}
            fresh = next((e for e in search.rows if e.name.casefold() not in seen), None)
            return fresh, Source.ALTERNATIVE if fresh is not None else Source.NO_ALTERNATIVE
        if turn.last_offered and search.roles.name is not None:
            still = search.query({**search.active, search.roles.name: turn.last_offered}, top_k=1)
            if still:
                return still[0], Source.OFFERED
        if turn.named:
            return None, Source.UNKNOWN_NAME
        return None, Source.NONE

    def _named(self, turn: DomainTurn, search: Search) -> Row | None:
        """The entity ``turn.named`` names: of the rows so called (a MultiWOZ train ID names two trains, on
        different days), the first that meets the search's constraints, else the database's first."""
        if search.roles.name is not None:
            meeting = search.query({**search.active, search.roles.name: turn.named}, top_k=1)
            if meeting:
                return meeting[0]
        return self.database.lookup(turn.domain, turn.named)

    # -- bookings -----------------------------------------------------------------------------------

    def _booking(
        self, turn: DomainTurn, search: Search, entity: Row | None, source: Source, requested: list[str]
    ) -> Decision | list[DialogueAct]:
        """A decision when the turn is about a booking; otherwise acts to put first (a booking told again)."""
        roles = self.roles[turn.domain]
        schema = search.schema
        plan = plan_booking(self.booker, schema, turn.belief)
        details = plan.details
        wants = bool(details) or turn.affirmed_offer or REFERENCE in turn.requested
        wants = wants or (not roles.search and turn.informed)
        if not wants:
            return []
        if plan.invalid is not None and dict(turn.mentioned).get(plan.invalid[0]) == turn.turn_count:
            return Decision(tuple(refusal(plan)))  # refused as soon as it is said, whatever else is missing
        target: Row | None = None
        if roles.generated:
            target = plan.generated
        elif source in (Source.NAMED, Source.OFFERED, Source.ALTERNATIVE):
            target = entity
        elif source is Source.NONE and search.count == 1:
            target = search.best()
        if target is None and not (roles.generated or not roles.search):
            return []  # no entity yet: the search goes on, the details are kept
        done = existing_booking(turn.belief, roles, target, details) if target is not None else None
        if done is not None:
            return restate_booking(turn.domain, roles, target, done) if done and REFERENCE in turn.requested else []
        if target is None:
            return Decision(tuple(DialogueAct("request", turn.domain, s, REQUESTED) for s in plan.missing))
        acts, booked = booking_acts(plan, self.options.seed, roles, target, turn.turn_count, turn.dialogue_id)
        if booked and roles.generated and not requested:  # a taxi: what to look out for, unless asked
            told = [s for s in schema.requestable if s not in details]
            acts += self._inform(turn.domain, target, search, told, asked=False)
        acts += self._inform(turn.domain, target, search, [s for s in requested if s != roles.name])
        return Decision(tuple(acts), booked)

    # -- sub-domains without search slots (taxi, metro, police, hospital) ----------------------------

    def _lookup(
        self, turn: DomainTurn, search: Search, entity: Row | None, source: Source, requested: list[str]
    ) -> list[DialogueAct]:
        roles = self.roles[turn.domain]
        schema = search.schema
        plan = plan_booking(self.booker, schema, turn.belief)
        given = {**turn.belief.constraints, **turn.belief.booking}
        row: Row | None = entity if source is Source.NAMED else None
        if row is None and roles.generated and roles.bookable and not plan.missing:
            row = plan.generated
        elif row is None and search.count == 1:
            row = search.best()
        if roles.bookable:
            missing = list(plan.missing)
        else:
            missing = [s for s in roles.free if not given.get(s)]
        if not requested and (not turn.informed or missing):
            return [DialogueAct("request", turn.domain, s, REQUESTED) for s in missing] if turn.informed else []
        # what was asked for or, after an inform that completes the trip, everything the system can tell
        wanted = requested or [s for s in schema.requestable if s != roles.name]
        answers = []
        for slot in wanted:
            if slot in roles.derived:
                o = self.options
                value = derived_value(self.database, roles, schema, slot, given, o.list_items, o.separator)
            elif row is not None:
                value = row.name if slot == roles.name else search.value(row, slot)
            else:
                value = None
            if value:
                answers.append(DialogueAct("inform", turn.domain, slot, value))
        if answers or not requested:
            return answers
        if missing:
            return [DialogueAct("request", turn.domain, s, REQUESTED) for s in missing]
        name = roles.name
        if row is None and name is not None and schema.slots[name].informable and search.count > 1:
            return [DialogueAct("request", turn.domain, name, REQUESTED)]
        return []

    # -- sub-domains with search slots --------------------------------------------------------------

    def _searching(
        self, turn: DomainTurn, search: Search, entity: Row | None, source: Source, requested: list[str]
    ) -> list[DialogueAct]:
        d = turn.domain
        roles = self.roles[d]
        if source is Source.UNKNOWN_NAME and turn.named and roles.name is not None:
            # "I don't know a restaurant called X", and "did you mean Y?" when one name is close enough
            acts = [DialogueAct("nooffer", d, roles.name, turn.named)]
            guess = match_name(self.database, [d], turn.named)
            return acts + ([DialogueAct("confirm", d, roles.name, guess.name)] if guess is not None else [])
        if source is Source.NO_ALTERNATIVE:
            return self._nooffer(search, relax=False)
        if requested:
            known = source in (Source.NAMED, Source.OFFERED)
            row = entity if entity is not None else search.best_for(requested)
            if row is None:
                return self._nooffer(search)
            # after a list of names none is settled: the answer says which one it is about
            unsaid = not known or (source is Source.OFFERED and turn.last_listed > 1)
            acts = [DialogueAct("recommend", d, roles.name, row.name)] if unsaid and roles.name is not None else []
            told = [s for s in requested if known or s != roles.name]
            if turn.checks and known:
                answers = self._answers(d, row, search, turn.checks)
                if answers and roles.name is not None and roles.name not in told:
                    told = [roles.name, *told]
                return answers + self._inform(d, row, search, told)
            return acts + self._inform(d, row, search, told)
        if source is Source.NAMED and (turn.named_now or not turn.informed):
            return self._offer(turn, search, entity, "inform") if entity is not None else []
        if source is Source.ALTERNATIVE and entity is not None:
            return self._offer(turn, search, entity, "recommend")
        if source is Source.OFFERED and not turn.informed:
            return []
        return self._search(turn, search)

    def _search(self, turn: DomainTurn, search: Search) -> list[DialogueAct]:
        d, count = turn.domain, search.count
        roles = self.roles[d]
        best_match = search.best()
        if count == 0 or best_match is None:
            return self._nooffer(search)
        if count == 1:
            return self._offer(turn, search, best_match, "recommend")
        if count > self.options.max_options and not search.dontcare:  # "any": the user wants an offer
            skip = set(search.constrained())
            if search.ordered_slot is not None:  # a time bound orders the matches: other times are not asked
                skip |= {s for s in roles.ask if search.schema.slots[s].kind == "time"}
            best = most_useful_slot(roles, search.table, [e.index for e in search.rows], skip)
            if best is not None:
                return [DialogueAct("inform", d, CHOICE, str(count)), DialogueAct("request", d, best[0], REQUESTED)]
        elif count <= self.options.max_options and search.ordered_slot is None:
            # a few matches: their names, so that "the second one" or "that one" can pick one; a sub-domain
            # whose names the user cannot give (not informable) is offered by a slot that tells them apart
            options = search.first(count)
            if roles.name is not None and search.schema.slots[roles.name].informable:
                listed = [DialogueAct("select", d, roles.name, o.name) for o in options if o.name]
                return [DialogueAct("inform", d, CHOICE, str(len(listed))), *listed]
            slot = search.distinguishing_slot(options)
            if slot is not None:
                values = [search.value(o, slot) for o in options]
                return [DialogueAct("select", d, slot, v) for v in values if v]
        return [DialogueAct("inform", d, CHOICE, str(count)), *self._offer(turn, search, best_match, "recommend")]

    def _offer(self, turn: DomainTurn, search: Search, row: Row, intent: str) -> list[DialogueAct]:
        d = turn.domain
        roles = self.roles[d]
        acts = [DialogueAct(intent, d, roles.name, row.name)] if roles.name is not None else []
        for slot in search.describing_slots(2, named=intent == "inform"):
            value = search.value(row, slot)
            if value:
                acts.append(DialogueAct(intent, d, slot, value))
        details = booking_details(search.schema, turn.belief)
        if roles.bookable and existing_booking(turn.belief, roles, row, details) is None:
            acts.append(DialogueAct("offerbook", d))
        return acts

    def _nooffer(self, search: Search, relax: bool = True) -> list[DialogueAct]:
        d = search.roles.domain
        informable = search.schema.informable
        acts = [DialogueAct("nooffer", d, s, v) for s, v in search.active.items() if s in informable]
        acts = acts or [DialogueAct("nooffer", d)]
        suggestion = search.relaxation() if relax else None
        if suggestion is not None and suggestion[0] in informable:
            acts.append(DialogueAct("suggest", d, *suggestion))
        return acts

    def _answers(self, d: str, row: Row, search: Search, checks: tuple[tuple[str, str], ...]) -> list[DialogueAct]:
        """``affirm(d, s, v)`` when ``row`` has ``s = v``, ``negate(d, s, v)`` when it has another value; nothing
        for a slot whose value the database does not give."""
        acts = []
        for slot, asked in checks:
            spec = search.schema.slot(slot)
            value = search.value(row, slot) if spec is not None else None
            if spec is None or value is None:
                continue
            held = {norm_text(v, spec.synonyms) for v in value.split(self.options.separator)}
            intent = "affirm" if norm_text(asked, spec.synonyms) in held else "negate"
            acts.append(DialogueAct(intent, d, slot, asked))
        return acts

    def _inform(self, d: str, row: Row, search: Search, slots: list[str], *, asked: bool = True) -> list[DialogueAct]:
        """``inform(d, s, v)`` of ``row``'s value of each slot; a slot the user ``asked`` for whose value the
        database lacks ("?" for an entrance fee) is told as unknown, ``inform(d, s, ?)`` ("the entrance fee
        is not listed"), so the question gets an answer; a slot told unasked (a taxi's details) is left out."""
        roles = self.roles[d]
        acts = []
        for slot in slots:
            value = row.name if slot == roles.name else search.value(row, slot)
            spec = self.database.domain.schemas[d].slot(slot)
            if value:
                acts.append(DialogueAct("inform", d, slot, value))
            elif asked and spec is not None and spec.field is not None:
                acts.append(DialogueAct("inform", d, slot, UNKNOWN))
        return acts
