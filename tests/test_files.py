"""tod.files: checked reading of text, JSON and YAML files with the caller's error class; atomic files and
directories; file locks."""

from __future__ import annotations

import json
import os
import re
import threading
import time
import zipfile
from pathlib import Path

import pytest
import yaml

from tod.errors import ConfigError, CorpusError, DomainError, ModelDirError, TodError
from tod.files import (
    FileChecker,
    atomic_directory,
    atomic_file,
    file_lock,
    parse_json,
    read_json,
    read_text,
    read_yaml,
    verify,
    write_atomically,
)


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


# ------------------------------------------------------------------------------------------ reading text


def test_text_is_read_as_utf8(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "café\n北京\n")
    assert read_text(path, error=ConfigError, what="a note") == "café\n北京\n"


@pytest.mark.parametrize(
    "make, found",
    [
        (lambda d: d / "absent.yaml", "nothing there"),
        (lambda d: d, "a directory"),
    ],
    ids=["missing", "directory"],
)
def test_a_missing_file_or_a_directory_names_the_file_and_what_was_expected(tmp_path, make, found) -> None:
    path = make(tmp_path)
    for reader in (read_text, read_json, read_yaml):
        with pytest.raises(DomainError) as caught:
            reader(path, error=DomainError, what="the FAQ")
        assert str(caught.value) == f"{path}: expected the FAQ, found {found}"


def test_bytes_that_are_not_utf8_name_the_line_and_the_byte(tmp_path: Path) -> None:
    path = write(tmp_path / "a.yaml", b"one: 1\ntwo: 2\nthree: caf\xe9\n")
    for reader in (read_text, read_json, read_yaml):
        with pytest.raises(ConfigError) as caught:
            reader(path, error=ConfigError, what="the pipeline file")
        message = str(caught.value)
        assert message.startswith(f"{path}:3: expected UTF-8 text in the pipeline file, found byte 0xe9")
        assert "invalid continuation byte" in message


def test_a_binary_file_is_refused_at_its_first_bad_byte(tmp_path: Path) -> None:
    path = write(tmp_path / "model.bin", bytes(range(256)) * 64)
    with pytest.raises(ConfigError, match=r"model\.bin:2: expected UTF-8 text in the pipeline file, found byte 0x80"):
        read_yaml(path, error=ConfigError, what="the pipeline file")


def test_a_corpus_error_carries_path_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "d.jsonl", b'{"a": 1}\n{"b": "\xff"}\n')
    with pytest.raises(CorpusError) as caught:
        read_text(path, error=CorpusError, what="a file of dialogues")
    assert (caught.value.path, caught.value.line) == (str(path), 2)


# ------------------------------------------------------------------------------------------ YAML


def test_yaml_is_read_and_its_top_checked(tmp_path: Path) -> None:
    path = write(tmp_path / "a.yaml", "entries:\n  - {questions: [hi], answer: hello}\n")
    assert read_yaml(path, error=DomainError, what="the FAQ", top=dict) == {
        "entries": [{"questions": ["hi"], "answer": "hello"}]
    }


def test_invalid_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", "name: x\ndomain: [unclosed\nseed: 0\n")
    with pytest.raises(ConfigError) as caught:
        read_yaml(path, error=ConfigError, what="the pipeline file")
    message = str(caught.value)
    assert re.match(rf"{re.escape(str(path))}:\d: not valid YAML in the pipeline file: .*\(column \d+\)$", message)
    assert "<unicode string>" not in message  # the parser's own name for the text says nothing


def test_a_yaml_syntax_error_gives_the_line_of_the_problem(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", "a: 1\nb: 2\nc: 3\n  d: 4\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:4: not valid YAML in x: .*column 4"):
        read_yaml(path, error=ConfigError, what="x")


@pytest.mark.parametrize("text, found", [("- a\n- b\n", "list"), ("just words\n", "str"), ("", "an empty file")])
def test_a_mapping_expected_at_the_top(tmp_path: Path, text: str, found: str) -> None:
    path = write(tmp_path / "faq.yaml", text)
    with pytest.raises(DomainError) as caught:
        read_yaml(path, error=DomainError, what="the FAQ", top=dict, shape="a mapping with 'entries'")
    assert str(caught.value) == f"{path}: expected a mapping with 'entries' at the top of the FAQ, found {found}"


def test_an_empty_yaml_file_is_none(tmp_path: Path) -> None:
    for text in ("", "# only a comment\n", "\n\n"):
        assert read_yaml(write(tmp_path / "empty.yaml", text), error=ConfigError, what="x") is None


@pytest.mark.parametrize(
    "text, words",
    [
        ("n: " + "9" * 5000 + "\n", "unreadable YAML in x"),
        ("a: " + "[" * 5000 + "\n", "YAML nested too deeply to read in x"),
        ("a: \x00\n", "not valid YAML in x: unacceptable character"),
        ("a: !!python/object:os.system x\n", "not valid YAML in x"),
    ],
    ids=["5000-digit-number", "deep-nesting", "control-character", "python-tag"],
)
def test_hostile_yaml_is_the_callers_error(tmp_path: Path, text: str, words: str) -> None:
    path = write(tmp_path / "hostile.yaml", text)
    with pytest.raises(ConfigError, match=re.escape(words)) as caught:
        read_yaml(path, error=ConfigError, what="x")
    assert str(caught.value).startswith(f"{path}:")


def test_a_yaml_alias_bomb_is_read_without_expanding(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]" for i in range(20)]
    data = read_yaml(write(tmp_path / "bomb.yaml", "\n".join(lines) + "\n"), error=ConfigError, what="x")
    assert data["u"][0] is data["t"]  # shared, not copied 3**20 times


def test_a_safe_loader_subclass_is_used(tmp_path: Path) -> None:
    class Strict(yaml.SafeLoader):
        pass

    def no_duplicates(loader: Strict, node: yaml.MappingNode) -> dict:
        keys = [loader.construct_object(k) for k, _ in node.value]
        if len(keys) != len(set(keys)):
            raise yaml.constructor.ConstructorError(None, None, "duplicate key", node.start_mark)
        return loader.construct_mapping(node)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, no_duplicates)
    path = write(tmp_path / "dup.yaml", "a: 1\na: 2\n")
    assert read_yaml(path, error=ConfigError, what="x") == {"a": 2}
    with pytest.raises(ConfigError, match=rf"{re.escape(str(path))}:1: not valid YAML in x: duplicate key"):
        read_yaml(path, error=ConfigError, what="x", loader=Strict)


# ------------------------------------------------------------------------------------------ JSON


def test_json_is_read_and_its_top_checked(tmp_path: Path) -> None:
    path = write(tmp_path / "db.json", '[{"name": "a"}]')
    assert read_json(path, error=DomainError, what="a database", top=list) == [{"name": "a"}]
    with pytest.raises(DomainError, match=r"expected a mapping at the top of a database, found list"):
        read_json(path, error=DomainError, what="a database", top=dict)


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.json", '{\n  "a": 1,\n  "b": [1, 2\n}\n')
    with pytest.raises(CorpusError) as caught:
        read_json(path, error=CorpusError, what="a split")
    assert (caught.value.path, caught.value.line) == (str(path), 4)
    assert str(caught.value) == f"{path}:4: not valid JSON in a split: Expecting ',' delimiter (column 1)"


@pytest.mark.parametrize(
    "text, words",
    [
        ("[" * 100_000 + "]" * 100_000, "JSON nested too deeply to read in x"),
        ("[" + "9" * 5000 + "]", "unreadable JSON in x: Exceeds the limit"),
        ("", "not valid JSON in x: Expecting value (column 1)"),
    ],
    ids=["deep-nesting", "5000-digit-number", "empty"],
)
def test_hostile_json_is_the_callers_error(tmp_path: Path, text: str, words: str) -> None:
    path = write(tmp_path / "hostile.json", text)
    with pytest.raises(ConfigError, match=re.escape(words)):
        read_json(path, error=ConfigError, what="x")


def test_a_refused_constant_is_the_callers_error(tmp_path: Path) -> None:
    def finite_only(name: str) -> float:
        raise ValueError(f"{name} is not a finite number")

    path = write(tmp_path / "m.json", '{"r2": NaN}')
    assert read_json(path, error=ConfigError, what="x")["r2"] != 0  # NaN, as json reads it
    with pytest.raises(ConfigError, match=r"m\.json: unreadable JSON in x: NaN is not a finite number"):
        read_json(path, error=ConfigError, what="x", parse_constant=finite_only)


def test_json_lines_report_the_files_line(tmp_path: Path) -> None:
    with pytest.raises(CorpusError) as caught:
        parse_json('{"id": "c", "turns": [}', error=CorpusError, what="dialogues", where="d.jsonl", line=7)
    assert (caught.value.path, caught.value.line) == ("d.jsonl", 7)
    assert str(caught.value) == "d.jsonl:7: not valid JSON in dialogues: Expecting value (column 23)"


# ------------------------------------------------------------------------------------------ zip archives


def zipped(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_json_is_read_from_a_zip_archive(tmp_path: Path) -> None:
    one = zipped(tmp_path / "val.json.zip", {"val.json": b'{"a": 1}', "__MACOSX/._val.json": b"junk"})
    assert read_json(one, error=CorpusError, what="a split") == {"a": 1}
    two = zipped(tmp_path / "data.zip", {"data/ontology.json": b"{}", "data/dialogues.json": b"[]"})
    assert read_json(two, error=CorpusError, what="dialogues", member="data/dialogues.json") == []


@pytest.mark.parametrize(
    "members, member, words",
    [
        ({"a.json": b"{}", "b.json": b"{}"}, None, "expected exactly one .json file in the archive"),
        ({"a.json": b"{}"}, "b.json", "archive has no member 'b.json'"),
        ({"a.json": b'{"x": "\xff"}'}, None, "expected UTF-8 text in a split, found byte 0xff"),
        ({"a.json": b'{"x": }'}, None, "not valid JSON in a split"),
    ],
    ids=["two-members", "no-such-member", "not-utf8", "bad-json"],
)
def test_bad_archives_are_the_callers_error(tmp_path: Path, members, member, words) -> None:
    path = zipped(tmp_path / "val.json.zip", members)
    with pytest.raises(CorpusError, match=re.escape(words)) as caught:
        read_json(path, error=CorpusError, what="a split", member=member)
    assert str(path) in str(caught.value)


def test_a_truncated_or_missing_archive_is_the_callers_error(tmp_path: Path) -> None:
    good = zipped(tmp_path / "good.zip", {"a.json": json.dumps({"x": list(range(1000))}).encode()})
    truncated = write(tmp_path / "val.json.zip", good.read_bytes()[:200])
    with pytest.raises(CorpusError, match="not a readable zip archive"):
        read_json(truncated, error=CorpusError, what="a split")
    with pytest.raises(CorpusError, match=r"absent\.zip: expected a split, found nothing there"):
        read_json(tmp_path / "absent.zip", error=CorpusError, what="a split")


def test_every_error_is_a_tod_error_of_the_callers_class(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", "[")
    with pytest.raises(TodError) as caught:
        read_yaml(path, error=DomainError, what="x")
    assert type(caught.value) is DomainError


# ------------------------------------------------------------------------------------------ atomic files


def test_text_and_bytes_are_written_atomically(tmp_path: Path) -> None:
    text = write_atomically(tmp_path / "report.md", "# café\n")
    assert text.read_text(encoding="utf-8") == "# café\n"
    data = write_atomically(tmp_path / "plot.png", b"\x89PNG\x00\xff")
    assert data.read_bytes() == b"\x89PNG\x00\xff"
    write_atomically(text, "second\n")
    assert text.read_text(encoding="utf-8") == "second\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.png", "report.md"]  # no scratch file left


def test_a_written_file_gets_the_permissions_of_a_plain_open(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    assert write_atomically(tmp_path / "atomic.txt", "x").stat().st_mode == plain.stat().st_mode


def test_a_failing_writer_leaves_the_old_file_and_no_scratch(tmp_path: Path) -> None:
    path = write_atomically(tmp_path / "goals.jsonl", "old\n")
    with pytest.raises(RuntimeError, match="halfway"):
        with atomic_file(path) as handle:
            handle.write("new, but only half")
            raise RuntimeError("halfway")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["goals.jsonl"]


def test_two_writers_never_share_a_scratch_file(tmp_path: Path) -> None:
    path = tmp_path / "simulation.json"
    with atomic_file(path) as first, atomic_file(path) as second:
        assert first.name != second.name  # the descriptors of two scratch files
        scratch = sorted(p.name for p in tmp_path.iterdir())
        assert len(scratch) == 2 and all(n.startswith(".simulation.json.tmp-") for n in scratch)
        first.write("first")
        second.write("second")
    assert path.read_text(encoding="utf-8") == "first"  # the outer block ends last and wins
    assert [p.name for p in tmp_path.iterdir()] == ["simulation.json"]


def test_a_writer_into_a_missing_directory_fails_plainly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomically(tmp_path / "absent" / "x.txt", "x")


# ------------------------------------------------------------------------------------------ atomic directories


def test_a_model_directory_gets_a_manifest_and_replaces_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "models" / "m"
    for weights in (b"first", b"second, longer"):
        with atomic_directory(target, "toy") as scratch:
            (scratch / "weights.bin").write_bytes(weights)
            (scratch / "sub").mkdir()
            (scratch / "sub" / "labels.json").write_text("[]")
        manifest = verify(target, "toy")
        assert manifest["files"]["weights.bin"]["bytes"] == len(weights)
        assert sorted(manifest["files"]) == ["sub/labels.json", "weights.bin"]
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["m"]  # no scratch, no old copy left


def test_a_directory_without_a_manifest_is_written_as_given(tmp_path: Path) -> None:
    target = tmp_path / "e5"
    with atomic_directory(target, kind=None) as scratch:
        (scratch / "marker.json").write_text("{}")
    assert sorted(p.name for p in target.iterdir()) == ["marker.json"]
    with pytest.raises(ModelDirError, match="manifest.json is missing"):
        verify(target, "toy")


def test_a_failing_directory_writer_leaves_the_old_directory(tmp_path: Path) -> None:
    target = tmp_path / "m"
    with atomic_directory(target, "toy") as scratch:
        (scratch / "weights.bin").write_bytes(b"good")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_directory(target, "toy") as scratch:
            (scratch / "weights.bin").write_bytes(b"half")
            raise RuntimeError("disk full")
    assert (target / "weights.bin").read_bytes() == b"good"
    verify(target, "toy")
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_a_file_in_the_way_of_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m").write_text("not a directory")
    with pytest.raises(ModelDirError, match="exists and is not a directory"):
        with atomic_directory(tmp_path / "m", "toy"):
            pass


def test_a_file_lock_makes_builders_take_turns(tmp_path: Path) -> None:
    lock = tmp_path / "cache" / ".m.lock"
    order: list[str] = []
    inside = threading.Event()

    def second() -> None:
        inside.wait()
        with file_lock(lock):
            order.append("second")

    thread = threading.Thread(target=second)
    thread.start()
    with file_lock(lock):
        inside.set()
        time.sleep(0.3)  # the second builder is waiting for the lock meanwhile
        order.append("first")
    thread.join(timeout=10)
    assert order == ["first", "second"]
    assert lock.exists()


def test_a_file_without_read_permission_says_so(tmp_path: Path) -> None:
    path = write(tmp_path / "locked.yaml", "a: 1\n")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user that reads any file (root)")
        with pytest.raises(ConfigError, match=r"locked\.yaml: cannot read x: Permission denied"):
            read_yaml(path, error=ConfigError, what="x")
    finally:
        path.chmod(0o644)


# ------------------------------------------------------------------------------------------ checked access


def test_a_file_checker_names_the_file_and_the_key_path(tmp_path: Path) -> None:
    check = FileChecker(tmp_path / "ontology.yaml", DomainError)
    data = read_yaml(write(tmp_path / "ontology.yaml", "domains: {hotel: [a]}\nyes: 1\n"), error=DomainError, what="x")
    assert check.mapping(data, "") is data
    with pytest.raises(DomainError) as caught:
        check.mapping(data["domains"]["hotel"], "domains.hotel")
    assert str(caught.value) == f"{tmp_path / 'ontology.yaml'}: domains.hotel: expected a mapping, found list ['a']"
    with pytest.raises(DomainError, match=r"ontology\.yaml: <top level>: found a boolean key: quote yes/no/on/off"):
        check.no_boolean_keys(data, "")
    with pytest.raises(DomainError, match=r"<top level>: unknown key\(s\) \[True\]: expected some of \['domains'\]"):
        check.keys(data, "", ("domains",))
    check.keys({"domains": {}}, "", ("domains", "name"))
    with pytest.raises(ConfigError, match=r"^x\.yaml: a\.b: broken$"):
        raise FileChecker("x.yaml", ConfigError).fail("a.b", "broken")
