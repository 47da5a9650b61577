"""The rule-based tracker: the belief after a user turn, from the belief before it and the turn's acts.

Everything it knows about slots comes from the domain's ontology (:mod:`tod.domain.ontology`):

* ``inform(d, s, v)``: a constraint ``d.s = v``, or a booking detail when ``s`` is a booking slot
  of ``d`` (bookable and not informable: MultiWOZ's hotel ``day`` is a booking detail, train ``day``
  a constraint; taxi slots are both, and its belief state keeps them as constraints). ``v`` is
  normalised to the ontology (:mod:`tod.dst.values`), dontcare spellings included.
* ``inform(d, <list slot><separator><item>, yes|no)`` (an item slot, CrossWOZ's
  ``酒店设施-早餐服务 = 是``): the item is added to (or removed from) the list slot's value.
* ``select(d, <source slot>, <source domain>)`` with ``inform(d, <name slot>, n)`` in the same turn:
  the user wants a ``d`` near ``n`` (CrossWOZ): the constraint goes to ``d``'s relation slot whose
  target is the source domain, and ``n`` is not ``d``'s name.
* ``negate``/``deny(d, s, v)``: the constraint (or booking detail) ``d.s`` is removed when it equals
  ``v`` (or whatever it is when ``v`` is empty); an ``inform`` of the same slot in the turn replaces it.
* ``request(d, s, ?)``: ``s`` is among ``d``'s requested slots; requested slots reset every turn.
* ``reqalts(d)``: the user wants another entity: ``d``'s name constraint is dropped.
* Acts of a domain the ontology lacks (MultiWOZ's ``booking``, ``general``) apply to the domain
  being talked about, the last real domain of the user's or else the system's acts, when it has
  the slot; acts without a slot (``greet``, ``thank``) change nothing.
* Corpus conventions acts leave open (accepting an offered name, a name request starting a new
  search) are :class:`RuleOptions`, fitted on data by :func:`tod.evaluation.dst.fit_rule_options`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from tod._schema import FrozenMap
from tod.acts import DialogueAct
from tod.belief import DONTCARE, BeliefState, DomainBelief
from tod.domain.normalise import norm_text
from tod.domain.ontology import Domain, Schema
from tod.dst.values import ValueNormaliser
from tod.registry import register_dst

#: Intents that give a value to a slot, that take one away, that ask for a slot, that ask for another entity.
INFORM_INTENTS = frozenset({"inform"})
NEGATE_INTENTS = frozenset({"negate", "deny"})
REQUEST_INTENTS = frozenset({"request"})
REQALTS_INTENTS = frozenset({"reqalts"})
SELECT_INTENTS = frozenset({"select"})
#: System intents that offer an entity by name (the user may then accept it by naming it).
OFFER_INTENTS = frozenset({"inform", "recommend", "select", "offerbook", "offerbooked", "book"})


@dataclass
class _Draft:
    """A mutable copy of one domain's belief while a turn is applied."""

    constraints: dict[str, str]
    requested: list[str]
    booking: dict[str, str]
    booked: tuple[FrozenMap[str, str], ...]

    @classmethod
    def of(cls, belief: DomainBelief) -> _Draft:
        return cls(dict(belief.constraints), [], dict(belief.booking), belief.booked)

    def freeze(self) -> DomainBelief:
        return DomainBelief(self.constraints, tuple(self.requested), self.booking, self.booked)


@dataclass(frozen=True)
class RuleOptions:
    """How a corpus annotates the belief where acts leave it open (each choice can be fitted on data).

    ``accept_offered_names``: a name the user repeats right after the system offered it becomes the
    name constraint (MultiWOZ annotates it so; CrossWOZ's state keeps only what the user asked for).
    ``adopt_offered_name``: when the system offered exactly one entity and the user goes on talking
    about that domain without naming one, its name becomes the constraint (MultiWOZ).
    ``request_name_starts_search``: the user asking for a name asks for a new entity, so the domain's
    earlier constraints are dropped (CrossWOZ: "recommend me a hotel with ...").
    """

    accept_offered_names: bool = True
    adopt_offered_name: bool = False
    request_name_starts_search: bool = False

    def to_dict(self) -> dict[str, bool]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@register_dst("rule")
@dataclass
class RuleDST:
    """A tracker driven by the ontology of ``domain`` (no slot name is written in code) and ``options``."""

    domain: Domain
    options: RuleOptions = field(default_factory=RuleOptions)
    normaliser: ValueNormaliser = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.normaliser = ValueNormaliser(self.domain)

    # -- the protocol -------------------------------------------------------------------------------

    def update(
        self, state: BeliefState, user_acts: Sequence[DialogueAct], system_acts: Sequence[DialogueAct] = ()
    ) -> BeliefState:
        """The belief after the user's ``user_acts``, answering ``system_acts``, from ``state``."""
        drafts = {name: _Draft.of(belief) for name, belief in state.domains.items()}
        focus = self._focus(user_acts) or self._focus(system_acts)
        offered = self._offered_names(system_acts)
        acts = list(user_acts)
        if self.options.request_name_starts_search:
            for domain in self._name_requests(acts):
                drafts[domain] = _Draft({}, [], {}, drafts[domain].booked if domain in drafts else ())
        near, sources = self._selections(acts, state, offered)
        for act in acts:
            domain = act.domain if act.domain in self.domain.schemas else focus
            if domain is None or (
                act.slot and self.domain.schemas[domain].slot(self._base_slot(domain, act.slot)) is None
            ):
                continue
            if any(act is source for source in sources):
                continue  # the name of the entity another domain's entity must be near, not this domain's
            draft = drafts.setdefault(domain, _Draft.of(DomainBelief()))
            self._apply(act, domain, draft, offered.get(domain, ()))
        for domain, (slot, name) in near.items():
            drafts.setdefault(domain, _Draft.of(DomainBelief())).constraints[slot] = name
        if self.options.adopt_offered_name:
            self._adopt(acts, drafts, offered)
        return BeliefState({name: draft.freeze() for name, draft in drafts.items()})

    # -- one act ------------------------------------------------------------------------------------

    def _apply(self, act: DialogueAct, domain: str, draft: _Draft, offered: Sequence[str]) -> None:
        schema = self.domain.schemas[domain]
        intent = act.intent
        if intent in REQUEST_INTENTS and act.slot:
            draft.requested.append(act.slot)
        elif intent in REQALTS_INTENTS:
            for slot in self._name_slots(schema):
                draft.constraints.pop(slot, None)
        elif intent in INFORM_INTENTS and act.slot and act.value:
            self._inform(schema, draft, act.slot, act.value, offered)
        elif intent in NEGATE_INTENTS and act.slot:
            value = self.normaliser.normalise(domain, act.slot, act.value) if act.value else ""
            target = draft.booking if self._is_booking(schema, act.slot) else draft.constraints
            if not value or target.get(act.slot) == value:
                target.pop(act.slot, None)

    def _inform(self, schema: Schema, draft: _Draft, slot: str, value: str, offered: Sequence[str]) -> None:
        spec = schema.slot(slot)
        if spec is None:  # an item slot (酒店设施-早餐服务)
            self._inform_item(schema, draft, slot, value)
            return
        if not (spec.informable or spec.bookable):
            return
        canonical = self.normaliser.normalise(schema.name, slot, value)
        if spec.kind == "name" and not self.options.accept_offered_names and norm_text(value) in offered:
            return
        if self._is_booking(schema, slot):
            draft.booking[slot] = canonical
        elif spec.kind == "list" and canonical != DONTCARE and draft.constraints.get(slot, DONTCARE) != DONTCARE:
            items = draft.constraints[slot].split(" ")
            draft.constraints[slot] = " ".join(dict.fromkeys([*items, canonical]))
        else:
            draft.constraints[slot] = canonical

    def _inform_item(self, schema: Schema, draft: _Draft, slot: str, value: str) -> None:
        base = self._base_slot(schema.name, slot)
        spec = schema.slot(base)
        if spec is None or spec.items is None:
            return
        item = slot[len(base) + len(spec.items.separator) :]
        said = norm_text(value)
        current = [i for i in draft.constraints.get(base, "").split(" ") if i and i != DONTCARE]
        if said in {norm_text(v) for v in spec.items.yes}:
            current = [*dict.fromkeys([*current, item])]
        elif said in {norm_text(v) for v in spec.items.no}:
            current = [i for i in current if i != item]
        else:
            return
        if current:
            draft.constraints[base] = " ".join(current)
        else:
            draft.constraints.pop(base, None)

    # -- what the ontology says ---------------------------------------------------------------------

    def _base_slot(self, domain: str, slot: str) -> str:
        """``slot`` itself when declared; for an item slot (``酒店设施-早餐服务``) its list slot."""
        schema = self.domain.schemas[domain]
        if schema.slot(slot) is not None:
            return slot
        for name, spec in schema.slots.items():
            if spec.items is not None and slot.startswith(name + spec.items.separator):
                return name
        return slot

    def _knows(self, domain: str, slot: str) -> bool:
        """Whether ``domain`` declares ``slot`` (or its list slot); acts without a slot always apply."""
        return not slot or self.domain.schemas[domain].slot(self._base_slot(domain, slot)) is not None

    @staticmethod
    def _is_booking(schema: Schema, slot: str) -> bool:
        spec = schema.slot(slot)
        return spec is not None and spec.bookable and not spec.informable

    @staticmethod
    def _name_slots(schema: Schema) -> list[str]:
        return [name for name, spec in schema.slots.items() if spec.kind == "name"]

    def _focus(self, acts: Sequence[DialogueAct]) -> str | None:
        """The last sub-domain of the ontology that ``acts`` speak about."""
        domains = [act.domain for act in acts if act.domain in self.domain.schemas]
        return domains[-1] if domains else None

    def _selections(
        self, acts: Sequence[DialogueAct], state: BeliefState, offered: dict[str, tuple[str, ...]]
    ) -> tuple[dict[str, tuple[str, str]], list[DialogueAct]]:
        """``select(t, ·, s)``: the user wants a ``t`` near an entity of ``s``.

        Returns, per target domain, (its relation slot whose target is ``s``, the source entity's
        name), and the acts that named the source entity. The source entity is the one the user
        names in ``s`` this turn, else ``s``'s name constraint, else the one entity the system offered in ``s``.
        """
        near: dict[str, tuple[str, str]] = {}
        sources: list[DialogueAct] = []
        for act in acts:
            schema = self.domain.schemas.get(act.domain)
            if act.intent not in SELECT_INTENTS or schema is None or act.value not in self.domain.schemas:
                continue
            slots = [n for n, spec in schema.slots.items() if spec.kind == "relation" and spec.target == act.value]
            source = self.domain.schemas[act.value]
            names = self._name_slots(source)
            named = [a for a in acts if a.intent in INFORM_INTENTS and a.domain == source.name and a.slot in names]
            sources.extend(named)
            known = [state[source.name].constraints[n] for n in names if n in state[source.name].constraints]
            offers = offered.get(source.name, ())
            if named:
                name = named[-1].value
            elif known:
                name = known[0]
            elif len(offers) == 1:
                name = offers[0]
            else:
                continue
            if slots:
                near[act.domain] = (slots[0], self.normaliser.normalise(act.domain, slots[0], name))
        return near, sources

    def _name_requests(self, acts: Sequence[DialogueAct]) -> list[str]:
        """The domains whose entity name the user asks for (asking for a new entity)."""
        found = []
        for act in acts:
            schema = self.domain.schemas.get(act.domain)
            if act.intent in REQUEST_INTENTS and schema is not None and act.slot in self._name_slots(schema):
                found.append(act.domain)
        return found

    def _adopt(
        self, acts: Sequence[DialogueAct], drafts: dict[str, _Draft], offered: dict[str, tuple[str, ...]]
    ) -> None:
        """The one entity the system offered becomes the name constraint of a domain the user goes on about."""
        spoken = {act.domain for act in acts if act.domain in self.domain.schemas}
        for domain, names in offered.items():
            if len(set(names)) != 1 or domain not in spoken or domain in self._name_requests(acts):
                continue
            slots = self._name_slots(self.domain.schemas[domain])
            draft = drafts.setdefault(domain, _Draft.of(DomainBelief()))
            if slots and not any(s in draft.constraints for s in slots):
                draft.constraints[slots[0]] = self.normaliser.normalise(domain, slots[0], names[0])

    def _offered_names(self, system_acts: Sequence[DialogueAct]) -> dict[str, tuple[str, ...]]:
        """Per domain, the (normalised) names the system's acts offered, in order."""
        found: dict[str, list[str]] = {}
        for act in system_acts:
            schema = self.domain.schemas.get(act.domain)
            spec = schema.slot(act.slot) if schema is not None else None
            if act.intent in OFFER_INTENTS and spec is not None and spec.kind == "name" and act.value:
                found.setdefault(act.domain, []).append(norm_text(act.value))
        return {domain: tuple(dict.fromkeys(names)) for domain, names in found.items()}
