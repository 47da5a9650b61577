"""What the LLM back ends share: their common settings, the prompt built from retrieved facts and
history, and the guarded reply that falls back to the retrieval answer."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import Sequence

from tod.fallback.checks import positive, sampling_temperature, whole
from tod.fallback.guard import guarded_reply
from tod.fallback.knowledge import Knowledge
from tod.fallback.prompt import Message, chat_messages
from tod.state import DialogueState


class LLMFallback(ABC):
    """An out-of-task answer from a language model, within ``timeout`` seconds whatever happens.

    ``facts`` retrieved texts and the last ``history_turns`` turns go into the prompt; on any
    failure (or past the deadline) the reply is the retrieval answer for the text.
    """

    def __init__(
        self, *, timeout: float, temperature: float, history_turns: int, facts: int, knowledge: Knowledge | None
    ) -> None:
        self.timeout = positive("timeout", timeout)
        self.temperature = sampling_temperature(temperature)
        self.history_turns = whole("history_turns", history_turns)
        self.facts = whole("facts", facts)
        self.knowledge = knowledge if knowledge is not None else Knowledge()

    @property
    @abstractmethod
    def label(self) -> str:
        """How warnings name this back end (e.g. ``openai fallback (http://...)``)."""

    @abstractmethod
    def answer(self, messages: Sequence[Message], deadline: float) -> str:
        """The model's reply to ``messages``; raises on any failure or once ``deadline`` (a
        ``time.monotonic()`` value) has passed."""

    def respond(self, text: str, state: DialogueState) -> str:
        """The model's reply to ``text`` given ``state``'s history, or the retrieval answer on failure."""
        deadline = time.monotonic() + self.timeout
        found: list[str] = []

        def work() -> str:
            lookup = self.knowledge.lookup(text, self.facts)
            found.append(lookup.answer.text)
            messages = chat_messages(
                text,
                state,
                description=self.knowledge.description,
                offers=self.knowledge.offers,
                facts=lookup.context,
                history_turns=self.history_turns,
            )
            return self.answer(messages, deadline)

        return guarded_reply(
            work,
            timeout=self.timeout,
            polite=lambda: found[0] if found else self.knowledge.steer_back,
            what=self.label,
        )
