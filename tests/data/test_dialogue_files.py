"""tod's own dialogue files: write/load round trips and hostile inputs that must name the path and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tod.acts import DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.data.dialogue_files import load_dialogues, write_dialogues
from tod.dialogue import SYSTEM, USER, ActSpan, Dialogue, Goal, GoalReference, SubGoal, Turn
from tod.errors import CorpusError


def rich(id: str = "sim-1") -> Dialogue:
    """A dialogue with every annotation a file must keep: acts, spans, states, entities, goal, info, CJK text."""
    inform = DialogueAct("inform", "hotel", "area", "north")
    state = BeliefState({"hotel": DomainBelief(constraints={"area": "north"}, requested=("phone",))})
    goal = Goal(
        (
            SubGoal("hotel", 1, constraints={"area": "north"}, requests=("phone",), booking={"people": "2"}),
            SubGoal("taxi", 2, references={"destination": GoalReference(1)}),
        ),
        ("Find a hotel in the north.",),
    )
    return Dialogue(
        id,
        (
            Turn(USER, "A hotel in the north, 北边.", (inform,), (ActSpan(inform, 15, 20),), state),
            Turn(
                SYSTEM,
                "The Acorn, 0123.",
                (DialogueAct("inform", "hotel", "phone", "0123"),),
                (),
                state,
                {"hotel": ("acorn",)},
            ),
            Turn(USER, "Thanks!"),
        ),
        goal,
        corpus="sim",
        split="test",
        info={"elapsed_seconds": "12.5"},
    )


def plain(id: str) -> Dialogue:
    return Dialogue(id, (Turn(USER, "hi"), Turn(SYSTEM, "hello")))


def record(id: str = "d") -> dict:
    return plain(id).to_dict()


def lines(*items: object) -> str:
    return "".join((item if isinstance(item, str) else json.dumps(item)) + "\n" for item in items)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def corpus_error(path: Path) -> CorpusError:
    with pytest.raises(CorpusError) as error:
        load_dialogues(path)
    return error.value


# ---------------------------------------------------------------------------------------------- round trips


def test_jsonl_round_trip_keeps_everything(tmp_path):
    dialogues = [rich("sim-1"), plain("sim-2"), rich("sim-3")]
    path = write_dialogues(tmp_path / "sims.jsonl", iter(dialogues))  # any iterable
    assert path == tmp_path / "sims.jsonl"
    assert [p.name for p in tmp_path.iterdir()] == ["sims.jsonl"]  # no scratch file left
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) == 3 and "北边" in text  # one line each, not ASCII-escaped
    assert load_dialogues(path) == tuple(dialogues)
    assert load_dialogues(str(path)) == tuple(dialogues)  # a string path too


def test_write_replaces_an_existing_file(tmp_path):
    path = write_dialogues(tmp_path / "d.jsonl", [plain("a"), plain("b")])
    write_dialogues(path, [plain("c")])
    assert [d.id for d in load_dialogues(path)] == ["c"]


def test_json_list_and_dialogues_object(tmp_path):
    dialogues = (rich("x"), plain("y"))
    as_list = write(tmp_path / "list.json", json.dumps([d.to_dict() for d in dialogues], indent=2))
    as_object = write(tmp_path / "object.json", json.dumps({"dialogues": [d.to_dict() for d in dialogues]}))
    assert load_dialogues(as_list) == dialogues
    assert load_dialogues(as_object) == dialogues


def test_blank_lines_in_jsonl_are_skipped(tmp_path):
    path = write(tmp_path / "d.jsonl", "\n" + lines(record("a")) + "   \n\n" + lines(record("b")))
    assert [d.id for d in load_dialogues(path)] == ["a", "b"]


def test_directory_is_read_in_name_order_and_other_files_are_ignored(tmp_path):
    folder = tmp_path / "sims"
    write(folder / "a.json", json.dumps([record("a1")]))
    write(folder / "c.jsonl", lines(record("c1")))
    write_dialogues(folder / "b.jsonl", [plain("b1"), plain("b2")])
    write(folder / "README.md", "# not dialogues")
    write(folder / "notes.txt", "{broken")
    assert [d.id for d in load_dialogues(folder)] == ["a1", "b1", "b2", "c1"]


# ------------------------------------------------------------------------------------------ hostile inputs


def test_missing_path(tmp_path):
    error = corpus_error(tmp_path / "nope.jsonl")
    assert error.path == str(tmp_path / "nope.jsonl") and error.line is None
    assert "no such file or directory; expected tod dialogues as .jsonl or .json" in str(error)


@pytest.mark.parametrize("files", [[], ["notes.txt", "data.csv"]], ids=["empty", "no-dialogue-files"])
def test_directory_without_dialogue_files(tmp_path, files):
    folder = tmp_path / "empty"
    folder.mkdir()
    for name in files:
        write(folder / name, "x")
    error = corpus_error(folder)
    assert error.path == str(folder)
    assert str(error) == f"{folder}: no .jsonl or .json files in this directory"


def test_wrong_suffix(tmp_path):
    path = write(tmp_path / "dialogues.txt", lines(record()))
    error = corpus_error(path)
    assert error.path == str(path)
    assert str(error) == f"{path}: expected a .jsonl or .json file of tod dialogues"


def test_bad_json_on_line_three(tmp_path):
    path = write(tmp_path / "d.jsonl", lines(record("a"), record("b"), '{"id": "c", "turns": [}', record("d")))
    error = corpus_error(path)
    assert (error.path, error.line) == (str(path), 3)
    assert str(error).startswith(f"{path}:3: not valid JSON in a file of tod dialogues: Expecting value (column 23)")


def test_bad_json_in_a_json_file_names_its_line(tmp_path):
    path = write(tmp_path / "d.json", '[\n  {"id": "a",\n   "turns": [,]}\n]')
    error = corpus_error(path)
    assert (error.path, error.line) == (str(path), 3)
    assert "not valid JSON" in str(error)


@pytest.mark.parametrize(
    "item, found", [([1, 2], "list"), (json.dumps("a string"), "str"), (3, "int"), (None, "NoneType")]
)
def test_a_line_that_is_not_an_object(tmp_path, item, found):
    path = write(tmp_path / "d.jsonl", lines(record("a"), item))
    error = corpus_error(path)
    assert (error.path, error.line) == (str(path), 2)
    assert str(error) == f"{path}:2: expected a dialogue object, found {found}"


def test_an_item_of_a_json_list_that_is_not_an_object(tmp_path):
    path = write(tmp_path / "d.json", json.dumps([record("a"), "oops"]))
    assert str(corpus_error(path)) == f"{path}: expected a dialogue object, found str"


@pytest.mark.parametrize("data, found", [({"dialogues": 3}, "int"), (record(), "dict"), ("x", "str")])
def test_a_json_file_that_is_not_a_list_of_dialogues(tmp_path, data, found):
    path = write(tmp_path / "d.json", json.dumps(data))
    assert str(corpus_error(path)) == f"{path}: expected a list of dialogues or {{'dialogues': [...]}}, found {found}"


def test_a_dialogue_missing_turns(tmp_path):
    path = write(tmp_path / "d.jsonl", lines(record("a"), {"id": "b", "corpus": "sim"}))
    error = corpus_error(path)
    assert (error.path, error.line, error.dialogue) == (str(path), 2, "b")
    assert str(error).startswith(f"{path}:2: dialogue b: not a tod dialogue: Dialogue: missing key 'turns'")


def test_a_turn_with_an_unknown_speaker(tmp_path):
    bad = record("b")
    bad["turns"][1]["speaker"] = "bot"
    path = write(tmp_path / "d.jsonl", lines(record("a"), bad))
    error = corpus_error(path)
    assert (error.line, error.dialogue) == (2, "b")
    assert "Turn.speaker must be one of ('user', 'system'), found 'bot'" in str(error)


def _broken(change) -> dict:
    data = rich("bad").to_dict()
    change(data)
    return data


@pytest.mark.parametrize(
    "data, message",
    [
        pytest.param(_broken(lambda d: d.update(id="")), "Dialogue.id must be a non-empty string", id="empty-id"),
        pytest.param(_broken(lambda d: d.update(id=5)), "key 'id' must be str", id="numeric-id"),
        pytest.param(_broken(lambda d: d.update(turns={"0": {}})), "key 'turns' must be list", id="turns-object"),
        pytest.param(_broken(lambda d: d["turns"].append("hi")), "Turn: expected a JSON object", id="turn-string"),
        pytest.param(_broken(lambda d: d["turns"][0].update(text=None)), "key 'text' must be str", id="null-text"),
        pytest.param(
            _broken(lambda d: d["turns"][0]["acts"].append({"domain": "hotel"})),
            "missing key 'intent'",
            id="act-without-intent",
        ),
        pytest.param(
            _broken(lambda d: d["turns"][0]["acts"].append({"intent": "x", "slot": 3})),
            "DialogueAct.slot must be a string",
            id="numeric-slot",
        ),
        pytest.param(
            _broken(lambda d: d["turns"][0]["spans"][0].update(end=99)), "past the text length", id="span-past-text"
        ),
        pytest.param(
            _broken(lambda d: d["turns"][0]["spans"][0].update(start=True)), "key 'start' must be int", id="bool-offset"
        ),
        pytest.param(
            _broken(lambda d: d["turns"][0]["state"]["hotel"]["constraints"].update(area="")),
            "expected non-empty strings",
            id="empty-state-value",
        ),
        pytest.param(
            _broken(lambda d: d["turns"][1].update(entities={"hotel": "acorn"})),
            "expected a JSON list",
            id="entities-string",
        ),
        pytest.param(
            _broken(lambda d: d["goal"]["subgoals"][0]["constraints"].update(area=1)),
            "expected string keys and values",
            id="numeric-goal-value",
        ),
        pytest.param(
            _broken(lambda d: d["goal"]["subgoals"][1]["references"].update(destination=1)),
            "GoalReference: expected a JSON object",
            id="bad-reference",
        ),
        pytest.param(_broken(lambda d: d.update(info={"elapsed_seconds": 12.5})), "Dialogue.info", id="numeric-info"),
    ],
)
def test_malformed_dialogues_are_corpus_errors_with_the_line(tmp_path, data, message):
    path = write(tmp_path / "d.jsonl", lines(record("a"), record("b"), data))
    error = corpus_error(path)
    assert (error.path, error.line) == (str(path), 3)
    assert str(error).startswith(f"{path}:3: dialogue ")
    assert message in str(error)


def test_duplicate_ids_across_files(tmp_path):
    folder = tmp_path / "sims"
    write(folder / "a.jsonl", lines(record("x"), record("dup")))
    write(folder / "b.jsonl", lines(record("y"), record("z"), record("dup")))
    error = corpus_error(folder)
    assert (error.path, error.line) == (str(folder / "b.jsonl"), 3)
    assert f"dialogue ID 'dup' already read from {folder / 'a.jsonl'}" in str(error)


def test_duplicate_ids_within_a_json_list(tmp_path):
    path = write(tmp_path / "d.json", json.dumps([record("x"), record("x")]))
    assert str(corpus_error(path)) == f"{path}: dialogue ID 'x' already read from {path}"


def test_non_utf8_bytes(tmp_path):
    good = lines(record("a")).encode("utf-8")
    path = write(tmp_path / "d.jsonl", good + b'{"id": "caf\xe9", "turns": []}\n')
    error = corpus_error(path)
    assert error.path == str(path)
    assert str(error).startswith(f"{path}:2: expected UTF-8 text in a file of tod dialogues, found byte 0xe9")


def test_non_utf8_bytes_name_the_line(tmp_path):
    path = write(tmp_path / "d.jsonl", lines(record("a"), record("b")).encode("utf-8") + b'{"id": "\xff"}\n')
    assert corpus_error(path).line == 3


def test_deeply_nested_json_is_a_corpus_error(tmp_path):
    path = write(tmp_path / "d.jsonl", lines(record("a")) + "[" * 100_000 + "\n")
    assert corpus_error(path).line == 2


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("d.jsonl", "", "no dialogues found"),
        ("d.jsonl", "\n  \n\n", "no dialogues found"),
        ("d.json", "", "not valid JSON"),
        ("d.json", "[]", "no dialogues found"),
        ("d.json", '{"dialogues": []}', "no dialogues found"),
    ],
)
def test_empty_files(tmp_path, name, content, message):
    path = write(tmp_path / name, content)
    error = corpus_error(path)
    assert error.path == str(path)
    assert message in str(error)


def test_a_directory_named_like_a_dialogue_file(tmp_path):
    folder = tmp_path / "sims"
    (folder / "inner.jsonl").mkdir(parents=True)
    error = corpus_error(folder)
    assert error.path == str(folder / "inner.jsonl")
    assert "found a directory" in str(error)
