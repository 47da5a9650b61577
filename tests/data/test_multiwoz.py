import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, require_shared
from tod.belief import DONTCARE
from tod.data.corpus import load_corpus
from tod.data.multiwoz import load_multiwoz
from tod.dialogue import Dialogue
from tod.errors import CorpusError
from tod.types import REQUESTED, DialogueAct

FIXTURE = FIXTURES / "multiwoz" / "val.json"


def fixture_data() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def write_zip(directory: Path, data: object, split: str = "val") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{split}.json.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{split}.json", json.dumps(data))
    return path


def test_fixture_zip_loads_acts_spans_states_and_goals(tmp_path):
    write_zip(tmp_path, fixture_data())
    corpus = load_corpus("multiwoz", tmp_path)
    assert corpus.name == "multiwoz" and list(corpus.splits) == ["val"] and not corpus.skipped
    first, second, third = corpus["val"]
    assert [d.id for d in corpus["val"]] == ["FIX001", "FIX002", "FIX003"]
    assert first.corpus == "multiwoz" and first.split == "val" and first.info == {"topic": "hotel"}
    assert [t.speaker for t in first.turns] == ["user", "system"] * 3
    assert first.turns[0].acts == (
        DialogueAct("inform", "hotel", "pricerange", "cheap"),
        DialogueAct("inform", "hotel", "area", "north"),
    )
    assert DialogueAct("request", "hotel", "internet", REQUESTED) in first.turns[1].acts
    assert first.turns[3].acts[2:] == (
        DialogueAct("book", "booking", "people", "2"),
        DialogueAct("book", "booking", "ref", "AB12"),
    )
    assert first.turns[4].acts == (DialogueAct("thank", "general"), DialogueAct("bye", "general"))
    span = first.turns[3].spans[0]
    assert first.turns[3].text[span.start : span.end] == "alexander b&b" and span.act.slot == "name"
    # train "Time" is the duration, "Ticket" the price, "Id" the trainID; attraction "Price" the fee
    assert [a.slot for a in second.turns[1].acts] == ["trainID", "leaveAt", "duration", "price"]
    assert third.turns[0].acts[0] == DialogueAct("request", "attraction", "entrance fee", REQUESTED)


def test_state_sits_on_the_user_turn_and_the_system_reply(tmp_path):
    dialogue = load_multiwoz(FIXTURE)["val"][0]
    user, system = dialogue.turns[2], dialogue.turns[3]
    assert user.state is system.state
    hotel = system.state["hotel"]
    assert hotel.constraints == {"area": "north", "pricerange": "cheap", "stars": DONTCARE, "internet": "yes"}
    assert hotel.requested == ("phone",)  # from the user's Request act in turn 2
    assert hotel.booking == {"people": "2"}
    assert hotel.booked == ({"name": "alexander b&b", "reference": "AB12"},)
    assert list(system.state) == ["hotel"]  # empty taxi/train beliefs are dropped
    assert dialogue.turns[4].state["hotel"].requested == ()


def test_goal_order_booking_flags_and_description():
    first, second, third = load_multiwoz(FIXTURE)["val"]
    hotel = first.goal.subgoals[0]
    assert hotel.booking == {"people": "2", "day": "monday", "stay": "2"}  # "invalid" flag removed
    assert hotel.requests == ("phone",)
    assert first.goal.description == ("You want a cheap hotel in the north", "Book it for 2 people & 2 nights")
    # the train is talked about first; the restaurant never: train, then restaurant
    assert [(s.domain, s.id) for s in second.goal.subgoals] == [("train", 0), ("restaurant", 1)]
    assert second.goal.subgoals[1].fail_constraints == {"food": "korean"}
    assert third.goal.description == ("Find a museum",)


def test_irregular_whitespace_and_an_empty_span_entry():
    corpus = load_multiwoz(FIXTURE)
    turn = corpus["val"][2].turns[0]
    assert [turn.text[s.start : s.end] for s in turn.spans] == ["museum"]
    (warning,) = corpus.warnings
    assert "left out 1 span_info entries that cover no word" in warning and "FIX003 turn 0" in warning


def test_split_selection_and_unzipped_files(tmp_path):
    write_zip(tmp_path, fixture_data(), "test")
    (tmp_path / "val.json").write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    assert list(load_multiwoz(tmp_path).splits) == ["val", "test"]
    assert list(load_multiwoz(tmp_path, splits=["test"]).splits) == ["test"]
    with pytest.raises(CorpusError, match="no 'train' split"):
        load_multiwoz(tmp_path, splits=["train"])
    with pytest.raises(CorpusError, match="expected a MultiWOZ directory or split file"):
        load_multiwoz(tmp_path / "missing")
    with pytest.raises(CorpusError, match="file holds split 'val', but splits \\['train'\\]"):
        load_multiwoz(tmp_path / "val.json", splits=["train"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no MultiWOZ split files"):
        load_multiwoz(tmp_path / "empty")


def mutate(edit) -> dict:
    data = fixture_data()
    edit(data)
    return data


BAD_DIALOGUES = [
    (lambda d: d["FIX002"].pop("log"), "FIX002", None, "expected an object with a 'log' list"),
    (lambda d: d["FIX002"]["log"].__setitem__(1, "text"), "FIX002", 1, "expected a turn object, found str"),
    (lambda d: d["FIX002"]["log"][0].__setitem__("text", 5), "FIX002", 0, "'text' must be a string, found int"),
    (lambda d: d["FIX002"]["log"][1]["span_info"][0].__setitem__(4, 40), "FIX002", 1, "out of range"),
    (lambda d: d["FIX002"]["log"][1]["span_info"][0].__setitem__(3, 3), "FIX002", 1, "inverted"),
    (
        lambda d: d["FIX001"]["log"][2]["dialog_act"].update({"Hotel-Haggle": [["Price", "x"]]}),
        "FIX001",
        2,
        "unknown act",
    ),
    (lambda d: d["FIX001"]["log"][2]["dialog_act"].update({"Spa-Inform": [["Area", "x"]]}), "FIX001", 2, "unknown act"),
    (
        lambda d: d["FIX001"]["log"][2]["dialog_act"].update({"Hotel-Inform": [["Colour", "x"]]}),
        "FIX001",
        2,
        "unknown act slot",
    ),
    (lambda d: d["FIX001"]["log"][3]["metadata"]["hotel"]["semi"].update({"area": 3}), "FIX001", 3, "string value"),
    (lambda d: d["FIX003"].__setitem__("goal", []), "FIX003", None, "'goal' must be an object"),
]


@pytest.mark.parametrize("edit, dialogue, turn, message", BAD_DIALOGUES)
def test_malformed_dialogue_names_file_dialogue_and_turn(tmp_path, edit, dialogue, turn, message):
    path = write_zip(tmp_path, mutate(edit))
    with pytest.raises(CorpusError, match=re.escape(message)) as caught:
        load_multiwoz(path)
    assert caught.value.path == str(path) and caught.value.dialogue == dialogue and caught.value.turn == turn
    corpus = load_multiwoz(path, lenient=True)  # lenient: skipped, recorded, the rest loaded
    assert [s.dialogue for s in corpus.skipped] == [dialogue] and corpus.skipped[0].turn == turn
    assert len(corpus["val"]) == 2 and dialogue not in {d.id for d in corpus["val"]}


def test_lenient_mode_counts_every_skip(tmp_path):
    data = mutate(lambda d: (d["FIX001"].pop("log"), d["FIX003"]["log"][0].__setitem__("text", None)))
    corpus = load_multiwoz(write_zip(tmp_path, data), lenient=True)
    assert [(s.dialogue, s.turn) for s in corpus.skipped] == [("FIX001", None), ("FIX003", 0)]
    assert [d.id for d in corpus["val"]] == ["FIX002"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"PK\x03\x04 truncated", "not a readable zip archive"),
        (b"\xff\xfe not utf-8", "expected UTF-8 text in a MultiWOZ split, found byte 0xff"),
        (b'{"FIX001": ', "not valid JSON"),
        (b"[]", "expected a JSON object keyed by dialogue ID, found list"),
    ],
)
def test_file_level_errors_raise_even_when_lenient(tmp_path, content, message):
    if content.startswith(b"PK"):
        good = write_zip(tmp_path / "good", fixture_data())
        path = tmp_path / "val.json.zip"
        path.write_bytes(good.read_bytes()[:200])
    else:
        path = tmp_path / "val.json"
        path.write_bytes(content)
    with pytest.raises(CorpusError, match=re.escape(message)):
        load_multiwoz(path, lenient=True)


@pytest.fixture(scope="module")
def real_val() -> tuple[Dialogue, ...]:
    return load_multiwoz(require_shared("multiwoz", "val.json.zip"))["val"]


@pytest.mark.corpus
def test_real_val_has_the_documented_counts(real_val):
    raw = json.loads(zipfile.ZipFile(require_shared("multiwoz", "val.json.zip")).read("val.json"))
    assert len(real_val) == 999 and [d.id for d in real_val] == list(raw)
    assert Counter(t.speaker for d in real_val for t in d.turns) == {"user": 7365, "system": 7365}
    assert sum(len(t["span_info"]) for d in raw.values() for t in d["log"]) == 18914
    # two entries cover no word (last index = first - 1) and are left out
    assert sum(len(t.spans) for d in real_val for t in d.turns) == 18912
    goals = Counter(s.domain for d in real_val for s in d.goal.subgoals)
    assert goals == {"hotel": 415, "train": 484, "attraction": 400, "restaurant": 438, "taxi": 206}
    assert sum("topic" in d.info for d in real_val) == 506


@pytest.mark.corpus
def test_real_span_surface_text_is_the_covered_words(real_val):
    raw = json.loads(zipfile.ZipFile(require_shared("multiwoz", "val.json.zip")).read("val.json"))
    for dialogue in real_val:
        for index, turn in enumerate(dialogue.turns):
            entries = [e for e in raw[dialogue.id]["log"][index]["span_info"] if e[4] >= e[3]]
            words = turn.text.split()
            assert len(entries) == len(turn.spans)
            for entry, span in zip(entries, turn.spans):
                assert turn.text[span.start : span.end].split() == words[entry[3] : entry[4] + 1]


@pytest.mark.corpus
def test_real_belief_state_and_round_trip(real_val):
    dialogue = next(d for d in real_val if d.id == "PMUL1635")
    user, system = dialogue.turns[0], dialogue.turns[1]
    assert user.state == system.state
    assert system.state.constraint_triples() == {("hotel", "area", "east"), ("hotel", "stars", "4")}
    assert dialogue.goal.domains == ("hotel", "train")
    assert Dialogue.from_json(dialogue.to_json()) == dialogue
    assert all(Dialogue.from_json(d.to_json()) == d for d in real_val[:50])
    slots = {a.slot for d in real_val for t in d.turns for a in t.acts}
    assert {"pricerange", "trainID", "duration", "price", "car type", "entrance fee", "leaveAt"} <= slots
    assert not slots & {"Price", "Ticket", "Id", "Car", "none"}


def test_real_val_reports_the_spans_it_left_out():
    root = require_shared("multiwoz", "val.json.zip")
    corpus = load_multiwoz(root)
    assert len(corpus.warnings) == 1
    assert "2 span_info entries that cover no word" in corpus.warnings[0]
    assert "MUL2418 turn 7" in corpus.warnings[0] and "PMUL3320 turn 9" in corpus.warnings[0]
