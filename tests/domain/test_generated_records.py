"""Generated databases (MultiWOZ's taxi): values from the file's lists, or a pattern the ontology gives."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tod._schema import FrozenMap
from tod.domain.ontology import DatabaseSpec
from tod.domain.records import generate_from, read_records
from tod.errors import DomainError


def _spec(**generate: str) -> DatabaseSpec:
    return DatabaseSpec(
        file="taxi.json", root="domain", format="generated", name_field="name", generate=FrozenMap(generate)
    )


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "taxi.json"
    path.write_text(json.dumps({"colours": ["red", "blue"], "makes": ["skoda"], "phones": ["^[0-9]{10}$"]}))
    return path


def test_the_ontologys_pattern_replaces_the_files(tmp_path: Path) -> None:
    records = read_records(_file(tmp_path), _spec(color="colours", type="makes", phone="^07[0-9]{9}$"))
    assert [name for name, _ in records] == ["red skoda", "blue skoda"]
    assert all(len(f["phone"]) == 11 and f["phone"].startswith("07") and f["phone"].isdigit() for _, f in records)
    from_file = read_records(_file(tmp_path), _spec(color="colours", type="makes", phone="phones"))
    assert all(len(f["phone"]) == 10 for _, f in from_file)


def test_a_pattern_with_a_prefix_generates_the_prefix_then_the_class() -> None:
    value = generate_from("^AB[0-9]{4}$", random.Random(1))
    assert value[:2] == "AB" and value[2:].isdigit() and len(value) == 6


@pytest.mark.parametrize("pattern", ["^07[0-9]+$", "^(07|08)[0-9]{9}$", "^[0-9]{9}x$", "^07-[0-9]{9}$"])
def test_a_pattern_it_cannot_generate_from_is_refused_with_the_field(tmp_path: Path, pattern: str) -> None:
    with pytest.raises(DomainError, match="generate.phone"):
        read_records(_file(tmp_path), _spec(color="colours", phone=pattern))
