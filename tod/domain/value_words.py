"""The words people write values with, per language: number words, times of day, day fillers.

This is language data, not domain data: "four", "half past", "in the evening" mean the same in a
city guide and in MultiWOZ. Domain words (which slot a unit word like "nights" belongs to, the
plausible hours of a booking) live in each domain's ontology. A language without an entry here
(:func:`value_words`) gets :data:`NO_WORDS`: its values are read from digits alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from tod._schema import FrozenMap


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: the readers cache by it
class ValueWords:
    """The value words of one language (every key lower case).

    ``numbers``: a word -> the number it says ("four" -> 4, "dozen" -> 12); ``hours``: the words an
    hour is written with ("seven"; never a count word like "a" or "both"); ``tens`` are the words that
    combine with a following unit ("twenty one"). ``counts``: whole phrases that say how many people
    ("just me" -> 1, "me and my wife" -> 2). ``vague``: words that say an amount without a number
    ("a few", "several"): read as no number, so the system asks. ``count_fillers``: words around a
    number that say nothing more ("of us", "people", "a"). ``noon``/``midnight``: the words for 12:00
    and 00:00. ``half``/``quarter``: the words of "half past", "quarter to". ``past``/``to``: the
    words after a number of minutes. ``morning``/``evening``: phrases after an hour that say before or
    after noon ("in the evening" -> pm). ``clock``: words after an hour ("o'clock"). ``time_fillers``:
    words before a time that say nothing more ("at", "around"); ``time_suffixes`` the same after one
    ("ish", "or so"). ``day_fillers``: words before a day
    name ("this saturday", "next friday"). ``ampersand``: the word "&" stands for in names ("salt & anchor"). ``plural_endings``: what a
    plural adds to a value ("theatres", "clubs", "churches").
    """

    numbers: FrozenMap[str, int]
    hours: FrozenMap[str, int]
    tens: frozenset[str]
    counts: FrozenMap[str, int]
    vague: frozenset[str]
    count_fillers: tuple[str, ...]
    noon: frozenset[str]
    midnight: frozenset[str]
    half: frozenset[str]
    quarter: frozenset[str]
    past: frozenset[str]
    to: frozenset[str]
    morning: tuple[str, ...]
    evening: tuple[str, ...]
    clock: tuple[str, ...]
    time_fillers: tuple[str, ...]
    time_suffixes: tuple[str, ...]
    day_fillers: tuple[str, ...]
    ampersand: str = ""
    plural_endings: tuple[str, ...] = ()


_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
_UNITS += ["thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}

ENGLISH = ValueWords(
    numbers=FrozenMap(
        {
            **{word: n for n, word in enumerate(_UNITS)},
            **_TENS,
            "a hundred": 100,
            "one hundred": 100,
            "hundred": 100,
            "nil": 0,
            "single": 1,
            "a single": 1,
            "one single": 1,
            "a": 1,
            "an": 1,
            "the one": 1,
            "just the one": 1,
            "only one": 1,
            "just one": 1,
            "a couple": 2,
            "a couple of": 2,
            "couple": 2,
            "couple of": 2,
            "a pair of": 2,
            "a pair": 2,
            "both": 2,
            "the two": 2,
            "a dozen": 12,
            "dozen": 12,
        }
    ),
    hours=FrozenMap({word: n for n, word in enumerate(_UNITS)}),
    tens=frozenset(_TENS),
    counts=FrozenMap(
        {
            "just me": 1,
            "only me": 1,
            "me": 1,
            "myself": 1,
            "just myself": 1,
            "me alone": 1,
            "on my own": 1,
            "by myself": 1,
            "just me myself": 1,
            "solo": 1,
            "one person": 1,
            "me and my wife": 2,
            "me and my husband": 2,
            "me and my partner": 2,
            "me and my girlfriend": 2,
            "me and my boyfriend": 2,
            "me and my friend": 2,
            "me and a friend": 2,
            "me and my mum": 2,
            "me and my mom": 2,
            "me and my dad": 2,
            "me and my son": 2,
            "me and my daughter": 2,
            "me and my colleague": 2,
            "my wife and i": 2,
            "my husband and i": 2,
            "my partner and i": 2,
            "my friend and i": 2,
            "a friend and i": 2,
            "the two of us": 2,
            "two of us": 2,
            "us two": 2,
        }
    ),
    vague=frozenset({"a few", "few", "several", "some", "a lot", "lots", "many", "a bunch", "a handful", "a group"}),
    count_fillers=(
        "of us",
        "people",
        "persons",
        "person",
        "ppl",
        "pax",
        "guests",
        "guest",
        "adults",
        "adult",
        "nights",
        "night",
        "days",
        "day",
        "stars",
        "star",
        "party of",
        "a party of",
        "a group of",
        "group of",
        "a table for",
        "table for",
        "for",
        "just",
        "only",
        "about",
        "around",
        "roughly",
        "of",
        "total",
        "in total",
        "altogether",
    ),
    noon=frozenset({"noon", "midday", "mid-day", "mid day", "lunchtime", "twelve noon", "12 noon"}),
    midnight=frozenset({"midnight", "twelve midnight", "12 midnight"}),
    half=frozenset({"half"}),
    quarter=frozenset({"quarter", "a quarter"}),
    past=frozenset({"past", "after"}),
    to=frozenset({"to", "till", "til", "before"}),
    morning=("in the morning", "this morning", "morning", "am", "a.m.", "a.m", "am."),
    evening=(
        "in the evening",
        "this evening",
        "in the afternoon",
        "this afternoon",
        "at night",
        "tonight",
        "evening",
        "afternoon",
        "pm",
        "p.m.",
        "p.m",
        "pm.",
    ),
    clock=("o'clock", "o clock", "oclock", "o`clock", "o’clock", "hours", "hrs", "h"),
    time_fillers=("at", "around", "about", "for", "by", "approximately", "approx", "roughly", "say", "from"),
    time_suffixes=("ish", "or so", "sharp"),
    day_fillers=("this", "this coming", "coming", "next", "on", "for", "on this", "on next", "from", "starting"),
    ampersand="and",
    plural_endings=("es", "s"),
)

NO_WORDS = ValueWords(
    numbers=FrozenMap(),
    hours=FrozenMap(),
    tens=frozenset(),
    counts=FrozenMap(),
    vague=frozenset(),
    count_fillers=(),
    noon=frozenset(),
    midnight=frozenset(),
    half=frozenset(),
    quarter=frozenset(),
    past=frozenset(),
    to=frozenset(),
    morning=(),
    evening=(),
    clock=(),
    time_fillers=(),
    time_suffixes=(),
    day_fillers=(),
)

_BY_LANGUAGE: FrozenMap[str, ValueWords] = FrozenMap({"en": ENGLISH})


def value_words(language: str) -> ValueWords:
    """The value words of ``language`` (an ontology's ``language``), :data:`NO_WORDS` for one without any."""
    return _BY_LANGUAGE.get(language, NO_WORDS)
