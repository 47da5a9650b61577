"""The NLG contract: dialogue acts in, text out."""

from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

from tod.acts import DialogueAct
from tod.state import DialogueState


@runtime_checkable
class NLG(Protocol):
    """Turns the system's (or the simulated user's) acts into an utterance."""

    def generate(self, acts: Sequence[DialogueAct], state: DialogueState | None = None) -> str: ...
