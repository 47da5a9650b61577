"""Reading a user turn's words beside the NLU's acts: which sub-domains and slots it names, and its short forms.

The NLU reads the meaning of a turn; a few things are plainer in its words than in any act: whether the
turn names a sub-domain at all ("somewhere to stay"), which slot a two-word follow-up asks for ("phone
please", "and the adress", "stars?"), a thanks the NLU was unsure of ("k thx"), or "anywhere" as the
answer to the question just asked. What the words of a domain are is the domain's data (``words`` of its
sub-domains and slots in ``ontology.yaml``, with the names themselves); the language's function words are
:mod:`tod.pipeline.turn_words`. A word of five letters or more also matches a misspelling one edit away
("adress", "parkng").

:func:`follow_up` and :func:`indifferent_answer` run before the pipeline routes a turn: they give a turn the
NLU found nothing in (or only small talk) the acts its words plainly say, so that it stays with the task.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Iterable, Sequence

from tod.acts import CHITCHAT, GENERAL, REQUEST_INTENTS, REQUESTED, DialogueAct
from tod.belief import DONTCARE
from tod.domain.memory import remember
from tod.domain.ontology import Domain, Schema
from tod.pipeline.turn_words import TurnWords, tokens
from tod.state import DialogueState

#: The most words a follow-up read from its words alone may have ("what car is it and the contact number").
FOLLOW_UP_WORDS = 9
#: Words at least this long match a misspelling one edit away.
FUZZY_LENGTH = 5


@dataclass(frozen=True)
class Words:
    """A turn's words: ``tokens`` (lower case, "?" kept as a token), read with a language's function words."""

    tokens: tuple[str, ...]
    language: TurnWords
    #: What :meth:`find` found, by its arguments: a turn's words are asked for the same phrases many times.
    _found: dict[tuple[str, bool, int], int] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, text: str, language: TurnWords) -> Words:
        return cls(tokens(text), language)

    @cached_property
    def words(self) -> tuple[str, ...]:
        """The tokens without "?"."""
        return tuple(t for t in self.tokens if t != "?")

    @property
    def asks(self) -> bool:
        """Whether the turn has a question mark."""
        return "?" in self.tokens

    def find(self, phrase: str, *, fuzzy: bool = False, start: int = 0) -> int:
        """The index of the first word of ``phrase`` in the turn's words at or after ``start``, or -1;
        with ``fuzzy``, a long word also matches a misspelling one edit away (a function word never:
        "where" is not "there")."""
        key = (phrase, fuzzy, start)
        if key not in self._found:
            self._found[key] = self._find(phrase, fuzzy, start)
        return self._found[key]

    @cached_property
    def _word_set(self) -> frozenset[str]:
        return frozenset(self.words)

    def _find(self, phrase: str, fuzzy: bool, start: int) -> int:
        wanted = tuple(phrase.split())
        words = self.words
        exact = self.language.exact_words
        if not wanted or (not fuzzy or len(wanted[0]) < FUZZY_LENGTH or wanted[0] in exact) and wanted[0] not in self._word_set:
            return -1  # its first word is nowhere, and no misspelling of it can count
        for i in range(start, len(words) - len(wanted) + 1):
            if all(_same(w, x, fuzzy and x not in exact) for w, x in zip(words[i : i + len(wanted)], wanted)):
                return i
        return -1

    def has(self, phrases: Iterable[str], *, fuzzy: bool = False) -> bool:
        return any(self.find(p, fuzzy=fuzzy) >= 0 for p in phrases)

    def body(self) -> tuple[str, ...]:
        """The words after the fillers the turn starts with ("and", "ok so")."""
        words = self.words
        i = 0
        while i < len(words):
            step = _starts(words[i:], self.language.fillers)
            if not step:
                break
            i += step
        return words[i:]

    def opens_with(self, phrases: Iterable[str]) -> int:
        """The length of the longest of ``phrases`` the turn's :meth:`body` starts with (0: none)."""
        return _starts(self.body(), phrases)

    def names_subdomain(self, schema: Schema) -> bool:
        """Whether the turn names ``schema``'s sub-domain (its name or one of its ``words``)."""
        return self.has(schema.called, fuzzy=True) or self.has(_plurals(schema.called))

    def slots_named(self, schema: Schema, slots: Iterable[str], *, relational: bool = False) -> list[str]:
        """The slots among ``slots`` the turn names by one of their words, in ``slots``' order; a relational
        word ("near") names its slot only with ``relational``."""
        found = []
        skip = set(self.language.relational)
        for name in slots:
            spec = schema.slot(name)
            if spec is None:
                continue
            called = [w for w in spec.called if relational or w not in skip]
            if self.has(called, fuzzy=True):
                found.append(name)
        return found


def _same(word: str, wanted: str, fuzzy: bool) -> bool:
    if word == wanted:
        return True
    return fuzzy and len(wanted) >= FUZZY_LENGTH and len(word) >= FUZZY_LENGTH - 1 and one_edit(word, wanted)


def one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one insertion, deletion, substitution or swap of neighbours."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def _starts(words: Sequence[str], phrases: Iterable[str]) -> int:
    best = 0
    for phrase in phrases:
        parts = phrase.split()
        if len(parts) > best and tuple(words[: len(parts)]) == tuple(parts):
            best = len(parts)
    return best


def _plurals(called: Iterable[str]) -> list[str]:
    return [f"{w}s" for w in called if " " not in w and not w.endswith("s")]


# -- short follow-ups and indifference: before routing -------------------------------------------------


def follow_up(
    acts: Sequence[DialogueAct], text: str, state: DialogueState, domain: Domain, language: TurnWords
) -> tuple[DialogueAct, ...] | None:
    """The acts of a short in-task follow-up the NLU did not read as one, or ``None`` when ``text`` is not one.

    It applies when the NLU found no task act (nothing, small talk or general acts only) in a turn of at
    most :data:`FOLLOW_UP_WORDS` words, once the conversation has a sub-domain: "phone please", "and the
    adress", "how much is it", "stars?" ask for those slots of the entity under discussion (the
    sub-domain in focus, whose requestable slot the words name); "k thx", "ok cheers" thank; "bye",
    "that's all" say goodbye. Anything else (words that name no slot) is left to the NLU and the routing.
    """
    if any(a.domain in domain.schemas or a.slot for a in acts if a.intent != CHITCHAT):
        return None
    words = Words.of(text, language)
    if not words.words or len(words.words) > FOLLOW_UP_WORDS:
        return None
    memory = remember(state, domain)
    if not memory.recency:
        return None
    subdomain = memory.discussing or memory.recency[0]
    schema = domain.schemas[subdomain]
    asked = [s for s in words.slots_named(schema, schema.requestable) if s not in schema.name_slots]
    out = [DialogueAct("request", subdomain, s, REQUESTED) for s in _without_nested(schema, asked, words)]
    if words.has(language.thanks):
        out.append(DialogueAct("thank", GENERAL))
    if words.has(language.goodbyes):
        out.append(DialogueAct("bye", GENERAL))
    if not out:
        return None
    leftover = _unexplained(words, schema, asked, language)
    return tuple(out) if leftover <= 1 else None


def _without_nested(schema: Schema, slots: list[str], words: Words) -> list[str]:
    """``slots`` without one named only by a word inside another's longer phrase ("phone number" names
    the phone, not a "number" slot)."""
    spans = {}
    for name in slots:
        spec = schema.slots[name]
        best = max((len(w.split()) for w in spec.called if words.find(w, fuzzy=True) >= 0), default=0)
        spans[name] = best
    longest = max(spans.values(), default=0)
    if longest <= 1:
        return slots
    return [s for s in slots if spans[s] > 1 or not _inside_longer(schema, s, slots, words)]


def _inside_longer(schema: Schema, slot: str, slots: list[str], words: Words) -> bool:
    mine = [w for w in schema.slots[slot].called if words.find(w, fuzzy=True) >= 0]
    others = [w for s in slots if s != slot for w in schema.slots[s].called if words.find(w, fuzzy=True) >= 0]
    return all(any(m in o.split() for o in others if len(o.split()) > 1) for m in mine)


def _unexplained(words: Words, schema: Schema, slots: list[str], language: TurnWords) -> int:
    """How many of the turn's words are neither function words nor words of the named slots or the sub-domain."""
    known: set[str] = set()
    for group in (
        language.fillers, language.question_words, language.auxiliaries, language.referents, language.thanks,
        language.goodbyes, language.acknowledgements, language.asking,
    ):
        for phrase in group:
            known.update(phrase.split())
    for name in slots:
        for phrase in schema.slots[name].called:
            known.update(phrase.split())
    for phrase in schema.called:
        known.update(phrase.split())
    count = 0
    for word in words.words:
        if word in known or any(_same(word, k, True) for k in known if len(k) >= FUZZY_LENGTH):
            continue
        count += 1
    return count


def indifferent_answer(
    acts: Sequence[DialogueAct], text: str, state: DialogueState, domain: Domain, language: TurnWords
) -> tuple[DialogueAct, ...] | None:
    """``inform(d, s, dontcare)`` when the system just asked for one slot ``s`` of ``d`` and the whole turn
    says the user does not mind ("anywhere", "doesn't matter", "any is fine"), whatever slot the NLU gave
    its dontcare (or none); ``None`` otherwise."""
    asked = {(a.domain, a.slot) for a in state.system_acts if a.intent in ("request", "select") and a.slot}
    asked = {(d, s) for d, s in asked if d in domain.schemas}
    if len(asked) != 1:
        return None
    words = Words.of(text, language)
    body = words.body()
    if not body or _starts(body, language.indifference) != len(body):
        return None
    (subdomain, slot) = next(iter(asked))
    if domain.schemas[subdomain].slot(slot) is None:
        return None
    kept = [a for a in acts if not (a.intent == "inform" and a.value == DONTCARE) and a.intent != CHITCHAT]
    kept = [a for a in kept if a.domain not in domain.schemas and not a.slot]  # general acts ("thanks") only
    return (DialogueAct("inform", subdomain, slot, DONTCARE), *kept)


def indifferent_values(acts: Sequence[DialogueAct], language: TurnWords) -> tuple[DialogueAct, ...]:
    """``acts`` with each inform whose value is, word for word, one of the language's ways of saying "I do
    not mind" ("doesnt matter" tagged as a price range) given the value ``dontcare``."""
    out = []
    for act in acts:
        if act.intent == "inform" and act.slot and act.value and act.value != DONTCARE:
            value = tokens(act.value)
            if value and _starts(value, language.indifference) == len(value):
                act = DialogueAct(act.intent, act.domain, act.slot, DONTCARE)
        out.append(act)
    return tuple(out)


def requests_in_focus(
    acts: Sequence[DialogueAct], words: Words, domain: Domain, discussing: str | None = None
) -> tuple[DialogueAct, ...]:
    """``acts`` with each request of a slot its sub-domain does not have ("how much is it?" read as the
    price range of an attraction) replaced by requests of the slots of that sub-domain the turn's words
    name (its entrance fee, by the ontology's ``words``); kept as it is when the words name none. A request
    no sub-domain was given for (the focus step found several with the slot and none in focus) is read so
    for the sub-domain under discussion, ``discussing``."""
    out: list[DialogueAct] = []
    for act in acts:
        home = act.domain if act.domain in domain.schemas else discussing if act.slot else None
        if home is not None and act.domain != home and act.intent in REQUEST_INTENTS:
            act = replace(act, domain=home)
        schema = domain.schemas.get(act.domain) if act.intent in REQUEST_INTENTS else None
        if schema is None or not act.slot or act.slot in schema.slots:
            out.append(act)
            continue
        named = [s for s in words.slots_named(schema, schema.requestable) if s not in schema.name_slots]
        asked = [DialogueAct("request", act.domain, s, REQUESTED) for s in named]
        out += [a for a in asked if a not in out and a not in acts] or [act]
    return tuple(out)


def requests_by_words(acts: Sequence[DialogueAct], words: Words, domain: Domain) -> tuple[DialogueAct, ...]:
    """``acts`` and, for each sub-domain the turn requests something of, requests of the other slots of it
    the turn's words name ("what time does it leave and how much": the NLU read the time, the words the
    price; "whereabouts is it": the address and the area)."""
    out = list(acts)
    requested = [a.domain for a in acts if a.intent in REQUEST_INTENTS and a.domain in domain.schemas]
    for subdomain in dict.fromkeys(requested):
        schema = domain.schemas[subdomain]
        asked = {a.slot for a in out if a.domain == subdomain and a.intent in REQUEST_INTENTS}
        named = [s for s in words.slots_named(schema, schema.requestable) if s not in schema.name_slots]
        named = [s for s in _without_nested(schema, named, words) if s not in asked]
        out += [DialogueAct("request", subdomain, s, REQUESTED) for s in named]
    return tuple(out)
