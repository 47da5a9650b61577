"""The tracker contract."""

from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

from tod.types import BeliefState, DialogueAct


@runtime_checkable
class DST(Protocol):
    """A dialogue state tracker: the belief after a user turn, from the belief before it and the turn's acts.

    ``update`` never mutates ``state`` (values are frozen); it returns the new belief.
    ``system_acts`` are the acts of the system turn the user answers (a tracker may use them to
    resolve "yes, book it" or a recommended name); trackers that do not need them ignore them.
    """

    def update(
        self, state: BeliefState, user_acts: Sequence[DialogueAct], system_acts: Sequence[DialogueAct] = ()
    ) -> BeliefState: ...
