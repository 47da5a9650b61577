"""Carrying annotated human user turns onto another domain (tod.data.relex): the mapping file's checks,
delexicalisation and relexicalisation on hand-made and real turns."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import require_shared
from tod.acts import REQUESTED, DialogueAct
from tod.belief import DONTCARE
from tod.data.relex import CorpusMapping, Relexicaliser, carry, domain_mapping, load_mapping, mapping_path
from tod.dialogue import SYSTEM, USER, ActSpan, Dialogue, Turn
from tod.domain.context import BuildContext
from tod.domain.normalise import name_key, norm_text
from tod.errors import ConfigError


@pytest.fixture(scope="module")
def context() -> BuildContext:
    return BuildContext.open("cityguide")


@pytest.fixture(scope="module")
def mapping(context: BuildContext) -> CorpusMapping:
    loaded = domain_mapping(context.domain)
    assert loaded is not None
    return loaded


def relex(mapping: CorpusMapping, context: BuildContext, source: str = "multiwoz-val") -> Relexicaliser:
    return Relexicaliser(mapping, mapping.source_named(source), context.database, seed=0)


def span(text: str, words: str, act: DialogueAct) -> ActSpan:
    start = text.index(words)
    return ActSpan(act, start, start + len(words))


def user(text: str, *acts: tuple[DialogueAct, str | None]) -> Turn:
    return Turn(USER, text, tuple(a for a, _ in acts), tuple(span(text, w, a) for a, w in acts if w))


def written(turn: Turn) -> list[tuple[str, DialogueAct]]:
    return [(turn.text[s.start : s.end], s.act) for s in turn.spans]


# ------------------------------------------------------------------------------------------ mapping file
def test_the_shipped_mapping_loads_and_names_only_city_guide_slots(mapping: CorpusMapping, context) -> None:
    assert set(mapping.sources) == {"multiwoz-val", "camrest", "woz"}
    for source in mapping.sources.values():
        for sub in source.subdomains.values():
            schema = context.domain.schemas[sub.target]
            assert all(schema.slot(slot) is not None for slot in sub.slots.values())
    assert mapping.sources["multiwoz-val"].holdout == (0.2, 13)  # `tod train nlu --dev-fraction 0.2 --split-seed 13`


GOOD = """
sources:
  s:
    corpus: multiwoz
    path: multiwoz/val.json.zip
    split: val
    subdomains:
      hotel: {to: hotel, slots: {area: area}}
user_intents: [inform]
system_intents: {inform: inform}
general: general
"""


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("slots: {area: area}", "slots: {area: colour}"), "unknown slot 'colour' of hotel"),
        (("{to: hotel,", "{to: spaceship,"), "unknown sub-domain 'spaceship'"),
        (("split: val", "split: val\n    shelf: 3"), "unknown key(s) ['shelf']"),
        (("user_intents: [inform]", "user_intents: inform"), "user_intents: expected a non-empty list"),
        (("general: general", "general: 7"), "general: expected a non-empty name"),
        (("split: val", "split: val\n    holdout: {dev_fraction: 1.5, seed: 13}"), "expected a number in (0, 1)"),
        (("split: val", "split: val\n    holdout: {dev_fraction: 0.2, seed: x}"), "expected an integer seed"),
        (("split: val", "split: val\n    detokenise: [\"n't\"]"), "pieces starting with one space"),
        (("slots: {area: area}", "slots: {yes: area}"), "boolean key"),
        (("    corpus: multiwoz\n", ""), "missing key(s) ['corpus']"),
        (("subdomains:\n      hotel: {to: hotel, slots: {area: area}}", "subdomains: [hotel]"), "expected a mapping"),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_file_and_key(tmp_path: Path, context, edit, message) -> None:
    old, new = edit
    assert old in GOOD
    path = tmp_path / "corpora.yaml"
    path.write_text(GOOD.replace(old, new))
    with pytest.raises(ConfigError) as caught:
        load_mapping(path, context.domain)
    assert message in str(caught.value) and str(path) in str(caught.value)


@pytest.mark.parametrize("text", ["sources: [unclosed", "", "- a list\n", "sources: {}\n", "user_intents: [x]\n"])
def test_malformed_or_empty_mapping_files_are_clear_errors(tmp_path: Path, context, text: str) -> None:
    path = tmp_path / "corpora.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="corpora.yaml"):
        load_mapping(path, context.domain)


def test_an_unknown_source_name_lists_the_known_ones(mapping: CorpusMapping) -> None:
    with pytest.raises(ConfigError, match=r"no source 'snips'.*camrest"):
        mapping.source_named("snips")


def test_a_missing_corpus_file_is_named(mapping: CorpusMapping, context, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="val.json.zip not found"):
        carry(mapping, "multiwoz-val", context.database, tmp_path)


def test_a_domain_without_a_mapping_file_has_none() -> None:
    other = BuildContext.open("multiwoz", require_shared("multiwoz"))
    assert not mapping_path(other.domain).exists() and domain_mapping(other.domain) is None


# ------------------------------------------------------------------------------------------ carrying turns
def test_known_values_keep_the_persons_words_and_names_become_city_guide_names(mapping, context) -> None:
    name = DialogueAct("inform", "restaurant", "name", "pizza hut city centre")
    area = DialogueAct("inform", "restaurant", "area", "north")
    people = DialogueAct("inform", "restaurant", "people", "4")
    turn = user("Book Pizza Hut City Centre up north for 4 people in Cambridge , please .", (name, "Pizza Hut City Centre"), (area, "north"), (people, "4"))
    out = relex(mapping, context).turn("PMUL1", 2, turn, None)
    (carried,) = out.turns
    spans = dict((a.slot, (w, a.value)) for w, a in written(carried))
    assert spans["area"] == ("north", "north") and spans["people"] == ("4", "4")
    surface, value = spans["name"]
    assert context.database.lookup("restaurant", value) is not None  # a city guide restaurant
    assert name_key(surface) == name_key(value) and surface[:1].isupper()  # written as the person cased it
    assert "pizza hut" not in carried.text.lower() and "Cambridge" not in carried.text
    assert "Harbourton" in carried.text and carried.text.endswith("please.")  # detokenised
    assert out.id == "multiwoz-val-PMUL1-2" and out.corpus == "cityguide-from-multiwoz-val"


def test_values_the_city_guide_lacks_are_replaced_by_its_own(mapping, context) -> None:
    food = DialogueAct("inform", "restaurant", "food", "gastropub")
    turn = user("a gastropub would be nice", (food, "gastropub"))
    (carried,) = relex(mapping, context).turn("d", 0, turn, None).turns
    ((words, act),) = written(carried)
    assert act.value in context.domain.schemas["restaurant"].slots["food"].values
    assert words == act.value and carried.text == f"a {act.value} would be nice"


def test_an_unmarked_value_is_found_through_the_ontologys_synonyms(mapping, context) -> None:
    price = DialogueAct("inform", "restaurant", "price range", "moderate")
    area = DialogueAct("inform", "restaurant", "area", "centre")
    turn = user("Something moderately priced downtown.", (price, None), (area, None))
    (carried,) = relex(mapping, context, "camrest").turn("c", 0, turn, None).turns
    assert written(carried) == [
        ("moderately priced", DialogueAct("inform", "restaurant", "pricerange", "moderate")),
        ("downtown", DialogueAct("inform", "restaurant", "area", "centre")),
    ]


def test_a_known_value_not_written_stays_an_act_without_a_span(mapping, context) -> None:
    parking = DialogueAct("inform", "hotel", "parking", "yes")
    (carried,) = relex(mapping, context).turn("d", 0, user("somewhere I can leave the car", (parking, None)), None).turns
    assert carried.acts == (parking,) and carried.spans == ()


@pytest.mark.parametrize(
    ("turn", "reason"),
    [
        (user("a train to ely", (DialogueAct("inform", "train", "destination", "ely"), "ely")), "domain train"),
        (user("what is the reference ?", (DialogueAct("request", "hotel", "ref", REQUESTED), None)), "slot hotel.ref"),
        (user("thank you goodbye"), "no acts"),
        (user("the usual place", (DialogueAct("inform", "restaurant", "name", "the eagle"), None)), "value not written"),
        (user("fine", (DialogueAct("nooffer", "hotel", "", ""), None)), "intent nooffer"),
    ],
)
def test_turns_that_do_not_map_stay_behind_with_a_reason(mapping, context, turn: Turn, reason: str) -> None:
    carried = relex(mapping, context).dialogues([Dialogue("d1", (turn,))])
    assert carried.dialogues == () and carried.user_turns == 1
    assert [why for why in carried.left if reason in why]


def test_the_system_turn_before_gives_its_mapped_acts_as_context(mapping, context) -> None:
    system = Turn(
        SYSTEM,
        "Booked ! Reference ABC . Anything else ? Trains leave hourly .",
        (
            DialogueAct("book", "booking", "ref", "ABC"),
            DialogueAct("reqmore", "general"),
            DialogueAct("inform", "train", "leaveAt", "10:00"),  # another sub-domain: left out of the context
        ),
    )
    first = user("a hotel in the east", (DialogueAct("inform", "hotel", "area", "east"), "east"))
    then = user("thanks", (DialogueAct("thank", "general"), None))
    carried = relex(mapping, context).dialogues([Dialogue("d", (first, system, then))])
    second = carried.dialogues[1]
    assert [t.speaker for t in second.turns] == [SYSTEM, USER]
    assert second.turns[0].acts == (DialogueAct("book", "hotel", "ref", "ABC"), DialogueAct("reqmore", "general"))


def test_dontcare_and_requests_carry_without_spans(mapping, context) -> None:
    turn = user(
        "any area is fine , what is the phone ?",
        (DialogueAct("inform", "attraction", "area", DONTCARE), None),
        (DialogueAct("request", "attraction", "phone", REQUESTED), None),
    )
    (carried,) = relex(mapping, context).turn("d", 0, turn, None).turns
    assert carried.acts == (
        DialogueAct("inform", "attraction", "area", DONTCARE),
        DialogueAct("request", "attraction", "phone", REQUESTED),
    )
    assert carried.text == "any area is fine, what is the phone?"


def test_relexicalisation_is_seeded_by_the_turn_not_by_reading_order(mapping, context) -> None:
    def turn(n: int) -> Turn:
        return user(f"table at Kymmoy {n}", (DialogueAct("inform", "restaurant", "name", f"kymmoy {n}"), f"Kymmoy {n}"))

    dialogues = [Dialogue(f"d{n}", (turn(n),)) for n in range(8)]
    forward = relex(mapping, context).dialogues(dialogues).dialogues
    backward = relex(mapping, context).dialogues(list(reversed(dialogues))).dialogues
    assert sorted(forward, key=lambda d: d.id) == sorted(backward, key=lambda d: d.id)
    assert len({d.turns[-1].acts[0].value for d in forward}) > 1  # names vary


def test_a_name_after_the_article_the_is_not_written_twice(mapping, context) -> None:
    name = DialogueAct("inform", "hotel", "name", "acorn guest house")
    for seed in range(20):
        carried = Relexicaliser(mapping, mapping.source_named("multiwoz-val"), context.database, seed).turn(
            "d", 0, user("book the acorn guest house", (name, "acorn guest house")), None
        )
        assert " the the " not in carried.turns[-1].text.lower()


def test_hostile_turns_leave_nothing_half_made(mapping, context) -> None:
    area = DialogueAct("inform", "hotel", "area", "north")
    overlapping = Turn(
        USER,
        "north north",
        (area, DialogueAct("inform", "hotel", "name", "north lodge")),
        (ActSpan(area, 0, 5), ActSpan(DialogueAct("inform", "hotel", "name", "north lodge"), 0, 11)),
    )
    weird = user("\u202e\x00 name: <script>", (DialogueAct("inform", "hotel", "name", "<script>"), "<script>"))
    carried = relex(mapping, context).dialogues([Dialogue("a", (overlapping,)), Dialogue("b", (weird,))])
    for dialogue in carried.dialogues:
        turn = dialogue.turns[-1]
        for s in turn.spans:
            assert 0 <= s.start < s.end <= len(turn.text)
    assert "<script>" not in " ".join(d.turns[-1].text for d in carried.dialogues)
    assert carried.user_turns == 2


# ------------------------------------------------------------------------------------------ real corpora
_CARRIED: dict[str, object] = {}


def carried_real(mapping, context, source: str):
    """The real corpus ``source`` carried onto the city guide (once per test session)."""
    if source not in _CARRIED:
        _CARRIED[source] = carry(mapping, source, context.database, require_shared())
    return _CARRIED[source]


@pytest.mark.parametrize("source", ["multiwoz-val", "camrest", "woz"])
def test_real_turns_carry_with_consistent_spans(mapping, context, source: str) -> None:
    carried = carried_real(mapping, context, source)
    assert len(carried.dialogues) > 0.4 * carried.user_turns > 400
    names = {s: {name_key(e.name) for e in context.database.entities(s)} for s in context.database.subdomains}
    for dialogue in carried.dialogues:
        turn = dialogue.turns[-1]
        assert "cambridge" not in turn.text.lower()
        for words, act in written(turn):
            slot = context.domain.schemas[act.domain].slots[act.slot]
            if slot.kind == "name":
                assert name_key(act.value) in names[act.domain] and name_key(words) == name_key(act.value)
            elif slot.kind == "categorical":
                assert act.value in slot.values
                assert norm_text(words, slot.synonyms) == act.value or act.value in words.lower(), (words, act)


def test_only_the_training_part_of_multiwoz_val_is_carried(mapping, context) -> None:
    from tod.data.multiwoz import load_multiwoz
    from tod.data.split import train_dev_parts

    path = require_shared("multiwoz", "val.json.zip")
    _, dev = train_dev_parts(load_multiwoz(path, splits=["val"])["val"], 0.2, 13)
    carried = carried_real(mapping, context, "multiwoz-val")
    used = {d.id.split("-")[2] for d in carried.dialogues}
    assert used and not used & {d.id for d in dev}
