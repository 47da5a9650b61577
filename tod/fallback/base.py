"""The fallback contract: an answer for a turn that is out of the task."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from tod.state import DialogueState


@runtime_checkable
class Fallback(Protocol):
    """Answers a user turn the task stages cannot handle (chit-chat, open questions).

    ``respond`` must return within its configured time limit and never raise for a failing back end:
    it answers politely instead and logs a warning. It never changes ``state``.
    """

    def respond(self, text: str, state: DialogueState) -> str: ...
