"""The database's answer to a belief: per constrained sub-domain, how many entities match and the first few.

The belief's exclusions (:attr:`tod.belief.DomainBelief.excluded`) are honoured: an entity with an
excluded value is never a match.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from tod._schema import FrozenMap
from tod.belief import BeliefState
from tod.domain.database import Database
from tod.errors import QueryError
from tod.state import DBResults, DomainResults, Match

#: How many matching entities a result keeps by default (the policy offers or lists a few at most).
DEFAULT_TOP_K = 5


def query_constraints(database: Database, domain: str, constraints: dict[str, str]) -> dict[str, str]:
    """The part of ``constraints`` the database of ``domain`` can filter on (informable slots it holds).

    Booking details and slots the ontology does not know are left out rather than failing the
    query: the tracker may keep them, the database cannot use them.
    """
    return {slot: value for slot, value in constraints.items() if _filterable(database, domain, slot)}


def query_exclusions(
    database: Database, domain: str, excluded: Mapping[str, Sequence[str]]
) -> dict[str, tuple[str, ...]]:
    """The exclusions the database of ``domain`` can apply: those of slots it filters on (as
    :func:`query_constraints`) whose values it can read (``stars`` not ``lots``); the rest are left out."""
    kept = {}
    table = database.table(domain)
    for slot, values in excluded.items():
        if not _filterable(database, domain, slot):
            continue
        readable = []
        for value in values:
            try:
                table.query({}, 0, {slot: [value]})
            except QueryError:
                continue
            readable.append(value)
        if readable:
            kept[slot] = tuple(readable)
    return kept


def _filterable(database: Database, domain: str, slot: str) -> bool:
    found = database.table(domain).schema.resolve(slot)
    if found is None:
        return False
    return found.item is not None or (found.slot.informable and found.slot.field is not None)


def readable_constraints(database: Database, domain: str, constraints: dict[str, str]) -> dict[str, str]:
    """``constraints`` without those the database cannot read (``stars = lots``): a belief may hold
    what the user said, the query uses what can be compared; the policy asks again for the rest."""
    kept = {}
    for slot, value in constraints.items():
        try:
            database.query(domain, {slot: value}, top_k=0)
        except QueryError:
            continue
        kept[slot] = value
    return kept


def query_belief(database: Database, belief: BeliefState, top_k: int = DEFAULT_TOP_K) -> DBResults:
    """Query every sub-domain the belief constrains and that has a database.

    Constraints and exclusions the database cannot filter on (booking details, unknown slots) or
    cannot read (a number slot given a word) are left out rather than failing the query.
    """
    results: dict[str, DomainResults] = {}
    for domain in belief:
        if domain not in database.subdomains:
            continue
        constraints = query_constraints(database, domain, dict(belief[domain].constraints))
        excluded = query_exclusions(database, domain, belief[domain].excluded) if belief[domain].excluded else None
        try:
            found = database.query(domain, constraints, excluded=excluded)
        except QueryError:  # rare: check each constraint once, then query what can be read
            found = database.query(domain, readable_constraints(database, domain, constraints), excluded=excluded)
        matches = tuple(Match(e.name, e.fields) for e in found[:top_k])
        results[domain] = DomainResults(count=len(found), matches=matches)
    return FrozenMap(results)
