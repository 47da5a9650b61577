"""The NLU stage contract."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from tod.types import NLUResult


@runtime_checkable
class NLU(Protocol):
    """Reads one user utterance, optionally in the context of the dialogue so far."""

    def parse(self, text: str, state: object | None = None) -> NLUResult:
        """Understand ``text``; ``state`` is the dialogue state where a component uses context."""
        ...
