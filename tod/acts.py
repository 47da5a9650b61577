"""The dialogue act: the unit of meaning every stage speaks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from tod._schema import require as _require
from tod.errors import SchemaError

#: The value of a request act (``request(hotel, phone, ?)``): the slot is asked for, not given.
REQUESTED = "?"


@dataclass(frozen=True)
class DialogueAct:
    """One unit of meaning, e.g. ``inform(restaurant, food, italian)`` or ``request(hotel, phone, ?)``.

    ``domain``, ``slot`` and ``value`` are empty strings where an act has none (``bye()``).
    """

    intent: str
    domain: str = ""
    slot: str = ""
    value: str = ""

    def __post_init__(self) -> None:
        for name in ("intent", "domain", "slot", "value"):
            if not isinstance(getattr(self, name), str):
                raise SchemaError(f"DialogueAct.{name} must be a string, found {getattr(self, name)!r}")
        if not self.intent:
            raise SchemaError("DialogueAct.intent must be a non-empty string")

    def __str__(self) -> str:
        args = ", ".join(part for part in (self.domain, self.slot, self.value) if part)
        return f"{self.intent}({args})"

    def to_dict(self) -> dict[str, str]:
        return {"intent": self.intent, "domain": self.domain, "slot": self.slot, "value": self.value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DialogueAct:
        what = "DialogueAct"
        return cls(
            intent=_require(data, "intent", str, what),
            domain=data.get("domain", "") if isinstance(data, Mapping) else "",
            slot=data.get("slot", "") if isinstance(data, Mapping) else "",
            value=data.get("value", "") if isinstance(data, Mapping) else "",
        )
