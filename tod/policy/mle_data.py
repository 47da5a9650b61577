"""Corpus dialogues -> policy examples: the state before each system turn, and that turn's acts.

For every system turn that answers a user turn: the belief is the gold belief after the user turn
(``turn.state``, empty where the corpus has none) with the bookings made before this system turn
(:func:`bookings_as_of`), the user acts are that turn's acts, the previous
system acts are the system turn before it mapped onto the inventory, and the database results are
:func:`tod.domain.matches.query_belief` for the belief. The gold acts are the system turn's acts mapped
onto the inventory (:func:`tod.policy.features.canonical_system_acts`); acts that do not map are kept
in ``dropped`` so that reports can count them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from tod._schema import FrozenMap
from tod.acts import DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.dialogue import SYSTEM, USER, Dialogue
from tod.domain.database import Database
from tod.domain.matches import query_belief
from tod.policy.features import ActSpace, canonical_system_acts
from tod.state import DBResults, DialogueState


@dataclass(frozen=True)
class PolicyExample:
    """One system turn to predict: ``state`` and ``db_results`` in, ``gold`` acts out."""

    dialogue_id: str
    turn: int
    state: DialogueState
    db_results: DBResults
    gold: tuple[DialogueAct, ...]
    dropped: tuple[DialogueAct, ...] = ()


def safe_query(database: Database | None, belief: BeliefState) -> DBResults:
    """The database results of ``belief`` (:func:`~tod.domain.matches.query_belief`); empty without a database."""
    return FrozenMap() if database is None else query_belief(database, belief)


def bookings_as_of(belief: BeliefState, earlier: BeliefState) -> BeliefState:
    """``belief`` with the booked entities of ``earlier``: what was booked before the system turn.

    MultiWOZ writes the state of a user turn on the system turn that answers it, bookings made by that
    very system turn included; a policy predicting that turn must not see them (in a running pipeline
    they are recorded only after the policy reports them).
    """
    domains = {}
    for name in set(belief) | set(earlier):
        current = belief[name]
        domains[name] = DomainBelief(current.constraints, current.requested, current.booking, earlier[name].booked)
    return BeliefState(FrozenMap({name: domains[name] for name in [*belief, *(n for n in earlier if n not in belief)]}))


def dialogue_examples(dialogue: Dialogue, space: ActSpace, database: Database | None) -> Iterator[PolicyExample]:
    """The examples of one dialogue, in turn order (system turns not preceded by a user turn are skipped)."""
    previous: tuple[DialogueAct, ...] = ()
    before = BeliefState()
    turns = dialogue.turns
    for index, turn in enumerate(turns):
        if turn.speaker != SYSTEM:
            continue
        user = turns[index - 1] if index > 0 and turns[index - 1].speaker == USER else None
        if user is None:
            continue
        annotated = user.state if user.state is not None else BeliefState()
        belief = bookings_as_of(annotated, before)
        before = annotated
        gold, dropped = canonical_system_acts(
            turn.acts, space, user_acts=user.acts, previous=previous, belief=belief
        )
        db_results = safe_query(database, belief)
        state = DialogueState(  # gold acts: understood with certainty (a rule policy confirms nothing)
            belief=belief,
            history=turns[:index],
            user_acts=user.acts,
            system_acts=previous,
            db=db_results,
            nlu_confidence=1.0,
        )
        yield PolicyExample(dialogue.id, index, state, db_results, gold, dropped)
        previous = gold


def policy_examples(
    dialogues: Iterable[Dialogue], space: ActSpace, database: Database | None
) -> list[PolicyExample]:
    """:func:`dialogue_examples` of every dialogue, in order."""
    return [example for dialogue in dialogues for example in dialogue_examples(dialogue, space, database)]
