"""Turns of dialogues as a Hugging Face ``datasets.Dataset`` for NLU training (acts + BIO tags).

One row per turn of the chosen speaker, with columns:

* ``dialogue_id``, ``turn_index`` (0-based in the dialogue), ``speaker``, ``text``;
* ``context``: the texts of at most ``context_turns`` previous turns (both speakers), oldest first;
* ``acts``: each act as ``"intent+domain+slot+value"`` (:func:`encode_act`). Intent, domain and
  slot never contain ``+`` (checked), so the string splits back at its first three ``+``
  even when the value holds one (:func:`decode_act`);
* ``tokens``, ``token_starts``, ``token_ends``: tokens with character offsets into ``text``
  (:func:`tod.data.tokens.tokenize`, cut at every span boundary so spans align with tokens);
* ``tags``: BIO tags, ``B-intent+domain+slot`` on a span's first token, ``I-...`` on the rest;
* ``dropped_spans``: how many of the turn's spans were not tagged because they overlap a span
  tagged before them (the first one in the turn's order wins) or cover no token. The total is
  also logged as a warning.

:func:`spans_from_tags` inverts the tagging: ``(label, start, end)`` character spans.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from tod.acts import DialogueAct
from tod.data.tokens import tokenize
from tod.dialogue import SPEAKERS, Dialogue, Turn
from tod.errors import ConfigError, SchemaError

if TYPE_CHECKING:
    import datasets

logger = logging.getLogger(__name__)
SEPARATOR = "+"
ALL_SPEAKERS = "all"


def _check_part(act: DialogueAct, part: str) -> str:
    if SEPARATOR in part:
        raise SchemaError(f"cannot encode act {act}: intent, domain and slot must not contain {SEPARATOR!r}")
    return part


def span_label(act: DialogueAct) -> str:
    """The tag label of a span of ``act``: ``intent+domain+slot``."""
    return SEPARATOR.join(_check_part(act, p) for p in (act.intent, act.domain, act.slot))


def encode_act(act: DialogueAct) -> str:
    """``inform(hotel, area, east)`` as ``"inform+hotel+area+east"``."""
    return span_label(act) + SEPARATOR + act.value


def decode_act(text: str) -> DialogueAct:
    """The inverse of :func:`encode_act` (the value is everything after the third ``+``)."""
    parts = text.split(SEPARATOR, 3)
    if len(parts) != 4:
        raise SchemaError(f"expected 'intent+domain+slot+value', found {text!r}")
    return DialogueAct(*parts)


def tag_turn(turn: Turn) -> tuple[list[str], list[int], list[int], list[str], int]:
    """Tokens, their starts and ends, BIO tags and the number of dropped (overlapping) spans."""
    tokens = tokenize(turn.text, [b for s in turn.spans for b in (s.start, s.end)])
    tags = ["O"] * len(tokens)
    dropped = 0
    for span in turn.spans:
        inside = [i for i, t in enumerate(tokens) if t.start >= span.start and t.end <= span.end]
        if not inside or any(tags[i] != "O" for i in inside):
            dropped += 1
            continue
        label = span_label(span.act)
        tags[inside[0]] = "B-" + label
        for i in inside[1:]:
            tags[i] = "I-" + label
    return [t.text for t in tokens], [t.start for t in tokens], [t.end for t in tokens], tags, dropped


def spans_from_tags(
    tokens: Sequence[str], starts: Sequence[int], ends: Sequence[int], tags: Sequence[str]
) -> list[tuple[str, int, int]]:
    """``(label, start, end)`` for each tagged span, from the first to the last character of its tokens.

    A span starts at a ``B-`` tag, or at an ``I-`` tag whose label differs from the open span's
    (a lenient reading of ill-formed predictions), and ends before ``O`` or another start.
    """
    if not len(tokens) == len(starts) == len(ends) == len(tags):
        raise ValueError(f"expected equal lengths, found {len(tokens)}, {len(starts)}, {len(ends)}, {len(tags)} items")
    spans: list[tuple[str, int, int]] = []
    label: str | None = None
    for start, end, tag in zip(starts, ends, tags):
        prefix, _, name = tag.partition("-")
        if tag == "O" or prefix not in ("B", "I") or not name:
            label = None
        elif prefix == "I" and name == label:
            spans[-1] = (label, spans[-1][1], end)
        else:
            label = name
            spans.append((label, start, end))
    return spans


def _rows(dialogues: Iterable[Dialogue], speakers: tuple[str, ...], context_turns: int) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {
        name: []
        for name in ("dialogue_id", "turn_index", "speaker", "text", "context", "acts")
        + ("tokens", "token_starts", "token_ends", "tags", "dropped_spans")
    }
    for dialogue in dialogues:
        for index, turn in enumerate(dialogue.turns):
            if turn.speaker not in speakers:
                continue
            tokens, starts, ends, tags, dropped = tag_turn(turn)
            first = max(0, index - context_turns)
            values = (dialogue.id, index, turn.speaker, turn.text, [t.text for t in dialogue.turns[first:index]])
            values += ([encode_act(a) for a in turn.acts], tokens, starts, ends, tags, dropped)
            for name, value in zip(columns, values):
                columns[name].append(value)
    return columns


def turns_to_dataset(
    dialogues: Iterable[Dialogue], *, speaker: str = "user", context_turns: int = 3
) -> datasets.Dataset:
    """One row per turn of ``speaker`` (``"user"``, ``"system"`` or ``"all"``); columns above."""
    import datasets  # heavy: imported only when a dataset is built

    if speaker not in (*SPEAKERS, ALL_SPEAKERS):
        raise ConfigError(f"speaker must be one of {[*SPEAKERS, ALL_SPEAKERS]}, found {speaker!r}")
    if isinstance(context_turns, bool) or not isinstance(context_turns, int) or context_turns < 0:
        raise ConfigError(f"context_turns must be a non-negative integer, found {context_turns!r}")
    speakers = SPEAKERS if speaker == ALL_SPEAKERS else (speaker,)
    columns = _rows(dialogues, speakers, context_turns)
    dropped = sum(columns["dropped_spans"])
    if dropped:
        logger.warning("%d overlapping or empty spans were not tagged (see the dropped_spans column)", dropped)
    sequence = getattr(datasets, "List", None) or datasets.Sequence
    string, integer = datasets.Value("string"), datasets.Value("int32")
    features = datasets.Features(
        {
            "dialogue_id": string,
            "turn_index": integer,
            "speaker": string,
            "text": string,
            "context": sequence(string),
            "acts": sequence(string),
            "tokens": sequence(string),
            "token_starts": sequence(integer),
            "token_ends": sequence(integer),
            "tags": sequence(string),
            "dropped_spans": integer,
        }
    )
    return datasets.Dataset.from_dict(columns, features=features)
