"""The PostgreSQL state store's own cases: URLs, credentials, unreachable servers, foreign tables, rights,
servers starting together, lost connections. Every failure is a ``StoreError`` that says what was
expected, never shows the password, and changes nothing in the database."""

from __future__ import annotations

import socket
import threading
import time
from typing import Iterator

import pytest

from tod.errors import StoreError
from tod.state import DialogueState
from tod.store import open_store
from tod.store.postgres import TABLE, PostgresStateStore, _say, redact
from tod.testing.postgres import PostgresCluster


def test_bad_urls_are_refused_with_what_was_expected(postgres_cluster: PostgresCluster) -> None:
    port = postgres_cluster.port
    cases = [
        ("redis://127.0.0.1:6379/0", "unsupported state store URL scheme 'redis'; expected an SQLite file's path"),
        ("sqlite:///tmp/x.sqlite3", "scheme 'sqlite'.*given by its path, without sqlite://"),
        ("", "expected a state store location"),
        ("   ", "expected a state store location"),
        (f"postgresql://tod:pw@127.0.0.1:{port}/tod?bogus=1", "not a valid PostgreSQL URL: .*bogus"),
        ("postgresql://tod:pw@127.0.0.1:notaport/tod", "invalid integer value \"notaport\""),
        (f"postgresql://tod:pw@[::1:{port}/tod", "PostgreSQL URL|cannot connect"),
    ]
    for url, message in cases:
        with pytest.raises(StoreError, match=message) as caught:
            open_store(url, "rasa")
        assert ":pw@" not in str(caught.value)


def test_wrong_credentials_and_missing_database(postgres_cluster: PostgresCluster) -> None:
    secret = "not-the-password-1234"
    with pytest.raises(StoreError, match='cannot connect .*password authentication failed for user "tod"') as caught:
        open_store(postgres_cluster.url_for(password=secret), "rasa")
    assert secret not in str(caught.value)
    assert f"postgresql://tod@127.0.0.1:{postgres_cluster.port}/tod" in str(caught.value)
    with pytest.raises(StoreError, match='password authentication failed for user "mallory"'):
        open_store(postgres_cluster.url_for(user="mallory"), "rasa")
    with pytest.raises(StoreError, match='database "no_such_db" does not exist'):
        open_store(postgres_cluster.url_for("no_such_db"), "rasa")


def test_unreachable_servers_fail_within_the_connect_timeout() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: connection refused
    began = time.monotonic()
    with pytest.raises(StoreError, match="cannot connect to the state store .*(refused|failed)"):
        open_store(f"postgresql://tod:pw@127.0.0.1:{port}/tod", "rasa")
    assert time.monotonic() - began < 5

    silent = socket.socket()  # accepts connections and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        began = time.monotonic()
        with pytest.raises(StoreError, match="cannot connect to the state store .*timeout"):
            open_store(f"postgresql://tod:pw@127.0.0.1:{silent.getsockname()[1]}/tod?connect_timeout=2", "rasa")
        assert time.monotonic() - began < 10
    finally:
        silent.close()


def test_a_foreign_table_is_refused_and_left_alone(postgres_cluster: PostgresCluster, postgres_url: str) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    postgres_cluster.execute(f"CREATE TABLE {TABLE} (id integer, body text)", database=database)
    postgres_cluster.execute(f"INSERT INTO {TABLE} VALUES (1, 'theirs')", database=database)
    refusal = f"the table {TABLE} is not a tod state store \\(columns id integer, body text"
    with pytest.raises(StoreError, match=refusal):
        open_store(postgres_url, "rasa")
    assert postgres_cluster.execute(f"SELECT id, body FROM {TABLE}", database=database) == [(1, "theirs")]
    # same names, other types: refused too
    postgres_cluster.execute(f"DROP TABLE {TABLE}", database=database)
    postgres_cluster.execute(
        f"CREATE TABLE {TABLE} (namespace text, key text, schema text, turn bigint, version bigint, state text, "
        "updated double precision)",
        database=database,
    )
    with pytest.raises(StoreError, match="schema text"):
        open_store(postgres_url, "rasa")


def test_other_tables_in_the_database_are_untouched(postgres_cluster: PostgresCluster, postgres_url: str) -> None:
    """The database may be shared, e.g. with Rasa's SQL tracker store (its table ``events``)."""
    database = postgres_url.rsplit("/", 1)[1]
    postgres_cluster.execute("CREATE TABLE events (id serial, sender_id text, data text)", database=database)
    postgres_cluster.execute("INSERT INTO events (sender_id, data) VALUES ('u', '{}')", database=database)
    with open_store(postgres_url, "rasa") as store:
        store.save("u", DialogueState(), 1)
    assert postgres_cluster.execute("SELECT sender_id, data FROM events", database=database) == [("u", "{}")]
    tables = postgres_cluster.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1", database=database
    )
    assert tables == [("events",), (TABLE,)]


def test_a_user_without_rights_gets_told_what_to_do(postgres_cluster: PostgresCluster, postgres_url: str) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    postgres_cluster.execute(f"CREATE ROLE reader_{database} LOGIN PASSWORD 'readerpw'")
    url = postgres_cluster.url_for(database, user=f"reader_{database}", password="readerpw")
    refusal = f"cannot create the table {TABLE}: permission denied .*grant this user CREATE"
    with pytest.raises(StoreError, match=refusal):
        open_store(url, "rasa")
    with open_store(postgres_url, "rasa") as owner:  # the owner creates it; the reader may not write
        owner.save("u", DialogueState(), 1)
    with open_store(url, "rasa") as reader:
        refusal = f"cannot read conversation 'u' from .*permission denied for table {TABLE}"
        with pytest.raises(StoreError, match=refusal):
            reader.load("u")


def test_servers_starting_together_create_the_table_once(postgres_url: str) -> None:
    errors: list[BaseException] = []
    stores: list[PostgresStateStore] = []
    barrier = threading.Barrier(6)

    def start() -> None:
        barrier.wait()
        try:
            stores.append(open_store(postgres_url, "rasa"))  # type: ignore[arg-type]
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(stores) == 6
    for store in stores:
        store.close()


@pytest.fixture()
def store(postgres_url: str) -> Iterator[PostgresStateStore]:
    opened = open_store(postgres_url, "rasa")
    assert isinstance(opened, PostgresStateStore)
    yield opened
    opened.close()


def _terminate_store_connections(cluster: PostgresCluster, database: str) -> int:
    rows = cluster.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND application_name = 'tod'",
        (database,),
        database="postgres",
    )
    return len(rows)


def test_a_dropped_connection_is_replaced(postgres_cluster: PostgresCluster, store: PostgresStateStore) -> None:
    database = store.location.rsplit("/", 1)[1]
    assert store.save("u", DialogueState(), 1, expect=0) == 1
    assert _terminate_store_connections(postgres_cluster, database) == 1
    time.sleep(0.2)
    assert store.save("u", DialogueState(), 2, expect=1) == 2  # on a new connection
    assert _terminate_store_connections(postgres_cluster, database) == 1
    time.sleep(0.2)
    record = store.load("u")
    assert record is not None and (record.turn, record.version) == (2, 2)


def test_a_write_committed_before_its_connection_was_lost_counts_once(store: PostgresStateStore) -> None:
    """The first try commits and then the connection dies before the answer is read: the second try
    finds its own write and says so, instead of a conflict or a second version."""
    store.save("u", DialogueState(), 1, expect=0)
    real = store._connections.get()
    calls = 0

    class DiesAfterCommit:
        """The connection, except that the first write commits and then reports a lost connection."""

        closed = False
        broken = True

        def execute(self, sql: str, params: object = None) -> object:
            nonlocal calls
            calls += 1
            real.execute(sql, params)
            import psycopg

            raise psycopg.OperationalError("server closed the connection unexpectedly")

        def close(self) -> None:
            pass

    store._connections._local.connection = DiesAfterCommit()  # this thread's connection, for one call
    assert store.save("u", DialogueState(), 2, expect=1) == 2
    assert calls == 1
    record = store.load("u")
    assert record is not None and (record.turn, record.version) == (2, 2)
    real.close()


def test_check_and_locations_never_show_the_password(
    postgres_cluster: PostgresCluster, store: PostgresStateStore
) -> None:
    store.check()
    assert postgres_cluster.password not in store.location and postgres_cluster.password not in repr(store)
    assert redact("postgresql://u:secret@h:5/d?sslmode=require") == "postgresql://u@h:5/d"
    assert "secret" not in redact("postgresql://u:secret@[bad/d")
    echoed = Exception("invalid URI: postgresql://u:secret@h/d, or host=h password='secret x' dbname=d")
    assert "secret" not in _say(echoed) and "secret" not in _say(echoed, "secret")
    database = store.location.rsplit("/", 1)[1]
    postgres_cluster.execute(f"ALTER TABLE {TABLE} RENAME TO gone", database=database)
    with pytest.raises(StoreError, match=f"the table {TABLE} is missing or has changed"):
        store.check()
