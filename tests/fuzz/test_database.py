"""Fuzzing the database engine: constraints with unknown slots, odd values and odd types.

A query either answers (entities in database order, each meeting the constraints, at most
``top_k``) or raises a :class:`~tod.errors.QueryError` naming what was expected. And
``Database.meets`` / ``Table.meets``, which test one entity without a scan, agree with the scan.
Two databases: the shipped city guide and a toy domain with every slot kind and comparison
(numbers with written forms, times, lists, item slots, relations, ``ne``, ``substring``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, example, given
from hypothesis import strategies as st

from tests.fuzz.conftest import HOSTILE_TEXT, JSON, ODD_NUMBERS, fuzz, outcome
from tod.domain.database import Database, Entity, open_database
from tod.domain.loader import load_domain, parse_ontology
from tod.domain.ontology import Domain
from tod.errors import QueryError

TOY_ONTOLOGY = {
    "language": "en",
    "synonyms": {"grey": "gray"},
    "domains": {
        "ride": {
            "database": {"file": "rides.json"},
            "slots": {
                "name": {"kind": "name", "informable": True},
                "colour": {"kind": "categorical", "values": ["red", "gray", "blue"], "informable": True},
                "seats": {"kind": "number", "informable": True, "op": "ge"},
                "fare": {
                    "kind": "number",
                    "op": "le",
                    "forms": [
                        {"pattern": "^(?P<low>\\d+)-(?P<high>\\d+) pounds$", "op": "between"},
                        {"pattern": "^free$", "op": "eq", "value": 0},
                        {"pattern": "^over (?P<value>\\d+(?:\\.\\d+)?)$", "op": "gt"},
                    ],
                },
                "leaveAt": {"kind": "time", "op": "ge"},
                "arriveBy": {"kind": "time", "op": "le"},
                "extras": {"kind": "list", "items": {"separator": "-", "yes": ["yes"], "no": ["no"]}},
                "driver": {"kind": "text", "op": "substring"},
                "depot": {"kind": "categorical", "op": "ne"},
                "near": {"kind": "relation", "target": "stop"},
                "note": {"kind": "text", "field": None},
            },
        },
        "stop": {"database": {"file": "stops.json"}, "slots": {"name": {"kind": "name"}, "zone": {}}},
    },
}
TOY_ROWS = [
    {
        "name": f"ride {i}",
        "colour": ["red", "gray", "blue", "Grey"][i % 4],
        "seats": [1, 4, "6", None, 2.5][i % 5],
        "fare": [0, 2.5, "5 pounds", 10, "20.50", None][i % 6],
        "leaveAt": ["09:15", "9.30", "21:00", "24:10", "noon"][i % 5],
        "arriveBy": ["10:00", "22:45", "0930", None][i % 4],
        "extras": [["wifi", "snacks"], [], ["dog"], "wifi", None][i % 5],
        "driver": ["ann lee", "bo", "", None][i % 4],
        "depot": ["north", "south"][i % 2],
        "near": [["the quay", "market"], [], ["quay"]][i % 3],
    }
    for i in range(12)
]
TOY_STOPS = [{"name": "the quay", "zone": "1"}, {"name": "market", "zone": "2"}]
ODD_VALUES = [
    "",
    " ",
    "dontcare",
    "DontCare",
    "any",
    "?",
    "nan",
    "inf",
    "-1",
    "1e400",
    "9" * 5000,
    "3-12 pounds",
    "12-3 pounds",
    "999999999999999999999-1 pounds",
    "free",
    "over 7",
    "over " + "9" * 400,
    "25:99",
    "12pm",
    "0am",
    "9:15 p.m.",
    "٣",
    "yes",
    "no",
    "maybe",
]


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Database]:
    directory = tmp_path_factory.mktemp("toy-domain")
    (directory / "ontology.yaml").write_text(yaml.safe_dump(TOY_ONTOLOGY, allow_unicode=True), encoding="utf-8")
    (directory / "rides.json").write_text(json.dumps(TOY_ROWS), encoding="utf-8")
    (directory / "stops.json").write_text(json.dumps(TOY_STOPS), encoding="utf-8")
    return {"toy": Database(load_domain(directory)), "city": open_database("cityguide")}


# What the strategies draw from, per database: sub-domain -> slot -> values (the database's own, the
# ontology's values and synonyms, odd ones). Built from the files, so examples can be written down.
CITY = load_domain("cityguide")


def _catalogue(domain: Domain, rows: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, list[Any]]]:
    out: dict[str, dict[str, list[Any]]] = {}
    for name, schema in domain.schemas.items():
        slots: dict[str, list[Any]] = {}
        for slot in schema.slots.values():
            own = [row.get(slot.field) for row in rows.get(name, [])] if slot.field else []
            slots[slot.name] = [*own, *slot.values, *slot.synonyms, *ODD_VALUES]
            if slot.items is not None:
                for item in ("wifi", "dog", ""):
                    slots[f"{slot.name}{slot.items.separator}{item}"] = [*slot.items.yes, *slot.items.no, *ODD_VALUES]
        out[name] = slots
    return out


CATALOGUES = {
    "toy": _catalogue(
        parse_ontology(TOY_ONTOLOGY, Path("toy/ontology.yaml"), Path("toy")), {"ride": TOY_ROWS, "stop": TOY_STOPS}
    ),
    "city": _catalogue(
        CITY,
        {name: json.loads((CITY.database_path(name) or Path()).read_text(encoding="utf-8")) for name in CITY.schemas},
    ),
}
#: Slot names a constraint should not have, and values no belief holds (an integer ``str`` refuses).
ODD_KEYS = st.sampled_from([3, None, 2.5, ("a",), b"area", True])
ODD_TYPED = st.sampled_from([[], ["wifi"], {"a": 1}, math.nan, -math.inf, 10**5000])


@st.composite
def constraints(draw: st.DrawFn, which: str, domain: Any, garbage: bool) -> dict[Any, Any]:
    """Constraints on ``domain``'s slots with its own values and odd ones; with ``garbage`` also unknown
    slots, slot names that are not strings, and values of any JSON type."""
    slots = CATALOGUES[which].get(domain, {}) if isinstance(domain, str) else {}
    out: dict[Any, Any] = {}
    for _ in range(draw(st.integers(0, 4))):
        odd_key = not slots or garbage and draw(st.integers(0, 5)) == 0
        key = draw(HOSTILE_TEXT | ODD_KEYS if odd_key else st.sampled_from(sorted(slots)))
        if garbage and draw(st.integers(0, 3)) == 0:
            out[key] = draw(JSON | ODD_NUMBERS | ODD_TYPED)
            continue
        values = st.sampled_from(slots.get(key, ODD_VALUES) if isinstance(key, str) else ODD_VALUES)
        out[key] = draw(values | st.builds(lambda v: f"  {str(v).upper()} ", values))
    return out


@st.composite
def queries(draw: st.DrawFn) -> tuple[str, Any, dict[Any, Any], Any]:
    """``(database, sub-domain, constraints, top_k)``: anything a caller might pass."""
    which = draw(st.sampled_from(sorted(CATALOGUES)))
    known = draw(st.integers(0, 5)) > 0
    domain = draw(st.sampled_from(sorted(CATALOGUES[which])) if known else HOSTILE_TEXT | st.sampled_from([None, 3]))
    top_k = draw(
        st.none() | st.integers(0, 30) if known else st.integers(-2, 3) | st.sampled_from([2.5, "3", True, 10**400])
    )
    return which, domain, draw(constraints(which, domain, garbage=True)), top_k


def _check_results(db: Database, domain: str, found: list[Entity], top_k: Any) -> None:
    indexes = [e.index for e in found]
    assert indexes == sorted(set(indexes))
    assert all(e.domain == domain and db.entities(domain)[e.index] == e for e in found)
    if isinstance(top_k, int):
        assert len(found) <= top_k


@fuzz("query_garbage")
@given(
    query=queries(),
    name=HOSTILE_TEXT | st.sampled_from(["the quay", "Copper Kettle"]),
    target=HOSTILE_TEXT | st.sampled_from(["stop", "hotel"]),
)
@example(query=("toy", "ride", {}, "3"), name="", target="")
@example(query=("city", "hotel", {3: "x"}, None), name="", target="")
@example(query=("city", "hotel", {"stars": 10**5000}, None), name="", target="")
@example(query=("toy", "ride", {"colour": 10**5000}, None), name="", target="")
def test_queries_answer_or_raise_query_errors(
    databases: dict[str, Database], query: tuple[str, Any, dict[Any, Any], Any], name: str, target: str
) -> None:
    which, domain, given_constraints, top_k = query
    db = databases[which]
    found, error = outcome(lambda: db.query(domain, given_constraints, top_k=top_k))
    event("answered" if error is None else "QueryError")
    if error is None:
        _check_results(db, domain, found, top_k)
        count, _ = outcome(lambda: db.count(domain, given_constraints))
        assert count is None or count >= len(found)
    entity, _ = outcome(lambda: db.lookup(domain, name))
    assert entity is None or entity.domain == domain
    near, _ = outcome(lambda: db.near(domain, name, target))
    assert near is None or all(e.domain == target for e in near)


@st.composite
def fair_queries(draw: st.DrawFn) -> tuple[str, str, dict[Any, Any]]:
    """A known sub-domain and constraints on its slots, with its own values and odd ones."""
    which = draw(st.sampled_from(sorted(CATALOGUES)))
    domain = draw(st.sampled_from(sorted(CATALOGUES[which])))
    return which, domain, draw(constraints(which, domain, garbage=False))


@fuzz("meets_agrees")
@given(query=fair_queries())
@example(query=("toy", "ride", {"fare": "3-12 pounds", "extras-wifi": "no", "near": "quay"}))
def test_meets_agrees_with_the_query_scan(
    databases: dict[str, Database], query: tuple[str, str, dict[Any, Any]]
) -> None:
    which, domain, given_constraints = query
    db = databases[which]
    found, error = outcome(lambda: db.query(domain, given_constraints))
    event("QueryError" if error is not None else "some match" if found else "none match")
    table = db.table(domain)
    for entity in db.entities(domain):
        if error is not None:
            with pytest.raises(QueryError):
                db.meets(entity, given_constraints)
            continue
        assert db.meets(entity, given_constraints) == (entity in found)
        assert table.meets(entity.index, given_constraints) == (entity in found)
    if error is None:
        assert db.count(domain, given_constraints) == len(found)
        assert db.query(domain, given_constraints, top_k=2) == found[:2]
