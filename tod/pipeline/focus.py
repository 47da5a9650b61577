"""Giving a sub-domain to user acts that name none.

"What's the phone number?" or "for 4 people" says which slot, not which sub-domain: the
conversation does. An NLU may therefore return such acts without a domain (the synthetic NLU of a
domain is trained to, because the words carry no domain); before tracking, each gets the
sub-domain in focus: the last sub-domain named in the same turn, else in the system's last acts,
else in the earlier turns; details given together (a booking's people, day and nights) go to the
sub-domain in focus that has all of them, else to the only sub-domain that has all of them. When
none of those has the slot, the only sub-domain that has it is taken; when several have it and none is in focus, the act is left as it is (the
tracker ignores it). A misspelt name takes the database name it surely means, and a name the system
says it does not know is dropped from the belief (:func:`forget_unknown_names`); a turn in which the
NLU understood nothing of the task gets the names the text writes (:func:`names_from_the_text`). An
inform of the slot the system just asked for answers the question: it
takes the asked sub-domain unless the turn itself speaks of another (:func:`answers_in_context`);
a booking detail scoped to a sub-domain the turn does not otherwise speak of joins the one it
does (:func:`details_with_the_turn`). A name goes to the sub-domain whose database knows it
(:func:`names_from_the_database`). An inform the NLU gave a sub-domain the turn does not speak of, of a
slot the sub-domain under discussion has, is a correction of that one (:func:`corrections_in_focus`);
a request the NLU gave such a sub-domain asks about the entity under discussion (:func:`requests_in_discussion`).
A transport's place the turn gives without speaking of the transport is the name it writes
(:func:`places_as_names`: "when is kettles yard open" is no taxi to Kettle's Yard).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from tod._schema import FrozenMap
from tod.acts import REQUEST_INTENTS, SLOT_INTENTS, DialogueAct
from tod.belief import DONTCARE, BeliefState
from tod.domain.database import Database
from tod.domain.memory import remember
from tod.domain.name_match import NameMatch, exact_names_in_text, match_name, names_in_text
from tod.domain.normalise import name_key, norm_text
from tod.domain.ontology import Domain, Schema, Slot
from tod.domain.roles import is_place, place_slots
from tod.pipeline.reading import Words
from tod.pipeline.twin_values import marked
from tod.state import DialogueState


def _has(domain: Domain, subdomain: str, slot: str) -> bool:
    return not slot or domain.schemas[subdomain].slot(slot) is not None


def focus_order(acts: Sequence[DialogueAct], state: DialogueState, domain: Domain) -> list[str]:
    """Sub-domains from the most to the least recently talked about, ``acts`` being the user's latest
    (the conversation memory's ``recency``, :mod:`tod.domain.memory`)."""
    return list(remember(replace(state, user_acts=tuple(acts)), domain).recency)


def resolve_domains(acts: Sequence[DialogueAct], state: DialogueState, domain: Domain) -> tuple[DialogueAct, ...]:
    """``acts`` with the domain-less slot acts given the sub-domain in focus, and answers to the
    system's question given its sub-domain (see the module docstring)."""
    acts = details_with_the_turn(answers_in_context(acts, state, domain), domain)
    loose = [
        a for a in acts if a.domain not in domain.schemas and a.intent in SLOT_INTENTS and a.domain in ("", "general")
    ]
    if not loose:
        return tuple(acts)
    order = focus_order(acts, state, domain)
    loose, acts = _numbers_refitted(loose, list(acts), order, domain)
    # details given together belong together: "for 7 people, 5 nights from tuesday" is one booking,
    # of the sub-domain in focus that has every one of those slots (only a hotel has nights)
    together = next((d for d in order if all(_has(domain, d, a.slot) for a in loose)), None)
    if together is None:  # none in focus has them all: the one sub-domain that has them all ("from X to
        # Y at 11:30, what car is it and its phone?": only a taxi has a departure and a car type)
        having_all = [d for d in domain.schemas if all(_has(domain, d, a.slot) for a in loose)]
        together = having_all[0] if len(having_all) == 1 else None
    out = []
    for act in acts:
        if act not in loose:
            out.append(act)
            continue
        target = together or next((d for d in order if _has(domain, d, act.slot)), None)
        if target is None:
            having = [d for d in domain.schemas if act.slot and _has(domain, d, act.slot)]
            target = having[0] if len(having) == 1 else None
        out.append(replace(act, domain=target) if target else act)
    return tuple(out)


def _numbers_refitted(
    loose: list[DialogueAct], acts: list[DialogueAct], order: Sequence[str], domain: Domain
) -> tuple[list[DialogueAct], list[DialogueAct]]:
    """A number detail the sub-domain in focus lacks, given with details it has, is its one number booking
    detail the turn leaves out: "table for 2 friday 1pm" read as 2 nights is 2 people for the restaurant."""
    if not order or len(loose) < 2:
        return loose, acts
    schema = domain.schemas[order[0]]
    missing = [a for a in loose if schema.slot(a.slot) is None]
    if len(missing) != 1 or (spec := _number_slot(domain, missing[0].slot)) is None or spec.kind != "number":
        return loose, acts
    given = {a.slot for a in loose}
    free = [
        n for n in (schema.booking.slots if schema.booking is not None else ())
        if schema.slots[n].kind == "number" and n not in given
    ]
    if len(free) != 1:
        return loose, acts
    refitted = replace(missing[0], slot=free[0])
    return [refitted if a is missing[0] else a for a in loose], [refitted if a is missing[0] else a for a in acts]


def _number_slot(domain: Domain, slot: str) -> Slot | None:
    """The slot ``slot`` of the sub-domains that have it, when they agree on its kind; else ``None``."""
    specs = [s.slots[slot] for s in domain.schemas.values() if slot in s.slots]
    return specs[0] if specs and len({x.kind for x in specs}) == 1 else None


def names_from_the_database(acts: Sequence[DialogueAct], database: Database) -> tuple[DialogueAct, ...]:
    """A name the NLU gave another sub-domain, or none, takes the one sub-domain whose database has an
    entity of that name ("tell me about funky fun house": an attraction, whatever the NLU guessed). A
    name no database has is matched by its spelling (:func:`tod.domain.name_match.match_name`): when one
    database name is surely meant ("trattoria luca"), the act takes it and its sub-domain (the NLU's
    own sub-domain first); otherwise the name is left as it is (the policy asks "did you mean ...?" or
    says it does not know it). A name its own sub-domain knows, or that several know, is left as it is."""
    out = []
    for act in acts:
        out.append(act)
        if act.intent != "inform" or not act.slot or not act.value or act.value == DONTCARE:
            continue
        named = [d for d in database.subdomains if database.domain.schemas[d].name_slot == act.slot]
        if not named or (act.domain in named and database.lookup(act.domain, act.value) is not None):
            continue
        owners = [d for d in named if database.lookup(d, act.value) is not None]
        if len(owners) == 1:
            out[-1] = replace(act, domain=owners[0])
        elif not owners:
            out[-1] = _spelt_name(act, named, database)
    return tuple(out)


def names_from_the_text(
    acts: Sequence[DialogueAct], text: str, database: Database, *, tagged: Sequence[DialogueAct] | None = None
) -> tuple[DialogueAct, ...]:
    """``acts`` and an inform of each database name the text writes that no act gives.

    When no act speaks of a sub-domain's slots (the NLU understood nothing of the task, took the turn for
    small talk or read only a bare sub-domain: "wheres the salt & ancor", "can i get a room at the
    saltmarsh b&b"), names written exactly or surely misspelt count
    (:func:`tod.domain.name_match.names_in_text`), so the turn stays with the task; otherwise only a name
    written exactly (:func:`~tod.domain.name_match.exact_names_in_text`) inside which the tagger took a
    value of its sub-domain ("is the cellar club any good": "club" as a type), and that inform is dropped
    ("italian like il gabbiano" keeps its food and gains no name). ``tagged``: the
    acts the NLU itself gave, when ``acts`` also hold values read from the words (by default ``acts``)."""
    schemas = database.domain.schemas
    if not text:
        return tuple(acts)
    named = [d for d in database.subdomains if schemas[d].name_slot]
    read = any(a.domain in schemas and a.slot for a in (acts if tagged is None else tagged))
    found = exact_names_in_text(database, named, text) if read else names_in_text(database, named, text)
    # a name any act gives already (as a name, or as a taxi's place: "from the cambridge belfry") is read
    given = [name_key(a.value) for a in acts if a.slot and a.value]
    found = [m for m in found if not any(name_key(m.name) in g for g in given)]
    if read:  # the NLU read the turn: a name it did not read counts where it took a value from inside it
        found = [m for m in found if any(_inside_name(a, m) for a in acts)]
    if not found:
        return tuple(acts)
    inside = {(m.subdomain, norm_text(m.name)) for m in found}
    kept = [
        a for a in acts
        if not (a.intent == "inform" and a.slot and a.value
                and any(d == a.domain and f" {norm_text(a.value)} " in f" {n} " for d, n in inside))
    ]
    return (*kept, *(DialogueAct("inform", m.subdomain, schemas[m.subdomain].name_slot, m.name) for m in found))


def _inside_name(act: DialogueAct, match: NameMatch) -> bool:
    """Whether ``act`` informs ``match``'s sub-domain of a value written inside the name ("club" of "the
    cellar club")."""
    value = norm_text(act.value)
    return act.intent == "inform" and act.domain == match.subdomain and bool(value) and f" {value} " in f" {norm_text(match.name)} "


def _spelt_name(act: DialogueAct, named: Sequence[str], database: Database) -> DialogueAct:
    """``act`` with the database name its misspelt name surely means (its own sub-domain's first)."""
    own = [act.domain] if act.domain in named else []
    for subdomains in (own, named) if own else (named,):
        found = match_name(database, subdomains, act.value)
        if found is not None and found.sure:
            return replace(act, domain=found.subdomain, value=found.name)
        if found is not None:
            return act  # a guess in its own sub-domain: the policy asks
    return act


def forget_unknown_names(belief: BeliefState, system_acts: Sequence[DialogueAct], domain: Domain) -> BeliefState:
    """``belief`` without the name constraints the system has just said it does not know
    (``nooffer(d, <name slot>, v)`` of the name ``d``'s belief holds): an unknown name is no constraint
    to search with, and the next turn must not be about it again."""
    for act in system_acts:
        schema = domain.schemas.get(act.domain)
        if act.intent != "nooffer" or schema is None or not act.slot or act.slot not in schema.name_slots:
            continue
        current = belief[act.domain]
        if name_key(current.constraints.get(act.slot, "")) != name_key(act.value):
            continue
        constraints = {k: v for k, v in current.constraints.items() if k != act.slot}
        belief = belief.with_domain(act.domain, replace(current, constraints=FrozenMap(constraints)))
    return belief


def details_with_the_turn(acts: Sequence[DialogueAct], domain: Domain) -> tuple[DialogueAct, ...]:
    """A booking detail scoped to a sub-domain the turn does not otherwise speak of joins the one
    sub-domain the turn does speak of ("a train to ely on tuesday, for 8 people": the train's
    people, whatever sub-domain the NLU guessed for them)."""
    spoken = {a.domain for a in acts if a.domain in domain.schemas and not _booking_detail(domain, a)}
    if len(spoken) != 1:
        return tuple(acts)
    (turn_domain,) = spoken
    out = []
    for act in acts:
        if _booking_detail(domain, act) and act.domain not in spoken and _has(domain, turn_domain, act.slot):
            act = replace(act, domain=turn_domain)
        out.append(act)
    return tuple(out)


def _booking_detail(domain: Domain, act: DialogueAct) -> bool:
    schema = domain.schemas.get(act.domain)
    return act.intent == "inform" and schema is not None and schema.booking is not None and act.slot in schema.booking.slots


def answers_in_context(acts: Sequence[DialogueAct], state: DialogueState, domain: Domain) -> tuple[DialogueAct, ...]:
    """An inform of the very slot the system just asked for (``request`` or ``select``) answers it:
    it takes the asked sub-domain, unless the turn itself speaks of the sub-domain the NLU gave it.

    "Any area is fine" after "which area would you like for the hotel?" carries no sub-domain of its
    own, so the NLU's guess (a restaurant's area) yields to the question's."""
    asked: dict[str, set[str]] = {}
    for act in state.system_acts:
        if act.intent in ("request", "select") and act.domain in domain.schemas and act.slot:
            asked.setdefault(act.slot, set()).add(act.domain)
    if not asked:
        return tuple(acts)
    out = []
    for act in acts:
        targets = asked.get(act.slot, set())
        if act.intent == "inform" and len(targets) == 1 and act.domain not in targets:
            (target,) = targets
            own_evidence = any(o is not act and o.domain == act.domain for o in acts)
            if not own_evidence and _has(domain, target, act.slot):
                act = replace(act, domain=target)
        out.append(act)
    return tuple(out)


def corrections_in_focus(
    acts: Sequence[DialogueAct], words: Words, state: DialogueState, domain: Domain
) -> tuple[DialogueAct, ...]:
    """An inform the NLU gave a sub-domain the turn does not speak of goes to the sub-domain under discussion.

    "Actually make it expensive" during a hotel search names no sub-domain; the NLU's guess (a restaurant's
    price) yields to the sub-domain the conversation is discussing (:attr:`~tod.domain.memory.
    ConversationMemory.discussing`, read on ``state``, the state before the turn) when that one has the
    slot and the value fits it. A sub-domain the turn speaks of keeps its informs: one named by its words
    (``words``: "somewhere to stay"), by a bare ``inform(d)``, a name, a ``reqalts``, or an act on a slot the
    sub-domain under discussion does not have ("make it italian" is a restaurant's food).
    """
    current = remember(state, domain).discussing
    if current is None:
        return tuple(acts)
    target = domain.schemas[current]
    spoken = {d for d, schema in domain.schemas.items() if words.names_subdomain(schema)}
    for act in acts:
        schema = domain.schemas.get(act.domain)
        if schema is None:
            continue
        own = act.intent == "reqalts" or act.intent == "inform" and (not act.slot or act.slot in schema.name_slots)
        if own or act.slot and target.slot(act.slot) is None:
            spoken.add(act.domain)
    out = []
    for act in acts:
        if act.intent == "inform" and act.domain in domain.schemas and act.domain != current:
            if act.domain not in spoken and _fits(target, act.slot, act.value):
                act = replace(act, domain=current)
        out.append(act)
    return tuple(out)


def _fits(schema: Schema, slot: str, value: str) -> bool:
    """Whether ``value`` can be ``schema``'s search slot ``slot`` (a value of its value set, when it has one)."""
    spec = schema.slot(slot)
    if spec is None or not spec.informable or spec.kind == "name":
        return False
    if not spec.values or value == DONTCARE:
        return True
    return norm_text(value, spec.synonyms) in spec.values


def requests_in_discussion(
    acts: Sequence[DialogueAct], words: Words, state: DialogueState, domain: Domain
) -> tuple[DialogueAct, ...]:
    """A request the NLU gave a sub-domain the turn does not speak of asks about the sub-domain under discussion.

    "Phone?" after a restaurant was offered asks for the restaurant's phone, whatever sub-domain the NLU
    guessed (an attraction's): the request takes the sub-domain the conversation is discussing (read on
    ``state``, the state before the turn) when that one can tell the slot. A sub-domain the turn speaks
    of keeps its requests: one named by its words ("the hotel's phone") or by another act of the turn
    (a name, an inform).
    """
    current = remember(state, domain).discussing
    if current is None:
        return tuple(acts)
    target = domain.schemas[current]
    spoken = {d for d, schema in domain.schemas.items() if words.names_subdomain(schema)}
    spoken |= {a.domain for a in acts if a.domain in domain.schemas and a.intent not in REQUEST_INTENTS}
    out = []
    for act in acts:
        moved = act.intent in REQUEST_INTENTS and act.domain in domain.schemas and act.domain != current
        spec = target.slot(act.slot) if moved and act.slot else None
        if moved and act.domain not in spoken and spec is not None and spec.requestable:
            act = replace(act, domain=current)
        out.append(act)
    return tuple(dict.fromkeys(out))


def places_as_names(
    acts: Sequence[DialogueAct], words: Words, state: DialogueState, database: Database
) -> tuple[DialogueAct, ...]:
    """An inform of a transport's place (a taxi's destination) in a turn that does not speak of the transport
    (neither its words, nor the place's markers before it: "to", "from"; nor any earlier turn of the
    conversation: "when is kettels yard open") is an inform of
    the name of the place it surely names (:func:`tod.domain.name_match.match_name` over the sub-domains
    that are places), when one does; anything else is left as it is."""
    domain = database.domain
    recent = set(remember(state, domain).recency)
    places = [d for d in database.subdomains if is_place(domain.schemas[d]) and domain.schemas[d].name_slot]
    out = []
    for act in acts:
        schema = domain.schemas.get(act.domain)
        transport = schema is not None and act.intent == "inform" and act.slot in place_slots(schema)
        # "to kettles yard", "from the museum": a place of the transport all the same
        said = transport and marked(" ".join(words.words), act.value, schema.slots[act.slot].marked_by)
        if transport and act.value and not said and act.domain not in recent and not words.names_subdomain(schema):
            found = match_name(database, places, act.value)
            if found is not None and found.sure:
                act = DialogueAct("inform", found.subdomain, domain.schemas[found.subdomain].name_slot, found.name)
        out.append(act)
    return tuple(out)
