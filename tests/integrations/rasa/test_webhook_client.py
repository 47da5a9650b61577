"""tod's client of external Rasa action servers, against rasa-sdk's real server running a test package."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from tests.integrations.rasa.conftest import Server, free_port
from tod.errors import (
    ActionDomainRequiredError,
    ActionFailedError,
    ActionNotFoundError,
    ActionRejectedError,
    ActionServerUnreachableError,
    ActionTimeoutError,
    ConfigError,
)
from tod.integrations.rasa.webhook_client import RasaActionClient, action_call, domain_payload, tracker_payload

SLOTS = ["people", "name", "sleep", "counted", "refuse"]


def sender() -> str:
    return f"client-{uuid.uuid4().hex[:8]}"


def run(
    client: RasaActionClient, action: str, who: str, slots: dict[str, Any], *, idempotent: bool, domain: bool = True
) -> Any:
    tracker = tracker_payload(who, slots, text="book it")
    return client.run(action, tracker, domain_payload(SLOTS, [action]) if domain else None, idempotent=idempotent)


def calls(client: RasaActionClient, action: str, who: str) -> int:
    return run(client, "action_calls", who, {"counted": action}, idempotent=True).slots()["calls"]


def test_payload_is_what_rasa_sends() -> None:
    tracker = tracker_payload("u", {"people": 2}, text="hi", intent="greet", entities=[{"entity": "a", "value": "b"}])
    body = action_call("action_x", tracker, domain_payload(["people"], ["action_x"]))
    assert set(body) == {"next_action", "sender_id", "tracker", "domain", "version"}
    assert body["sender_id"] == body["tracker"]["sender_id"] == "u"
    assert {
        "slots",
        "latest_message",
        "events",
        "paused",
        "followup_action",
        "active_loop",
        "latest_action_name",
    } <= set(body["tracker"])
    assert body["tracker"]["latest_message"]["intent"] == {"name": "greet", "confidence": 1.0}
    assert body["domain"]["slots"]["people"]["mappings"] == [{"type": "custom"}]


def test_success_health_and_listing(sdk_server: Server) -> None:
    client = RasaActionClient(sdk_server.webhook)
    result = run(client, "action_book_table", sender(), {"people": 2, "name": "the golden curry"}, idempotent=False)
    assert result.slots() == {"reference": "RASA-0001"}
    assert result.texts() == ["Booked the golden curry for 2: RASA-0001"]
    assert client.healthy()
    assert {"action_book_table", "action_fail", "action_sleep", "action_calls"} <= set(client.list_actions())


def test_errors_are_mapped(sdk_server: Server) -> None:
    client = RasaActionClient(sdk_server.webhook, retries=0)
    with pytest.raises(ActionNotFoundError, match="has no action 'action_nope'") as missing:
        run(client, "action_nope", sender(), {}, idempotent=True)
    assert missing.value.status == 404 and missing.value.action == "action_nope"
    with pytest.raises(ActionRejectedError, match="refused to run: no table for 9 people") as refused:
        run(client, "action_book_table", sender(), {"people": 9}, idempotent=False)
    assert refused.value.status == 400
    with pytest.raises(ActionDomainRequiredError, match="needs the assistant's domain") as domain:
        run(client, "action_book_table", sender(), {"people": 2}, idempotent=False, domain=False)
    assert domain.value.status == 449
    with pytest.raises(ActionFailedError, match=r"HTTP 500\): the booking system is down") as failed:
        run(client, "action_fail", sender(), {}, idempotent=False)
    assert failed.value.status == 500


def test_only_idempotent_calls_are_retried(sdk_server: Server) -> None:
    client = RasaActionClient(sdk_server.webhook, retries=2, backoff=0.01)
    once, thrice = sender(), sender()
    with pytest.raises(ActionFailedError):
        run(client, "action_fail", once, {}, idempotent=False)
    with pytest.raises(ActionFailedError):
        run(client, "action_fail", thrice, {}, idempotent=True)
    assert calls(client, "action_fail", once) == 1
    assert calls(client, "action_fail", thrice) == 3
    refused = sender()
    with pytest.raises(ActionRejectedError):  # a refusal is an answer: never retried
        run(client, "action_book_table", refused, {"people": 9}, idempotent=True)
    assert calls(client, "action_book_table", refused) == 1


def test_timeouts(sdk_server: Server) -> None:
    client = RasaActionClient(sdk_server.webhook, timeout=0.4, retries=1, backoff=0.01)
    booking, lookup = sender(), sender()
    started = time.monotonic()
    with pytest.raises(ActionTimeoutError, match="no answer .* within 0.4 s") as caught:
        run(client, "action_sleep", booking, {"sleep": 3}, idempotent=False)
    assert time.monotonic() - started < 2.0 and caught.value.status is None
    with pytest.raises(ActionTimeoutError):
        run(client, "action_sleep", lookup, {"sleep": 3}, idempotent=True)
    patient = RasaActionClient(sdk_server.webhook, timeout=10)
    assert calls(patient, "action_sleep", booking) == 1
    assert calls(patient, "action_sleep", lookup) == 2


def test_unreachable_and_bad_settings() -> None:
    client = RasaActionClient(f"http://127.0.0.1:{free_port()}/webhook", retries=1, backoff=0.01)
    with pytest.raises(ActionServerUnreachableError, match="cannot reach the action server"):
        run(client, "action_book_table", sender(), {}, idempotent=True)
    assert not client.healthy()
    with pytest.raises(ConfigError, match="http://"):
        RasaActionClient("localhost:5055/webhook")
    with pytest.raises(ConfigError, match="positive"):
        RasaActionClient("http://localhost:5055/webhook", timeout=0)
    with pytest.raises(ConfigError, match="retries"):
        RasaActionClient("http://localhost:5055/webhook", retries=-1)
