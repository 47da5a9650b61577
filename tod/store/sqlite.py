"""The state store in one SQLite file: one machine, any number of threads and processes on it.

Table ``states``: ``namespace``, ``key``, ``schema``, ``turn``, ``state`` (JSON), ``updated`` (Unix
time) and ``version`` (see :mod:`tod.store.base`). Each save is one transaction. The database runs
in WAL mode with ``synchronous=NORMAL``: a committed turn survives a crash of the process (not
necessarily a power cut). Every thread gets its own connection, so one store can be shared by the
threads of a server; SQLite's locking keeps concurrent writers (threads or processes) consistent,
waiting up to ``timeout`` seconds for a lock.

A file written by tod before records had a ``version`` (the same table without that column) gets the
column, every record at version 1, when it is first opened; anything else that is not a tod state
store is refused and left as it is.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tod.errors import StoreError
from tod.state import DialogueState
from tod.store.base import (
    STATE_SCHEMA,
    PerThread,
    StateStore,
    StoredState,
    check_expect,
    check_key,
    check_turn,
    conflict,
    decode_record,
    encode_state,
)

_CREATE = """
CREATE TABLE IF NOT EXISTS states (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    schema INTEGER NOT NULL,
    turn INTEGER NOT NULL,
    state TEXT NOT NULL,
    updated REAL NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (namespace, key)
)
"""
_COLUMNS = ("namespace", "key", "schema", "turn", "state", "updated", "version")
#: The table of tod before records had versions: given the ``version`` column when opened.
_COLUMNS_BEFORE_VERSIONS = _COLUMNS[:-1]

_UPSERT = (
    "INSERT INTO states (namespace, key, schema, turn, state, updated, version) VALUES (?, ?, ?, ?, ?, ?, 1) "
    "ON CONFLICT (namespace, key) DO UPDATE SET schema = excluded.schema, turn = excluded.turn, "
    "state = excluded.state, updated = excluded.updated, version = states.version + 1 RETURNING version"
)
_INSERT_NEW = (
    "INSERT INTO states (namespace, key, schema, turn, state, updated, version) VALUES (?, ?, ?, ?, ?, ?, 1) "
    "ON CONFLICT (namespace, key) DO NOTHING RETURNING version"
)
_UPDATE_IF = (
    "UPDATE states SET schema = ?, turn = ?, state = ?, updated = ?, version = version + 1 "
    "WHERE namespace = ? AND key = ? AND version = ? RETURNING version"
)


class SQLiteStateStore(StateStore):
    """The states of many conversations in one SQLite file (see the module docstring).

    ``namespace`` keeps callers apart (the Rasa action server uses ``rasa``); ``timeout`` is how
    long a write waits for another writer's lock before failing with :class:`StoreError`.
    """

    def __init__(self, path: str | Path, namespace: str = "default", *, timeout: float = 30.0) -> None:
        self.namespace = check_key(namespace, "the store namespace")
        self.path = Path(path)
        self.timeout = timeout
        self._connections: PerThread[sqlite3.Connection] = PerThread(self._connect, lambda c: c.close())
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the folder of the state store {self.path}: {error}") from None
        connection = self._connection()
        try:
            columns = _refuse_foreign(connection, self.path)
            connection.execute("PRAGMA journal_mode=WAL")
            with connection:
                connection.execute("BEGIN IMMEDIATE")
                if columns == _COLUMNS_BEFORE_VERSIONS and _columns(connection) == _COLUMNS_BEFORE_VERSIONS:
                    connection.execute("ALTER TABLE states ADD COLUMN version INTEGER NOT NULL DEFAULT 1")
                connection.execute(_CREATE)
        except sqlite3.DatabaseError as error:
            self.close()
            raise StoreError(f"{self.path} is not a usable state store: {error}") from None
        except StoreError:
            self.close()
            raise

    @property
    def location(self) -> str:
        return str(self.path)

    # ------------------------------------------------------------------ connections
    def _connect(self) -> sqlite3.Connection:
        try:
            # each thread uses its own connection; only PerThread touches it from another thread
            connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the state store {self.path}: {error}") from None
        return connection

    def _connection(self) -> sqlite3.Connection:
        return self._connections.get()

    def close(self) -> None:
        self._connections.close_all()

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
        check_key(key)
        try:
            row = (
                self._connection()
                .execute(
                    "SELECT schema, turn, state, updated, version FROM states WHERE namespace = ? AND key = ?",
                    (self.namespace, key),
                )
                .fetchone()
            )
        except sqlite3.Error as error:
            raise StoreError(f"cannot read conversation {key!r} from {self.path}: {error}") from None
        if row is None:
            return None
        return decode_record(self.location, key, *row)

    def save(self, key: str, state: DialogueState, turn: int, *, expect: int | None = None) -> int:
        check_key(key)
        text = encode_state(state)
        check_turn(turn)
        check_expect(expect)
        now = time.time()
        try:
            with self._connection() as connection:
                connection.execute("BEGIN IMMEDIATE")
                values = (self.namespace, key, STATE_SCHEMA, turn, text, now)
                if expect is None:
                    row = connection.execute(_UPSERT, values).fetchone()
                elif expect == 0:
                    row = connection.execute(_INSERT_NEW, values).fetchone()
                else:
                    row = connection.execute(
                        _UPDATE_IF, (STATE_SCHEMA, turn, text, now, self.namespace, key, expect)
                    ).fetchone()
                if row is None:
                    found = connection.execute(
                        "SELECT version FROM states WHERE namespace = ? AND key = ?", (self.namespace, key)
                    ).fetchone()
                    raise conflict(self.location, key, expect or 0, found[0] if found else None)
        except sqlite3.Error as error:
            raise StoreError(f"cannot write conversation {key!r} to {self.path}: {error}") from None
        return int(row[0])

    def delete(self, key: str) -> bool:
        check_key(key)
        try:
            with self._connection() as connection:
                cursor = connection.execute("DELETE FROM states WHERE namespace = ? AND key = ?", (self.namespace, key))
        except sqlite3.Error as error:
            raise StoreError(f"cannot delete conversation {key!r} from {self.path}: {error}") from None
        return cursor.rowcount > 0

    def keys(self) -> list[str]:
        try:
            rows = (
                self._connection()
                .execute("SELECT key FROM states WHERE namespace = ? ORDER BY key", (self.namespace,))
                .fetchall()
            )
        except sqlite3.Error as error:
            raise StoreError(f"cannot list the conversations in {self.path}: {error}") from None
        return [row[0] for row in rows]


def _columns(connection: sqlite3.Connection) -> tuple[str, ...]:
    return tuple(row[1] for row in connection.execute("PRAGMA table_info(states)"))


def _refuse_foreign(connection: sqlite3.Connection, path: Path) -> tuple[str, ...]:
    """The columns of the file's ``states`` table (none for an empty file). Refuses an SQLite file that
    holds other tables but no state table, or a ``states`` table of another shape: it belongs to
    something else, and adding a table to it would change it."""
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and "states" not in tables:
        raise StoreError(
            f"{path} is an SQLite database of something else (tables: {', '.join(sorted(tables)[:5])}), "
            "not a tod state store"
        )
    if "states" not in tables:
        return ()
    columns = _columns(connection)
    if columns not in (_COLUMNS, _COLUMNS_BEFORE_VERSIONS):
        raise StoreError(
            f"{path} is not a tod state store: its table 'states' has columns {', '.join(columns)}; "
            f"expected {', '.join(_COLUMNS)}"
        )
    return columns
