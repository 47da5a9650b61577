"""Typed values that cross stage boundaries.

The dialogue act lives in ``tod.acts``, the belief state in ``tod.belief`` and whole dialogues
(turns, goals) in ``tod.dialogue``; all are re-exported here, the one place to import them from.
Every value is a frozen dataclass with ``to_dict``/``from_dict`` methods whose output
round-trips through JSON unchanged. Later stages (tracker, policy, NLG, simulator) build on
these; nothing here imports a heavy dependency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from tod._schema import JsonValue
from tod._schema import number as _number
from tod._schema import require as _require
from tod.acts import REQUESTED, DialogueAct
from tod.belief import DONTCARE, BeliefState, DomainBelief
from tod.dialogue import SPEAKERS, SYSTEM, USER, ActSpan, Dialogue, Goal, GoalReference, SubGoal, Turn
from tod.errors import SchemaError

__all__ = [
    "DONTCARE",
    "MULTI_INTENT_SEPARATOR",
    "REQUESTED",
    "SPEAKERS",
    "SYSTEM",
    "USER",
    "ActSpan",
    "BeliefState",
    "Dialogue",
    "DialogueAct",
    "DomainBelief",
    "Goal",
    "GoalReference",
    "IntentScore",
    "NLUResult",
    "SlotSpan",
    "SubGoal",
    "Turn",
]

#: Separator used by corpora (ATIS, MixATIS, ...) to join several intents into one label.
MULTI_INTENT_SEPARATOR = "#"


@dataclass(frozen=True)
class IntentScore:
    """An intent label with the model's probability for it."""

    label: str
    score: float

    @property
    def atoms(self) -> tuple[str, ...]:
        """The single intents of a multi-intent label (``a#b`` gives ``("a", "b")``)."""
        return tuple(self.label.split(MULTI_INTENT_SEPARATOR))

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": self.score}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IntentScore:
        return cls(label=_require(data, "label", str, "IntentScore"), score=_number(data, "score", "IntentScore"))


@dataclass(frozen=True)
class SlotSpan:
    """A slot value found in the text.

    ``start``/``end`` are character offsets into the parsed text (``text[start:end] == value``);
    ``confidence`` is the mean probability of the span's BIO tags.
    """

    slot: str
    value: str
    start: int
    end: int
    confidence: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise SchemaError(f"SlotSpan offsets must satisfy 0 <= start <= end, found {self.start}..{self.end}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "slot": self.slot,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "confidence": self.confidence,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlotSpan:
        what = "SlotSpan"
        return cls(
            slot=_require(data, "slot", str, what),
            value=_require(data, "value", str, what),
            start=_require(data, "start", int, what),
            end=_require(data, "end", int, what),
            confidence=_number(data, "confidence", what) if "confidence" in data else 1.0,
        )


@dataclass(frozen=True)
class NLUResult(JsonValue):
    """What an NLU component understood from one user utterance.

    ``intents`` is sorted by score, best first; ``slots`` are ordered by position; ``acts`` is the
    same meaning as dialogue acts (what a tracker consumes); ``confidence`` in [0, 1] is the
    probability that the whole parse (best intent and every slot) is right, as estimated by the
    model.
    """

    text: str
    intents: tuple[IntentScore, ...] = ()
    slots: tuple[SlotSpan, ...] = ()
    acts: tuple[DialogueAct, ...] = ()
    confidence: float = 0.0
    tokens: tuple[str, ...] = field(default=(), compare=False)
    tags: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        for span in self.slots:
            if span.end > len(self.text):
                raise SchemaError(f"SlotSpan {span.slot!r} ends at {span.end}, past the text length {len(self.text)}")

    @property
    def intent(self) -> str | None:
        """The best intent label, or ``None`` when there is none."""
        return self.intents[0].label if self.intents else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intents": [i.to_dict() for i in self.intents],
            "slots": [s.to_dict() for s in self.slots],
            "acts": [a.to_dict() for a in self.acts],
            "confidence": self.confidence,
            "tokens": list(self.tokens),
            "tags": list(self.tags),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NLUResult:
        what = "NLUResult"
        return cls(
            text=_require(data, "text", str, what),
            intents=tuple(IntentScore.from_dict(i) for i in _require(data, "intents", list, what)),
            slots=tuple(SlotSpan.from_dict(s) for s in _require(data, "slots", list, what)),
            acts=tuple(DialogueAct.from_dict(a) for a in _require(data, "acts", list, what)),
            confidence=_number(data, "confidence", what),
            tokens=tuple(data.get("tokens", ())),
            tags=tuple(data.get("tags", ())),
        )

