"""Values for predicted act triples: the MLE policy predicts ``(intent, domain, slot)``, this fills ``value``.

* ``inform``/``recommend(d, s)``: slot ``s`` of the entity under discussion (:func:`entity_in_focus`); a
  list field gives one act per item (at most :data:`MAX_ITEMS`); an item slot (``酒店设施-吹风机``) gives the
  slot's yes/no word; a slot the database does not hold falls back to the belief's value;
* ``inform(d, choice)``: the number of matches; ``select(d, s)``: one act per distinct value of ``s``
  among the matches (two at least);
* ``request(d, s)``: ``?``; ``nooffer``/``confirm(d, s)``: the belief's value (``nooffer(d)`` has none);
  ``suggest(d, s)``: ``dontcare`` (drop the constraint) when ``s`` is constrained;
* ``book(d, ref)``: the booking the rule policy would make: the plan of
  :func:`tod.domain.booking.plan_booking` (details from the belief, dontcare left out, checked with
  :class:`~tod.domain.booking.Booker`; a generated sub-domain's entity drawn for the details, else the
  entity under discussion) and its reference :func:`tod.domain.booking.booking_reference` (sub-domain,
  entity, details and the number of user turns); ``book(d, s)`` the entity's name or the detail;
  ``nobook(d, s)`` the detail;
* acts without a value (``general`` acts, ``offerbook``, ``nooffer(d)``, ``nobook(d)``) as they are.

An act whose value cannot be filled is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any, Iterable, Mapping, Sequence

from tod.acts import CHOICE, GENERAL, REFERENCE, REQUESTED, DialogueAct
from tod.belief import DONTCARE
from tod.domain.booking import Booker, booking_reference, plan_booking
from tod.domain.database import Database
from tod.domain.matches import query_constraints, query_exclusions
from tod.domain.memory import ConversationMemory, remember
from tod.domain.ontology import Domain, Schema
from tod.errors import QueryError
from tod.policy.features import Triple
from tod.state import DBResults, DialogueState

#: At most this many acts for one list-valued slot (CrossWOZ's nearby places) and options of a select.
MAX_ITEMS = 5
MAX_OPTIONS = 3
#: The order acts are emitted in (then by score): what happened first, then what is offered, then questions.
INTENT_ORDER = (
    "greet", "welcome", "nooffer", "nobook", "book", "inform", "recommend", "select",
    "suggest", "confirm", "offerbook", "request", "reqmore", "bye",
)


@dataclass(frozen=True)
class FocusEntity:
    """The entity an act speaks about: its name and read-only fields (from the database or a Match)."""

    name: str
    fields: Mapping[str, Any]


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


def _lookup(database: Database | None, subdomain: str, name: str) -> FocusEntity | None:
    if database is None or subdomain not in database.subdomains or not name or name == DONTCARE:
        return None
    found = database.lookup(subdomain, name)
    return None if found is None else FocusEntity(found.name, found.fields)


def _fits(database: Database | None, subdomain: str, entity: FocusEntity, state: DialogueState) -> bool:
    """Whether ``entity`` still meets the belief's constraints (and exclusions) on ``subdomain``."""
    if database is None:
        return False
    belief = state.belief[subdomain]
    constraints = query_constraints(database, subdomain, dict(belief.constraints))
    excluded = query_exclusions(database, subdomain, belief.excluded)
    try:
        return any(e.name == entity.name for e in database.query(subdomain, constraints, excluded=excluded))
    except QueryError:
        return False


def entity_in_focus(
    state: DialogueState,
    db_results: DBResults,
    subdomain: str,
    domain: Domain,
    database: Database | None,
    memory: ConversationMemory | None = None,
) -> FocusEntity | None:
    """The entity of ``subdomain`` under discussion: the one the belief names, else the one booked last, else
    the one the system named last if it still meets the constraints (or nothing does), else the top match,
    else (nothing matches) the first match of the constraints relaxed; ``None`` when there is none.
    ``memory`` is :func:`~tod.domain.memory.remember` of ``state`` (read here when not given)."""
    known = (memory or remember(state, domain)).of(subdomain)
    results = db_results.get(subdomain)
    for name in (known.held_name, *known.booked_names):
        named = _lookup(database, subdomain, name or "")
        if named is not None:
            return named
    offered = _lookup(database, subdomain, known.last_named or "")
    if offered is not None and (results is None or results.count == 0 or _fits(database, subdomain, offered, state)):
        return offered
    if results is not None and results.matches:
        top = results.matches[0]
        return FocusEntity(top.name, top.fields)
    return _relaxed(database, subdomain, state) if results is not None else None


def _relaxed(database: Database | None, subdomain: str, state: DialogueState) -> FocusEntity | None:
    """The first entity that matches once the fewest constraints are dropped (the latest-stated first)."""
    if database is None:
        return None
    constraints = query_constraints(database, subdomain, dict(state.belief[subdomain].constraints))
    slots = list(constraints)[::-1]
    for size in range(1, len(slots) + 1):
        for dropped in combinations(slots, size):
            kept = {k: v for k, v in constraints.items() if k not in dropped}
            try:
                found = database.query(subdomain, kept, top_k=1)
            except QueryError:
                continue
            if found:
                return FocusEntity(found[0].name, found[0].fields)
    return None


def _belief_value(state: DialogueState, subdomain: str, slot: str) -> str:
    belief = state.belief[subdomain]
    return belief.constraints.get(slot) or belief.booking.get(slot) or ""


def _slot_values(schema: Schema, entity: FocusEntity | None, slot: str, state: DialogueState) -> list[str]:
    """The values of ``slot`` to tell about ``entity`` (several for a list field)."""
    found = schema.resolve(slot)
    if found is None:
        return []
    spec = found.slot
    if found.item is not None:  # an item slot: does the entity's list contain the item?
        if entity is None or spec.items is None:
            return []
        listed = entity.fields.get(spec.field or spec.name) or ()
        listed = listed if isinstance(listed, (list, tuple)) else [listed]
        has = found.item in {_text(v) for v in listed}
        words = spec.items.yes if has else spec.items.no
        return [words[0]] if words else []
    if entity is not None:
        if spec.kind == "name":
            return [entity.name]
        raw = entity.fields.get(spec.field) if spec.field else None
        if isinstance(raw, (list, tuple)):
            return [t for t in (_text(v) for v in raw[:MAX_ITEMS]) if t]
        if _text(raw):
            return [_text(raw)]
    value = _belief_value(state, schema.name, slot)
    return [value] if value and value != DONTCARE else []


@dataclass(frozen=True)
class Booked:
    """The booking the policy reports: its reference, the entity's name and the checked details."""

    reference: str
    entity: str
    details: Mapping[str, str]


def _booking(
    subdomain: str, entity: FocusEntity | None, state: DialogueState, schema: Schema,
    database: Database | None, seed: int,
) -> Booked | None:
    """The booking of ``entity`` (for a generated sub-domain, the entity drawn for the details) as the one
    booking plan says (:func:`tod.domain.booking.plan_booking`, the rule policy's too), or ``None`` when it
    cannot be made."""
    if schema.booking is None or database is None or subdomain not in database.subdomains:
        return None
    plan = plan_booking(Booker(database, seed), schema, state.belief[subdomain])
    generated = schema.database is not None and schema.database.format == "generated"
    target = plan.generated if generated else entity
    if plan.checked is None or target is None:
        return None
    reference = booking_reference(seed, plan, target.name, state.turn_count, state.dialogue_id)
    return Booked(reference, target.name, plan.checked)


def lexicalise(
    predicted: Sequence[tuple[Triple, float]],
    state: DialogueState,
    db_results: DBResults,
    domain: Domain,
    database: Database | None,
    seed: int = 0,
) -> list[DialogueAct]:
    """Acts with values for the ``(triple, score)`` pairs, ordered by :data:`INTENT_ORDER` then score."""
    rank = {intent: i for i, intent in enumerate(INTENT_ORDER)}
    ordered = sorted(predicted, key=lambda p: (rank.get(p[0][0], len(rank)), -p[1]))
    entities: dict[str, FocusEntity | None] = {}
    acts: dict[DialogueAct, None] = {}
    memory = remember(state, domain)
    for (intent, subdomain, slot), _ in ordered:
        if subdomain not in entities and subdomain in domain.schemas:
            entities[subdomain] = entity_in_focus(state, db_results, subdomain, domain, database, memory)
        for act in _fill(intent, subdomain, slot, state, db_results, domain, database, entities, seed):
            acts.setdefault(act, None)
    return list(acts)


def _fill(
    intent: str, subdomain: str, slot: str, state: DialogueState, db_results: DBResults,
    domain: Domain, database: Database | None, entities: dict[str, FocusEntity | None], seed: int,
) -> Iterable[DialogueAct]:
    if subdomain == GENERAL or subdomain not in domain.schemas:
        return [DialogueAct(intent, subdomain, slot, "")] if subdomain == GENERAL else []
    schema = domain.schemas[subdomain]
    entity = entities.get(subdomain)
    results = db_results.get(subdomain)

    def acts(values: Iterable[str]) -> list[DialogueAct]:
        return [DialogueAct(intent, subdomain, slot, v) for v in values if v]

    if intent == "request":
        return [DialogueAct(intent, subdomain, slot, REQUESTED)]
    if intent in ("offerbook",) or (intent in ("nooffer", "nobook") and not slot):
        return [DialogueAct(intent, subdomain, "", "")]
    if intent == "inform" and slot == CHOICE:
        return acts([str(results.count)] if results is not None else [])
    if intent in ("inform", "recommend"):
        return acts(_slot_values(schema, entity, slot, state))
    if intent == "select":
        matches = results.matches if results is not None else ()
        options = [_slot_values(schema, FocusEntity(m.name, m.fields), slot, state)[:1] for m in matches]
        distinct = list(dict.fromkeys(v for values in options for v in values))[:MAX_OPTIONS]
        return acts(distinct) if len(distinct) >= 2 else []
    if intent in ("nooffer", "confirm", "nobook"):
        value = _belief_value(state, subdomain, slot)
        return acts([value] if value and (intent != "confirm" or value != DONTCARE) else [])
    if intent == "suggest":
        value = state.belief[subdomain].constraints.get(slot, "")
        return acts([DONTCARE] if value and value != DONTCARE else [])
    if intent == "book":
        booking = _booking(subdomain, entity, state, schema, database, seed)
        if booking is None:
            return []
        if slot == REFERENCE:
            return acts([booking.reference])
        if slot in schema.name_slots:
            return acts([booking.entity])
        return acts([booking.details.get(slot, "")])
    return []
