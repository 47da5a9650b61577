"""How the Rasa service and the commands use the state store: writes that expect the version they read,
Rasa restarted with an in-memory tracker store, bad ``--store`` values refused before the pipeline is
built, and ``tod chat --session`` on a PostgreSQL store."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tod.errors import StoreConflictError
from tod.integrations.rasa.payloads import TrackerView, parse_tracker
from tod.integrations.rasa.service import FROM_NEW, FROM_STORE, NAMESPACE, TOD_SLOTS, RasaConversations
from tod.integrations.rasa.webhook_client import tracker_payload
from tod.pipeline.config import load_pipeline_config
from tod.pipeline.pipeline import Pipeline
from tod.state import DialogueState
from tod.store import SQLiteStateStore, StateStore, StoredState

EMPTY = {name: None for name in TOD_SLOTS}
THAI = [{"entity": "restaurant-food", "value": "thai"}]
NORTH = [{"entity": "area", "value": "north"}]


def tracker(
    sender: str, slots: dict[str, Any], text: str, intent: str | None = None, entities: Any = ()
) -> TrackerView:
    return parse_tracker(tracker_payload(sender, slots, text=text, intent=intent, entities=entities))


@pytest.fixture(scope="module")
def acts_only() -> Pipeline:
    return Pipeline.from_config(load_pipeline_config("cityguide"), progress=False, acts_only=True)


class RacingStore(SQLiteStateStore):
    """A store on which another server writes the conversation between a turn's read and its write."""

    def load(self, key: str) -> StoredState | None:
        record = super().load(key)
        if getattr(self, "race", False):
            other = SQLiteStateStore(self.path, self.namespace)
            other.save(key, DialogueState(), 99)  # the other server's result of the same turn
            other.close()
        return record


def test_a_turn_written_meanwhile_by_another_server_is_refused_and_writes_nothing(
    acts_only: Pipeline, tmp_path: Path
) -> None:
    store = RacingStore(tmp_path / "s.sqlite3", NAMESPACE)
    conversations = RasaConversations(acts_only, store)
    first = conversations.respond(tracker("r", EMPTY, "thai", "inform", THAI))
    store.race = True  # type: ignore[attr-defined]
    with pytest.raises(StoreConflictError, match="'r' changed while its turn was computed .*expected version 1"):
        conversations.respond(tracker("r", first.slots(), "north", "inform", NORTH))
    store.race = False  # type: ignore[attr-defined]
    record = store.load("r")
    assert record is not None and record.turn == 99 and record.version == 2  # the other server's, untouched
    # a first turn expects no record: a sender created meanwhile by another server is not overwritten
    store.race = True  # type: ignore[attr-defined]
    with pytest.raises(StoreConflictError, match="'fresh' changed .*expected no record, found version 1"):
        conversations.respond(tracker("fresh", EMPTY, "thai", "inform", THAI))
    store.close()


def test_rasa_restarted_with_an_in_memory_tracker_store_starts_over(acts_only: Pipeline, tmp_path: Path) -> None:
    """docs/rasa.md, "Restarts": Rasa's trackers are gone, tod's slots arrive empty, tod starts a new dialogue
    and its write replaces the stored conversation."""
    store: StateStore = SQLiteStateStore(tmp_path / "s.sqlite3", NAMESPACE)
    conversations = RasaConversations(acts_only, store)
    first = conversations.respond(tracker("u", EMPTY, "thai", "inform", THAI))
    second = conversations.respond(tracker("u", first.slots(), "north", "inform", NORTH))
    assert (second.turn, second.resumed_from) == (2, FROM_STORE)
    north = [{"entity": "restaurant-area", "value": "north"}]
    after_restart = conversations.respond(tracker("u", EMPTY, "in the north", "inform", north))
    assert (after_restart.turn, after_restart.resumed_from) == (1, FROM_NEW)
    assert after_restart.state.belief["restaurant"].constraints == {"area": "north"}  # the thai is forgotten
    record = store.load("u")
    assert record is not None and record.turn == 1 and [t.text for t in record.state.history][::2] == ["in the north"]
    store.close()


@pytest.mark.parametrize(
    ("store", "message"),
    [
        ("redis://cache:6379/0", "unsupported state store URL scheme 'redis'"),
        ("postgresql://tod:hunter2@127.0.0.1:1/tod", "cannot connect to the state store postgresql://tod@127.0.0.1:1"),
        ("   ", "expected a state store location"),
    ],
)
def test_serve_actions_refuses_a_bad_store_before_building_anything(
    rasa_sdk_installed: None, tmp_path: Path, store: str, message: str
) -> None:
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tod.cli.main", "serve-actions", "--store", store, "--cache-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr and "hunter2" not in done.stderr
    assert not any(tmp_path.iterdir())  # no model trained, nothing written
    assert time.monotonic() - began < 60


def test_chat_sessions_resume_from_a_postgres_store(
    postgres_url: str, tiny_pipeline: Any, tiny_pipeline_overrides: dict[str, str], tiny_cache: Path, tmp_path: Path
) -> None:
    sets = [part for key, value in tiny_pipeline_overrides.items() for part in ("--set", f"{key}={value}")]
    command = [
        sys.executable, "-m", "tod.cli.main", "chat", "--no-progress", "--cache-dir", str(tiny_cache), *sets,
        "--session", "pg", "--store", postgres_url,
    ]
    for line in ("i want a cheap restaurant in the north", "what is the phone number"):
        done = subprocess.run(command, input=line + "\n", capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    from tod.store import open_store

    with open_store(postgres_url, "chat") as store:
        record = store.load("pg")
    assert record is not None and record.turn == 2
    assert [t.text for t in record.state.history][::2] == [
        "i want a cheap restaurant in the north",
        "what is the phone number",
    ]

