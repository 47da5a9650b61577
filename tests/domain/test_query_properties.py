"""Property tests: the query engine against a brute-force reference on random constraints."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tod.builtin import domains_dir
from tod.domain.database import Database, open_database
from tod.domain.loader import load_domain
from tod.errors import QueryError

CITYGUIDE = domains_dir() / "cityguide"
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


CITY = load_domain(CITYGUIDE)


@pytest.fixture(scope="module")
def cityguide() -> Database:
    return open_database("cityguide")


def case_variants(value: str) -> st.SearchStrategy[str]:
    return st.sampled_from([value, value.upper(), value.title(), f"  {value} "])


# ---------------------------------------------------------------- cityguide


CITY_SLOTS = {
    "restaurant": ["area", "pricerange", "food", "name"],
    "hotel": ["area", "pricerange", "type", "stars", "parking", "internet"],
    "attraction": ["area", "type"],
}


def raw_records(sub: str) -> list[dict[str, Any]]:
    return json.loads((CITYGUIDE / "db" / f"{sub}.json").read_text())


def reference_city(sub: str, constraints: dict[str, str], synonyms: dict[str, dict[str, str]]) -> list[str]:
    """Brute force: lower-case, strip, apply the slot's synonyms, compare with the raw record."""
    out = []
    for record in raw_records(sub):
        ok = True
        for slot, value in constraints.items():
            v = " ".join(value.strip().lower().split())
            v = synonyms[slot].get(v, v)
            if v in ("", "dontcare"):
                continue
            have = str(record[slot]).lower()
            if slot == "name":
                v = v[4:] if v.startswith("the ") else v
                have = have[4:] if have.startswith("the ") else have
            if slot == "stars":
                ok &= float(have) == float(v) if v.replace(".", "").isdigit() else False
            else:
                ok &= have == v
        if ok:
            out.append(record["name"])
    return out


@st.composite
def city_query(draw: st.DrawFn) -> tuple[str, dict[str, str], int | None]:
    sub = draw(st.sampled_from(sorted(CITY_SLOTS)))
    schema = CITY.schema(sub)
    records = raw_records(sub)
    slots = draw(st.lists(st.sampled_from(CITY_SLOTS[sub]), unique=True, max_size=4))
    constraints = {}
    for slot in slots:
        choices = [str(r[slot]) for r in records] + list(schema.slots[slot].values)
        choices += [k for k, v in schema.slots[slot].synonyms.items() if v in choices or v == "dontcare"]
        choices += ["dontcare", ""] + ([] if slot == "stars" else ["nowhere"])
        if slot == "name":
            choices += ["the " + str(r["name"]) for r in records[:5]]
        constraints[slot] = draw(st.sampled_from(choices).flatmap(case_variants))
    top_k = draw(st.none() | st.integers(min_value=0, max_value=5))
    return sub, constraints, top_k


@PROPERTY
@given(city_query())
def test_cityguide_matches_brute_force(cityguide: Database, q: tuple[str, dict[str, str], int | None]) -> None:
    sub, constraints, top_k = q
    schema = cityguide.domain.schema(sub)
    synonyms = {s: dict(schema.slots[s].synonyms) for s in constraints}
    expected = reference_city(sub, constraints, synonyms)
    got = [e.name for e in cityguide.query(sub, constraints, top_k=top_k)]
    assert got == (expected if top_k is None else expected[:top_k])
    assert cityguide.count(sub, constraints) == len(expected)


# ---------------------------------------------------------------- a generated database

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
                    "informable": True,
                    "op": "le",
                    "forms": [
                        {"pattern": "^(?P<low>\\d+)-(?P<high>\\d+) pounds$", "op": "between"},
                        {"pattern": "^free$", "op": "eq", "value": 0},
                    ],
                },
                "leaveAt": {"kind": "time", "op": "ge", "informable": True},
                "arriveBy": {"kind": "time", "op": "le", "informable": True},
                "extras": {"kind": "list", "informable": True},
                "note": {"kind": "text", "field": None, "informable": True},
            },
        }
    },
}
COLOURS = ["red", "gray", "blue"]
EXTRAS = ["wifi", "snacks", "dog"]


@st.composite
def toy_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.integers(min_value=0, max_value=25))
    rows = []
    for i in range(n):
        leave = draw(st.integers(min_value=0, max_value=23 * 60))
        rows.append(
            {
                "name": f"ride {i}",
                "colour": draw(st.sampled_from(COLOURS)),
                "seats": draw(st.integers(min_value=1, max_value=8)),
                "fare": draw(st.sampled_from([0, 2.5, 5, 10, 20])),
                "leaveAt": f"{leave // 60:02d}:{leave % 60:02d}",
                "arriveBy": f"{(leave + 30) // 60:02d}:{(leave + 30) % 60:02d}",
                "extras": draw(st.lists(st.sampled_from(EXTRAS), unique=True)),
            }
        )
    return rows


def fmt_time(minutes: int, style: int) -> str:
    h, m = divmod(minutes, 60)
    return [f"{h:02d}:{m:02d}", f"{h}:{m:02d}", f"{h}.{m:02d}"][style]


def toy_reference(rows: list[dict[str, Any]], c: dict[str, Any]) -> list[str]:
    out = []
    for r in rows:
        lv = int(r["leaveAt"][:2]) * 60 + int(r["leaveAt"][3:])
        ar = int(r["arriveBy"][:2]) * 60 + int(r["arriveBy"][3:])
        ok = ("colour" not in c or r["colour"] == c["colour"]) and ("seats" not in c or r["seats"] >= c["seats"])
        ok &= "fare" not in c or (c["fare"][0] <= r["fare"] <= c["fare"][1])
        ok &= ("leave" not in c or lv >= c["leave"]) and ("arrive" not in c or ar <= c["arrive"])
        ok &= "extra" not in c or c["extra"] in r["extras"]
        if ok:
            out.append(r["name"])
    return out


@PROPERTY
@given(rows=toy_rows(), data=st.data())
def test_generated_database_matches_brute_force(tmp_path_factory: pytest.TempPathFactory, rows, data) -> None:
    directory = tmp_path_factory.mktemp("toy")
    (directory / "ontology.yaml").write_text(yaml.safe_dump(TOY_ONTOLOGY))
    (directory / "rides.json").write_text(json.dumps(rows))
    db = Database(load_domain(directory))
    given_c: dict[str, str] = {}
    ref: dict[str, Any] = {}
    if data.draw(st.booleans()):
        colour = data.draw(st.sampled_from(COLOURS + ["grey"]))
        given_c["colour"] = data.draw(case_variants(colour))
        ref["colour"] = "gray" if colour == "grey" else colour
    if data.draw(st.booleans()):
        ref["seats"] = data.draw(st.integers(min_value=0, max_value=9))
        given_c["seats"] = str(ref["seats"])
    fare = data.draw(st.sampled_from([None, "free", "3-12 pounds", "7", "dontcare"]))
    if fare is not None:
        given_c["fare"] = fare
        ref_fare = {"free": (0, 0), "3-12 pounds": (3, 12), "7": (float("-inf"), 7), "dontcare": None}[fare]
        if ref_fare is not None:
            ref["fare"] = ref_fare
    for slot, key in (("leaveAt", "leave"), ("arriveBy", "arrive")):
        if data.draw(st.booleans()):
            ref[key] = data.draw(st.integers(min_value=0, max_value=23 * 60 + 59))
            given_c[slot] = fmt_time(ref[key], data.draw(st.integers(0, 2)))
    if data.draw(st.booleans()):
        ref["extra"] = data.draw(st.sampled_from(EXTRAS))
        given_c["extras"] = ref["extra"].upper()
    if data.draw(st.booleans()):
        given_c["note"] = "ignored: not in the database"
    top_k = data.draw(st.none() | st.integers(min_value=1, max_value=4))
    expected = toy_reference(rows, ref)
    got = db.query("ride", given_c, top_k=top_k)
    assert [e.name for e in got] == (expected if top_k is None else expected[:top_k])
    assert [e.index for e in got] == sorted(e.index for e in got)


def test_errors_list_what_was_expected(cityguide: Database) -> None:
    with pytest.raises(QueryError, match=r"unknown database domain 'spa'.*\['restaurant', 'hotel', 'attraction'\]"):
        cityguide.query("spa", {})
    with pytest.raises(QueryError, match=r"unknown slot 'colour' of hotel: expected one of \[.*'stars'"):
        cityguide.query("hotel", {"colour": "red"})
    with pytest.raises(QueryError, match="expected a number"):
        cityguide.query("hotel", {"stars": "lots"})


def test_lookup_tolerates_case_and_article(cityguide: Database) -> None:
    entity = cityguide.lookup("restaurant", "Copper Kettle")
    assert entity is not None and entity.name == "the copper kettle"
    assert cityguide.lookup("restaurant", "THE  copper kettle") == entity
    assert cityguide.lookup("restaurant", "no such place") is None
    with pytest.raises(AttributeError):
        entity.fields.x = 1  # type: ignore[attr-defined]
