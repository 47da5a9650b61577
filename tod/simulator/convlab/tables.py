"""The tables of ConvLab-2's MultiWOZ evaluator, read from a domain's ``convlab.yaml``.

The evaluator's knowledge of MultiWOZ (which act slots inform which goal slot, the format checks,
how bookings are read from acts, how the database is queried) is data in the domain folder
(``domains/multiwoz/convlab.yaml``, with comments on each table); this module reads and checks it.
A domain without that file has no ``convlab`` metric mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from tod.domain.ontology import Domain
from tod.errors import EvaluationError
from tod.files import read_yaml

#: The file, in a domain's folder, that holds the tables.
TABLES_FILE = "convlab.yaml"
_KEYS = (
    "evaluator",
    "domains",
    "informs",
    "requestable",
    "inform_intents",
    "null_values",
    "formats",
    "booking",
    "book_rate",
    "final_goal",
)
_FORMAT_TESTS = ("match", "match_lower", "in", "in_lower", "contains", "domains_exempt")
_TIME_OPS = ("ge", "le")
_SPECIAL = ("any", "all")


def has_tables(domain: Domain) -> bool:
    """Whether ``domain`` has ConvLab's evaluator tables (and so a ``convlab`` metric mode)."""
    return (Path(domain.directory) / TABLES_FILE).is_file()


@dataclass(frozen=True)
class FormatCheck:
    """The format test of one goal slot's informed values (``_check_value``); passes when any test passes."""

    match: re.Pattern[str] | None = None
    match_lower: re.Pattern[str] | None = None
    exact: frozenset[str] = frozenset()
    lower: frozenset[str] = frozenset()
    contains: str | None = None
    exempt: frozenset[str] = frozenset()

    def passes(self, domain: str, value: str) -> bool:
        return (
            domain in self.exempt
            or (self.match is not None and self.match.match(value) is not None)
            or (self.match_lower is not None and self.match_lower.match(value.lower()) is not None)
            or value in self.exact
            or value.lower() in self.lower
            or (self.contains is not None and self.contains in value)
        )


@dataclass(frozen=True)
class ConvLabTables:
    """Everything ConvLab-2's evaluator knows about the domain (see ``convlab.yaml``)."""

    source: Path
    evaluator: str
    domains: tuple[str, ...]
    informs: Mapping[str, Mapping[str, str]]
    requestable: Mapping[str, frozenset[str]]
    inform_intents: frozenset[str]
    null_values: frozenset[str]
    formats: Mapping[str, FormatCheck]
    reference: re.Pattern[str]
    current_domain_acts: frozenset[str]
    current_domains: frozenset[str]
    fixed_acts: Mapping[str, str]
    flag_acts: Mapping[str, str]
    named_intents: frozenset[str]
    named_slots: Mapping[str, str]
    named_tiebreak: Mapping[str, tuple[str, ...]]
    book_rate_skipped: frozenset[str]
    book_rate_times: Mapping[str, str]
    fuzzy_ratio: int
    query_times: Mapping[str, str]
    rewrites: Mapping[str, Mapping[str, str]]
    special: Mapping[str, str]

    @classmethod
    def for_domain(cls, domain: Domain) -> ConvLabTables:
        """The tables of ``domain``; EvaluationError when it has none (no ``convlab`` mode there)."""
        path = Path(domain.directory) / TABLES_FILE
        if not path.is_file():
            raise EvaluationError(
                f"domain {domain.name} has no ConvLab evaluator tables ({path} is missing): the 'convlab' "
                "metric mode exists for MultiWOZ only; use the 'tod' mode"
            )
        return cls.load(path)

    @classmethod
    def load(cls, path: str | Path) -> ConvLabTables:
        path = Path(path)
        data = read_yaml(path, error=EvaluationError, what="ConvLab evaluator tables", top=dict)
        reader = _Reader(path)
        return reader.tables(data)


class _Reader:
    """Reads and checks the YAML, naming the file and key of anything malformed."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> EvaluationError:
        return EvaluationError.at(f"{where}: {message}", str(self.path))

    def mapping(self, data: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(data, Mapping) or not all(isinstance(k, str) for k in data):
            raise self.fail(where, f"expected a mapping with string keys, found {data!r:.60}")
        return data

    def strings(self, data: Any, where: str) -> tuple[str, ...]:
        if not isinstance(data, list) or not all(isinstance(v, str) for v in data):
            raise self.fail(where, f"expected a list of strings, found {data!r:.60}")
        return tuple(data)

    def string(self, data: Any, where: str) -> str:
        if not isinstance(data, str):
            raise self.fail(where, f"expected a string, found {data!r:.60}")
        return data

    def pattern(self, data: Any, where: str) -> re.Pattern[str]:
        try:
            return re.compile(self.string(data, where))
        except re.error as exc:
            raise self.fail(where, f"not a regular expression: {exc}") from None

    def string_map(self, data: Any, where: str) -> dict[str, str]:
        return {k: self.string(v, f"{where}.{k}") for k, v in self.mapping(data, where).items()}

    def times(self, data: Any, where: str) -> dict[str, str]:
        out = self.string_map(data, where)
        for slot, op in out.items():
            if op not in _TIME_OPS:
                raise self.fail(f"{where}.{slot}", f"expected one of {list(_TIME_OPS)}, found {op!r}")
        return out

    def per_domain(self, data: Any, where: str, domains: tuple[str, ...]) -> Mapping[str, Any]:
        table = self.mapping(data, where)
        missing = [d for d in domains if d not in table]
        unknown = [d for d in table if d not in domains]
        if missing or unknown:
            raise self.fail(
                where, f"expected exactly the domains {list(domains)} (missing {missing}, unknown {unknown})"
            )
        return table

    def format_check(self, data: Any, where: str) -> FormatCheck:
        spec = self.mapping(data, where)
        unknown = [k for k in spec if k not in _FORMAT_TESTS]
        if unknown or not spec:
            raise self.fail(where, f"expected some of the tests {list(_FORMAT_TESTS)}, found {list(spec)}")
        return FormatCheck(
            match=self.pattern(spec["match"], f"{where}.match") if "match" in spec else None,
            match_lower=self.pattern(spec["match_lower"], f"{where}.match_lower") if "match_lower" in spec else None,
            exact=frozenset(self.strings(spec.get("in", []), f"{where}.in")),
            lower=frozenset(self.strings(spec.get("in_lower", []), f"{where}.in_lower")),
            contains=self.string(spec["contains"], f"{where}.contains") if "contains" in spec else None,
            exempt=frozenset(self.strings(spec.get("domains_exempt", []), f"{where}.domains_exempt")),
        )

    def tables(self, data: Mapping[str, Any]) -> ConvLabTables:
        missing = [k for k in _KEYS if k not in data]
        unknown = [k for k in data if k not in _KEYS]
        if missing or unknown:
            raise self.fail("top level", f"expected the keys {list(_KEYS)} (missing {missing}, unknown {unknown})")
        domains = self.strings(data["domains"], "domains")
        informs = {
            d: self.string_map(v, f"informs.{d}")
            for d, v in self.per_domain(data["informs"], "informs", domains).items()
        }
        requestable = {
            d: frozenset(self.strings(v, f"requestable.{d}"))
            for d, v in self.per_domain(data["requestable"], "requestable", domains).items()
        }
        formats = {k: self.format_check(v, f"formats.{k}") for k, v in self.mapping(data["formats"], "formats").items()}
        booking = self.mapping(data["booking"], "booking")
        book_rate = self.mapping(data["book_rate"], "book_rate")
        final = self.mapping(data["final_goal"], "final_goal")
        try:
            ratio = final["fuzzy_ratio"]
            if isinstance(ratio, bool) or not isinstance(ratio, int) or not 0 <= ratio <= 100:
                raise self.fail("final_goal.fuzzy_ratio", f"expected an integer from 0 to 100, found {ratio!r}")
            special = self.string_map(final["special"], "final_goal.special")
            tiebreak = self.mapping(booking["named_tiebreak"], "booking.named_tiebreak")
            tables = ConvLabTables(
                source=self.path,
                evaluator=self.string(data["evaluator"], "evaluator"),
                domains=domains,
                informs=informs,
                requestable=requestable,
                inform_intents=frozenset(self.strings(data["inform_intents"], "inform_intents")),
                null_values=frozenset(self.strings(data["null_values"], "null_values")),
                formats=formats,
                reference=self.pattern(booking["reference"], "booking.reference"),
                current_domain_acts=frozenset(
                    self.strings(booking["current_domain_acts"], "booking.current_domain_acts")
                ),
                current_domains=frozenset(self.strings(booking["current_domains"], "booking.current_domains")),
                fixed_acts=self.string_map(booking["fixed_acts"], "booking.fixed_acts"),
                flag_acts=self.string_map(booking["flag_acts"], "booking.flag_acts"),
                named_intents=frozenset(self.strings(booking["named_intents"], "booking.named_intents")),
                named_slots=self.string_map(booking["named_slots"], "booking.named_slots"),
                named_tiebreak={d: self.strings(v, f"booking.named_tiebreak.{d}") for d, v in tiebreak.items()},
                book_rate_skipped=frozenset(self.strings(book_rate["skipped"], "book_rate.skipped")),
                book_rate_times=self.times(book_rate["times"], "book_rate.times"),
                fuzzy_ratio=ratio,
                query_times=self.times(final["times"], "final_goal.times"),
                rewrites={
                    k: self.string_map(v, f"final_goal.rewrites.{k}")
                    for k, v in self.mapping(final["rewrites"], "final_goal.rewrites").items()
                },
                special=special,
            )
        except KeyError as exc:
            raise self.fail("tables", f"missing key {exc.args[0]!r}") from None
        for table, where in ((tables.fixed_acts, "booking.fixed_acts"), (tables.flag_acts, "booking.flag_acts")):
            for act, domain in table.items():
                if domain not in domains:
                    raise self.fail(f"{where}.{act}", f"expected one of the domains {list(domains)}, found {domain!r}")
        for domain in (*tables.named_slots, *tables.named_tiebreak, *tables.special, *tables.current_domains):
            if domain not in domains:
                raise self.fail("booking/final_goal", f"unknown domain {domain!r} (expected one of {list(domains)})")
        for domain, how in tables.special.items():
            if not how.strip():
                raise self.fail(f"final_goal.special.{domain}", f"expected {list(_SPECIAL)} or a slot, found {how!r}")
        return tables
