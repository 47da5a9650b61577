"""Checking a domain's databases against its ontology.

:func:`validate_domain` reports what a loaded domain's data does not agree with: database values
outside a categorical slot's value set, slots whose field no entry holds, entries lacking a value,
number/time fields that do not read as numbers/times, duplicate names, and relation links naming no
entity. Each finding
is a :class:`Problem`; the built-in domain must have none, third-party corpora may have real quirks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tod.domain.database import Database
from tod.domain.ontology import Domain
from tod.domain.table import Table, slot_key

MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Problem:
    """One disagreement between the ontology and the data: where it is, what kind, and what was found."""

    domain: str
    slot: str | None
    kind: str
    message: str
    count: int = 1

    def __str__(self) -> str:
        where = f"{self.domain}.{self.slot}" if self.slot else self.domain
        return f"{where}: {self.kind}: {self.message}"


def validate_domain(domain: Domain | Database) -> list[Problem]:
    """Every problem found in ``domain``'s databases (an empty list when the data fits the ontology)."""
    database = domain if isinstance(domain, Database) else Database(domain)
    problems: list[Problem] = []
    for name in database.subdomains:
        problems.extend(_check_table(database.table(name)))
    for source, slot, count, examples in _dangling(database):
        problems.append(
            Problem(source, slot, "dangling-link", f"{count} linked name(s) match no entity, e.g. {examples}", count)
        )
    return problems


def _check_table(table: Table) -> list[Problem]:
    problems: list[Problem] = []
    name = table.schema.name
    duplicates = [n for n, c in Counter(e.name for e in table.entities).items() if c > 1]
    if duplicates:
        problems.append(
            Problem(
                name,
                None,
                "duplicate-name",
                f"{len(duplicates)} name(s) occur more than once, e.g. {duplicates[:MAX_EXAMPLES]}",
                len(duplicates),
            )
        )
    if not table.entities:
        problems.append(Problem(name, None, "empty-database", "the database has no entries"))
    for slot in table.schema.slots.values():
        if slot.field is None:
            continue
        present = [e for e in table.entities if slot.field in e.fields]
        if table.entities and not present:
            problems.append(Problem(name, slot.name, "missing-field", f"no entry has the field {slot.field!r}"))
            continue
        lacking = len(table.entities) - sum(1 for e in present if e.fields[slot.field] is not None)
        if lacking:
            message = f"{lacking} of {len(table.entities)} entries have no value (absent or null)"
            problems.append(Problem(name, slot.name, "missing-value", message, lacking))
        column = table.columns[slot.name]
        if slot.kind in ("number", "time"):
            bad = [e.fields.get(slot.field) for e, key in zip(table.entities, column) if key is None]
            bad = [v for v in bad if v is not None]
            if bad:
                examples = [str(v) for v in dict.fromkeys(map(str, bad))][:MAX_EXAMPLES]
                message = f"{len(bad)} value(s) do not read as a {slot.kind}, e.g. {examples}"
                problems.append(Problem(name, slot.name, "unreadable-value", message, len(bad)))
        if slot.kind == "categorical" and slot.values:
            allowed = set(slot.values)
            outside = Counter(k for k in column if k is not None and k not in allowed)
            if outside:
                examples = [k for k, _ in outside.most_common(MAX_EXAMPLES)]
                message = f"{sum(outside.values())} value(s) outside the value set, e.g. {examples}"
                problems.append(Problem(name, slot.name, "value-outside-set", message, sum(outside.values())))
        if slot.items is not None:
            for value in (*slot.items.yes, *slot.items.no):
                if slot_key(slot, value) is None:
                    problems.append(Problem(name, slot.name, "bad-item-value", f"item value {value!r} is empty"))
    return problems


def _dangling(database: Database) -> list[tuple[str, str, int, list[str]]]:
    has_relations = any(
        s.kind == "relation" for n in database.subdomains for s in database.table(n).schema.slots.values()
    )
    if not has_relations:
        return []
    grouped: dict[tuple[str, str], list[str]] = {}
    for source, slot, linked in database.relations.dangling:
        grouped.setdefault((source, slot), []).append(linked)
    return [(s, slot, len(names), list(dict.fromkeys(names))[:MAX_EXAMPLES]) for (s, slot), names in grouped.items()]
