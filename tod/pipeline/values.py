"""Values the tagger cut short: "门票不免费" tagged as 免费 (free) means 不免费 (not free).

A tagger may stop inside a value it has rarely seen whole, and a shorter known value is often
inside the longer one ("免费" in "不免费"; "european" in "modern european"). :func:`widen_values`
gives an inform the longer of its slot's known forms (the ontology's values and synonym keys) that
the text spells around it, when every occurrence of the tagged value in the text lies inside one
of that form; where the text also has the short value on its own, the tagger may be right, and
the value is kept.

Times and numbers are read from the whole expression the user wrote (:func:`whole_expressions`): a
tagger that tagged "half" of "half past seven", "8" of "8 pm" or "couple" of "a couple of nights" gives
the inform the longest stretch of the text around the tag that the slot's reader reads
(:mod:`tod.domain.value_reading`, the language's words); the tracker then reads the value from it
(:mod:`tod.dst.values`), and a time no clock shows ("25 o'clock") reaches the booking as written, to be
refused with a question. A number booking detail the tagger missed is found by the units the
ontology gives its slot ("a couple of nights", "four of us") or, for a number of people, the
language's party phrases ("me and my wife"): :func:`missed_details`. A value of a categorical
search slot that only one slot of the whole domain has ("hotel" and "guesthouse" of a hotel's type,
"museum" of an attraction's) is added when the text writes it and the tagger informed nothing of
that slot: :func:`missed_constraints`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Sequence

from tod.acts import EXCLUDE, DialogueAct
from tod.belief import DONTCARE
from tod.domain.normalise import norm_text
from tod.domain.ontology import Domain, Slot
from tod.domain.value_reading import (
    expression_around,
    find_clock_expressions,
    is_clock_expression,
    may_be_in_value,
    read_number,
    read_time,
)
from tod.domain.value_words import ValueWords, value_words
from tod.pipeline.reading import one_edit


def _occurrences(text: str, part: str) -> list[int]:
    found, start = [], text.find(part)
    while start >= 0:
        found.append(start)
        start = text.find(part, start + 1)
    return found


def _inside(text: str, short: str, long: str) -> bool:
    """Whether ``short`` occurs in ``text`` and each occurrence lies inside an occurrence of ``long``."""
    shorts = _occurrences(text, short)
    longs = set(_occurrences(text, long))
    # an occurrence of short at i is inside long when long starts at i - k for some k where long has short
    starts = [k for k in range(len(long) - len(short) + 1) if long.startswith(short, k)]
    return bool(shorts) and all(any(i - k in longs for k in starts) for i in shorts)


def known_forms(domain: Domain, subdomain: str, slot: str) -> tuple[str, ...]:
    """The values and synonym keys the ontology lists for a slot (lower case), longest first."""
    schema = domain.schemas.get(subdomain)
    spec = schema.slot(slot) if schema is not None else None
    if spec is None:
        return ()
    forms = {v.casefold() for v in (*spec.values, *spec.synonyms.keys()) if v}
    return tuple(sorted(forms, key=lambda f: (-len(f), f)))


def _reads(kind: str, words: ValueWords) -> Callable[[str], bool]:
    """Whether a stretch of text reads as a value of ``kind`` (an impossible time or a vague number counts:
    the booking refuses it with a question)."""

    def time(text: str) -> bool:
        reading = read_time(text, words)
        return reading.minutes is not None or reading.impossible

    def number(text: str) -> bool:
        reading = read_number(text, words)
        return reading.value is not None or reading.vague

    return time if kind == "time" else number


def trimmed(expression: str, kind: str, words: ValueWords) -> str:
    """``expression`` without the filler words at its ends that change nothing of what it says ("at 8"
    is "8", "a table for four" is "four", "me and my wife" stays), so a value refused is shown as said."""
    read: Callable[[str], object]
    if kind == "time":
        read, fillers = (lambda text: read_time(text, words)), (*words.time_fillers, *words.time_suffixes)
    else:
        read, fillers = (lambda text: read_number(text, words)), words.count_fillers
    reading = read(expression)
    words_of = expression.split(" ")
    while len(words_of) > 1:
        for cut in _cuts(words_of, fillers):
            if read(" ".join(cut)) == reading:
                words_of = cut
                break
        else:
            break
    return " ".join(words_of)


@lru_cache(maxsize=64)
def _fillers_by_length(fillers: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    return tuple((f, len(f.split(" "))) for f in sorted(fillers, key=len, reverse=True))


def _cuts(parts: list[str], fillers: Sequence[str]) -> list[list[str]]:
    """``parts`` with one filler (of one or more words) taken off the front or the back."""
    found = []
    for filler, n in _fillers_by_length(tuple(fillers)):
        if n >= len(parts):
            continue
        if " ".join(parts[:n]).lower() == filler:
            found.append(parts[n:])
        if " ".join(parts[-n:]).lower() == filler:
            found.append(parts[:-n])
    return found


def whole_expression(text: str, value: str, kind: str, words: ValueWords) -> str | None:
    """The longest expression of ``text`` around the first occurrence of ``value`` that reads as a value
    of ``kind`` (``"time"`` or ``"number"``), as written; ``None`` when ``value`` is not in the text or
    nothing around it reads."""
    lowered, needle = text.casefold(), value.casefold().strip()
    if not needle or len(lowered) != len(text):  # casefold changed lengths (ß -> ss): offsets would not fit
        return None
    start, end = _find_value(lowered, needle, words)
    if start < 0:
        return None
    span = expression_around(
        text, start, end, _reads(kind, words), lambda word: may_be_in_value(word, words)
    )
    return None if span is None else trimmed(text[span[0] : span[1]], kind, words)


def _find_value(lowered: str, needle: str, words: ValueWords) -> tuple[int, int]:
    """Where ``needle`` is written in ``lowered`` (start, end; -1 when nowhere): a number the tagger's
    value map wrote in digits ("7" of "quarter to seven") is found by its word too, as a whole word."""
    start = lowered.find(needle)
    if start >= 0 or not needle.isdigit():
        return start, start + len(needle)
    for word in sorted((w for w, n in words.numbers.items() if str(n) == needle), key=len, reverse=True):
        match = _whole_words(word).search(lowered)
        if match:
            return match.start(), match.end()
    return -1, -1


def _kind(domain: Domain, act: DialogueAct) -> Slot | None:
    """The slot an inform's value is read as: its sub-domain's; for an act without one (a booking detail
    the focus step places later), the slot of every sub-domain that has it, when they agree on its kind
    and none reads it with value forms."""
    schema = domain.schemas.get(act.domain)
    if schema is not None:
        return schema.slot(act.slot)
    specs = [s.slot(act.slot) for s in domain.schemas.values() if s.slot(act.slot) is not None]
    if not specs or len({spec.kind for spec in specs if spec is not None}) != 1 or any(s and s.forms for s in specs):
        return None
    return specs[0]


def whole_expressions(acts: Sequence[DialogueAct], text: str, domain: Domain) -> tuple[DialogueAct, ...]:
    """``acts`` with the value of each inform of a time or number slot replaced by the whole expression
    the text writes around it (see the module docstring). A number the tagger took out of a clock time
    ("8" of "quarter to 8" as a number of nights) is that time: an inform of the one booking time slot
    its sub-domains have, given once."""
    words = value_words(domain.language)
    out: list[DialogueAct] = []
    clocks: list[str] | None = None
    for act in acts:
        spec = _kind(domain, act) if act.intent == "inform" and act.slot and act.value else None
        if spec is not None and spec.kind == "categorical" and spec.values and act.value.casefold() != DONTCARE:
            if norm_text(act.value, spec.synonyms) not in spec.values and not act.value.strip().isdigit():
                clocks = find_clock_expressions(text, words) if clocks is None else clocks
                if any(act.value.casefold() in c.casefold().split() for c in clocks):
                    continue  # "quarter" of "quarter past seven" tagged as a day: no value of it
        # value forms (价格 100-150元) are read by the query, not here
        if spec is None or spec.kind not in ("time", "number") or act.value.casefold() == DONTCARE or spec.forms:
            out.append(act)
            continue
        if spec.kind == "number":
            clock = whole_expression(text, act.value, "time", words)
            # the time slot the turn's words and sub-domains say; a sub-domain without one (a hotel's
            # nights) leaves it to the focus step
            clocked = clock is not None and is_clock_expression(clock, words)
            home = _missed_time_slot(acts, text.casefold(), domain) if clocked else None
            if clock and home is not None:
                out.append(DialogueAct(act.intent, home[0], home[1], clock))
                continue
        written = whole_expression(text, act.value, spec.kind, words)
        out.append(DialogueAct(act.intent, act.domain, act.slot, written) if written else act)
    # a time tagged in two pieces ("half" and "seven") is one time: said once
    return tuple(dict.fromkeys(out))


def missed_details(acts: Sequence[DialogueAct], text: str, domain: Domain) -> tuple[DialogueAct, ...]:
    """``acts`` and, for each number booking detail with ``units`` (or ``party``) in the ontology that no
    act informs, an inform without a sub-domain (the focus step places it) when the text writes a number
    with one of its units ("a couple of nights", "four of us") or a party phrase of two words or more
    ("me and my wife"); and when the domain has one booking time slot and no act informs a time, that
    slot's inform when the text writes one clock time ("a table sunday at noon"; not a bare "at 8");
    and a categorical booking detail (a day) whose value or synonym of four letters or more the text writes
    once, in a turn that gives a booking detail ("lemongrass for tues 9pm") or speaks of a sub-domain that
    books with it ("thai food on saturday").
    Nothing is added when sub-domains disagree on the slot or the text gives it twice, differently."""
    words = value_words(domain.language)
    informed = {a.slot for a in acts if a.intent == "inform"}
    details: dict[str, Slot] = {}
    for schema in domain.schemas.values():
        for name in schema.booking.slots if schema.booking is not None else ():
            spec = schema.slots[name]
            if spec.kind == "number" and not spec.informable and (spec.units or spec.party):
                details.setdefault(name, spec)
    lowered = text.casefold()
    if len(lowered) != len(text):
        return tuple(acts)
    added = []
    any_time = {n for s in domain.schemas.values() for n, t in s.slots.items() if t.kind == "time"}
    if not informed & any_time:
        clocks = {_read_clock(c, words): c for c in find_clock_expressions(text, words)}
        home = _missed_time_slot(acts, lowered, domain) if len(clocks) == 1 else None
        if home is not None:  # one time, said once ("a table sunday at noon", "leaving after 9")
            (clock,) = clocks.values()
            added.append(DialogueAct("inform", home[0], home[1], trimmed(clock, "time", words)))
    for name, spec in details.items():
        if name in informed:
            continue
        found = _numbers_with_units(lowered, spec.units, words)
        if spec.party:
            found += [p for p in words.counts if " " in p and p in lowered and _whole_words(p).search(lowered)]
        readings = {read_number(f, words).value for f in found}
        if len(readings) == 1 and None not in readings:
            added.append(DialogueAct("inform", "", name, max(found, key=len)))
    booking_turn = any(a.intent == "inform" and a.slot in _booking_details(domain) for a in (*acts, *added))
    # "for tues 9pm": a day the tagger missed among the details of a booking; "thai food on saturday": of
    # a search whose sub-domain books with a day
    spoken = {a.domain for a in acts if a.domain in domain.schemas}
    added += _missed_choices(lowered, informed | {a.slot for a in added}, domain, None if booking_turn else spoken)
    return (*acts, *added)


#: The shortest written form a missed constraint is read from (shorter forms are words of their own too).
MIN_FORM = 4


@lru_cache(maxsize=64)
def _unique_values(domain: Domain, within: str | None = None) -> dict[str, tuple[str, str, str]]:
    """Written form (a value or a synonym, lower case, :data:`MIN_FORM` letters or more) -> (sub-domain,
    slot, value) for the categorical search slots held by the database whose value is that of no other
    slot of the domain (of the sub-domain ``within``, when given): a form two slots share ("north") says
    nothing of which one is meant."""
    seen: dict[str, set[tuple[str, str, str]]] = {}
    for name, schema in domain.schemas.items():
        if within is not None and name != within:
            continue
        for slot_name, spec in schema.slots.items():
            if spec.kind != "categorical" or not spec.values:
                continue
            forms = {v.casefold(): v for v in spec.values}
            forms.update({k.casefold(): v for k, v in spec.synonyms.items() if v in spec.values})
            endings = value_words(domain.language).plural_endings[-1:]  # the plain plural: "clubs", "museums"
            plurals = {f + e: v for f, v in forms.items() for e in endings if " " not in f and not f.endswith(e)}
            forms.update(plurals)
            for form, value in forms.items():
                owner = (name, slot_name, value) if spec.informable and spec.field is not None else ("", "", "")
                seen.setdefault(form, set()).add(owner)
    by_value: dict[str, set[tuple[str, str]]] = {}
    for form, owners in seen.items():
        for owner in owners:
            by_value.setdefault(owner[2].casefold(), set()).add(owner[:2])
    return {
        form: next(iter(owners))
        for form, owners in seen.items()
        if len(owners) == 1 and len(form) >= MIN_FORM and next(iter(owners))[0]
        and len(by_value[next(iter(owners))[2].casefold()]) == 1
    }


def missed_constraints(
    acts: Sequence[DialogueAct], text: str, domain: Domain, within: str | None = None
) -> tuple[DialogueAct, ...]:
    """``acts`` and ``inform(d, s, v)`` for each categorical search slot ``s`` that no act of the turn
    speaks of, when the text writes, as whole words, exactly one value of ``s`` that no other slot of the
    domain has ("a 5 star hotel in the south": the hotel's type ``hotel``); in a turn whose acts speak of
    one sub-domain (or about the sub-domain ``within``), a value no other slot of that sub-domain has
    counts too ("a museum in the south": the attraction's area). A word of :data:`FUZZY_FORM` letters or
    more also matches a misspelling one edit away ("architechture"). Languages written without spaces
    between words are left as they are (a value inside a longer word is no value); so is a turn whose
    acts speak of another sub-domain ("a taxi to the museum"), and a value written inside another act's
    value ("the harbour view hotel")."""
    if domain.language == "zh" or not text:
        return tuple(acts)
    acts = _missed_in(acts, text, domain, None) if within is None else tuple(acts)
    spoken = {a.domain for a in acts if a.domain in domain.schemas}
    if within is not None or len(spoken) == 1:
        acts = _missed_in(acts, text, domain, within or spoken.pop())
    return tuple(acts)


#: The shortest value form matched with a misspelling (shorter forms are other words one edit away:
#: "north" and "worth").
FUZZY_FORM = 6


def _missed_in(acts: Sequence[DialogueAct], text: str, domain: Domain, within: str | None) -> tuple[DialogueAct, ...]:
    lowered = text.casefold()
    if len(lowered) != len(text):
        return tuple(acts)
    others = {a.domain for a in acts if a.domain in domain.schemas}
    for act in acts:  # a value inside another's words ("the harbour view hotel") is not said on its own
        value = act.value.casefold()
        if len(value) >= MIN_FORM and len(value) == len(act.value):
            lowered = _whole_words(value).sub(" " * len(value), lowered)
    informed = {(a.domain, a.slot) for a in acts if a.slot and a.intent != EXCLUDE}
    carried = {(a.slot, a.value.casefold()) for a in acts if a.slot}
    found: dict[tuple[str, str], dict[str, str]] = {}
    words = re.findall(r"[\w']+", lowered)
    for form, (subdomain, slot, value) in _unique_values(domain, within).items():
        if (slot, value.casefold()) in carried or (slot, form) in carried:
            continue  # read already (ruled out, say: "a hotel, not a guesthouse")
        if form in lowered and _whole_words(form).search(lowered):
            start = lowered.find(form)
            found.setdefault((subdomain, slot), {})[value] = text[start : start + len(form)]
        elif len(form) >= FUZZY_FORM and " " not in form:
            near = next((w for w in words if len(w) >= FUZZY_FORM - 1 and one_edit(w, form)), None)
            if near is not None and _unique_values(domain).get(near) is None:
                found.setdefault((subdomain, slot), {})[value] = value  # misspelt: the value itself
    added = [
        DialogueAct("inform", subdomain, slot, next(iter(values.values())))  # as written: negation reads it
        for (subdomain, slot), values in sorted(found.items())
        if len(values) == 1 and (subdomain, slot) not in informed and ("", slot) not in informed
        and others <= {subdomain}  # a turn about another sub-domain ("a taxi to the museum") is left alone
    ]
    return (*acts, *added)


def _missed_time_slot(acts: Sequence[DialogueAct], lowered: str, domain: Domain) -> tuple[str, str] | None:
    """(sub-domain, slot) for a clock time the tagger missed: among the time slots (informable, or a
    booking's) of the sub-domains the turn's acts speak of (of every sub-domain when they speak of none),
    the one whose ontology ``words`` the text writes ("leaving after 9": a train's leaveAt), else the only
    one. The sub-domain is given when one the turn speaks of has the slot, else left to the focus step.
    Where the turn's sub-domains have several and the words name none, ``None``; where they have none,
    or the turn speaks of no sub-domain and the words name none, the domain's one booking time, if any."""
    spoken = sorted({a.domain for a in acts if a.domain in domain.schemas})
    owners: dict[str, list[str]] = {}
    for name in spoken or domain.schemas:
        schema = domain.schemas[name]
        booking = schema.booking.slots if schema.booking is not None else ()
        for slot, spec in schema.slots.items():
            if spec.kind == "time" and (spec.informable or slot in booking):
                owners.setdefault(slot, []).append(name)
    named = {
        slot
        for slot, subdomains in owners.items()
        for name in subdomains
        if any(_whole_words(w).search(lowered) for w in domain.schemas[name].slots[slot].called)
    }
    choice = named or set(owners)
    if len(choice) == 1:
        (slot,) = choice
        return (owners[slot][0] if spoken and len(owners[slot]) == 1 else "", slot)
    if spoken and owners:
        return None  # "on friday at 9" of a train: leaving or arriving? the tagger's to say
    times = _booking_times(domain)
    return ("", next(iter(times))) if len(times) == 1 else None


def _booking_details(domain: Domain) -> set[str]:
    return {n for s in domain.schemas.values() if s.booking is not None for n in s.booking.slots}


def _missed_choices(
    lowered: str, informed: set[str], domain: Domain, subdomains: set[str] | None = None
) -> list[DialogueAct]:
    """Informs of the categorical booking details (not informable: a booking's day) that no act informs
    and whose value (or a synonym of it) the text writes as a whole word, once; with ``subdomains``, only
    the details those sub-domains book with."""
    found = []
    details = _booking_details(domain)
    if subdomains is not None:
        booking = [domain.schemas[d].booking for d in subdomains]
        details &= {n for b in booking if b is not None for n in b.slots}
    for name in sorted(details - informed):
        schemas = [domain.schemas[d] for d in sorted(subdomains)] if subdomains is not None else domain.schemas.values()
        specs = [s.slots[name] for s in schemas if name in s.slots]
        if not specs or any(s.kind != "categorical" or s.informable or not s.values for s in specs):
            continue
        spec = specs[0]
        # short synonyms are words of their own too ("sat", "sun", "wed"): they count only after a word that
        # introduces a day ("on fri", "this sat")
        synonyms = {k: v for k, v in spec.synonyms.items() if v in spec.values and len(k) >= 4}
        forms = {v: v for v in spec.values} | synonyms
        said = {forms[f] for f in forms if f and f in lowered and _whole_words(f).search(lowered)}
        day_words = sorted(value_words(domain.language).day_fillers, key=len, reverse=True)
        fillers = "|".join(re.escape(f) for f in day_words)
        short = {k: v for k, v in spec.synonyms.items() if v in spec.values and len(k) < 4 and k}
        if fillers:
            said |= {v for k, v in short.items() if re.search(rf"(?<!\w)(?:{fillers})\s+{re.escape(k)}(?!\w)", lowered)}
        if len(said) == 1:
            found.append(DialogueAct("inform", "", name, said.pop()))
    return found


@lru_cache(maxsize=1024)
def _whole_words(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)")


def _booking_times(domain: Domain) -> set[str]:
    """The names of the booking time slots (bookable, not informable) of every sub-domain."""
    return {
        name
        for s in domain.schemas.values()
        if s.booking is not None
        for name in s.booking.slots
        if s.slots[name].kind == "time" and not s.slots[name].informable
    }


def _read_clock(expression: str, words: ValueWords) -> int | None:
    return read_time(expression, words).minutes


def _numbers_with_units(lowered: str, units: Sequence[str], words: ValueWords) -> list[str]:
    """The expressions "<number> <unit>" of ``lowered`` (the longest reading one before each unit)."""
    found = []
    for unit in units:
        if unit not in lowered:
            continue
        for match in _whole_words(unit).finditer(lowered):
            before = lowered[: match.start()].split()
            for n in (4, 3, 2, 1):
                if len(before) < n:
                    continue
                candidate = " ".join([*before[-n:], unit])
                reading = read_number(candidate, words)
                if reading.value is not None and " ".join(before[-n:]) not in words.count_fillers:
                    found.append(trimmed(candidate, "number", words))
                    break
    return found


def widen_values(acts: Sequence[DialogueAct], text: str, domain: Domain) -> tuple[DialogueAct, ...]:
    """``acts`` with each inform's value widened to the longest known form of its slot that the text
    writes around every occurrence of it, times and numbers to the whole expression, and number booking
    details the tagger missed added (see the module docstring)."""
    acts = missed_details(whole_expressions(acts, text, domain), text, domain)
    acts = missed_constraints(acts, text, domain)
    lowered = text.casefold()
    out = []
    for act in acts:
        value = act.value.casefold()
        if act.intent == "inform" and act.domain and act.slot and value and value != DONTCARE:
            for form in known_forms(domain, act.domain, act.slot):
                if len(form) > len(value) and value in form and _inside(lowered, value, form):
                    start = lowered.find(form)
                    same = len(lowered) == len(text)  # casefold can change lengths (ß -> ss)
                    written = text[start : start + len(form)] if same else form
                    act = DialogueAct(act.intent, act.domain, act.slot, written)
                    break
        out.append(act)
    return tuple(out)
