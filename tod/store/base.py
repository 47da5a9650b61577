"""The state store's interface and the one record it keeps per conversation, shared by its back ends.

A store keeps each conversation's :class:`~tod.state.DialogueState`, keyed by a conversation id (Rasa's
``sender_id``) within a namespace (``rasa``, ``chat``). A record holds the state as JSON
(``DialogueState.to_dict()``), ``schema`` (the version of that JSON layout, :data:`STATE_SCHEMA`), the
caller's turn counter, ``version`` (1 for a new record, one more at every write) and when it was
written. Both back ends (:mod:`tod.store.sqlite`, :mod:`tod.store.postgres`) give the same guarantees:

* a save is one transaction, committed when :meth:`StateStore.save` returns;
* a record of another ``schema`` or whose state does not read back is refused with :class:`StoreError`,
  never misread or overwritten by a read; a table or file of something else is refused and left alone;
* ``save(..., expect=version)`` writes only if the record is still the one read (``expect=0``: only if
  there is none), so two servers computing the same conversation's turn cannot silently overwrite one
  another: the later write fails with :class:`StoreConflictError` and changes nothing.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

from tod.errors import SchemaError, StoreConflictError, StoreError
from tod.state import DialogueState

C = TypeVar("C")

#: Version of the JSON layout of the stored states (``DialogueState.to_dict()``). A record with a
#: newer version was written by a newer tod and is refused rather than misread.
STATE_SCHEMA = 1
#: The longest conversation id or namespace a store accepts (PostgreSQL indexes keys of up to about
#: 2,700 bytes; Rasa's ``sender_id`` is checked against 512 characters before it gets here).
MAX_KEY = 1000


@dataclass(frozen=True)
class StoredState:
    """One conversation's record: its state, the caller's turn counter, when it was written (Unix time)
    and its version (1 when first written, one more at every write: what ``save(expect=...)`` compares)."""

    state: DialogueState
    turn: int
    updated: float
    version: int


class StateStore(ABC):
    """The states of many conversations of one ``namespace`` (see the module docstring).

    Open one with :func:`tod.store.open_store` (an SQLite path or a ``postgresql://`` URL). A store can
    be shared by the threads of a process (each thread gets its own connection) and by processes.
    """

    namespace: str

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the records are, as messages show it: a file's path, or a URL without its password."""

    @abstractmethod
    def load(self, key: str) -> StoredState | None:
        """The record of conversation ``key``, or ``None`` when there is none."""

    @abstractmethod
    def save(self, key: str, state: DialogueState, turn: int, *, expect: int | None = None) -> int:
        """Write conversation ``key``'s ``state`` and turn counter in one transaction; the record's new version.

        ``expect=None`` replaces whatever is there. ``expect=V`` writes only if the record's version is
        still ``V`` (``0``: only if there is no record) and otherwise raises :class:`StoreConflictError`,
        writing nothing.
        """

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Forget conversation ``key``; whether it had a record."""

    @abstractmethod
    def keys(self) -> list[str]:
        """The conversation ids with a record in this namespace, sorted."""

    @abstractmethod
    def check(self) -> None:
        """Fail with :class:`StoreError` where the store is damaged or unreachable; changes nothing."""

    @abstractmethod
    def close(self) -> None:
        """Close every connection (the store cannot be used afterwards)."""

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r}, namespace={self.namespace!r})"


class PerThread(Generic[C]):
    """One database connection per thread, opened on the thread's first use.

    A connection of a thread that has ended is closed when another thread opens one, so that stores
    used from short-lived threads do not pile up connections (a PostgreSQL server allows only so
    many). Only :meth:`close_all` and that pruning touch a connection from another thread, and never
    one whose thread is still running.
    """

    def __init__(self, connect: Callable[[], C], disconnect: Callable[[C], None]) -> None:
        self._connect, self._disconnect = connect, disconnect
        self._local = threading.local()
        self._owned: dict[int, tuple[threading.Thread, C]] = {}
        self._lock = threading.Lock()

    def get(self) -> C:
        """This thread's connection, opened now if it has none."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            return connection
        connection = self._connect()
        ended: list[C] = []
        with self._lock:
            for ident, (thread, other) in list(self._owned.items()):
                if not thread.is_alive():
                    ended.append(other)
                    del self._owned[ident]
            self._owned[id(connection)] = (threading.current_thread(), connection)
        for other in ended:
            self._disconnect(other)
        self._local.connection = connection
        return connection

    def drop(self) -> None:
        """Close and forget this thread's connection (e.g. after the server dropped it)."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with self._lock:
                self._owned.pop(id(connection), None)
            self._disconnect(connection)

    def close_all(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            owned = [connection for _, connection in self._owned.values()]
            self._owned.clear()
            self._local = threading.local()
        for connection in owned:
            self._disconnect(connection)

    def count(self) -> int:
        """How many connections are open."""
        with self._lock:
            return len(self._owned)


# ---------------------------------------------------------------------------------- shared checks
def check_key(key: object, what: str = "a conversation id") -> str:
    """``key`` if it can name a conversation (or namespace) in every back end: a non-empty string of at
    most :data:`MAX_KEY` characters, without NUL characters (PostgreSQL text cannot hold them) or lone
    surrogates (they have no UTF-8 form)."""
    if not isinstance(key, str) or not key:
        raise StoreError(f"{what} must be a non-empty string, found {key!r:.80}")
    if len(key) > MAX_KEY:
        raise StoreError(f"{what} must have at most {MAX_KEY} characters, found {len(key)}")
    if "\x00" in key:
        raise StoreError(f"{what} must not contain NUL characters, found {key!r:.80}")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise StoreError(f"{what} must be valid Unicode (no lone surrogates), found {key!r:.80}") from None
    return key


def check_turn(turn: object) -> int:
    """``turn`` if it is a turn counter both back ends can hold: a whole number from 0 to 2**63 - 1."""
    if isinstance(turn, bool) or not isinstance(turn, int) or not 0 <= turn < 2**63:
        raise StoreError(f"the turn counter must be a whole number >= 0 (below 2**63), found {turn!r:.80}")
    return turn


def check_expect(expect: object) -> int | None:
    """``expect`` if it is ``None`` or a version (0: no record)."""
    if expect is None:
        return None
    if isinstance(expect, bool) or not isinstance(expect, int) or not 0 <= expect < 2**63:
        raise StoreError(f"expect must be None or a record version >= 0, found {expect!r:.80}")
    return expect


def encode_state(state: DialogueState) -> str:
    """The JSON text a record holds for ``state``: UTF-8 as written, except that text with characters
    UTF-8 cannot encode (lone surrogates from a hostile message) is written ASCII-escaped."""
    if not isinstance(state, DialogueState):
        raise TypeError(f"state must be a DialogueState, found {type(state).__name__}")
    data = state.to_dict()
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text


def decode_record(
    location: str, key: str, schema: Any, turn: Any, text: Any, updated: Any, version: Any
) -> StoredState:
    """The record read from a row, or :class:`StoreError` naming ``location`` and ``key`` when the row
    holds a state of another schema or something that does not read back as a state."""
    if schema != STATE_SCHEMA:
        newer = " (a newer tod wrote it)" if isinstance(schema, int) and schema > STATE_SCHEMA else ""
        raise StoreError(
            f"{location}: conversation {key!r} was stored with state schema {schema}; this tod reads "
            f"schema {STATE_SCHEMA}{newer}"
        )
    try:
        if not isinstance(text, str):
            raise ValueError(f"expected JSON text, found {type(text).__name__}")
        state = DialogueState.from_dict(json.loads(text))
    except (ValueError, TypeError, AttributeError, SchemaError) as error:
        raise StoreError(f"{location}: conversation {key!r} holds an unreadable state: {error}") from None
    if isinstance(turn, bool) or not isinstance(turn, int) or isinstance(version, bool) or not isinstance(version, int):
        raise StoreError(
            f"{location}: conversation {key!r} holds a turn {turn!r:.40} and version {version!r:.40}; "
            "expected whole numbers"
        )
    return StoredState(state, turn, float(updated), version)


def conflict(location: str, key: str, expect: int, found: int | None) -> StoreConflictError:
    """The error of a ``save(expect=...)`` that found another record (``found``: its version, or
    ``None`` when there is none)."""
    wanted = "no record" if expect == 0 else f"version {expect}"
    now = "no record (it was deleted)" if found is None else f"version {found}"
    return StoreConflictError(
        f"{location}: conversation {key!r} changed while its turn was computed (expected {wanted}, found "
        f"{now}: another server or thread wrote it); nothing was written"
    )
