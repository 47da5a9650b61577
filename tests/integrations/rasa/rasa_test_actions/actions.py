"""Actions a real rasa-sdk server runs in the tests of tod's Rasa back end.

``action_book_table`` books (reference ``RASA-<n>``) unless more than 8 people are asked for
(``ActionExecutionRejection``: HTTP 400) or the slot ``refuse`` is set (the reference slot is set to
null); ``action_fail`` raises (HTTP 500); ``action_sleep`` waits ``sleep`` seconds; every action
counts its calls per sender, and ``action_calls`` tells the count of the slot ``counted`` as the
slot ``calls``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection

CALLS: Counter[str] = Counter()


def _count(name: str, tracker: Tracker) -> None:
    CALLS[f"{name}:{tracker.sender_id}"] += 1


class BookTable(Action):
    def name(self) -> str:
        return "action_book_table"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        _count(self.name(), tracker)
        people = int(tracker.get_slot("people") or 0)
        if people > 8:
            raise ActionExecutionRejection(self.name(), f"no table for {people} people")
        if tracker.get_slot("refuse"):
            return [SlotSet("reference", None)]
        reference = f"RASA-{CALLS[f'{self.name()}:{tracker.sender_id}']:04d}"
        dispatcher.utter_message(text=f"Booked {tracker.get_slot('name')} for {people}: {reference}")
        return [SlotSet("reference", reference)]


class Fail(Action):
    def name(self) -> str:
        return "action_fail"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        _count(self.name(), tracker)
        raise RuntimeError("the booking system is down")


class Sleep(Action):
    def name(self) -> str:
        return "action_sleep"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        _count(self.name(), tracker)
        await asyncio.sleep(float(tracker.get_slot("sleep") or 0))
        return [SlotSet("slept", True)]


class Calls(Action):
    def name(self) -> str:
        return "action_calls"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        counted = f"{tracker.get_slot('counted')}:{tracker.sender_id}"
        return [SlotSet("calls", CALLS[counted])]
