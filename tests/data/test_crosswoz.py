import copy
import json
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_shared
from tod.acts import REQUESTED, DialogueAct
from tod.data.corpus import load_corpus
from tod.data.crosswoz import load_crosswoz, span_coverage
from tod.dialogue import Dialogue, GoalReference
from tod.errors import CorpusError

STATE_INIT = {
    "酒店": {"名称": "", "价格": "400-500元", "selectedResults": []},
    "景点": {"名称": "", "selectedResults": []},
}
STATE = {"酒店": {"名称": "", "价格": "400-500元", "selectedResults": ["如家酒店"]}, "景点": {"selectedResults": []}}


def dialogue() -> dict[str, Any]:
    """A two-exchange, two-sub-goal dialogue in the ConvLab CrossWOZ shape."""
    return {
        "sys-usr": [1, 2],
        "type": "不独立多领域",
        "task description": ["你要去一个景点(id=1)游玩。", "你要去id=1附近的酒店(id=2)住宿。"],
        "goal": [
            [1, "景点", "名称", "", False],
            [1, "景点", "周边酒店", [], False],
            [2, "酒店", "名称", "出现在id=1的周边酒店里", False],
            [2, "酒店", "价格", "400-500元", False],
            [2, "酒店", "推荐菜", ["甲", "乙"], False],
            [3, "出租", "出发地", "id=1", False],
        ],
        "final_goal": [],
        "messages": [
            {
                "role": "usr",
                "content": "你好，我想住400-500元的酒店，要有早餐服务，叫什么？",
                "dialog_act": [
                    ["General", "greet", "none", "none"],
                    ["Inform", "酒店", "价格", "400-500元"],
                    ["Inform", "酒店", "酒店设施-早餐服务", "是"],
                    ["Request", "酒店", "名称", ""],
                ],
                "user_state": [],
            },
            {
                "role": "sys",
                "content": "推荐如家酒店，价格400-500元。",
                "dialog_act": [["Recommend", "酒店", "名称", "如家酒店"], ["Inform", "酒店", "评分", "4.5分以上"]],
                "sys_state_init": STATE_INIT,
                "sys_state": STATE,
            },
            {"role": "usr", "content": "谢谢，再见。", "dialog_act": [["General", "bye", "none", "none"]]},
            {
                "role": "sys",
                "content": "没有了。",
                "dialog_act": [["NoOffer", "景点", "none", "none"]],
                "sys_state_init": STATE_INIT,
                "sys_state": STATE,
            },
        ],
    }


def write(directory: Path, data: Any, name: str = "val.json.zip") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False)
    path = directory / name
    if name.endswith(".zip"):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(name.removesuffix(".zip"), text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_tiny_dialogue_loads_acts_states_entities_and_spans(tmp_path):
    write(tmp_path, {"7": dialogue()})
    corpus = load_crosswoz(tmp_path)
    assert corpus.language == "zh" and list(corpus.splits) == ["val"]
    (d,) = corpus["val"]
    assert (d.id, d.corpus, d.split, d.info["type"]) == ("7", "crosswoz", "val", "不独立多领域")
    user, system, bye, nooffer = d.turns
    assert [t.speaker for t in d.turns] == ["user", "system", "user", "system"]
    assert user.acts[0] == DialogueAct("greet", "general")
    assert user.acts[3] == DialogueAct("request", "酒店", "名称", REQUESTED)
    assert nooffer.acts == (DialogueAct("nooffer", "景点"),)
    assert system.state is not None and user.state == system.state
    assert dict(system.state["酒店"].constraints) == {"价格": "400-500元"}
    assert system.state["酒店"].requested == ("名称",)
    assert "景点" not in system.state.domains  # only empty values there
    assert dict(system.entities) == {"酒店": ("如家酒店",)}
    assert bye.state == nooffer.state and nooffer.state["酒店"].requested == ()
    # spans: the value's first free occurrence; "是" and the normalised "4.5分以上" get none
    assert [(s.act.slot, user.text[s.start : s.end]) for s in user.spans] == [("价格", "400-500元")]
    assert [system.text[s.start : s.end] for s in system.spans] == ["如家酒店"]
    assert span_coverage(corpus["val"]) == (4, 2)  # 4 acts with a value, 2 located


def test_goal_requests_constraints_and_references(tmp_path):
    write(tmp_path, {"7": dialogue()}, "val.json")
    goal = load_crosswoz(tmp_path / "val.json")["val"][0].goal
    assert goal is not None and [s.id for s in goal.subgoals] == [1, 2, 3]
    attraction, hotel, taxi = goal.subgoals
    assert attraction.requests == ("名称", "周边酒店") and not attraction.constraints
    assert dict(hotel.references) == {"名称": GoalReference(1, "周边酒店")}
    assert dict(hotel.constraints) == {"价格": "400-500元", "推荐菜": "甲、乙"}
    assert dict(taxi.references) == {"出发地": GoalReference(1, "")}
    assert goal.description[1].startswith("你要去id=1")


def test_round_trip_and_registry(tmp_path):
    write(tmp_path, {"7": dialogue()})
    d = load_corpus("crosswoz", tmp_path)["val"][0]
    assert Dialogue.from_json(d.to_json()) == d


def broken(change) -> dict[str, Any]:
    data = copy.deepcopy(dialogue())
    change(data)
    return data


BROKEN = {
    "unknown role": (lambda d: d["messages"][1].update(role="bot"), 1, "unknown role 'bot'"),
    "unknown intent": (lambda d: d["messages"][0]["dialog_act"].append(["Book", "酒店", "名称", "x"]), 0, "'Book'"),
    "unknown slot": (lambda d: d["messages"][1]["dialog_act"].append(["Inform", "酒店", "颜色", "红"]), 1, "'颜色'"),
    "unknown domain": (lambda d: d["messages"][1]["dialog_act"].append(["Inform", "火车", "名称", "x"]), 1, "'火车'"),
    "unknown general act": (
        lambda d: d["messages"][2]["dialog_act"].append(["General", "hi", "none", "none"]),
        2,
        "hi",
    ),
    "short act": (lambda d: d["messages"][0]["dialog_act"].append(["Inform", "酒店", "名称"]), 0, "4 strings"),
    "text not a string": (lambda d: d["messages"][2].update(content=None), 2, "string 'content'"),
    "state not an object": (lambda d: d["messages"][3].update(sys_state_init=[]), 3, "sys_state_init"),
    "missing messages": (lambda d: d.pop("messages"), None, r"missing keys \['messages'\]"),
    "bad goal row": (lambda d: d["goal"].append([1, "景点"]), None, "goal row"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_malformed_dialogue_names_file_dialogue_and_turn(tmp_path, name):
    change, turn, message = BROKEN[name]
    path = write(tmp_path, {"7": dialogue(), "8": broken(change)})
    with pytest.raises(CorpusError, match=message) as caught:
        load_crosswoz(tmp_path)
    assert (caught.value.path, caught.value.dialogue, caught.value.turn) == (str(path), "8", turn)
    lenient = load_crosswoz(tmp_path, lenient=True)
    assert [d.id for d in lenient["val"]] == ["7"]
    assert [(s.dialogue, s.turn) for s in lenient.skipped] == [("8", turn)]


def test_file_level_errors_raise_even_when_lenient(tmp_path):
    write(tmp_path / "list", [dialogue()])
    with pytest.raises(CorpusError, match="keyed by dialogue ID, found list"):
        load_crosswoz(tmp_path / "list", lenient=True)
    good = write(tmp_path / "ok", {"7": dialogue()})
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "val.json.zip").write_bytes(good.read_bytes()[:40])
    with pytest.raises(CorpusError, match="zip"):
        load_crosswoz(tmp_path / "cut", lenient=True)
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "val.json").write_text('{"7": {', encoding="utf-8")
    with pytest.raises(CorpusError, match="not valid JSON"):
        load_crosswoz(tmp_path / "json", lenient=True)
    with pytest.raises(CorpusError, match="no 'test' split"):
        load_crosswoz(tmp_path / "ok", splits=["test"])
    with pytest.raises(CorpusError, match="no CrossWOZ split files"):
        load_crosswoz(tmp_path)


def test_real_val_counts_goals_spans_and_speed():
    root = require_shared("crosswoz")
    start = time.perf_counter()
    corpus = load_crosswoz(root)
    elapsed = time.perf_counter() - start
    assert elapsed <= 10, f"loading CrossWOZ val took {elapsed:.1f} s"
    val = corpus["val"]
    assert len(val) == 500 and not corpus.skipped
    speakers = Counter(t.speaker for d in val for t in d.turns)
    assert speakers == {"user": 4229, "system": 4229}
    assert Counter(d.info["type"] for d in val) == {
        "单领域": 39,
        "独立多领域": 162,
        "独立多领域+交通": 68,
        "不独立多领域": 168,
        "不独立多领域+交通": 63,
    }
    first = next(d for d in val if d.id == "11290")
    assert first.goal is not None
    assert first.goal.subgoals[2].references["名称"] == GoalReference(2, "周边景点")
    assert Dialogue.from_json(first.to_json()) == first
    for d in val:
        for turn in d.turns:
            assert all(turn.text[s.start : s.end] == s.act.value for s in turn.spans)
            assert turn.state is not None
    with_value, found = span_coverage(val)
    assert found > 0.85 * with_value


def test_real_system_turns_record_the_query_state_the_wizard_relaxed():
    root = require_shared("crosswoz", "val.json.zip")
    dialogues = load_crosswoz(root)["val"]
    system = [t for d in dialogues for t in d.system_turns]
    assert all(t.query_state is not None for t in system)
    # after a failed search the wizard sometimes changes constraints: sys_state differs from sys_state_init
    relaxed = sum(t.query_state.constraint_triples() != t.state.constraint_triples() for t in system)
    assert 0 < relaxed < len(system)
    d = dialogues[0]
    assert Dialogue.from_json(d.to_json()) == d
