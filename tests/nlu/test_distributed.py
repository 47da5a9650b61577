"""Data-parallel training: ``torchrun --nproc_per_node 2`` on CPU (gloo), and the pieces it is made of."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tod.nlu.distributed import World, current, launched, setup, shard

# Run under torchrun: records every epoch's batches and this process's share of them, then runs the
# commands given as JSON. It joins the process group itself, so that both commands train in one
# launch (a group cannot be set up twice in one torchrun process); `tod train nlu` uses a group it
# did not set up as it is and leaves it to its owner.
HELPER = """
import json, os, sys

from tod.nlu import distributed

original = distributed.shard

def recording(batches, world):
    mine = original(batches, world)
    with open(os.path.join(os.environ["SHARD_LOG"], f"rank{world.rank}.jsonl"), "a") as log:
        log.write(json.dumps({"epoch": batches, "mine": mine}) + "\\n")
    return mine

distributed.shard = recording
world = distributed.setup()
assert world.distributed and world.size == 2 and world.backend == "gloo", world
from tod.cli.main import main

try:
    codes = [main(argv) for argv in json.loads(sys.argv[1])]
finally:
    distributed.shutdown()
sys.exit(max(codes))
"""


def test_shard_gives_each_process_its_turn_and_pads_to_equal_steps():
    batches = [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert shard(batches, World()) == batches
    assert shard(batches, World(0, 2, "gloo")) == [[0, 1], [4, 5]]
    assert shard(batches, World(1, 2, "gloo")) == [[2, 3], [6, 7]]
    # 4 batches over 3 processes: padded with the first ones, 2 steps each
    shares = [shard(batches, World(r, 3, "gloo")) for r in range(3)]
    assert shares == [[[0, 1], [6, 7]], [[2, 3], [0, 1]], [[4, 5], [2, 3]]]
    assert shard([[9]], World(1, 3, "gloo")) == [[9]]
    with pytest.raises(ValueError, match="without batches"):
        shard([], World(0, 2, "gloo"))


def test_a_single_process_is_left_alone(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "1")
    assert not launched()
    assert setup() == World() and current() == World()
    assert World().main and not World().distributed and not World(1, 2, "gloo").main


def _epochs(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_torchrun_two_processes_train_one_model_on_disjoint_shares(tiny_encoder_dir, tiny_corpus_dir, tmp_path):
    from tod.nlu.acts import ActNLU
    from tod.nlu.jointbert import JointBertNLU

    corpus = tmp_path / "multiwoz"
    corpus.mkdir()
    (corpus / "val.json").write_text((FIXTURES / "multiwoz" / "val.json").read_text(encoding="utf-8"), encoding="utf-8")
    models, logs = tmp_path / "models", tmp_path / "shards"
    logs.mkdir()
    common = ["--encoder", str(tiny_encoder_dir), "--epochs", "2", "--batch-size", "2", "--threads", "1", "--quiet",
              "--precision", "fp32"]
    commands = [
        # 11 utterances, 2 per batch: 6 batches an epoch, 3 for each process
        ["train", "nlu", "--data", str(tiny_corpus_dir), "--out", str(models / "intent"), "--no-freeze-embeddings",
         *common],
        # the dialogue-act model on 2 of the 3 dialogues (the third selects): 4 turns an epoch, 2 batches
        ["train", "nlu", "--corpus", "multiwoz", "--data", str(corpus), "--out", str(models / "acts"),
         "--dev-fraction", "0.34", "--context-turns", "1", "--max-examples", "8", *common],
    ]
    (tmp_path / "helper.py").write_text(HELPER)
    # CPU and gloo even on a machine with a GPU (two processes cannot share one GPU under NCCL)
    env = {**os.environ, "SHARD_LOG": str(logs), "OMP_WAIT_POLICY": "PASSIVE", "HF_HUB_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false", "CUDA_VISIBLE_DEVICES": ""}
    run = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--standalone",
         str(tmp_path / "helper.py"), json.dumps(commands)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240,
    )
    assert run.returncode == 0, run.stdout + run.stderr[-4000:]

    # process 0 alone wrote one model per command and reported on it
    assert sorted(p.name for p in models.iterdir()) == ["acts", "intent"]
    assert run.stdout.count("saved ") == 2, run.stdout
    assert run.stderr.count("epoch 1/2") == 2 and "data-parallel over 2 processes (gloo)" in run.stderr

    intent = JointBertNLU.load(models / "intent")
    assert intent.parse("flights from boston to denver").text == "flights from boston to denver"
    assert intent.meta["distributed"] == {"processes": 2, "backend": "gloo", "batch_size_per_process": 2}
    acts = ActNLU.load(models / "acts")
    assert isinstance(acts.parse("i need a cheap hotel .", context=["hello"]).acts, tuple)
    assert acts.meta["distributed"]["processes"] == 2 and "label_threshold" in acts.meta

    # both processes drew the same batches each epoch and took disjoint shares that cover them
    ranks = [_epochs(logs / "rank0.jsonl"), _epochs(logs / "rank1.jsonl")]
    assert len(ranks[0]) == len(ranks[1]) == 4  # 2 epochs of each model
    sizes = []
    for zero, one in zip(*ranks):
        assert zero["epoch"] == one["epoch"]
        assert len(zero["epoch"]) % 2 == 0 and len(zero["mine"]) == len(one["mine"]) == len(zero["epoch"]) // 2
        mine = [{i for batch in r["mine"] for i in batch} for r in (zero, one)]
        assert not mine[0] & mine[1]
        assert mine[0] | mine[1] == {i for batch in zero["epoch"] for i in batch}
        sizes.append(len(mine[0] | mine[1]))
    assert sizes == [11, 11, 4, 4]
