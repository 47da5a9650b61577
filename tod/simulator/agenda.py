"""The agenda-based simulated user (Schatzmann, Thomson, Weilhammer, Ye and Young, 2007).

The user holds a goal and an agenda: a stack of the user acts still to say, built from the goal
(each sub-goal's constraints on top of its requests and booking details, sub-goals in dependency
order, a closing ``thank``/``bye`` at the bottom). Each turn the user first reacts to the system's
acts by pushing acts on top (answer a request, give the real constraints after a ``nooffer``,
correct an entity that breaks a constraint, answer an offer to book, affirm or deny a
confirmation), then pops the top acts of one sub-domain and says them. Acts that have become
pointless (a request already answered) are dropped when they reach the top.

Patience: the user leaves (``bye``) after ``patience`` system turns in a row that bring nothing new,
and after ``max_turns`` turns in all. The ``convlab`` style (:meth:`UserOptions.for_style`) closes,
waits and stops as ConvLab-2's agenda user does (``policy_agenda_multiwoz.py``): ``bye`` alone, no
patience limit, at most 20 user turns (its 40 half-turns) and 4 acts a turn. Noise: each act is, with
probability ``noise``, held back to
a later turn. Everything is seeded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Sequence

from tod._schema import FrozenMap
from tod.acts import REQUESTED, DialogueAct
from tod.belief import DONTCARE
from tod.dialogue import Goal, GoalReference, SubGoal
from tod.domain.database import Database
from tod.domain.normalise import norm_text
from tod.domain.ontology import Domain
from tod.domain.roles import is_place, place_slots
from tod.errors import QueryError, SimulationError
from tod.simulator.goal_graph import ordered_subgoals

GENERAL = "general"
#: Keys of :attr:`Task.asked` that count repeated booking details and repeated searches.
BOOKING, SEARCH = "\x00booking", "\x00search"
#: Intents a system uses to tell a slot's value (the entity offered or discussed).
TELLING = ("inform", "recommend", "book")


#: How a simulated user closes and loses patience (:class:`UserOptions`).
USER_STYLES = ("tod", "convlab")


@dataclass(frozen=True)
class UserOptions:
    """How the simulated user behaves."""

    #: The most user turns before the user gives up.
    max_turns: int = 20
    #: System turns in a row without anything new before the user gives up.
    patience: int = 3
    #: The most acts said in one turn.
    max_acts: int = 10
    #: The probability that an act is held back to a later turn.
    noise: float = 0.0
    #: How often the user asks again for a slot the system did not tell.
    max_repeats: int = 2
    #: ``tod``: closes with ``thank`` and ``bye``, leaves after ``patience`` turns without news;
    #: ``convlab``: closes with ``bye`` alone and has no patience limit, as ConvLab-2's agenda user.
    style: str = "tod"

    @classmethod
    def for_style(cls, style: str, **changes: object) -> UserOptions:
        """The options of a user ``style`` (``tod``: these defaults; ``convlab``: ConvLab-2's agenda user,
        at most 20 user turns and 4 acts a turn, no patience limit), with ``changes`` on top."""
        if style not in USER_STYLES:
            raise SimulationError(f"the simulated user's style must be one of {list(USER_STYLES)}, found {style!r}")
        base = {"max_turns": 20, "max_acts": 4} if style == "convlab" else {}
        return cls(**{**base, **changes, "style": style})  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        if self.style not in USER_STYLES:
            raise SimulationError(f"UserOptions.style must be one of {list(USER_STYLES)}, found {self.style!r}")
        for name in ("max_turns", "patience", "max_acts"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise SimulationError(f"UserOptions.{name} must be a positive integer, found {value!r}")
        if not isinstance(self.max_repeats, int) or self.max_repeats < 0:
            raise SimulationError(f"UserOptions.max_repeats must be a non-negative integer, found {self.max_repeats!r}")
        if not isinstance(self.noise, (int, float)) or not 0.0 <= self.noise < 1.0:
            raise SimulationError(f"UserOptions.noise must be a probability in [0, 1), found {self.noise!r}")


@dataclass(frozen=True)
class Item:
    """One agenda entry: an act and the sub-goal it serves (its index in the user's tasks; -1 for none)."""

    task: int
    act: DialogueAct


@dataclass
class Task:
    """The user's progress on one sub-goal (the simulator's own bookkeeping, not a stage value)."""

    sub: SubGoal
    constraints: dict[str, str]
    booking: dict[str, str]
    relaxed: bool = False
    rebooked: bool = False
    entity: str = ""
    told: dict[str, str] = field(default_factory=dict)
    booked: bool = False
    reference: str = ""
    asked: dict[str, int] = field(default_factory=dict)
    given_up: bool = False
    #: Whether the user has said its constraints again after a ``nooffer`` that misheard them.
    corrected: bool = False
    #: Whether finishing needs an entity named by the system (a restaurant, not a taxi).
    needs_entity: bool = True

    @property
    def domain(self) -> str:
        return self.sub.domain

    def missing_requests(self) -> list[str]:
        return [s for s in self.sub.requests if s not in self.told]

    def done(self) -> bool:
        if self.given_up:
            return True
        found = bool(self.entity) or self.booked or not self.needs_entity
        return found and not self.missing_requests() and (self.booked or not self.booking)


class AgendaUser:
    """One simulated user with one goal. ``start()`` gives the first acts, ``respond()`` the next."""

    def __init__(
        self, database: Database, goal: Goal, options: UserOptions = UserOptions(), seed: int = 0, read: bool = False
    ) -> None:
        """``read``: the system acts given to :meth:`respond` are read from its words (a text-level
        simulation), so their sub-domains may be guesses (see :meth:`_told_about`)."""
        if not goal.subgoals:
            raise SimulationError("a simulated user needs a goal with at least one sub-goal")
        unknown = [s.domain for s in goal.subgoals if s.domain not in database.domain.schemas]
        if unknown:
            raise SimulationError(
                f"goal sub-domains {unknown} are not in domain {database.domain.name} "
                f"(expected some of {list(database.domain.schemas)})"
            )
        self.database = database
        self.domain = database.domain
        self.read = read
        self.goal = goal
        self.options = options
        self.rng = random.Random(seed)
        self.tasks = [
            Task(
                s,
                dict(s.fail_constraints or s.constraints),
                {**s.booking, **s.fail_booking},  # MultiWOZ's fail_book names only the detail that fails
                needs_entity=_has_named_entities(database, s.domain),
            )
            for s in ordered_subgoals(with_implicit_places(goal, database.domain))
        ]
        self._by_id = {t.sub.id: t for t in self.tasks}
        self.agenda: list[Item] = [Item(-1, DialogueAct("bye", GENERAL))]
        if options.style == "tod":  # ConvLab's user says bye alone
            self.agenda.append(Item(-1, DialogueAct("thank", GENERAL)))
        for index in reversed(range(len(self.tasks))):
            self.agenda += [Item(index, a) for a in self._task_acts(self.tasks[index], self.tasks[:index])]
        self.turns = 0
        self.over = False
        self.quit_reason = ""
        self._bored = 0
        self._previous: tuple[DialogueAct, ...] = ()

    # ------------------------------------------------------------------ the agenda
    def _task_acts(self, task: Task, before: Sequence[Task] = ()) -> list[DialogueAct]:
        """A sub-goal's acts in stack order (the last is said first): booking, requests, constraints.

        A second sub-goal in a sub-domain (another attraction) first lifts the constraints of the
        earlier one that it does not share (``dontcare``): they were about the other entity.
        """
        d = task.domain
        earlier = {s: v for t in before if t.domain == d for s, v in t.sub.constraints.items()}
        lifted = [s for s in earlier if s not in task.constraints and s not in task.sub.references]
        acts = [DialogueAct("inform", d, s, v) for s, v in reversed(list(task.booking.items()))]
        acts += [DialogueAct("request", d, s, REQUESTED) for s in reversed(task.sub.requests)]
        acts += [DialogueAct("inform", d, s, v) for s, v in reversed(list(task.constraints.items()))]
        acts += [DialogueAct("inform", d, s, DONTCARE) for s in reversed(lifted)]
        acts += [DialogueAct("inform", d, slot, "") for slot in reversed(list(task.sub.references))]  # resolved late
        name_slot = self.domain.schema(d).name_slot
        if not task.sub.references and (name_slot is None or name_slot not in task.constraints):
            # "I am looking for a hotel" first: "something expensive" alone does not say what
            acts.append(DialogueAct("inform", d))
        return acts

    def start(self) -> list[DialogueAct]:
        """The user's first acts."""
        return self._say()

    @property
    def complete(self) -> bool:
        """Whether the user, by their own account, got everything the goal asks for."""
        return all(t.done() and not t.given_up for t in self.tasks)

    def current(self) -> Task | None:
        return next((t for t in self.tasks if not t.done()), None)

    def respond(self, system_acts: Sequence[DialogueAct]) -> list[DialogueAct]:
        """The user's acts after the system said ``system_acts``; ``[]`` once the dialogue is over."""
        if self.over:
            return []
        acts = tuple(system_acts)
        news = self._record(acts)
        if any(a.intent == "bye" and a.domain == GENERAL for a in acts):
            self.over = True
            self.quit_reason = "" if self.complete else "the system said goodbye"
            return []
        reactions = self._react(acts)
        self._bored = 0 if news or acts != self._previous else self._bored + 1
        self._previous = acts
        if self._bored >= self.options.patience and self.options.style == "tod":
            return self._leave("the system repeated itself")
        if self.turns >= self.options.max_turns:
            return self._leave(f"{self.options.max_turns} turns without finishing")
        self.agenda += reversed(reactions)
        return self._say()

    def _index(self, task: Task | None) -> int:
        return -1 if task is None else self.tasks.index(task)

    def _leave(self, reason: str) -> list[DialogueAct]:
        self.over = True
        self.quit_reason = reason
        self.turns += 1
        return [DialogueAct("bye", GENERAL)]

    # ------------------------------------------------------------------ what the system told
    def _record(self, acts: Sequence[DialogueAct]) -> bool:
        news = False
        for act in acts:
            task = self._told_about(act)
            if task is None:
                continue
            name_slot = self.domain.schema(task.domain).name_slot
            if act.intent == "book" and act.slot == "ref" and act.value:
                news |= not task.booked
                task.booked, task.reference = True, act.value
            elif act.intent in TELLING and act.slot and act.value and act.value != REQUESTED:
                if act.slot == name_slot and act.value != task.entity:
                    if task.entity:
                        task.told.clear()  # another entity: what was told was about the old one
                    task.entity = act.value
                    news = True
                if act.slot not in task.told:
                    news = True
                task.told[act.slot] = act.value
        return news

    def _told_about(self, act: DialogueAct) -> Task | None:
        """The task a value the system tells is about: that of its sub-domain, but the current task
        takes a value it has asked for ("what's the phone number?" - "it is 01223..." is the answer)
        while no other task of the act's sub-domain is unfinished.

        When the acts are read from the system's words (``read``), their sub-domains are the reader's
        guesses where the words do not say it ("电话是 010..."): the current task then takes every
        value it has asked for, and a name its sub-domain's database has and the guessed one's has not.
        """
        current = self.current()
        if current is None or act.domain == current.domain or not act.slot:
            return self._task_for(act.domain)
        asked = act.slot in current.missing_requests() and current.asked.get(act.slot, 0) > 0
        if self.read and act.slot == self.domain.schema(current.domain).name_slot:
            if self._names(current.domain, act.value) and not self._names(act.domain, act.value):
                return current
        elif asked and (self.read or not any(t.domain == act.domain and not t.done() for t in self.tasks)):
            return current
        return self._task_for(act.domain)

    def _names(self, domain: str, value: str) -> bool:
        """Whether ``domain``'s database has an entity called ``value``."""
        schema = self.domain.schemas.get(domain)
        if schema is None or schema.database is None or not value:
            return False
        try:
            return self.database.lookup(domain, value) is not None
        except QueryError:
            return False

    def _task_for(self, domain: str) -> Task | None:
        """The task the system speaks about: the first unfinished one of that sub-domain, else the last."""
        matching = [t for t in self.tasks if t.domain == domain]
        if not matching:
            return None
        current = self.current()
        if current is not None and current.domain == domain:
            return current
        return next((t for t in matching if not t.done()), matching[-1])

    # ------------------------------------------------------------------ reactions
    def _react(self, acts: Sequence[DialogueAct]) -> list[Item]:
        """Agenda items to say before the agenda's own, in the order they are said."""
        out: list[Item] = []

        def add(task: Task, new: Sequence[DialogueAct]) -> None:
            out.extend(Item(self._index(task), a) for a in new)

        confirmed: list[Task] = []
        for act in acts:
            task = self._task_for(act.domain)
            if act.intent == "confirm" and task is not None:
                add(task, self._confirm(task, act))
                if task not in confirmed:
                    confirmed.append(task)
        for task in confirmed:  # "yes - and what's the postcode?": what the checked turn also asked
            again = [s for s in task.missing_requests() if 0 < task.asked.get(s, 0) <= self.options.max_repeats]
            add(task, [DialogueAct("request", task.domain, s, REQUESTED) for s in again])
        handled: set[tuple[str, str]] = set()
        for act in acts:
            task = self._task_for(act.domain)
            if task is None or (act.intent, act.domain) in handled:
                continue
            if act.intent == "nooffer":
                handled.add((act.intent, act.domain))
                add(task, self._nooffer(task, [a for a in acts if a.intent == "nooffer" and a.domain == act.domain]))
            elif act.intent == "nobook":
                handled.add((act.intent, act.domain))
                add(task, self._nobook(task))
            elif act.intent == "offerbook" and task.booking and not task.booked:
                handled.add((act.intent, act.domain))
                add(task, [DialogueAct("affirm", GENERAL), *self._booking_acts(task)])
            elif act.intent == "select":
                handled.add((act.intent, act.domain))
                options = [
                    a.value for a in acts if a.intent == "select" and a.domain == act.domain and a.slot == act.slot
                ]
                wanted = task.constraints.get(act.slot)
                # the options all match what was asked: take the one named in the goal, else the first
                value = wanted if wanted in options or not options else options[0]
                add(task, [DialogueAct("inform", task.domain, act.slot, value)])
        for act in acts:
            task = self._task_for(act.domain)
            if act.intent == "request" and task is not None:
                add(task, [DialogueAct("inform", task.domain, act.slot, self._answer(task, act.slot))])
        out += self._check_entities(acts)
        return list(dict.fromkeys(out))

    def _answer(self, task: Task, slot: str) -> str:
        if slot in task.constraints:
            return task.constraints[slot]
        if slot in task.booking:
            return task.booking[slot]
        if slot in task.sub.references:
            return self._resolve(task, slot)[1] or DONTCARE
        return DONTCARE

    def _confirm(self, task: Task, act: DialogueAct) -> list[DialogueAct]:
        wanted = task.constraints.get(act.slot) or task.booking.get(act.slot)
        if wanted is None or norm_text(wanted) == norm_text(act.value):
            return [DialogueAct("affirm", GENERAL)]
        return [DialogueAct("negate", GENERAL), DialogueAct("inform", task.domain, act.slot, wanted)]

    def _nooffer(self, task: Task, said: Sequence[DialogueAct] = ()) -> list[DialogueAct]:
        task.entity = ""  # whatever was under discussion does not exist or does not fit
        task.told.clear()
        if self.read and not task.corrected and self._misheard(task, said):
            # "no restaurant whose phone is 10:30-21:00": the system misunderstood; say it again, once
            task.corrected = True
            return [DialogueAct("inform", task.domain, s, v) for s, v in self._wanted(task).items()]
        if task.sub.fail_constraints and not task.relaxed:
            task.relaxed = True
            task.constraints = dict(task.sub.constraints)
            old = task.sub.fail_constraints
            changed = {s: v for s, v in task.constraints.items() if old.get(s) != v}
            dropped = [s for s in old if s not in task.constraints]
            return [DialogueAct("inform", task.domain, s, v) for s, v in changed.items()] + [
                DialogueAct("inform", task.domain, s, DONTCARE) for s in dropped
            ]
        if not task.entity:
            task.given_up = True  # nothing meets the goal: on to the next sub-goal
            self._drop(task)
        return []

    def _wanted(self, task: Task) -> dict[str, str]:
        """The constraints the user has given for ``task``: its own and its references' values."""
        wanted = {s: v for s, v in task.constraints.items() if v != DONTCARE}
        for slot in task.sub.references:
            name, value = self._resolve(task, slot)
            if value:
                wanted[name] = value
        return wanted

    def _misheard(self, task: Task, said: Sequence[DialogueAct]) -> bool:
        """Whether a ``nooffer`` names a constraint the user never gave (a slot, or another value)."""
        wanted = {s: norm_text(v) for s, v in self._wanted(task).items()}
        return any(wanted.get(a.slot) != norm_text(a.value) for a in said if a.slot and a.value)

    def _nobook(self, task: Task) -> list[DialogueAct]:
        if task.sub.fail_booking and not task.rebooked:
            task.rebooked = True
            task.booking = dict(task.sub.booking)
            return self._booking_acts(task)
        task.given_up = True
        self._drop(task)
        return []

    def _booking_acts(self, task: Task) -> list[DialogueAct]:
        return [DialogueAct("inform", task.domain, s, v) for s, v in task.booking.items()]

    def _drop(self, task: Task) -> None:
        index = self._index(task)
        self.agenda = [item for item in self.agenda if item.task != index]

    def _check_entities(self, acts: Sequence[DialogueAct]) -> list[Item]:
        """Constraints to say again when the entity offered breaks them."""
        out: list[Item] = []
        for domain in dict.fromkeys(a.domain for a in acts if a.intent in ("recommend", "inform")):
            task = self._task_for(domain)
            if task is None or not task.entity or task.given_up or task.booked:
                continue
            name_slot = self.domain.schema(domain).name_slot
            wrong = []
            for slot, value in task.constraints.items():
                if slot == name_slot or value == DONTCARE:
                    continue
                try:
                    ok = bool(self.database.query(domain, {slot: value, name_slot: task.entity}, top_k=1))
                except QueryError:  # a constraint the engine cannot check: trust the system
                    ok = True
                if not ok:
                    wrong.append(Item(self._index(task), DialogueAct("inform", domain, slot, value)))
            if wrong:
                task.entity = ""
                task.told.clear()
                out += wrong
        return out

    # ------------------------------------------------------------------ saying the next acts
    def _say(self) -> list[DialogueAct]:
        self.turns += 1
        self._refill()
        said: list[Item] = []
        held: list[Item] = []
        serving = None
        while self.agenda and len(said) < self.options.max_acts:
            item = self.agenda[-1]
            if self._pointless(item):
                self.agenda.pop()
                continue
            if item.task >= 0 and serving is not None and item.task != serving:
                break  # one sub-goal per turn
            closing = item.act.domain == GENERAL and item.act.intent in ("thank", "bye")
            if closing and item.task < 0 and self.current() is not None:
                break  # the closing waits until every sub-goal is done or given up
            if item.act.intent == "bye" and any(i.task >= 0 for i in said):
                break
            self.agenda.pop()
            resolved = self._resolved(item)
            if resolved is None or any(i.act == resolved.act for i in said):
                continue  # unknown reference, or already said this turn
            if said and self.options.noise and self.rng.random() < self.options.noise:
                held.append(resolved)
                continue
            said.append(resolved)
            if resolved.task >= 0:
                serving = resolved.task
            if resolved.act.intent == "bye":
                self.over = True
                break
        self.agenda += reversed(held)
        for item in said:
            if item.task < 0:
                continue
            task, act = self.tasks[item.task], item.act
            if act.intent == "request":
                task.asked[act.slot] = task.asked.get(act.slot, 0) + 1
            name_slot = self.domain.schema(task.domain).name_slot
            if act.intent == "inform" and act.slot == name_slot and act.value and not task.entity:
                task.entity = act.value  # the user chose it: the entity under discussion
        return [i.act for i in said] or self._leave("nothing left to say")

    def _refill(self) -> None:
        """Put back what the current sub-goal still lacks before the agenda moves past it.

        A request the system left unanswered is asked again (at most ``max_repeats`` times), booking
        details are given again while no booking is made; a sub-goal with nothing left to ask is given up.
        """
        while True:
            task = self.current()
            if task is None:
                return
            if any(self._by_id[r.subgoal].given_up for r in task.sub.references.values()):
                task.given_up = True  # it depends on a sub-goal that failed
                continue
            index = self._index(task)
            top = next((i for i in reversed(self.agenda) if not self._pointless(i)), None)
            if top is not None and top.task == index:
                return
            again = [s for s in task.missing_requests() if task.asked.get(s, 0) <= self.options.max_repeats]
            pending = [DialogueAct("request", task.domain, s, REQUESTED) for s in again]
            if task.booking and not task.booked and task.asked.get(BOOKING, 0) <= self.options.max_repeats:
                task.asked[BOOKING] = task.asked.get(BOOKING, 0) + 1
                pending = self._booking_acts(task) + pending
            if not pending and not task.entity and task.needs_entity and task.asked.get(SEARCH, 0) < 1:
                task.asked[SEARCH] = 1
                pending = [DialogueAct("inform", task.domain, s, v) for s, v in task.constraints.items()]
                pending = pending or [DialogueAct("inform", task.domain)]
            if pending:
                self.agenda += [Item(index, a) for a in reversed(pending)]
                return
            task.given_up = True

    def _pointless(self, item: Item) -> bool:
        if item.task < 0:
            return False
        task, act = self.tasks[item.task], item.act
        if task.given_up:
            return True
        if act.intent == "request":
            return act.slot in task.told
        return act.intent == "inform" and task.booked and act.slot in task.booking

    def _resolved(self, item: Item) -> Item | None:
        """A reference act with its value filled from the other sub-goal's entity (None when unknown)."""
        act = item.act
        if item.task < 0 or act.intent != "inform" or act.value or not act.slot:
            return item
        task = self.tasks[item.task]
        if act.slot not in task.sub.references:
            return item
        slot, value = self._resolve(task, act.slot)
        return Item(item.task, DialogueAct("inform", act.domain, slot, value)) if value else None

    def _resolve(self, task: Task, slot: str) -> tuple[str, str]:
        """(slot to inform, value) for a reference: the other entity's name, or "near it" as a relation slot."""
        ref = task.sub.references[slot]
        other = self._by_id.get(ref.subgoal)
        if other is None or not other.entity:
            return slot, ""
        if not ref.via:
            return slot, other.entity
        schema = self.domain.schema(task.domain)
        relation = next((n for n, s in schema.slots.items() if s.kind == "relation" and s.target == other.domain), None)
        return (relation, other.entity) if relation else (slot, "")


def with_implicit_places(goal: Goal, domain: Domain) -> Goal:
    """``goal`` with the places a transport sub-goal leaves open taken from the other sub-goals.

    MultiWOZ's goals often say only "a taxi between the two places" (a leave time, no departure or
    destination): the departure becomes the first other place sub-goal's entity, the destination
    the next one, as ConvLab's user does. Nothing changes when the goal names its places.
    """
    places = [s for s in goal.subgoals if is_place(domain.schema(s.domain))]
    subgoals = []
    for sub in goal.subgoals:
        open_slots = [
            slot
            for slot in place_slots(domain.schema(sub.domain))
            if slot not in sub.constraints and slot not in sub.references
        ]
        others = [p for p in places if p.id != sub.id]
        if not open_slots or not others:
            subgoals.append(sub)
            continue
        used = {ref.subgoal for ref in sub.references.values()}
        free = [p for p in others if p.id not in used] or others
        references = dict(sub.references)
        for slot, place in zip(open_slots, free):
            references[slot] = GoalReference(place.id)
        subgoals.append(replace(sub, references=FrozenMap(references)))
    return replace(goal, subgoals=tuple(subgoals))


def _has_named_entities(database: Database, domain: str) -> bool:
    """Whether the system names an entity of ``domain`` (not a generated one, such as a taxi)."""
    schema = database.domain.schema(domain)
    spec = schema.database
    return (
        bool(schema.name_slot) and spec is not None and spec.format != "generated" and bool(database.entities(domain))
    )
