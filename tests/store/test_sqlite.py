"""The SQLite conversation store: round trips, persistence across reopening, threads, refusals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tod.acts import DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.dialogue import SYSTEM, USER, Turn
from tod.errors import StoreError
from tod.state import DialogueState
from tod.store import STATE_SCHEMA, SQLiteStateStore, default_store_path


def state_for(word: str, turns: int = 1) -> DialogueState:
    belief = BeliefState().with_domain("restaurant", DomainBelief(constraints={"food": word}))
    history: list[Turn] = []
    for i in range(turns):
        history += [Turn(USER, f"{word} {i}"), Turn(SYSTEM, f"reply {i}", (DialogueAct("reqmore", "general"),))]
    return DialogueState(belief=belief, history=tuple(history), system_acts=(DialogueAct("reqmore", "general"),))


def test_round_trip_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "states.sqlite3"
    with SQLiteStateStore(path, "rasa") as store:
        assert store.load("alice") is None
        store.save("alice", state_for("thai", 2), 2)
    with SQLiteStateStore(path, "rasa") as again:
        record = again.load("alice")
        assert record is not None
        assert record.state == state_for("thai", 2)
        assert record.turn == 2
        assert again.keys() == ["alice"]
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_save_replaces_delete_forgets_and_namespaces_are_apart(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    rasa, chat = SQLiteStateStore(path, "rasa"), SQLiteStateStore(path, "chat")
    rasa.save("u", state_for("thai"), 1)
    rasa.save("u", state_for("indian"), 2)
    chat.save("u", state_for("french"), 7)
    assert rasa.load("u").state.belief["restaurant"].constraints["food"] == "indian"  # type: ignore[union-attr]
    assert chat.load("u").turn == 7  # type: ignore[union-attr]
    assert rasa.delete("u") is True
    assert rasa.delete("u") is False
    assert rasa.load("u") is None
    assert chat.load("u") is not None


def test_refuses_newer_schema_corrupt_state_and_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = SQLiteStateStore(path, "rasa")
    store.save("a", state_for("thai"), 1)
    store.save("b", state_for("thai"), 1)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE states SET schema = ? WHERE key = 'a'", (STATE_SCHEMA + 1,))
        raw.execute("UPDATE states SET state = '{\"route\": \"sideways\"}' WHERE key = 'b'")
    with pytest.raises(StoreError, match="schema 2; this tod reads schema 1"):
        store.load("a")
    with pytest.raises(StoreError, match="'b' holds an unreadable state"):
        store.load("b")
    with pytest.raises(StoreError, match="non-empty string"):
        store.load("")
    with pytest.raises(StoreError, match="whole number >= 0"):
        store.save("c", DialogueState(), -1)
    with pytest.raises(TypeError, match="DialogueState"):
        store.save("c", {}, 1)  # type: ignore[arg-type]


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="state store .*junk.sqlite3: file is not a database"):
        SQLiteStateStore(path)


def test_default_path_under_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOD_CACHE", str(tmp_path))
    assert default_store_path("city guide/x") == tmp_path / "states" / "city_guide_x.sqlite3"


def test_newer_schema_says_so(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = SQLiteStateStore(path, "chat")
    store.save("a", state_for("thai"), 1)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE states SET schema = ?", (STATE_SCHEMA + 5,))
    with pytest.raises(StoreError, match=f"schema {STATE_SCHEMA + 5}; .* \\(a newer tod wrote it\\)"):
        store.load("a")
    store.close()


def test_a_database_of_something_else_is_refused_and_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as raw:
        raw.execute("CREATE TABLE notes (body TEXT)")
    before = other.read_bytes()
    with pytest.raises(StoreError, match="database of something else \\(tables: notes\\)"):
        SQLiteStateStore(other)
    assert other.read_bytes() == before
    shaped = tmp_path / "shaped.sqlite3"
    with sqlite3.connect(shaped) as raw:
        raw.execute("CREATE TABLE states (id INTEGER, body TEXT)")
    with pytest.raises(StoreError, match="table 'states' has columns id, body; expected namespace"):
        SQLiteStateStore(shaped)


def test_check_finds_damaged_pages_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with SQLiteStateStore(path, "chat") as store:
        for i in range(40):
            store.save(f"k{i}", state_for(f"w{i}", 3), 3)
        store.check()  # a sound store passes
    damaged = bytearray(path.read_bytes())
    assert len(damaged) > 3 * 4096
    damaged[2 * 4096 :] = bytes(range(256)) * ((len(damaged) - 2 * 4096) // 256)
    path.write_bytes(bytes(damaged))
    store = SQLiteStateStore(path, "chat")  # the first pages are sound: it opens
    with pytest.raises(StoreError, match="s.sqlite3 (is damaged|is not a usable state store)"):
        store.check()
    store.close()
    assert path.read_bytes() == bytes(damaged)


def test_a_store_written_before_versions_gets_them_and_keeps_its_records(tmp_path: Path) -> None:
    import json

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute(
            "CREATE TABLE states (namespace TEXT NOT NULL, key TEXT NOT NULL, schema INTEGER NOT NULL, "
            "turn INTEGER NOT NULL, state TEXT NOT NULL, updated REAL NOT NULL, PRIMARY KEY (namespace, key))"
        )
        raw.execute(
            "INSERT INTO states VALUES ('rasa', 'old', ?, 4, ?, 1.0)",
            (STATE_SCHEMA, json.dumps(state_for("thai", 4).to_dict())),
        )
    with SQLiteStateStore(path, "rasa") as store:
        record = store.load("old")
        assert record is not None and record.state == state_for("thai", 4) and (record.turn, record.version) == (4, 1)
        assert store.save("old", state_for("thai", 5), 5, expect=1) == 2
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(states)")]
    assert columns == ["namespace", "key", "schema", "turn", "state", "updated", "version"]
