"""Every command's ``--json FILE`` is written the same way (tod.cli.options.write_json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tod.cli.options import write_json


def test_the_parent_folder_is_created_and_the_text_is_utf8_json_with_one_newline(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "scores.json"
    written = write_json(target, {"city": "Zürich", "中文": [1, 2.5, None]})
    assert written == target
    text = target.read_text(encoding="utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert "Zürich" in text and "中文" in text  # not \\u-escaped
    assert json.loads(text) == {"city": "Zürich", "中文": [1, 2.5, None]}
    assert [p.name for p in target.parent.iterdir()] == ["scores.json"]  # no scratch file left


def test_an_existing_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "scores.json"
    target.write_text("x" * 10_000, encoding="utf-8")
    write_json(target, {"a": 1})
    assert json.loads(target.read_text(encoding="utf-8")) == {"a": 1}


def test_a_payload_json_cannot_write_fails_and_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "scores.json"
    target.write_text('{"old": true}\n', encoding="utf-8")
    with pytest.raises(TypeError):
        write_json(target, {"bad": object()})
    assert target.read_text(encoding="utf-8") == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["scores.json"]


def test_a_folder_in_the_way_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "scores.json").mkdir()
    with pytest.raises(OSError):
        write_json(tmp_path / "scores.json", {"a": 1})
