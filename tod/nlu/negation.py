"""Reading negation: "not in the north", "anything but chinese", "a hotel, not a guesthouse".

An act NLU tags the value of a negated phrase as it tags any value (``inform(restaurant, food,
chinese)`` for "anything but chinese"): it has no way to say "not". :func:`read_negations` looks at
the words before each inform's value in the user's text and, where a negation cue governs it, turns
the act into ``exclude(d, s, v)`` (:data:`tod.acts.EXCLUDE`), which the tracker keeps as an
exclusion of the belief and the database query honours.

How a cue governs a value (the cue words are language data, :mod:`tod.nlu.negation_en`):

* walking back from the value, a cue is met before a clause boundary (punctuation, "but", "and",
  ...) and within the cue's reach in words: "not in the north" (2 words between), "no indian" (none);
  "no, the north" and "not in the north and cheap" leave "north" and "cheap" alone;
* a cue inside a *neutral* phrase negates nothing: "I'm not sure, maybe chinese", "I don't mind",
  "isn't there a cheap one?";
* a cue inside a *relaxing* phrase makes the value optional: "I don't need parking", "it doesn't have
  to be in the centre" become ``inform(d, s, dontcare)``;
* a cue word that lies inside another tagged value (a value "no") is not a cue.

Only values whose slot can be ruled out are read: slots of kind ``time`` and slots compared as
bounds (``ge``, ``le``, ...: "not before 8 pm" means *after* 8 pm) keep their act, as do
``dontcare`` values, and values that already say no ("no parking needed" read as ``parking = no``).
"Not too expensive" reads as an exclusion of ``expensive``; "nothing fancy",
where the NLU reads "fancy" as a price, as an exclusion of that price. A domain whose language has no
cue data (Chinese: CrossWOZ) is left as the NLU read it.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Mapping, Sequence

from tod.acts import EXCLUDE, INFORM_INTENTS, DialogueAct
from tod.belief import DONTCARE
from tod.domain.ontology import Domain
from tod.types import SlotSpan

#: The languages with cue data: language code -> the module holding it.
CUE_MODULES: Mapping[str, str] = {"en": "tod.nlu.negation_en"}
#: Slot comparisons under which ruling a value out means something (bounds do not: see the module docstring).
_NEGATABLE_OPS = frozenset({"eq", "contains", "substring", "ne"})
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*|[,.;:!?]|(?<!\w)[-\u2013\u2014]+(?!\w)")
_PUNCTUATION = frozenset(",.;:!?-\u2013\u2014")
#: Words that join two values under one cue ("no indian or chinese").
_JOINERS = frozenset({"or", "nor"})


@dataclass(frozen=True, eq=False)
class Cues:
    """One language's negation cues (see :mod:`tod.nlu.negation_en` for what each holds)."""

    cues: Mapping[tuple[str, ...], int]
    suffix: str
    words: frozenset[str]
    word_gap: int
    neutral: tuple[tuple[str, ...], ...]
    relaxing: tuple[tuple[str, ...], ...]
    boundaries: frozenset[str]
    fillers: frozenset[str]
    negative_values: frozenset[str]

    @cached_property
    def by_last_word(self) -> dict[str, list[tuple[tuple[str, ...], int]]]:
        """The cues by their last word, longest first (the cue that ends at a word is looked up by it)."""
        found: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for phrase, gap in sorted(self.cues.items(), key=lambda kv: -len(kv[0])):
            found.setdefault(phrase[-1], []).append((phrase, gap))
        return found

    @cached_property
    def reach(self) -> int:
        """The longest reach of any cue, in words."""
        return max([*self.cues.values(), self.word_gap])

    @cached_property
    def neutral_by_word(self) -> dict[str, list[tuple[tuple[str, ...], int]]]:
        return _index(self.neutral)

    @cached_property
    def relaxing_by_word(self) -> dict[str, list[tuple[tuple[str, ...], int]]]:
        return _index(self.relaxing)


def _index(phrases: Sequence[tuple[str, ...]]) -> dict[str, list[tuple[tuple[str, ...], int]]]:
    """word -> (phrase, position of the word in it) for every word of every phrase."""
    found: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for phrase in phrases:
        for k, word in enumerate(phrase):
            found.setdefault(word, []).append((phrase, k))
    return found


def cues_for(language: str) -> Cues | None:
    """The cues of ``language`` (``en``, ``en-GB`` ...), or ``None`` when tod has none for it."""
    return _load(language.split("-")[0].split("_")[0].lower())


@lru_cache(maxsize=None)
def _load(code: str) -> Cues | None:
    module_name = CUE_MODULES.get(code)
    if module_name is None:
        return None
    data = importlib.import_module(module_name)
    return Cues(
        cues=dict(data.CUES),
        suffix=data.CUE_SUFFIX,
        words=frozenset(data.CUE_WORDS),
        word_gap=int(data.CUE_WORD_GAP),
        neutral=tuple(data.NEUTRAL),
        relaxing=tuple(data.RELAXING),
        boundaries=frozenset(data.BOUNDARIES),
        fillers=frozenset(data.FILLERS),
        negative_values=frozenset(data.NEGATIVE_VALUES),
    )


@dataclass(frozen=True)
class Word:
    """A word or punctuation mark of the text, lower case (``dont`` written ``don't``), with offsets."""

    text: str
    start: int
    end: int

    @property
    def is_punctuation(self) -> bool:
        return self.text[0] in _PUNCTUATION


def words(text: str, cues: Cues | None = None) -> list[Word]:
    """The words and punctuation of ``text``; a cue word typed without its apostrophe gets one back."""
    found = []
    for match in _WORD.finditer(text):
        word = match.group().lower().replace("\u2019", "'")
        if cues is not None and word in cues.words:
            word = "can't" if word == "cannot" else word[:-1] + "'t"
        found.append(Word(word, match.start(), match.end()))
    return found


def read_negations(
    text: str, acts: Sequence[DialogueAct], spans: Sequence[SlotSpan], domain: Domain
) -> tuple[DialogueAct, ...]:
    """``acts`` with each inform whose value a negation cue governs in ``text`` turned into an
    ``exclude`` (or, under a relaxing phrase, into dontcare); see the module docstring.

    ``spans`` are the NLU's tagged spans (labels ``intent+domain+slot``), matched to the acts in
    order; an act without one is found by its value in the text, and left as it is when not found.
    """
    cues = cues_for(domain.language)
    if cues is None or not text or not acts:
        return tuple(acts)
    tokens = words(text, cues)
    if not any(t.text in cues.by_last_word or t.text.endswith(cues.suffix) for t in tokens):
        return tuple(acts)  # no cue at all: most turns
    places = _places(text, acts, spans)
    taken = [(s.start, s.end) for s in spans] + [p for p in places if p is not None]
    out = []
    for act, place in zip(acts, places):
        if place is None or not _negatable(act, domain) or act.value.strip().lower() in cues.negative_values:
            out.append(act)
            continue
        reading = _reading(tokens, place[0], taken, cues)
        if reading == "exclude":
            out.append(DialogueAct(EXCLUDE, act.domain, act.slot, act.value))
        elif reading == "relax":
            out.append(replace(act, value=DONTCARE))
        else:
            out.append(act)
    return tuple(out)


def _negatable(act: DialogueAct, domain: Domain) -> bool:
    """Whether ``act`` gives a value that can be ruled out: an inform of a slot of an equality-like
    comparison that is not a time, in the act's sub-domain (any sub-domain that has the slot, for an
    act without one)."""
    if act.intent not in INFORM_INTENTS or not act.slot or not act.value or act.value.strip().lower() == DONTCARE:
        return False
    schemas = [domain.schemas[act.domain]] if act.domain in domain.schemas else list(domain.schemas.values())
    specs = [spec for schema in schemas if (spec := schema.slot(act.slot)) is not None]
    return bool(specs) and all(spec.kind != "time" and spec.op in _NEGATABLE_OPS for spec in specs)


def _places(text: str, acts: Sequence[DialogueAct], spans: Sequence[SlotSpan]) -> list[tuple[int, int] | None]:
    """Where each act's value is written: its tagged span, else the value's first free occurrence."""
    queues: dict[tuple[str, str, str], list[SlotSpan]] = {}
    for span in spans:
        intent, domain, slot = (span.slot.split("+", 2) + ["", ""])[:3]
        queues.setdefault((intent, domain, slot), []).append(span)
    lowered = text.lower() if len(text.lower()) == len(text) else None
    used: list[tuple[int, int]] = []
    places: list[tuple[int, int] | None] = []
    for act in acts:
        queue = queues.get((act.intent, act.domain, act.slot))
        if queue:
            span = queue.pop(0)
            places.append((span.start, span.end))
            continue
        place = None
        value = act.value.strip().lower()
        if lowered is not None and value:
            for match in re.finditer(r"(?<!\w)" + re.escape(value) + r"(?!\w)", lowered):
                if not any(s < match.end() and match.start() < e for s, e in used):
                    place = (match.start(), match.end())
                    break
        if place is not None:
            used.append(place)
        places.append(place)
    return places


def _phrase_around(tokens: Sequence[Word], i: int, phrases: Mapping[str, list[tuple[tuple[str, ...], int]]]) -> bool:
    """Whether one of the indexed ``phrases`` is written over the words around ``tokens[i]`` (covering it)."""
    for phrase, k in phrases.get(tokens[i].text, ()):
        start = i - k
        if start >= 0 and start + len(phrase) <= len(tokens):
            if all(tokens[start + n].text == phrase[n] for n in range(len(phrase))):
                return True
    return False


def _cue_ending_at(tokens: Sequence[Word], i: int, cues: Cues) -> tuple[int, int] | None:
    """The cue whose last word is ``tokens[i]``: (the index of its first word, its reach in words)."""
    for phrase, gap in cues.by_last_word.get(tokens[i].text, ()):
        start = i - len(phrase) + 1
        if start >= 0 and all(tokens[start + n].text == phrase[n] for n in range(len(phrase))):
            return start, gap
    if tokens[i].text.endswith(cues.suffix):
        return i, cues.word_gap
    return None


def _reading(tokens: Sequence[Word], start: int, taken: Sequence[tuple[int, int]], cues: Cues) -> str | None:
    """``"exclude"``, ``"relax"`` or ``None``: what the cues before the value starting at ``start`` make of it.

    Another value between the cue and this one takes the cue for itself ("not chinese food in the
    north": north is wanted), unless the two are joined by "or"/"nor" ("no indian or chinese").
    """
    before = [n for n, t in enumerate(tokens) if t.end <= start]
    gap = 0
    reach = cues.reach
    passed: Word | None = None  # the word after the current one (towards the value)
    crossing: tuple[int, int] | None = None  # the other value being walked through
    for i in reversed(before):
        token = tokens[i]
        if token.is_punctuation:
            return None
        span = next(((s, e) for s, e in taken if s <= token.start and token.end <= e), None)
        if span is not None:
            if span != crossing and (passed is None or passed.text not in _JOINERS):
                return None
            crossing, passed = span, token
            continue
        crossing = None
        cue = _cue_ending_at(tokens, i, cues)
        if cue is not None:
            first, allowed = cue
            if any(_phrase_around(tokens, n, cues.neutral_by_word) for n in range(first, i + 1)):
                return None
            if any(_phrase_around(tokens, n, cues.relaxing_by_word) for n in range(first, i + 1)):
                return "relax" if gap <= cues.word_gap else None  # "no need for parking": the phrase's own words
            return "exclude" if gap <= allowed else None
        if token.text in cues.boundaries:
            return None
        if token.text not in cues.fillers and token.text not in _JOINERS:
            gap += 1
        if gap > reach:
            return None
        passed = token
    return None
