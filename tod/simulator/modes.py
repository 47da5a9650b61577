"""The metric modes of a simulation: ``convlab`` (ConvLab-2's evaluator) and ``tod`` (tod's stricter one).

- ``convlab``: ConvLab-2's ``MultiWozEvaluator``, verdict for verdict (:mod:`tod.simulator.convlab`);
  the numbers to compare with ConvLab and MultiWOZ papers. Only for a domain that has ConvLab's
  tables (``convlab.yaml`` in its folder: MultiWOZ), where it is the default.
- ``tod``: :class:`~tod.simulator.metrics.Evaluator`, tod's own definitions (the entity discussed
  must meet the final constraints, any requestable slot told unasked is a false positive, no format
  checks); the default elsewhere, and reported beside ``convlab`` where both exist.
"""

from __future__ import annotations

from typing import Protocol

from tod.dialogue import Dialogue, Goal
from tod.domain.database import Database
from tod.domain.ontology import Domain
from tod.errors import SimulationError
from tod.simulator.convlab.tables import has_tables
from tod.simulator.metrics import DialogueMetrics, Evaluator

CONVLAB, TOD = "convlab", "tod"
METRIC_MODES = (CONVLAB, TOD)


class Scorer(Protocol):
    """Anything that scores a finished dialogue against its goal."""

    def evaluate(self, dialogue: Dialogue, goal: Goal) -> DialogueMetrics: ...


def available_modes(domain: Domain) -> tuple[str, ...]:
    """The metric modes ``domain`` has, its default first."""
    return METRIC_MODES if has_tables(domain) else (TOD,)


def resolve_mode(domain: Domain, mode: str | None) -> str:
    """``mode``, or the domain's default when ``None``; SimulationError for one the domain lacks."""
    modes = available_modes(domain)
    if mode is None:
        return modes[0]
    if mode not in METRIC_MODES:
        raise SimulationError(f"metric mode must be one of {list(METRIC_MODES)}, found {mode!r}")
    if mode not in modes:
        raise SimulationError(
            f"metric mode {mode!r} needs ConvLab's evaluator tables, which domain {domain.name} lacks "
            f"(only MultiWOZ has them); available: {list(modes)}"
        )
    return mode


def scorers(database: Database) -> dict[str, Scorer]:
    """One scorer per metric mode the database's domain has, its default first."""
    out: dict[str, Scorer] = {}
    for mode in available_modes(database.domain):
        if mode == CONVLAB:
            from tod.simulator.convlab.adapter import ConvLabScorer

            out[mode] = ConvLabScorer(database.domain)
        else:
            out[mode] = Evaluator(database)
    return out
