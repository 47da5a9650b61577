"""Two disjoint halves of a template file: one the NLU learns from, the other the simulated user speaks.

A text-level simulation whose user speaks the very templates the system's NLU was synthesised from
is a closed loop: it measures how well the NLU learned its own training language. Splitting each
pattern's templates in two (seeded, by the pattern's key) gives a held-apart simulation: the NLU is
trained on the ``nlu`` half (the recipe's ``held_apart``), the simulated user writes with the
``user`` half, so every sentence pattern the user says is one the NLU never trained on.

A pattern with a single template cannot be split: it stays in both halves
(:func:`shared_patterns` names them, for the record). The phrases that ``**`` templates are built
from ("in the {value}") have one wording each and are shared the same way; the sentences around
them are split.
"""

from __future__ import annotations

import random
from dataclasses import replace

from tod.errors import ConfigError
from tod.nlg.templates import Entry, TemplateSet

#: The halves: what the NLU is trained on, and what the simulated user speaks.
HALVES = ("nlu", "user")
#: The seed of the split that the NLU's recipe and the simulated user share.
HALVES_SEED = 0


def template_half(templates: TemplateSet, half: str, seed: int = 0) -> TemplateSet:
    """The ``half`` (``nlu`` or ``user``) of ``templates``: each pattern keeps the templates that a
    shuffle seeded by ``seed`` and the pattern's key gives that half (the first ceil(n/2) go to ``nlu``)."""
    if half not in HALVES:
        raise ConfigError(f"template half: expected one of {list(HALVES)}, found {half!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"template half seed: expected an integer, found {seed!r}")
    return replace(templates, entries=tuple(_half(entry, half, seed) for entry in templates.entries))


def _half(entry: Entry, half: str, seed: int) -> Entry:
    count = len(entry.templates)
    if count < 2:
        return entry
    order = list(range(count))
    random.Random(f"{seed}\x1f{entry.pattern.key}").shuffle(order)
    cut = (count + 1) // 2
    kept = sorted(order[:cut] if half == "nlu" else order[cut:])
    return replace(entry, templates=tuple(entry.templates[i] for i in kept))


def shared_patterns(templates: TemplateSet) -> tuple[str, ...]:
    """The keys of patterns that both halves hold (a single template) and of the shared phrases."""
    return tuple(e.pattern.key for e in templates.entries if len(e.templates) < 2) + tuple(
        p.key for p in templates.phrases
    )
