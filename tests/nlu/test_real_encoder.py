"""The real packaged MiniLM, loaded offline, inside JointBertNLU."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_packaged_minilm_loads_offline_and_parses():
    # A fresh process, so that HF_HUB_OFFLINE=1 is in force from the first import of transformers.
    code = """
import torch
from tod.nlu.encoders import packaged_minilm
from tod.nlu.jointbert import JointBertNLU
from tod.nlu.labels import LabelVocab
nlu = JointBertNLU.from_encoder("minilm", LabelVocab(("a", "b")), LabelVocab(("O", "B-city", "I-city")))
enc = nlu.model.encoder
assert enc.config.num_hidden_layers == 6 and enc.config.hidden_size == 384, enc.config
assert sum(p.numel() for p in enc.parameters()) > 22_000_000
# the packaged weights were loaded, not a random init: they match the files on disk
from safetensors.torch import load_file
disk = load_file(str(packaged_minilm() / "model.safetensors"))
key = next(k for k in disk if k.endswith("word_embeddings.weight"))
assert torch.equal(disk[key], enc.embeddings.word_embeddings.weight.detach())
result = nlu.parse("show me flights from boston to denver")
assert result.tokens == ("show", "me", "flights", "from", "boston", "to", "denver")
assert len(result.tags) == 7 and result.intent in ("a", "b")
print("ok")
"""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("ok")
    assert "Loading weights" not in done.stderr  # transformers' load bars are silenced
