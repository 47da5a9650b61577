"""ConvLab-2's database query, as its evaluator's final-goal check uses it (``Database.query``).

This is not tod's query engine (:mod:`tod.domain.database`) and must not become one: it reproduces
ConvLab's semantics, quirks included, because the ``convlab`` metric mode is defined by them. Rows
are the raw database files in file order (a row's index is the reference number ConvLab's system
gives). Per constraint: skipped for a null value, for a row without the field, and when comparing
raises (a time that does not parse); ``leaveAt`` / ``arriveBy`` compare as HH*100+MM; a row value
``?`` matches anything; hard constraints need case-insensitive equality after trimming, soft ones
(the requested slots with the values the user was told) :func:`partial_ratio` at least the
tables' ratio.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any, Mapping, Sequence

from tod.domain.ontology import Domain
from tod.errors import EvaluationError
from tod.files import read_json
from tod.simulator.convlab.tables import ConvLabTables


def partial_ratio(first: str, second: str) -> int:
    """fuzzywuzzy 0.18's ``fuzz.partial_ratio`` with difflib (no python-Levenshtein), as ConvLab-2 ran it.

    The best ``SequenceMatcher`` ratio between the shorter string and a window of the longer one as
    long, the windows starting where matching blocks align; 100 for equal strings, 0 when one is
    empty. rapidfuzz's ``partial_ratio`` searches every window and differs on some pairs, so it is
    not used here.
    """
    if first == second:
        return 100
    if not first or not second:
        return 0
    shorter, longer = (first, second) if len(first) <= len(second) else (second, first)
    scores = []
    for block in SequenceMatcher(None, shorter, longer).get_matching_blocks():
        start = max(block[1] - block[0], 0)
        ratio = SequenceMatcher(None, shorter, longer[start : start + len(shorter)]).ratio()
        if ratio > 0.995:
            return 100
        scores.append(ratio)
    return int(round(100 * max(scores)))


def _minutes(value: str) -> int:
    """HH:MM as HH*100+MM, ConvLab's way (ValueError / IndexError / AttributeError when it is not one)."""
    parts = value.split(":")
    return int(parts[0]) * 100 + int(parts[1])


class ConvLabDatabase:
    """The raw rows of each evaluated domain's database, queried ConvLab's way."""

    def __init__(self, rows: Mapping[str, Sequence[Mapping[str, Any]]], tables: ConvLabTables) -> None:
        self.rows = {d: tuple(r) for d, r in rows.items()}
        self.tables = tables
        self._columns: dict[tuple[str, str], list[Any]] = {}
        self._indices: dict[tuple[str, str], dict[str, list[int]]] = {}

    def rows_with(self, domain: str, field: str, value: str) -> list[int]:
        """The rows of ``domain`` whose ``field`` is ``value`` (trimmed, ignoring case), in file order."""
        key = (domain, field)
        if key not in self._indices:
            index: dict[str, list[int]] = {}
            for i, row in enumerate(self.table(domain)):
                index.setdefault(str(row.get(field, "")).strip().lower(), []).append(i)
            self._indices[key] = index
        return self._indices[key].get(value.strip().lower(), [])

    @classmethod
    def for_domain(cls, domain: Domain, tables: ConvLabTables) -> ConvLabDatabase:
        """The rows of every domain of ``tables`` that has a database file of rows (taxi's is not one)."""
        rows: dict[str, list[Mapping[str, Any]]] = {}
        for name in tables.domains:
            if tables.special.get(name) == "any":
                continue
            path = domain.database_path(name) if name in domain.schemas else None
            if path is None:
                raise EvaluationError(
                    f"the ConvLab evaluator needs the {name} database of {domain.name}: no file for it"
                )
            data = read_json(path, error=EvaluationError, what=f"the {name} database", top=list)
            if not all(isinstance(row, Mapping) for row in data):
                raise EvaluationError.at(f"expected a list of objects (rows) in the {name} database", str(path))
            rows[name] = data
        return cls(rows, tables)

    def table(self, domain: str) -> tuple[Mapping[str, Any], ...]:
        rows = self.rows.get(domain)
        if rows is None:
            raise EvaluationError(f"no database rows for {domain!r} (expected one of {sorted(self.rows)})")
        return rows

    def query(self, domain: str, hard: Sequence[tuple[str, str]], soft: Sequence[tuple[str, str]] = ()) -> list[int]:
        """The indices of the rows that meet ``hard`` (exact) and ``soft`` (fuzzy) constraints; for a
        domain the tables mark ``any``: ``[-1]`` (one made-up entity, no row)."""
        how = self.tables.special.get(domain)
        if how == "any":
            return [-1]
        rows = self.table(domain)
        if how == "all":
            return list(range(len(rows)))
        if how is not None:  # filter on this one slot alone (hospital: department)
            wanted = None
            for slot, value in hard:
                if slot == how:
                    wanted = value
            if not wanted:
                return list(range(len(rows)))
            return [i for i, row in enumerate(rows) if str(row.get(how, "")).lower() == wanted.strip().lower()]
        rewritten = [(slot, self.tables.rewrites.get(slot, {}).get(value, value)) for slot, value in hard]
        candidates: list[int] = list(range(len(rows)))
        for slot, value, fuzzy in [(s, v, False) for s, v in rewritten] + [(s, v, True) for s, v in soft]:
            if value in self.tables.null_values:
                continue
            candidates = self._filter(domain, candidates, slot, value, fuzzy)
        return candidates

    def _column(self, domain: str, slot: str) -> list[Any]:
        """Each row's value of ``slot`` prepared for comparison: ``None`` where a constraint on it is
        skipped (no such field, a value that cannot be compared, a time that does not parse), ``"?"``
        (matches anything), else the trimmed lower-cased string, or HH*100+MM for a time slot."""
        key = (domain, slot)
        if key not in self._columns:
            column: list[Any] = []
            timed = slot in self.tables.query_times
            for row in self.table(domain):
                found = row.get(slot) if slot.lower() in {str(k).lower() for k in row} else None
                if not isinstance(found, str):
                    column.append(None)
                elif timed:
                    try:
                        column.append(_minutes(found))
                    except (ValueError, IndexError):
                        column.append(None)
                else:
                    text = found.strip()
                    column.append("?" if text == "?" else text.lower())
            self._columns[key] = column
        return self._columns[key]

    def _filter(self, domain: str, candidates: list[int], slot: str, value: str, fuzzy: bool) -> list[int]:
        """The ``candidates`` that one constraint keeps (ConvLab's per-row test, a column at a time)."""
        column = self._column(domain, slot)
        op = self.tables.query_times.get(slot)
        if op is not None:
            try:
                wanted = _minutes(value)
            except (ValueError, IndexError):
                return candidates  # ConvLab skips a constraint it cannot compare
            if op == "ge":
                return [i for i in candidates if column[i] is None or wanted <= column[i]]
            return [i for i in candidates if column[i] is None or wanted >= column[i]]
        text = value.strip().lower()
        if not fuzzy:
            return [i for i in candidates if column[i] is None or column[i] == "?" or column[i] == text]
        ratio = self.tables.fuzzy_ratio
        return [
            i for i in candidates if column[i] is None or column[i] == "?" or _cached_ratio(text, column[i]) >= ratio
        ]


@lru_cache(maxsize=65536)
def _cached_ratio(first: str, second: str) -> int:
    return partial_ratio(first, second)
