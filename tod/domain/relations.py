"""The "nearby" graph between entities, built from the ontology's ``relation`` slots.

A relation slot (CrossWOZ ``周边酒店``: a list of hotel names) gives a directed edge from the entity
holding the list to each named entity of the slot's target sub-domain. Nodes are ``(sub-domain,
name)`` pairs; each edge records the slot it came from. Names that match no entity of the target
sub-domain (the data has some) are kept as dangling links so validation can report them.
"""

from __future__ import annotations

from typing import Mapping

import networkx as nx

from tod.domain.normalise import name_key
from tod.domain.table import Entity, Table


class Relations:
    """A directed graph of the relation slots of a domain's tables."""

    def __init__(self, tables: Mapping[str, Table]) -> None:
        self.graph: nx.DiGraph = nx.DiGraph()
        #: (sub-domain, slot, linked name) for every link naming no entity of the target sub-domain.
        self.dangling: list[tuple[str, str, str]] = []
        for table in tables.values():
            for entity in table.entities:
                self.graph.add_node((table.schema.name, entity.name))
        for table in tables.values():
            for slot in table.schema.slots.values():
                if slot.kind != "relation" or slot.field is None or slot.target not in tables:
                    continue
                target = tables[slot.target]
                for entity in table.entities:
                    linked = entity.fields.get(slot.field) or ()
                    for name in linked if isinstance(linked, tuple) else (linked,):
                        row = target.names.get(name_key(name))
                        if row is None:
                            self.dangling.append((table.schema.name, slot.name, str(name)))
                            continue
                        node = (slot.target, target.entities[row].name)
                        self.graph.add_edge((table.schema.name, entity.name), node, slot=slot.name)

    def neighbours(self, domain: str, name: str, target: str) -> list[str]:
        """Names of the ``target`` entities linked from (or, failing that, to) ``(domain, name)``.

        Outgoing links come first, in the order the entity lists them; entities that list this one
        (links the other way) follow, so relations declared on one side only still answer.
        """
        node = (domain, name)
        if node not in self.graph:
            return []
        out = [n for (d, n) in self.graph.successors(node) if d == target]
        seen = set(out)
        out.extend(n for (d, n) in self.graph.predecessors(node) if d == target and n not in seen)
        return out

    def links(self, entity: Entity) -> int:
        """How many links leave ``entity``."""
        return int(self.graph.out_degree((entity.domain, entity.name)))
