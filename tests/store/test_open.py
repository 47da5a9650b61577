"""``open_store`` picks the back end from the location; a PostgreSQL URL without psycopg says what to install."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tod.errors import StoreError
from tod.store import SQLiteStateStore, open_store
from tod.store.postgres import is_postgres_url


def test_paths_open_sqlite_files(tmp_path: Path) -> None:
    for location in (tmp_path / "a.sqlite3", str(tmp_path / "b.sqlite3"), str(tmp_path / "c:weird.sqlite3")):
        with open_store(location, "rasa") as store:
            assert isinstance(store, SQLiteStateStore) and store.location == str(location)
            assert store.namespace == "rasa"
        assert Path(location).is_file()


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("mysql://u:p@h/d", "unsupported state store URL scheme 'mysql'"),
        ("http://example.com/states", "unsupported state store URL scheme 'http'"),
        ("", "expected a state store location"),
        (None, "expected a state store location"),
        (5, "expected a state store location"),
    ],
)
def test_other_locations_are_refused(location: object, message: str, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=message):
        open_store(location, "rasa")  # type: ignore[arg-type]


def test_postgres_urls_are_recognised() -> None:
    assert is_postgres_url("postgresql://u@h/d") and is_postgres_url("POSTGRES://u@h/d")
    assert not is_postgres_url("postgresql:/u@h/d") and not is_postgres_url("/var/lib/postgresql/x.sqlite3")


def test_a_postgres_url_without_psycopg_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now raises ImportError
    monkeypatch.setitem(sys.modules, "psycopg.conninfo", None)
    with pytest.raises(StoreError, match=r"needs psycopg 3: pip install 'tod\[postgres\]'"):
        open_store("postgresql://u:p@127.0.0.1:1/d", "rasa")
