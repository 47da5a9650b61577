"""Fuzzing the corpus loaders with malformed variants of real-shaped files.

Each test writes a small, valid, real-shaped file, damages it (keys dropped or added, values of
the wrong type at any level, huge numbers and texts, truncation, bytes that are not UTF-8, nesting
deeper than a parser takes) and loads it. A load either succeeds, giving dialogues that survive
their own JSON round trip, or raises a :class:`~tod.errors.CorpusError` (a ``TodError``) with a
message: never a ``KeyError``, ``TypeError``, ``RecursionError``, ``UnicodeDecodeError``, ...
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterator

from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import FIXTURES
from tests.fuzz.conftest import HOSTILE_TEXT, fuzz, mutated, outcome
from tod.acts import DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.data.corpus import Corpus
from tod.data.crosswoz import load_crosswoz
from tod.data.dialogue_files import load_dialogues, load_rated_dialogues
from tod.data.multiwoz import load_multiwoz
from tod.data.mwz22_text import load_mwz22_text
from tod.data.seqio import read_split
from tod.data.unified import load_unified
from tod.data.uss import RatedDialogue, load_uss
from tod.dialogue import SYSTEM, USER, ActSpan, Dialogue, Goal, GoalReference, SubGoal, Turn
from tod.domain.ontology import DatabaseSpec
from tod.domain.records import read_records

# ---------------------------------------------------------------- real-shaped seeds

MULTIWOZ = json.loads((FIXTURES / "multiwoz" / "val.json").read_text(encoding="utf-8"))

CROSSWOZ_STATE = {
    "酒店": {"名称": "", "价格": "400-500元", "selectedResults": ["如家酒店"]},
    "景点": {"selectedResults": []},
}
CROSSWOZ = {
    "7": {
        "sys-usr": [1, 2],
        "type": "不独立多领域",
        "task description": ["你要去一个景点(id=1)游玩。", "你要去id=1附近的酒店(id=2)住宿。"],
        "goal": [
            [1, "景点", "名称", "", False],
            [1, "景点", "周边酒店", [], False],
            [2, "酒店", "名称", "出现在id=1的周边酒店里", False],
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
            },
            {
                "role": "sys",
                "content": "推荐如家酒店，价格400-500元。",
                "dialog_act": [["Recommend", "酒店", "名称", "如家酒店"], ["NoOffer", "景点", "none", "none"]],
                "sys_state_init": CROSSWOZ_STATE,
                "sys_state": CROSSWOZ_STATE,
            },
        ],
    }
}


def _unified_act(intent: str, slot: str, value: str | None = None, **span: int) -> dict[str, Any]:
    act: dict[str, Any] = {"intent": intent, "domain": "restaurant", "slot": slot, **span}
    return act if value is None else {**act, "value": value}


UNIFIED = {
    "ontology": {
        "intents": {"inform": {}, "request": {}, "nooffer": {}},
        "domains": {"restaurant": {"slots": {"food": {}, "area": {}, "phone": {}}}},
    },
    "dialogues": [
        {
            "data_split": "train",
            "dialogue_id": "tiny-train-0",
            "original_id": 3,
            "finished": True,
            "goal": {"description": "Find thai food.", "inform": {"restaurant": {"food": "thai"}}, "request": {}},
            "turns": [
                {
                    "speaker": "user",
                    "utterance": "I want thai food in any area.",
                    "dialogue_acts": {
                        "categorical": [_unified_act("inform", "area", "dontcare")],
                        "non-categorical": [_unified_act("inform", "food", "thai", start=7, end=11)],
                        "binary": [_unified_act("request", "phone")],
                    },
                    "state": {"restaurant": {"food": "thai", "area": "do n't care", "phone": ""}},
                },
                {
                    "speaker": "system",
                    "utterance": "Sorry, none.",
                    "dialogue_acts": {"binary": [_unified_act("nooffer", "")]},
                },
            ],
        }
    ],
}


def _tod_dialogue() -> Dialogue:
    inform = DialogueAct("inform", "hotel", "area", "north")
    state = BeliefState({"hotel": DomainBelief(constraints={"area": "north"}, requested=("phone",))})
    goal = Goal(
        (
            SubGoal("hotel", 1, constraints={"area": "north"}, requests=("phone",)),
            SubGoal("taxi", 2, references={"destination": GoalReference(1)}),
        ),
        ("Find a hotel in the north.",),
    )
    return Dialogue(
        "sim-1",
        (
            Turn(USER, "A hotel in the north, 北边.", (inform,), (ActSpan(inform, 15, 20),), state),
            Turn(
                SYSTEM,
                "The Acorn.",
                (DialogueAct("inform", "hotel", "name", "acorn"),),
                (),
                state,
                {"hotel": ("acorn",)},
            ),
        ),
        goal,
        corpus="sim",
        split="test",
        info={"elapsed_seconds": "12.5"},
    )


TOD_DIALOGUE = _tod_dialogue().to_dict()
RATED = RatedDialogue(Dialogue("r-1", (Turn(USER, "hi"), Turn(SYSTEM, "hello"))), ((3, 4), ()), (4, 5)).to_dict()

USS_LINES = [
    "USER\tI need a cheap hotel.\tHotel-Inform\t3,4,2",
    "SYSTEM\tNo hotels match. Anything else?\tHotel-NoOffer,general-reqmore\t",
    "USER\tThanks, bye.\tgeneral-thank\t5,5,4",
    "USER\tOVERALL\t\t2,3,3",
    "",
    "USER\tFind me a movie.\tINFORM_INTENT\t3,3,3,3",
    "SYSTEM\tWhere?\tREQUEST\t",
    "USER\tOVERALL\t\t1,1,2,2",
]
MWZ22_LINES = [
    "I need a place in the [centre].",
    "There is [Bedouin] in the centre.",
    "",
    "",
    "Find me a train.",
    "Where to?",
]
SEQIO = {
    "seq.in": ["show flights from boston to denver", "what is fare code h"],
    "seq.out": ["O O O B-fromloc I-fromloc B-toloc", "O O B-fare O O B-code"],
    "label": ["flight", "airfare#flight"],
}


# ---------------------------------------------------------------- helpers


def scratch() -> Iterator[Path]:
    """A fresh directory per example (hypothesis runs many examples per test function)."""
    with tempfile.TemporaryDirectory(prefix="tod-fuzz-") as directory:
        yield Path(directory)


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8", errors="surrogatepass")
    return path


def zipped(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def check_corpus(corpus: Corpus) -> None:
    assert isinstance(corpus, Corpus)
    for dialogue in corpus.dialogues():
        assert Dialogue.from_dict(json.loads(json.dumps(dialogue.to_dict()))) == dialogue


def load_checked(load: Callable[[], Any]) -> None:
    result, _ = outcome(load)
    if isinstance(result, Corpus):
        check_corpus(result)


# ---------------------------------------------------------------- mutated JSON


@fuzz("multiwoz")
@given(data=mutated(MULTIWOZ), lenient=st.booleans())
@example(
    data={
        "FIX001": {
            **MULTIWOZ["FIX001"],
            "log": [{"text": "hi", "span_info": [["Hotel-Inform", "Area", "x", 0, 10**400]]}],
        }
    },
    lenient=False,
)
def test_multiwoz_rejects_malformed_files_with_corpus_errors(data: Any, lenient: bool) -> None:
    for directory in scratch():
        path = write_json(directory / "val.json", data)
        load_checked(lambda: load_multiwoz(path, lenient=lenient))


CROSSWOZ_LONG_REFERENCE = [[2, "酒店", "名称", "id=" + "9" * 5000, False]]


@fuzz("crosswoz")
@given(data=mutated(CROSSWOZ), lenient=st.booleans())
@example(data={"7": {**CROSSWOZ["7"], "messages": [{"role": {}, "content": "", "dialog_act": []}]}}, lenient=False)
@example(data={"7": {**CROSSWOZ["7"], "goal": CROSSWOZ_LONG_REFERENCE}}, lenient=False)
def test_crosswoz_rejects_malformed_files_with_corpus_errors(data: Any, lenient: bool) -> None:
    for directory in scratch():
        path = write_json(directory / "val.json", data)
        load_checked(lambda: load_crosswoz(path, lenient=lenient))


@fuzz("unified")
@given(data=mutated(UNIFIED), lenient=st.booleans(), splits=st.sampled_from([None, ["train"], ["test"]]))
@example(data={**UNIFIED, "ontology": {"intents": {}, "domains": {"restaurant": True}}}, lenient=False, splits=None)
@example(
    data={**UNIFIED, "ontology": {"intents": {}, "domains": {"restaurant": {"slots": [{}]}}}},
    lenient=False,
    splits=None,
)
@example(
    data={**UNIFIED, "dialogues": [{**UNIFIED["dialogues"][0], "goal": {"inform": {"restaurant": {"food": True}}}}]},
    lenient=False,
    splits=None,
)
def test_unified_rejects_malformed_archives_with_corpus_errors(data: Any, lenient: bool, splits: Any) -> None:
    for directory in scratch():
        members = {}
        if isinstance(data, dict):
            for key in ("ontology", "dialogues"):
                if key in data:
                    members[f"data/{key}.json"] = json.dumps(data[key]).encode()
        archive = zipped(directory / "data.zip", members)
        load_checked(lambda: load_unified(archive, "camrest", splits=splits, lenient=lenient))


@fuzz("dialogue_files")
@given(
    data=mutated([TOD_DIALOGUE, RATED]),
    layout=st.sampled_from(["jsonl", "list", "object"]),
    rated=st.booleans(),
)
def test_dialogue_files_reject_malformed_records_with_corpus_errors(data: Any, layout: str, rated: bool) -> None:
    for directory in scratch():
        items = data if isinstance(data, list) else [data]
        if layout == "jsonl":
            path = directory / "d.jsonl"
            path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
        else:
            write_json(directory / "d.json", items if layout == "list" else {"dialogues": data})
            path = directory / "d.json"
        result, _ = outcome(lambda: (load_rated_dialogues if rated else load_dialogues)(path))
        for item in result or ():
            assert type(item).from_dict(json.loads(json.dumps(item.to_dict()))) == item


# ---------------------------------------------------------------- damaged bytes


DAMAGE = ["truncate", "bad utf-8", "long number", "deep nesting", "bom", "nul", "empty"]


def damaged(data: bytes, how: str, at: float, variant: int) -> bytes:
    """``data`` damaged as bytes: truncated, bytes that are not UTF-8, a number too long to read,
    nesting deeper than a parser takes, a byte-order mark, a NUL, or nothing at all. ``at`` (0-1) says
    where, ``variant`` (0-2) picks which bytes, how many digits, how deep."""
    where = int(len(data) * at)
    if how == "truncate":
        return data[:where]
    if how == "bad utf-8":
        return data[:where] + [b"\xff", b"\xed\xa0\x80", b"\xe4\xbd"][variant] + data[where:]
    if how == "long number":
        digits = b"9" * [400, 4_301, 20_000][variant]
        return data.replace(b"]", b", " + digits + b"]", 1) if b"]" in data else digits
    if how == "deep nesting":
        depth = [900, 5_000, 100_000][variant]
        return data.replace(b"[", b"[" * depth, 1).replace(b"]", b"]" * depth, 1)
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    if how == "nul":
        return data[:where] + b"\x00" + data[where:]
    return b""


JSON_FILES = {
    "multiwoz": (json.dumps(MULTIWOZ).encode(), "val.json"),
    "crosswoz": (json.dumps(CROSSWOZ, ensure_ascii=False).encode(), "val.json"),
    "unified": (json.dumps(UNIFIED["dialogues"]).encode(), "data.zip"),
    "dialogues": (json.dumps([TOD_DIALOGUE]).encode(), "d.json"),
    "jsonl": (json.dumps(TOD_DIALOGUE).encode() + b"\n", "d.jsonl"),
    "database": (json.dumps([{"name": "acorn", "area": "north"}]).encode(), "db.json"),
}


def _load_bytes(kind: str, directory: Path, raw: bytes, container: str, method: int, cut: float) -> Any:
    name = JSON_FILES[kind][1]
    if kind == "unified":
        ontology = json.dumps(UNIFIED["ontology"]).encode()
        path = zipped(directory / name, {"data/ontology.json": ontology, "data/dialogues.json": raw}, method)
    elif container != "plain" and kind in ("multiwoz", "crosswoz"):
        path = zipped(directory / (name + ".zip"), {name: raw}, method)
    else:
        path = directory / name
        path.write_bytes(raw)
    if container != "zip" and path.suffix == ".zip":
        archive = path.read_bytes()
        at = int(len(archive) * cut)
        if container == "truncated zip":
            path.write_bytes(archive[:at])
        else:  # a few bytes flipped: headers, sizes, compression method or data
            path.write_bytes(archive[:at] + bytes(b ^ 0xA5 for b in archive[at : at + 3]) + archive[at + 3 :])
    if kind == "multiwoz":
        return load_multiwoz(path)
    if kind == "crosswoz":
        return load_crosswoz(path)
    if kind == "unified":
        return load_unified(path, "woz")
    if kind == "database":
        return read_records(path, DatabaseSpec(file=name))
    return load_dialogues(path)


ZIP_METHODS = [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]


@fuzz("json_bytes")
@given(
    kind=st.sampled_from(sorted(JSON_FILES)),
    how=st.sampled_from(DAMAGE),
    at=st.floats(0, 1),
    variant=st.integers(0, 2),
    container=st.sampled_from(["plain", "zip", "truncated zip", "corrupt zip"]),
    method=st.sampled_from(ZIP_METHODS),
    cut=st.floats(0, 1),
)
@example(kind="multiwoz", how="long number", at=0, variant=1, container="plain", method=0, cut=0)
@example(kind="crosswoz", how="deep nesting", at=0, variant=2, container="zip", method=0, cut=0)
@example(kind="jsonl", how="long number", at=0, variant=1, container="plain", method=0, cut=0)
@example(kind="database", how="bad utf-8", at=0, variant=0, container="plain", method=0, cut=0)
@example(kind="database", how="long number", at=0, variant=2, container="plain", method=0, cut=0)
@example(kind="database", how="deep nesting", at=0, variant=1, container="plain", method=0, cut=0)
@example(kind="multiwoz", how="nul", at=0, variant=0, container="corrupt zip", method=zipfile.ZIP_STORED, cut=0.988)
@example(kind="multiwoz", how="nul", at=0, variant=0, container="corrupt zip", method=zipfile.ZIP_DEFLATED, cut=0.953)
@example(kind="multiwoz", how="bom", at=0, variant=0, container="corrupt zip", method=zipfile.ZIP_LZMA, cut=0.032)
def test_damaged_json_files_are_rejected_with_specific_errors(
    kind: str, how: str, at: float, variant: int, container: str, method: int, cut: float
) -> None:
    raw = damaged(JSON_FILES[kind][0], how, at, variant)
    for directory in scratch():
        outcome(lambda: _load_bytes(kind, directory, raw, container, method, cut))


# ---------------------------------------------------------------- line-based formats


@st.composite
def mutated_lines(draw: st.DrawFn, lines: list[str], columns: str = "\t") -> list[str]:
    """``lines`` with 1-4 changes: lines dropped, repeated, swapped or replaced, columns added,
    dropped or filled with hostile text, numbers too large or out of range."""
    lines = list(lines)
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(["drop", "repeat", "swap", "replace", "column", "blank", "number"]))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            lines = [draw(HOSTILE_TEXT)]
        elif how == "drop":
            del lines[at]
        elif how == "repeat":
            lines.insert(at, lines[at])
        elif how == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif how == "replace":
            lines[at] = draw(HOSTILE_TEXT)
        elif how == "blank":
            lines.insert(at, draw(st.sampled_from(["", " ", "\t", "\r"])))
        else:
            parts = lines[at].split(columns)
            index = draw(st.integers(0, len(parts)))
            value = draw(
                HOSTILE_TEXT
                if how == "column"
                else st.sampled_from(["0", "6", "-1", "9" * 5000, "٣", "³", "3,", ",", " 3 ", "3.5", "1e3"])
            )
            if index == len(parts) or draw(st.booleans()):
                parts.insert(index, value)
            else:
                parts[index] = value
            lines[at] = columns.join(parts)
    return lines


def encoded(lines: list[str], bad: bytes | None) -> bytes:
    raw = "\n".join(lines).encode("utf-8", errors="surrogatepass")
    return raw if bad is None else raw[: len(raw) // 2] + bad + raw[len(raw) // 2 :]


BAD_BYTES = st.none() | st.sampled_from([b"\xff", b"\xed\xa0\x80", b"\xc3"])


@fuzz("uss")
@given(lines=mutated_lines(USS_LINES), bad=BAD_BYTES, crlf=st.booleans())
@example(lines=[*USS_LINES[:3], "USER\tOVERALL\t\t" + "9" * 5000], bad=None, crlf=False)
def test_uss_rejects_malformed_files_with_corpus_errors(lines: list[str], bad: bytes | None, crlf: bool) -> None:
    for directory in scratch():
        path = directory / "MWOZ.txt"
        raw = encoded(lines, bad)
        path.write_bytes(raw.replace(b"\n", b"\r\n") if crlf else raw)
        rated, _ = outcome(lambda: load_uss(path))
        for item in rated or ():
            assert RatedDialogue.from_json(item.to_json()) == item


@fuzz("mwz22_text")
@given(lines=mutated_lines(MWZ22_LINES, columns=" "), bad=BAD_BYTES, lenient=st.booleans())
def test_mwz22_text_rejects_malformed_files_with_corpus_errors(
    lines: list[str], bad: bytes | None, lenient: bool
) -> None:
    for directory in scratch():
        (directory / "train_dialogues_001.txt").write_bytes(encoded(lines, bad))
        load_checked(lambda: load_mwz22_text(directory, lenient=lenient))


@fuzz("seqio")
@given(
    files=st.fixed_dictionaries(
        {name: mutated_lines(lines, columns=" ") | st.just(lines) for name, lines in SEQIO.items()}
    ),
    bad=BAD_BYTES,
    missing=st.sampled_from([None, *SEQIO]),
)
def test_seqio_rejects_malformed_splits_with_corpus_errors(
    files: dict[str, list[str]], bad: bytes | None, missing: str | None
) -> None:
    for directory in scratch():
        for name, lines in files.items():
            if name != missing:
                (directory / name).write_bytes(encoded(lines, bad if name == "seq.out" else None))
        examples, _ = outcome(lambda: read_split(directory))
        for ex in examples or ():
            assert ex.tokens and len(ex.tokens) == len(ex.tags) and ex.intent
