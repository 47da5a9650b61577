"""The tod command line: help, argument validation, and train/evaluate/parse end to end."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tod.cli.main import main

SUBCOMMANDS = [
    [],
    ["train"],
    ["train", "nlu"],
    ["train", "policy"],
    ["evaluate"],
    ["evaluate", "nlu"],
    ["evaluate", "policy"],
    ["evaluate", "nlg"],
    ["evaluate", "dst"],
    ["evaluate", "paradise"],
    ["data"],
    ["data", "stats"],
    ["data", "validate"],
    ["chat"],
    ["simulate"],
    ["serve-actions"],
    ["parse"],
]


@pytest.mark.parametrize("words", SUBCOMMANDS)
def test_every_help_explains_itself(words, capsys):
    with pytest.raises(SystemExit) as info:
        main([*words, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: tod" in out and len(out) > 200


def test_help_is_fast_and_imports_no_torch():
    code = (
        "import sys; from tod.cli.main import main\n"
        "try: main(['--help'])\n"
        "except SystemExit: pass\n"
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    assert done.stdout.strip().splitlines()[-1] == "False False"
    assert elapsed < 5  # the real bar is 1 s; this only guards against a torch import slipping in


def test_bare_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "nlu", "--data", "x", "--out", "y", "--epochs", "0"], "expected a number >= 1"),
        (["train", "nlu", "--data", "x", "--out", "y", "--epochs", "ten"], "expected a whole number"),
        (["train", "nlu", "--data", "x", "--out", "y", "--lr", "-1"], "positive finite number"),
        (["train", "nlu", "--data", "x", "--out", "y", "--lr", "nan"], "positive finite number"),
        (["train", "nlu", "--data", "x", "--out", "y", "--warmup", "1.5"], "fraction"),
        (["train", "nlu", "--data", "x", "--out", "y", "--pooling", "max"], "invalid choice"),
        (["train", "nlu", "--out", "y"], "--data"),
        (["evaluate", "nlu", "--data", "x"], "--model"),
    ],
)
def test_bad_arguments_are_rejected_by_name(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_missing_corpus_is_a_clear_error(tmp_path, capsys):
    assert main(["train", "nlu", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "m")]) == 2
    assert "corpus directory not found" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_missing_model_is_a_clear_error(tmp_path, tiny_corpus_dir, capsys):
    assert main(["evaluate", "nlu", "--model", str(tmp_path / "m"), "--data", str(tiny_corpus_dir)]) == 2
    assert "model directory not found" in capsys.readouterr().err


def test_out_that_is_not_a_model_is_never_overwritten(tmp_path, tiny_corpus_dir, capsys):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    argv = ["train", "nlu", "--data", str(tiny_corpus_dir), "--out", str(precious), "--overwrite"]
    assert main(argv) == 2
    assert "not a tod model" in capsys.readouterr().err
    assert (precious / "notes.txt").read_text() == "keep me"


@pytest.fixture(scope="module")
def cli_model(tmp_path_factory, tiny_corpus_dir, tiny_encoder_dir) -> Path:
    out = tmp_path_factory.mktemp("cli") / "model"
    argv = ["train", "nlu", "--data", str(tiny_corpus_dir), "--out", str(out), "--encoder", str(tiny_encoder_dir),
            "--epochs", "3", "--batch-size", "4", "--lr", "1e-3", "--threads", "1", "--members", "1", "--quiet"]
    assert main(argv) == 0
    return out


def test_train_writes_a_complete_model(cli_model, tiny_corpus_dir, tiny_encoder_dir, capsys):
    assert {"manifest.json", "model.safetensors", "labels.json", "meta.json", "nlu_config.json"} <= {
        p.name for p in cli_model.iterdir()
    }
    meta = json.loads((cli_model / "meta.json").read_text())
    assert len(meta["data_checksum"]) == 64 and meta["train_config"]["epochs"] == 3
    # a second run into the same directory needs --overwrite
    argv = ["train", "nlu", "--data", str(tiny_corpus_dir), "--out", str(cli_model), "--encoder",
            str(tiny_encoder_dir), "--epochs", "1", "--quiet"]
    assert main(argv) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_evaluate_prints_tables_and_writes_json(cli_model, tiny_corpus_dir, tmp_path, capsys):
    out = tmp_path / "scores" / "test.json"
    argv = ["evaluate", "nlu", "--model", str(cli_model), "--data", str(tiny_corpus_dir), "--split", "test",
            "--json", str(out), "--errors", "2"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "intent accuracy" in printed and "per slot" in printed and "per intent" in printed
    scores = json.loads(out.read_text())
    assert {"intent_accuracy", "slot_f1", "sentence_accuracy", "per_intent", "per_slot"} <= set(scores)
    assert scores["examples"] == 2
    # the test split holds an intent never seen in training: it counts as an error, no crash
    assert scores["unseen_gold_intents"] == 1
    assert scores["intent_accuracy"] <= 0.5


def test_evaluate_unknown_split_is_a_clear_error(cli_model, tiny_corpus_dir, capsys):
    argv = ["evaluate", "nlu", "--model", str(cli_model), "--data", str(tiny_corpus_dir), "--split", "holdout"]
    assert main(argv) == 2
    assert "no 'holdout' split directory" in capsys.readouterr().err


def test_parse_prints_json_per_text_and_per_stdin_line(cli_model, capsys, monkeypatch):
    assert main(["parse", "--model", str(cli_model), "flights from boston", ""]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["text"] == "flights from boston" and first["intents"]
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("show fares\nground transportation\n"))
    assert main(["parse", "--model", str(cli_model)]) == 0
    assert [json.loads(x)["text"] for x in capsys.readouterr().out.strip().splitlines()] == [
        "show fares",
        "ground transportation",
    ]


def test_corrupt_model_is_a_clear_error(cli_model, tmp_path, capsys):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(cli_model, broken)
    (broken / "model.safetensors").write_bytes(b"junk")
    assert main(["parse", "--model", str(broken), "hello"]) == 2
    assert "incomplete or corrupt" in capsys.readouterr().err


def test_console_script_is_installed():
    done = subprocess.run([str(Path(sys.executable).parent / "tod"), "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("tod ")
