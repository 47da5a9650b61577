"""Fuzzing the Rasa action-server payloads: the JSON Rasa posts to ``/webhook``.

A body either parses into an :class:`~tod.integrations.rasa.payloads.ActionCall` whose fields have
the types the rest of tod relies on, or is refused with a
:class:`~tod.errors.RasaPayloadError` that names the offending field (the server answers it with a
400). Bodies are real calls (as ``tod.integrations.rasa.webhook_client`` writes them, the way Rasa
3.x does) with fields dropped, retyped, or replaced by huge or deeply nested values, and arbitrary
JSON values as whole calls and trackers.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import event, example, given
from hypothesis import strategies as st

from tests.fuzz.conftest import JSON, fuzz, mutated, nested, outcome
from tod.errors import RasaPayloadError
from tod.integrations.rasa.payloads import ActionCall, TrackerView, parse_action_call, parse_tracker
from tod.integrations.rasa.webhook_client import action_call, domain_payload, tracker_payload

TRACKER = {
    **tracker_payload(
        "user-1",
        {"tod_turn": 2, "tod_belief": '{"restaurant": {"food": "thai"}}', "other": "x"},
        text="a thai place",
        intent="inform",
        confidence=0.93,
        entities=[
            {"entity": "restaurant-food", "value": "thai", "start": 2, "end": 6, "extractor": "DIETClassifier"},
            {"entity": "people", "value": 4, "role": "guests", "group": "1"},
        ],
        events=[{"event": "action", "name": "action_listen"}, {"event": "user", "text": "a thai place"}],
    ),
    "latest_event_time": 1700000000.0,  # fixed: the examples must be the same on every run
}
CALL = action_call(
    "action_tod_respond", TRACKER, domain_payload(["tod_turn", "tod_belief", "other"], ["action_tod_respond"])
)


def check_call(call: ActionCall) -> None:
    assert isinstance(call, ActionCall) and isinstance(call.next_action, str) and call.next_action
    check_tracker(call.tracker)
    assert call.domain_slots is None or all(isinstance(s, str) for s in call.domain_slots)
    assert isinstance(call.version, str)


def check_tracker(tracker: TrackerView) -> None:
    assert isinstance(tracker, TrackerView)
    assert isinstance(tracker.sender_id, str) and 0 < len(tracker.sender_id) <= 512
    assert all(isinstance(k, str) for k in tracker.slots)
    message = tracker.latest_message
    assert isinstance(message.text, str) and isinstance(message.intent, str)
    assert isinstance(message.confidence, float) and 0 <= message.confidence <= 1
    assert all(isinstance(e.entity, str) and e.entity and e.value is not None for e in message.entities)
    assert all(isinstance(e.role, str) and isinstance(e.group, str) for e in message.entities)
    assert isinstance(tracker.latest_action_name, str)


def check_refusal(error: Exception | None) -> None:
    if error is not None:
        assert isinstance(error, RasaPayloadError) and error.field, f"{type(error).__name__} names no field: {error}"
        event(f"refused: {error.field.split('[')[0]}")


#: Where a deeply nested value may replace a field (built inside the test from a path and a depth:
#: hypothesis itself cannot print a list nested 800 deep).
DEEP_PLACES = [("tracker",), ("tracker", "slots"), ("tracker", "latest_message"), ("tracker", "events"), ("domain",)]
DEEP = st.none() | st.tuples(st.sampled_from(DEEP_PLACES), st.sampled_from([50, 400, 800, 990, 3000]))


def with_deep_value(body: Any, deep: tuple[tuple[str, ...], int] | None) -> Any:
    if deep is None or not isinstance(body, dict):
        return body
    path, depth = deep
    target = body
    for key in path[:-1]:
        target = target.get(key) if isinstance(target, dict) else None
    if isinstance(target, dict):
        target[path[-1]] = nested(depth)
    return body


@fuzz("rasa_mutated")
@given(body=mutated(CALL, max_changes=2), deep=DEEP, through_json=st.booleans())
@example(
    body={**CALL, "tracker": {**TRACKER, "latest_message": {"intent": {"name": "a", "confidence": 10**400}}}},
    deep=None,
    through_json=False,
)
@example(body=CALL, deep=(("tracker", "slots"), 3000), through_json=False)
def test_action_calls_parse_or_name_the_field(body: Any, deep: Any, through_json: bool) -> None:
    body = with_deep_value(json.loads(json.dumps(body)) if deep else body, deep)
    if through_json:  # what the server hands over: the body as JSON decodes it
        try:
            body = json.loads(json.dumps(body))
        except (ValueError, RecursionError):
            return  # not JSON the server could have decoded
    call, error = outcome(lambda: parse_action_call(body))
    check_refusal(error)
    if call is not None:
        event("parsed")
        check_call(call)


@fuzz("rasa_arbitrary")
@given(
    body=JSON
    | st.fixed_dictionaries({"next_action": JSON, "tracker": JSON}, optional={"sender_id": JSON, "domain": JSON})
)
@example(
    body={"next_action": "a", "tracker": {"sender_id": "x", "latest_message": {"intent": {"confidence": -math.inf}}}}
)
def test_arbitrary_json_parses_or_names_the_field(body: Any) -> None:
    call, error = outcome(lambda: parse_action_call(body))
    check_refusal(error)
    if call is not None:
        check_call(call)
    tracker, error = outcome(lambda: parse_tracker(body))
    check_refusal(error)
    if tracker is not None:
        check_tracker(tracker)
