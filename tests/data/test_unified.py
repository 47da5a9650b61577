import copy
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_shared
from tod.acts import REQUESTED, DialogueAct
from tod.belief import DONTCARE
from tod.data.corpus import load_corpus
from tod.data.unified import load_camrest, load_unified, load_woz
from tod.dialogue import Dialogue
from tod.errors import CorpusError

ONTOLOGY = {
    "intents": {"inform": {}, "request": {}, "nooffer": {}},
    "domains": {"restaurant": {"slots": {"food": {}, "area": {}, "phone": {}}}},
    "state": {},
    "dialogue_acts": {},
}
TEXT = "I want thai food in any area."


def act(intent: str, slot: str, value: str | None = None, **span: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"intent": intent, "domain": "restaurant", "slot": slot, **span}
    if value is not None:
        entry["value"] = value
    return entry


def dialogue(did: str = "tiny-train-0", split: str = "train") -> dict[str, Any]:
    """A camrest-shaped dialogue: a span, dontcare, a request, a system turn without state."""
    return {
        "dataset": "tiny",
        "data_split": split,
        "dialogue_id": did,
        "original_id": 3,
        "domains": ["restaurant"],
        "goal": {
            "description": "Find thai food.",
            "inform": {"restaurant": {"food": "thai"}},
            "request": {"restaurant": {"phone": ""}},
        },
        "finished": True,
        "turns": [
            {
                "speaker": "user",
                "utterance": TEXT,
                "utt_idx": 0,
                "dialogue_acts": {
                    "categorical": [act("inform", "area", "dontcare")],
                    "non-categorical": [act("inform", "food", "thai", start=7, end=11)],
                    "binary": [act("request", "phone")],
                },
                "state": {"restaurant": {"food": "thai", "area": "do n't care", "phone": ""}},
            },
            {
                "speaker": "system",
                "utterance": "Sorry, none.",
                "utt_idx": 1,
                "dialogue_acts": {"binary": [act("nooffer", "")]},
            },
            {"speaker": "user", "utterance": "Bye.", "utt_idx": 2, "state": {"restaurant": {"food": ""}}},
        ],
    }


def write(directory: Path, dialogues: Any, ontology: Any = ONTOLOGY) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "data.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data/dialogues.json", json.dumps(dialogues))
        archive.writestr("data/ontology.json", json.dumps(ontology))
    return path


def test_tiny_dialogue_loads_acts_spans_states_and_goal(tmp_path):
    write(tmp_path, [dialogue(), dialogue("tiny-test-0", "test")])
    corpus = load_unified(tmp_path, "tiny")
    assert list(corpus.splits) == ["train", "test"] and corpus.language == "en"
    d = corpus["train"][0]
    assert (d.id, d.corpus, d.split, dict(d.info)) == (
        "tiny-train-0",
        "tiny",
        "train",
        {"original_id": "3", "finished": "true"},
    )
    user, system, bye = d.turns
    assert user.acts == (
        DialogueAct("inform", "restaurant", "area", "dontcare"),
        DialogueAct("inform", "restaurant", "food", "thai"),
        DialogueAct("request", "restaurant", "phone", REQUESTED),
    )
    assert [user.text[s.start : s.end] for s in user.spans] == ["thai"]
    assert dict(user.state["restaurant"].constraints) == {"food": "thai", "area": DONTCARE}
    assert user.state["restaurant"].requested == ("phone",)
    assert system.state == user.state  # copied onto the following system turn
    assert system.acts == (DialogueAct("nooffer", "restaurant"),)
    assert bye.state is not None and bye.state.is_empty
    assert d.goal is not None and d.goal.description == ("Find thai food.",)
    (subgoal,) = d.goal.subgoals
    assert dict(subgoal.constraints) == {"food": "thai"} and subgoal.requests == ("phone",)
    assert Dialogue.from_json(d.to_json()) == d


def test_splits_select_and_wrappers_register(tmp_path):
    path = write(tmp_path, [dialogue(), dialogue("tiny-test-0", "test")])
    assert list(load_camrest(path, splits=["test"]).splits) == ["test"]
    assert load_corpus("woz", tmp_path).name == "woz"
    with pytest.raises(CorpusError, match=r"no dialogues of split\(s\) \['validation'\]"):
        load_woz(path, splits=["validation"])


BROKEN = {
    "span out of range": (
        lambda d: d["turns"][0]["dialogue_acts"]["non-categorical"][0].update(end=99),
        0,
        "start < end <= 29",
    ),
    "unknown intent": (
        lambda d: d["turns"][1]["dialogue_acts"]["binary"].append(act("book", "")),
        1,
        "unknown intent 'book'",
    ),
    "unknown slot": (lambda d: d["turns"][0]["dialogue_acts"]["binary"].append(act("request", "stars")), 0, "'stars'"),
    "unknown domain": (
        lambda d: d["turns"][0]["dialogue_acts"]["binary"].append({"intent": "request", "domain": "taxi"}),
        0,
        "'taxi'",
    ),
    "utterance not a string": (lambda d: d["turns"][2].update(utterance=5), 2, "string utterance"),
    "bad speaker": (lambda d: d["turns"][1].update(speaker="bot"), 1, "speaker in"),
    "state value not a string": (lambda d: d["turns"][2].update(state={"restaurant": {"food": 1}}), 2, "string values"),
    "turns not a list": (lambda d: d.update(turns={}), None, "turns"),
    "goal not an object": (lambda d: d.update(goal=[1]), None, "goal"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_malformed_dialogue_names_file_dialogue_and_turn(tmp_path, name):
    change, turn, message = BROKEN[name]
    bad = copy.deepcopy(dialogue("tiny-train-1"))
    change(bad)
    path = write(tmp_path, [dialogue(), bad])
    with pytest.raises(CorpusError, match=message) as caught:
        load_unified(path, "tiny")
    assert (caught.value.path, caught.value.dialogue, caught.value.turn) == (
        f"{path}!data/dialogues.json",
        "tiny-train-1",
        turn,
    )
    lenient = load_unified(path, "tiny", lenient=True)
    assert [d.id for d in lenient["train"]] == ["tiny-train-0"]
    assert [(s.dialogue, s.turn) for s in lenient.skipped] == [("tiny-train-1", turn)]


def test_file_level_errors_raise_even_when_lenient(tmp_path):
    with pytest.raises(CorpusError, match="list of dialogues, found dict"):
        load_unified(write(tmp_path / "a", {"x": dialogue()}), "tiny", lenient=True)
    with pytest.raises(CorpusError, match="'intents' and 'domains'"):
        load_unified(write(tmp_path / "b", [dialogue()], ontology=[]), "tiny", lenient=True)
    good = write(tmp_path / "c", [dialogue()])
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "data.zip").write_bytes(good.read_bytes()[:-30])
    with pytest.raises(CorpusError, match="zip"):
        load_unified(tmp_path / "d", "tiny", lenient=True)
    with pytest.raises(CorpusError, match="data.zip"):
        load_unified(tmp_path / "nowhere", "tiny")
    with zipfile.ZipFile(tmp_path / "e.zip", "w") as archive:
        archive.writestr("data/dialogues.json", "[]")
    with pytest.raises(CorpusError, match="no member 'data/ontology.json'"):
        load_unified(tmp_path / "e.zip", "tiny")


@pytest.mark.parametrize(
    "name, counts",
    [
        ("camrest", {"train": (406, 3342), "validation": (135, 1076), "test": (135, 1070)}),
        ("woz", {"train": (600, 4472), "validation": (200, 1460), "test": (400, 2892)}),
    ],
)
def test_real_corpora_match_documented_counts(name, counts):
    corpus = load_corpus(name, require_shared(name, "data.zip"))
    assert {s: (len(ds), sum(len(d.turns) for d in ds)) for s, ds in corpus.splits.items()} == counts
    assert not corpus.skipped
    spans = [(t.text[s.start : s.end], s.act.value) for d in corpus.dialogues() for t in d.turns for s in t.spans]
    assert spans and all(text == value for text, value in spans)  # the unified format guarantees it
    first = corpus["train"][0]
    assert Dialogue.from_json(first.to_json()) == first
    assert first.turns[0].state is not None
    assert (first.goal is not None) == (name == "camrest")
