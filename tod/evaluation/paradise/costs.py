"""Dialogue costs: PARADISE's efficiency and quality measures, from a dialogue's turns and acts.

Efficiency: ``turns`` (user turns) and, where every dialogue records it in ``info``,
``elapsed_seconds``. Quality, each a count over the dialogue:

* ``nooffers``: system turns with a failure act (no entity matches, the booking failed);
* ``reprompts``: system turns that request what the previous system turn already requested (the
  same domain and slot; the same act label where acts carry no slot);
* ``confirmations``: system turns with a confirmation act (confirm, confreq);
* ``fallbacks``: system turns without any act, replies outside the act scheme (for a tod pipeline,
  the turns its out-of-task generator answered);
* ``repairs``: user turns that correct or reject: a repair act (negate, request_alts, ...) or a
  correction marker in the text ("actually", "I said", "不对", ...);
* ``repetitions``: user turns that repeat an earlier user turn (word-set Jaccard similarity >= 0.6,
  at least 3 words each).

What counts as which act is the act-class table (``act_classes.yaml``).
"""

from __future__ import annotations

from tod.dialogue import SYSTEM, USER, Dialogue
from tod.errors import ParadiseError
from tod.evaluation.paradise.classes import ActClasses

COSTS = ("turns", "nooffers", "reprompts", "confirmations", "fallbacks", "repairs", "repetitions")
ELAPSED = "elapsed_seconds"
REPEAT_SIMILARITY = 0.6
REPEAT_MIN_WORDS = 3


def dialogue_costs(dialogue: Dialogue, classes: ActClasses) -> dict[str, float]:
    """The costs of one dialogue, named as in ``COSTS`` (plus ``elapsed_seconds`` where known)."""
    users = [t for t in dialogue.turns if t.speaker == USER]
    systems = [t for t in dialogue.turns if t.speaker == SYSTEM]
    costs = {
        "turns": float(len(users)),
        "nooffers": float(sum(1 for t in systems if any(a.intent.lower() in classes.failure for a in t.acts))),
        "reprompts": float(_reprompts(systems, classes)),
        "confirmations": float(
            sum(1 for t in systems if any(a.intent.lower() in classes.confirmation for a in t.acts))
        ),
        "fallbacks": float(sum(1 for t in systems if not t.acts)),
        "repairs": float(
            sum(
                1
                for t in users
                if any(a.intent.lower() in classes.repair for a in t.acts) or classes.marks_repair(t.text)
            )
        ),
        "repetitions": float(_repetitions([t.text for t in users])),
    }
    elapsed = dialogue.info.get(ELAPSED)
    if elapsed is not None:
        try:
            seconds = float(elapsed)
        except (TypeError, ValueError):
            seconds = float("nan")
        if not seconds >= 0 or seconds == float("inf"):
            raise ParadiseError(
                f"dialogue {dialogue.id}: info['{ELAPSED}'] must be a non-negative number of seconds, found {elapsed!r}"
            )
        costs[ELAPSED] = seconds
    return costs


def _requests(acts, classes: ActClasses) -> frozenset[tuple[str, str, str]]:
    return frozenset(
        (a.intent.lower(), a.domain.lower(), a.slot.lower()) for a in acts if a.intent.lower() in classes.request
    )


def _reprompts(systems, classes: ActClasses) -> int:
    count = 0
    previous: frozenset[tuple[str, str, str]] = frozenset()
    for turn in systems:
        asked = _requests(turn.acts, classes)
        if asked & previous:
            count += 1
        previous = asked
    return count


def _repetitions(texts: list[str]) -> int:
    from tod.data.tokens import tokenize

    seen: list[frozenset[str]] = []
    count = 0
    for text in texts:
        words = frozenset(t.text.lower() for t in tokenize(text) if any(c.isalnum() for c in t.text))
        if len(words) >= REPEAT_MIN_WORDS and any(
            len(words & old) / len(words | old) >= REPEAT_SIMILARITY for old in seen
        ):
            count += 1
        if len(words) >= REPEAT_MIN_WORDS:
            seen.append(words)
    return count
