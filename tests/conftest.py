"""Shared fixtures: the tiny corpus, a tiny randomly initialised BERT, a tiny city guide pipeline, the real-data
switch, a throwaway PostgreSQL cluster."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Iterator

import pytest

from tod.pipeline.config import load_pipeline_config
from tod.pipeline.pipeline import Pipeline
from tod.testing.postgres import PostgresCluster, find_bin, start_cluster

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing in the tests may reach a hub

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def require_shared(*parts: str) -> Path:
    """Path under ../shared/data; skip the test where it is absent (fail in CI, see .ci/run)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        message = f"real corpus not available: {path} is absent (see data/README.md)"
        if os.environ.get("TOD_REQUIRE_DATA") == "1":
            pytest.fail(message + "; TOD_REQUIRE_DATA=1 demands it")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def tiny_corpus_dir() -> Path:
    return FIXTURES / "tiny_intent"


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-wide BERT with random weights and the packaged MiniLM tokenizer."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from tod.nlu.encoders import packaged_minilm

    directory = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = AutoTokenizer.from_pretrained(str(packaged_minilm()))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    torch.manual_seed(0)
    BertModel(config, add_pooling_layer=False).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


# A whole cityguide pipeline whose NLU is a tiny random BERT trained briefly on synthetic dialogues.
@pytest.fixture(scope="session")
def tiny_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tod-cache")


@pytest.fixture(scope="session")
def tiny_pipeline_overrides(tiny_encoder_dir: Path) -> dict[str, str]:
    return {
        "nlu.encoder": str(tiny_encoder_dir),
        "nlu.dialogues": "200",
        "nlu.epochs": "1",
        # the human turns' path, cheaply: one small corpus, a few turns (synthesised only without ../shared/data)
        "nlu.human": "[camrest]",
        "nlu.human_turns": "100",
        "fallback.encoder": str(tiny_encoder_dir),
    }


@pytest.fixture(scope="session")
def tiny_pipeline(tiny_pipeline_overrides: dict[str, str], tiny_cache: Path) -> Pipeline:
    config = load_pipeline_config("cityguide", tiny_pipeline_overrides)
    return Pipeline.from_config(config, cache_dir=str(tiny_cache), progress=False)


# ----------------------------------------------------------------------------------------- PostgreSQL
def _postgres_missing(message: str) -> None:
    """Skip (fail with TOD_REQUIRE_DATA=1, as in CI: .ci/run installs PostgreSQL) for want of PostgreSQL."""
    if os.environ.get("TOD_REQUIRE_DATA") == "1":
        pytest.fail(message + "; TOD_REQUIRE_DATA=1 demands it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster for the whole session (``tod.testing.postgres``)."""
    import importlib.util

    if importlib.util.find_spec("psycopg") is None:
        _postgres_missing("psycopg is not installed (pip install -e '.[postgres]', the Makefile does)")
    if find_bin() is None:
        _postgres_missing("PostgreSQL's programs (initdb, pg_ctl) are not installed (apt-get install postgresql)")
    cluster = start_cluster()
    yield cluster
    cluster.stop()


_databases = itertools.count()


@pytest.fixture()
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """The URL of a new, empty database of the session's cluster (one per test)."""
    return postgres_cluster.create_database(f"test_{os.getpid()}_{next(_databases)}")
