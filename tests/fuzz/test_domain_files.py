"""Fuzzing domain definitions: ``ontology.yaml`` and the database files beside it.

A domain directory either loads (``load_domain``), its databases open (``Database``) and answer a
query, a look-up and a "nearby" question, or one of these raises a
:class:`~tod.errors.DomainError` (or :class:`~tod.errors.QueryError`) naming the file and entry:
never a ``KeyError``, ``OverflowError``, ``IndexError``, a hang on a generator pattern, ...
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import event, example, given
from hypothesis import strategies as st

from tests.fuzz.conftest import fuzz, mutated, outcome
from tests.fuzz.test_database import TOY_ONTOLOGY, TOY_ROWS, TOY_STOPS
from tod.domain.database import Database
from tod.domain.loader import load_domain

ONTOLOGY = {
    **TOY_ONTOLOGY,
    "domains": {
        **TOY_ONTOLOGY["domains"],
        "taxi": {
            "database": {
                "file": "taxi.json",
                "format": "generated",
                "generate": {"colour": "colours", "phone": "phones"},
            },
            "booking": {"required": ["people"], "one_of": [["leaveAt"]]},
            "slots": {
                "name": {"kind": "name"},
                "colour": {},
                "phone": {"requestable": True},
                "people": {"kind": "number", "field": None, "bookable": True},
                "leaveAt": {"kind": "time", "field": None, "bookable": True},
            },
        },
        "pair": {
            "database": {"file": "pairs.json", "format": "pairs"},
            "slots": {"name": {"kind": "name"}, "zone": {}},
        },
    },
}
FILES = {
    "rides.json": TOY_ROWS[:4],
    "stops.json": TOY_STOPS,
    "taxi.json": {"colours": ["red", "blue"], "phones": ["^[0-9]{10}$"]},
    "pairs.json": [["the quay", {"zone": "1"}], ["market", {"zone": 2}]],
}
SEED = {"ontology": ONTOLOGY, "files": FILES}


def write_domain(directory: Path, document: Any) -> None:
    body = document if isinstance(document, dict) else {}
    ontology = yaml.safe_dump(body.get("ontology"), allow_unicode=True)
    (directory / "ontology.yaml").write_text(ontology, encoding="utf-8", errors="surrogatepass")
    files = body.get("files")
    for name, data in (files if isinstance(files, dict) else {}).items():
        if name in FILES:  # generated file names could point anywhere
            (directory / name).write_text(json.dumps(data), encoding="utf-8", errors="surrogatepass")


def use(directory: Path) -> None:
    db = Database(load_domain(directory))
    for domain in db.subdomains:
        found = db.query(domain, {})
        assert [e.index for e in found] == list(range(len(db.entities(domain))))
        if found:
            assert db.lookup(domain, found[0].name) is not None
            for target in db.subdomains:
                db.near(domain, found[0].name, target)


@fuzz("domain_files")
@given(document=mutated(SEED))
@example(document={**SEED, "files": {**FILES, "taxi.json": {"colours": ["red"], "phones": ["^[0-9]{999999999}$"]}}})
@example(document={**SEED, "files": {**FILES, "taxi.json": {"colours": ["red"], "phones": ["^[z-a]{3}$"]}}})
@example(document={**SEED, "files": {**FILES, "rides.json": [{**TOY_ROWS[0], "seats": 10**400}]}})
@example(
    document={
        **SEED,
        "ontology": {
            **ONTOLOGY,
            "domains": {"stop": {"slots": {"z": {"forms": [{"pattern": "^x$", "value": 10**400}]}}}},
        },
    }
)
@example(
    document={
        **SEED,
        "ontology": {**ONTOLOGY, "domains": {"stop": {"slots": {"z": {"forms": [{"pattern": "a{99999999999}"}]}}}}},
    }
)
def test_domain_directories_load_or_name_the_problem(document: Any) -> None:
    with tempfile.TemporaryDirectory(prefix="tod-fuzz-") as name:
        directory = Path(name)
        write_domain(directory, document)
        _, error = outcome(lambda: use(directory))
        event("loaded" if error is None else type(error).__name__)


@fuzz("domain_yaml")
@given(
    text=st.sampled_from(["9" * 5000, "[" * 600, "language: en\ndomains: {a: {slots: {}}}\n"]) | st.text(max_size=40),
    bad=st.none() | st.sampled_from([b"\xff", b"\xed\xa0\x80"]),
)
@example(text="language: en\ndomains: {ride: {slots: {seats: {values: [" + "9" * 5000 + "]}}}}\n", bad=None)
@example(text="language: en\n", bad=b"\xff")
def test_ontology_files_of_any_text_load_or_name_the_problem(text: str, bad: bytes | None) -> None:
    with tempfile.TemporaryDirectory(prefix="tod-fuzz-") as name:
        directory = Path(name)
        (directory / "ontology.yaml").write_bytes(text.encode("utf-8", errors="surrogatepass") + (bad or b""))
        outcome(lambda: use(directory))
