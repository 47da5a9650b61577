"""End to end on the city guide: values as people write them are booked right, impossible ones refused.

The NLU here returns what a slot tagger gives for these sentences (times cut short: "8" of "8 pm",
"half" of "half past seven"; booking details without a sub-domain), so the test is exact about the
rest of the pipeline: the whole expression read, the tracker, the policy's booking and refusal, NLG.
"""

from __future__ import annotations

import pytest

from tod.acts import DialogueAct
from tod.domain.context import BuildContext
from tod.dst.rule import RuleDST
from tod.nlg.template import TemplateNLG
from tod.pipeline.config import RoutingConfig
from tod.pipeline.pipeline import Pipeline
from tod.policy.rule import RulePolicy
from tod.types import NLUResult

A = DialogueAct
SEARCH = "i want a cheap italian restaurant in the centre"
SEARCH_ACTS = (A("inform", "restaurant", "pricerange", "cheap"), A("inform", "restaurant", "food", "italian"),
               A("inform", "restaurant", "area", "centre"))  # fmt: skip


class TaggerNLU:
    """The acts a slot tagger gives for each sentence of the script (a table); nothing for the rest."""

    def __init__(self, table: dict[str, tuple[DialogueAct, ...]]) -> None:
        self.table = {SEARCH: SEARCH_ACTS, **table}

    def parse(self, text: str, state: object | None = None) -> NLUResult:
        return NLUResult(text=text, acts=self.table.get(text, ()), confidence=0.95)


@pytest.fixture(scope="module")
def context() -> BuildContext:
    return BuildContext.open("cityguide", seed=3)


def city(context: BuildContext, table: dict[str, tuple[DialogueAct, ...]]) -> Pipeline:
    return Pipeline(context, TaggerNLU(table), RuleDST(context.domain), RulePolicy(context.database),
                    TemplateNLG.for_domain(context.domain), None, RoutingConfig(0.3))  # fmt: skip


def booked(pipeline: Pipeline) -> list[dict[str, str]]:
    return [dict(b) for b in pipeline.state.belief["restaurant"].booked]


@pytest.mark.parametrize(
    ("said", "tagged", "time"),
    [
        ("book a table for 2 on saturday at 8 pm", "8", "20:00"),
        ("book a table for 2 on saturday at 8", "8", "20:00"),  # a table at 8: the ontology's likely hours
        ("book a table for 2 on saturday at half past seven", "half", "19:30"),
        ("book a table for 2 on saturday at quarter to 8", "quarter", "19:45"),
        ("book a table for 2 on saturday at noon", "noon", "12:00"),
    ],
)
def test_a_booking_at_a_time_as_people_write_it_books_that_time(
    context: BuildContext, said: str, tagged: str, time: str
) -> None:
    pipeline = city(context, {said: (A("inform", "", "people", "2"), A("inform", "", "day", "saturday"),
                                     A("inform", "", "time", tagged))})  # fmt: skip
    pipeline.respond(SEARCH)
    reply = pipeline.respond(said).text
    assert [(b["time"], b["people"], b["day"]) for b in booked(pipeline)] == [(time, "2", "saturday")], reply
    assert time in reply and "reference number" in reply.lower()


def test_25_o_clock_is_refused_with_a_question_and_a_real_time_then_books(context: BuildContext) -> None:
    said = "book a table for 2 on friday at 25 o'clock"
    pipeline = city(context, {
        said: (A("inform", "", "people", "2"), A("inform", "", "day", "friday"), A("inform", "", "time", "25")),
        "8pm then": (A("inform", "", "time", "8pm"),),
    })  # fmt: skip
    pipeline.respond(SEARCH)
    turn = pipeline.respond(said)
    assert "25 o'clock is not a time I can book" in turn.text and "?" in turn.text, turn.text
    assert not booked(pipeline) and not [a for a in turn.acts if a.intent in ("book", "confirm")]
    assert pipeline.respond("8pm then").text and [b["time"] for b in booked(pipeline)] == ["20:00"]


@pytest.mark.parametrize(
    ("said", "acts", "shown"),
    [
        ("book for 0 people on sunday at 7", (A("inform", "", "people", "0"), A("inform", "", "day", "sunday")), "0"),
        ("a table for 400 people on sunday", (A("inform", "", "people", "400"), A("inform", "", "day", "sun")), "400"),
        ("a few of us on friday", (A("inform", "", "people", "few"), A("inform", "", "day", "fri")), "a few"),
    ],
)
def test_impossible_party_sizes_are_refused_never_booked(
    context: BuildContext, said: str, acts: tuple[DialogueAct, ...], shown: str
) -> None:
    pipeline = city(context, {said: acts})
    pipeline.respond(SEARCH)
    turn = pipeline.respond(said)
    assert f"cannot book for {shown} people" in turn.text and "how many people" in turn.text.lower(), turn.text
    assert not booked(pipeline)


def test_party_and_nights_the_tagger_missed_are_read_from_the_text(context: BuildContext) -> None:
    said = "book it for me and my wife, this saturday, a couple of nights"
    pipeline = city(context, {
        "the grand beakon please": (A("inform", "hotel", "name", "grand beakon"),),
        said: (A("inform", "", "day", "this saturday"),),
    })  # fmt: skip
    pipeline.respond("the grand beakon please")
    assert pipeline.state.belief["hotel"].constraints.get("name") == "the grand beacon"  # the misspelt name
    pipeline.respond(said)
    (made,) = [dict(b) for b in pipeline.state.belief["hotel"].booked]
    assert (made["people"], made["day"], made["stay"]) == ("2", "saturday", "2")


def test_an_unknown_name_is_said_to_be_unknown_and_not_kept(context: BuildContext) -> None:
    said = "tell me about the quantum zeppelin"
    pipeline = city(context, {said: (A("inform", "restaurant", "name", "the quantum zeppelin"),)})
    reply = pipeline.respond(said).text
    assert "don't know a restaurant called" in reply.lower(), reply
    assert "name" not in pipeline.state.belief["restaurant"].constraints


def test_did_you_mean_then_yes_talks_about_the_database_name(context: BuildContext) -> None:
    pipeline = city(context, {
        "is the saltmarsh b&b nice": (A("inform", "hotel", "name", "saltmarsh b&b"),),
        "yes": (A("affirm", "general"),),
    })  # fmt: skip
    turn = pipeline.respond("is the saltmarsh b&b nice")
    assert A("confirm", "hotel", "name", "saltmarsh bed and breakfast") in turn.acts, turn.acts
    assert "did you mean" in turn.text.lower(), turn.text
    assert "name" not in pipeline.state.belief["hotel"].constraints  # the unknown spelling is not kept
    answer = pipeline.respond("yes")
    assert any(a.slot == "name" and a.value == "saltmarsh bed and breakfast" for a in answer.acts), answer.acts


def test_the_history_records_the_name_the_database_writes(context: BuildContext) -> None:
    pipeline = city(context, {"is there wifi at the regant hotel": (A("inform", "hotel", "name", "the regant hotel"),)})
    pipeline.respond("is there wifi at the regant hotel")
    user_turn = pipeline.state.history[-2]
    assert A("inform", "hotel", "name", "the regent hotel") in user_turn.acts, user_turn.acts
    assert pipeline.state.belief["hotel"].constraints.get("name") == "the regent hotel"
