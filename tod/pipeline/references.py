"""References to what the system just listed: "the second one", "the last one", "that one", "the one in
the north".

When the system lists a few names ("There are 3 restaurants that match. Would you like Trattoria Lucca,
The Anchor or Bella Vista?"), people pick one by pointing at it, and an NLU trained on slot values reads
those words as values ("the second one" as 2 people, "one" as 1 person). Before tracking, the pipeline
hands the NLU's reading to :func:`resolve_references`, which

1. finds a reference in the text (:func:`find_reference`, with the language's words from
   :mod:`tod.pipeline.reference_words`);
2. takes the list it points into: the names the latest system turn that offered names offered, of the
   sub-domain the turn speaks of, else the most recently spoken of that has such a list (the
   conversation memory's ``last_listed``, :mod:`tod.domain.memory`); a description picks only from
   the names of the system turn just before (``just_offered``);
3. picks the name: by position (``-1`` the last), the one name of a one-name list for "that one", or the
   one listed entity whose database values match what the turn describes ("the one in the north");
4. drops the acts the NLU read from the reference words themselves (acts of a slot span inside the
   reference, unless a span outside it gives the same slot) and adds ``inform(d, name, NAME)``; the
   values of a description stay, as wishes the name picked meets ("the one in the north" keeps the north).

A reference that points nowhere (the fourth of three names, "the second one" with no list) adds no name
and still drops the misread acts: it is never taken as a number of people. Everything else is left as the
NLU read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Sequence

from tod.acts import DialogueAct
from tod.domain.database import Database
from tod.domain.memory import remember
from tod.domain.normalise import norm_text
from tod.errors import QueryError
from tod.pipeline import reference_words as words
from tod.state import DialogueState
from tod.types import NLUResult

#: Kinds of reference.
ORDINAL, POINTING, DESCRIBED = "ordinal", "pointing", "described"


@dataclass(frozen=True)
class Reference:
    """A reference found in a text: its kind, the 1-based position it names (``-1``: the last; ``None``
    for pointing and described references) and the characters ``start:end`` of its words."""

    kind: str
    position: int | None
    start: int
    end: int


def _alternatives(options: Sequence[str]) -> str:
    return "|".join(re.escape(o) for o in sorted(options, key=len, reverse=True))


@lru_cache(maxsize=8)
def _patterns(language: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    lang = language[:2].lower()
    ordinals = words.ORDINALS.get(lang, {})
    if not ordinals:
        return ()
    zh = lang == "zh"
    b = "" if zh else r"\b"
    gap = "" if zh else r"\s+"
    patterns: list[tuple[str, re.Pattern[str]]] = []
    ordinal = _alternatives(ordinals)
    items = _alternatives(words.ITEM_WORDS.get(lang, ()))
    if items:
        the = "" if zh else r"(?:the\s+)?"
        patterns.append((ORDINAL, re.compile(rf"{b}{the}(?P<ord>{ordinal}){gap}(?:{items}){b}", re.I)))
    if not zh:
        # "the second, please" / "the last?" / "the first - how much is it": the ordinal ends the phrase
        patterns.append((ORDINAL, re.compile(rf"\bthe\s+(?P<ord>{ordinal})\b(?=\s*(?:[,.;:!?-]|$))", re.I)))
        numbers = _alternatives([*words.NUMBER_WORDS.get(lang, {}), *map(str, range(1, 10))])
        picks = _alternatives(words.PICK_WORDS.get(lang, ()))
        if picks:
            patterns.append((ORDINAL, re.compile(rf"(?:^|(?<=\s))(?:{picks})\s*(?P<num>{numbers})\b", re.I)))
    starts = words.DESCRIPTION_STARTS.get(lang, ())
    describing = words.DESCRIBING.get(lang, ())
    if starts and describing:
        patterns.append(
            (DESCRIBED, re.compile(rf"{b}(?:{_alternatives(describing)}){gap}(?=(?:{_alternatives(starts)}){b})", re.I))
        )
    pointing = words.POINTING.get(lang, ())
    if pointing:
        patterns.append((POINTING, re.compile(rf"{b}(?:{_alternatives(pointing)}){b}", re.I)))
    return tuple(patterns)


def find_reference(text: str, language: str = "en") -> Reference | None:
    """The first reference to a listed item in ``text`` (ordinals before descriptions before pointing),
    or ``None``; a language without reference words (:mod:`tod.pipeline.reference_words`) has none."""
    if not isinstance(text, str) or not text:
        return None
    lang = language[:2].lower()
    for kind, pattern in _patterns(language):
        match = pattern.search(text)
        if match is None:
            continue
        position = None
        if kind == ORDINAL:
            if match.groupdict().get("ord"):
                position = words.ORDINALS[lang][_key(match["ord"], words.ORDINALS[lang])]
            else:
                number = match["num"].lower()
                position = int(number) if number.isdigit() else words.NUMBER_WORDS[lang][number]
        return Reference(kind, position, match.start(), match.end())
    return None


def _key(found: str, table: dict[str, int]) -> str:
    return next(k for k in table if k.lower() == found.lower())


def resolve_references(result: NLUResult, state: DialogueState, database: Database) -> NLUResult:
    """``result`` with a reference in its text resolved against the names the system just listed (see
    the module docstring); unchanged when the text has no reference."""
    domain = database.domain
    found = find_reference(result.text, domain.language)
    if found is None:
        return result
    acts = _without_reference_values(result, found)
    memory = remember(state, domain)
    spoken = [a.domain for a in acts if a.domain in domain.schemas]
    # a description picks from the list just said; a position or "that one" from the latest list
    lists = memory.just_offered if found.kind == DESCRIBED else {d: memory.of(d).last_listed for d in memory.recency}
    subdomain = next(
        (d for d in (*spoken, *memory.recency) if lists.get(d) and domain.schemas[d].name_slot), None
    )
    name = None
    if subdomain is not None:
        listed = lists[subdomain]
        name = _pick(found, listed, [a for a in acts if a.domain in (subdomain, "")], subdomain, database)
    if name is not None and subdomain is not None:
        slot = domain.schemas[subdomain].name_slot
        assert slot is not None  # chosen above for having one
        pick = DialogueAct("inform", subdomain, slot, name)
        # a description's values stay: the user said them, and the item picked meets them ("the one in the
        # east" keeps the east among what the user wants)
        acts = [a for a in acts if not (a.domain == subdomain and a.slot == slot and a.intent == "inform")]
        acts.append(pick)
    if tuple(acts) == tuple(result.acts):
        return result
    return replace(result, acts=tuple(acts))


def _pick(
    found: Reference, listed: Sequence[str], acts: Sequence[DialogueAct], subdomain: str, database: Database
) -> str | None:
    if found.kind == ORDINAL:
        position = found.position or 0
        if position == -1:
            return listed[-1]
        return listed[position - 1] if 1 <= position <= len(listed) else None
    if found.kind == POINTING:
        return listed[0] if len(listed) == 1 else None
    described = [a for a in acts if _describes(a, subdomain) or (a.domain == "" and a.intent == "inform" and a.slot)]
    if not described:
        return listed[0] if len(listed) == 1 else None
    matching = []
    for name in listed:
        entity = database.lookup(subdomain, name)
        if entity is None:
            continue
        try:
            if database.meets(entity, {a.slot: a.value for a in described}):
                matching.append(name)
        except QueryError:
            return None  # a value the database cannot read describes nothing it can check
    return matching[0] if len(matching) == 1 else None


def _describes(act: DialogueAct, subdomain: str) -> bool:
    return act.intent == "inform" and act.domain == subdomain and bool(act.slot) and bool(act.value)


def _without_reference_values(result: NLUResult, found: Reference) -> list[DialogueAct]:
    """The NLU's acts less those it read from the reference's own words ("one" as 1 person)."""
    inside: set[tuple[str, ...]] = set()
    outside: set[tuple[str, ...]] = set()
    for span in result.slots:
        key = _span_key(span.slot)
        overlaps = span.start < found.end and found.start < span.end
        (inside if overlaps else outside).add(key)
    misread = inside - outside
    if not misread or found.kind == DESCRIBED:
        return list(result.acts)
    return [a for a in result.acts if not any(_same_act(a, key) for key in misread)]


def _span_key(label: str) -> tuple[str, ...]:
    """A span label as the act it gives: ``intent+domain+slot`` (act NLUs) or a bare slot name."""
    parts = label.split("+", 2)
    return tuple(parts) if len(parts) == 3 else (label,)


def _same_act(act: DialogueAct, key: tuple[str, ...]) -> bool:
    if len(key) == 3:
        intent, domain, slot = key
        return act.intent == intent and act.slot == slot and (act.domain == domain or not domain or not act.domain)
    return act.slot == key[0] and norm_text(act.value) != ""
