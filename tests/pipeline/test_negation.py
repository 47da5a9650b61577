"""Negation end to end on the city guide: the reader, the tracker, the query and the reply, turn after turn.

The NLU is a table (the acts an act NLU gives for these texts: the negated value tagged as an inform),
so these run in milliseconds; ``test_the_real_nlu_reads_negations`` (slow) does the same with the
city guide's trained NLU.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tod.acts import EXCLUDE, DialogueAct
from tod.belief import BeliefState
from tod.domain.context import BuildContext
from tod.dst.rule import RuleDST
from tod.errors import RasaPayloadError
from tod.nlg.template import TemplateNLG
from tod.pipeline.config import RoutingConfig
from tod.pipeline.pipeline import Pipeline
from tod.policy.rule import RulePolicy
from tod.state import DialogueState
from tod.types import NLUResult


def inform(domain: str, slot: str = "", value: str = "") -> DialogueAct:
    return DialogueAct("inform", domain, slot, value)


class TableNLU:
    def __init__(self, table: dict[str, tuple[DialogueAct, ...]]) -> None:
        self.table = table

    def parse(self, text: str, state: object | None = None) -> NLUResult:
        return NLUResult(text=text, acts=self.table.get(text, ()), confidence=0.95)


TABLE = {
    "a hotel, not a guesthouse": (inform("hotel", "type", "hotel"), inform("hotel", "type", "guesthouse")),
    "i need somewhere to eat, not in the north": (inform("restaurant"), inform("", "area", "north")),
    "anything but chinese": (inform("", "food", "chinese"),),
    "cheap please": (inform("", "pricerange", "cheap"),),
    "in the west please": (inform("", "area", "west"),),
    "a hotel please": (inform("hotel"),),
    "actually chinese is fine": (inform("", "food", "chinese"),),
    "any price, I don't mind": (inform("", "pricerange", "dontcare"),),
    "no, the north": (DialogueAct("negate", "general"), inform("", "area", "north")),
    "book it for 2 people on friday for 2 nights": (
        inform("", "people", "2"), inform("", "day", "friday"), inform("", "stay", "2"),
    ),
}


@pytest.fixture(scope="module")
def context() -> BuildContext:
    return BuildContext.open("cityguide", seed=3)


@pytest.fixture()
def pipeline(context: BuildContext) -> Pipeline:
    return Pipeline(
        context, TableNLU(TABLE), RuleDST(context.domain), RulePolicy.from_config(context),
        TemplateNLG.from_config(context), None, RoutingConfig(0.3),
    )  # fmt: skip


def offered(context: BuildContext, pipeline: Pipeline, domain: str) -> list[Any]:
    names = [a.value for t in pipeline.state.history for a in t.acts if a.domain == domain and a.slot == "name"]
    return [context.database.lookup(domain, n) for n in names]


def test_a_hotel_not_a_guesthouse_offers_hotels(context: BuildContext, pipeline: Pipeline) -> None:
    turn = pipeline.respond("a hotel, not a guesthouse")
    belief = pipeline.state.belief["hotel"]
    assert dict(belief.constraints) == {"type": "hotel"} and belief.excluded == {"type": ("guesthouse",)}
    assert DialogueAct(EXCLUDE, "hotel", "type", "guesthouse") in turn.acts
    assert "guesthouse" in turn.text and "no hotel that is a guesthouse" not in turn.text.lower()
    assert pipeline.state.db["hotel"].count == context.database.count("hotel", {"type": "hotel"})
    assert all(e is not None and e.get("type") == "hotel" for e in offered(context, pipeline, "hotel"))


def test_not_in_the_north_never_offers_the_north(context: BuildContext, pipeline: Pipeline) -> None:
    for text in ("i need somewhere to eat, not in the north", "anything but chinese", "cheap please"):
        pipeline.respond(text)
    belief = pipeline.state.belief["restaurant"]
    assert belief.excluded == {"area": ("north",), "food": ("chinese",)}
    asked = [a.slot for t in pipeline.state.history[-3:] for a in t.acts if a.intent == "request"]
    assert "food" not in asked  # "anything but chinese" answers the food question: it is not asked again
    assert dict(belief.constraints) == {"pricerange": "cheap"}
    assert all(e.get("area") != "north" and e.get("food") != "chinese" for e in offered(context, pipeline, "restaurant"))
    expected = context.database.count("restaurant", {"pricerange": "cheap"}, {"area": ["north"], "food": ["chinese"]})
    assert pipeline.state.db["restaurant"].count == expected
    turn = pipeline.respond("in the west please")  # a few matches: offered as a choice
    choices = [a for a in turn.acts if a.intent in ("select", "recommend")]
    assert choices and not [a for a in choices if a.value in ("chinese", "north")]
    found = offered(context, pipeline, "restaurant")
    assert found and all(e.get("area") != "north" and e.get("food") != "chinese" for e in found)


def test_a_positive_inform_takes_an_exclusion_back(pipeline: Pipeline) -> None:
    for text in ("i need somewhere to eat, not in the north", "anything but chinese", "actually chinese is fine"):
        pipeline.respond(text)
    belief = pipeline.state.belief["restaurant"]
    assert belief.excluded == {"area": ("north",)} and belief.constraints["food"] == "chinese"


def test_i_dont_mind_stays_dontcare_and_no_as_an_answer_is_no_exclusion(pipeline: Pipeline) -> None:
    pipeline.respond("i need somewhere to eat, not in the north")
    pipeline.respond("any price, I don't mind")
    assert pipeline.state.belief["restaurant"].constraints["pricerange"] == "dontcare"
    pipeline.respond("no, the north")
    belief = pipeline.state.belief["restaurant"]
    assert belief.constraints["area"] == "north" and not belief.excluded


def test_exclusions_survive_a_booking_and_json(context: BuildContext, pipeline: Pipeline) -> None:
    pipeline.respond("a hotel, not a guesthouse")
    pipeline.respond("book it for 2 people on friday for 2 nights")
    belief = pipeline.state.belief["hotel"]
    assert belief.excluded == {"type": ("guesthouse",)}
    again = DialogueState.from_dict(json.loads(json.dumps(pipeline.state.to_dict())))
    assert again == pipeline.state


def test_a_rasa_belief_slot_with_exclusions_is_read_and_checked(context: BuildContext, pipeline: Pipeline) -> None:
    from tod._schema import FrozenMap
    from tod.integrations.rasa.payloads import TrackerView
    from tod.integrations.rasa.service import SLOT_BELIEF, state_from_slots
    from tod.integrations.rasa.values import ValueCheck

    check = ValueCheck(context.domain)
    good = {"hotel": {"constraints": {"area": "east"}, "excluded": {"type": ["guesthouse", "castle"]}}}
    state = state_from_slots(TrackerView("u", FrozenMap({SLOT_BELIEF: good})), check)
    # a value the ontology does not have, sent from outside, is dropped; the rest filters as tod's own
    assert state.belief["hotel"].excluded == {"type": ("guesthouse",)}
    result = pipeline.step(state, "a hotel please")
    expected = context.database.count("hotel", {"area": "east"}, {"type": ["guesthouse"]})
    assert expected and result.state.db["hotel"].count == expected
    for bad in ({"type": "guesthouse"}, {"type": [3]}, ["type"], {"": ["x"]}):
        with pytest.raises(RasaPayloadError, match="not a tod belief state"):
            state_from_slots(TrackerView("u", FrozenMap({SLOT_BELIEF: {"hotel": {"excluded": bad}}})), check)
    unknown = {"hotel": {"excluded": {"colour": ["red"]}}}  # a slot tod does not know
    with pytest.raises(RasaPayloadError, match="'colour' is no informable slot"):
        state_from_slots(TrackerView("u", FrozenMap({SLOT_BELIEF: unknown})), check)


def test_hostile_texts_with_cues_never_break_a_turn(pipeline: Pipeline) -> None:
    for text in ("not " * 500, "no no no, not not", "n't" * 300, "\u0130 not \u00df north", "anything but"):
        turn = pipeline.respond(text)
        assert turn.text
    assert isinstance(pipeline.state.belief, BeliefState)


@pytest.mark.slow
def test_the_real_nlu_reads_negations(context: BuildContext) -> None:
    from tod.pipeline.config import load_pipeline_config

    real = Pipeline.from_config(load_pipeline_config("cityguide", {}), progress=False)
    real.respond("I'd like a hotel, not a guesthouse")
    hotel = real.state.belief["hotel"]
    assert hotel.excluded.get("type") == ("guesthouse",) and hotel.constraints.get("type") != "guesthouse"
    assert all(e is not None and e.get("type") != "guesthouse" for e in offered(context, real, "hotel"))
    real.reset()
    real.respond("I want a cheap restaurant, not in the north")
    restaurant = real.state.belief["restaurant"]
    assert restaurant.excluded.get("area") == ("north",) and restaurant.constraints.get("area") != "north"
    assert all(e is not None and e.get("area") != "north" for e in offered(context, real, "restaurant"))
    real.reset()
    real.respond("I want a cheap restaurant, I don't mind the area")
    assert real.state.belief["restaurant"].constraints.get("area") == "dontcare"
    assert not real.state.belief["restaurant"].excluded
