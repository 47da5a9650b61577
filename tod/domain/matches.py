"""The database's answer to a belief: per constrained sub-domain, how many entities match and the first few."""

from __future__ import annotations

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
    schema = database.table(domain).schema
    kept = {}
    for slot, value in constraints.items():
        found = schema.resolve(slot)
        if found is None:
            continue
        if found.item is None and (not found.slot.informable or found.slot.field is None):
            continue  # item slots (CrossWOZ facilities) are kept
        kept[slot] = value
    return kept


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

    Constraints the database cannot filter on (booking details, unknown slots) or cannot read
    (a number slot given a word) are left out rather than failing the query.
    """
    results: dict[str, DomainResults] = {}
    for domain in belief:
        if domain not in database.subdomains:
            continue
        constraints = query_constraints(database, domain, dict(belief[domain].constraints))
        try:
            found = database.query(domain, constraints)
        except QueryError:  # rare: check each constraint once, then query what can be read
            found = database.query(domain, readable_constraints(database, domain, constraints))
        matches = tuple(Match(e.name, e.fields) for e in found[:top_k])
        results[domain] = DomainResults(count=len(found), matches=matches)
    return FrozenMap(results)
