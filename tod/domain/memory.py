"""The memory of the conversation: what the system offered, which sub-domain and entity are in focus, and
what the user asked about, read in one place from a :class:`~tod.state.DialogueState`.

:func:`remember` is the one function that reads it; the tracker, both policies, the MLE policy's features
and lexicalisation, and the pipeline's focus step read the :class:`ConversationMemory` it returns instead
of scanning the acts themselves. Everything it knows of slots comes from the ontology: a *name* is the
value of a slot of kind ``name`` (``name``, ``trainID``, ``名称``); an *offer* is a system act of the
memory's ``offer_intents`` (:data:`~tod.acts.OFFER_INTENTS` unless the reader asks for more) on a name slot
with a value.

The turns it reads: ``state.user_acts`` are the latest user acts; ``state.system_acts`` the system acts
they answer (the *latest system turn*); the system turns of ``state.history``, oldest first, followed by
``state.system_acts`` when the history does not already end with them (a state built by hand, a corpus
example, a turn the fallback answered), are *every system turn*; the user turns of the history followed
by ``state.user_acts`` are *every user turn*.

Follow-ups that refer back ("same area", "near it", "that one", a question about the entity in focus)
are to be resolved from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Sequence

from tod._schema import FrozenMap
from tod.acts import (
    AFFIRM_INTENTS,
    GENERAL,
    INFORM_INTENTS,
    NEGATE_INTENTS,
    OFFER_INTENTS,
    REQUEST_INTENTS,
    DialogueAct,
)
from tod.belief import DONTCARE
from tod.dialogue import SYSTEM, USER
from tod.domain.normalise import norm_text
from tod.domain.ontology import Domain
from tod.state import DialogueState


@dataclass(frozen=True)
class SubdomainMemory:
    """What the conversation holds about one sub-domain (every field empty when it was never spoken of).

    ``offered``: the names the system offered in every system turn, oldest first, each once, as said.
    ``last_offered``: the first name offered in the latest system turn that offered one (``None``: never).
    ``last_listed``: every name that turn offered, in the order said, each once (what "the second one" and
    "the last one" count in; :mod:`tod.pipeline.references`).
    ``last_named``: the name the system said last in *any* act on a name slot (``nooffer``, ``request``'s
    ``?`` included), ``None`` when it never said one: the reading the MLE policy's features and
    lexicalisation were trained with (narrowing it to offers changes their numbers).
    ``said_name``: the name the user gives in the latest user acts (the last one; a confirmed name the user
    affirms counts, see :attr:`ConversationMemory.affirmed`), ``None`` when none; never empty or dontcare.
    ``held_name``: the belief's name constraint (the first name slot that has one), never empty or dontcare.
    ``booked_names``: the names the belief's booked entries record on a name slot, the latest booking first.
    ``requested``: the slots the user asks about: the latest user acts' requests, then the belief's
    requested slots, each once.
    ``mentioned``: slot -> the index of the latest user turn that informed it (every user turn, oldest
    first, then the latest user acts: in a running pipeline the latest turn is counted twice, once from
    the history and once from the state's user acts, so the latest turn's index is the number of user
    turns in the history).
    """

    offered: tuple[str, ...] = ()
    last_offered: str | None = None
    last_listed: tuple[str, ...] = ()
    last_named: str | None = None
    said_name: str | None = None
    held_name: str | None = None
    booked_names: tuple[str, ...] = ()
    requested: tuple[str, ...] = ()
    mentioned: FrozenMap[str, int] = field(default_factory=FrozenMap)

    @property
    def named(self) -> str | None:
        """The entity the user names: the one given in the latest acts, else the belief's name constraint."""
        return self.said_name if self.said_name is not None else self.held_name

    @property
    def entity(self) -> str | None:
        """The entity under discussion, as a follow-up ("is it cheap?", "near it") refers to it: the one the
        user names (:attr:`named`), else the one the system offered last, else the one booked last;
        ``None`` when there is none."""
        for name in (self.named, self.last_offered, *self.booked_names[:1]):
            if name is not None:
                return name
        return None


@dataclass(frozen=True)
class ConversationMemory:
    """What the conversation in ``state`` has established, read with ``domain``'s ontology.

    Made by :func:`remember`. Each property is read from the state the first time it is asked for and
    kept (a tracker that needs only the latest turn does not pay for scanning the whole history).
    ``offer_intents``: the system intents whose acts on a name slot count as offers.
    """

    state: DialogueState
    domain: Domain
    offer_intents: frozenset[str] = OFFER_INTENTS

    @cached_property
    def focus(self) -> str | None:
        """The sub-domain in focus: the last one the latest user acts name, else the last one the latest
        system turn names; ``None`` when neither names one."""
        return self._last_subdomain(self.state.user_acts) or self._last_subdomain(self.state.system_acts)

    @cached_property
    def discussing(self) -> str | None:
        """The sub-domain the latest system turn spoke of (its last one), else the first of :attr:`recency`;
        ``None`` in a conversation that has spoken of none. Read on the state *before* a user turn, it is
        the sub-domain a follow-up that names none continues ("actually make it expensive")."""
        return self._last_subdomain(self.state.system_acts) or next(iter(self.recency), None)

    @cached_property
    def recency(self) -> tuple[str, ...]:
        """Every sub-domain spoken of, the most recent first: the latest user acts (the last act first), the
        latest system turn, then the history from its newest turn back."""
        state = self.state
        order: dict[str, None] = {}
        for acts in (state.user_acts, state.system_acts, *(t.acts for t in reversed(state.history))):
            for act in reversed(acts):
                if act.domain in self.domain.schemas:
                    order.setdefault(act.domain, None)
        return tuple(order)

    @cached_property
    def affirmed(self) -> tuple[DialogueAct, ...]:
        """The values the latest system turn asked the user to confirm (``confirm(d, s, v)``), when the user
        said yes and not no (a general ``affirm``, no general ``negate``/``deny``), as the ``inform(d, s, v)``
        the user has now given."""
        general = _general_intents(self.state.user_acts)
        if not general & AFFIRM_INTENTS or general & NEGATE_INTENTS:
            return ()
        schemas = self.domain.schemas
        confirmed = [a for a in self.state.system_acts if a.intent == "confirm" and a.domain in schemas and a.slot]
        return tuple(DialogueAct("inform", a.domain, a.slot, a.value) for a in confirmed)

    @cached_property
    def user_acts(self) -> tuple[DialogueAct, ...]:
        """What the user has said now: :attr:`affirmed`, then the latest user acts."""
        return (*self.affirmed, *self.state.user_acts)

    @cached_property
    def user_subdomains(self) -> tuple[str, ...]:
        """The sub-domains :attr:`user_acts` name, in the order first named."""
        return tuple(dict.fromkeys(a.domain for a in self.user_acts if a.domain in self.domain.schemas))

    @cached_property
    def booking_accepted(self) -> frozenset[str]:
        """The sub-domains whose booking the latest system turn offered (``offerbook``), when the user said
        yes (a general ``affirm``)."""
        if not _general_intents(self.state.user_acts) & AFFIRM_INTENTS:
            return frozenset()
        schemas = self.domain.schemas
        return frozenset(a.domain for a in self.state.system_acts if a.intent == "offerbook" and a.domain in schemas)

    @cached_property
    def just_offered(self) -> FrozenMap[str, tuple[str, ...]]:
        """Sub-domain -> the names the latest system turn offered, in order, each once, as said."""
        return FrozenMap(self._system_names([self.state.system_acts])[0])

    @cached_property
    def discussed(self) -> frozenset[str]:
        """The sub-domains the latest system turn offered something of or told about (an act of
        :attr:`offer_intents`, with or without a name)."""
        return frozenset(a.domain for a in self.state.system_acts if a.intent in self.offer_intents)

    @cached_property
    def subdomains(self) -> FrozenMap[str, SubdomainMemory]:
        """What is known of each sub-domain spoken of or held in the belief (:meth:`of` for any one)."""
        offered, _, named = self._every_system_name
        spoken = [*offered, *named, *self._said, *self._asked, *self._mentioned, *self.state.belief.domains]
        known = {d: self.of(d) for d in dict.fromkeys(spoken) if d in self.domain.schemas}
        return FrozenMap({d: memory for d, memory in known.items() if memory != SubdomainMemory()})

    def of(self, subdomain: str) -> SubdomainMemory:
        """What is known of ``subdomain`` (an empty :class:`SubdomainMemory` when nothing is)."""
        cache: dict[str, SubdomainMemory] = self.__dict__.setdefault("_of", {})
        if subdomain not in cache:
            cache[subdomain] = self._read(subdomain)
        return cache[subdomain]

    # -- the scans, each made once ----------------------------------------------------------------------

    def _read(self, subdomain: str) -> SubdomainMemory:
        offered, listed, last_named = self._every_system_name
        belief = self.state.belief.domains.get(subdomain)
        schema = self.domain.schemas.get(subdomain)
        slots = schema.name_slots if schema is not None else ()
        held = booked = None
        requested = self._asked.get(subdomain, [])
        if belief is not None:
            held = next((v for s in slots if given_name(v := belief.constraints.get(s, ""))), None)
            booked = tuple(name for entry in reversed(belief.booked) for s in slots if (name := entry.get(s, "")))
            requested = [*requested, *belief.requested]
        return SubdomainMemory(
            offered=offered.get(subdomain, ()),
            last_offered=listed[subdomain][0] if subdomain in listed else None,
            last_listed=listed.get(subdomain, ()),
            last_named=last_named.get(subdomain),
            said_name=self._said.get(subdomain),
            held_name=held,
            booked_names=booked or (),
            requested=tuple(dict.fromkeys(requested)),
            mentioned=FrozenMap(self._mentioned.get(subdomain, {})),
        )

    def _names_a_name(self, act: DialogueAct) -> bool:
        """Whether ``act`` is on a name slot of its sub-domain and has a value."""
        schema = self.domain.schemas.get(act.domain) if act.value else None
        return schema is not None and act.slot in schema.name_slots

    @cached_property
    def _every_system_name(self) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], dict[str, str]]:
        return self._system_names(_system_turns(self.state))

    def _system_names(
        self, turns: Sequence[Sequence[DialogueAct]]
    ) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], dict[str, str]]:
        """Per sub-domain: the names offered in ``turns`` (in order, each once), the names of the latest
        turn that offered one (in order, each once), and the name said last in any act."""
        offered: dict[str, list[str]] = {}
        last_listed: dict[str, tuple[str, ...]] = {}
        last_named: dict[str, str] = {}
        for acts in turns:
            listed: dict[str, list[str]] = {}
            for act in acts:
                if not self._names_a_name(act):
                    continue
                last_named[act.domain] = act.value
                if act.intent in self.offer_intents:
                    offered.setdefault(act.domain, []).append(act.value)
                    listed.setdefault(act.domain, []).append(act.value)
            last_listed.update({d: tuple(dict.fromkeys(names)) for d, names in listed.items()})
        return {d: tuple(dict.fromkeys(names)) for d, names in offered.items()}, last_listed, last_named

    @cached_property
    def _said(self) -> dict[str, str]:
        """Per sub-domain, the last name :attr:`user_acts` give."""
        found: dict[str, str] = {}
        for act in self.user_acts:
            if act.intent in INFORM_INTENTS and self._names_a_name(act) and given_name(act.value):
                found[act.domain] = act.value
        return found

    @cached_property
    def _asked(self) -> dict[str, list[str]]:
        """Per sub-domain, the slots the latest user acts request."""
        found: dict[str, list[str]] = {}
        for act in self.state.user_acts:
            if act.intent in REQUEST_INTENTS and act.slot:
                found.setdefault(act.domain, []).append(act.slot)
        return found

    @cached_property
    def _mentioned(self) -> dict[str, dict[str, int]]:
        """Per sub-domain, slot -> the index of the latest user turn that informed it."""
        turns = [t.acts for t in self.state.history if t.speaker == USER] + [self.state.user_acts]
        found: dict[str, dict[str, int]] = {}
        # counted like turn_count: the user turns a long conversation no longer keeps come first
        for index, acts in enumerate(turns, start=self.state.earlier_turns):
            for act in acts:
                if act.intent in INFORM_INTENTS and act.slot:
                    found.setdefault(act.domain, {})[act.slot] = index
        return found

    def _last_subdomain(self, acts: Sequence[DialogueAct]) -> str | None:
        named = [a.domain for a in acts if a.domain in self.domain.schemas]
        return named[-1] if named else None


def remember(
    state: DialogueState, domain: Domain, *, offer_intents: frozenset[str] = OFFER_INTENTS
) -> ConversationMemory:
    """The memory of the conversation ``state`` holds, read with ``domain``'s ontology (see the module docstring).

    ``offer_intents``: which system intents offer an entity by name. The policies keep the system's own
    (:data:`~tod.acts.OFFER_INTENTS`); the tracker also reads MultiWOZ's ``offerbook``/``offerbooked``
    (:data:`~tod.acts.CORPUS_OFFER_INTENTS`), because it is measured on the corpus's own system acts. In
    a tod conversation the two read the same; on corpus histories the wider set changes what the rule
    policy counts as offered (one MultiWOZ dev turn of ``benchmarks/policy_mle.py``), so it is not the
    policies' default.
    """
    return ConversationMemory(state, domain, offer_intents)


def given_name(value: str) -> bool:
    """Whether a name value names something (not empty, not dontcare)."""
    return bool(value.strip()) and norm_text(value) != DONTCARE


def _system_turns(state: DialogueState) -> list[tuple[DialogueAct, ...]]:
    """Every system turn's acts, oldest first (see the module docstring)."""
    turns = [t.acts for t in state.history if t.speaker == SYSTEM]
    if state.system_acts and (not turns or turns[-1] != state.system_acts):
        turns.append(state.system_acts)
    return turns


def _general_intents(acts: Iterable[DialogueAct]) -> set[str]:
    """The intents of the acts that belong to no sub-domain (``general`` or none)."""
    return {a.intent for a in acts if a.domain in (GENERAL, "")}
