"""tod's actions in rasa-sdk's own ActionExecutor, in process (no HTTP): Rasa's documented payloads."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest

from tod.errors import ConfigError
from tod.integrations.rasa.service import (
    ACTION_RESET,
    ACTION_RESPOND,
    NAMESPACE,
    SLOT_BELIEF,
    SLOT_TURN,
    TOD_SLOTS,
    RasaConversations,
)
from tod.integrations.rasa.webhook_client import action_call, domain_payload, tracker_payload
from tod.store import SQLiteStateStore

if TYPE_CHECKING:
    from rasa_sdk.executor import ActionExecutor

    from tod.integrations.rasa.actions import TodActions

pytestmark = pytest.mark.usefixtures("rasa_sdk_installed")
DOMAIN = domain_payload(TOD_SLOTS, [ACTION_RESPOND, ACTION_RESET])


@pytest.fixture()
def executor(tiny_pipeline: Any, tmp_path: Path) -> Iterator[tuple[ActionExecutor, TodActions]]:
    from tod.integrations.rasa.actions import build_executor

    made = build_executor(RasaConversations(tiny_pipeline, SQLiteStateStore(tmp_path / "s.sqlite3", NAMESPACE)))
    yield made
    made[1].close()


def run(executor: ActionExecutor, action: str, sender: str, slots: dict[str, Any], **message: Any) -> dict[str, Any]:
    payload = action_call(action, tracker_payload(sender, slots, **message), DOMAIN)
    result = asyncio.run(executor.run(payload))
    assert result is not None
    return result.model_dump()


def slots_of(result: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in result["events"] if e["event"] == "slot"}


def test_respond_answers_and_sets_slots_and_continues(executor: tuple[ActionExecutor, TodActions]) -> None:
    ex, _ = executor
    empty = {name: None for name in TOD_SLOTS}
    first = run(
        ex,
        ACTION_RESPOND,
        "a",
        empty,
        text="thai food",
        intent="inform",
        entities=[{"entity": "restaurant-food", "value": "thai"}],
    )
    assert len(first["responses"]) == 1 and first["responses"][0]["text"]
    assert set(slots_of(first)) == set(TOD_SLOTS)
    assert slots_of(first)[SLOT_BELIEF]["restaurant"]["constraints"] == {"food": "thai"}
    second = run(
        ex,
        ACTION_RESPOND,
        "a",
        {**empty, **slots_of(first)},
        text="north",
        intent="inform",
        entities=[{"entity": "area", "value": "north"}],
    )
    assert slots_of(second)[SLOT_TURN] == 2
    assert slots_of(second)[SLOT_BELIEF]["restaurant"]["constraints"] == {"food": "thai", "area": "north"}
    other = run(ex, ACTION_RESPOND, "b", empty, text="hi", intent="greet")
    assert slots_of(other)[SLOT_TURN] == 1 and "restaurant" not in slots_of(other)[SLOT_BELIEF]


def test_reset_clears_slots_and_greets(executor: tuple[ActionExecutor, TodActions]) -> None:
    ex, _ = executor
    result = run(ex, ACTION_RESET, "a", {SLOT_TURN: 3})
    assert slots_of(result) == {name: None for name in TOD_SLOTS}
    assert result["responses"][0]["text"]


@pytest.mark.parametrize(
    "slots, message, words",
    [
        ({SLOT_TURN: "x"}, {}, "tracker.slots.tod_turn: expected a whole number"),
        ({}, {"text": "x", "intent": "inform", "entities": [{"entity": "food"}]}, "entities\\[0\\].value"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(
    executor: tuple[ActionExecutor, TodActions], slots: dict[str, Any], message: dict[str, Any], words: str
) -> None:
    from rasa_sdk.interfaces import ActionExecutionRejection

    ex, _ = executor
    with pytest.raises(ActionExecutionRejection, match=words) as caught:
        run(ex, ACTION_RESPOND, "c", slots, **message)
    assert caught.value.action_name == ACTION_RESPOND and caught.value.message.startswith("tod: ")


def test_unknown_action_and_registration(executor: tuple[ActionExecutor, TodActions]) -> None:
    from rasa_sdk.interfaces import ActionNotFoundException

    from tod.integrations.rasa.actions import build_executor

    ex, _ = executor
    with pytest.raises(ActionNotFoundException):
        run(ex, "action_nope", "a", {})
    assert {a.name for a in ex.list_actions()} == {ACTION_RESPOND, ACTION_RESET}
    with pytest.raises(ConfigError, match="cannot import the actions package 'no_such_actions_pkg'"):
        build_executor(executor[1].conversations, ["no_such_actions_pkg"])


@pytest.mark.parametrize("in_loop", [True, False])
def test_turns_run_on_the_loop_or_in_the_worker_thread(tmp_path: Path, in_loop: bool) -> None:
    """``in_loop`` (acts-only servers) runs each turn on the event loop's own thread; otherwise in the worker."""
    import threading

    from tod.integrations.rasa.actions import build_executor
    from tod.pipeline.config import load_pipeline_config
    from tod.pipeline.pipeline import Pipeline

    pipeline = Pipeline.from_config(load_pipeline_config("cityguide"), progress=False, acts_only=True)
    conversations = RasaConversations(pipeline, SQLiteStateStore(tmp_path / "s.sqlite3", NAMESPACE))
    threads: list[threading.Thread] = []
    respond = conversations.respond

    def spy(tracker: Any) -> Any:
        threads.append(threading.current_thread())
        return respond(tracker)

    conversations.respond = spy  # type: ignore[method-assign]
    ex, actions = build_executor(conversations, in_loop=in_loop)
    try:
        result = run(
            ex, ACTION_RESPOND, "a", {}, text="thai", intent="inform", entities=[{"entity": "food", "value": "thai"}]
        )
    finally:
        actions.close()
    assert slots_of(result)[SLOT_BELIEF]["restaurant"]["constraints"] == {"food": "thai"}
    assert len(threads) == 1 and (threads[0] is threading.main_thread()) == in_loop
