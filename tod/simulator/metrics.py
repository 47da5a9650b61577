"""Task metrics of one dialogue, computed from the dialogue's acts and the user's goal alone.

The definitions are ConvLab-2's (``convlab2/evaluator/multiwoz_eval.py``), written for any domain;
nothing here imports a policy, so a system cannot grade itself:

- **inform precision / recall / F1**: the slots the system told per sub-domain are those of its
  ``inform``, ``recommend``, ``offerbook`` and ``book`` acts with a well-formed value (not empty,
  ``?``, ``none`` or ``dontcare``). A hit is a requested slot told; a miss a requested slot never
  told; a false positive a requestable slot told that the goal neither requests nor constrains.
  Per dialogue; undefined (``None``) when the goal requests nothing.
- **book rate**: for each sub-goal that wants a booking, the share of its final constraints the
  booked entity meets (0 when nothing was booked); constraints on the entity's name and on places
  (slots the database does not hold) are left out, as in ConvLab. The mean over those sub-goals;
  ``None`` when the goal books nothing.
- **complete**: every booking wanted was made and every requested slot was told.
- **success**: book rate 1 and inform recall 1 (each where defined), and for every sub-goal of a
  sub-domain with named entities, the entity under discussion last (named by the system, or by the
  user without a ``nooffer`` in reply) meets the final constraints (its name aside, as in ConvLab's
  book rate: MultiWOZ's ``fail_info`` sometimes names an entity that exists).
  A deliberately unsatisfiable goal can therefore not succeed.
- **turns**: user and system turns both count, as in ConvLab (two per exchange).
- A sub-goal's final constraints are its real ones once the system said ``nooffer`` in its
  sub-domain; a first attempt (``fail_constraints``) the system never refused stands instead
  (:func:`effective_goal`).

Sub-goals of the same sub-domain (CrossWOZ has two attractions) share the sub-domain's told slots,
as ConvLab's per-domain sets do; each needs one of the entities discussed in the sub-domain to meet
its constraints.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

from tod._schema import FrozenMap
from tod.acts import REQUESTED
from tod.dialogue import SYSTEM, Dialogue, Goal, SubGoal
from tod.domain.database import Database
from tod.errors import SimulationError

#: System intents whose slots count as told.
TELLING_INTENTS = ("inform", "recommend", "offerbook", "book")
#: Values that tell nothing.
EMPTY_VALUES = frozenset({"", REQUESTED, "none", "not mentioned", "dontcare", "do n't care", "don't care"})
#: The slot of a booking's reference number.
REFERENCE_SLOT = "ref"


@dataclass(frozen=True)
class DialogueMetrics:
    """The task metrics of one simulated dialogue."""

    success: bool
    complete: bool
    book_rate: float | None
    inform_precision: float | None
    inform_recall: float | None
    inform_f1: float | None
    turns: int
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "complete": self.complete,
            "book_rate": self.book_rate,
            "inform_precision": self.inform_precision,
            "inform_recall": self.inform_recall,
            "inform_f1": self.inform_f1,
            "turns": self.turns,
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
        }


def _well_formed(value: str) -> bool:
    return value.strip().casefold() not in EMPTY_VALUES


def effective_goal(goal: Goal, refused: set[str]) -> Goal:
    """The constraints each sub-goal really pursued: a first attempt (``fail_constraints``) the system
    never refused (no ``nooffer`` in its sub-domain) stands. MultiWOZ's ``fail_info`` failed against
    the 2017 wizard's view and sometimes matches in the database; the user then takes what it gets."""
    subgoals = tuple(
        replace(sub, constraints=sub.fail_constraints, fail_constraints=FrozenMap())
        if sub.fail_constraints and sub.domain not in refused
        else sub
        for sub in goal.subgoals
    )
    return replace(goal, subgoals=subgoals)


def summarise_metrics(metrics: Sequence[DialogueMetrics]) -> dict[str, Any]:
    """The aggregates of per-dialogue ``metrics``: success and complete over all dialogues, book rate
    over those that book, inform precision / recall / F1 each over the dialogues where it is defined,
    turns over all and over successes. In the ``convlab`` mode precision is defined exactly where
    recall is (the goal requests something), so this is ConvLab-2's averaging; tod's own mode also
    has a precision (0) for a dialogue that requests nothing but was told requestable slots."""

    def mean(values: Sequence[float | None]) -> float | None:
        kept = [v for v in values if v is not None]
        return sum(kept) / len(kept) if kept else None

    successful = [m.turns for m in metrics if m.success]
    return {
        "dialogues": len(metrics),
        "success_rate": mean([float(m.success) for m in metrics]),
        "complete_rate": mean([float(m.complete) for m in metrics]),
        "book_rate": mean([m.book_rate for m in metrics]),
        "inform_precision": mean([m.inform_precision for m in metrics]),
        "inform_recall": mean([m.inform_recall for m in metrics]),
        "inform_f1": mean([m.inform_f1 for m in metrics]),
        "avg_turns": mean([float(m.turns) for m in metrics]),
        "avg_turns_success": mean([float(t) for t in successful]),
        "dialogues_with_booking": sum(1 for m in metrics if m.book_rate is not None),
        "dialogues_with_requests": sum(1 for m in metrics if m.inform_recall is not None),
    }


class Evaluator:
    """Scores dialogues against their goals with one database (tod's own, stricter ``tod`` mode)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.domain = database.domain

    def evaluate(self, dialogue: Dialogue, goal: Goal | None = None) -> DialogueMetrics:
        goal = goal if goal is not None else dialogue.goal
        if goal is None:
            raise SimulationError(f"dialogue {dialogue.id} has no goal to evaluate against")
        told: dict[str, set[str]] = {}
        named: dict[str, str] = {}
        ever_named: dict[str, list[str]] = {}
        booked: dict[str, str] = {}
        for turn in dialogue.turns:
            if turn.speaker != SYSTEM:
                for act in turn.acts:  # an entity the user names is the one under discussion ...
                    schema = self.domain.schemas.get(act.domain)
                    if schema is not None and act.intent == "inform" and act.slot == schema.name_slot and act.value:
                        named[act.domain] = act.value
                        ever_named.setdefault(act.domain, []).append(act.value)
                continue
            for act in turn.acts:
                if act.intent == "nooffer" and act.domain in named and act.value == named[act.domain]:
                    del named[act.domain]  # ... unless the system says it does not know it
                schema = self.domain.schemas.get(act.domain)
                if schema is None:
                    continue
                if act.intent in TELLING_INTENTS and act.slot and _well_formed(act.value):
                    told.setdefault(act.domain, set()).add(act.slot)
                    if act.slot == schema.name_slot and act.intent != "offerbook":
                        named[act.domain] = act.value
                        ever_named.setdefault(act.domain, []).append(act.value)
                if act.intent == "book" and act.slot == REFERENCE_SLOT and _well_formed(act.value):
                    booked[act.domain] = named.get(act.domain, "")
            for act in turn.acts:  # a booking names its entity in the same turn, in any order
                schema = self.domain.schemas.get(act.domain)
                if (
                    schema is not None
                    and act.intent == "book"
                    and act.slot == schema.name_slot
                    and act.domain in booked
                ):
                    booked[act.domain] = act.value
        refused = {a.domain for t in dialogue.turns if t.speaker == SYSTEM for a in t.acts if a.intent == "nooffer"}
        goal = effective_goal(goal, refused)
        tp, fp, fn = self._inform(goal, told)
        rates = [self._book_rate(sub, booked) for sub in goal.subgoals if sub.booking]
        book_rate = sum(rates) / len(rates) if rates else None
        precision = tp / (tp + fp) if tp + fp else (None if tp + fn == 0 else 0.0)
        recall = tp / (tp + fn) if tp + fn else None
        if recall is None:
            f1 = None
        elif precision and recall:
            f1 = 2 * precision * recall / (precision + recall)
        else:
            f1 = 0.0
        booked_all = all(sub.domain in booked for sub in goal.subgoals if sub.booking)
        complete = booked_all and fn == 0
        per_domain = {d: sum(1 for s in goal.subgoals if s.domain == d) for d in goal.domains}
        right_entities = all(
            self._entity_ok(sub, named.get(sub.domain, ""))
            if per_domain[sub.domain] == 1
            else any(self._entity_ok(sub, name) for name in ever_named.get(sub.domain, [""]))
            for sub in goal.subgoals
        )
        success = (book_rate is None or book_rate == 1.0) and (recall is None or recall == 1.0) and right_entities
        return DialogueMetrics(
            success=success,
            complete=complete,
            book_rate=book_rate,
            inform_precision=precision,
            inform_recall=recall,
            inform_f1=f1,
            turns=len(dialogue.turns),
            true_positives=tp,
            false_positives=fp,
            false_negatives=fn,
        )

    def _inform(self, goal: Goal, told: Mapping[str, set[str]]) -> tuple[int, int, int]:
        tp = fp = fn = 0
        for domain in goal.domains:
            subs = [s for s in goal.subgoals if s.domain == domain]
            requested = {r for s in subs for r in s.requests}
            constrained = {c for s in subs for c in (*s.constraints, *s.references)}
            schema = self.domain.schema(domain)
            said = told.get(domain, set())
            tp += len(requested & said)
            fn += len(requested - said)
            extra = said - requested - constrained - {schema.name_slot}  # the name is how an entity is offered
            fp += sum(1 for slot in extra if slot in schema.slots and schema.slots[slot].requestable)
        return tp, fp, fn

    def _checkable(self, sub: SubGoal) -> dict[str, str]:
        """The final constraints the database can check, without the name (ConvLab leaves it out)."""
        schema = self.domain.schema(sub.domain)
        out = {}
        for slot, value in sub.constraints.items():
            spec = schema.slots.get(slot)
            if slot == schema.name_slot:
                continue
            if spec is not None and spec.field is None:
                continue  # a place or detail the database does not hold (taxi departure)
            out[slot] = value
        return out

    def _meets(self, domain: str, name: str, slot: str, value: str) -> bool:
        name_slot = self.domain.schema(domain).name_slot
        try:
            return bool(self.database.query(domain, {slot: value, name_slot: name}, top_k=1))
        except Exception:  # a constraint the engine cannot read: it cannot count against the system
            return True

    def _book_rate(self, sub: SubGoal, booked: Mapping[str, str]) -> float:
        if sub.domain not in booked:
            return 0.0
        checks = self._checkable(sub)
        name = booked[sub.domain]
        if not checks or not self.domain.schema(sub.domain).name_slot:
            return 1.0
        if not name:
            return 0.0
        return sum(self._meets(sub.domain, name, s, v) for s, v in checks.items()) / len(checks)

    def _entity_ok(self, sub: SubGoal, name: str) -> bool:
        schema = self.domain.schema(sub.domain)
        if not schema.name_slot or schema.database is None or schema.database.format == "generated":
            return True
        checks = self._checkable(sub)  # the name is left out, as in ConvLab's book rate
        if not name:
            return not checks  # nothing discussed: right only when nothing needed checking (police)
        return all(self._meets(sub.domain, name, s, v) for s, v in checks.items())
