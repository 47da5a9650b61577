"""Pipeline files are checked before anything is built: keys, component names, parameters, types."""

from __future__ import annotations

from pathlib import Path

import pytest

from tod.builtin import pipelines_dir
from tod.errors import ConfigError
from tod.pipeline.config import (
    apply_overrides,
    check_params,
    find_pipeline,
    load_pipeline_config,
    parse_pipeline_config,
)

BASE = {"domain": "cityguide", "nlu": "jointbert-acts", "dst": "rule", "policy": "rule", "nlg": "template"}


def test_a_minimal_config_parses_with_defaults():
    config = parse_pipeline_config(dict(BASE), "x.yaml")
    assert config.domain == "cityguide"
    assert config.components["dst"].name == "rule"
    assert config.routing.min_confidence == 0.3
    assert "fallback" not in config.components


@pytest.mark.parametrize(
    "change, message",
    [
        ({"colour": "red"}, "unknown key(s) ['colour']"),
        ({"domain": ""}, "'domain' must be"),
        ({"seed": "three"}, "'seed' must be an integer"),
        ({"seed": True}, "'seed' must be an integer"),
        ({"data_dir": 3}, "'data_dir' must be a path"),
        ({"routing": {"min_confidence": 2}}, "min_confidence must be a number in [0, 1]"),
        ({"routing": {"threshold": 0.2}}, "routing: unknown key(s) ['threshold']"),
        ({"routing": "high"}, "expected a mapping"),
        ({"dst": "bayes"}, "unknown DST component 'bayes'; available: rule"),
        ({"dst": {"name": "rule", "params": {"adopt": True}}}, "unknown parameter 'adopt'"),
        ({"dst": {"name": "rule", "params": {"adopt_offered_name": "yes"}}}, "must be bool, found str"),
        ({"dst": {"name": "rule", "extra": 1}}, "unknown key(s) ['extra']"),
        ({"dst": {"params": {}}}, "'name' must name a dst component"),
        ({"dst": {"name": "rule", "params": [1, 2]}}, "expected a mapping"),
        ({"name": 5}, "'name' must be text"),
    ],
)
def test_malformed_entries_are_named(change, message):
    raw = {**BASE, **change}
    with pytest.raises(ConfigError) as error:
        parse_pipeline_config(raw, "bad.yaml")
    assert message in str(error.value)
    assert "bad.yaml" in str(error.value)


def test_missing_stages_are_listed():
    with pytest.raises(ConfigError, match=r"missing key\(s\) \['nlg'\]"):
        parse_pipeline_config({k: v for k, v in BASE.items() if k != "nlg"})


def test_the_parameter_listing_names_accepted_parameters_and_types():
    with pytest.raises(ConfigError) as error:
        check_params("dst", "rule", {"nope": 1}, "here")
    assert "accept_offered_names: bool" in str(error.value)


def test_ints_are_accepted_where_floats_are_expected():
    assert check_params("nlu", "jointbert-acts", {"epochs": 2}, "x")["epochs"] == 2
    with pytest.raises(ConfigError, match="must be int"):
        check_params("nlu", "jointbert-acts", {"epochs": 2.5}, "x")
    assert check_params("nlu", "jointbert-acts", {"model": None}, "x")["model"] is None


def test_overrides_go_through_the_same_checks():
    raw = apply_overrides(
        dict(BASE), {"dst.adopt_offered_name": "true", "seed": "4", "routing.min_confidence": "0.5"}, "x"
    )
    config = parse_pipeline_config(raw)
    assert config.components["dst"].params["adopt_offered_name"] is True
    assert config.seed == 4 and config.routing.min_confidence == 0.5
    with pytest.raises(ConfigError, match="must be bool"):
        parse_pipeline_config(apply_overrides(dict(BASE), {"dst.adopt_offered_name": "maybe"}, "x"))
    with pytest.raises(ConfigError, match="expected <stage>.<parameter>"):
        apply_overrides(dict(BASE), {"colour.red": "1"}, "x")
    with pytest.raises(ConfigError, match="configures no fallback"):
        apply_overrides(dict(BASE), {"fallback.url": "http://x"}, "x")
    # another component: the old parameters go, the new ones are checked against it
    raw = {**BASE, "dst": {"name": "rule", "params": {"adopt_offered_name": True}}}
    swapped = apply_overrides(raw, {"dst.name": "rule", "policy.name": "mle"}, "x")
    assert swapped["dst"] == {"name": "rule"} and swapped["policy"] == {"name": "mle"}
    with pytest.raises(ConfigError, match="unknown DST component 'bayes'"):
        parse_pipeline_config(apply_overrides(dict(BASE), {"dst.name": "bayes"}, "x"))


def test_files_are_found_by_name_or_path_and_bad_files_are_clear(tmp_path: Path):
    assert find_pipeline("cityguide") == pipelines_dir() / "cityguide.yaml"
    with pytest.raises(ConfigError, match="unknown pipeline 'nowhere'"):
        find_pipeline("nowhere")
    with pytest.raises(ConfigError, match="does not exist"):
        find_pipeline(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("domain: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_pipeline_config(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_pipeline_config(listy)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match=r"binary.yaml:1: expected UTF-8 text in the pipeline file, found byte 0xff"):
        load_pipeline_config(binary)


@pytest.mark.parametrize("name", ["cityguide", "multiwoz", "crosswoz"])
def test_the_ready_made_pipelines_are_valid(name):
    config = load_pipeline_config(name)
    assert set(config.components) >= {"nlu", "dst", "policy", "nlg"}


def test_the_nlu_refuses_a_bad_thread_count_before_loading_anything():
    from tod.domain.context import BuildContext
    from tod.nlu.acts import ActNLU

    with pytest.raises(ConfigError, match="threads must be a positive number"):
        ActNLU.from_config(BuildContext.open("cityguide"), model="/nonexistent", threads=0)
