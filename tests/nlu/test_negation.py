"""The negation reader: which informs a cue in the text turns into exclusions, and which it leaves alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tod.acts import EXCLUDE, DialogueAct
from tod.belief import DONTCARE
from tod.domain.loader import load_domain
from tod.domain.ontology import Domain
from tod.nlu.negation import cues_for, read_negations, words
from tod.types import SlotSpan

from ..conftest import require_shared


@pytest.fixture(scope="module")
def cityguide() -> Domain:
    return load_domain("cityguide")


def inform(domain: str, slot: str, value: str) -> DialogueAct:
    return DialogueAct("inform", domain, slot, value)


def read(domain: Domain, text: str, *acts: DialogueAct, spans: tuple[SlotSpan, ...] = ()) -> list[str]:
    return [str(a) for a in read_negations(text, acts, spans, domain)]


def span(text: str, surface: str, label: str) -> SlotSpan:
    start = text.index(surface)
    return SlotSpan(label, surface, start, start + len(surface))


# (text, slot, value, excluded?) on the restaurant/hotel/attraction sub-domains of the city guide
EXCLUDED = [
    ("not in the north", "restaurant", "area", "north"),
    ("somewhere not in the north please", "restaurant", "area", "north"),
    ("anything but chinese", "restaurant", "food", "chinese"),
    ("anything but chinese tho", "restaurant", "food", "chinese"),
    ("no indian", "restaurant", "food", "indian"),
    ("no indian food please", "restaurant", "food", "indian"),
    ("somewhere other than the centre", "restaurant", "area", "centre"),
    ("I don't want a guesthouse", "hotel", "type", "guesthouse"),
    ("I dont want a guesthouse", "hotel", "type", "guesthouse"),
    ("I don\u2019t want a guesthouse", "hotel", "type", "guesthouse"),
    ("I do not want to stay in a guesthouse", "hotel", "type", "guesthouse"),
    ("not too expensive", "hotel", "pricerange", "expensive"),
    ("nothing expensive pls", "hotel", "pricerange", "expensive"),
    ("nothing too expensive", "hotel", "pricerange", "expensive"),
    ("just not thai", "restaurant", "food", "thai"),
    ("in the north rather than the centre", "restaurant", "area", "centre"),
    ("anywhere except the south", "restaurant", "area", "south"),
    ("I'd like to avoid the centre", "restaurant", "area", "centre"),
    ("it shouldn't be in the west", "attraction", "area", "west"),
    ("NOT IN THE NORTH", "restaurant", "area", "north"),
]


@pytest.mark.parametrize("text, domain, slot, value", EXCLUDED)
def test_negated_values_become_exclusions(cityguide: Domain, text: str, domain: str, slot: str, value: str) -> None:
    assert read(cityguide, text, inform(domain, slot, value)) == [f"exclude({domain}, {slot}, {value})"]


KEPT = [
    ("I'm not sure, maybe chinese", "restaurant", "food", "chinese"),
    ("im not sure maybe chinese", "restaurant", "food", "chinese"),
    ("I don't mind chinese", "restaurant", "food", "chinese"),
    ("no, the north", "restaurant", "area", "north"),
    ("no the north", "restaurant", "area", "north"),
    ("no i want it in the north", "restaurant", "area", "north"),
    ("isn't there anything cheap?", "restaurant", "pricerange", "cheap"),
    ("don't you have anything cheap", "restaurant", "pricerange", "cheap"),
    ("not only cheap", "restaurant", "pricerange", "cheap"),
    ("north please", "restaurant", "area", "north"),
    ("I don't know, chinese?", "restaurant", "food", "chinese"),
    ("not in the centre, but the north", "restaurant", "area", "north"),
    ("nothing fancy, a cheap place", "restaurant", "pricerange", "cheap"),
    ("I do not want to spend a lot so cheap please", "restaurant", "pricerange", "cheap"),
]


@pytest.mark.parametrize("text, domain, slot, value", KEPT)
def test_non_negations_stay_positive(cityguide: Domain, text: str, domain: str, slot: str, value: str) -> None:
    act = inform(domain, slot, value)
    assert read(cityguide, text, act) == [str(act)]


def test_a_hotel_not_a_guesthouse(cityguide: Domain) -> None:
    text = "a hotel, not a guesthouse"
    out = read(cityguide, text, inform("hotel", "type", "hotel"), inform("hotel", "type", "guesthouse"))
    assert out == ["inform(hotel, type, hotel)", "exclude(hotel, type, guesthouse)"]


def test_north_not_south_wants_the_north(cityguide: Domain) -> None:
    out = read(cityguide, "north not south", inform("", "area", "north"), inform("", "area", "south"))
    assert out == ["inform(area, north)", "exclude(area, south)"]


def test_a_cue_reaches_values_joined_by_or_but_not_past_another_value(cityguide: Domain) -> None:
    both = read(cityguide, "no indian or chinese", inform("restaurant", "food", "indian"), inform("restaurant", "food", "chinese"))
    assert both == ["exclude(restaurant, food, indian)", "exclude(restaurant, food, chinese)"]
    text = "not chinese food in the north"
    out = read(cityguide, text, inform("restaurant", "food", "chinese"), inform("restaurant", "area", "north"))
    assert out == ["exclude(restaurant, food, chinese)", "inform(restaurant, area, north)"]


def test_a_boundary_ends_the_cue(cityguide: Domain) -> None:
    text = "not in the north and cheap"
    out = read(cityguide, text, inform("restaurant", "area", "north"), inform("restaurant", "pricerange", "cheap"))
    assert out == ["exclude(restaurant, area, north)", "inform(restaurant, pricerange, cheap)"]


@pytest.mark.parametrize(
    "text", ["I don't need parking", "no need for parking", "it doesn't have to have parking", "I dont need parking"]
)
def test_relaxing_phrases_read_as_dontcare(cityguide: Domain, text: str) -> None:
    act = inform("hotel", "parking", "yes")
    out = read_negations(text, [act], [span(text, "parking", "inform+hotel+parking")], cityguide)
    assert out == (DialogueAct("inform", "hotel", "parking", DONTCARE),)


def test_doesnt_have_to_be_in_the_centre_is_dontcare(cityguide: Domain) -> None:
    assert read(cityguide, "it doesn't have to be in the centre", inform("hotel", "area", "centre")) == [
        "inform(hotel, area, dontcare)"
    ]


def test_spans_are_matched_to_acts_by_label_in_order(cityguide: Domain) -> None:
    text = "what is there to do in the west? not clubbing tho"
    spans = (span(text, "west", "inform+attraction+area"), span(text, "clubbing", "inform+attraction+type"))
    acts = (inform("attraction", "area", "west"), inform("attraction", "type", "nightclub"))  # value mapped
    assert read(cityguide, text, *acts, spans=spans) == ["inform(attraction, area, west)", "exclude(attraction, type, nightclub)"]


def test_dontcare_requests_and_unfound_values_are_left_alone(cityguide: Domain) -> None:
    acts = (
        inform("restaurant", "area", DONTCARE),
        DialogueAct("request", "restaurant", "phone", "?"),
        inform("restaurant", "food", "korean"),  # not written in the text: nothing to read
        DialogueAct("negate", "general"),
    )
    assert read_negations("no, not any area, I don't mind", acts, (), cityguide) == acts


def test_a_cue_word_inside_another_tagged_value_is_not_a_cue(cityguide: Domain) -> None:
    text = "internet no north"  # "no" is the internet value here, not a negation of north
    acts = (inform("hotel", "internet", "no"), inform("hotel", "area", "north"))
    spans = (span(text, "no", "inform+hotel+internet"), span(text, "north", "inform+hotel+area"))
    assert read_negations(text, acts, spans, cityguide) == acts
    stray = SlotSpan("inform+restaurant+food", "not", 0, 3)  # a tagger that took "not" into a value
    act = inform("restaurant", "area", "north")
    assert read_negations("not in the north", [act], [stray], cityguide) == (act,)


def test_time_and_bound_slots_are_never_negated() -> None:
    multiwoz = load_domain("multiwoz", data_dir=require_shared("multiwoz", "val.json.zip").parent)
    act = inform("train", "leaveAt", "20:00")
    assert read_negations("not before 8 pm", [act], (), multiwoz) == (act,)
    hotel = inform("hotel", "stars", "4")
    assert read_negations("not 4 stars", [hotel], (), multiwoz)[0].intent == EXCLUDE


def test_languages_without_cues_are_left_as_read(cityguide: Domain) -> None:
    chinese = replace(cityguide, language="zh")  # CrossWOZ's language: no cue data
    assert cues_for("zh") is None
    act = inform("restaurant", "food", "chinese")
    assert read_negations("not chinese", [act], (), chinese) == (act,)
    assert cues_for("en-GB") is cues_for("en") is not None


def test_words_keep_offsets_and_restore_apostrophes() -> None:
    found = words("I dont want it, ok?", cues_for("en"))
    assert [w.text for w in found] == ["i", "don't", "want", "it", ",", "ok", "?"]
    assert all("I dont want it, ok?"[w.start : w.end].lower().replace("dont", "don't") == w.text for w in found)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "not " * 2000 + "north",
        "\u0130stanbul not in the north \u00df",  # lower() changes the length of these
        "no" + "," * 500,
        "n't n't n't north",
        "not {north} %s \x00",
        "-- - \u2014 not\u2014north",
    ],
)
def test_hostile_text_never_fails(cityguide: Domain, text: str) -> None:
    act = inform("restaurant", "area", "north")
    out = read_negations(text, [act], (), cityguide)
    assert len(out) == 1 and out[0].value == "north" and out[0].slot == "area"


def test_an_act_without_its_span_is_found_in_the_text(cityguide: Domain) -> None:
    act = inform("restaurant", "area", "north")
    other = span("cheap, not in the north", "cheap", "inform+restaurant+pricerange")
    out = read_negations("cheap, not in the north", [act], [other], cityguide)
    assert out == (DialogueAct(EXCLUDE, "restaurant", "area", "north"),)


@pytest.mark.parametrize(
    "text", ["No parking needed.", "I don't need parking.", "It doesn't need to have parking.", "so no parking"]
)
def test_a_value_that_already_says_no_is_left_alone(cityguide: Domain, text: str) -> None:
    act = inform("hotel", "parking", "no")  # the NLU read the negation itself (the user templates' own reading)
    assert read_negations(text, [act], [span(text, "parking", "inform+hotel+parking")], cityguide) == (act,)
