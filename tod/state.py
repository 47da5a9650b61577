"""The dialogue state a running system keeps, and the database results the policy acts on.

The pipeline owns one :class:`DialogueState` per conversation and replaces it after every turn;
stages receive it and return new values, never a changed copy of it. Like every typed value it is
frozen and round-trips through JSON (``to_dict``/``from_dict``), so a conversation can be stored
and resumed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from tod._schema import FrozenMap, JsonValue, number, optional, require
from tod.acts import DialogueAct
from tod.belief import BeliefState
from tod.dialogue import SYSTEM, USER, Turn
from tod.errors import SchemaError

#: How the last user turn was handled: by the task stages, or by the out-of-task fallback.
ROUTE_TASK = "task"
ROUTE_FALLBACK = "fallback"
ROUTES = (ROUTE_TASK, ROUTE_FALLBACK)


def _freeze_json(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_freeze_json(v) for v in value)
    if isinstance(value, Mapping):
        return FrozenMap({str(k): _freeze_json(v) for k, v in value.items()})
    return value


def _thaw_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_thaw_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _thaw_json(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Match:
    """One database entity that meets the belief's constraints: its name and read-only fields."""

    name: str
    fields: FrozenMap[str, Any] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise SchemaError(f"Match.name must be a non-empty string, found {self.name!r}")
        object.__setattr__(self, "fields", FrozenMap({str(k): _freeze_json(v) for k, v in dict(self.fields).items()}))

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "fields": {k: _thaw_json(v) for k, v in self.fields.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Match:
        what = "Match"
        return cls(name=require(data, "name", str, what), fields=FrozenMap(optional(data, "fields", dict, what, {})))


@dataclass(frozen=True)
class DomainResults:
    """The database's answer for one sub-domain: how many entities match, and the first few of them."""

    count: int = 0
    matches: tuple[Match, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise SchemaError(f"DomainResults.count must be a non-negative integer, found {self.count!r}")
        object.__setattr__(self, "matches", tuple(self.matches))
        if len(self.matches) > self.count:
            raise SchemaError(f"DomainResults: {len(self.matches)} matches but count {self.count}")

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count, "matches": [m.to_dict() for m in self.matches]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DomainResults:
        what = "DomainResults"
        return cls(
            count=require(data, "count", int, what),
            matches=tuple(Match.from_dict(m) for m in optional(data, "matches", list, what, [])),
        )


#: Sub-domain -> its database results (only sub-domains the belief constrains and that have a database).
DBResults = FrozenMap[str, DomainResults]


def db_results_to_dict(results: DBResults) -> dict[str, Any]:
    return {name: r.to_dict() for name, r in results.items()}


def db_results_from_dict(data: Any) -> DBResults:
    if not isinstance(data, Mapping):
        raise SchemaError(f"DBResults: expected a JSON object of sub-domains, found {type(data).__name__}")
    return FrozenMap({str(k): DomainResults.from_dict(v) for k, v in data.items()})


@dataclass(frozen=True)
class DialogueState(JsonValue):
    """Everything a running system knows about one conversation after its latest turn.

    ``belief`` is the tracked belief; ``history`` every user and system turn so far, oldest first
    (system turns carry their acts); ``user_acts``/``system_acts`` the acts of the latest exchange;
    ``db`` the database results for the belief; ``nlu_confidence`` the NLU's confidence in the latest
    user turn (0 before the first); ``route`` how the latest user turn was handled; ``over`` whether
    the dialogue has ended (the system said goodbye).

    ``dialogue_id`` names the conversation where the system serving it gives it a name (the Rasa
    integration: the sender and the time its dialogue began; ``""`` elsewhere): booking references
    depend on it, so two conversations booking the same table get different ones.
    ``earlier_turns`` counts the user turns no longer in ``history``: a long conversation keeps only
    its latest turns (:meth:`with_history_limit`), and :attr:`turn_count` still counts every turn.
    """

    belief: BeliefState = field(default_factory=BeliefState)
    history: tuple[Turn, ...] = ()
    user_acts: tuple[DialogueAct, ...] = ()
    system_acts: tuple[DialogueAct, ...] = ()
    db: DBResults = field(default_factory=FrozenMap)
    nlu_confidence: float = 0.0
    route: str = ROUTE_TASK
    over: bool = False
    dialogue_id: str = ""
    earlier_turns: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "history", tuple(self.history))
        object.__setattr__(self, "user_acts", tuple(self.user_acts))
        object.__setattr__(self, "system_acts", tuple(self.system_acts))
        object.__setattr__(self, "db", FrozenMap(dict(self.db)))
        if not isinstance(self.belief, BeliefState):
            raise SchemaError(f"DialogueState.belief must be a BeliefState, found {type(self.belief).__name__}")
        if self.route not in ROUTES:
            raise SchemaError(f"DialogueState.route must be one of {ROUTES}, found {self.route!r}")
        if not 0.0 <= float(self.nlu_confidence) <= 1.0:
            raise SchemaError(f"DialogueState.nlu_confidence must be in [0, 1], found {self.nlu_confidence!r}")
        for name in ("user_acts", "system_acts"):
            if not all(isinstance(a, DialogueAct) for a in getattr(self, name)):
                raise SchemaError(f"DialogueState.{name} must hold DialogueAct values")
        if not all(isinstance(t, Turn) for t in self.history):
            raise SchemaError("DialogueState.history must hold Turn values")
        if not all(isinstance(r, DomainResults) for r in self.db.values()):
            raise SchemaError("DialogueState.db must map sub-domains to DomainResults")
        if not isinstance(self.dialogue_id, str):
            raise SchemaError(f"DialogueState.dialogue_id must be a string, found {type(self.dialogue_id).__name__}")
        turns = self.earlier_turns
        if isinstance(turns, bool) or not isinstance(turns, int) or turns < 0:
            raise SchemaError(f"DialogueState.earlier_turns must be a whole number >= 0, found {turns!r:.40}")

    @property
    def turn_count(self) -> int:
        """How many user turns the conversation has had (those before ``history`` included)."""
        return self.earlier_turns + sum(1 for t in self.history if t.speaker == USER)

    def with_history_limit(self, turns: int) -> DialogueState:
        """This state keeping at most the latest ``turns`` turns of ``history``, starting at a user turn;
        the user turns left out are counted in ``earlier_turns`` (``self`` when nothing is left out)."""
        if turns < 0:
            raise ValueError(f"the history limit must be >= 0, found {turns}")
        if len(self.history) <= turns:
            return self
        start = len(self.history) - turns
        while start < len(self.history) and self.history[start].speaker != USER:
            start += 1  # a kept exchange begins with what the user said
        dropped = sum(1 for t in self.history[:start] if t.speaker == USER)
        return replace(self, history=self.history[start:], earlier_turns=self.earlier_turns + dropped)

    def last_system_turns(self, n: int) -> tuple[Turn, ...]:
        """The latest ``n`` system turns, oldest first."""
        turns = [t for t in self.history if t.speaker == SYSTEM]
        return tuple(turns[-n:]) if n > 0 else ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "belief": self.belief.to_dict(),
            "history": [t.to_dict() for t in self.history],
            "user_acts": [a.to_dict() for a in self.user_acts],
            "system_acts": [a.to_dict() for a in self.system_acts],
            "db": db_results_to_dict(self.db),
            "nlu_confidence": self.nlu_confidence,
            "route": self.route,
            "over": self.over,
            # written only when set: states of conversations that need neither read as before
            **({"dialogue_id": self.dialogue_id} if self.dialogue_id else {}),
            **({"earlier_turns": self.earlier_turns} if self.earlier_turns else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DialogueState:
        what = "DialogueState"
        if not isinstance(data, Mapping):
            raise SchemaError(f"{what}: expected a JSON object, found {type(data).__name__}")
        return cls(
            belief=BeliefState.from_dict(optional(data, "belief", dict, what, {})),
            history=tuple(Turn.from_dict(t) for t in optional(data, "history", list, what, [])),
            user_acts=tuple(DialogueAct.from_dict(a) for a in optional(data, "user_acts", list, what, [])),
            system_acts=tuple(DialogueAct.from_dict(a) for a in optional(data, "system_acts", list, what, [])),
            db=db_results_from_dict(optional(data, "db", dict, what, {})),
            nlu_confidence=number(data, "nlu_confidence", what) if "nlu_confidence" in data else 0.0,
            route=optional(data, "route", str, what, ROUTE_TASK),
            over=optional(data, "over", bool, what, False),
            dialogue_id=optional(data, "dialogue_id", str, what, ""),
            earlier_turns=optional(data, "earlier_turns", int, what, 0),
        )
