"""The built-in domains and pipelines are found through the installed package, from any directory;
names never reach outside the folders they are looked up in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import tod.builtin
from tod.builtin import domains_dir, is_plain_name, pipelines_dir
from tod.domain.paths import ENV_VAR, available_domains, domain_dir
from tod.errors import ConfigError, DomainError
from tod.pipeline.config import find_pipeline, load_pipeline_config

BUILTIN_DOMAINS = ["cityguide", "crosswoz", "multiwoz"]
BUILTIN_PIPELINES = ["cityguide", "crosswoz", "multiwoz"]

LOOKUP = """
import json
import tod
from tod.builtin import domains_dir, pipelines_dir
from tod.domain.paths import available_domains, domain_dir
from tod.pipeline.config import find_pipeline
print(json.dumps({
    "tod": tod.__file__,
    "domains": str(domains_dir()),
    "pipelines": str(pipelines_dir()),
    "available": available_domains(),
    "cityguide": str(domain_dir("cityguide")),
    "pipeline": str(find_pipeline("cityguide")),
}))
"""


def test_the_installed_package_finds_them_from_another_directory(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", ENV_VAR)}
    done = subprocess.run(
        [sys.executable, "-c", LOOKUP], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout)
    assert not Path(found["tod"]).is_relative_to(tmp_path)
    assert found["available"] == BUILTIN_DOMAINS
    assert Path(found["cityguide"]) == Path(found["domains"]) / "cityguide"
    assert (Path(found["cityguide"]) / "ontology.yaml").is_file()
    assert Path(found["pipeline"]) == Path(found["pipelines"]) / "cityguide.yaml"
    assert Path(found["pipeline"]).is_file()


def test_every_shipped_pipeline_names_a_shipped_domain(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert sorted(p.stem for p in pipelines_dir().glob("*.yaml")) == BUILTIN_PIPELINES
    for name in BUILTIN_PIPELINES:
        config = load_pipeline_config(name)
        assert domain_dir(config.domain) == domains_dir() / config.domain


def test_package_markers_and_caches_are_not_domains(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    assert (domains_dir() / "__init__.py").is_file()  # the marker that makes the folder a package
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "_private").mkdir()
    (tmp_path / ".hidden").mkdir()
    assert available_domains() == BUILTIN_DOMAINS
    for name in ("__pycache__", "_private", "__init__.py"):
        with pytest.raises(DomainError, match=f"unknown domain '{name}'"):
            domain_dir(name)


@pytest.mark.parametrize("entries", [["/nowhere/at/all"], ["FILE"], ["", ""], ["FILE", "/nowhere", ""]])
def test_unusable_search_path_entries_are_skipped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, entries):
    file = tmp_path / "not-a-folder"
    file.write_text("cityguide\n")
    monkeypatch.setenv(ENV_VAR, os.pathsep.join(str(file) if e == "FILE" else e for e in entries))
    assert available_domains() == BUILTIN_DOMAINS
    assert domain_dir("cityguide") == domains_dir() / "cityguide"
    with pytest.raises(DomainError, match="unknown domain 'atlantis'") as error:
        domain_dir("atlantis")
    assert str(domains_dir()) in str(error.value)  # the message says where it looked


def test_a_search_path_domain_comes_before_the_builtin_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    (tmp_path / "cityguide").mkdir()
    (tmp_path / "mine").mkdir()
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert domain_dir("cityguide") == tmp_path / "cityguide"
    assert available_domains() == sorted([*BUILTIN_DOMAINS, "mine"])


@pytest.mark.parametrize("name", ["", "../cityguide", "../domains/cityguide", "cityguide/../cityguide", "./cityguide"])
def test_a_domain_name_never_reaches_outside_its_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name):
    monkeypatch.chdir(tmp_path)  # relative to here none of these is a domain directory
    (tmp_path / "cityguide").write_text("a file, not a domain")
    with pytest.raises(DomainError):
        domain_dir(name)


@pytest.mark.parametrize("name", ["../pipelines/cityguide", "../cityguide", "_private", ".cityguide", ""])
def test_a_pipeline_name_never_reaches_outside_its_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name):
    monkeypatch.chdir(tmp_path / ".." if name == "" else tmp_path)
    with pytest.raises(ConfigError, match="unknown pipeline|found the directory"):
        find_pipeline(name)


def test_a_pipeline_path_to_a_folder_says_so(tmp_path: Path):
    with pytest.raises(ConfigError, match=f"expected a pipeline file, found the directory {tmp_path}"):
        find_pipeline(tmp_path)
    with pytest.raises(ConfigError, match="unknown pipeline 'atlantis'.*'cityguide'"):
        find_pipeline("atlantis")


@pytest.mark.parametrize(
    "text, plain",
    [
        ("cityguide", True),
        ("my-domain.v2", True),
        ("", False),
        ("a/b", False),
        ("..", False),
        (".x", False),
        ("_x", False),
        ("__init__", False),
    ],
)
def test_plain_names(text: str, plain: bool):
    assert is_plain_name(text) is plain


def test_a_missing_data_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch):
    def missing(package: str):
        raise ModuleNotFoundError(f"No module named {package!r}", name=package)

    monkeypatch.setattr(tod.builtin.resources, "files", missing)
    with pytest.raises(DomainError, match=r"tod\.builtin\.domains is not installed: install tod"):
        domains_dir()
    with pytest.raises(ConfigError, match=r"tod\.builtin\.pipelines is not installed"):
        pipelines_dir()


def test_a_data_package_inside_an_archive_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    archive = tmp_path / "tod.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("tod/builtin/domains/cityguide/ontology.yaml", "name: cityguide\n")
    monkeypatch.setattr(tod.builtin.resources, "files", lambda package: zipfile.Path(archive, "tod/builtin/domains/"))
    with pytest.raises(DomainError, match="expected the data package tod.builtin.domains to be a folder"):
        domains_dir()
