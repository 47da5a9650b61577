"""Pseudo-labelling: an act model labels the user turns of unlabelled dialogues (e.g. the MultiWOZ 2.2
train text), and the turns it is sure of become training examples for another model (self-training)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tod.data.tokens import tokenize
from tod.dialogue import USER, Dialogue
from tod.nlu.act_data import ActExample
from tod.nlu.acts import ActNLU

CHUNK = 2048  # turns predicted per call (the model batches them by length)


def pseudo_examples(
    teacher: ActNLU,
    dialogues: Sequence[Dialogue],
    *,
    min_confidence: float = 0.9,
    context_turns: int | None = None,
    batch_size: int = 64,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[ActExample], int]:
    """Examples from the user turns ``teacher`` labels with confidence >= ``min_confidence`` (its least
    certain label decision times its least probable tag), with ``context_turns`` previous turns as
    context (default: the teacher's). Returns the examples and the number of user turns read."""
    context_turns = teacher.config.context_turns if context_turns is None else context_turns
    k = teacher.config.context_turns
    turns = [
        (dialogue, i, tokenize(turn.text)[: teacher.words.max_length])
        for dialogue in dialogues
        for i, turn in enumerate(dialogue.turns)
        if turn.speaker == USER
    ]
    turns = [(dialogue, i, words) for dialogue, i, words in turns if words]
    examples: list[ActExample] = []
    for start in range(0, len(turns), CHUNK):
        chunk = turns[start : start + CHUNK]
        contexts = [[t.text for t in d.turns[max(0, i - k) : i]] for d, i, _ in chunk] if k else None
        rows = teacher.predict([[w.text for w in words] for _, _, words in chunk], contexts, batch_size)
        for (dialogue, i, words), row in zip(chunk, rows):
            if row.certainty * min(row.tag_probs, default=1.0) < min_confidence:
                continue
            first = max(0, i - context_turns)
            examples.append(
                ActExample(
                    dialogue.id,
                    i,
                    dialogue.turns[i].text,
                    tuple(w.text for w in words),
                    tuple(w.start for w in words),
                    tuple(w.end for w in words),
                    tuple(row.tags),
                    tuple(label.label for label in row.labels),
                    tuple(t.text for t in dialogue.turns[first:i]) if context_turns else (),
                    (),
                )
            )
        if progress is not None:
            progress(len(chunk))
    return examples, len(turns)
