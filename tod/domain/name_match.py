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
from dataclasses import dataclass
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


def _score(said: str, known: str) -> float:
    if known and len(known) >= 4 and set(known.split()) <= set(said.split()):
        return max(CONTAINED_SCORE, difflib.SequenceMatcher(None, said, known, autojunk=False).ratio())
    matcher = difflib.SequenceMatcher(None, said, known, autojunk=False)
    if matcher.real_quick_ratio() < GUESS_SCORE or matcher.quick_ratio() < GUESS_SCORE:
        return 0.0  # an upper bound already too low: not worth the full comparison
    return matcher.ratio()


def _key(name: str, ampersand: str) -> str:
    """The form two names are compared in: :func:`name_key`, apostrophes dropped ("fishermen's" is
    "fishermens"), "&" written as the language's "and"."""
    key = name_key(name).replace("'", "").replace("’", "")
    if ampersand:
        key = " ".join(key.replace("&", f" {ampersand} ").split())
    return key


def match_name(database: Database, subdomains: Sequence[str], said: str) -> NameMatch | None:
    """The name of ``subdomains``' databases that ``said`` most likely means (see the module docstring),
    ``None`` when none scores :data:`GUESS_SCORE` or more, ``said`` is empty or too long. A name the
    database has exactly is a sure match of score 1."""
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
        for entity in database.entities(subdomain):
            scored.append((_score(key, _key(entity.name, ampersand)), subdomain, entity.name))
    if not scored:
        return None
    scored.sort(key=lambda s: -s[0])
    best, subdomain, name = scored[0]
    if best < GUESS_SCORE:
        return None
    runner_up = next((s for s, _, n in scored[1:] if _key(n, ampersand) != _key(name, ampersand)), 0.0)
    sure = best >= SURE_SCORE and best - runner_up >= SURE_MARGIN
    return NameMatch(subdomain, name, round(best, 4), sure)
