import pytest

from tod.data.split import split_dialogues
from tod.dialogue import Dialogue, Turn
from tod.errors import ConfigError, CorpusError


def make(ids):
    return [Dialogue(i, (Turn("user", f"hello {i}"),)) for i in ids]


DIALOGUES = make([f"D{n:03d}" for n in range(50)])


def ids(parts):
    return {name: [d.id for d in part] for name, part in parts.items()}


def test_split_is_deterministic_disjoint_and_complete():
    parts = split_dialogues(DIALOGUES, {"train": 0.8, "dev": 0.2}, seed=7)
    assert ids(parts) == ids(split_dialogues(DIALOGUES, {"train": 0.8, "dev": 0.2}, seed=7))
    assert [len(p) for p in parts.values()] == [40, 10]
    train, dev = (set(v) for v in ids(parts).values())
    assert not train & dev and train | dev == {d.id for d in DIALOGUES}
    assert ids(parts) != ids(split_dialogues(DIALOGUES, {"train": 0.8, "dev": 0.2}, seed=8))


def test_split_does_not_depend_on_input_order_and_keeps_it():
    reordered = list(reversed(DIALOGUES))
    forward = split_dialogues(DIALOGUES, {"a": 0.5, "b": 0.3, "c": 0.2}, seed=1)
    backward = split_dialogues(reordered, {"a": 0.5, "b": 0.3, "c": 0.2}, seed=1)
    assert {k: set(v) for k, v in ids(forward).items()} == {k: set(v) for k, v in ids(backward).items()}
    for name, part in backward.items():
        positions = [reordered.index(d) for d in part]
        assert positions == sorted(positions), name
    assert sum(len(p) for p in forward.values()) == 50


def test_tiny_inputs_give_possibly_empty_parts():
    parts = split_dialogues(make(["x"]), {"train": 0.9, "dev": 0.1}, seed=0)
    assert sum(len(p) for p in parts.values()) == 1 and list(parts) == ["train", "dev"]
    assert split_dialogues([], {"all": 1.0}, seed=0) == {"all": ()}


@pytest.mark.parametrize(
    "fractions, message",
    [
        ({"train": 0.8, "dev": 0.1}, "must sum to 1"),
        ({"train": 1.1, "dev": -0.1}, "positive"),
        ({"train": 1.0, "dev": 0.0}, "positive"),
        ({"train": "1"}, "expected a number"),
        ({"train": float("nan")}, "expected a number"),
        ({}, "at least one part"),
    ],
)
def test_bad_fractions_are_config_errors(fractions, message):
    with pytest.raises(ConfigError, match=message):
        split_dialogues(DIALOGUES, fractions, seed=0)


def test_duplicate_ids_are_rejected():
    with pytest.raises(CorpusError, match="'D001' occurs more than once"):
        split_dialogues(DIALOGUES + make(["D001"]), {"all": 1.0}, seed=0)


def test_sample_dialogues_is_seeded_by_id_and_order_free():
    from tod.data.split import sample_dialogues

    dialogues = tuple(Dialogue(f"D{i:03d}", ()) for i in range(40))
    sample = sample_dialogues(dialogues, 10, seed=4)
    assert len(sample) == 10 and len({d.id for d in sample}) == 10
    assert {d.id for d in sample_dialogues(dialogues[::-1], 10, seed=4)} == {d.id for d in sample}
    assert {d.id for d in sample_dialogues(dialogues, 10, seed=5)} != {d.id for d in sample}
    assert sample_dialogues(dialogues, 40, seed=4) == dialogues
    assert sample_dialogues(dialogues, 99, seed=4) == dialogues
