"""Names as people write them: a misspelt entity name matched against the database's names.

"trattoria luca" is Trattoria Lucca, "grand beakon" The Grand Beacon, "the mariner hotel" The Mariner.
:func:`match_name` compares the name's key (:func:`~tod.domain.normalise.name_key`: lower case, no
leading "the"; no apostrophes, "&" as the language's "and") with every name of the given
sub-domains by :class:`difflib.SequenceMatcher`'s ratio; a
database name whose words all appear in the written name ("the mariner hotel" for The Mariner) counts
as :data:`CONTAINED_SCORE`. The best candidate is ``sure`` when it scores at least :data:`SURE_SCORE` and
:data:`SURE_MARGIN` more than any other name (the system takes it), else a guess when it scores at least
:data:`GUESS_SCORE` (the system asks "did you mean ...?"); below that nothing is close (the system says
it does not know the name). An exact name is found by :meth:`~tod.domain.database.Database.lookup`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from tod.domain.database import Database
from tod.domain.normalise import name_key
from tod.domain.value_words import value_words

#: The score from which the closest name is taken without asking (when clearly ahead of the next).
SURE_SCORE = 0.85
#: How far ahead of every other name a sure match must be.
SURE_MARGIN = 0.05
#: The score from which the closest name is offered as a guess ("did you mean ...?").
GUESS_SCORE = 0.6
#: The score of a database name all of whose words the written name has ("the mariner hotel").
CONTAINED_SCORE = 0.9
#: Written names longer than this are not compared (a paragraph is not a name).
MAX_NAME_LENGTH = 100


@dataclass(frozen=True)
class NameMatch:
    """The database name a written name most likely means: its sub-domain, the name as the database
    writes it, the score (0 to 1) and whether it is ``sure`` (see the module docstring)."""

    subdomain: str
    name: str
    score: float
    sure: bool


def _score(said: str, said_words: frozenset[str], known: str, known_words: frozenset[str], minimum: float) -> float:
    if len(known) >= 4 and known_words <= said_words:
        return max(CONTAINED_SCORE, difflib.SequenceMatcher(None, said, known, autojunk=False).ratio())
    if 2 * min(len(said), len(known)) < minimum * (len(said) + len(known)):
        return 0.0  # the lengths alone keep the ratio below the minimum
    matcher = difflib.SequenceMatcher(None, said, known, autojunk=False)
    if matcher.quick_ratio() < minimum:
        return 0.0  # an upper bound already too low: not worth the full comparison
    return matcher.ratio()


def _key(name: str, ampersand: str) -> str:
    """The form two names are compared in: :func:`name_key`, apostrophes dropped ("fishermen's" is
    "fishermens"), "&" written as the language's "and"."""
    key = name_key(name).replace("'", "").replace("’", "")
    if ampersand:
        key = " ".join(key.replace("&", f" {ampersand} ").split())
    return key


@lru_cache(maxsize=64)
def _names(database: Database, subdomain: str, ampersand: str) -> tuple[tuple[str, frozenset[str], str], ...]:
    """Each entity's comparison key, its words and its name, computed once per database and sub-domain."""
    return tuple(
        (key, frozenset(key.split()), entity.name)
        for entity in database.entities(subdomain)
        for key in [_key(entity.name, ampersand)]
    )


#: The score a name found in free text (:func:`names_in_text`) must reach: stricter than a tagged name's.
TEXT_SCORE = 0.9
#: The most words of a name looked for in free text.
MAX_NAME_WORDS = 5
#: Sub-domains with more entities than this are not searched in free text (a train timetable).
MAX_TEXT_ENTITIES = 1000


def names_in_text(database: Database, subdomains: Sequence[str], text: str) -> list[NameMatch]:
    """The database names that stretches of ``text`` (1 to :data:`MAX_NAME_WORDS` words) write, exactly
    or surely misspelt with a score of at least :data:`TEXT_SCORE`, in the order written, each name once,
    stretches not overlapping, the best-scored first ("wheres the salt & ancor" -> The Salt and Anchor)."""
    searched = [d for d in subdomains if d in database.subdomains and len(database.entities(d)) <= MAX_TEXT_ENTITIES]
    tokens = [t for t in re.split(r"[\s,;!?\"()]+", text.lower()) if t]
    if not searched or not tokens or len(tokens) > 200:
        return []
    candidates: list[tuple[float, int, int, NameMatch]] = []
    for n in range(min(MAX_NAME_WORDS, len(tokens)), 0, -1):
        for i in range(len(tokens) - n + 1):
            stretch = " ".join(tokens[i : i + n]).strip(".'")
            if len(name_key(stretch)) < 4:
                continue
            # runner-up names within the sure margin are scored too, so "sure" still means clearly ahead
            match = match_name(database, searched, stretch, TEXT_SCORE - SURE_MARGIN, prefilter=True)
            if match is not None and match.sure and match.score >= TEXT_SCORE:
                candidates.append((match.score, n, i, match))
    # the best-written stretches first (an exact name before a longer stretch that merely contains it)
    chosen: list[tuple[int, NameMatch]] = []
    used: set[int] = set()
    for _, n, i, match in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        span = set(range(i, i + n))
        if span & used or any(m.name == match.name for _, m in chosen):
            continue
        chosen.append((i, match))
        used |= span
    return [m for _, m in sorted(chosen, key=lambda c: c[0])]


def _trigrams(key: str) -> frozenset[str]:
    padded = f" {key} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


@lru_cache(maxsize=64)
def _trigram_index(
    database: Database, subdomain: str, ampersand: str
) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    """Trigram -> the entities whose key has it, and each entity's number of trigrams."""
    index: dict[str, list[int]] = {}
    sizes = []
    for row, (key, _, _) in enumerate(_names(database, subdomain, ampersand)):
        grams = _trigrams(key)
        sizes.append(len(grams))
        for gram in grams:
            index.setdefault(gram, []).append(row)
    return {g: tuple(rows) for g, rows in index.items()}, tuple(sizes)


def _worth_comparing(database: Database, subdomain: str, ampersand: str, key: str) -> set[int]:
    """The entities sharing at least half their trigrams with ``key``: a name close enough to be found
    in free text shares most of its letter triples with it (a cheap filter before difflib)."""
    index, sizes = _trigram_index(database, subdomain, ampersand)
    shared: dict[int, int] = {}
    for gram in _trigrams(key):
        for row in index.get(gram, ()):
            shared[row] = shared.get(row, 0) + 1
    return {row for row, n in shared.items() if 2 * n >= sizes[row]}


def match_name(
    database: Database, subdomains: Sequence[str], said: str, minimum: float = GUESS_SCORE, *, prefilter: bool = False
) -> NameMatch | None:
    """The name of ``subdomains``' databases that ``said`` most likely means (see the module docstring),
    ``None`` when none scores ``minimum`` (:data:`GUESS_SCORE`) or more, ``said`` is empty or too long.
    A name the database has exactly is a sure match of score 1. ``prefilter``: compare only names that
    share half their letter triples with ``said`` (for the many stretches of a free text)."""
    ampersand = value_words(database.domain.language).ampersand
    key = _key(said, ampersand)
    if not key or len(key) > MAX_NAME_LENGTH:
        return None
    scored: list[tuple[float, str, str]] = []
    for subdomain in subdomains:
        if subdomain not in database.subdomains:
            continue
        exact = database.lookup(subdomain, said)
        if exact is not None:
            return NameMatch(subdomain, exact.name, 1.0, True)
        words = frozenset(key.split())
        rows = _worth_comparing(database, subdomain, ampersand, key) if prefilter else None
        for row, (known, known_words, name) in enumerate(_names(database, subdomain, ampersand)):
            if rows is None or row in rows:
                scored.append((_score(key, words, known, known_words, minimum), subdomain, name))
    if not scored:
        return None
    scored.sort(key=lambda s: -s[0])
    best, subdomain, name = scored[0]
    if best < minimum:
        return None
    runner_up = next((s for s, _, n in scored[1:] if _key(n, ampersand) != _key(name, ampersand)), 0.0)
    sure = best >= SURE_SCORE and best - runner_up >= SURE_MARGIN
    return NameMatch(subdomain, name, round(best, 4), sure)


def exact_names_in_text(database: Database, subdomains: Sequence[str], text: str) -> list[NameMatch]:
    """The database names ``text`` writes exactly (by :func:`~tod.domain.normalise.name_key`: case, spacing
    and a leading "the" aside), longest stretches first, each name once, stretches not overlapping; a
    cheap look-up of every stretch of 1 to :data:`MAX_NAME_WORDS` words, for turns whose acts the NLU did read."""
    tokens = [t.strip(".'") for t in re.split(r"[\s,;!?\"()]+", text.lower()) if t]
    tokens = [t for t in tokens if t]
    if not tokens or len(tokens) > 200:
        return []
    found: list[tuple[int, NameMatch]] = []
    used: set[int] = set()
    for n in range(min(MAX_NAME_WORDS, len(tokens)), 0, -1):
        for i in range(len(tokens) - n + 1):
            stretch = " ".join(tokens[i : i + n])
            if set(range(i, i + n)) & used or len(name_key(stretch)) < 4:
                continue
            for subdomain in subdomains:
                entity = database.lookup(subdomain, stretch) if subdomain in database.subdomains else None
                if entity is not None and all(m.name != entity.name for _, m in found):
                    found.append((i, NameMatch(subdomain, entity.name, 1.0, True)))
                    used |= set(range(i, i + n))
                    break
    return [m for _, m in sorted(found, key=lambda f: f[0])]
