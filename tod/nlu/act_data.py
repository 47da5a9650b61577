"""Dialogue-act NLU examples: what the act model learns from each turn of a corpus.

A turn's acts are split in two, as ConvLab's BERTNLU does: an act whose value is written in the
text (it has a span) is learned as BIO tags over the tokens (``B-inform+hotel+area``), and every
other act (requests, greetings, ``dontcare``, yes/no values, values not written verbatim) is a
label of a multi-label classifier (``request+hotel+phone+?``, :func:`tod.data.export.encode_act`).
Pure Python: no torch here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from tod.acts import DialogueAct
from tod.data.export import encode_act, span_label, spans_from_tags, tag_turn
from tod.dialogue import SPEAKERS, USER, Dialogue, Turn
from tod.errors import ConfigError


@dataclass(frozen=True)
class ActExample:
    """One turn prepared for the act model."""

    dialogue_id: str
    turn_index: int
    text: str
    tokens: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    tags: tuple[str, ...]
    labels: tuple[str, ...]  # encoded acts without a tagged span
    context: tuple[str, ...]  # previous turns' texts, oldest first
    gold: tuple[DialogueAct, ...]  # every act of the turn, as annotated


def acts_context(acts: Iterable[DialogueAct]) -> str:
    """A turn's acts as a short context text: ``request restaurant area ; offerbook restaurant``.

    Values are left out (an offered name says nothing about what the user answers); each act once.
    """
    parts = dict.fromkeys(" ".join(p for p in (a.intent, a.domain, a.slot) if p) for a in acts)
    return " ; ".join(parts)


def turn_context(turn: Turn, from_acts: bool) -> str:
    """What an earlier turn contributes to the context: its words, or its acts (:func:`acts_context`)."""
    return acts_context(turn.acts) if from_acts else turn.text


def act_examples(
    dialogues: Iterable[Dialogue], *, context_turns: int = 0, context_acts: bool = False, speaker: str = USER
) -> list[ActExample]:
    """An example per turn of ``speaker``, with up to ``context_turns`` previous turns as context
    (their texts, or their acts with ``context_acts``)."""
    if speaker not in SPEAKERS:
        raise ConfigError(f"speaker must be one of {SPEAKERS}, found {speaker!r}")
    examples = []
    for dialogue in dialogues:
        for index, turn in enumerate(dialogue.turns):
            if turn.speaker != speaker:
                continue
            tokens, starts, ends, tags, _ = tag_turn(turn)
            tagged = Counter(spans_from_tags(tokens, starts, ends, tags))
            remaining = Counter(turn.acts)
            for span in turn.spans:
                key = (span_label(span.act), span.start, span.end)
                if tagged[key] > 0 and remaining[span.act] > 0:
                    tagged[key] -= 1
                    remaining[span.act] -= 1
            labels = tuple(encode_act(act) for act in turn.acts if remaining.pop(act, 0) > 0)
            first = max(0, index - context_turns)
            examples.append(
                ActExample(
                    dialogue.id,
                    index,
                    turn.text,
                    tuple(tokens),
                    tuple(starts),
                    tuple(ends),
                    tuple(tags),
                    labels,
                    tuple(turn_context(t, context_acts) for t in dialogue.turns[first:index]) if context_turns else (),
                    tuple(turn.acts),
                )
            )
    return examples


@dataclass(frozen=True)
class ValueMap:
    """How a span's text becomes an act value, learned from training data only.

    Annotators normalise some values ("one" written, ``1`` meant; "cheaper" -> ``cheap``) and may
    write values in lower case ("Friday" written, ``friday`` annotated). ``surfaces`` maps, per span
    label, a lower-cased surface to the value annotators meant most often, where that differs from
    the surface; ``lowercase`` says whether other values are lower-cased (most annotated values
    were).
    """

    surfaces: Mapping[str, Mapping[str, str]]
    lowercase: bool

    def value(self, label: str, surface: str) -> str:
        key = surface.lower()
        known = self.surfaces.get(label, {}).get(key)
        if known is not None:
            return known
        return key if self.lowercase else surface

    def to_dict(self) -> dict[str, object]:
        return {"surfaces": {k: dict(v) for k, v in self.surfaces.items()}, "lowercase": self.lowercase}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ValueMap:
        surfaces = data.get("surfaces", {})
        if not isinstance(surfaces, Mapping) or not isinstance(data.get("lowercase", False), bool):
            raise ConfigError("value map: expected {'surfaces': {label: {surface: value}}, 'lowercase': bool}")
        return cls(
            {str(k): {str(a): str(b) for a, b in dict(v).items()} for k, v in surfaces.items()},
            bool(data.get("lowercase", False)),
        )


def value_map(dialogues: Iterable[Dialogue], speaker: str = USER) -> ValueMap:
    """The :class:`ValueMap` of the spans of ``speaker``'s turns in ``dialogues``."""
    counts: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    lower = total = 0
    for dialogue in dialogues:
        for turn in dialogue.turns:
            if turn.speaker != speaker:
                continue
            for span in turn.spans:
                surface = turn.text[span.start : span.end]
                counts[span_label(span.act)][surface.lower()][span.act.value] += 1
                if surface != surface.lower():  # only cased surfaces say how values are written
                    total += 1
                    lower += span.act.value == span.act.value.lower()
    lowercase = total > 0 and lower / total >= 0.5
    mapping: dict[str, dict[str, str]] = {}
    for label, surfaces in counts.items():
        for surface, values in surfaces.items():
            value, _ = values.most_common(1)[0]
            if value != (surface if lowercase else None):
                mapping.setdefault(label, {})[surface] = value
    return ValueMap(mapping, lowercase)


#: Punctuation that ends a sentence or clause, never a value (Latin and CJK forms).
TRAILING_PUNCTUATION = ".,!?;:。，！？；："


def acts_from_prediction(
    text: str,
    starts: Sequence[int],
    ends: Sequence[int],
    tags: Sequence[str],
    labels: Iterable[str],
    values: ValueMap,
) -> list[DialogueAct]:
    """Acts from predicted tags (span acts, valued by their text through ``values``) and labels."""
    from tod.data.export import decode_act

    acts = []
    for label, start, end in spans_from_tags([""] * len(tags), starts, ends, tags):
        intent, domain, slot = (label.split("+", 2) + ["", ""])[:3]
        # a span the tagger ran over a sentence's last word takes its full stop ("to ely."): drop it
        surface = text[start:end].rstrip(TRAILING_PUNCTUATION) or text[start:end]
        acts.append(DialogueAct(intent, domain, slot, values.value(label, surface)))
    acts.extend(decode_act(label) for label in labels)
    return acts
