"""examples/rasa_bot: its files agree with each other and with what tod's actions read and set."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tod.domain.loader import load_domain
from tod.integrations.rasa.payloads import RasaEntity, UserMessage
from tod.integrations.rasa.service import TOD_SLOTS
from tod.integrations.rasa.understanding import RasaMapping, acts_from_message
from tod.integrations.rasa.values import ValueCheck

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "rasa_bot"
#: [text](entity) and [text]{"entity": ..., "value": ...} annotations of Rasa 3 training data.
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<entity>[^)]+)\)|(?P<json>\{[^}]+\}))")


def load(name: str) -> Any:
    return yaml.safe_load((EXAMPLE / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    return load("domain.yml")


def annotations() -> list[tuple[str, str, str]]:
    """(intent, entity, value) of every annotated entity in data/nlu.yml."""
    found = []
    for block in load("data/nlu.yml")["nlu"]:
        for match in ANNOTATION.finditer(block["examples"]):
            if match["json"]:
                spec = json.loads(match["json"])
                found.append((block["intent"], spec["entity"], spec.get("value", match["text"])))
            else:
                found.append((block["intent"], match["entity"], match["text"]))
    return found


def test_domain_declares_tods_slots_and_actions(domain: dict[str, Any]) -> None:
    assert str(domain["version"]).startswith("3.")
    for name in TOD_SLOTS:
        slot = domain["slots"][name]
        assert slot["type"] == "any" and slot["influence_conversation"] is False
        assert slot["mappings"] == [{"type": "custom"}]
    assert {"action_tod_respond", "action_tod_reset"} <= set(domain["actions"])
    assert load("endpoints.yml")["action_endpoint"]["url"] == "http://localhost:5055/webhook"


def test_rules_use_declared_intents_and_actions(domain: dict[str, Any]) -> None:
    rules = load("data/rules.yml")["rules"]
    used_intents = {step["intent"] for rule in rules for step in rule["steps"] if "intent" in step}
    used_actions = {step["action"] for rule in rules for step in rule["steps"] if "action" in step}
    assert used_intents <= set(domain["intents"]) | {"nlu_fallback"}
    assert set(domain["intents"]) <= used_intents  # every intent is handled
    assert used_actions <= set(domain["actions"])
    config = load("config.yml")
    assert config["policies"][0]["core_fallback_action_name"] in domain["actions"]


def test_training_data_speaks_tods_language(domain: dict[str, Any]) -> None:
    """Every intent but start_over maps to a tod intent; every annotated entity gives a tod act."""
    city = load_domain("cityguide")
    mapping = RasaMapping()
    check = ValueCheck(city)
    intents = [block["intent"] for block in load("data/nlu.yml")["nlu"]]
    assert set(intents) == set(domain["intents"])
    assert [i for i in intents if mapping.intent(i) is None] == ["start_over"]
    found = annotations()
    assert len(found) > 20
    for intent, entity, value in found:
        assert entity in domain["entities"], entity
        message = UserMessage(text=value, intent=intent, entities=(RasaEntity(entity, value),))
        acts = acts_from_message(message, city, mapping, check)  # every example value fits its slot
        assert acts, (intent, entity, value)
        if entity == "domain":
            assert value in city.schemas
        elif entity == "requested_slot":
            assert acts[-1].intent == "request" and acts[-1].slot == value
        else:
            assert acts[-1].intent == "inform" and acts[-1].value == value.strip()
