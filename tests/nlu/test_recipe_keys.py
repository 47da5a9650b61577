"""The cache keys of the shipped pipelines' trained-on-first-use models, and the data behind them, pinned.

A cached model is found again only under the same key, and recorded benchmark numbers were measured with
the models those keys name. A refactoring must leave every key and fingerprint here as it is. When one
changes on purpose:
- the generated training data (a fingerprint below): bump ``DATA_VERSION`` of
  ``tod/nlu/domain_model.py`` (synthetic NLU) or ``tod/simulator/user_nlu.py`` (simulated user's reader)
  and pin the new fingerprint and keys;
- a domain's files, a recipe's defaults or tod's version: pin the new keys (the models retrain once).

The simulated user's reader keys are those tod computed at ddd5c3d (and before), except the city
guide's: its domain gained corpora.yaml (its human corpora), a domain file, so both its keys changed. The synthetic NLU keys
were new at the commit that made its key a recipe key (the recipe, DATA_VERSION 1, tod's version and the
domain's files, instead of the bytes of tod/nlu/synth.py and domain_model.py, which changed the key at
every edit of those files); its dialogues are those of ddd5c3d and 1d57707 (the fingerprints).
The city guide's and MultiWOZ's keys, and the city guide's fingerprints, changed with issue 19's replies
(branch real-replies): the system templates write names in title case, capitals at sentence starts, "1
person"/"1 night", so the system turns of the generated dialogues read differently and the template files
(part of every key) changed; DATA_VERSION was not bumped because the keys change with the files anyway.
They changed again with issue 19's context work (branch real-context): every domain's system templates
gained affirm/negate, and the city guide's ontology the words of its sub-domains and slots; and again
with the negation work (branch real-negation): every domain's system templates gained exclude.
They changed again with issue 19's values (branch real-values): the ontologies' booking ranges, likely hours,
units and party flags, and the system templates' refusals, unknown names and "did you mean"; the city
guide's generated dialogues read values as people write them and refuse what cannot be booked. Again the
keys change with the files, so DATA_VERSION was not bumped.
MultiWOZ's changed once more when its ontology gained the words people call its sub-domains and slots
(issue 19: short follow-ups such as "number?" or "what car is it" read by them).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

import pytest

from tests.conftest import require_shared
from tod.nlu.domain_model import SynthRecipe, cache_key, model_path, synthetic_dialogues
from tod.pipeline.config import load_pipeline_config, with_data_dir
from tod.pipeline.pipeline import Pipeline
from tod.simulator.user_nlu import ReaderRecipe, reader_path, training_dialogues
from tod.simulator.user_nlu import cache_key as reader_key

#: The city guide's human corpora (its NLU trains on them where ../shared/data is present).
CITYGUIDE_HUMAN = ("multiwoz-val", "camrest", "woz")
#: pipeline -> (its synthetic NLU's recipe, that recipe's key, the simulated user's reader key)
PINNED = {
    "cityguide": (
        SynthRecipe(dialogues=3000, epochs=3, context_turns=1, human=CITYGUIDE_HUMAN, human_turns=2000),
        "10bfcc92c7836fb9",
        "1a1311a44b4aa813",
    ),
    "multiwoz": (SynthRecipe(), "f7b8194868f60e30", "3437805aeb805726"),
    "crosswoz": (SynthRecipe(epochs=6, extend_vocabulary=True), "f8692279d6db4c09", "91955e56f8ac3bf4"),
}
#: pipeline -> fingerprints of the first generated training data: SynthRecipe(dialogues=40), ReaderRecipe(dialogues=10)
FINGERPRINTS = {
    "cityguide": ("9841f87fcf8d4ec9", "1b253fbdc20188c2"),
    "crosswoz": ("b0e53f0fa36e80ab", "8487d03d806571ce"),
}


def pipeline(name: str) -> Pipeline:
    config = load_pipeline_config(name)
    if config.data_dir is not None:
        config = with_data_dir(config, str(require_shared(name)))
    return Pipeline.from_config(config, acts_only=True, progress=False)


def fingerprint(dialogues: list[Any]) -> str:
    text = json.dumps([d.to_dict() for d in dialogues], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def the_pipelines_recipe(name: str) -> SynthRecipe:
    """The recipe the pipeline file gives ``ActNLU.from_config`` (its defaults are SynthRecipe's)."""
    params = dict(load_pipeline_config(name).components["nlu"].params)
    assert params.pop("model") is None
    if params.get("human"):
        params["human_data"] = str(require_shared())  # the shipped "../shared/data", from any directory
    return SynthRecipe.from_params(**params)


@pytest.mark.parametrize("name", list(PINNED))
def test_the_shipped_pipelines_keep_their_cache_keys(name: str) -> None:
    recipe, synth, reader = PINNED[name]
    found = the_pipelines_recipe(name)
    assert replace(found, human_data="") == recipe  # where the corpora are is not part of the recipe's key
    recipe = found
    built = pipeline(name)
    assert cache_key(built.context, recipe) == synth
    assert model_path(built.context, recipe).name == f"{name}-{synth}"
    reading = ReaderRecipe(extend_vocabulary=built.context.domain.language == "zh")
    assert reader_key(built, reading) == reader
    assert reader_path(built, reading).name == f"{name}-user-reader-{reader}"


@pytest.mark.parametrize("name", list(FINGERPRINTS))
def test_the_generated_training_data_is_unchanged(name: str) -> None:
    built = pipeline(name)
    recipe = replace(PINNED[name][0], dialogues=40)
    synth, reader = FINGERPRINTS[name]
    assert fingerprint(synthetic_dialogues(built.context, recipe)) == synth, "bump DATA_VERSION of domain_model.py"
    reading = ReaderRecipe(dialogues=10, extend_vocabulary=built.context.domain.language == "zh")
    assert fingerprint(training_dialogues(built, reading)) == reader, "bump DATA_VERSION of user_nlu.py"


def test_a_recipe_without_human_corpora_keys_as_before_and_with_them_by_their_files(tmp_path) -> None:
    built = pipeline("cityguide")
    plain = SynthRecipe(dialogues=3000, epochs=3, context_turns=1)
    data = str(require_shared())
    human = replace(plain, human=CITYGUIDE_HUMAN, human_data=data)
    assert plain.fields() == SynthRecipe(dialogues=3000, epochs=3, context_turns=1, human_data=data).fields()
    assert "human" not in plain.fields() and "held_apart" not in plain.fields()
    keys = {cache_key(built.context, r) for r in (plain, human, replace(human, human=("camrest",)), replace(human, human_turns=10), replace(plain, held_apart=True))}
    assert len(keys) == 5
    # the corpora's location is not in the key, their contents are
    elsewhere = tmp_path / "corpora"
    for sub in ("multiwoz", "camrest", "woz"):
        (elsewhere / sub).mkdir(parents=True)
    for name, file in (("multiwoz", "val.json.zip"), ("camrest", "data.zip"), ("woz", "data.zip")):
        (elsewhere / name / file).symlink_to(require_shared(name, file))
    assert cache_key(built.context, replace(human, human_data=str(elsewhere))) == cache_key(built.context, human)
    (elsewhere / "camrest" / "data.zip").unlink()
    (elsewhere / "camrest" / "data.zip").write_bytes(b"not the corpus")
    assert cache_key(built.context, replace(human, human_data=str(elsewhere))) != cache_key(built.context, human)


def test_without_the_corpora_folder_the_city_guide_recipe_is_the_synthesised_one(capsys) -> None:
    params = dict(load_pipeline_config("cityguide").components["nlu"].params)
    params.pop("model")
    recipe = SynthRecipe.from_params(**{**params, "human_data": "/nonexistent/shared/data"})
    assert recipe == SynthRecipe(dialogues=3000, epochs=3, context_turns=1)
    assert "absent: training on synthesised dialogues only" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"human": "snips"}, "no source 'snips'"),
        ({"human": [3]}, "human must be a list of corpus source names"),
        ({"human": {"a": 1}}, "human must be a list of corpus source names"),
        ({"human": "camrest", "human_turns": -1}, "human_turns must be a number of turns >= 0"),
    ],
)
def test_bad_human_parameters_are_clear_errors(params, message) -> None:
    from tod.errors import ConfigError

    built = pipeline("cityguide")
    with pytest.raises(ConfigError, match=message):
        recipe = SynthRecipe.from_params(human_data=str(require_shared()), **params)
        cache_key(built.context, recipe)


def test_a_missing_corpus_file_under_the_folder_is_named(tmp_path) -> None:
    from tod.errors import ConfigError

    built = pipeline("cityguide")
    recipe = SynthRecipe.from_params(human=["woz"], human_data=str(tmp_path))
    with pytest.raises(ConfigError, match="woz/data.zip not found"):
        cache_key(built.context, recipe)
