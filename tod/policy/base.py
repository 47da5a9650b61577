"""The policy contract.

A policy decides what the system says next, as dialogue acts, from the dialogue state and the
database results for its belief. It never changes the state: bookings it makes are reported as
``book`` acts, which the pipeline records in the belief. The system acts it may use are listed in
:mod:`tod.acts`; those a domain allows, in :func:`tod.domain.act_space.system_act_space`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from tod.acts import DialogueAct
from tod.state import DBResults, DialogueState


@runtime_checkable
class Policy(Protocol):
    """Decides the system's acts for the next turn."""

    def predict(self, state: DialogueState, db_results: DBResults) -> list[DialogueAct]: ...
