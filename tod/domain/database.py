"""The one query engine: constraint queries, name look-ups and "nearby" relations over a domain's databases.

Nothing here names a domain or a slot: what a slot is, how its values normalise and compare, and
where its database lives all come from the :class:`~tod.domain.ontology.Domain`. Semantics:

* a constraint value ``dontcare`` or ``""`` matches everything;
* exclusions (``excluded={slot: [values]}``) leave out the entities that would meet ``slot = value``
  for an excluded value; an entity without a value for the slot is kept;
* values are compared after normalisation (case, spacing, the ontology's synonyms) on both sides;
* number and time slots compare as their ontology entry says (``ge``, ``le``, ``between``, ...),
  and accept the value forms it declares (``4.5分以上``, ``100-150元``, ``免费``);
* list slots match when the entity's list contains the value; item slots (``酒店设施-中式餐厅`` =
  ``是``) when it contains the item;
* a slot the database does not hold (``field: null``, e.g. booking details) does not filter;
* an unknown sub-domain or slot, or a value a number/time slot cannot read, raises QueryError.
"""

from __future__ import annotations

import os
from functools import cached_property
from typing import Any, Mapping, Sequence

from tod.domain.loader import load_domain
from tod.domain.normalise import name_key
from tod.domain.ontology import Domain
from tod.domain.records import read_records
from tod.domain.relations import Relations
from tod.domain.table import Entity, Table
from tod.errors import QueryError

__all__ = ["Database", "Entity", "QueryEngine", "open_database"]


class Database:
    """All sub-domain databases of one domain, loaded and indexed once; queries never change it."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain
        tables: dict[str, Table] = {}
        for name, schema in domain.schemas.items():
            path = domain.database_path(name)
            if schema.database is not None and path is not None:
                tables[name] = Table(schema, read_records(path, schema.database))
        self._tables = tables

    @property
    def subdomains(self) -> tuple[str, ...]:
        """The sub-domains that have a database, in ontology order."""
        return tuple(self._tables)

    def table(self, domain: str) -> Table:
        """The indexed table of ``domain``; QueryError listing the known sub-domains otherwise."""
        table = self._tables.get(domain)
        if table is None:
            raise QueryError(
                f"unknown database domain {domain!r} in {self.domain.name}: expected one of {list(self._tables)}"
            )
        return table

    def query(
        self,
        domain: str,
        constraints: Mapping[str, Any],
        *,
        top_k: int | None = None,
        excluded: Mapping[str, Sequence[Any]] | None = None,
    ) -> list[Entity]:
        """The entities of ``domain`` meeting every constraint and no exclusion, in database order, at most ``top_k``."""
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0):
            raise QueryError(f"top_k must be a non-negative number of results or None, found {top_k!r:.60}")
        return self.table(domain).query(constraints, top_k, excluded)

    def meets(
        self, entity: Entity, constraints: Mapping[str, Any], excluded: Mapping[str, Sequence[Any]] | None = None
    ) -> bool:
        """Whether ``entity`` meets every constraint and no exclusion (QueryError for one the engine cannot read)."""
        return self.table(entity.domain).meets(entity.index, constraints, excluded)

    def count(
        self,
        domain: str,
        constraints: Mapping[str, Any] | None = None,
        excluded: Mapping[str, Sequence[Any]] | None = None,
    ) -> int:
        """How many entities of ``domain`` meet ``constraints`` and no exclusion (all of them when there are none)."""
        table = self.table(domain)
        return len(table.query(constraints or {}, None, excluded)) if constraints or excluded else len(table.entities)

    def entities(self, domain: str) -> tuple[Entity, ...]:
        """Every entity of ``domain`` in database order."""
        return self.table(domain).entities

    def lookup(self, domain: str, name: str) -> Entity | None:
        """The entity of ``domain`` called ``name`` (ignoring case, spacing and a leading "the"), or ``None``."""
        table = self.table(domain)
        row = table.names.get(name_key(name))
        return None if row is None else table.entities[row]

    def near(self, domain: str, name: str, target_domain: str) -> list[Entity]:
        """The entities of ``target_domain`` related to the entity ``name`` of ``domain`` ("nearby").

        QueryError when either sub-domain is unknown or ``name`` names no entity of ``domain``.
        """
        entity = self.lookup(domain, name)
        if entity is None:
            raise QueryError(f"no entity called {name!r} in {domain} of {self.domain.name}")
        target = self.table(target_domain)
        names = self.relations.neighbours(domain, entity.name, target_domain)
        return [target.entities[target.names[name_key(n)]] for n in names]

    @cached_property
    def relations(self) -> Relations:
        """The "nearby" graph, built on first use (it costs a second on CrossWOZ)."""
        return Relations(self._tables)


#: The name the design uses for the same thing.
QueryEngine = Database


def open_database(name_or_path: str | os.PathLike[str], data_dir: str | os.PathLike[str] | None = None) -> Database:
    """Load the domain ``name_or_path`` (see :func:`~tod.domain.loader.load_domain`) and its databases."""
    return Database(load_domain(name_or_path, data_dir))
