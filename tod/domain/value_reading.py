"""Reading values as people write them: times ("half past seven"), numbers ("four of us"), days.

Each reader takes the expression and a language's :class:`~tod.domain.value_words.ValueWords` and says
what it means, or that it cannot be a value of that kind:

* :func:`read_time`: minutes after midnight, whether the writer fixed the half of the day ("8 pm",
  "19:30", "07:30"), or ``impossible`` for a time no clock shows ("25 o'clock", "7:75").
* :func:`read_number`: the whole number ("four of us" -> 4, "a couple of nights" -> 2, "just me" -> 1),
  ``vague`` for an amount without a number ("a few"); too long a number is no number.
* :func:`read_choice`: a categorical value as written ("this saturday" -> saturday, "saturdy" ->
  saturday by a close spelling).
* :func:`is_clock_expression`: a time that cannot be a count ("half past seven", not "at 8");
  :func:`find_clock_expressions` finds them in a text.
* :func:`expression_around`: the longest stretch of a text around a tagged value that a reader reads
  (an NLU that tagged "half" of "half past seven" gets the whole time).

Nothing here knows a domain: the plausible hours of a slot (``likely``) and the value sets come from the
ontology; the words come from the language.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

from tod.domain.value_words import ValueWords

#: The most digits a number may have to be read as one (no booking needs more; int() of a huge string is slow).
MAX_DIGITS = 9
#: How close a misspelt categorical value must be to a known one (difflib's ratio) to be read as it.
CHOICE_SIMILARITY = 0.85
#: Words shorter than this are not corrected by spelling ("est" could be east or west).
CHOICE_MIN_LENGTH = 5
#: The most words on each side of a tagged value that :func:`expression_around` adds.
WIDEN_WORDS = 5

_SPACES = re.compile(r"\s+")
_EDGE_PUNCT = re.compile(r"^[\s,;!?\"()\[\]]+|[\s,;!?\"()\[\].]+$")
_WORD = re.compile(r"[^\s,;!?\"()\[\]]+")
_CLOCK = re.compile(r"^(?P<h>\d{1,2})\s*[:.h]\s*(?P<m>\d{2})$")
_DIGITS = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")


@dataclass(frozen=True)
class TimeReading:
    """What a time expression says. ``minutes``: after midnight, ``None`` when it says no time.
    ``fixed``: the writer fixed the half of the day (am/pm, "in the evening", a 24-hour clock, a leading
    zero), so no plausible-hours rule may move it. ``impossible``: it has the shape of a time but no clock
    shows it ("25 o'clock", "7:75", "13 pm")."""

    minutes: int | None
    fixed: bool = False
    impossible: bool = False


@dataclass(frozen=True)
class NumberReading:
    """What a number expression says: ``value`` (``None`` when it says no number) and ``vague`` when
    it says an amount without a number ("a few": the system should ask how many)."""

    value: int | float | None
    vague: bool = False


def clean(text: str) -> str:
    """Lower case, single spaces, curly apostrophes straight, no punctuation at the edges."""
    text = str(text).replace("’", "'").replace("`", "'").lower()
    return _EDGE_PUNCT.sub("", _SPACES.sub(" ", text)).strip()


@lru_cache(maxsize=256)
def _by_length(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(words, key=len, reverse=True))


def _strip_words(text: str, words: Sequence[str], *, front: bool = True, back: bool = False) -> str:
    """``text`` without any of ``words`` (whole words) at its front (and back), repeatedly, longest first."""
    ordered = _by_length(tuple(words))
    changed = True
    while changed and text:
        changed = False
        for word in ordered:
            if front and text.startswith(word + " "):
                text, changed = text[len(word) + 1 :].strip(), True
                break
            if back and text.endswith(" " + word):
                text, changed = text[: -len(word) - 1].strip(), True
                break
    return text


def _word_number(text: str, words: ValueWords) -> int | float | None:
    """``text`` as one number: digits ("4", "-3", "2.5", "４") or number words ("twenty one", "twenty-one")."""
    text = text.strip()
    if _DIGITS.match(text):
        digits = text.lstrip("+-")
        if len(digits) > MAX_DIGITS:
            return None
        return int(text)
    if _DECIMAL.match(text) and len(text) <= MAX_DIGITS + 2:
        return float(text)
    if text in words.numbers:
        return words.numbers[text]
    parts = text.replace("-", " ").split()
    if len(parts) == 2 and parts[0] in words.tens and parts[1] in words.numbers and 0 < words.numbers[parts[1]] < 10:
        return words.numbers[parts[0]] + words.numbers[parts[1]]
    if len(parts) == 1 and parts[0] != text:
        return _word_number(parts[0], words)
    return None


# -- numbers ----------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)  # the pipeline reads the same stretches of a turn several times
def read_number(text: str, words: ValueWords) -> NumberReading:
    """The number ``text`` says ("4", "four of us", "a couple of nights", "just me", "party of six").

    A count phrase ("me and my wife") is read whole; otherwise the language's fillers ("of us", "people",
    "party of") are taken off both ends and what is left must be one number (digits or number words). An
    amount without a number ("a few") is ``vague``. Digits beyond :data:`MAX_DIGITS`, exponents ("1e300")
    and anything else are no number.
    """
    said = clean(text)
    if not said:
        return NumberReading(None)
    if said in words.counts:
        return NumberReading(words.counts[said])
    core = _strip_words(said, words.count_fillers, front=True, back=True)
    if core in words.counts:
        return NumberReading(words.counts[core])
    if core in words.vague:
        return NumberReading(None, vague=True)
    number = _word_number(core, words)
    if number is None:
        # "4 people" is stripped above; "4people"/"4ppl" is written together
        glued = re.match(r"^([+-]?\d+)\s*([^\d\s].*)$", core)
        if glued and glued.group(2) in words.count_fillers:
            number = _word_number(glued.group(1), words)
    return NumberReading(number)


# -- times ------------------------------------------------------------------------------------------


def _hour(text: str, words: ValueWords) -> int | None:
    """An hour: digits, or an hour word ("seven", "twenty one"); never a count word ("a", "both")."""
    text = text.strip()
    if _DIGITS.match(text) and not text.startswith(("+", "-")):
        return int(text) if len(text) <= 2 else None
    if text in words.hours:
        return words.hours[text]
    parts = text.replace("-", " ").split()
    if len(parts) == 2 and parts[0] in words.tens and parts[1] in words.hours and 0 < words.hours[parts[1]] < 10:
        return words.numbers[parts[0]] + words.hours[parts[1]]
    return None


def _minutes_word(text: str, words: ValueWords) -> int | None:
    """Minutes written after an hour: "30", "thirty", "fifteen", "forty five", "oh five", "05"."""
    text = text.strip()
    if re.fullmatch(r"\d{2}", text):
        return int(text)
    if text.startswith("oh "):
        unit = _word_number(text[3:], words)
        return int(unit) if isinstance(unit, int) and 0 < unit < 10 else None
    value = _word_number(text, words)
    return int(value) if isinstance(value, int) and value >= 10 else None


def _meridiem(text: str, words: ValueWords) -> tuple[str, str | None]:
    """``text`` without a trailing am/pm phrase, and which one it was (``"am"``, ``"pm"`` or ``None``)."""
    for phrases, which in ((words.evening, "pm"), (words.morning, "am")):
        for phrase in _by_length(phrases):
            if text == phrase:
                return "", which
            if text.endswith(" " + phrase):
                return text[: -len(phrase) - 1].strip(), which
            if len(phrase) > 4 and text.startswith(phrase + " "):  # "tonight at 9", "this evening at 8"
                return text[len(phrase) + 1 :].strip(), which
            # "8pm", "8.30pm": glued to a digit
            if text.endswith(phrase) and text[: -len(phrase)][-1:].isdigit() and " " not in phrase:
                return text[: -len(phrase)].strip(), which
    return text, None


def _clock_time(text: str, words: ValueWords) -> tuple[int, int, bool] | None:
    """``(hours, minutes, leading zero or 24-hour)`` of a time without am/pm, or ``None`` (not a time's shape)."""
    match = _CLOCK.match(text)
    if match:
        h, m = match["h"], match["m"]
        return int(h), int(m), h.startswith("0") or int(h) > 12
    if re.fullmatch(r"\d{3,4}", text):  # 0915, 1930
        return int(text[:-2]), int(text[-2:]), text.startswith("0") or int(text[:-2]) > 12
    clockless = _strip_words(text, words.clock, front=False, back=True)
    glued = re.fullmatch(r"(\d{1,2})(?:o'?clock|h)", text)
    if glued:
        clockless = glued.group(1)
    hour = _hour(clockless, words)
    if hour is not None:
        return hour, 0, hour == 0 or hour > 12
    parts = text.split(" ")
    # "half past seven", "half seven", "quarter to 8", "twenty past six", "10 minutes to 9"
    for i, part in enumerate(parts):
        if part not in words.past | words.to:
            continue
        before = " ".join(p for p in parts[:i] if p not in ("minutes", "minute", "mins", "min"))
        hour = _hour(" ".join(parts[i + 1 :]), words)
        if hour is None:
            return None
        if before in words.half:
            offset = 30
        elif before in words.quarter:
            offset = 15
        else:
            value = _word_number(before, words)
            if not isinstance(value, int) or not 0 < value < 60:
                return None
            offset = value
        if part in words.to:
            total = hour * 60 - offset
            return (total // 60) % 24, total % 60, False
        return hour, offset, False
    if len(parts) >= 2 and parts[0] in words.half:  # British "half six" = 6:30
        hour = _hour(" ".join(parts[1:]), words)
        return (hour, 30, False) if hour is not None else None
    if len(parts) >= 2:  # "seven thirty", "7 45", "seven oh five", "eight forty five"
        for cut in (1, 2):
            hour = _hour(" ".join(parts[:cut]), words)
            minutes = _minutes_word(" ".join(parts[cut:]), words)
            if hour is not None and minutes is not None and len(parts) > cut:
                return hour, minutes, hour > 12
    return None


@lru_cache(maxsize=4096)
def read_time(text: str, words: ValueWords) -> TimeReading:
    """The time ``text`` says ("8 pm", "8pm", "at 8", "half past seven", "quarter to 8", "noon", "7.30",
    "19:30", "seven thirty", "around 8 in the evening"); see :class:`TimeReading`.

    Hours up to 24 are clock times (timetables write "24:45" for after midnight); an hour above 24 or
    minutes above 59 are ``impossible``, as is an hour above 12 with am ("13 am"). With "pm" or an evening
    phrase an hour up to 12 moves to the afternoon.
    """
    said = clean(text).replace("-", " ")
    said = _strip_words(said, words.time_fillers)
    said = _strip_words(said, words.time_suffixes, front=False, back=True)
    for suffix in words.time_suffixes:  # "8ish": glued to a digit
        if said.endswith(suffix) and said[: -len(suffix)][-1:].isdigit():
            said = said[: -len(suffix)]
    if not said:
        return TimeReading(None)
    if said in words.noon:
        return TimeReading(12 * 60, fixed=True)
    if said in words.midnight:
        return TimeReading(0, fixed=True)
    core, meridiem = _meridiem(said, words)
    core = _strip_words(core, words.time_fillers)
    if not core:
        return TimeReading(None)
    if core in words.noon:
        return TimeReading(12 * 60, fixed=True)
    shape = _clock_time(core, words)
    if shape is None:
        return TimeReading(None)
    hours, minutes, fixed = shape
    if hours > 24 or minutes > 59 or hours == 24 and minutes > 59:
        return TimeReading(None, impossible=True)
    if meridiem is not None:
        if hours > 12:
            # "19pm" says the hour twice; "13 am" contradicts itself
            return TimeReading(hours * 60 + minutes, fixed=True) if meridiem == "pm" and hours < 24 else TimeReading(
                None, impossible=True
            )
        hours = hours % 12 + (12 if meridiem == "pm" else 0)
        return TimeReading(hours * 60 + minutes, fixed=True)
    return TimeReading(hours * 60 + minutes, fixed=fixed)


def is_clock_expression(text: str, words: ValueWords) -> bool:
    """Whether ``text`` says a time and more than a bare number ("half past seven", "8 pm", "25 o'clock";
    not "at 8" or "for 2", which may as well be counts)."""
    reading = read_time(text, words)
    if reading.minutes is None and not reading.impossible:
        return False
    core = _strip_words(clean(text).replace("-", " "), words.time_fillers)
    return read_number(core, words).value is None


def find_clock_expressions(text: str, words: ValueWords) -> list[str]:
    """Every clock expression of ``text`` (:func:`is_clock_expression`: "7pm", "noon", "half past seven"),
    each the longest around a word that marks a time (a digit, "noon", "half", "quarter", an hour word)."""
    found: dict[tuple[int, int], str] = {}
    anchors = {*words.noon, *words.midnight, *words.half, *words.quarter, *words.hours}
    for match in _WORD.finditer(text):
        token = match.group().lower().strip(".")
        if not (any(c.isdigit() for c in token) or token in anchors):
            continue
        reads, part = (lambda s: is_clock_expression(s, words)), (lambda w: may_be_in_value(w, words))
        span = expression_around(text, match.start(), match.end(), reads, part)
        if span is not None and not any(s <= span[0] and span[1] <= e for s, e in found):
            found = {k: v for k, v in found.items() if not (span[0] <= k[0] and k[1] <= span[1])}
            found[span] = text[span[0] : span[1]]
    return list(found.values())


def likely_time(reading: TimeReading, likely: tuple[int, int] | None) -> int | None:
    """The minutes of ``reading``, moved by twelve hours into ``likely`` (a slot's plausible hours, from
    the ontology: "at 8" for dinner is 20:00) when the writer did not fix the half of the day and only the
    moved time lies in it."""
    minutes = reading.minutes
    if minutes is None or reading.fixed or likely is None:
        return minutes
    low, high = likely
    inside = low <= minutes <= high
    later = minutes + 12 * 60
    if not inside and minutes < 12 * 60 and low <= later <= high:
        return later
    return minutes


# -- categorical values -----------------------------------------------------------------------------


def read_choice(text: str, values: Sequence[str], synonyms: dict[str, str] | None, words: ValueWords) -> str | None:
    """The value of ``values`` that ``text`` writes, or ``None``: exactly (after ``synonyms``), without
    leading fillers ("this saturday", "on sat"), as a plural ("theatres", "clubs"), or by a close
    spelling of a word at least :data:`CHOICE_MIN_LENGTH` long that is nearer one value than any other
    ("saturdy")."""
    said = clean(text)
    if not said or not values:
        return None
    table = synonyms or {}
    known = set(values)
    stripped = _strip_words(said, words.day_fillers)
    endings = words.plural_endings
    singular = [c[: -len(e)] for c in (said, stripped) for e in endings if c.endswith(e) and len(c) > len(e) + 2]
    for candidate in (said, stripped, *singular):
        mapped = table.get(candidate, candidate)
        if mapped in known:
            return mapped
    core = _strip_words(said, words.day_fillers)
    if len(core) < CHOICE_MIN_LENGTH:
        return None
    forms = {**{v: v for v in values}, **{k: v for k, v in table.items() if v in known and len(k) >= CHOICE_MIN_LENGTH}}
    close = difflib.get_close_matches(core, list(forms), n=3, cutoff=CHOICE_SIMILARITY)
    meant = {forms[c] for c in close}
    return meant.pop() if len(meant) == 1 else None


# -- finding the whole expression -------------------------------------------------------------------


@lru_cache(maxsize=16)
def _vocabulary(words: ValueWords) -> frozenset[str]:
    """Every single word a value expression of ``words``' language may hold (besides digits)."""
    phrases = [
        *words.numbers, *words.hours, *words.tens, *words.counts, *words.vague, *words.count_fillers,
        *words.noon, *words.midnight, *words.half, *words.quarter, *words.past, *words.to, *words.morning,
        *words.evening, *words.clock, *words.time_fillers, *words.time_suffixes, "minutes", "minute", "mins",
    ]  # fmt: skip
    return frozenset(part for phrase in phrases for part in phrase.split())


def may_be_in_value(word: str, words: ValueWords) -> bool:
    """Whether ``word`` (as written in a text) may be part of a time or number expression: it has a digit
    or is one of the language's value words ("half", "past", "of", "us")."""
    token = word.lower().replace("’", "'").strip(",;!?\"()[]")
    vocabulary = _vocabulary(words)
    return token in vocabulary or token.rstrip(".") in vocabulary or any(c.isdigit() for c in token)


def expression_around(
    text: str, start: int, end: int, reads: Callable[[str], bool], part: Callable[[str], bool] | None = None
) -> tuple[int, int] | None:
    """The longest stretch of ``text`` of whole words that covers ``text[start:end]`` and that ``reads``
    accepts, adding at most :data:`WIDEN_WORDS` words on each side, and only words ``part`` accepts
    (:func:`may_be_in_value`: the stretch cannot cross a word that is in no value); ``None`` when none does."""
    # only the neighbourhood can hold the expression: a long text is not scanned whole
    reach = 40 * (WIDEN_WORDS + 1)
    lo, hi = max(0, start - reach), min(len(text), end + reach)
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text, lo, hi)]
    if lo > 0 and spans and spans[0][0] == lo:
        spans = spans[1:]  # a word cut by the window's edge
    if hi < len(text) and spans and spans[-1][1] == hi:
        spans = spans[:-1]
    inside = [i for i, (s, e) in enumerate(spans) if s < end and e > start]
    if not inside:
        return None
    first, last = inside[0], inside[-1]
    low, high = max(0, first - WIDEN_WORDS), min(len(spans) - 1, last + WIDEN_WORDS)
    if part is not None:
        low = next((i + 1 for i in range(first - 1, low - 1, -1) if not part(text[spans[i][0] : spans[i][1]])), low)
        high = next((i - 1 for i in range(last + 1, high + 1) if not part(text[spans[i][0] : spans[i][1]])), high)
    best: tuple[int, int] | None = None
    for left in range(low, first + 1):
        for right in range(last, high + 1):
            s, e = spans[left][0], spans[right][1]
            if best is not None and e - s <= best[1] - best[0]:
                continue
            if reads(text[s:e]):
                best = (s, e)
    return best
