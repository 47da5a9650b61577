"""A named ``tod chat`` conversation kept on disk (``tod chat --session NAME``).

The conversation's :class:`~tod.state.DialogueState` lives in a :class:`~tod.store.StateStore`
(namespace ``chat``, key ``NAME``). It is written in one transaction after every completed turn,
before the reply is shown, so a process killed at any moment (even by SIGKILL) resumes at the last
turn whose reply could have been seen. The state is everything the pipeline knows about a
conversation (belief, history, last acts, database results, route): its components keep nothing
per conversation, so the restored state continues the conversation exactly.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from tod.errors import ConfigError, StoreError
from tod.state import DialogueState
from tod.store import StateStore, open_store

#: The store namespace of chat sessions (the Rasa action server uses ``rasa``).
NAMESPACE = "chat"
#: The longest session name accepted.
MAX_NAME = 100
#: Test hook: with this variable set to a turn number N, the chat stops for an hour just before
#: committing turn N (after printing a line saying so to stderr), so that a test can kill the process
#: in the middle of a turn deterministically. Nothing sets it outside tests.
PAUSE_ENV = "TOD_CHAT_PAUSE_BEFORE_SAVE"


def check_session_name(name: object) -> str:
    """``name`` if it can name a session: 1 to :data:`MAX_NAME` printable characters, no surrounding spaces."""
    expected = f"1 to {MAX_NAME} printable characters without surrounding spaces"
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"--session expects a name of {expected}, found {name!r}")
    if len(name) > MAX_NAME:
        raise ConfigError(f"--session expects a name of {expected}, found one of {len(name)} characters")
    if not name.isprintable() or name != name.strip():
        raise ConfigError(f"--session expects a name of {expected}, found {name!r}")
    return name


def pause_from_env(environ: Mapping[str, str] = os.environ) -> int | None:
    """The turn before whose commit to pause (:data:`PAUSE_ENV`), or ``None``."""
    value = environ.get(PAUSE_ENV, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{PAUSE_ENV} expects a turn number >= 1, found {value!r}")
    return int(value)


@dataclass(frozen=True)
class ChatSession:
    """One conversation of ``tod chat`` in ``store`` under ``name``; ``pause_before``: see :data:`PAUSE_ENV`."""

    name: str
    store: StateStore
    pause_before: int | None = None

    @classmethod
    def open(cls, name: str, path: str | Path, pause_before: int | None = None) -> ChatSession:
        """Open (or create) the store at ``path`` (an SQLite file, or a ``postgresql://`` URL) for session
        ``name``; a store that is not a sound state store is refused, and left as it is."""
        check_session_name(name)
        try:
            store = open_store(path, NAMESPACE)
        except StoreError as error:
            raise StoreError(f"{error} (nothing was changed; use another --store)") from None
        try:
            store.check()
        except StoreError as error:
            store.close()
            raise StoreError(f"{error} (nothing was changed; use another --store)") from None
        return cls(name, store, pause_before)

    def resume(self) -> DialogueState | None:
        """The stored state of this session, or ``None`` for a new session."""
        try:
            record = self.store.load(self.name)
        except StoreError as error:
            raise StoreError(f"{error} (nothing was changed; use another --session or --store)") from None
        if record is None:
            return None
        if record.turn != record.state.turn_count:
            raise StoreError(
                f"{self.store.location}: session {self.name!r} is recorded at turn {record.turn} but its history has "
                f"{record.state.turn_count} user turns (nothing was changed; use another --session or --store)"
            )
        return record.state

    def save(self, state: DialogueState) -> None:
        """Commit ``state`` as this session's latest completed turn (one transaction)."""
        turn = state.turn_count
        if self.pause_before == turn:
            print(f"tod: pausing before saving turn {turn} ({PAUSE_ENV})", file=sys.stderr, flush=True)
            time.sleep(3600)
        self.store.save(self.name, state, turn)

    def reset(self) -> None:
        """Forget this session's stored conversation."""
        self.store.delete(self.name)

    def close(self) -> None:
        self.store.close()
