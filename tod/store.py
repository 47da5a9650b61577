"""Conversation states kept on disk: one SQLite record per conversation, written every turn.

A running system that serves many conversations (the Rasa action server, a resumable chat) keeps
each conversation's :class:`~tod.state.DialogueState` here, keyed by a conversation id (Rasa's
``sender_id``) within a namespace (``rasa``), so that a restart of the process loses nothing.

Table ``states``: ``namespace``, ``key``, ``schema`` (the version of the state's JSON layout, see
:data:`STATE_SCHEMA`), ``turn`` (the caller's turn counter for the record), ``state``
(``DialogueState.to_dict()`` as JSON) and ``updated`` (Unix time). Each save is one transaction.
The database runs in WAL mode with ``synchronous=NORMAL``: a committed turn survives a crash of
the process (not necessarily a power cut). Every thread gets its own connection, so one store can
be shared by the threads of a server; SQLite's locking keeps concurrent writers (threads or
processes) consistent, waiting up to ``timeout`` seconds for a lock.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tod.cache import default_cache_dir
from tod.errors import SchemaError, StoreError
from tod.state import DialogueState

#: Version of the JSON layout of the stored states (``DialogueState.to_dict()``). A record with a
#: newer version was written by a newer tod and is refused rather than misread.
STATE_SCHEMA = 1

_CREATE = """
CREATE TABLE IF NOT EXISTS states (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    schema INTEGER NOT NULL,
    turn INTEGER NOT NULL,
    state TEXT NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (namespace, key)
)
"""


def default_store_path(name: str) -> Path:
    """Where the states of the system ``name`` (a pipeline's name) are kept by default:
    ``$TOD_CACHE/states/<name>.sqlite3`` (``~/.cache/tod`` without ``$TOD_CACHE``)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "tod"
    return default_cache_dir() / "states" / f"{safe}.sqlite3"


@dataclass(frozen=True)
class StoredState:
    """One conversation's record: its state, the caller's turn counter, and when it was written."""

    state: DialogueState
    turn: int
    updated: float


class StateStore:
    """The states of many conversations in one SQLite file (see the module docstring).

    ``namespace`` keeps callers apart (the Rasa action server uses ``rasa``); ``timeout`` is how
    long a write waits for another writer's lock before failing with :class:`StoreError`.
    """

    def __init__(self, path: str | Path, namespace: str = "default", *, timeout: float = 30.0) -> None:
        if not isinstance(namespace, str) or not namespace:
            raise StoreError(f"the store namespace must be a non-empty string, found {namespace!r}")
        self.path = Path(path)
        self.namespace = namespace
        self.timeout = timeout
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the folder of the state store {self.path}: {error}") from None
        connection = self._connection()
        try:
            _refuse_foreign(connection, self.path)
            connection.execute("PRAGMA journal_mode=WAL")
            with connection:
                connection.execute(_CREATE)
        except sqlite3.DatabaseError as error:
            self.close()
            raise StoreError(f"{self.path} is not a usable state store: {error}") from None
        except StoreError:
            self.close()
            raise

    # ------------------------------------------------------------------ connections
    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            try:
                # each thread uses its own connection; only close() touches them from another thread
                connection = sqlite3.connect(
                    self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
                )
                connection.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.Error as error:
                raise StoreError(f"cannot open the state store {self.path}: {error}") from None
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def close(self) -> None:
        """Close every thread's connection (the store cannot be used afterwards)."""
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check(self) -> None:
        """Read the whole file (SQLite's ``quick_check``) and fail with :class:`StoreError` where it is
        damaged; a damaged store is left as it is. Takes time in proportion to the file's size."""
        try:
            rows = self._connection().execute("PRAGMA quick_check").fetchall()
        except sqlite3.Error as error:
            raise StoreError(f"{self.path} is not a usable state store: {error}") from None
        problems = [str(row[0]) for row in rows if row[0] != "ok"]
        if problems:
            raise StoreError(f"{self.path} is damaged: {'; '.join(problems[:3])}")

    # ------------------------------------------------------------------ records
    def load(self, key: str) -> StoredState | None:
        """The record of conversation ``key``, or ``None`` when there is none."""
        _check_key(key)
        try:
            row = (
                self._connection()
                .execute(
                    "SELECT schema, turn, state, updated FROM states WHERE namespace = ? AND key = ?",
                    (self.namespace, key),
                )
                .fetchone()
            )
        except sqlite3.Error as error:
            raise StoreError(f"cannot read conversation {key!r} from {self.path}: {error}") from None
        if row is None:
            return None
        schema, turn, text, updated = row
        if schema != STATE_SCHEMA:
            newer = " (a newer tod wrote it)" if isinstance(schema, int) and schema > STATE_SCHEMA else ""
            raise StoreError(
                f"{self.path}: conversation {key!r} was stored with state schema {schema}; this tod reads "
                f"schema {STATE_SCHEMA}{newer}"
            )
        try:
            state = DialogueState.from_dict(json.loads(text))
        except (ValueError, SchemaError) as error:
            raise StoreError(f"{self.path}: conversation {key!r} holds an unreadable state: {error}") from None
        return StoredState(state, int(turn), float(updated))

    def save(self, key: str, state: DialogueState, turn: int) -> None:
        """Write conversation ``key``'s ``state`` and turn counter, replacing its record, in one transaction."""
        _check_key(key)
        if not isinstance(state, DialogueState):
            raise TypeError(f"state must be a DialogueState, found {type(state).__name__}")
        if isinstance(turn, bool) or not isinstance(turn, int) or turn < 0:
            raise StoreError(f"the turn counter must be a whole number >= 0, found {turn!r}")
        text = json.dumps(state.to_dict(), ensure_ascii=False, separators=(",", ":"))
        try:
            with self._connection() as connection:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(
                    "INSERT INTO states (namespace, key, schema, turn, state, updated) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (namespace, key) DO UPDATE SET schema = excluded.schema, turn = excluded.turn, "
                    "state = excluded.state, updated = excluded.updated",
                    (self.namespace, key, STATE_SCHEMA, turn, text, time.time()),
                )
        except sqlite3.Error as error:
            raise StoreError(f"cannot write conversation {key!r} to {self.path}: {error}") from None

    def delete(self, key: str) -> bool:
        """Forget conversation ``key``; whether it had a record."""
        _check_key(key)
        try:
            with self._connection() as connection:
                cursor = connection.execute("DELETE FROM states WHERE namespace = ? AND key = ?", (self.namespace, key))
        except sqlite3.Error as error:
            raise StoreError(f"cannot delete conversation {key!r} from {self.path}: {error}") from None
        return cursor.rowcount > 0

    def keys(self) -> list[str]:
        """The conversation ids with a record in this namespace, sorted."""
        try:
            rows = (
                self._connection()
                .execute("SELECT key FROM states WHERE namespace = ? ORDER BY key", (self.namespace,))
                .fetchall()
            )
        except sqlite3.Error as error:
            raise StoreError(f"cannot list the conversations in {self.path}: {error}") from None
        return [row[0] for row in rows]


_COLUMNS = ("namespace", "key", "schema", "turn", "state", "updated")


def _refuse_foreign(connection: sqlite3.Connection, path: Path) -> None:
    """Refuse an SQLite file that holds other tables but no state table, or a ``states`` table of
    another shape: it belongs to something else, and adding a table to it would change it."""
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and "states" not in tables:
        raise StoreError(
            f"{path} is an SQLite database of something else (tables: {', '.join(sorted(tables)[:5])}), "
            "not a tod state store"
        )
    if "states" in tables:
        columns = tuple(row[1] for row in connection.execute("PRAGMA table_info(states)"))
        if columns != _COLUMNS:
            raise StoreError(
                f"{path} is not a tod state store: its table 'states' has columns {', '.join(columns)}; "
                f"expected {', '.join(_COLUMNS)}"
            )


def _check_key(key: object) -> None:
    if not isinstance(key, str) or not key:
        raise StoreError(f"a conversation id must be a non-empty string, found {key!r}")
