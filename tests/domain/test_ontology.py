"""Loading ontology.yaml: the built-in domain, and malformed files naming file and key path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tod.domain.loader import load_domain, parse_ontology, read_ontology
from tod.domain.paths import domain_dir
from tod.errors import DomainError

GOOD = {
    "language": "en",
    "domains": {
        "shop": {
            "database": {"file": "db.json"},
            "booking": {"required": ["people"]},
            "slots": {
                "name": {"kind": "name", "informable": True},
                "area": {"kind": "categorical", "values": ["north", "south"], "informable": True},
                "price": {"kind": "number", "forms": [{"pattern": "^(?P<low>\\d+)-(?P<high>\\d+)$", "op": "between"}]},
                "people": {"kind": "number", "field": None, "bookable": True},
            },
        }
    },
}


def write_domain(tmp_path: Path, ontology: object, text: str | None = None) -> Path:
    directory = tmp_path / "shopdomain"
    directory.mkdir()
    (directory / "db.json").write_text(json.dumps([{"name": "a", "area": "north", "price": 3}]))
    (directory / "ontology.yaml").write_text(text if text is not None else yaml.safe_dump(ontology, allow_unicode=True))
    return directory


def test_cityguide_loads_with_its_schema() -> None:
    domain = load_domain("cityguide")
    assert domain.language == "en"
    assert domain.subdomains == ("restaurant", "hotel", "attraction")
    restaurant = domain.schema("restaurant")
    assert set(restaurant.bookable) == {"people", "day", "time"}
    assert restaurant.booking is not None and restaurant.booking.required == ("people", "day", "time")
    assert "centre" in restaurant.slots["area"].values
    assert restaurant.slots["area"].synonyms["center"] == "centre"
    assert domain.schema("hotel").slots["type"].synonyms["guest house"] == "guesthouse"
    assert (
        "food" in restaurant.informable and "phone" in restaurant.requestable and "phone" not in restaurant.informable
    )


def test_a_good_file_loads(tmp_path: Path) -> None:
    domain = load_domain(write_domain(tmp_path, GOOD))
    assert domain.name == "shopdomain"
    assert domain.schema("shop").slots["people"].field is None
    assert domain.schema("shop").slots["price"].forms[0].op == "between"


def mutate(path: str, value: object) -> dict:
    data = json.loads(json.dumps(GOOD))
    keys = path.split(".")
    node = data
    for key in keys[:-1]:
        node = node[key]
    if value is DELETE:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return data


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "key_path", "expected"),
    [
        ("language", "fr", "language", "expected one of ['en', 'zh']"),
        ("language", DELETE, "language", "missing required key"),
        ("domains", [], "domains", "expected dict"),
        ("domains.shop.slots.area.kind", "colour", "domains.shop.slots.area.kind", "expected one of"),
        ("domains.shop.slots.area.op", "approx", "domains.shop.slots.area.op", "expected one of"),
        ("domains.shop.slots.area.informable", "yes please", "domains.shop.slots.area.informable", "expected bool"),
        ("domains.shop.slots.area.colour", 1, "domains.shop.slots.area", "unknown key(s) ['colour']"),
        ("domains.shop.slots.area.values", [True, False], "domains.shop.slots.area.values[0]", "quote yes/no"),
        ("domains.shop.slots.price.forms", [{"pattern": "(", "op": "eq"}], "forms[0].pattern", "regular expression"),
        ("domains.shop.slots.price.forms", [{"pattern": "^x$", "op": "ge"}], "forms[0]", "named groups ['value']"),
        ("domains.shop.database.format", "csv", "domains.shop.database.format", "expected one of"),
        ("domains.shop.database.file", DELETE, "domains.shop.database.file", "missing required key"),
        ("domains.shop.booking.required", ["colour"], "domains.shop.booking", "declared bookable slot"),
        ("domains.shop.slots.area.target", "shop", "domains.shop.slots.area.target", "exactly when kind is relation"),
        ("domains.shop.slots.people.range", [1], "domains.shop.slots.people.range", "expected [low, high]"),
        ("domains.shop.slots.people.range", "1-20", "domains.shop.slots.people.range", "expected [low, high]"),
        ("domains.shop.slots.people.range", [20, 1], "domains.shop.slots.people.range", "low <= high"),
        ("domains.shop.slots.people.range", ["one", 20], "people.range[0]", "expected a number or null"),
        ("domains.shop.slots.people.range", [True, 20], "people.range[0]", "expected a number or null"),
        ("domains.shop.slots.people.range", [1, 10**400], "people.range[1]", "a float can hold"),
        ("domains.shop.slots.area.range", [1, 2], "domains.shop.slots.area.range", "only on number or time"),
        ("domains.shop.slots.people.likely", ["10:00", "22:00"], "people.likely", "only on time slots"),
        ("domains.shop.slots.area.units", ["nights"], "domains.shop.slots.area.units", "only on number slots"),
        ("domains.shop.slots.people.units", "nights", "domains.shop.slots.people.units", "expected list"),
        ("domains.shop.slots.people.units", [" "], "domains.shop.slots.people.units", "non-empty words"),
        ("domains.shop.slots.people.units", [None], "people.units[0]", "expected a string"),
        ("domains.shop.slots.area.party", True, "domains.shop.slots.area.party", "only on number slots"),
        ("domains.shop.slots.people.party", "yes", "domains.shop.slots.people.party", "expected bool"),
    ],
)
def test_malformed_files_name_file_and_key(
    tmp_path: Path, path: str, value: object, key_path: str, expected: str
) -> None:
    directory = write_domain(tmp_path, mutate(path, value))
    with pytest.raises(DomainError) as error:
        load_domain(directory)
    message = str(error.value)
    assert str(directory / "ontology.yaml") in message
    assert key_path in message
    assert expected in message


def test_ranges_and_likely_hours_load(tmp_path: Path) -> None:
    data = mutate("domains.shop.slots.people.range", [1, None])
    data["domains"]["shop"]["slots"]["time"] = {
        "kind": "time", "field": None, "bookable": True, "range": ["09:00", "23:30"], "likely": ["10:00", "22:59"]
    }
    shop = load_domain(write_domain(tmp_path, data)).schema("shop")
    people, time = shop.slots["people"], shop.slots["time"]
    assert people.range is not None and people.range.low == 1 and people.range.high is None
    assert 5000 in people.range and 0 not in people.range and "3" not in people.range
    assert time.range is not None and (time.range.low, time.range.high) == (9 * 60, 23 * 60 + 30)
    assert time.likely == (10 * 60, 22 * 60 + 59)
    assert shop.slots["area"].range is None and shop.slots["area"].likely is None
    assert shop.slots["people"].units == () and not shop.slots["people"].party


@pytest.mark.parametrize(
    "bad",
    [["teatime", "23:30"], [9, "23:30"], ["25:00", "26:00"], ["23:00", "10:00"], ["10:00"], "10:00-22:00"],
)
def test_malformed_likely_hours_are_refused(tmp_path: Path, bad: object) -> None:
    data = json.loads(json.dumps(GOOD))
    data["domains"]["shop"]["slots"]["time"] = {"kind": "time", "field": None, "bookable": True, "likely": bad}
    with pytest.raises(DomainError, match="domains.shop.slots.time.likely"):
        load_domain(write_domain(tmp_path, data))


def test_the_shipped_booking_details_have_ranges() -> None:
    for name in ("cityguide", "multiwoz"):
        directory = domain_dir(name)
        source, raw = read_ontology(directory)
        domain = parse_ontology(raw, source, directory)  # the corpus databases are not needed to read ranges
        restaurant = domain.schema("restaurant")
        assert restaurant.slots["people"].range is not None and 0 not in restaurant.slots["people"].range
        assert restaurant.slots["time"].likely is not None
        assert restaurant.slots["people"].party and "people" in restaurant.slots["people"].units
        assert "nights" in domain.schema("hotel").slots["stay"].units


def test_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    directory = write_domain(tmp_path, None, text="language: [en\n")
    with pytest.raises(DomainError, match="not valid YAML"):
        load_domain(directory)
    (directory / "ontology.yaml").unlink()
    with pytest.raises(DomainError, match="expected an ontology.yaml"):
        load_domain(directory)


def test_missing_database_file_says_which(tmp_path: Path) -> None:
    directory = write_domain(tmp_path, GOOD)
    (directory / "db.json").unlink()
    with pytest.raises(DomainError, match=r"database file .*db\.json does not exist"):
        load_domain(directory)


def test_corpus_database_needs_data_dir(tmp_path: Path) -> None:
    with pytest.raises(DomainError, match="pass data_dir pointing at the corpus folder"):
        load_domain("multiwoz")
    with pytest.raises(DomainError, match=r"attraction_db\.json does not exist \(data_dir should point at the corpus"):
        load_domain("multiwoz", data_dir=tmp_path)


def test_unknown_domain_lists_the_known_ones() -> None:
    with pytest.raises(DomainError, match="cityguide"):
        load_domain("no-such-domain")
