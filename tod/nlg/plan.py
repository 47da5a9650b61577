"""Planning a turn: which template pattern expresses which acts, and in what order.

1. Exact duplicate acts are dropped; the acts are grouped by (intent, sub-domain); groups follow the
   file's ``order`` of intents (unlisted intents last), then the order the acts came in.
2. In a group, acts of the same slot become one :class:`Item` (``inform(hotel, name, A)`` and
   ``inform(hotel, name, B)`` read "A and B"); each act without a slot is an item of its own.
3. Items are covered greedily by the best pattern that fits the ones left: most slots matched by
   name or value condition, then most items covered, then value conditions, an exact sub-domain over
   ``*``, an exact slot over a glob over ``*``, then the earlier pattern in the file. A ``**`` pattern takes every
   item left, each written with its phrase; it is only used when each of them has one. A value in the
   file's ``conditional_values`` (``dontcare``) is only written by patterns and phrases whose
   condition names it, or by a bare ``*``.
4. Sentences keep the order of their first item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

from tod.acts import RESTATING_INTENTS, DialogueAct
from tod.errors import NLGError
from tod.nlg.patterns import ANY, SlotSpec
from tod.nlg.templates import Entry, Phrase, TemplateSet


@dataclass(frozen=True)
class Item:
    """Acts of one intent, sub-domain and slot (their values listed together), at ``position`` in the turn."""

    acts: tuple[DialogueAct, ...]
    position: int

    @property
    def slot(self) -> str:
        return self.acts[0].slot

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(a.value for a in self.acts)


@dataclass(frozen=True)
class Step:
    """One sentence to write: the entry chosen, the items it covers (named slots first, in pattern order)
    and, for ``**`` entries, the phrase chosen for each item it takes as a phrase."""

    entry: Entry
    items: tuple[Item, ...]
    phrases: tuple[tuple[Item, Phrase], ...] = ()

    @property
    def position(self) -> int:
        return min(i.position for i in self.items)

    def generic(self, item: Item) -> bool:
        """Whether ``item`` is written only by a generic template (a ``*`` slot without a value condition,
        or such a phrase)."""
        for phrased, phrase in self.phrases:
            if phrased is item:
                return phrase.slot.is_any and phrase.slot.values is None
        return any(spec.is_any and spec.values is None for spec in self.entry.pattern.slots)


def _domain_fits(owner: str, domain: str) -> bool:
    return owner == ANY or owner == domain


def _exactness(spec: SlotSpec) -> int:
    return 0 if spec.is_any else 1 if spec.is_glob else 2


def best_phrase(templates: TemplateSet, domain: str, item: Item) -> Phrase | None:
    """The most specific phrase for ``item``: value condition, exact sub-domain, exact slot, earliest."""
    fitting = [
        p for p in templates.phrases
        if _domain_fits(p.domain, domain)
        and p.slot.match_slot(item.slot)
        and p.slot.match_values(item.values, templates.conditional_values)
    ]
    if not fitting:
        return None
    return max(fitting, key=lambda p: (p.slot.values is not None, p.domain != ANY, _exactness(p.slot), -p.index))


def _candidates(
    entry: Entry, domain: str, items: Sequence[Item], templates: TemplateSet
) -> Iterator[tuple[tuple[int, ...], Step]]:
    """Yield ``(score, step)`` for each way ``entry`` can cover some of ``items`` (all with slots)."""
    pattern = entry.pattern
    conditional = templates.conditional_values
    base = (sum(s.values is not None for s in pattern.slots), pattern.domain != ANY)
    if len(pattern.slots) == 1 and not pattern.rest:
        spec = pattern.slots[0]
        for item in items:
            if spec.match_slot(item.slot) and spec.match_values(item.values, conditional):
                explicit = 0 if spec.is_any and spec.values is None else 1
                yield (explicit, 1, *base, _exactness(spec), -entry.index, -item.position), Step(entry, (item,))
        return
    named: list[Item] = []
    for spec in pattern.slots:
        found = next((i for i in items if i.slot == spec.name and i not in named), None)
        if found is None or not spec.match_values(found.values, conditional):
            return
        named.append(found)
    phrases: list[tuple[Item, Phrase]] = []
    if pattern.rest:
        for item in items:
            if item in named:
                continue
            phrase = best_phrase(templates, domain, item)
            if phrase is None:
                return
            phrases.append((item, phrase))
        if not phrases:
            return
    covered = (*named, *(i for i, _ in phrases))
    score = (len(named), len(covered), *base, 2, -entry.index, -min(i.position for i in covered))
    yield score, Step(entry, covered, tuple(phrases))


def plan(acts: Sequence[DialogueAct], templates: TemplateSet) -> tuple[Step, ...]:
    """The sentences that express ``acts``, in order; NLGError naming an act no template expresses."""
    unique = list(dict.fromkeys(acts))
    groups: dict[tuple[str, str], list[tuple[int, DialogueAct]]] = {}
    for position, act in enumerate(unique):
        groups.setdefault((act.intent, act.domain), []).append((position, act))
    rank = {intent: i for i, intent in enumerate(templates.order)}
    ordered = sorted(groups.items(), key=lambda kv: (rank.get(kv[0][0], len(rank)), kv[1][0][0]))
    steps: list[Step] = []
    for (intent, domain), members in ordered:
        entries = [
            e for e in templates.entries if e.pattern.intent == intent and _domain_fits(e.pattern.domain, domain)
        ]
        if not entries and templates.side == "system" and intent in RESTATING_INTENTS:
            continue  # a domain written before these acts existed: the acts beside them say the content
        group_steps: list[Step] = []
        by_slot: dict[str, list[tuple[int, DialogueAct]]] = {}
        for position, act in members:
            if not act.slot:
                group_steps.append(_slotless(entries, Item((act,), position), templates))
            else:
                by_slot.setdefault(act.slot, []).append((position, act))
        left = [Item(tuple(a for _, a in found), found[0][0]) for found in by_slot.values()]
        while left:
            options = [c for e in entries if not e.pattern.slotless for c in _candidates(e, domain, left, templates)]
            if not options:
                raise NLGError(
                    f"{templates.source}: no template expresses the act {left[0].acts[0]!s:.200} ({templates.side} "
                    f"side); add a pattern such as '{intent}({domain}, {left[0].slot})' or '{intent}(*, *)'"
                )
            _, step = max(options, key=lambda option: option[0])
            group_steps.append(step)
            left = [i for i in left if i not in step.items]
        steps.extend(sorted(group_steps, key=lambda s: s.position))
    return tuple(steps)


def _slotless(entries: Sequence[Entry], item: Item, templates: TemplateSet) -> Step:
    fitting = [e for e in entries if e.pattern.slotless]
    if not fitting:
        act = item.acts[0]
        raise NLGError(f"{templates.source}: no template expresses the act {act!s:.200} ({templates.side} side); add a "
                       f"pattern such as '{act.intent}({act.domain})' or '{act.intent}(*)'")
    return Step(max(fitting, key=lambda e: (e.pattern.domain != ANY, -e.index)), (item,))
