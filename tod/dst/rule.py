"""The rule-based tracker: the belief after a user turn, from the belief before it and the turn's acts.

Everything it knows about slots comes from the domain's ontology (:mod:`tod.domain.ontology`):

* ``inform(d, s, v)``: a constraint ``d.s = v``, or a booking detail when ``s`` is a booking slot
  of ``d`` (bookable and not informable: MultiWOZ's hotel ``day`` is a booking detail, train ``day``
  a constraint; taxi slots are both, and its belief state keeps them as constraints). ``v`` is
  normalised to the ontology (:mod:`tod.dst.values`), dontcare spellings included.
* ``inform(d, <list slot><separator><item>, yes|no)`` (an item slot, CrossWOZ's
  ``酒店设施-早餐服务 = 是``): the item is added to (or removed from) the list slot's value.
* ``select(d, <source slot>, <source domain>)`` with ``inform(<source domain>, <name slot>, n)`` in
  the same turn: the user wants a ``d`` near ``n`` (CrossWOZ): the constraint goes to ``d``'s relation
  slot whose target is the source domain, and ``n`` is not the source domain's name constraint.
  Without a named source, the source is the source domain's name constraint, else the one entity of
  it the system offered.
* ``negate``/``deny(d, s, v)``: the constraint (or booking detail) ``d.s`` is removed when it equals
  ``v`` (or whatever it is when ``v`` is empty); an ``inform`` of the same slot in the turn replaces it.
* ``exclude(d, s, v)`` ("not in the north"): ``v`` joins ``d.s``'s exclusions and a constraint
  ``d.s = v`` (or the item ``v`` of a list constraint) is removed; an ``inform`` of ``v`` removes its
  exclusion, and an ``inform`` of dontcare every earlier exclusion of ``s``. A turn's informs apply
  before its exclusions ("a hotel, not a guesthouse"). An exclusion of a booking detail removes
  the detail when it equals ``v``, as ``deny`` does (a booking has no search to leave values out of).
* ``request(d, s, ?)``: ``s`` is among ``d``'s requested slots; requested slots reset every turn.
* ``reqalts(d)``: the user wants another entity: ``d``'s name constraint is dropped.
* Acts of a domain the ontology lacks (MultiWOZ's ``booking``, ``general``) apply to the domain
  being talked about, the last real domain of the user's or else the system's acts, when it has
  the slot; acts without a slot (``greet``, ``thank``) change nothing.
* Corpus conventions acts leave open (accepting an offered name, a name request or a ``select``
  starting a new search, a select the acts leave out) are :class:`RuleOptions`, fitted on data by
  :func:`tod.evaluation.dst.fit_rule_options`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

from tod._schema import FrozenMap
from tod.acts import (
    CORPUS_OFFER_INTENTS,
    EXCLUDE_INTENTS,
    INFORM_INTENTS,
    NEGATE_INTENTS,
    REQALTS_INTENTS,
    REQUEST_INTENTS,
    SELECT_INTENTS,
    DialogueAct,
)
from tod.belief import DONTCARE, BeliefState, DomainBelief
from tod.domain.memory import remember
from tod.domain.normalise import norm_text
from tod.domain.ontology import Domain, Schema
from tod.dst.values import ValueNormaliser
from tod.registry import register_dst
from tod.state import DialogueState

if TYPE_CHECKING:
    from tod.domain.context import BuildContext


@dataclass
class _Draft:
    """A mutable copy of one domain's belief while a turn is applied."""

    constraints: dict[str, str]
    requested: list[str]
    booking: dict[str, str]
    booked: tuple[FrozenMap[str, str], ...]
    excluded: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, belief: DomainBelief) -> _Draft:
        excluded = {slot: list(values) for slot, values in belief.excluded.items()}
        return cls(dict(belief.constraints), [], dict(belief.booking), belief.booked, excluded)

    def freeze(self) -> DomainBelief:
        return DomainBelief(self.constraints, tuple(self.requested), self.booking, self.booked, self.excluded)


@dataclass(frozen=True)
class RuleOptions:
    """How a corpus annotates the belief where acts leave it open (each choice can be fitted on data).

    ``accept_offered_names``: a name the user repeats right after the system offered it becomes the
    name constraint (MultiWOZ annotates it so; CrossWOZ's state keeps only what the user asked for).
    ``adopt_offered_name``: when the system offered exactly one entity and the user goes on talking
    about that domain without naming one, its name becomes the constraint (MultiWOZ).
    ``request_name_starts_search``: the user asking for a name asks for a new entity, so the domain's
    earlier constraints are dropped (CrossWOZ: "recommend me a hotel with ..."), unless the system has
    just offered several entities of the domain: then the user asks which of them fits.
    ``select_starts_search``: a ``select`` of a domain asks for a new entity of it near another one
    (CrossWOZ: "which of the restaurants near it has ..."), so the domain's earlier constraints are
    dropped, unless the belief is already near that same entity (the user narrows that search).
    ``named_item_requests``: asking whether the entity the belief already names has an item
    (``request(d, <list slot><separator><item>)``) adds the item to the list slot, as a yes would
    (CrossWOZ's system looks the named entity up with it).
    ``implicit_select``: a turn that names an entity of one domain, says nothing else of that domain,
    and gives constraints of another domain with a relation slot to the first, is a ``select`` the acts
    left out ("a restaurant near <name> with ..."): the name is the relation's value.
    ``accept_discussed_names``: a name the user gives, not among those offered, for a domain the
    system's last turn told about (an entity it described, the entities near one) becomes the name
    constraint; CrossWOZ's system already holds that domain's entities and does not look it up.
    """

    accept_offered_names: bool = True
    adopt_offered_name: bool = False
    request_name_starts_search: bool = False
    select_starts_search: bool = False
    named_item_requests: bool = False
    implicit_select: bool = False
    accept_discussed_names: bool = True

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

    @classmethod
    def from_config(
        cls,
        context: BuildContext,
        *,
        accept_offered_names: bool = True,
        adopt_offered_name: bool = False,
        request_name_starts_search: bool = False,
        select_starts_search: bool = False,
        named_item_requests: bool = False,
        implicit_select: bool = False,
        accept_discussed_names: bool = True,
    ) -> RuleDST:
        """The tracker of a pipeline's domain; the parameters are the :class:`RuleOptions`."""
        options = RuleOptions(
            accept_offered_names,
            adopt_offered_name,
            request_name_starts_search,
            select_starts_search,
            named_item_requests,
            implicit_select,
            accept_discussed_names,
        )
        return cls(context.domain, options)

    # -- the protocol -------------------------------------------------------------------------------

    def update(
        self, state: BeliefState, user_acts: Sequence[DialogueAct], system_acts: Sequence[DialogueAct] = ()
    ) -> BeliefState:
        """The belief after the user's ``user_acts``, answering ``system_acts``, from ``state``."""
        drafts = {name: _Draft.of(belief) for name, belief in state.domains.items()}
        turn = DialogueState(state, user_acts=tuple(user_acts), system_acts=tuple(system_acts))
        # corpus system acts offer names with offerbook/offerbooked too (MultiWOZ): the tracker reads them
        memory = remember(turn, self.domain, offer_intents=CORPUS_OFFER_INTENTS)
        focus = memory.focus
        # the names the system just offered, normalised: the user accepts one by naming it
        offered = {d: tuple(dict.fromkeys(norm_text(n) for n in names)) for d, names in memory.just_offered.items()}
        discussed = memory.discussed
        acts = list(user_acts)
        if self.options.implicit_select:
            acts += self._implicit_selections(acts)
        near, sources = self._selections(acts, state, offered)
        for domain in self._new_searches(acts, state, near, offered):
            drafts[domain] = _Draft({}, [], {}, drafts[domain].booked if domain in drafts else ())
        for act in acts:
            domain = act.domain if act.domain in self.domain.schemas else focus
            if domain is None or (act.slot and self.domain.schemas[domain].resolve(act.slot) is None):
                continue
            if any(act is source for source in sources):
                continue  # the name of the entity another domain's entity must be near, not this domain's
            draft = drafts.setdefault(domain, _Draft.of(DomainBelief()))
            self._apply(act, domain, draft, offered.get(domain, ()), domain in discussed)
        self._exclusions(acts, focus, drafts)
        for domain, (slot, name) in near.items():
            drafts.setdefault(domain, _Draft.of(DomainBelief())).constraints[slot] = name
        if self.options.adopt_offered_name:
            self._adopt(acts, drafts, offered)
        if self.options.named_item_requests:
            self._named_item_requests(acts, state, drafts)
        return BeliefState({name: draft.freeze() for name, draft in drafts.items()})

    # -- one act ------------------------------------------------------------------------------------

    def _apply(self, act: DialogueAct, domain: str, draft: _Draft, offered: Sequence[str], discussed: bool) -> None:
        schema = self.domain.schemas[domain]
        intent = act.intent
        if intent in REQUEST_INTENTS and act.slot:
            draft.requested.append(act.slot)
        elif intent in REQALTS_INTENTS:
            for slot in schema.name_slots:
                draft.constraints.pop(slot, None)
        elif intent in INFORM_INTENTS and act.slot and act.value:
            self._inform(schema, draft, act.slot, act.value, offered, discussed)
        elif intent in NEGATE_INTENTS and act.slot:
            value = self.normaliser.normalise(domain, act.slot, act.value) if act.value else ""
            target = draft.booking if self._is_booking(schema, act.slot) else draft.constraints
            if not value or target.get(act.slot) == value:
                target.pop(act.slot, None)

    def _inform(
        self, schema: Schema, draft: _Draft, slot: str, value: str, offered: Sequence[str], discussed: bool
    ) -> None:
        spec = schema.slot(slot)
        if spec is None:  # an item slot (酒店设施-早餐服务)
            self._inform_item(schema, draft, slot, value)
            return
        if not (spec.informable or spec.bookable):
            return
        canonical = self.normaliser.normalise(schema.name, slot, value)
        if spec.kind == "name" and self._name_withheld(norm_text(value), offered, discussed):
            return
        if self._is_booking(schema, slot):
            draft.booking[slot] = canonical
        elif spec.kind == "list" and canonical != DONTCARE and draft.constraints.get(slot, DONTCARE) != DONTCARE:
            items = draft.constraints[slot].split(" ")
            draft.constraints[slot] = " ".join(dict.fromkeys([*items, canonical]))
        else:
            draft.constraints[slot] = canonical

    def _exclusions(self, acts: Sequence[DialogueAct], focus: str | None, drafts: dict[str, _Draft]) -> None:
        """The turn's exclusions, after its informs (see the module docstring): informed values leave the
        exclusions, then each ``exclude`` act's value joins them and leaves the constraints."""
        scoped = []
        for act in acts:
            domain = act.domain if act.domain in self.domain.schemas else focus
            if domain is None or domain not in drafts or not act.slot or not act.value:
                continue
            spec = self.domain.schemas[domain].slot(act.slot)
            if spec is not None and (act.intent in INFORM_INTENTS or act.intent in EXCLUDE_INTENTS):
                scoped.append((act, domain, self.normaliser.normalise(domain, act.slot, act.value)))
        for act, domain, value in scoped:
            excluded = drafts[domain].excluded
            if act.intent in INFORM_INTENTS and act.slot in excluded:
                kept = [] if value == DONTCARE else [v for v in excluded[act.slot] if v != value]
                if kept:
                    excluded[act.slot] = kept
                else:
                    del excluded[act.slot]
        for act, domain, value in scoped:
            if act.intent not in EXCLUDE_INTENTS or value == DONTCARE:
                continue
            draft, schema = drafts[domain], self.domain.schemas[domain]
            if self._is_booking(schema, act.slot):
                if draft.booking.get(act.slot) == value:
                    del draft.booking[act.slot]
                continue
            if not schema.slots[act.slot].informable:
                continue
            held = draft.constraints.get(act.slot)
            if held == value:
                del draft.constraints[act.slot]
            elif held is not None and schema.slots[act.slot].kind == "list" and value in held.split(" "):
                draft.constraints[act.slot] = " ".join(item for item in held.split(" ") if item != value)
            values = draft.excluded.setdefault(act.slot, [])
            if value not in values:
                values.append(value)

    def _name_withheld(self, name: str, offered: Sequence[str], discussed: bool) -> bool:
        """Whether a name the user gives is not a constraint, as the options say (see :class:`RuleOptions`)."""
        if name in offered:
            return not self.options.accept_offered_names
        return discussed and not self.options.accept_discussed_names

    def _inform_item(self, schema: Schema, draft: _Draft, slot: str, value: str) -> None:
        found = schema.resolve(slot)
        items = found.slot.items if found is not None else None
        if found is None or found.item is None or items is None:
            return
        base, item = found.base, found.item
        said = norm_text(value)
        current = [i for i in draft.constraints.get(base, "").split(" ") if i and i != DONTCARE]
        if said in {norm_text(v) for v in items.yes}:
            current = [*dict.fromkeys([*current, item])]
        elif said in {norm_text(v) for v in items.no}:
            current = [i for i in current if i != item]
        else:
            return
        if current:
            draft.constraints[base] = " ".join(current)
        else:
            draft.constraints.pop(base, None)

    def _named_item_requests(self, acts: Sequence[DialogueAct], state: BeliefState, drafts: dict[str, _Draft]) -> None:
        """Items the user asks about the entity the belief already names become items of their list slot."""
        for act in acts:
            schema = self.domain.schemas.get(act.domain)
            if act.intent not in REQUEST_INTENTS or schema is None or act.domain not in drafts:
                continue
            draft = drafts[act.domain]
            found = schema.resolve(act.slot)
            items = found.slot.items if found is not None and found.item is not None else None
            if items is None or not items.yes:
                continue
            before = state[act.domain].constraints
            if any(before.get(n) and draft.constraints.get(n) == before[n] for n in schema.name_slots):
                self._inform_item(schema, draft, act.slot, items.yes[0])

    # -- what the ontology says ---------------------------------------------------------------------

    @staticmethod
    def _is_booking(schema: Schema, slot: str) -> bool:
        spec = schema.slot(slot)
        return spec is not None and spec.bookable and not spec.informable

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
            slots = self._relation_slots(act.domain, act.value)
            source = self.domain.schemas[act.value]
            names = source.name_slots
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

    def _implicit_selections(self, acts: Sequence[DialogueAct]) -> list[DialogueAct]:
        """``select(t, ·, s)`` acts the turn implies but lacks (see :attr:`RuleOptions.implicit_select`)."""
        if any(act.intent in SELECT_INTENTS for act in acts):
            return []
        found = []
        for source in self.domain.schemas.values():
            own = [act for act in acts if act.domain == source.name]
            names = source.name_slots
            if not own or any(act.intent not in INFORM_INTENTS or act.slot not in names for act in own):
                continue
            for act in acts:
                schema = self.domain.schemas.get(act.domain)
                if (
                    schema is None
                    or act.domain == source.name
                    or act.intent not in INFORM_INTENTS
                    or act.slot in schema.name_slots
                    or act.domain in {a.domain for a in found}
                ):
                    continue
                if any(spec.kind == "relation" and spec.target == source.name for spec in schema.slots.values()):
                    found.append(DialogueAct("select", act.domain, "", source.name))
        return found

    def _relation_slots(self, domain: str, target: str) -> list[str]:
        """``domain``'s relation slots whose target is the sub-domain ``target``."""
        schema = self.domain.schemas[domain]
        return [n for n, spec in schema.slots.items() if spec.kind == "relation" and spec.target == target]

    def _new_searches(
        self,
        acts: Sequence[DialogueAct],
        state: BeliefState,
        near: dict[str, tuple[str, str]],
        offered: dict[str, tuple[str, ...]],
    ) -> list[str]:
        """The domains whose earlier constraints this turn drops, as the options say (a new entity is asked for).

        Asking for a name right after the system offered several entities of the domain asks which of them
        fits ("which of the two has ..."), and a ``select`` near the entity the domain's belief is already
        near narrows that search: neither drops anything.
        """
        found = []
        if self.options.request_name_starts_search:
            found += [domain for domain in self._name_requests(acts) if len(offered.get(domain, ())) < 2]
        if self.options.select_starts_search:
            for act in acts:
                if act.intent not in SELECT_INTENTS or act.domain not in self.domain.schemas:
                    continue
                held = [state[act.domain].constraints.get(slot) for slot in self._relation_slots(act.domain, act.value)]
                slot, name = near.get(act.domain, ("", ""))
                same = held and held[0] and (not slot or self.normaliser.normalise(act.domain, slot, held[0]) == name)
                if not same:
                    found.append(act.domain)
        return list(dict.fromkeys(found))

    def _name_requests(self, acts: Sequence[DialogueAct]) -> list[str]:
        """The domains whose entity name the user asks for (asking for a new entity)."""
        found = []
        for act in acts:
            schema = self.domain.schemas.get(act.domain)
            if act.intent in REQUEST_INTENTS and schema is not None and act.slot in schema.name_slots:
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
            slots = self.domain.schemas[domain].name_slots
            draft = drafts.setdefault(domain, _Draft.of(DomainBelief()))
            if slots and not any(s in draft.constraints for s in slots):
                draft.constraints[slots[0]] = self.normaliser.normalise(domain, slots[0], names[0])
