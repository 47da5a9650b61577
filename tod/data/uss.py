"""Loader for the USS rating files: dialogues rated for user satisfaction, turn by turn and overall.

USS is the User Satisfaction Simulation corpus of Sun et al., "Simulating User Satisfaction for the
Evaluation of Task-oriented Dialogue Systems" (SIGIR 2021), distributed at
https://github.com/sunnweiwei/user-satisfaction-simulation as one file per source corpus
(``MWOZ.txt``, ``SGD.txt``, ...), each with 1000 dialogues.

Format: UTF-8 text, one utterance per line, four tab-separated columns::

    ROLE<TAB>TEXT<TAB>ACTION<TAB>RATINGS

``ROLE`` is ``USER`` or ``SYSTEM``. ``ACTION`` is empty or dialogue-act labels joined by ``,``:
``Domain-Intent`` (MultiWOZ: ``Hotel-Inform``, ``general-thank``) or a bare intent (SGD:
``REQUEST_ALTS``). ``RATINGS`` is, on user lines, the 1-5 satisfaction ratings of the raters (one
each, joined by ``,``) after that user turn; system lines leave it empty. A dialogue ends with the
line ``USER<TAB>OVERALL<TAB><TAB>r1,r2,...`` holding the dialogue-level ratings, which is not a turn.
Dialogues are separated by blank lines; ``\\r\\n`` line ends are accepted.

Dialogue IDs are ``<prefix>-<n>``, ``n`` the 1-based position in the file written with four digits
and ``prefix`` the file stem by default (``MWOZ-0001``); ``Dialogue.corpus`` is ``"uss"`` and
``Dialogue.split`` the file stem. Acts are read like the MultiWOZ loader spells them, lower-cased:
``Hotel-NoOffer`` -> ``DialogueAct("nooffer", "hotel")``, ``REQUEST_ALTS`` -> ``DialogueAct("request_alts")``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from tod._schema import JsonValue, require
from tod.acts import DialogueAct
from tod.dialogue import SYSTEM, USER, Dialogue, Turn
from tod.errors import CorpusError, SchemaError
from tod.files import read_text

ROLES = {"USER": USER, "SYSTEM": SYSTEM}
OVERALL = "OVERALL"
LABEL = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z][A-Za-z0-9_]*)?")
RATING = re.compile(r"[0-9]{1,9}")  # bounded: int() refuses numbers of more than 4,300 digits
MIN_RATING, MAX_RATING = 1, 5


def _mean(values: tuple[int, ...]) -> float:
    return sum(values) / len(values)


def _check_ratings(ratings: Any, what: str) -> tuple[int, ...]:
    """``ratings`` as a non-empty tuple of ints 1-5; SchemaError otherwise."""
    if not isinstance(ratings, (list, tuple)) or not ratings:
        raise SchemaError(f"{what}: expected a non-empty list of ratings, found {ratings!r:.60}")
    for rating in ratings:
        if isinstance(rating, bool) or not isinstance(rating, int) or not MIN_RATING <= rating <= MAX_RATING:
            raise SchemaError(f"{what}: ratings must be integers {MIN_RATING}-{MAX_RATING}, found {rating!r:.60}")
    return tuple(ratings)


@dataclass(frozen=True)
class RatedDialogue(JsonValue):
    """A dialogue with its satisfaction ratings, one per rater.

    ``turn_ratings`` is aligned with ``dialogue.turns``: the ratings after each user turn, ``()`` for
    system turns. ``ratings`` are the dialogue-level (OVERALL) ratings.
    """

    dialogue: Dialogue
    turn_ratings: tuple[tuple[int, ...], ...]
    ratings: tuple[int, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.dialogue, Dialogue):
            raise SchemaError(f"RatedDialogue.dialogue must be a Dialogue, found {type(self.dialogue).__name__}")
        if not isinstance(self.turn_ratings, (list, tuple)):
            raise SchemaError(f"RatedDialogue.turn_ratings must be a list, found {self.turn_ratings!r:.60}")
        if len(self.turn_ratings) != len(self.dialogue.turns):
            raise SchemaError(
                f"RatedDialogue.turn_ratings must have one entry per turn ({len(self.dialogue.turns)}), "
                f"found {len(self.turn_ratings)}"
            )
        turn_ratings = []
        for index, (turn, ratings) in enumerate(zip(self.dialogue.turns, self.turn_ratings)):
            what = f"RatedDialogue.turn_ratings[{index}]"
            if turn.speaker == SYSTEM:
                if ratings not in ((), []):
                    raise SchemaError(f"{what}: a system turn has no ratings, found {ratings!r:.60}")
                turn_ratings.append(())
            else:
                turn_ratings.append(_check_ratings(ratings, what))
        object.__setattr__(self, "turn_ratings", tuple(turn_ratings))
        object.__setattr__(self, "ratings", _check_ratings(self.ratings, "RatedDialogue.ratings"))

    @property
    def satisfaction(self) -> float:
        """The mean of the dialogue-level ratings."""
        return _mean(self.ratings)

    @property
    def turn_satisfaction(self) -> tuple[float | None, ...]:
        """The mean rating after each turn; ``None`` for system turns."""
        return tuple(_mean(r) if r else None for r in self.turn_ratings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dialogue": self.dialogue.to_dict(),
            "turn_ratings": [list(r) for r in self.turn_ratings],
            "ratings": list(self.ratings),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RatedDialogue:
        what = "RatedDialogue"
        return cls(
            dialogue=Dialogue.from_dict(require(data, "dialogue", dict, what)),
            turn_ratings=tuple(require(data, "turn_ratings", list, what)),
            ratings=require(data, "ratings", list, what),
        )


class _LineError(Exception):
    """A malformed line; the loader adds the path and line number."""


def _quote(text: str) -> str:
    return repr(text[:60]) + ("..." if len(text) > 60 else "")


def _parse_ratings(column: str, where: str) -> tuple[int, ...]:
    if not column.strip():
        raise _LineError(f"expected the raters' 1-5 ratings on {where}, found an empty RATINGS column")
    ratings = []
    for part in column.split(","):
        if not RATING.fullmatch(part.strip()) or not MIN_RATING <= int(part) <= MAX_RATING:
            raise _LineError(
                f"expected ratings that are integers {MIN_RATING}-{MAX_RATING} joined by ',', "
                f"found {_quote(part)} in {_quote(column)}"
            )
        ratings.append(int(part))
    return tuple(ratings)


def _parse_acts(column: str) -> tuple[DialogueAct, ...]:
    if not column.strip():
        return ()
    acts = []
    for part in column.split(","):
        label = part.strip()
        if not LABEL.fullmatch(label):
            raise _LineError(
                "expected dialogue-act labels like 'Hotel-Inform' or 'REQUEST_ALTS' joined by ',', "
                f"found {_quote(part)} in {_quote(column)}"
            )
        domain, _, intent = label.rpartition("-")
        acts.append(DialogueAct(intent.lower(), domain.lower()))
    return tuple(acts)


def _read_lines(path: Path) -> list[str]:
    """The file's lines decoded as UTF-8, without line ends; CorpusError where it cannot be read."""
    text = read_text(path, error=CorpusError, what="a USS rating file (e.g. MWOZ.txt)")
    # Split on "\n" only: str.splitlines would also split inside a text at "\x0b", "\x1c", "\u2028" ...
    return [line.removesuffix("\r") for line in text.removeprefix("\ufeff").split("\n")]


def load_uss(path: str | os.PathLike[str], *, prefix: str | None = None) -> tuple[RatedDialogue, ...]:
    """The rated dialogues of one USS file, in file order; CorpusError on anything malformed."""
    path = Path(path)
    lines = _read_lines(path)
    prefix = path.stem if prefix is None else prefix
    where = str(path)
    rated: list[RatedDialogue] = []
    turns: list[Turn] = []
    turn_ratings: list[tuple[int, ...]] = []
    start = last = 0  # first and latest line of the open dialogue
    closed = False  # its OVERALL line was read; a blank line must follow

    def unfinished(found: str) -> CorpusError:
        return CorpusError(
            f"expected a 'USER<TAB>OVERALL<TAB><TAB>ratings' line to end the dialogue that starts at line {start}, "
            f"found {found}",
            where,
            last,
            dialogue=f"{prefix}-{len(rated) + 1:04d}",
        )

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            if turns and not closed:
                raise unfinished("a blank line")
            turns, turn_ratings, closed = [], [], False
            continue
        dialogue_id = f"{prefix}-{len(rated) + 1:04d}"
        if not turns:
            start = number
        last = number
        if closed:
            raise CorpusError(
                f"expected a blank line after the OVERALL line, found {_quote(line)}",
                where,
                number,
                dialogue=rated[-1].dialogue.id,
            )
        try:
            columns = line.split("\t")
            if len(columns) != 4:
                raise _LineError(
                    "expected 4 tab-separated columns ROLE, TEXT, ACTION, RATINGS, "
                    f"found {len(columns)}: {_quote(line)}"
                )
            role, text, action, ratings = columns
            if role not in ROLES:
                raise _LineError(f"expected the role USER or SYSTEM, found {_quote(role)}")
            if text == OVERALL:
                if role != "USER":
                    raise _LineError(f"expected the OVERALL line to be a USER line, found {role}")
                if not turns:
                    raise _LineError("expected turns before the OVERALL line, found none: the dialogue is empty")
                if action.strip():
                    raise _LineError(f"expected an empty ACTION column on the OVERALL line, found {_quote(action)}")
                dialogue = Dialogue(dialogue_id, tuple(turns), corpus="uss", split=path.stem)
                rated.append(RatedDialogue(dialogue, tuple(turn_ratings), _parse_ratings(ratings, "the OVERALL line")))
                closed = True
                continue
            if role == "SYSTEM" and ratings.strip():
                raise _LineError(f"expected an empty RATINGS column on a SYSTEM line, found {_quote(ratings)}")
            turn_ratings.append(_parse_ratings(ratings, "a USER line") if role == "USER" else ())
            turns.append(Turn(ROLES[role], text, _parse_acts(action)))
        except _LineError as exc:
            raise CorpusError(str(exc), where, number, dialogue=dialogue_id) from None
    if turns and not closed:
        raise unfinished("the end of the file")
    if not rated:
        raise CorpusError("expected dialogues ending in OVERALL rating lines, found none: the file is empty", where)
    return tuple(rated)
