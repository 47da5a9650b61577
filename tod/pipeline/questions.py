"""Questions are questions: a question about an entity is a check of its value, never a new constraint.

"Is it expensive?", "does the regent hotel have parking?", "is it in the centre?": the NLU reads the value
as an ``inform`` (it cannot tell "I want an expensive one" from "is it expensive?"), and the tracker would
make it a constraint. When the turn is a question (a question mark, or it opens with a question word or an
auxiliary: the language's words, :mod:`tod.pipeline.turn_words`) about the entity under discussion of a
sub-domain (named in the turn, or referred to: "it", "they", "there", "the hotel", or a turn of a few
words that names no sub-domain: "parking?"), each ``inform(d, s, v)`` of a search slot becomes the pair

* ``request(d, s, ?)``: the user asks for the entity's value of ``s``, and
* ``confirm(d, s, v)``: the value the user asks about (the user act ``confirm`` of Young et al. 2010:
  "is it v?"; :data:`tod.acts.CHECK_INTENTS`),

which the rule policy answers with ``affirm``/``negate(d, s, v)`` and the entity's value. A turn that asks
for a search ("is there a cheap hotel?", "do you have any in the north?", "a hotel with parking?" with a
determiner before the sub-domain's word, or the NLU's bare ``inform(d)``) is not a check. The slots a
question names by their words ("what time does it open", "is it free to get in") are asked for too when
the NLU missed them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from tod.acts import INFORM_INTENTS, REQUEST_INTENTS, REQUESTED, DialogueAct
from tod.belief import DONTCARE
from tod.domain.database import Database
from tod.domain.memory import remember
from tod.domain.normalise import name_key
from tod.domain.ontology import Domain, Schema
from tod.pipeline.reading import Words
from tod.pipeline.turn_words import TurnWords
from tod.state import DialogueState

#: A question of at most this many words that names no sub-domain asks about the entity under discussion
#: ("parking?", "in the centre?").
ELLIPTICAL_WORDS = 4


def is_question(words: Words) -> bool:
    """Whether the turn has the form of a question: a "?", or it opens (after fillers) with a question word
    or an auxiliary ("is it", "does X have")."""
    language = words.language
    return words.asks or bool(words.opens_with(language.question_words) or words.opens_with(language.auxiliaries))


def entity_questions(
    acts: Sequence[DialogueAct],
    text: str,
    state: DialogueState,
    domain: Domain,
    database: Database,
    language: TurnWords,
) -> tuple[DialogueAct, ...]:
    """``acts`` with the informs of a question about an entity turned into checks (see the module docstring).

    ``state`` is the state before the turn; ``acts`` already have their sub-domains."""
    words = Words.of(text, language)
    if not is_question(words):
        return tuple(acts)
    memory = remember(replace(state, user_acts=tuple(acts)), domain)
    out = list(acts)
    for subdomain in dict.fromkeys(a.domain for a in acts if a.domain in domain.schemas):
        schema = domain.schemas[subdomain]
        entity = memory.of(subdomain).entity
        if entity is None or database.lookup(subdomain, entity) is None:
            continue
        if _asks_for_a_search(words, acts, schema) or not _refers(words, entity, schema, acts):
            continue
        out = _checks(out, schema, words)
    return tuple(out)


def _checks(acts: list[DialogueAct], schema: Schema, words: Words) -> list[DialogueAct]:
    d = schema.name
    # "the address of the museum?": a value beside a request of another slot describes the entity asked
    # about; it is no question of its own
    requested = {a.slot for a in acts if a.domain == d and a.intent in REQUEST_INTENTS and a.slot}
    out: list[DialogueAct] = []
    for act in acts:
        spec = schema.slot(act.slot) if act.domain == d and act.intent in INFORM_INTENTS else None
        checked = (
            spec is not None and spec.informable and spec.kind != "name" and act.value and act.value != DONTCARE
        )
        checked = checked and (not requested or act.slot in requested)
        if checked:
            out += [DialogueAct("request", d, act.slot, REQUESTED), DialogueAct("confirm", d, act.slot, act.value)]
        else:
            out.append(act)
    asked = {a.slot for a in out if a.domain == d and a.intent in REQUEST_INTENTS}
    named = [s for s in words.slots_named(schema, schema.requestable) if s not in schema.name_slots]
    out += [DialogueAct("request", d, s, REQUESTED) for s in named if s not in asked]
    return list(dict.fromkeys(out))


def _asks_for_a_search(words: Words, acts: Sequence[DialogueAct], schema: Schema) -> bool:
    """Whether the turn asks for a (new) entity of ``schema``'s sub-domain rather than about one."""
    d = schema.name
    if any(a.domain == d and (a.intent in INFORM_INTENTS and not a.slot or a.intent == "reqalts") for a in acts):
        return True
    language = words.language
    if words.opens_with(language.search_openers):
        return True
    called = [*schema.called, *(f"{w}s" for w in schema.called if " " not in w)]
    tokens = words.words
    for i, word in enumerate(tokens):
        if word in language.indefinites and any(_at(tokens, i + 1, i + 4, c) for c in called):
            return True
    return False


def _at(tokens: Sequence[str], start: int, stop: int, phrase: str) -> bool:
    parts = phrase.split()
    return any(tuple(tokens[i : i + len(parts)]) == tuple(parts) for i in range(start, min(stop, len(tokens))))


def _refers(words: Words, entity: str, schema: Schema, acts: Sequence[DialogueAct]) -> bool:
    """Whether the question is about ``entity``: it names it (as written, or as the NLU and the name matching
    read it: "does the acorn guesthose have parking"), refers to it, says "the <sub-domain>", or is a few
    words that name no sub-domain at all."""
    named = [a.value for a in acts if a.domain == schema.name and a.slot in schema.name_slots]
    if any(name_key(value) == name_key(entity) for value in named):
        return True
    key = name_key(entity).split()
    tokens = words.words
    if key and any(tuple(tokens[i : i + len(key)]) == tuple(key) for i in range(len(tokens))):
        return True
    if words.has(words.language.referents):
        return True
    if any(words.find(f"the {w}") >= 0 for w in schema.called):
        return True
    return len(tokens) <= ELLIPTICAL_WORDS and not words.names_subdomain(schema)
