"""Replies a person would accept: names as names, sentences with capitals, plurals, short name lists,
no word-for-word repeat; the template options behind them and their malformed forms."""

from __future__ import annotations

import re

import pytest

from tod.acts import GENERAL, DialogueAct
from tod.dialogue import SYSTEM, USER, Turn
from tod.errors import NLGError
from tod.nlg.english import capitalise_first, title_case
from tod.nlg.template import TemplateNLG
from tod.nlg.templates import parse_templates
from tod.state import DialogueState


@pytest.fixture(scope="module")
def city() -> TemplateNLG:
    return TemplateNLG.for_domain("cityguide")


def r(intent: str, sub: str, slot: str = "", value: str = "") -> DialogueAct:
    return DialogueAct(intent, sub, slot, value)


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        ("trattoria lucca", "Trattoria Lucca"),
        ("harbourton museum of the sea", "Harbourton Museum of the Sea"),
        ("the lantern gallery", "The Lantern Gallery"),
        ("50 tanner's yard", "50 Tanner's Yard"),
        ("TR1234", "TR1234"),  # a capital letter: written as the database writes it
        ("McDonald's", "McDonald's"),
        ("hb1 6da", "hb1 6da"),  # words with digits keep their case
        ("", ""),
        ("文化宫", "文化宫"),
    ],
)
def test_title_case_of_names(stored: str, written: str) -> None:
    assert title_case(stored) == written
    assert len(title_case(stored)) == len(stored)


def test_capitalise_first_only_raises_a_lower_case_letter() -> None:
    assert capitalise_first("trattoria lucca is booked.") == "Trattoria lucca is booked."
    assert capitalise_first("12 people") == "12 people"
    assert capitalise_first("") == ""


def test_a_name_starting_a_sentence_is_proper_case(city: TemplateNLG) -> None:
    acts = [r("book", "restaurant", "name", "trattoria lucca"), r("book", "restaurant", "ref", "AB12CD34")]
    texts = {city.generate(acts, variant=v) for v in range(6)}
    assert any(t.startswith("Trattoria Lucca is booked") for t in texts), texts
    assert all("trattoria lucca" not in t for t in texts), texts


def test_names_are_written_as_names_but_other_values_are_not(city: TemplateNLG) -> None:
    acts = [r("recommend", "restaurant", "name", "casa ferro"), r("recommend", "restaurant", "food", "italian"),
            r("recommend", "restaurant", "area", "north")]  # fmt: skip
    text, spans = city.generate_with_spans(acts)
    assert "Casa Ferro" in text and "italian" in text and "north" in text, text
    for span in spans:  # spans still cover the written value (only its case differs)
        assert text[span.start : span.end].casefold() == span.act.value.casefold()


def test_every_sentence_starts_with_a_capital(city: TemplateNLG) -> None:
    acts = [r("recommend", "restaurant", "name", "casa ferro"), r("offerbook", "restaurant")]
    for variant in range(8):
        text = city.generate([r("recommend", "restaurant", "name", "casa ferro")], variant=variant)
        assert text[0].isupper(), text
        assert city.generate(acts, variant=variant)[0].isupper()


@pytest.mark.parametrize(
    ("slot", "value", "right", "wrong"),
    [
        ("people", "1", "1 person", "1 people"),
        ("people", "2", "2 people", "2 person"),
        ("stay", "1", "1 night", "1 nights"),
        ("stay", "3", "3 nights", "3 night"),
    ],
)
@pytest.mark.parametrize("domain", ["cityguide", "multiwoz"])
def test_booking_details_agree_in_number(domain: str, slot: str, value: str, right: str, wrong: str) -> None:
    nlg = TemplateNLG.for_domain(domain)
    acts = [r("book", "hotel", "name", "the grand beacon"), r("book", "hotel", slot, value), r("book", "hotel", "ref", "X1")]
    for variant in range(6):
        text = nlg.generate(acts, variant=variant)
        assert re.search(rf"\b{right}\b", text) and not re.search(rf"\b{wrong}\b", text), text


@pytest.mark.parametrize("domain", ["cityguide", "multiwoz"])
def test_counts_and_stars_agree_in_number(domain: str) -> None:
    nlg = TemplateNLG.for_domain(domain)
    for variant in range(6):
        one = nlg.generate([r("inform", "hotel", "choice", "1")], variant=variant)
        many = nlg.generate([r("inform", "hotel", "choice", "3")], variant=variant)
        star = nlg.generate([r("inform", "hotel", "stars", "1")], variant=variant)
        assert "1 hotels" not in one and "3 hotel " not in many + " " and "1 stars" not in star, (one, many, star)


def test_a_short_list_of_names_reads_as_a_choice(city: TemplateNLG) -> None:
    names = ["trattoria lucca", "the anchor", "bella vista"]
    acts = [r("inform", "restaurant", "choice", "3"), *(r("select", "restaurant", "name", n) for n in names)]
    text = city.generate(acts)
    assert "3 restaurants" in text or "3 options" in text, text
    assert "Trattoria Lucca, The Anchor or Bella Vista" in text, text


def _after(reply: str) -> DialogueState:
    return DialogueState(history=(Turn(USER, "hi", ()), Turn(SYSTEM, reply, ()), Turn(USER, "again", ())))


def test_a_reply_never_repeats_the_previous_one_word_for_word(city: TemplateNLG) -> None:
    acts = [r("nooffer", "restaurant", "food", "martian"), r("nooffer", "restaurant", "area", "north")]
    for variant in range(5):
        first = city.generate(acts, variant=variant)
        second = city.generate(acts, _after(first), variant=variant)
        assert second != first and second, (first, second)
        # the same words in other case or spacing are a repeat too
        assert city.generate(acts, _after(f"  {first.upper()} "), variant=variant).casefold() != first.casefold()


def test_a_single_template_may_repeat_rather_than_fail(city: TemplateNLG) -> None:
    only = "Hello"
    nlg = TemplateNLG(parse_templates({"templates": {"greet(general)": [only]}}, "t", "system"))
    assert nlg.generate([r("greet", GENERAL)], _after(only)) == only


def test_user_templates_keep_names_as_people_type_them() -> None:
    user = TemplateNLG.for_domain("cityguide", side="user")
    assert user.templates.names == "as-is" and not user.templates.capitalise


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"names": "shouting"}, "names"),
        ({"names": ["title"]}, "names"),
        ({"capitalise": "yes please"}, "capitalise"),
        ({"capitalise": 1}, "capitalise"),
        ({"language": "zh", "names": "title"}, "English only"),
    ],
)
def test_malformed_case_options_are_refused(extra: dict, message: str) -> None:
    raw = {"templates": {"greet(general)": ["hi"]}, **extra}
    with pytest.raises(NLGError, match=message):
        parse_templates(raw, "bad.yaml", "system")


def test_chinese_templates_are_unchanged_by_the_case_options() -> None:
    zh = TemplateNLG.for_domain("crosswoz", side="system")
    assert zh.templates.names == "as-is" and not zh.templates.capitalise


def test_a_value_that_ends_a_sentence_gets_one_full_stop() -> None:
    from tod.nlg.english import one_full_stop

    assert one_full_stop("It opens from 9 a.m. to 5 p.m..") == "It opens from 9 a.m. to 5 p.m."
    assert one_full_stop("Wait...") == "Wait..." and one_full_stop("Done.") == "Done." and one_full_stop("") == ""
