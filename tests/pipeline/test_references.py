"""References to the names the system listed: found in text, resolved against the memory, hooked into
the pipeline step; references that point nowhere and hostile text."""

from __future__ import annotations

import pytest

from tod.acts import DialogueAct
from tod.dialogue import SYSTEM, USER, Turn
from tod.domain.context import BuildContext
from tod.dst.rule import RuleDST
from tod.nlg.english import title_case
from tod.nlg.template import TemplateNLG
from tod.pipeline.config import RoutingConfig
from tod.pipeline.pipeline import Pipeline
from tod.pipeline.references import DESCRIBED, ORDINAL, POINTING, find_reference, resolve_references
from tod.policy.rule import RulePolicy
from tod.state import ROUTE_TASK, DialogueState
from tod.testing.hostile import hostile_inputs
from tod.types import NLUResult, SlotSpan


@pytest.fixture(scope="module")
def context() -> BuildContext:
    return BuildContext.open("cityguide")


@pytest.mark.parametrize(
    ("text", "kind", "position"),
    [
        ("the second one please", ORDINAL, 2),
        ("what food does the first one serve", ORDINAL, 1),
        ("the first, how much is it to get in", ORDINAL, 1),
        ("where's the last one", ORDINAL, -1),
        ("is the 3rd option cheap", ORDINAL, 3),
        ("option 2", ORDINAL, 2),
        ("number two please", ORDINAL, 2),
        ("that one sounds good", POINTING, None),
        ("the one in the north", DESCRIBED, None),
        ("the one with free parking", DESCRIBED, None),
    ],
)
def test_references_are_found(text: str, kind: str, position: int | None) -> None:
    found = find_reference(text)
    assert found is not None and (found.kind, found.position) == (kind, position)
    assert text[found.start : found.end].strip()


@pytest.mark.parametrize(
    "text", ["a table for one", "the first time i came", "one night please", "i want two rooms", "", "second"]
)
def test_words_that_are_no_reference(text: str) -> None:
    assert find_reference(text) is None


def test_chinese_ordinals_and_languages_without_words() -> None:
    found = find_reference("第二个吧", "zh")
    assert found is not None and found.position == 2
    assert find_reference("the second one", "fr") is None


def test_hostile_text_finds_nothing_or_a_reference_inside_the_text() -> None:
    for text in hostile_inputs(seed=3):
        found = find_reference(text)
        assert found is None or 0 <= found.start < found.end <= len(text)


def _names(context: BuildContext, food: str) -> list[str]:
    return [e.name for e in context.database.query("restaurant", {"food": food})]


def listed_state(context: BuildContext, names: list[str]) -> DialogueState:
    acts = (DialogueAct("inform", "restaurant", "choice", str(len(names))),
            *(DialogueAct("select", "restaurant", "name", n) for n in names))  # fmt: skip
    return DialogueState(
        history=(Turn(USER, "french food", (DialogueAct("inform", "restaurant", "food", "french"),)),
                 Turn(SYSTEM, "listed", acts)),  # fmt: skip
        system_acts=acts,
    )


def misread(text: str, start: int, end: int) -> NLUResult:
    """What a slot-value NLU makes of "the second one": a number of people from the reference's words."""
    people = DialogueAct("inform", "", "people", "2")
    return NLUResult(text=text, acts=(people,), slots=(SlotSpan("inform++people", text[start:end], start, end),),
                     confidence=0.9)  # fmt: skip


def test_an_ordinal_picks_the_listed_name_and_drops_the_misread_number(context: BuildContext) -> None:
    names = _names(context, "french")
    state = listed_state(context, names)
    result = resolve_references(misread("the second one", 4, 10), state, context.database)
    assert result.acts == (DialogueAct("inform", "restaurant", "name", names[1]),)
    last = resolve_references(NLUResult(text="the last one"), state, context.database)
    assert last.acts == (DialogueAct("inform", "restaurant", "name", names[-1]),)


def test_a_description_picks_the_one_listed_entity_that_fits(context: BuildContext) -> None:
    names = _names(context, "french")
    areas = {n: context.database.lookup("restaurant", n).fields["area"] for n in names}
    unique = [n for n in names if list(areas.values()).count(areas[n]) == 1]
    assert unique, areas
    state = listed_state(context, names)
    said = NLUResult(text=f"the one in the {areas[unique[0]]}",
                     acts=(DialogueAct("inform", "restaurant", "area", areas[unique[0]]),))  # fmt: skip
    result = resolve_references(said, state, context.database)
    # the description's value stays, as a wish the item picked meets
    assert result.acts == (said.acts[0], DialogueAct("inform", "restaurant", "name", unique[0]))


def test_a_fourth_of_three_names_names_nothing_and_is_no_number(context: BuildContext) -> None:
    names = _names(context, "french")[:3]
    result = resolve_references(misread("the fourth one", 4, 10), listed_state(context, names), context.database)
    assert result.acts == ()


def test_the_second_one_with_no_list_is_no_number_either(context: BuildContext) -> None:
    result = resolve_references(misread("the second one", 4, 10), DialogueState(), context.database)
    assert result.acts == ()


def test_text_without_a_reference_is_left_alone(context: BuildContext) -> None:
    said = NLUResult(text="for 2 people", acts=(DialogueAct("inform", "", "people", "2"),))
    assert resolve_references(said, listed_state(context, _names(context, "french")), context.database) is said


class SpanNLU:
    """Reads numbers as people the way a slot tagger misreads "the second one"; a table for the rest."""

    def __init__(self, table: dict[str, tuple[DialogueAct, ...]]) -> None:
        self.table = table

    def parse(self, text: str, state: object | None = None) -> NLUResult:
        if text in self.table:
            return NLUResult(text=text, acts=self.table[text], confidence=0.95)
        for word, number in (("second", "2"), ("fourth", "4"), ("one", "1")):
            if word in text:
                start = text.index(word)
                span = SlotSpan("inform++people", word, start, start + len(word))
                return NLUResult(text=text, acts=(DialogueAct("inform", "", "people", number),), slots=(span,),
                                 confidence=0.95)  # fmt: skip
        return NLUResult(text=text, confidence=0.95)


def city_pipeline(context: BuildContext, table: dict[str, tuple[DialogueAct, ...]]) -> Pipeline:
    return Pipeline(context, SpanNLU(table), RuleDST(context.domain), RulePolicy(context.database),
                    TemplateNLG.for_domain(context.domain), None, RoutingConfig(0.3))  # fmt: skip


def test_end_to_end_the_city_guide_lists_names_and_takes_the_second(context: BuildContext) -> None:
    names = _names(context, "french")
    assert 2 <= len(names) <= 3
    pipeline = city_pipeline(context, {"any french places": (DialogueAct("inform", "restaurant", "food", "french"),)})
    listing = pipeline.respond("any french places").text
    assert all(title_case(name) in listing for name in names), listing
    turn = pipeline.respond("the second one")
    state = pipeline.state
    assert state.route == ROUTE_TASK
    assert state.belief["restaurant"].constraints.get("name") == names[1]
    assert "people" not in state.belief["restaurant"].booking
    assert any(a.value == names[1] for a in turn.acts), turn.acts


def test_end_to_end_a_fourth_of_three_books_nobody(context: BuildContext) -> None:
    pipeline = city_pipeline(context, {"any french places": (DialogueAct("inform", "restaurant", "food", "french"),)})
    pipeline.respond("any french places")
    pipeline.respond("the fourth one")
    belief = pipeline.state.belief["restaurant"]
    assert "people" not in belief.booking and "name" not in belief.constraints
