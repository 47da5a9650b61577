"""``tod evaluate nlu --workers K``: predictions shared over worker processes give one process's scores."""

from __future__ import annotations

import json
import operator
from functools import partial
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tod.cli.main import main
from tod.data.multiwoz import load_multiwoz
from tod.errors import ConfigError
from tod.nlu.config import JointNLUConfig, TrainConfig
from tod.nlu.sharded import map_in_workers, worker_threads


def _config(encoder: Path, **model) -> TrainConfig:
    # One epoch: a barely trained model makes varied mistakes, and every mistake is printed (--errors),
    # so the reports compare the predictions themselves, not only the scores.
    return TrainConfig(encoder=str(encoder), epochs=1, batch_size=4, lr=3e-3, head_lr=1e-2, warmup=0.0, seed=3,
                       threads=1, freeze_embeddings=False, members=1, precision="fp32", model=JointNLUConfig(**model))


def _evaluate(argv: list[str], json_path: Path, capsys) -> tuple[dict, str]:
    capsys.readouterr()
    assert main([*argv, "--json", str(json_path)]) == 0
    printed = capsys.readouterr().out.replace(str(json_path), "JSON")
    return json.loads(json_path.read_text()), printed


def test_intent_slot_scores_with_two_workers_equal_one(tiny_corpus_dir, tiny_encoder_dir, tmp_path, capsys):
    from tod.data.seqio import load_seq_corpus
    from tod.nlu.training import train_joint_nlu

    nlu, _ = train_joint_nlu(load_seq_corpus(tiny_corpus_dir), _config(tiny_encoder_dir), progress=False,
                             log=lambda _: None)
    nlu.save(tmp_path / "model")
    # the train split (11 utterances) at 2 per batch: 6 batches to share out
    argv = ["evaluate", "nlu", "--model", str(tmp_path / "model"), "--data", str(tiny_corpus_dir), "--split", "train",
            "--batch-size", "2", "--errors", "100"]
    one, one_printed = _evaluate([*argv, "--workers", "1"], tmp_path / "one.json", capsys)
    two, two_printed = _evaluate([*argv, "--workers", "2"], tmp_path / "two.json", capsys)
    assert one == two and one["examples"] == 11
    assert one["sentence_accuracy"] < 1.0 and one_printed == two_printed  # the wrong parses printed are the same


def test_act_scores_with_two_workers_equal_one(tiny_encoder_dir, tmp_path, capsys):
    from tod.nlu.act_training import train_act_nlu

    dialogues = load_multiwoz(FIXTURES / "multiwoz" / "val.json")["val"]
    nlu, _ = train_act_nlu(dialogues, None, _config(tiny_encoder_dir, context_turns=1, multi_label=True, max_length=48),
                           corpus="multiwoz", progress=False, log=lambda _: None)
    nlu.save(tmp_path / "model")
    data = tmp_path / "corpus"
    data.mkdir()
    (data / "val.json").write_text((FIXTURES / "multiwoz" / "val.json").read_text(encoding="utf-8"), encoding="utf-8")
    argv = ["evaluate", "nlu", "--model", str(tmp_path / "model"), "--data", str(data), "--split", "val",
            "--errors", "100"]
    one, one_printed = _evaluate([*argv, "--workers", "1"], tmp_path / "one.json", capsys)
    two, two_printed = _evaluate([*argv, "--workers", "2"], tmp_path / "two.json", capsys)
    assert one == two and one["dialogues"] == len(dialogues) == 3
    assert one_printed == two_printed


def test_worker_counts_are_checked_and_threads_shared_out():
    load = partial(int, "100")  # never called: nothing is spawned for these
    assert map_in_workers(load, operator.add, [], 2) == []
    with pytest.raises(ConfigError, match="workers must be a positive integer"):
        map_in_workers(load, operator.add, [1], 0)
    assert worker_threads(2, 3) == 3 and worker_threads(10**6) == 1
