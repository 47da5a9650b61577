"""``tod serve-actions``: its help, argument checks, and the errors given before anything is built."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tod.cli.main import main


def test_help_explains_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["serve-actions", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for words in (
        "usage: tod serve-actions",
        "action_tod_respond",
        "action_tod_reset",
        "--store",
        "--port",
        "127.0.0.1",
        "docs/rasa.md",
        "tod_belief",
        "413",
    ):
        assert words in out, words
    main_help = subprocess.run([sys.executable, "-m", "tod.cli.main", "--help"], capture_output=True, text=True)
    assert "serve-actions" in main_help.stdout


def test_help_imports_neither_rasa_sdk_nor_sanic() -> None:
    code = (
        "import sys; from tod.cli.main import build_parser; build_parser()\n"
        "print(sorted(m for m in ('rasa_sdk', 'sanic', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    "args, words",
    [
        (["--port", "0"], "expected a port in 1..65535"),
        (["--port", "http"], "expected a port number"),
        (["--max-body-kb", "0"], "expected 1 to 1048576 KiB"),
        (["--history-turns", "1"], "expected 2 to 100000 turns"),
        (["--history-turns", "10**9"], "expected a whole number of turns"),
        (["--history-turns", "-5"], "expected 2 to 100000 turns"),
    ],
)
def test_bad_arguments(args: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["serve-actions", *args])
    assert info.value.code == 2
    assert words in capsys.readouterr().err


def test_without_rasa_sdk_it_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "rasa_sdk" else real(name, *a))
    assert main(["serve-actions"]) == 2
    assert "pip install 'tod[rasa]'" in capsys.readouterr().err


def test_a_bad_mapping_file_stops_before_the_pipeline_is_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if importlib.util.find_spec("rasa_sdk") is None:
        pytest.skip("rasa-sdk is not installed")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("intents: {book: reserve}\n")
    assert main(["serve-actions", "--rasa-map", str(mapping)]) == 2
    assert "maps to 'reserve'" in capsys.readouterr().err
