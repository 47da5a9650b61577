"""The example budget: epochs as slices of one seeded order when the data outgrows ``max_examples``."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from tod.errors import ConfigError
from tod.nlu.config import TrainConfig
from tod.nlu.training import EpochSampler, epoch_size, length_batches


def test_epoch_size_caps_only_when_the_budget_is_exceeded():
    assert epoch_size(100, TrainConfig(epochs=5)) == 100  # no cap
    assert epoch_size(100, TrainConfig(epochs=5, max_examples=500)) == 100  # 5 x 100 fits exactly
    assert epoch_size(100, TrainConfig(epochs=5, max_examples=250)) == 50
    assert epoch_size(100, TrainConfig(epochs=5, max_examples=20, batch_size=32)) == 32  # at least one batch
    assert epoch_size(10, TrainConfig(epochs=5, max_examples=20, batch_size=32)) == 10  # never more than all


@pytest.mark.parametrize("bad", [0, -3])
def test_max_examples_must_be_positive(bad):
    with pytest.raises(ConfigError, match="max_examples must be >= 1"):
        TrainConfig(max_examples=bad)


def test_uncapped_sampler_batches_exactly_like_length_batches():
    lengths = [random.Random(1).randint(1, 30) for _ in range(97)]
    sampler = EpochSampler(97, 97, random.Random(5))
    reference = random.Random(5)
    for _ in range(3):
        assert sampler.batches(lengths, 8) == length_batches(lengths, 8, reference)


def test_capped_epochs_see_every_example_once_before_any_twice():
    lengths = [i % 7 + 1 for i in range(50)]
    sampler = EpochSampler(50, 20, random.Random(3))
    epochs = [[i for batch in sampler.batches(lengths, 6) for i in batch] for _ in range(5)]
    assert all(len(e) == 20 and len(set(e)) == 20 for e in epochs)
    first_two = set(epochs[0]) | set(epochs[1])
    assert len(first_two) == 40  # 40 different examples before any repeats
    assert set(range(50)) - first_two <= set(epochs[2])  # the third epoch finishes the first pass
    seen = Counter(i for e in epochs for i in e)  # 100 draws from 50 examples: each exactly twice
    assert set(seen.values()) == {2}
    again = EpochSampler(50, 20, random.Random(3))
    assert [[i for b in again.batches(lengths, 6) for i in b] for _ in range(5)] == epochs  # seeded


def test_capped_batches_hold_similar_lengths_and_respect_the_batch_size():
    lengths = list(range(1, 201))
    sampler = EpochSampler(200, 64, random.Random(0))
    batches = sampler.batches(lengths, 16)
    assert sum(len(b) for b in batches) == 64 and max(len(b) for b in batches) == 16
    assert all(0 <= i < 200 for b in batches for i in b)
