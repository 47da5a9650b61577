"""tod.cache: content keys of recipes, and building a cached thing once."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from tod import __version__
from tod.cache import Recipe, build_once, content_key
from tod.errors import ModelDirError


@dataclass(frozen=True)
class Toy(Recipe):
    data_version: ClassVar[int] = 7
    size: int = 3
    name: str = "toy"


def test_a_content_key_is_the_sha256_of_the_payload_then_each_files_name_and_digest(tmp_path: Path) -> None:
    first = tmp_path / "a.yaml"
    first.write_bytes(b"alpha")
    digest = hashlib.sha256(json.dumps({"b": 1, "a": [2]}, sort_keys=True).encode())
    digest.update(b"templates/a.yaml")
    digest.update(hashlib.sha256(b"alpha").digest())
    assert content_key({"a": [2], "b": 1}, [("templates/a.yaml", first)]) == digest.hexdigest()[:16]


def test_a_recipe_key_follows_its_fields_version_files_and_context(tmp_path: Path) -> None:
    data = tmp_path / "db.json"
    data.write_text("[]")
    key = Toy().key([("db.json", data)], policy="RulePolicy")
    payload = {"recipe": {"size": 3, "name": "toy"}, "tod": __version__, "data": 7, "policy": "RulePolicy"}
    assert key == content_key(payload, [("db.json", data)])
    assert key != Toy(size=4).key([("db.json", data)], policy="RulePolicy")
    assert key != Toy().key([("db.json", data)], policy="MLEPolicy")
    assert key != Toy().key([("other.json", data)], policy="RulePolicy")

    @dataclass(frozen=True)
    class Later(Toy):
        data_version: ClassVar[int] = 8

    assert key != Later().key([("db.json", data)], policy="RulePolicy")
    data.write_text("[1]")
    assert key != Toy().key([("db.json", data)], policy="RulePolicy")
    assert Toy().record("abc") == {"size": 3, "name": "toy", "cache_key": "abc"}


class Shelf:
    """A stand-in for a model directory: ``load`` refuses a directory without ``done``."""

    def __init__(self) -> None:
        self.built = 0
        self.messages: list[str] = []

    def load(self, path: Path) -> str:
        if not (path / "done").is_file():
            raise ModelDirError(f"{path} is incomplete")
        return (path / "done").read_text()

    def build(self) -> str:
        self.built += 1
        time.sleep(0.05)
        return f"model {self.built}"

    def save(self, model: str, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        (path / "done").write_text(model)

    def get(self, path: Path) -> str:
        return build_once(path, load=self.load, build=self.build, save=self.save, what="NLU", log=self.messages.append)


def test_built_once_then_loaded(tmp_path: Path) -> None:
    shelf, path = Shelf(), tmp_path / "nlu" / "city-0123"
    assert shelf.get(path) == "model 1"
    assert shelf.get(path) == "model 1"
    assert shelf.built == 1
    assert shelf.messages == [f"NLU saved to {path}"]
    assert sorted(p.name for p in path.parent.iterdir()) == [".city-0123.lock", "city-0123"]


def test_a_damaged_cache_entry_is_said_and_built_again(tmp_path: Path) -> None:
    shelf, path = Shelf(), tmp_path / "city-0123"
    path.mkdir()  # an interrupted save
    assert shelf.get(path) == "model 1"
    assert shelf.messages == [
        f"cached NLU at {path} is unusable ({path} is incomplete); training a new one",
        f"NLU saved to {path}",
    ]


def test_processes_sharing_a_cache_build_once(tmp_path: Path) -> None:
    shelf, path = Shelf(), tmp_path / "city-0123"
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(shelf.get(path))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == ["model 1"] * 4
    assert shelf.built == 1


def test_a_failed_build_saves_nothing_and_the_next_call_builds(tmp_path: Path) -> None:
    shelf, path = Shelf(), tmp_path / "city-0123"

    def broken() -> str:
        raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        build_once(path, load=shelf.load, build=broken, save=shelf.save, what="NLU", log=shelf.messages.append)
    assert not path.exists()
    assert shelf.get(path) == "model 1"
