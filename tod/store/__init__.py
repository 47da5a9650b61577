"""Conversation states kept outside the process: one record per conversation, written every turn.

A running system that serves many conversations (the Rasa action server, a resumable chat) keeps
each conversation's :class:`~tod.state.DialogueState` in a :class:`StateStore`, keyed by a
conversation id (Rasa's ``sender_id``) within a namespace (``rasa``), so that a restart of the process
loses nothing. Two back ends with the same interface and guarantees (:mod:`tod.store.base`):

* :class:`SQLiteStateStore` (:mod:`tod.store.sqlite`): one file, one machine;
* :class:`~tod.store.postgres.PostgresStateStore` (:mod:`tod.store.postgres`): a PostgreSQL database
  shared by servers on several machines (psycopg 3, the ``postgres`` extra, imported only when used).

:func:`open_store` picks one from where the store is: a ``postgresql://`` URL or a file path.
"""

from __future__ import annotations

import re
from pathlib import Path

from tod.cache import default_cache_dir
from tod.errors import StoreError
from tod.store.base import MAX_KEY, STATE_SCHEMA, StateStore, StoredState
from tod.store.sqlite import SQLiteStateStore

#: What a store location looks like, for messages and ``--help``.
LOCATION_HELP = "an SQLite file's path, or a PostgreSQL URL postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def default_store_path(name: str) -> Path:
    """Where the states of the system ``name`` (a pipeline's name) are kept by default:
    ``$TOD_CACHE/states/<name>.sqlite3`` (``~/.cache/tod`` without ``$TOD_CACHE``)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "tod"
    return default_cache_dir() / "states" / f"{safe}.sqlite3"


def open_store(location: str | Path, namespace: str = "default") -> StateStore:
    """The store at ``location``: a ``postgresql://`` (or ``postgres://``) URL opens a PostgreSQL store,
    a path (``str`` or :class:`~pathlib.Path`) an SQLite file, created with its folder when missing.
    Any other ``scheme://`` is refused with :class:`StoreError`, as is an empty location."""
    if isinstance(location, Path):
        return SQLiteStateStore(location, namespace)
    if not isinstance(location, str) or not location.strip():
        raise StoreError(f"expected a state store location ({LOCATION_HELP}), found {location!r:.80}")
    scheme = _SCHEME.match(location)
    if scheme is None:
        return SQLiteStateStore(location, namespace)
    if scheme.group(1).lower() in ("postgresql", "postgres"):
        from tod.store.postgres import PostgresStateStore

        return PostgresStateStore(location, namespace)
    raise StoreError(
        f"unsupported state store URL scheme {scheme.group(1)!r}; expected {LOCATION_HELP} "
        "(an SQLite file is given by its path, without sqlite://)"
    )


__all__ = [
    "LOCATION_HELP",
    "MAX_KEY",
    "STATE_SCHEMA",
    "SQLiteStateStore",
    "StateStore",
    "StoredState",
    "default_store_path",
    "open_store",
]
