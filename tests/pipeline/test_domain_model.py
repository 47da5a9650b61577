"""The synthetic NLU's cache key: what the model depends on, and nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

from tod.domain.context import BuildContext
from tod.domain.paths import domain_dir
from tod.nlu.domain_model import SynthRecipe, cache_key


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name / "cityguide"
    shutil.copytree(domain_dir("cityguide"), target)
    return target


def test_the_key_ignores_where_the_domain_lives_and_follows_its_content(tmp_path: Path):
    first, second = _copy(tmp_path, "a"), _copy(tmp_path, "b")
    key = cache_key(BuildContext.open(first), SynthRecipe())
    assert key == cache_key(BuildContext.open(second), SynthRecipe())
    assert key != cache_key(BuildContext.open(first), SynthRecipe(epochs=5))
    templates = second / "templates" / "user.yaml"
    templates.write_text(templates.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert key != cache_key(BuildContext.open(second), SynthRecipe())
