"""Fuzzing ``tod serve-actions`` over HTTP: mutated action calls never get a 500.

The target is the real server (``--acts-only``, so every turn runs on the values sent): a well-formed
Rasa call (tod's slots holding a real belief and acts, entities that book) with 1 to 3 changes anywhere
inside it (fields dropped, nulled, retyped, huge numbers such as ``tod_turn`` 2**63-1 or 1e300, lone
surrogates, markup), sent as JSON or as damaged bytes. Every answer must be a JSON object: 200 with
the reply, or Rasa's error object with a 4xx status. A 500 (or any other status) fails the test, and
the server must still answer ``/health`` afterwards.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from hypothesis import event, example, given
from hypothesis import strategies as st

from tests.fuzz.conftest import fuzz, mutated
from tests.integrations.rasa.conftest import (  # noqa: F401  (fixtures used by the test below)
    TodServer,
    acts_tod_server,
    post,
    rasa_sdk_installed,
)
from tod.integrations.rasa.webhook_client import action_call, domain_payload, tracker_payload

SLOTS = {
    "tod_turn": 2,
    "tod_belief": {
        "restaurant": {
            "constraints": {"name": "trattoria lucca", "area": "centre"},
            "requested": ["phone"],
            "booking": {"day": "friday"},
            "booked": [],
        }
    },
    "tod_acts": [
        {"intent": "inform", "domain": "restaurant", "slot": "phone", "value": "01632960265"},
        {"intent": "offerbook", "domain": "restaurant", "slot": "", "value": ""},
    ],
}
TRACKER = {
    **tracker_payload(
        "fuzz-1",
        SLOTS,
        text="a table for 2 at 7pm",
        intent="inform",
        confidence=0.97,
        entities=[
            {"entity": "people", "value": 2, "start": 12, "end": 13},
            {"entity": "time", "value": "7pm", "role": "restaurant"},
            {"entity": "domain", "value": "restaurant"},
        ],
        events=[{"event": "action", "name": "action_listen"}, {"event": "user", "text": "a table for 2 at 7pm"}],
    ),
    "latest_event_time": 1_700_000_000.0,
}
CALL = action_call("action_tod_respond", TRACKER, domain_payload(list(SLOTS), ["action_tod_respond"]))
ANSWERED = {200, 400, 404, 413, 415, 449}


def with_tracker(**changes: Any) -> dict[str, Any]:
    return {**CALL, "tracker": {**TRACKER, **changes}}


def healthy(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/health", timeout=10) as response:
        return json.loads(response.read()) == {"status": "ok"}


@fuzz("rasa_server")
@given(body=mutated(CALL, max_changes=3), damage=st.none() | st.tuples(st.integers(0, 10_000), st.binary(max_size=4)))
@example(body=with_tracker(latest_message=None), damage=None)
@example(body=with_tracker(slots={**SLOTS, "tod_turn": 2**63 - 1}), damage=None)
@example(body=with_tracker(slots={**SLOTS, "tod_turn": 1e300}), damage=None)
@example(body=with_tracker(sender_id="\ud800"), damage=None)
@example(body={**with_tracker(sender_id="x\udfff"), "sender_id": "x\udfff"}, damage=None)
@example(body=with_tracker(slots={**SLOTS, "tod_belief": {"spaceport": {"constraints": {"a": "b"}}}}), damage=None)
@example(body=with_tracker(slots={**SLOTS, "tod_belief": {"restaurant": {"booking": {"colour": "red"}}}}), damage=None)
@example(
    body=with_tracker(slots={**SLOTS, "tod_acts": [{"intent": "inform", "domain": "x", "slot": "<b>", "value": 1}]}),
    damage=None,
)
@example(
    body=with_tracker(
        latest_message={"text": "x", "intent": {"name": "inform"}, "entities": [{"entity": "people", "value": 10**400}]}
    ),
    damage=None,
)
@example(body=with_tracker(latest_event_time=float("inf")), damage=None)
def test_no_call_gets_a_500(
    acts_tod_server: TodServer,  # noqa: F811  (the fixture imported above)
    body: Any,
    damage: tuple[int, bytes] | None,
) -> None:
    assert acts_tod_server.server is not None
    data = json.dumps(body).encode()  # lone surrogates become \\udXXX escapes, as a hostile client sends them
    if damage is not None:
        at, junk = damage
        at %= len(data)
        data = data[:at] + junk + data[at + len(junk) :]
    status, answer = post(acts_tod_server.server.webhook, data)
    event(f"status {status}")
    assert status in ANSWERED, (status, answer)
    assert isinstance(answer, dict)
    if status == 200:
        assert isinstance(answer.get("events"), list) and isinstance(answer.get("responses"), list)
    else:
        assert set(answer) == {"error", "action_name"} and answer["error"]
    assert healthy(acts_tod_server.server.url)
