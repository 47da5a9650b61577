"""User goals for simulation, generated from a domain's ontology and database.

A goal is a :class:`~tod.dialogue.Goal`: sub-goals, each with constraints the entity must meet,
slots to request, and booking details. Every sub-goal is built around an entity drawn from the
database, so its constraints are satisfiable by construction; a configurable share of sub-goals
first tries constraints that match nothing (``fail_constraints``, as MultiWOZ's ``fail_info``), and a
configurable share of whole goals is deliberately unsatisfiable (constraints no entity meets and
nothing to fall back on), to test how a system says no.

Cross-domain dependencies are references (:class:`~tod.dialogue.GoalReference`): a taxi from the
restaurant to the hotel (a transport sub-domain's place slots take other sub-goals' entities), or
CrossWOZ's "a hotel near attraction 1" (an entity among another sub-goal's related entities).
:mod:`tod.simulator.goal_graph` holds them as a DAG that orders the sub-goals.

With :class:`GoalStats` from a corpus (its goals), the generator follows the corpus: which
sub-domain combinations occur, how often each slot is constrained or requested, which written
values constraints take (CrossWOZ's ``4.5分以上``), how often a booking is wanted. Without, it
draws uniformly. The same domain, database, options, statistics and seed give the same goals.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from tod.belief import DONTCARE
from tod.dialogue import Goal, GoalReference, SubGoal
from tod.domain.database import Database
from tod.domain.ontology import Schema, Slot
from tod.domain.roles import is_place, place_slots
from tod.domain.table import Entity
from tod.errors import QueryError, SimulationError

#: Booking detail values drawn when the ontology has no value set for them.
_PEOPLE = tuple(str(n) for n in range(1, 9))
_STAY = tuple(str(n) for n in range(1, 6))
#: With corpus statistics, slots constrained at least this often are always constrained.
MANDATORY_RATE = 0.95
#: Database values that mean "not known" (MultiWOZ's ``?`` entrance fee): never asked about.
UNKNOWN_VALUES = frozenset({"?"})


@dataclass(frozen=True)
class GoalOptions:
    """How goals are drawn. Rates are probabilities in [0, 1]."""

    min_domains: int = 1
    max_domains: int = 3
    #: Constraints per sub-goal (an inclusive range; capped by the slots the entity has values for).
    #: With corpus statistics, the corpus's own distribution is used instead.
    min_constraints: int = 1
    max_constraints: int = 3
    max_requests: int = 3
    #: A bookable sub-domain's sub-goal wants a booking with this probability (corpus rate when given).
    booking_rate: float = 0.5
    #: A sub-goal first tries constraints that match nothing, then its real ones.
    fail_rate: float = 0.1
    #: A whole goal is deliberately unsatisfiable: its first sub-goal's constraints match nothing.
    unsatisfiable_rate: float = 0.0
    #: A sub-goal that can refer to an earlier one ("near the attraction") does so.
    reference_rate: float = 0.5
    #: Sub-domains allowed in goals (empty: every sub-domain with a database).
    domains: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("booking_rate", "fail_rate", "unsatisfiable_rate", "reference_rate"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise SimulationError(f"GoalOptions.{name} must be a probability in [0, 1], found {value!r}")
        for low, high in (("min_domains", "max_domains"), ("min_constraints", "max_constraints")):
            lo, hi = getattr(self, low), getattr(self, high)
            if not isinstance(lo, int) or not isinstance(hi, int) or lo < 1 or hi < lo:
                raise SimulationError(
                    f"GoalOptions.{low}/{high} must be integers with 1 <= {low} <= {high}, found {lo}/{hi}"
                )
        if not isinstance(self.max_requests, int) or self.max_requests < 0:
            raise SimulationError(
                f"GoalOptions.max_requests must be a non-negative integer, found {self.max_requests!r}"
            )
        object.__setattr__(self, "domains", tuple(self.domains))


@dataclass(frozen=True)
class GoalStats:
    """Goal statistics of a corpus: what its goals ask for, as relative frequencies."""

    combinations: tuple[tuple[tuple[str, ...], int], ...] = ()
    #: (sub-domain, slot) -> share of that sub-domain's sub-goals constraining / requesting the slot.
    constrained: Mapping[tuple[str, str], float] = field(default_factory=dict)
    requested: Mapping[tuple[str, str], float] = field(default_factory=dict)
    #: (sub-domain, slot) -> written constraint values with their counts.
    values: Mapping[tuple[str, str], tuple[tuple[str, int], ...]] = field(default_factory=dict)
    booking_rate: Mapping[str, float] = field(default_factory=dict)
    constraint_counts: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    request_counts: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    @classmethod
    def from_goals(cls, goals: Iterable[Goal], schemas: Mapping[str, Schema]) -> GoalStats:
        """Statistics of ``goals``, keeping only sub-domains and slots ``schemas`` know."""
        combos: Counter[tuple[str, ...]] = Counter()
        per_domain: Counter[str] = Counter()
        constrained: Counter[tuple[str, str]] = Counter()
        requested: Counter[tuple[str, str]] = Counter()
        values: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        booked: Counter[str] = Counter()
        n_constraints: defaultdict[str, Counter[int]] = defaultdict(Counter)
        n_requests: defaultdict[str, Counter[int]] = defaultdict(Counter)
        for goal in goals:
            subgoals = [s for s in goal.subgoals if s.domain in schemas]
            if not subgoals:
                continue
            combos[tuple(s.domain for s in subgoals)] += 1
            for sub in subgoals:
                schema = schemas[sub.domain]
                per_domain[sub.domain] += 1
                known = [s for s in sub.constraints if _known_slot(schema, s)]
                n_constraints[sub.domain][len(known)] += 1
                for slot in known:
                    constrained[(sub.domain, _base_slot(schema, slot))] += 1
                    values[(sub.domain, slot)][sub.constraints[slot]] += 1
                asked = [s for s in sub.requests if s in schema.slots and schema.slots[s].requestable]
                n_requests[sub.domain][len(asked)] += 1
                for slot in asked:
                    requested[(sub.domain, slot)] += 1
                if sub.booking:
                    booked[sub.domain] += 1
        if not combos:
            raise SimulationError("no goal of the corpus names a sub-domain of this domain: no statistics to learn")
        return cls(
            combinations=tuple(combos.most_common()),
            constrained={k: v / per_domain[k[0]] for k, v in constrained.items()},
            requested={k: v / per_domain[k[0]] for k, v in requested.items()},
            values={k: tuple(c.most_common()) for k, c in values.items()},
            booking_rate={d: booked[d] / per_domain[d] for d in per_domain},
            constraint_counts={d: tuple(sorted(c.items())) for d, c in n_constraints.items()},
            request_counts={d: tuple(sorted(c.items())) for d, c in n_requests.items()},
        )


def _known_slot(schema: Schema, slot: str) -> bool:
    found = schema.resolve(slot)
    return found is not None and (found.item is not None or found.slot.informable or found.slot.bookable)


def _base_slot(schema: Schema, slot: str) -> str:
    """An item slot (``酒店设施-中式餐厅``) counts as its list slot (``酒店设施``)."""
    found = schema.resolve(slot)
    return slot if found is None else found.base


def _weighted(rng: random.Random, pairs: Sequence[tuple[object, int]]) -> object:
    items, weights = zip(*pairs)
    return rng.choices(items, weights)[0]


class GoalGenerator:
    """Draws goals for ``database``'s domain; ``goal(seed)`` is reproducible on its own."""

    def __init__(
        self, database: Database, options: GoalOptions = GoalOptions(), stats: GoalStats | None = None
    ) -> None:
        self.database = database
        self.domain = database.domain
        self.options = options
        self.stats = stats
        known = [d for d in database.subdomains if self.domain.schema(d).database is not None]
        unknown = [d for d in options.domains if d not in self.domain.schemas]
        if unknown:
            raise SimulationError(f"GoalOptions.domains: unknown sub-domains {unknown}; expected some of {known}")
        self.allowed = [d for d in (options.domains or known) if d in known]
        self.transport = [d for d in self.allowed if place_slots(self.domain.schema(d))]
        self.searchable = [d for d in self.allowed if d not in self.transport and database.entities(d)]
        if not self.searchable:
            raise SimulationError(
                f"domain {self.domain.name} has no sub-domain with database entities to draw goals from"
            )
        self.places = [d for d in self.searchable if is_place(self.domain.schema(d))]
        self._near: dict[tuple[str, str], dict[str, tuple[Entity, ...]]] = {}
        # transports whose own table lists places (CrossWOZ's metro: the station near each place), not
        # the transport itself (CrossWOZ's taxi table: one template row, "出租 ($出发地 - $目的地)")
        owned = {d: self._own(d) for d in self.transport}
        self._place_tables = {d: own for d, own in owned.items() if any(self._is_place_name(e.name) for e in own)}

    def goals(self, count: int, seed: int = 0) -> list[Goal]:
        """``count`` goals; goal ``i`` depends only on ``seed`` and ``i``."""
        return [self.goal(goal_seed(seed, i)) for i in range(count)]

    def goal(self, seed: int) -> Goal:
        rng = random.Random(seed)
        domains = self._domains(rng)
        subgoals: list[SubGoal] = []
        entities: list[Entity | None] = []
        for index, name in enumerate(domains):
            sub, entity = self._subgoal(rng, name, index + 1, subgoals, entities)
            subgoals.append(sub)
            entities.append(entity)
        referenced = {ref.subgoal for sub in subgoals for ref in sub.references.values()}
        subgoals = [self._pinned(sub, e) if sub.id in referenced else sub for sub, e in zip(subgoals, entities)]
        if subgoals and rng.random() < self.options.unsatisfiable_rate:
            subgoals[0] = self._unsatisfiable(rng, subgoals[0])
        return Goal(tuple(subgoals), tuple(describe(s) for s in subgoals))

    def _domains(self, rng: random.Random) -> list[str]:
        usable = set(self.searchable) | set(self.transport)
        if self.stats is not None:
            combos = [(c, n) for c, n in self.stats.combinations if set(c) <= usable and c]
            combos = [
                (c, n) for c, n in combos if self.options.min_domains <= len(c) <= self.options.max_domains
            ] or combos
            if combos:
                chosen = list(_weighted(rng, combos))  # type: ignore[arg-type]
                return self._transport_last(chosen)
        count = rng.randint(self.options.min_domains, self.options.max_domains)
        pool = list(self.searchable)
        rng.shuffle(pool)
        chosen = pool[: min(count, len(pool))]
        if self.transport and len(chosen) >= 2 and len(self.places) >= 2 and rng.random() < 0.3:
            chosen[-1] = rng.choice(self.transport)
        return self._transport_last(chosen)

    def _transport_last(self, chosen: list[str]) -> list[str]:
        """A transport sub-goal needs places to go between: it comes after at least one other sub-goal."""
        if chosen and chosen[0] in self.transport and len(chosen) > 1:
            chosen = chosen[1:] + chosen[:1]
        return chosen

    # ------------------------------------------------------------------ one sub-goal
    def _subgoal(
        self, rng: random.Random, name: str, ident: int, earlier: list[SubGoal], entities: list[Entity | None]
    ) -> tuple[SubGoal, Entity | None]:
        schema = self.domain.schema(name)
        if name in self.transport:
            return self._transport(rng, schema, ident, earlier, entities), None
        references: dict[str, GoalReference] = {}
        entity = None
        if rng.random() < self.options.reference_rate:
            entity, references = self._related(rng, schema, earlier, entities)
        if entity is None:
            entity = rng.choice(self.database.entities(name))
        constraints = self._constraints(rng, schema, entity, skip=bool(references))
        fail: dict[str, str] = {}
        if constraints and rng.random() < self.options.fail_rate:
            fail = self._failing(rng, schema, constraints)
        requests = self._requests(rng, schema, constraints, entity)
        booking = self._booking(rng, schema)
        sub = SubGoal(name, ident, constraints, requests, booking, fail_constraints=fail, references=references)
        return sub, entity

    def _related(
        self, rng: random.Random, schema: Schema, earlier: list[SubGoal], entities: list[Entity | None]
    ) -> tuple[Entity | None, dict[str, GoalReference]]:
        """An entity near an earlier sub-goal's entity ("a hotel near attraction 1"), with its reference.

        "Near" is read from this sub-domain's relation slot (the hotel's nearby attractions list
        the attraction), which is what the user's constraint asks the database.
        """
        if not schema.name_slot:
            return None, {}
        options = []
        for sub, entity in zip(earlier, entities):
            if entity is None:
                continue
            for slot_name, slot in schema.slots.items():
                if slot.kind == "relation" and slot.target == sub.domain and slot.field:
                    near = self._near_index(schema.name, slot.field).get(entity.name, ())
                    if near:
                        options.append((sub, slot_name, near))
        if not options:
            return None, {}
        sub, slot_name, near = rng.choice(options)
        back = self.domain.schema(sub.domain).slots
        via = next((n for n, s in back.items() if s.kind == "relation" and s.target == schema.name), slot_name)
        return rng.choice(near), {schema.name_slot: GoalReference(sub.id, via)}

    def _near_index(self, domain: str, field_name: str) -> dict[str, tuple[Entity, ...]]:
        """Name listed in ``field_name`` -> the entities of ``domain`` listing it (built once)."""
        key = (domain, field_name)
        if key not in self._near:
            index: defaultdict[str, list[Entity]] = defaultdict(list)
            for entity in self.database.entities(domain):
                for name in entity.get(field_name) or ():
                    index[str(name)].append(entity)
            self._near[key] = {k: tuple(v) for k, v in index.items()}
        return self._near[key]

    def _pinned(self, sub: SubGoal, entity: Entity | None) -> SubGoal:
        """``sub`` with constraints that only its entity meets, so that a sub-goal referring to it
        ("near attraction 1") means the same entity in every dialogue: more of the entity's own
        values are added, else its name."""
        if entity is None:
            return sub
        schema = self.domain.schema(sub.domain)
        constraints = dict(sub.constraints)
        for slot_name in [None, *self._constraint_slots(schema, entity)]:
            if slot_name is not None and slot_name not in constraints and slot_name != schema.name_slot:
                raw = entity.get(schema.slots[slot_name].field)
                if schema.slots[slot_name].kind in ("list", "relation") or raw is None:
                    continue
                constraints[slot_name] = str(raw)
            if [e.index for e in self.database.query(sub.domain, constraints, top_k=2)] == [entity.index]:
                break
        else:
            constraints = {schema.name_slot: entity.name} if schema.name_slot else constraints
        if constraints == dict(sub.constraints):
            return sub
        fail = {} if schema.name_slot in constraints else dict(sub.fail_constraints)
        return SubGoal(
            sub.domain, sub.id, constraints, sub.requests, sub.booking, fail, sub.fail_booking, sub.references
        )

    def _constraint_slots(self, schema: Schema, entity: Entity) -> list[str]:
        out = []
        for name, slot in schema.slots.items():
            if not slot.informable or slot.field is None or slot.kind in ("relation",):
                continue
            value = entity.get(slot.field)
            if value in (None, "", [], ()) or (isinstance(value, str) and value.strip() in ("?", "-")):
                continue
            out.append(name)
        return out

    def _constraints(self, rng: random.Random, schema: Schema, entity: Entity, *, skip: bool) -> dict[str, str]:
        slots = self._constraint_slots(schema, entity)
        if schema.name_slot in slots:
            slots.remove(schema.name_slot)
            named = rng.random() < self._rate(schema.name, schema.name_slot, 0.1) and not skip
        else:
            named = False
        if named:
            return {schema.name_slot: entity.name}
        count = self._count(rng, schema.name, len(slots))
        chosen: dict[str, str] = {}
        weights = [self._rate(schema.name, s, 0.5) for s in slots]
        pool = [(s, w) for s, w in zip(slots, weights) if w > 0]  # never a slot the corpus never constrains
        # slots nearly every corpus goal constrains (a train's departure) come first
        pool.sort(key=lambda sw: sw[1] < MANDATORY_RATE)
        while pool and len(chosen) < count:
            first = pool[0][1] >= MANDATORY_RATE and self.stats is not None
            index = 0 if first else rng.choices(range(len(pool)), [w for _, w in pool])[0]
            slot_name, _ = pool.pop(index)
            value = self._value(rng, schema, schema.slots[slot_name], entity)
            if value is not None:
                chosen.update(value)
        return chosen

    def _rate(self, domain: str, slot: str, default: float) -> float:
        if self.stats is None:
            return default
        return self.stats.constrained.get((domain, slot), 0.0)

    def _count(self, rng: random.Random, domain: str, available: int) -> int:
        if self.stats is not None and self.stats.constraint_counts.get(domain):
            pairs = [(n, c) for n, c in self.stats.constraint_counts[domain] if n >= 1]
            if pairs:
                return min(int(_weighted(rng, pairs)), available)  # type: ignore[arg-type]
        return min(rng.randint(self.options.min_constraints, self.options.max_constraints), available)

    def _value(self, rng: random.Random, schema: Schema, slot: Slot, entity: Entity) -> dict[str, str] | None:
        """A constraint on ``slot`` that ``entity`` meets: a corpus-written value where one fits, else its own.

        A yes/no slot is only ever asked for with "yes" (free parking): nobody asks for a hotel
        without parking, and "no" reads as "I don't need it", which is ``dontcare``."""
        raw = entity.get(slot.field) if slot.field else None
        if _yes_no(slot):
            return {slot.name: "yes"} if self._meets(schema, slot.name, "yes", entity) else None
        if slot.kind == "list":
            items = [str(v) for v in (raw or ()) if str(v).strip()]
            if not items:
                return None
            item = rng.choice(items)
            if slot.items is not None:
                return {slot.item_slot(item): slot.items.yes[0]}
            return {slot.name: item}
        if self.stats is not None:
            written = [
                (v, n)
                for v, n in self.stats.values.get((schema.name, slot.name), ())
                if self._meets(schema, slot.name, v, entity)
            ]
            if written:
                return {slot.name: str(_weighted(rng, written))}
        if raw is None:
            return None
        return {slot.name: entity.name if slot.kind == "name" else str(raw)}

    def _meets(self, schema: Schema, slot: str, value: str, entity: Entity) -> bool:
        try:
            return self.database.meets(entity, {slot: value})
        except QueryError:  # a corpus value the engine cannot read: not usable as a constraint
            return False

    def _failing(
        self, rng: random.Random, schema: Schema, constraints: Mapping[str, str], *, extend: bool = False
    ) -> dict[str, str]:
        """The constraints with one value changed (``extend``: or one more slot) so that nothing matches;
        empty when no such change exists."""
        slots = list(constraints)
        rng.shuffle(slots)
        if extend:
            others = [n for n, sl in schema.slots.items() if sl.informable and sl.field and n not in constraints]
            rng.shuffle(others)
            slots += others
        for slot_name in slots:
            slot = schema.slots.get(slot_name)
            if slot is None or slot.kind not in ("categorical", "text") or slot_name == schema.name_slot or _yes_no(slot):
                continue
            candidates = list(slot.values) or self._database_values(schema, slot)
            rng.shuffle(candidates)
            for value in candidates[:20]:
                trial = {**constraints, slot_name: value}
                if value != constraints.get(slot_name) and self.database.count(schema.name, trial) == 0:
                    return trial
        return {}

    def _database_values(self, schema: Schema, slot: Slot) -> list[str]:
        values = {
            str(e.get(slot.field)) for e in self.database.entities(schema.name) if slot.field and e.get(slot.field)
        }
        return sorted(values)

    def _unsatisfiable(self, rng: random.Random, sub: SubGoal) -> SubGoal:
        failing = self._failing(rng, self.domain.schema(sub.domain), sub.constraints, extend=True)
        if not failing:
            return sub
        return SubGoal(sub.domain, sub.id, failing, sub.requests, sub.booking, references=sub.references)

    def _requests(
        self, rng: random.Random, schema: Schema, constraints: Mapping[str, str], entity: Entity | None = None
    ) -> tuple[str, ...]:
        """Slots to ask about; with an entity, only those whose value the database knows for it."""
        candidates = [s for s in schema.requestable if s not in constraints and not schema.slots[s].bookable]
        if entity is not None:
            candidates = [s for s in candidates if _known(entity, schema.slots[s])]
        if not candidates or self.options.max_requests == 0:
            return ()
        if self.stats is not None and self.stats.request_counts.get(schema.name):
            pairs = [(n, c) for n, c in self.stats.request_counts[schema.name] if n <= self.options.max_requests]
            count = int(_weighted(rng, pairs)) if pairs else 1  # type: ignore[arg-type]
            candidates = [s for s in candidates if self.stats.requested.get((schema.name, s), 0.0) > 0]
            weights = [self.stats.requested[(schema.name, s)] for s in candidates]
        else:
            count = rng.randint(0 if schema.booking else 1, self.options.max_requests)
            weights = [1.0] * len(candidates)
        chosen: list[str] = []
        pool = list(zip(candidates, weights))
        while pool and len(chosen) < count:
            index = rng.choices(range(len(pool)), [w for _, w in pool])[0]
            chosen.append(pool.pop(index)[0])
        return tuple(chosen)

    def _booking(self, rng: random.Random, schema: Schema) -> dict[str, str]:
        spec = schema.booking
        if spec is None or not self._bookable_with_entity(schema):
            return {}
        rate = self.options.booking_rate if self.stats is None else self.stats.booking_rate.get(schema.name, 0.0)
        if rng.random() >= rate:
            return {}
        details = {}
        for slot_name in spec.required + tuple(rng.choice(group) for group in spec.one_of):
            value = booking_value(rng, schema.slots[slot_name])
            if value is not None:
                details[slot_name] = value
        return details

    @staticmethod
    def _bookable_with_entity(schema: Schema) -> bool:
        """Booking details that are all own details (not a taxi's places, which are constraints)."""
        return schema.booking is not None and all(
            schema.slots[s].bookable and not schema.slots[s].informable for s in schema.booking.slots
        )

    # ------------------------------------------------------------------ transport
    def _known_place(self, schema: Schema, name: str) -> bool:
        """Whether the transport's own table has the place, with every value it can tell about it."""
        entity = self.database.lookup(schema.name, name)
        told = [s for s in schema.slots.values() if s.requestable and s.field and s.kind != "name"]
        return entity is not None and all(_known(entity, s) for s in told)

    def _own(self, transport: str) -> tuple[Entity, ...]:
        schema = self.domain.schema(transport)
        if schema.database is None or schema.database.format == "generated":
            return ()
        return tuple(self.database.entities(transport))

    def _is_place_name(self, name: str) -> bool:
        return bool(name) and any(self.database.lookup(d, name) is not None for d in self.places)

    def _transport(
        self, rng: random.Random, schema: Schema, ident: int, earlier: list[SubGoal], entities: list[Entity | None]
    ) -> SubGoal:
        places = [(sub, e) for sub, e in zip(earlier, entities) if e is not None and sub.domain in self.places]
        own = self._place_tables.get(schema.name, ())
        if own:  # a transport that looks places up in its own table (CrossWOZ's metro): only places it knows
            places = [(sub, e) for sub, e in places if self._known_place(schema, e.name)]
        slots = place_slots(schema)
        constraints: dict[str, str] = {}
        references: dict[str, GoalReference] = {}
        rng.shuffle(places)
        for slot_name in slots:
            if places:
                sub, _ = places.pop()
                references[slot_name] = GoalReference(sub.id)
            elif own:
                known = [e for e in own if self._known_place(schema, e.name)]
                constraints[slot_name] = rng.choice(known or list(own)).name
            elif self.places:
                other = rng.choice(self.places)
                constraints[slot_name] = rng.choice(self.database.entities(other)).name
        times = [n for n, s in schema.slots.items() if s.informable and s.kind == "time" and s.field is None]
        if times:
            constraints[rng.choice(times)] = random_time(rng)
        requests = self._requests(rng, schema, constraints)
        return SubGoal(schema.name, ident, constraints, requests, references=references)


def _yes_no(slot: Slot) -> bool:
    return slot.kind == "categorical" and {v.casefold() for v in slot.values} == {"yes", "no"}


def _known(entity: Entity, slot: Slot) -> bool:
    if slot.kind == "name":
        return True
    value = entity.get(slot.field) if slot.field else None
    return value not in (None, "", (), []) and str(value).strip() not in UNKNOWN_VALUES


def booking_value(rng: random.Random, slot: Slot) -> str | None:
    """A plausible booking detail for ``slot``: one of its values, a party size, a stay or a time."""
    if slot.values:
        return rng.choice([v for v in slot.values if v != DONTCARE])
    if slot.kind == "time":
        return random_time(rng, 11, 21)
    if slot.kind == "number":
        return rng.choice(_STAY if "stay" in slot.name or "night" in slot.name else _PEOPLE)
    return None


def random_time(rng: random.Random, first_hour: int = 7, last_hour: int = 21) -> str:
    return f"{rng.randint(first_hour, last_hour):02d}:{rng.choice((0, 15, 30, 45)):02d}"


def goal_seed(seed: int, index: int) -> int:
    """The seed of goal ``index`` of a run seeded ``seed``: independent of how the run is split."""
    return (seed * 1_000_003 + index * 7919 + 17) % (1 << 31)


def describe(sub: SubGoal) -> str:
    """A one-line description of a sub-goal, for people reading reports."""
    parts = [f"{sub.domain} (id={sub.id})"]
    if sub.constraints:
        parts.append("with " + ", ".join(f"{k}={v}" for k, v in sub.constraints.items()))
    if sub.references:
        parts.append(
            "; "
            + ", ".join(f"{k} from id={r.subgoal}{' ' + r.via if r.via else ''}" for k, r in sub.references.items())
        )
    if sub.fail_constraints:
        parts.append("; first tries " + ", ".join(f"{k}={v}" for k, v in sub.fail_constraints.items()))
    if sub.requests:
        parts.append("; wants " + ", ".join(sub.requests))
    if sub.booking:
        parts.append("; books " + ", ".join(f"{k}={v}" for k, v in sub.booking.items()))
    return " ".join(parts)
