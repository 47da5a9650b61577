"""tod's dialogues scored by ConvLab-2's evaluator: the ``convlab`` metric mode of a simulation.

A tod dialogue becomes the record ConvLab's evaluator would have received, with the choices of
the adapter that re-scored tod's dialogues for ``../shared/data/convlab-eval`` (its README, "tod
dialogues"), so that tod's number and that independent re-scoring agree:

- acts become ``[intent, domain, slot, value]`` with ConvLab's act slot abbreviations (the
  evaluator's own slot table, inverted); ``book`` becomes ``offerbooked``; user acts without a slot
  are left out, except ``thank`` and ``bye``;
- the goal is written in ConvLab's format (:func:`~tod.simulator.goal_files.to_convlab`: sub-goals
  merged per domain, requests with value ``?``), and its requested slots are filled with the last
  value the system gave (:func:`~tod.simulator.convlab.evaluator.filled_goal`);
- a booking is the entity the ``book`` acts name (tod's references are not database rows).

The other way (:func:`from_record`), a ConvLab-format dialogue becomes a tod dialogue and goal, so
that tod's own mode can score a file of them too: act slots are read with the corpus's slot table
(``domains/multiwoz/corpus.yaml``), ``Booking`` acts take the current domain, ``offerbooked``
becomes ``book`` and a request's value ``?``.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from tod.acts import REQUESTED, DialogueAct
from tod.dialogue import SYSTEM, USER, Dialogue, Goal, Turn
from tod.domain.ontology import Domain
from tod.simulator.convlab.evaluator import ConvLabEvaluator, ConvLabVerdict
from tod.simulator.convlab.records import ConvLabRecord, ConvLabTurn
from tod.simulator.convlab.tables import ConvLabTables
from tod.simulator.goal_files import parse_goal, to_convlab
from tod.simulator.metrics import DialogueMetrics, summarise_metrics

#: User intents kept without a slot (the others say nothing to the evaluator).
SLOTLESS_USER_INTENTS = frozenset({"thank", "bye"})
#: tod's intent -> ConvLab's, where they differ.
INTENTS = {"book": "offerbooked"}
#: ConvLab's intent -> tod's, where they differ.
REVERSE_INTENTS = {"offerbooked": "book"}


def to_record(dialogue: Dialogue, goal: Goal, tables: ConvLabTables) -> ConvLabRecord:
    """``dialogue`` and its ``goal`` as ConvLab's evaluator would have received them (see the module docstring)."""
    abbreviations = {d: {long: short for short, long in table.items()} for d, table in tables.informs.items()}
    turns = []
    for turn in dialogue.turns:
        speaker = "system" if turn.speaker == SYSTEM else "user"
        acts = []
        for act in turn.acts:
            if speaker == "user" and not act.slot and act.intent not in SLOTLESS_USER_INTENTS:
                continue
            slot = abbreviations.get(act.domain, {}).get(act.slot, act.slot)
            acts.append((INTENTS.get(act.intent, act.intent).lower(), act.domain.lower(), slot.lower(), act.value))
        turns.append(ConvLabTurn(speaker, tuple(acts)))
    return ConvLabRecord(dialogue.id, to_convlab(goal), tuple(turns))


def to_metrics(verdict: ConvLabVerdict) -> DialogueMetrics:
    """A ConvLab verdict as tod's per-dialogue metrics (the ``convlab`` mode's numbers)."""
    return DialogueMetrics(
        success=verdict.task_success,
        complete=bool(verdict.complete),
        book_rate=verdict.book_rate,
        inform_precision=verdict.precision,
        inform_recall=verdict.recall,
        inform_f1=verdict.f1,
        turns=verdict.turns,
        true_positives=verdict.tp,
        false_positives=verdict.fp,
        false_negatives=verdict.fn,
    )


def aggregate(verdicts: Sequence[ConvLabVerdict]) -> dict[str, Any]:
    """The aggregates of ``verdicts``, averaged ConvLab's way (see :func:`summarise_metrics`)."""
    return summarise_metrics([to_metrics(v) for v in verdicts])


def from_record(record: ConvLabRecord, domain: Domain, slots: Mapping[str, Mapping[str, str]]) -> tuple[Dialogue, Goal]:
    """``record`` as a tod dialogue and goal (see the module docstring). ``slots``: per lower-cased
    act domain, or ``"default"``, act slot abbreviation -> tod slot (the corpus's table)."""
    tables = {d: {k.lower(): v for k, v in table.items()} for d, table in slots.items()}
    default = tables.get("default", {})
    goal = parse_goal(record.goal, domain, f"dialogue {record.id}")
    turns, current = [], ""
    for turn in record.turns:
        acts = []
        for intent, act_domain, slot, value in turn.acts:
            name, verb, key = act_domain.lower(), intent.lower(), slot.lower()
            if name in domain.schemas:
                current = name
            elif name == "booking" and current:
                name = current
            if key == "none":
                key, value = "", "" if value == "none" else value
            else:
                key = tables.get(name, {}).get(key) or default.get(key, key)
            verb = REVERSE_INTENTS.get(verb, verb)
            acts.append(DialogueAct(verb, name, key, REQUESTED if verb == "request" else value))
        turns.append(Turn(SYSTEM if turn.speaker == "system" else USER, "", tuple(acts)))
    return Dialogue(record.id, tuple(turns), goal=goal, corpus="convlab", split="act"), goal


class ConvLabScorer:
    """Scores tod's dialogues ConvLab-2's way: the ``convlab`` metric mode."""

    def __init__(self, domain: Domain) -> None:
        self.evaluator = ConvLabEvaluator.for_domain(domain)

    def verdict(self, dialogue: Dialogue, goal: Goal) -> ConvLabVerdict:
        return self.evaluator.score(to_record(dialogue, goal, self.evaluator.tables))

    def evaluate(self, dialogue: Dialogue, goal: Goal) -> DialogueMetrics:
        return to_metrics(self.verdict(dialogue, goal))
