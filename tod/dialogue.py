"""Whole dialogues: turns with their annotations, and the user's goal.

These are what corpus loaders return and what the tracker, policy, simulator and evaluation
consume. Every value is frozen and round-trips through JSON (``to_dict``/``from_dict``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from tod._schema import FrozenMap, JsonValue, freeze_str_map, optional, require, string_list, string_map
from tod.acts import DialogueAct
from tod.belief import BeliefState
from tod.errors import SchemaError

USER = "user"
SYSTEM = "system"
SPEAKERS = (USER, SYSTEM)


@dataclass(frozen=True)
class ActSpan:
    """Where a dialogue act's value is written in a turn: ``turn.text[start:end]``.

    The act's ``value`` may be normalised ("one" written, ``1`` meant), so the surface text and
    the value can differ.
    """

    act: DialogueAct
    start: int
    end: int

    def __post_init__(self) -> None:
        if not isinstance(self.start, int) or not isinstance(self.end, int) or not 0 <= self.start < self.end:
            raise SchemaError(f"ActSpan offsets must satisfy 0 <= start < end, found {self.start!r}..{self.end!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"act": self.act.to_dict(), "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ActSpan:
        what = "ActSpan"
        return cls(
            act=DialogueAct.from_dict(require(data, "act", dict, what)),
            start=require(data, "start", int, what),
            end=require(data, "end", int, what),
        )


@dataclass(frozen=True)
class Turn:
    """One utterance with its annotations.

    ``state`` is the belief after the latest user turn up to this point (so a user turn and the
    system reply that follows it carry the same state), or ``None`` where the corpus has no state
    annotation. ``entities`` are, per domain, the database entities the system had selected when it
    spoke (CrossWOZ's ``selectedResults``); empty where the corpus does not say. ``query_state``
    (system turns) is the belief the system's last database query of the turn used, where the
    corpus records it and it may differ from ``state`` (CrossWOZ's ``sys_state``: after a failed
    query the wizard relaxes constraints); ``None`` elsewhere.
    """

    speaker: str
    text: str
    acts: tuple[DialogueAct, ...] = ()
    spans: tuple[ActSpan, ...] = ()
    state: BeliefState | None = None
    entities: FrozenMap[str, tuple[str, ...]] = field(default_factory=FrozenMap)
    query_state: BeliefState | None = None

    def __post_init__(self) -> None:
        if self.speaker not in SPEAKERS:
            raise SchemaError(f"Turn.speaker must be one of {SPEAKERS}, found {self.speaker!r}")
        if not isinstance(self.text, str):
            raise SchemaError(f"Turn.text must be a string, found {type(self.text).__name__}")
        object.__setattr__(self, "acts", tuple(self.acts))
        object.__setattr__(self, "spans", tuple(self.spans))
        object.__setattr__(self, "entities", FrozenMap({k: tuple(v) for k, v in dict(self.entities).items()}))
        for span in self.spans:
            if span.end > len(self.text):
                raise SchemaError(f"ActSpan {span.act} ends at {span.end}, past the text length {len(self.text)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "speaker": self.speaker,
            "text": self.text,
            "acts": [a.to_dict() for a in self.acts],
            "spans": [s.to_dict() for s in self.spans],
            "state": None if self.state is None else self.state.to_dict(),
            "entities": {k: list(v) for k, v in self.entities.items()},
            "query_state": None if self.query_state is None else self.query_state.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Turn:
        what = "Turn"
        state = optional(data, "state", dict, what, None)
        query_state = optional(data, "query_state", dict, what, None)
        entities = optional(data, "entities", dict, what, {})
        return cls(
            speaker=require(data, "speaker", str, what),
            text=require(data, "text", str, what),
            acts=tuple(DialogueAct.from_dict(a) for a in optional(data, "acts", list, what, [])),
            spans=tuple(ActSpan.from_dict(s) for s in optional(data, "spans", list, what, [])),
            state=None if state is None else BeliefState.from_dict(state),
            entities=FrozenMap({k: string_list(v, f"{what}.entities") for k, v in entities.items()}),
            query_state=None if query_state is None else BeliefState.from_dict(query_state),
        )


@dataclass(frozen=True)
class GoalReference:
    """A goal value that points at another sub-goal's entity (CrossWOZ's cross-domain goals).

    ``via`` empty: the value is that sub-goal's entity itself ("id=2": take a taxi from the hotel
    of sub-goal 2). ``via`` a slot: the value must be among that slot's values of that entity
    ("出现在id=1的周边酒店里": a hotel from the nearby hotels of sub-goal 1's attraction).
    """

    subgoal: int
    via: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"subgoal": self.subgoal, "via": self.via}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GoalReference:
        what = "GoalReference"
        return cls(subgoal=require(data, "subgoal", int, what), via=optional(data, "via", str, what, ""))


@dataclass(frozen=True)
class SubGoal:
    """What the user wants from one domain.

    ``constraints`` must hold for the entity; ``requests`` are the slots whose values the user
    wants to learn; ``booking`` are the booking details (empty: no booking wanted);
    ``fail_constraints``/``fail_booking`` are a first attempt that the database cannot satisfy
    (MultiWOZ's ``fail_info``/``fail_book``), tried before the real ones; ``references`` are slots
    whose value depends on another sub-goal's entity.
    """

    domain: str
    id: int = 0
    constraints: FrozenMap[str, str] = field(default_factory=FrozenMap)
    requests: tuple[str, ...] = ()
    booking: FrozenMap[str, str] = field(default_factory=FrozenMap)
    fail_constraints: FrozenMap[str, str] = field(default_factory=FrozenMap)
    fail_booking: FrozenMap[str, str] = field(default_factory=FrozenMap)
    references: FrozenMap[str, GoalReference] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        if not isinstance(self.domain, str) or not self.domain:
            raise SchemaError(f"SubGoal.domain must be a non-empty string, found {self.domain!r}")
        for name in ("constraints", "booking", "fail_constraints", "fail_booking"):
            object.__setattr__(self, name, freeze_str_map(getattr(self, name)))
        object.__setattr__(self, "requests", tuple(self.requests))
        object.__setattr__(self, "references", FrozenMap(dict(self.references)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "id": self.id,
            "constraints": self.constraints.to_dict(),
            "requests": list(self.requests),
            "booking": self.booking.to_dict(),
            "fail_constraints": self.fail_constraints.to_dict(),
            "fail_booking": self.fail_booking.to_dict(),
            "references": {slot: ref.to_dict() for slot, ref in self.references.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SubGoal:
        what = "SubGoal"

        def strings(key: str) -> FrozenMap[str, str]:
            return FrozenMap(string_map(optional(data, key, dict, what, {}), f"{what}.{key}"))

        references = optional(data, "references", dict, what, {})
        return cls(
            domain=require(data, "domain", str, what),
            id=optional(data, "id", int, what, 0),
            constraints=strings("constraints"),
            requests=string_list(optional(data, "requests", list, what, []), f"{what}.requests"),
            booking=strings("booking"),
            fail_constraints=strings("fail_constraints"),
            fail_booking=strings("fail_booking"),
            references=FrozenMap({slot: GoalReference.from_dict(ref) for slot, ref in references.items()}),
        )


@dataclass(frozen=True)
class Goal:
    """The user's whole task: sub-goals in the order they are pursued, and its wording for people."""

    subgoals: tuple[SubGoal, ...] = ()
    description: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "subgoals", tuple(self.subgoals))
        object.__setattr__(self, "description", tuple(self.description))

    @property
    def domains(self) -> tuple[str, ...]:
        """The goal's domains, each once, in order of first appearance."""
        return tuple(dict.fromkeys(s.domain for s in self.subgoals))

    def to_dict(self) -> dict[str, Any]:
        return {"subgoals": [s.to_dict() for s in self.subgoals], "description": list(self.description)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Goal:
        what = "Goal"
        return cls(
            subgoals=tuple(SubGoal.from_dict(s) for s in require(data, "subgoals", list, what)),
            description=string_list(optional(data, "description", list, what, []), f"{what}.description"),
        )


@dataclass(frozen=True)
class Dialogue(JsonValue):
    """A dialogue from a corpus (or a simulation): its ID, turns, goal and where it came from.

    ``info`` holds descriptive corpus fields as strings (CrossWOZ's ``type``, MultiWOZ's goal
    ``topic``), for statistics and filtering; nothing downstream depends on it.
    """

    id: str
    turns: tuple[Turn, ...]
    goal: Goal | None = None
    corpus: str = ""
    split: str = ""
    info: FrozenMap[str, str] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise SchemaError(f"Dialogue.id must be a non-empty string, found {self.id!r}")
        object.__setattr__(self, "turns", tuple(self.turns))
        object.__setattr__(self, "info", freeze_str_map(self.info))

    @property
    def user_turns(self) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.speaker == USER)

    @property
    def system_turns(self) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.speaker == SYSTEM)

    @property
    def domains(self) -> tuple[str, ...]:
        """Domains named by the goal, else by the acts, in order of first appearance."""
        if self.goal is not None and self.goal.subgoals:
            return self.goal.domains
        return tuple(dict.fromkeys(a.domain for t in self.turns for a in t.acts if a.domain))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "corpus": self.corpus,
            "split": self.split,
            "info": self.info.to_dict(),
            "goal": None if self.goal is None else self.goal.to_dict(),
            "turns": [t.to_dict() for t in self.turns],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Dialogue:
        what = "Dialogue"
        goal = optional(data, "goal", dict, what, None)
        return cls(
            id=require(data, "id", str, what),
            turns=tuple(Turn.from_dict(t) for t in require(data, "turns", list, what)),
            goal=None if goal is None else Goal.from_dict(goal),
            corpus=optional(data, "corpus", str, what, ""),
            split=optional(data, "split", str, what, ""),
            info=FrozenMap(string_map(optional(data, "info", dict, what, {}), f"{what}.info")),
        )

