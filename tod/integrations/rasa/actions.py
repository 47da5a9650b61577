"""tod's custom actions for Rasa, registered in a rasa-sdk ``ActionExecutor``.

* ``action_tod_respond`` runs the pipeline on the tracker's latest message (Rasa's intent and
  entities when they map to tod acts, tod's NLU otherwise), answers with the reply as a response
  and sets tod's slots (``tod_turn``, ``tod_belief``, ``tod_acts``) with ``SlotSet`` events.
* ``action_tod_reset`` forgets the conversation, clears tod's slots and says the opening line.

The pipeline work (NLU, store) runs in one worker thread, so the server's event loop keeps
answering (``/health``, bad requests) while a turn is computed, and turns never run concurrently:
one conversation's turns cannot overtake each other, and the NLU's tokenizer is never shared
between threads. With ``in_loop`` (an acts-only pipeline: no model, a turn takes about a
millisecond) the turns run on the event loop itself, one at a time as well: handing a turn that
short to a thread and back (two thread wake-ups, the GIL changing hands twice) costs about as much
as the turn (measured: 5-15 % more CPU per call, twice the p95 at 400 calls/s, and at 600 calls/s the
thread fell behind where the loop kept up), while the loop is blocked no longer than the turn takes.
A malformed tracker is refused with ``ActionExecutionRejection`` (HTTP 400, ``{"error": ...,
"action_name": ...}``) naming the bad field.
"""

from __future__ import annotations

import asyncio
import importlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection

from tod.errors import ConfigError, RasaPayloadError
from tod.integrations.rasa.payloads import TrackerView, parse_tracker
from tod.integrations.rasa.service import ACTION_RESET, ACTION_RESPOND, TOD_ACTIONS, TOD_SLOTS, RasaConversations

T = TypeVar("T")


def tracker_view(tracker: Tracker, action: str) -> TrackerView:
    """The checked view of a rasa-sdk tracker; a malformed one is refused (HTTP 400)."""
    try:
        return parse_tracker(
            {
                "sender_id": tracker.sender_id,
                "slots": tracker.slots,
                "latest_message": tracker.latest_message,
                "latest_action_name": tracker.latest_action_name,
                "events": tracker.events,
            }
        )
    except RasaPayloadError as error:
        raise ActionExecutionRejection(action, f"tod: {error}") from None


class TodActions:
    """tod's actions over one :class:`~tod.integrations.rasa.service.RasaConversations`."""

    def __init__(self, conversations: RasaConversations, *, in_loop: bool = False) -> None:
        self.conversations = conversations
        self.in_loop = in_loop
        self._worker = None if in_loop else ThreadPoolExecutor(max_workers=1, thread_name_prefix="tod-pipeline")

    def register(self, executor: ActionExecutor) -> None:
        executor.register_function(ACTION_RESPOND, self.respond)
        executor.register_function(ACTION_RESET, self.reset)

    async def _run_turn(self, action: str, function: Callable[..., T], *args: Any) -> T:
        try:
            if self._worker is None:
                return function(*args)  # on the loop: no await between start and end, so turns never interleave
            return await asyncio.get_running_loop().run_in_executor(self._worker, function, *args)
        except RasaPayloadError as error:
            raise ActionExecutionRejection(action, f"tod: {error}") from None

    async def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> list[dict[str, Any]]:
        """``action_tod_respond``: one pipeline turn."""
        view = tracker_view(tracker, ACTION_RESPOND)
        reply = await self._run_turn(ACTION_RESPOND, self.conversations.respond, view)
        dispatcher.utter_message(text=reply.text)
        return [SlotSet(name, value) for name, value in reply.slots().items()]

    async def reset(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> list[dict[str, Any]]:
        """``action_tod_reset``: forget the conversation and greet."""
        view = tracker_view(tracker, ACTION_RESET)
        welcome = await self._run_turn(ACTION_RESET, self.conversations.reset, view.sender_id)
        dispatcher.utter_message(text=welcome)
        return [SlotSet(name, None) for name in TOD_SLOTS]

    def close(self) -> None:
        """Stop the worker thread after the turns in progress."""
        if self._worker is not None:
            self._worker.shutdown(wait=True)


def build_executor(
    conversations: RasaConversations, packages: Sequence[str] = (), *, in_loop: bool = False
) -> tuple[ActionExecutor, TodActions]:
    """An executor with tod's actions, plus every ``Action`` of the Python ``packages`` (the user's own);
    ``in_loop``: tod's turns run on the event loop instead of the worker thread (module docstring)."""
    executor = ActionExecutor()
    for package in packages:
        try:
            importlib.import_module(package)
        except ImportError as error:
            raise ConfigError(f"cannot import the actions package {package!r}: {error}") from None
        executor.register_package(package)
    actions = TodActions(conversations, in_loop=in_loop)
    clash = sorted(set(TOD_ACTIONS) & set(executor.actions))
    if clash:
        raise ConfigError(f"the actions package(s) {list(packages)} define {clash}, which are tod's own action names")
    actions.register(executor)
    return executor, actions
