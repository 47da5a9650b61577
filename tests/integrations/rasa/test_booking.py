"""The ``rasa-booking`` policy: the rule policy's bookings made by a real rasa-sdk server's action."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest

from tests.integrations.rasa.conftest import Server, free_port
from tod.acts import DialogueAct
from tod.domain.context import BuildContext
from tod.dst.rule import RuleDST
from tod.errors import ConfigError
from tod.integrations.rasa.booking import RasaBookingPolicy
from tod.integrations.rasa.webhook_client import RasaActionClient, domain_payload, sender_scope, tracker_payload
from tod.nlg.template import TemplateNLG
from tod.pipeline.config import STAGES, load_pipeline_config
from tod.pipeline.pipeline import Pipeline
from tod.policy.rule import RulePolicy
from tod.state import DialogueState


@pytest.fixture(scope="module")
def context() -> BuildContext:
    return BuildContext.open("cityguide")


def pipeline(context: BuildContext, url: str) -> Pipeline:
    policy = RasaBookingPolicy(
        RulePolicy.from_config(context), RasaActionClient(url, timeout=5), action="action_book_table"
    )
    return Pipeline(context, None, RuleDST.from_config(context), policy, TemplateNLG.from_config(context))


def book(p: Pipeline, people: str, state: DialogueState | None = None) -> tuple[DialogueState, list[DialogueAct], str]:
    name = p.context.database.entities("restaurant")[0].name
    state = state or p.step_acts(DialogueState(), [DialogueAct("inform", "restaurant", "name", name)], text="x").state
    details = [("people", people), ("day", "friday"), ("time", "19:00")]
    result = p.step_acts(state, [DialogueAct("inform", "restaurant", s, v) for s, v in details], text="book it")
    return result.state, list(result.turn.acts), result.turn.text


def calls(url: str, who: str) -> int:
    tracker = tracker_payload(who, {"counted": "action_book_table"})
    return (
        RasaActionClient(url)
        .run("action_calls", tracker, domain_payload(["counted"]), idempotent=True)
        .slots()["calls"]
    )


def test_bookings_are_made_by_the_action_server(context: BuildContext, sdk_server: Server) -> None:
    p, who = pipeline(context, sdk_server.webhook), f"rasa-{uuid.uuid4().hex[:8]}"
    with sender_scope(who):
        state, acts, text = book(p, "2")
    assert DialogueAct("book", "restaurant", "ref", "RASA-0001") in acts
    assert "RASA-0001" in text
    assert state.belief["restaurant"].booked[0]["ref"] == "RASA-0001"
    with sender_scope(who):  # the same details again: the booking is not made again
        again = p.step_acts(state, [DialogueAct("inform", "restaurant", "people", "2")], text="2 people").turn
    assert not any(a.intent in ("book", "nobook") and a.value != "RASA-0001" for a in again.acts)
    assert calls(sdk_server.webhook, who) == 1


def test_a_refusal_or_a_failure_is_no_booking(
    context: BuildContext, sdk_server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    state, acts, _ = book(pipeline(context, sdk_server.webhook), "9")
    assert DialogueAct("nobook", "restaurant") in acts and not any(a.intent == "book" for a in acts)
    assert state.belief["restaurant"].booked == ()
    with caplog.at_level(logging.WARNING, logger="tod.rasa"):
        _, down, _ = book(pipeline(context, f"http://127.0.0.1:{free_port()}/webhook"), "2")
    assert DialogueAct("nobook", "restaurant") in down
    assert "booking in restaurant not confirmed" in caplog.text


def test_a_null_reference_is_a_refusal(context: BuildContext, sdk_server: Server) -> None:
    class WithRefuse:
        def predict(self, state: DialogueState, db: Any) -> list[DialogueAct]:
            return [
                DialogueAct("book", "restaurant", "ref", "TOD1"),
                DialogueAct("book", "restaurant", "refuse", "yes"),
            ]

    policy = RasaBookingPolicy(WithRefuse(), RasaActionClient(sdk_server.webhook), action="action_book_table")
    assert policy.predict(DialogueState(), {}) == [DialogueAct("nobook", "restaurant")]  # type: ignore[arg-type]


def test_configured_from_a_pipeline_file(context: BuildContext, sdk_server: Server) -> None:
    overrides = {"policy.name": "rasa-booking", "policy.url": sdk_server.webhook, "policy.check_actions": "true"}
    config = load_pipeline_config("cityguide", overrides)
    factory = STAGES["policy"].get("rasa-booking").from_config
    with pytest.raises(
        ConfigError, match=r"lacks the booking action\(s\) \['action_book_restaurant', 'action_book_hotel'\]"
    ):
        factory(context, **config.components["policy"].params)
    config = load_pipeline_config("cityguide", {**overrides, "policy.action": "action_book_table"})
    built = factory(context, **config.components["policy"].params)
    assert isinstance(built, RasaBookingPolicy) and isinstance(built.inner, RulePolicy)
    with pytest.raises(ConfigError, match="cannot wrap itself"):
        factory(context, policy="rasa-booking")
    with pytest.raises(ConfigError, match="unknown parameter 'colour'"):
        load_pipeline_config("cityguide", {**overrides, "policy.colour": "red"})
