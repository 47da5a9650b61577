"""A whole cityguide pipeline whose NLU is a tiny random BERT trained briefly on synthetic dialogues."""

from __future__ import annotations

from pathlib import Path

import pytest

from tod.pipeline.config import load_pipeline_config
from tod.pipeline.pipeline import Pipeline


@pytest.fixture(scope="session")
def tiny_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tod-cache")


@pytest.fixture(scope="session")
def tiny_pipeline_overrides(tiny_encoder_dir: Path) -> dict[str, str]:
    return {
        "nlu.encoder": str(tiny_encoder_dir),
        "nlu.dialogues": "200",
        "nlu.epochs": "1",
        "fallback.encoder": str(tiny_encoder_dir),
    }


@pytest.fixture(scope="session")
def tiny_pipeline(tiny_pipeline_overrides: dict[str, str], tiny_cache: Path) -> Pipeline:
    config = load_pipeline_config("cityguide", tiny_pipeline_overrides)
    return Pipeline.from_config(config, cache_dir=str(tiny_cache), progress=False)
