"""Fuzzing pipeline configuration: YAML documents, YAML text and ``--set stage.param=value`` overrides.

A configuration either loads into a :class:`~tod.pipeline.config.PipelineConfig` (which is then
well typed: a known component per stage, parameters that fit their ``from_config``) or is refused
with a :class:`~tod.errors.ConfigError` naming what was expected. Nothing is built here.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.conftest import HOSTILE_TEXT, JSON, fuzz, mutated, outcome
from tod.builtin import pipelines_dir
from tod.pipeline.config import (
    STAGES,
    ComponentConfig,
    PipelineConfig,
    apply_overrides,
    component_parameters,
    load_pipeline_config,
    parse_pipeline_config,
)

SHIPPED = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(pipelines_dir().glob("*.yaml"))}
#: YAML keys need not be strings: numbers, booleans and null are keys too.
YAML_KEYS = st.one_of(
    HOSTILE_TEXT,
    st.sampled_from(["name", "params", "nlu", "routing", "min_confidence"]),
    st.integers(),
    st.booleans(),
    st.none(),
)
#: A seed that repeats itself through YAML aliases: 300 bytes as text, 9**9 items written out in full
#: (built from text: hypothesis would try to print the value itself).
YAML_BOMB = (
    "seed: [&a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"
    + "".join(f", &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi"))
    + "]\n"
)


def check_config(config: PipelineConfig) -> None:
    assert isinstance(config, PipelineConfig) and isinstance(config.name, str) and config.domain
    assert {"nlu", "dst", "policy", "nlg"} <= set(config.components)
    assert isinstance(config.seed, int) and 0 <= config.routing.min_confidence <= 1
    for stage, component in config.components.items():
        assert isinstance(component, ComponentConfig) and STAGES[stage].get(component.name) is not None
        assert set(component.params) <= set(component_parameters(stage, component.name))


@st.composite
def documents(draw: st.DrawFn) -> Any:
    """A shipped pipeline file, mutated, perhaps with keys that are not strings added somewhere."""
    document = draw(mutated(SHIPPED[draw(st.sampled_from(sorted(SHIPPED)))]))
    if isinstance(document, dict) and draw(st.booleans()):
        where = draw(st.sampled_from([None, *(k for k, v in document.items() if isinstance(v, dict))]))
        extra = draw(st.dictionaries(YAML_KEYS, JSON, min_size=1, max_size=2))
        if where is None:
            document = {**document, **extra}
        else:
            document = {**document, where: {**document[where], **extra}}
    return document


@fuzz("config_document")
@given(document=documents(), as_file=st.booleans())
@example(document={**SHIPPED["cityguide"], 1: "x", "colour": "red"}, as_file=False)
@example(document={**SHIPPED["cityguide"], "seed": 10**5000}, as_file=False)
@example(document={**SHIPPED["cityguide"], "dst": None}, as_file=False)
def test_pipeline_documents_load_or_name_the_problem(document: Any, as_file: bool) -> None:
    if not as_file:
        config, _ = outcome(lambda: parse_pipeline_config(document, "fuzz.yaml"))
    else:
        with tempfile.TemporaryDirectory(prefix="tod-fuzz-") as directory:
            path = Path(directory) / "fuzz.yaml"
            path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8", errors="surrogatepass")
            config, _ = outcome(lambda: load_pipeline_config(path))
    if config is not None:
        check_config(config)


YAML_TEXT = st.one_of(
    HOSTILE_TEXT,
    st.text(st.sampled_from("{}[]:,-&*!|>'\"#%@` \n\tabc019"), max_size=40),
    st.sampled_from(
        [
            "9" * 5000,
            "[" * 600,
            "{a: " * 600,
            "!!python/object/apply:os.system [echo]",
            "domain: &d cityguide\nnlu: *d\n",
            "a: &a [*a]",
            "---\n---\n",
            YAML_BOMB,
            "\ufeffdomain: cityguide",
            "domain: cityguide\nnlu: {name: jointbert-acts, params: {epochs: " + "9" * 5000 + "}}",
        ]
    ),
)


@fuzz("config_text")
@given(text=YAML_TEXT, bad=st.none() | st.sampled_from([b"\xff", b"\xed\xa0\x80"]), keep=st.booleans())
@example(text="9" * 5000, bad=None, keep=False)
@example(text="[" * 600, bad=None, keep=False)
@example(text=YAML_BOMB, bad=None, keep=True)
def test_pipeline_files_of_any_text_load_or_name_the_problem(text: str, bad: bytes | None, keep: bool) -> None:
    """Any text as a pipeline file, alone or after a good file's first lines."""
    good = (pipelines_dir() / "cityguide.yaml").read_text(encoding="utf-8")
    raw = ((good if keep else "") + text).encode("utf-8", errors="surrogatepass") + (bad or b"")
    with tempfile.TemporaryDirectory(prefix="tod-fuzz-") as directory:
        path = Path(directory) / "fuzz.yaml"
        path.write_bytes(raw)
        config, _ = outcome(lambda: load_pipeline_config(path))
    if config is not None:
        check_config(config)


OVERRIDE_KEYS = st.one_of(
    st.sampled_from(
        [
            "nlu.epochs",
            "nlu.model",
            "nlu.lr",
            "nlu.name",
            "policy.confirm_below",
            "dst.name",
            "fallback.name",
            "routing.min_confidence",
            "routing.colour",
            "seed",
            "domain",
            "nlu",
            "routing",
            "",
            ".",
            "nlu.",
            ".epochs",
            "a.b.c",
            "nlu.epochs.x",
        ]
    ),
    HOSTILE_TEXT,
    st.builds(lambda a, b: f"{a}.{b}", st.sampled_from([*STAGES, "routing", "x"]), HOSTILE_TEXT),
)
OVERRIDE_VALUES = st.one_of(
    st.sampled_from(
        [
            "3",
            "-1",
            "0.5",
            "true",
            "null",
            "",
            "~",
            "[1, 2]",
            "{a: b}",
            "{name: rule}",
            "rule",
            "jointbert-acts",
            "'unterminated",
            "9" * 5000,
            "[" * 600,
            "&a [*a]",
            "!!python/name:os.system",
            ".nan",
            ".inf",
        ]
    ),
    HOSTILE_TEXT,
)


@fuzz("config_overrides")
@given(
    name=st.sampled_from(sorted(SHIPPED)),
    overrides=st.dictionaries(OVERRIDE_KEYS, OVERRIDE_VALUES, max_size=4),
)
@example(name="cityguide", overrides={"nlu.epochs": "9" * 5000})
@example(name="cityguide", overrides={"routing": "[1, 2]", "routing.min_confidence": "0.2"})
@example(name="cityguide", overrides={"nlu": "[1, 2]", "nlu.epochs": "3"})
@example(name="cityguide", overrides={"nlu.params": "[1]", "nlu.epochs": "3"})
def test_overrides_apply_or_name_the_problem(name: str, overrides: dict[str, str]) -> None:
    config, _ = outcome(lambda: load_pipeline_config(name, overrides))
    if config is not None:
        check_config(config)
    raw, _ = outcome(lambda: apply_overrides(SHIPPED[name], overrides, name))
    if raw is not None:
        outcome(lambda: parse_pipeline_config(raw, name))
