"""Values that refer back: "the same area", "near it", "same day as the hotel", "the same group".

A reference names a slot by its words (the domain's ``words`` of the slot: "area", "part of town", "day",
"group") after a word for "same" (:attr:`~tod.pipeline.turn_words.TurnWords.same`) or right after a
demonstrative ("from that day"), or is a relational
word that is itself one of a slot's words ("near", "close to": the cityguide's and MultiWOZ's ``area``)
followed by what it is near ("it", "there", "the restaurant", a name) or ending the turn ("nearby"). Its
value is that slot's value in another sub-domain of the conversation: the sub-domain the turn names after
the reference ("as the restaurant"), else the most recently spoken of other sub-domain that has one; the
value is that sub-domain's constraint or booking detail, else the value of its entity under discussion
(offered, named or booked) in the database. The reference becomes ``inform(t, s, value)`` of the
sub-domain ``t`` the turn is about (the one it speaks of with the slot, else the one under discussion),
replacing whatever value the NLU read for it.
"""

from __future__ import annotations

from typing import Sequence

from tod.acts import DialogueAct
from tod.belief import DONTCARE
from tod.domain.database import Database
from tod.domain.memory import ConversationMemory, remember
from tod.domain.ontology import Domain
from tod.pipeline.reading import Words
from tod.policy.rule_slots import entity_value
from tod.state import DialogueState

#: How many words a slot's word may come after "same" ("the same part of town": 0; "same kind of price": 2).
REACH = 3


def slot_references(
    acts: Sequence[DialogueAct], words: Words, state: DialogueState, domain: Domain, database: Database
) -> tuple[DialogueAct, ...]:
    """``acts`` with each reference the turn's ``words`` make given its value (see the module docstring).
    ``state`` is the state before the turn; ``acts`` already have their sub-domains."""
    found = _referred_slots(words, domain)
    if not found:
        return tuple(acts)
    memory = remember(state, domain)
    out = list(acts)
    for slot, at in found:
        named_after = [d for d, schema in domain.schemas.items() if _named_from(words, schema.called, at)]
        spoken = [a.domain for a in out if a.domain in domain.schemas and a.domain not in named_after]
        spoken += [d for d, s in domain.schemas.items() if words.names_subdomain(s) and d not in named_after]
        candidates = [d for d in dict.fromkeys(spoken) if domain.schemas[d].slot(slot) is not None]
        if not candidates and memory.discussing and memory.discussing not in named_after:
            candidates = [memory.discussing] if domain.schemas[memory.discussing].slot(slot) else []
        if not candidates:
            continue
        target = candidates[0]
        sources = [d for d in named_after if d != target] or [d for d in memory.recency if d != target]
        value = next((v for d in sources if (v := _value(d, slot, state, domain, database, memory))), None)
        if value is None:
            continue
        out = [a for a in out if not (a.intent == "inform" and a.domain == target and a.slot == slot)]
        out.append(DialogueAct("inform", target, slot, value))
    return tuple(out)


def _referred_slots(words: Words, domain: Domain) -> list[tuple[str, int]]:
    """(slot, index of the word after the reference) for each slot the turn refers back to."""
    language = words.language
    tokens = words.words
    slot_words: dict[str, list[str]] = {}
    for schema in domain.schemas.values():
        for name, spec in schema.slots.items():
            if spec.informable or spec.bookable:
                slot_words.setdefault(name, [])
                slot_words[name] += [w for w in spec.words if w not in slot_words[name]]
    found: dict[str, int] = {}
    for i, _ in enumerate(tokens):
        same = any(_at(tokens, i, p) for p in language.same)
        if same or any(_at(tokens, i, p) for p in language.demonstratives):
            # the nearest slot word after "same" is the one it refers to ("same area, moderate price": the area);
            # after "that", only the next word ("from that day")
            for j in range(i + 1, min(i + 1 + (REACH if same else 1), len(tokens))):
                hits = [
                    (name, j + len(w.split()))
                    for name, called in slot_words.items()
                    for w in called
                    if w not in language.relational and _at(tokens, j, w)
                ]
                if hits:
                    for name, after in hits:
                        found.setdefault(name, after)
                    break
        for rel in language.relational:
            if not _at(tokens, i, rel):
                continue
            after = i + len(rel.split())
            if after < len(tokens) and not _refers_back(tokens, after, language.referents):
                continue
            for name, called in slot_words.items():
                if rel in called:
                    found.setdefault(name, after)
    return list(found.items())


def _refers_back(tokens: Sequence[str], at: int, referents: Sequence[str]) -> bool:
    if any(_at(tokens, at, r) for r in referents):
        return True
    return tokens[at] in ("the", "that", "this", "your", "our", "my")


def _named_from(words: Words, called: Sequence[str], start: int) -> bool:
    plural = [f"{w}s" for w in called if " " not in w]
    return any(words.find(w, start=start) >= 0 for w in (*called, *plural))


def _at(tokens: Sequence[str], i: int, phrase: str) -> bool:
    parts = tuple(phrase.split())
    return tuple(tokens[i : i + len(parts)]) == parts


def _value(
    subdomain: str, slot: str, state: DialogueState, domain: Domain, database: Database, memory: ConversationMemory
) -> str | None:
    """``slot``'s value in ``subdomain``: its constraint or booking detail, a booking made, else its entity's."""
    belief = state.belief.domains.get(subdomain)
    if belief is not None:
        for held in (belief.constraints.get(slot), belief.booking.get(slot)):
            if held and held != DONTCARE:
                return held
        for booked in reversed(belief.booked):
            if booked.get(slot):
                return booked[slot]
    spec = domain.schemas[subdomain].slot(slot)
    entity = memory.of(subdomain).entity
    if spec is None or entity is None or subdomain not in database.subdomains:
        return None
    row = database.lookup(subdomain, entity)
    return entity_value(row, spec, 1, ", ") if row is not None else None

