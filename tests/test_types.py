import json

import pytest

from tod.errors import SchemaError
from tod.types import DialogueAct, IntentScore, NLUResult, SlotSpan


def sample_result() -> NLUResult:
    text = "flights from boston to new york"
    return NLUResult(
        text=text,
        intents=(IntentScore("atis_flight", 0.9), IntentScore("atis_airfare", 0.05)),
        slots=(
            SlotSpan("fromloc.city_name", "boston", 13, 19, 0.99),
            SlotSpan("toloc.city_name", "new york", 23, 31, 0.97),
        ),
        acts=(DialogueAct("atis_flight", "", "fromloc.city_name", "boston"),),
        confidence=0.87,
        tokens=("flights", "from", "boston", "to", "new", "york"),
        tags=("O", "O", "B-fromloc.city_name", "O", "B-toloc.city_name", "I-toloc.city_name"),
    )


def test_nlu_result_round_trips_through_json():
    result = sample_result()
    again = NLUResult.from_json(json.dumps(json.loads(result.to_json())))
    assert again == result
    assert again.tokens == result.tokens and again.tags == result.tags
    assert again.intent == "atis_flight"
    assert result.text[result.slots[1].start : result.slots[1].end] == "new york"


def test_dialogue_act_round_trip_and_str():
    act = DialogueAct("inform", "restaurant", "food", "italian")
    assert DialogueAct.from_dict(json.loads(json.dumps(act.to_dict()))) == act
    assert str(act) == "inform(restaurant, food, italian)"
    assert str(DialogueAct("bye")) == "bye()"


def test_multi_intent_atoms():
    assert IntentScore("atis_flight#atis_airfare", 0.5).atoms == ("atis_flight", "atis_airfare")


@pytest.mark.parametrize(
    "payload, message",
    [
        ([], "expected a JSON object"),
        ({"intents": [], "slots": [], "acts": [], "confidence": 1.0}, "missing key 'text'"),
        ({"text": 3, "intents": [], "slots": [], "acts": [], "confidence": 1.0}, "'text' must be str"),
        ({"text": "a", "intents": [], "slots": [], "acts": [], "confidence": True}, "'confidence' must be"),
        ({"text": "a", "intents": [{"label": "x"}], "slots": [], "acts": [], "confidence": 1.0}, "'score'"),
        (
            {"text": "a", "intents": [], "slots": [{"slot": "s", "value": "a", "start": 0, "end": 5}], "acts": [],
             "confidence": 1.0},
            "past the text length",
        ),
        (
            {"text": "ab", "intents": [], "slots": [{"slot": "s", "value": "a", "start": 2, "end": 1}], "acts": [],
             "confidence": 1.0},
            "start <= end",
        ),
        ({"text": "a", "intents": [], "slots": [], "acts": [{"intent": ""}], "confidence": 1.0}, "non-empty"),
    ],
)
def test_malformed_nlu_results_are_rejected(payload, message):
    with pytest.raises(SchemaError, match=message):
        NLUResult.from_dict(payload)


def test_from_json_rejects_non_json():
    with pytest.raises(SchemaError, match="not valid JSON"):
        NLUResult.from_json("{not json")


def test_values_are_frozen():
    act = DialogueAct("inform", "hotel", "area", "north")
    with pytest.raises(AttributeError):
        act.value = "south"  # type: ignore[misc]
