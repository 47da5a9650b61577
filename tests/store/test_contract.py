"""What every state store promises, checked on both back ends: SQLite and PostgreSQL.

Round trips, namespaces, versions and compare-and-set writes, threads, refusals of damaged records
and of bad input. The PostgreSQL runs use a throwaway cluster (``postgres_url``: a fresh database
per test); they skip where PostgreSQL is not installed and fail instead with TOD_REQUIRE_DATA=1.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tod.acts import DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.dialogue import SYSTEM, USER, Turn
from tod.errors import StoreConflictError, StoreError
from tod.state import DialogueState
from tod.store import MAX_KEY, STATE_SCHEMA, StateStore, open_store


def state_for(word: str, turns: int = 1) -> DialogueState:
    belief = BeliefState().with_domain("restaurant", DomainBelief(constraints={"food": word}))
    history: list[Turn] = []
    for i in range(turns):
        history += [Turn(USER, f"{word} {i}"), Turn(SYSTEM, f"reply {i}", (DialogueAct("reqmore", "general"),))]
    return DialogueState(belief=belief, history=tuple(history), system_acts=(DialogueAct("reqmore", "general"),))


@dataclass
class Backend:
    """How a test opens a store of one back end, and reaches its table behind the store's back."""

    name: str
    location: str
    table: str

    def open(self, namespace: str = "rasa") -> StateStore:
        return open_store(self.location, namespace)

    def raw(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run ``sql`` (``{t}`` for the table, ``?`` for parameters) directly on the database."""
        sql = sql.format(t=self.table)
        if self.name == "sqlite":
            with sqlite3.connect(self.location) as connection:
                return connection.execute(sql, params).fetchall()
        import psycopg

        with psycopg.connect(self.location, autocommit=True) as connection:
            cursor = connection.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", str(tmp_path / "states.sqlite3"), "states")
    return Backend("postgres", request.getfixturevalue("postgres_url"), "tod_states")


def test_round_trip_reopen_and_versions(backend: Backend) -> None:
    with backend.open() as store:
        assert store.load("alice") is None
        assert store.save("alice", state_for("thai", 2), 2) == 1
        assert store.save("alice", state_for("thai", 3), 3) == 2
    with backend.open() as again:
        record = again.load("alice")
        assert record is not None
        assert record.state == state_for("thai", 3)
        assert (record.turn, record.version) == (3, 2)
        assert record.updated > 1.7e9
        assert again.keys() == ["alice"]


def test_namespaces_are_apart_and_delete_forgets(backend: Backend) -> None:
    rasa, chat = backend.open("rasa"), backend.open("chat")
    rasa.save("u", state_for("thai"), 1)
    rasa.save("u", state_for("indian"), 2)
    chat.save("u", state_for("french"), 7)
    assert rasa.load("u").state.belief["restaurant"].constraints["food"] == "indian"  # type: ignore[union-attr]
    assert chat.load("u").turn == 7  # type: ignore[union-attr]
    assert rasa.delete("u") is True
    assert rasa.delete("u") is False
    assert rasa.load("u") is None
    assert chat.load("u") is not None
    rasa.close()
    chat.close()


def test_compare_and_set_refuses_a_changed_record_and_writes_nothing(backend: Backend) -> None:
    first, second = backend.open(), backend.open()  # two servers
    assert first.save("c", state_for("thai"), 1, expect=0) == 1
    with pytest.raises(StoreConflictError, match="expected no record, found version 1"):
        second.save("c", state_for("indian"), 1, expect=0)
    # both read version 1 and compute turn 2; the first write wins, the second changes nothing
    read_a, read_b = first.load("c"), second.load("c")
    assert read_a is not None and read_b is not None and read_a.version == read_b.version == 1
    assert first.save("c", state_for("thai", 2), 2, expect=read_a.version) == 2
    with pytest.raises(StoreConflictError, match="'c' changed while its turn was computed .*found version 2"):
        second.save("c", state_for("indian", 2), 2, expect=read_b.version)
    stored = second.load("c")
    assert stored is not None and stored.state == state_for("thai", 2) and stored.version == 2
    # a record deleted meanwhile (a reset on another server) is not brought back
    first.delete("c")
    with pytest.raises(StoreConflictError, match="found no record \\(it was deleted\\)"):
        second.save("c", state_for("indian", 3), 3, expect=2)
    assert first.load("c") is None
    # StoreConflictError is a StoreError: callers that only know StoreError still see a failure
    assert issubclass(StoreConflictError, StoreError)
    first.close()
    second.close()


def test_racing_writers_of_one_conversation_never_both_win(backend: Backend) -> None:
    """Eight threads, each with its own store, race 20 times to write the next turn of one record read
    at the same version: every round exactly one wins, and the record holds the winner's state."""
    stores = [backend.open() for _ in range(8)]
    stores[0].save("race", state_for("start"), 0)
    for round_ in range(1, 21):
        version = stores[0].load("race").version  # type: ignore[union-attr]
        barrier = threading.Barrier(len(stores))
        won: list[int] = []
        lost: list[int] = []
        errors: list[BaseException] = []

        def write(i: int) -> None:
            barrier.wait()
            try:
                stores[i].save("race", state_for(f"w{i}", round_), round_, expect=version)
                won.append(i)
            except StoreConflictError:
                lost.append(i)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(len(stores))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors and len(won) == 1 and len(lost) == len(stores) - 1
        record = stores[0].load("race")
        assert record is not None and record.version == version + 1
        assert record.state == state_for(f"w{won[0]}", round_)
    for store in stores:
        store.close()


@pytest.mark.parametrize("versioned", [True, False])
def test_threads_write_their_own_conversations(backend: Backend, versioned: bool) -> None:
    """Eight threads, a conversation each, writing with the version they read or (as a single server's
    caller may) without one."""
    store = backend.open()
    errors: list[BaseException] = []

    def talk(sender: int) -> None:
        try:
            version = 0
            for turn in range(1, 11):
                expect = {"expect": version} if versioned else {}
                version = store.save(f"s{sender}", state_for(f"w{sender}", turn), turn, **expect)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=talk, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for sender in range(8):
        record = store.load(f"s{sender}")
        assert record is not None and record.turn == 10 and record.version == 10
        assert {t.text.split()[0] for t in record.state.history if t.speaker == USER} == {f"w{sender}"}
    store.close()


def test_damaged_and_newer_records_are_refused_and_left_alone(backend: Backend) -> None:
    store = backend.open()
    for key in "abcd":
        store.save(key, state_for("thai"), 1)
    backend.raw("UPDATE {t} SET schema = ? WHERE key = 'a'", (STATE_SCHEMA + 1,))
    backend.raw("UPDATE {t} SET state = ? WHERE key = 'b'", ('{"route": "sideways"}',))
    backend.raw("UPDATE {t} SET state = ? WHERE key = 'c'", ("not json at all",))
    backend.raw("UPDATE {t} SET state = ? WHERE key = 'd'", ("[1, 2, 3]",))
    before = backend.raw("SELECT key, schema, state FROM {t} ORDER BY key")
    with pytest.raises(StoreError, match="schema 2; this tod reads schema 1 \\(a newer tod wrote it\\)"):
        store.load("a")
    for key in "bcd":
        with pytest.raises(StoreError, match=f"'{key}' holds an unreadable state"):
            store.load(key)
    assert backend.raw("SELECT key, schema, state FROM {t} ORDER BY key") == before
    store.close()


def test_hostile_keys_turns_and_text(backend: Backend) -> None:
    store = backend.open()
    for key, message in [
        ("", "non-empty string"),
        (None, "non-empty string"),
        ("x" * (MAX_KEY + 1), f"at most {MAX_KEY} characters"),
        ("a\x00b", "NUL"),
        ("a\udc80b", "lone surrogates"),
    ]:
        with pytest.raises(StoreError, match=message):
            store.save(key, DialogueState(), 1)  # type: ignore[arg-type]
        with pytest.raises(StoreError, match=message):
            store.load(key)  # type: ignore[arg-type]
    for turn in (-1, 2**63, 1.5, True, "3"):
        with pytest.raises(StoreError, match="whole number >= 0"):
            store.save("k", DialogueState(), turn)  # type: ignore[arg-type]
    for expect in (-1, 2.0, "1"):
        with pytest.raises(StoreError, match="expect must be None or a record version"):
            store.save("k", DialogueState(), 1, expect=expect)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="DialogueState"):
        store.save("k", {}, 1)  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="namespace must be a non-empty string"):
        backend.open("")
    assert store.keys() == []  # nothing was written by any of the above
    # the largest turn fits; text with NUL, lone surrogates, quotes and CJK round-trips exactly
    odd = "nul\x00 surrogate\udc80 'quote\" 中文 \u2028"
    state = DialogueState(history=(Turn(USER, odd), Turn(SYSTEM, odd)))
    key = "ключ 中文 " + "k" * 200
    store.save(key, state, 2**63 - 1)
    record = store.load(key)
    assert record is not None and record.state == state and record.turn == 2**63 - 1
    assert store.keys() == [key]
    store.close()


def test_keys_sort_the_same_way(backend: Backend) -> None:
    store = backend.open()
    names = ["b", "B", "a", "é", "Z", "10", "9", "中"]
    for name in names:
        store.save(name, DialogueState(), 1)
    assert store.keys() == sorted(names)  # code point order in both back ends
    store.close()



def test_connections_of_ended_threads_are_closed(backend: Backend) -> None:
    store = backend.open()
    for round_ in range(30):  # thirty short-lived threads, one after another
        thread = threading.Thread(target=store.save, args=(f"t{round_}", DialogueState(), 1))
        thread.start()
        thread.join()
    assert store.keys() == sorted(f"t{i}" for i in range(30))
    assert store._connections.count() <= 2  # the opening thread's and the last thread's
    store.close()
    assert store._connections.count() == 0
