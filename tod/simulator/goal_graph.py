"""The order of a goal's sub-goals, from their cross-domain dependencies, as a networkx DAG.

A sub-goal that refers to another (a taxi from the restaurant, a hotel near attraction 1) can only
be pursued once the other's entity is known, so it comes after it. Otherwise the goal's own order
is kept: the topological sort breaks ties by position.
"""

from __future__ import annotations

import networkx as nx

from tod.dialogue import Goal, SubGoal
from tod.errors import SimulationError


def dependency_graph(goal: Goal) -> nx.DiGraph:
    """Sub-goal ids as nodes; an edge ``a -> b`` when ``b`` refers to ``a``'s entity."""
    graph = nx.DiGraph()
    ids = [s.id for s in goal.subgoals]
    if len(set(ids)) != len(ids):
        raise SimulationError(f"goal sub-goal ids must be unique, found {ids}")
    for position, sub in enumerate(goal.subgoals):
        graph.add_node(sub.id, position=position, domain=sub.domain)
    for sub in goal.subgoals:
        for slot, ref in sub.references.items():
            if ref.subgoal not in graph:
                raise SimulationError(
                    f"sub-goal {sub.id} ({sub.domain}) slot {slot!r} refers to sub-goal {ref.subgoal}, "
                    f"which the goal does not have (ids: {ids})"
                )
            if ref.subgoal == sub.id:
                raise SimulationError(f"sub-goal {sub.id} ({sub.domain}) slot {slot!r} refers to itself")
            graph.add_edge(ref.subgoal, sub.id, slot=slot, via=ref.via)
    if not nx.is_directed_acyclic_graph(graph):
        cycle = nx.find_cycle(graph)
        raise SimulationError(f"goal sub-goals refer to each other in a cycle: {cycle}")
    return graph


def ordered_subgoals(goal: Goal) -> tuple[SubGoal, ...]:
    """The sub-goals in the order a user pursues them: dependencies first, else the goal's order."""
    graph = dependency_graph(goal)
    by_id = {s.id: s for s in goal.subgoals}
    order = nx.lexicographical_topological_sort(graph, key=lambda node: graph.nodes[node]["position"])
    return tuple(by_id[i] for i in order)
