"""The state store in PostgreSQL: one store shared by action servers on several machines.

Opened by a URL, ``postgresql://USER:PASSWORD@HOST:PORT/DATABASE`` (libpq's form: ``postgres://``
too, and query parameters such as ``?sslmode=require`` or ``?options=-csearch_path%3Dtod``), with
psycopg 3 (the ``postgres`` extra). The records live in the table ``tod_states`` of the connection's
current schema (``namespace``, ``key``, ``schema``, ``turn``, ``version``, ``state`` as JSON text,
``updated`` as the database server's Unix time; see :mod:`tod.store.base`), created on first use under
an advisory lock so that servers starting together do not race. The database may hold anything else
(Rasa's own SQL tracker store, for one); a ``tod_states`` table of another shape is refused and left
alone.

Every statement runs in autocommit mode, so each write is one transaction, committed (and by
PostgreSQL's default ``synchronous_commit``, flushed) when :meth:`PostgresStateStore.save` returns.
``save(..., expect=V)`` is a single ``UPDATE ... WHERE version = V`` (or an ``INSERT ... ON CONFLICT
DO NOTHING`` for ``V = 0``): under PostgreSQL's row locks two servers writing the same record one
after the other cannot both succeed, and the later gets :class:`~tod.errors.StoreConflictError`. No
lock is held while a turn is computed.

Each thread gets its own connection (closed once the thread has ended). A connection the server
dropped (a restart of PostgreSQL, a network cut, an idle timeout) is replaced and the call tried once
more on the new one. A write may have been committed just before its connection was lost: its second
try then finds the record already holding exactly what it writes, at the version it would have
made, and counts that as done; anything else is a conflict, as it would have been.
"""

from __future__ import annotations

import re
from typing import Any, Callable, TypeVar
from urllib.parse import quote

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

T = TypeVar("T")

#: The table of records (in the connection's current schema).
TABLE = "tod_states"
#: The advisory lock key taken while the table is created (any fixed 64-bit number: "tod_stat").
_CREATE_LOCK = 0x746F645F73746174
_COLUMNS = (
    ("namespace", "text"),
    ("key", "text"),
    ("schema", "integer"),
    ("turn", "bigint"),
    ("version", "bigint"),
    ("state", "text"),
    ("updated", "double precision"),
)
_CREATE = f"""
CREATE TABLE {TABLE} (
    namespace text NOT NULL,
    key text NOT NULL,
    schema integer NOT NULL,
    turn bigint NOT NULL,
    version bigint NOT NULL,
    state text NOT NULL,
    updated double precision NOT NULL,
    PRIMARY KEY (namespace, key)
)
"""
_NOW = "extract(epoch from clock_timestamp())"
_UPSERT = (
    f"INSERT INTO {TABLE} (namespace, key, schema, turn, version, state, updated) "
    f"VALUES (%s, %s, %s, %s, 1, %s, {_NOW}) ON CONFLICT (namespace, key) DO UPDATE SET "
    f"schema = excluded.schema, turn = excluded.turn, state = excluded.state, updated = excluded.updated, "
    f"version = {TABLE}.version + 1 RETURNING version"
)
_INSERT_NEW = (
    f"INSERT INTO {TABLE} (namespace, key, schema, turn, version, state, updated) "
    f"VALUES (%s, %s, %s, %s, 1, %s, {_NOW}) ON CONFLICT (namespace, key) DO NOTHING RETURNING version"
)
_UPDATE_IF = (
    f"UPDATE {TABLE} SET schema = %s, turn = %s, state = %s, updated = {_NOW}, version = version + 1 "
    "WHERE namespace = %s AND key = %s AND version = %s RETURNING version"
)
#: URL schemes libpq reads.
SCHEMES = ("postgresql", "postgres")


def is_postgres_url(location: object) -> bool:
    """Whether ``location`` is a PostgreSQL URL (``postgresql://...`` or ``postgres://...``)."""
    return isinstance(location, str) and location.split("://", 1)[0].lower() in SCHEMES and "://" in location


def redact(url: str) -> str:
    """``url`` as messages show it: ``postgresql://USER@HOST:PORT/DATABASE``, never the password."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 - a URL that does not parse is shown without anything after the scheme's user
        return re.sub(r"://[^@/]*@", "://***@", url.split("?", 1)[0])
    user = parts.get("user")
    host, port, database = parts.get("host") or "", parts.get("port"), parts.get("dbname") or ""
    if host.startswith("/"):  # a Unix socket folder
        host = quote(host, safe="")
    where = f"{host}:{port}" if port else host
    return f"postgresql://{quote(str(user), safe='') + '@' if user else ''}{where}/{quote(str(database), safe='')}"


_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s'\"]*):[^@\s'\"]*@")
_PASSWORD_SETTING = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


def _say(error: BaseException, password: str | None = None) -> str:
    """A psycopg error's message on one line, without the password (libpq may quote the URL back)."""
    # the server's own message, without the statement quoted back ("LINE 2: CREATE ...")
    primary = getattr(getattr(error, "diag", None), "message_primary", None)
    text = " ".join(str(primary or error).split()) or type(error).__name__
    text = _PASSWORD_SETTING.sub(r"\1***", _PASSWORD_IN_URL.sub(r"\1:***@", text))
    return text.replace(password, "***") if password and len(password) >= 4 else text


class PostgresStateStore(StateStore):
    """The states of many conversations in a PostgreSQL database (see the module docstring).

    ``url``: libpq's URL; ``namespace`` keeps callers apart; ``connect_timeout``: seconds to wait for
    the server when connecting (unless the URL says otherwise); ``lock_timeout``: seconds a write
    waits for another writer's row lock before failing with :class:`StoreError`.
    """

    def __init__(
        self,
        url: str,
        namespace: str = "default",
        *,
        connect_timeout: float = 10.0,
        lock_timeout: float = 30.0,
    ) -> None:
        self.namespace = check_key(namespace, "the store namespace")
        try:
            import psycopg
            from psycopg.conninfo import conninfo_to_dict
        except ImportError:
            raise StoreError(
                "a PostgreSQL state store needs psycopg 3: pip install 'tod[postgres]' (psycopg[binary])"
            ) from None
        self._psycopg = psycopg
        if not is_postgres_url(url):
            raise StoreError(
                f"expected a PostgreSQL URL (postgresql://USER:PASSWORD@HOST:PORT/DATABASE), found {redact(url)!r:.80}"
            )
        self.url = url
        self._shown = redact(url)
        try:
            parts = conninfo_to_dict(url)
        except psycopg.Error as error:
            raise StoreError(f"{self._shown} is not a valid PostgreSQL URL: {_say(error)}") from None
        self._password = str(parts["password"]) if parts.get("password") else None
        self._options: dict[str, Any] = {"autocommit": True, "application_name": "tod"}
        if "connect_timeout" not in parts:
            self._options["connect_timeout"] = max(1, round(connect_timeout))
        self.lock_timeout = lock_timeout
        self._connections: PerThread[Any] = PerThread(self._connect, lambda c: c.close())
        try:
            self._prepare(self._connection())
        except BaseException:
            self.close()
            raise

    @property
    def location(self) -> str:
        return self._shown

    def _why(self, error: BaseException) -> str:
        return _say(error, self._password)

    # ------------------------------------------------------------------ connections
    def _connect(self) -> Any:
        psycopg = self._psycopg
        try:
            connection = psycopg.connect(self.url, **self._options)
        except psycopg.OperationalError as error:
            raise StoreError(f"cannot connect to the state store {self._shown}: {self._why(error)}") from None
        except psycopg.Error as error:
            raise StoreError(f"cannot use the state store {self._shown}: {self._why(error)}") from None
        try:
            connection.execute(f"SET lock_timeout = {int(self.lock_timeout * 1000)}")
        except psycopg.Error as error:
            connection.close()
            raise StoreError(f"cannot use the state store {self._shown}: {self._why(error)}") from None
        return connection

    def _connection(self) -> Any:
        connection = self._connections.get()
        if connection.closed:  # closed under us (e.g. by a failed call): open another
            self._connections.drop()
            connection = self._connections.get()
        return connection

    def _run(self, doing: str, work: Callable[[Any], T]) -> T:
        """``work(connection)``; a psycopg error becomes :class:`StoreError` saying ``doing``. When the
        connection turns out to be dead (the server restarted or dropped it), it is replaced and the
        work runs once more: every call here is safe to repeat (a write's second try is recognised by
        :meth:`save`)."""
        psycopg = self._psycopg
        for attempt in (1, 2):
            connection = self._connection()
            try:
                return work(connection)
            except psycopg.OperationalError as error:
                if (not connection.broken and not connection.closed) or attempt == 2:
                    raise StoreError(f"cannot {doing} {self._shown}: {self._why(error)}") from None
                self._connections.drop()
            except psycopg.Error as error:
                raise StoreError(f"cannot {doing} {self._shown}: {self._why(error)}") from None
        raise AssertionError("unreachable")

    def _prepare(self, connection: Any) -> None:
        """Create the table if there is none; refuse a ``tod_states`` table of another shape."""
        psycopg = self._psycopg
        try:
            with connection.transaction():
                connection.execute("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))
                columns = _columns(connection)
                if columns and columns != _COLUMNS:
                    shown = ", ".join(f"{name} {kind}" for name, kind in columns)
                    expected = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS)
                    raise StoreError(
                        f"{self._shown}: the table {TABLE} is not a tod state store (columns {shown}; expected "
                        f"{expected}); it was left as it is"
                    )
                if not columns:
                    connection.execute(_CREATE)
        except psycopg.errors.InsufficientPrivilege as error:
            raise StoreError(
                f"{self._shown}: cannot create the table {TABLE}: {self._why(error)} (grant this user CREATE on the "
                "schema, or create the table as docs/rasa.md shows)"
            ) from None
        except psycopg.Error as error:
            raise StoreError(f"{self._shown} is not a usable state store: {self._why(error)}") from None

    def close(self) -> None:
        self._connections.close_all()

    def check(self) -> None:
        """Reach the server and check the table's shape again (PostgreSQL checks its own pages)."""

        def work(connection: Any) -> None:
            columns = _columns(connection)
            if columns != _COLUMNS:
                raise StoreError(f"{self._shown}: the table {TABLE} is missing or has changed (columns {columns})")

        self._run("check the state store", work)

    # ------------------------------------------------------------------ records
    def load(self, key: str) -> StoredState | None:
        check_key(key)

        def work(connection: Any) -> Any:
            return connection.execute(
                f"SELECT schema, turn, state, updated, version FROM {TABLE} WHERE namespace = %s AND key = %s",
                (self.namespace, key),
            ).fetchone()

        row = self._run(f"read conversation {key!r} from", work)
        return None if row is None else decode_record(self._shown, key, *row)

    def save(self, key: str, state: DialogueState, turn: int, *, expect: int | None = None) -> int:
        check_key(key)
        text = encode_state(state)
        check_turn(turn)
        check_expect(expect)

        tries = 0

        def work(connection: Any) -> Any:
            nonlocal tries
            tries += 1
            if expect is None:
                return connection.execute(_UPSERT, (self.namespace, key, STATE_SCHEMA, turn, text)).fetchone()
            if expect == 0:
                return connection.execute(_INSERT_NEW, (self.namespace, key, STATE_SCHEMA, turn, text)).fetchone()
            return connection.execute(_UPDATE_IF, (STATE_SCHEMA, turn, text, self.namespace, key, expect)).fetchone()

        row = self._run(f"write conversation {key!r} to", work)
        if row is not None:
            return int(row[0])
        found = self._run(
            f"read conversation {key!r} from",
            lambda c: c.execute(
                f"SELECT version, turn, state FROM {TABLE} WHERE namespace = %s AND key = %s", (self.namespace, key)
            ).fetchone(),
        )
        if tries > 1 and found is not None and tuple(found) == ((expect or 0) + 1, turn, text):
            return int(found[0])  # the first try was committed before its connection was lost
        raise conflict(self._shown, key, expect or 0, found[0] if found else None)

    def delete(self, key: str) -> bool:
        check_key(key)

        def work(connection: Any) -> int:
            return connection.execute(
                f"DELETE FROM {TABLE} WHERE namespace = %s AND key = %s", (self.namespace, key)
            ).rowcount

        return self._run(f"delete conversation {key!r} from", work) > 0

    def keys(self) -> list[str]:
        def work(connection: Any) -> list[Any]:
            return connection.execute(
                f"SELECT key FROM {TABLE} WHERE namespace = %s ORDER BY key COLLATE \"C\"", (self.namespace,)
            ).fetchall()

        return [row[0] for row in self._run("list the conversations in", work)]


def _columns(connection: Any) -> tuple[tuple[str, str], ...]:
    """The (name, type) of each column of ``tod_states`` in the current schema, in order; none without it.
    Read from the catalog, which every user may read (``information_schema`` hides the columns of a
    table the user has no rights on)."""
    rows = connection.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        (TABLE,),
    ).fetchall()
    return tuple((str(name), str(kind)) for name, kind in rows)
