"""The belief state: what the system believes the user wants, per domain.

A domain's belief holds the informed constraints (slot -> value, where ``dontcare`` means the user
accepts any value), the slots the user asked for, the booking details given so far and the
bookings already made. Empty values never appear: a slot that is not constrained is absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from tod._schema import FrozenMap, freeze_str_map, optional, string_list, string_map
from tod.errors import SchemaError

#: The value of a constraint the user explicitly does not care about.
DONTCARE = "dontcare"


@dataclass(frozen=True)
class DomainBelief:
    """The belief about one domain (``hotel``, ``餐馆``, ...)."""

    constraints: FrozenMap[str, str] = field(default_factory=FrozenMap)
    requested: tuple[str, ...] = ()
    booking: FrozenMap[str, str] = field(default_factory=FrozenMap)
    booked: tuple[FrozenMap[str, str], ...] = ()
    #: slot -> the values the user does not want, in the order ruled out (never empty, no repeats).
    excluded: FrozenMap[str, tuple[str, ...]] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        object.__setattr__(self, "excluded", _freeze_exclusions(self.excluded))
        object.__setattr__(self, "constraints", freeze_str_map(self.constraints))
        object.__setattr__(self, "booking", freeze_str_map(self.booking))
        object.__setattr__(self, "requested", tuple(dict.fromkeys(self.requested)))
        object.__setattr__(self, "booked", tuple(freeze_str_map(b) for b in self.booked))
        for what, mapping in (("constraints", self.constraints), ("booking", self.booking)):
            for slot, value in mapping.items():
                if not isinstance(slot, str) or not isinstance(value, str) or not slot or not value:
                    raise SchemaError(f"DomainBelief.{what}: expected non-empty strings, found {slot!r}: {value!r}")

    @property
    def is_empty(self) -> bool:
        return not (self.constraints or self.requested or self.booking or self.booked or self.excluded)

    def is_excluded(self, slot: str, value: str) -> bool:
        """Whether the user ruled ``value`` out for ``slot`` (values compared as the tracker normalised them)."""
        return value in self.excluded.get(slot, ())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "constraints": self.constraints.to_dict(),
            "requested": list(self.requested),
            "booking": self.booking.to_dict(),
            "booked": [b.to_dict() for b in self.booked],
        }
        if self.excluded:  # absent when empty: the dictionary of a belief without exclusions is unchanged
            out["excluded"] = {slot: list(values) for slot, values in self.excluded.items()}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DomainBelief:
        what = "DomainBelief"
        booked = optional(data, "booked", list, what, [])
        return cls(
            constraints=FrozenMap(string_map(optional(data, "constraints", dict, what, {}), f"{what}.constraints")),
            requested=string_list(optional(data, "requested", list, what, []), f"{what}.requested"),
            booking=FrozenMap(string_map(optional(data, "booking", dict, what, {}), f"{what}.booking")),
            booked=tuple(FrozenMap(string_map(b, f"{what}.booked")) for b in booked),
            excluded=FrozenMap(
                {
                    slot: string_list(values, f"{what}.excluded[{slot!r:.40}]")
                    for slot, values in optional(data, "excluded", dict, what, {}).items()
                }
            ),
        )


def _freeze_exclusions(data: Mapping[str, Any] | None) -> FrozenMap[str, tuple[str, ...]]:
    """``data`` checked (non-empty slot names and values) with repeats and empty slots dropped."""
    kept: dict[str, tuple[str, ...]] = {}
    for slot, values in (data or {}).items():
        if not isinstance(slot, str) or not slot:
            raise SchemaError(f"DomainBelief.excluded: expected non-empty slot names, found {slot!r:.60}")
        if isinstance(values, str) or not isinstance(values, (tuple, list)):
            raise SchemaError(f"DomainBelief.excluded[{slot!r:.40}]: expected a list of values, found {values!r:.60}")
        for value in values:
            if not isinstance(value, str) or not value:
                raise SchemaError(f"DomainBelief.excluded[{slot!r:.40}]: expected non-empty strings, found {value!r:.60}")
        if values:
            kept[slot] = tuple(dict.fromkeys(values))
    return FrozenMap(kept)


@dataclass(frozen=True)
class BeliefState:
    """The belief over every domain the dialogue touched; domains with an empty belief are absent."""

    domains: FrozenMap[str, DomainBelief] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        kept = {}
        for name, belief in dict(self.domains).items():
            if not isinstance(name, str) or not name or not isinstance(belief, DomainBelief):
                raise SchemaError(f"BeliefState.domains: expected domain name -> DomainBelief, found {name!r}")
            if not belief.is_empty:
                kept[name] = belief
        object.__setattr__(self, "domains", FrozenMap(kept))

    def __getitem__(self, domain: str) -> DomainBelief:
        """The belief about ``domain`` (empty when the dialogue has not touched it)."""
        return self.domains.get(domain, DomainBelief())

    def __iter__(self) -> Iterator[str]:
        return iter(self.domains)

    @property
    def is_empty(self) -> bool:
        return not self.domains

    def constraint_triples(self) -> frozenset[tuple[str, str, str]]:
        """Every (domain, slot, value) constraint, the unit of joint goal and slot accuracy."""
        return frozenset((d, s, v) for d, b in self.domains.items() for s, v in b.constraints.items())

    def with_domain(self, domain: str, belief: DomainBelief) -> BeliefState:
        """A copy with ``domain``'s belief replaced (removed when ``belief`` is empty)."""
        return BeliefState(self.domains.set(domain, belief))

    def with_constraint(self, domain: str, slot: str, value: str) -> BeliefState:
        current = self[domain]
        return self.with_domain(
            domain,
            DomainBelief(
                current.constraints.set(slot, value), current.requested, current.booking, current.booked, current.excluded
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return {name: belief.to_dict() for name, belief in self.domains.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BeliefState:
        if not isinstance(data, Mapping):
            raise SchemaError(f"BeliefState: expected a JSON object of domains, found {type(data).__name__}")
        return cls(FrozenMap({name: DomainBelief.from_dict(belief) for name, belief in data.items()}))
