"""Splits: finding a corpus's split files, and cutting dialogues into parts by dialogue ID.

The public MultiWOZ/CrossWOZ test splits are held out, so development splits are cut from another
split. The cut depends only on the set of dialogue IDs and the seed: the IDs are sorted, shuffled
with ``random.Random(seed)`` and cut in the order the fractions are given. Reordering the input
therefore gives the same parts; each part keeps its dialogues in input order.
"""

from __future__ import annotations

import math
import random
from typing import Iterable, Mapping, Sequence

from tod.dialogue import Dialogue
from tod.errors import ConfigError, CorpusError


def _check_fractions(fractions: Mapping[str, float]) -> None:
    if not fractions:
        raise ConfigError("split fractions: expected at least one part, found none")
    for name, fraction in fractions.items():
        if not isinstance(name, str) or not name:
            raise ConfigError(f"split fractions: expected non-empty part names, found {name!r}")
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not math.isfinite(fraction):
            raise ConfigError(f"split fraction {name!r}: expected a number, found {fraction!r}")
        if fraction <= 0:
            raise ConfigError(f"split fraction {name!r}: expected a positive number, found {fraction!r}")
    total = math.fsum(fractions.values())
    if abs(total - 1.0) > 1e-9:
        raise ConfigError(f"split fractions must sum to 1, found {dict(fractions)} summing to {total!r}")


def split_dialogues(
    dialogues: Iterable[Dialogue], fractions: Mapping[str, float], seed: int
) -> dict[str, tuple[Dialogue, ...]]:
    """Parts named like ``fractions`` (e.g. ``{"train": 0.9, "dev": 0.1}``), disjoint and complete.

    Part sizes are the rounded cumulative fractions of the number of dialogues (the last part
    takes the rest), so sizes differ from the exact fractions by less than one dialogue. A part
    may be empty when there are fewer dialogues than parts. Duplicate dialogue IDs are a
    :class:`CorpusError` (the split would not be a function of the IDs); bad fractions a
    :class:`ConfigError`.
    """
    _check_fractions(fractions)
    items = list(dialogues)
    seen: set[str] = set()
    for dialogue in items:
        if dialogue.id in seen:
            raise CorpusError(f"cannot split by dialogue ID: ID {dialogue.id!r} occurs more than once")
        seen.add(dialogue.id)
    order = sorted(seen)
    random.Random(seed).shuffle(order)
    part_of: dict[str, str] = {}
    names = list(fractions)
    cumulative = 0.0
    start = 0
    for index, name in enumerate(names):
        cumulative += fractions[name]
        end = len(order) if index == len(names) - 1 else min(len(order), round(cumulative * len(order)))
        for did in order[start:end]:
            part_of[did] = name
        start = max(start, end)
    return {name: tuple(d for d in items if part_of[d.id] == name) for name in names}


def train_dev_parts(
    dialogues: Iterable[Dialogue], dev_fraction: float, seed: int
) -> tuple[tuple[Dialogue, ...], tuple[Dialogue, ...]]:
    """``(train, dev)``: :func:`split_dialogues` with ``dev_fraction`` of the dialogues held out.

    The one split every command uses for "train on part of a split, report on the rest", so
    training, ``tod evaluate nlu --part dev`` and ``tod evaluate dst --dev-fraction`` agree.
    """
    if isinstance(dev_fraction, bool) or not 0 < dev_fraction < 1:
        raise ConfigError(f"the dev fraction must be in (0, 1) to leave a dev part, found {dev_fraction!r}")
    parts = split_dialogues(dialogues, {"train": 1 - dev_fraction, "dev": dev_fraction}, seed)
    return parts["train"], parts["dev"]


def sample_dialogues(dialogues: Sequence[Dialogue], count: int, seed: int) -> tuple[Dialogue, ...]:
    """``count`` of ``dialogues`` (all of them when there are no more), chosen by dialogue ID with
    ``seed`` as :func:`split_dialogues` chooses, so independent of input order."""
    if count >= len(dialogues):
        return tuple(dialogues)
    share = count / len(dialogues)
    return split_dialogues(dialogues, {"sample": share, "rest": 1.0 - share}, seed)["sample"]
