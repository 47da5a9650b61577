"""Counting what a dialogue corpus holds, and checking it for problems.

``corpus_stats`` gives the numbers ``tod data stats`` prints (per split: dialogues, turns by
speaker, acts, spans, goal domains, act slots, descriptive fields); ``check_corpus`` lists
structural problems ``tod data validate`` reports (besides the dialogues a lenient load skipped).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from tod.data.corpus import Corpus
from tod.dialogue import SYSTEM, USER, Dialogue


@dataclass(frozen=True)
class SplitStats:
    """Counts over one split. ``goal_domains`` counts dialogues whose goal names the domain."""

    dialogues: int = 0
    turns: int = 0
    user_turns: int = 0
    system_turns: int = 0
    acts: int = 0
    spans: int = 0
    turns_with_state: int = 0
    goal_domains: dict[str, int] = field(default_factory=dict)
    act_domains: dict[str, int] = field(default_factory=dict)
    act_intents: dict[str, int] = field(default_factory=dict)
    slots: tuple[str, ...] = ()
    info: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dialogues": self.dialogues,
            "turns": self.turns,
            "user_turns": self.user_turns,
            "system_turns": self.system_turns,
            "acts": self.acts,
            "spans": self.spans,
            "turns_with_state": self.turns_with_state,
            "goal_domains": self.goal_domains,
            "act_domains": self.act_domains,
            "act_intents": self.act_intents,
            "slots": list(self.slots),
            "info": self.info,
        }


def split_stats(dialogues: Iterable[Dialogue]) -> SplitStats:
    counts: Counter[str] = Counter()
    goal_domains: Counter[str] = Counter()
    act_domains: Counter[str] = Counter()
    act_intents: Counter[str] = Counter()
    slots: set[str] = set()
    info: dict[str, Counter[str]] = {}
    for dialogue in dialogues:
        counts["dialogues"] += 1
        if dialogue.goal is not None:
            goal_domains.update(dialogue.goal.domains)
        for key, value in dialogue.info.items():
            info.setdefault(key, Counter())[value] += 1
        for turn in dialogue.turns:
            counts["turns"] += 1
            counts["user_turns" if turn.speaker == USER else "system_turns"] += 1
            counts["acts"] += len(turn.acts)
            counts["spans"] += len(turn.spans)
            counts["turns_with_state"] += turn.state is not None
            for act in turn.acts:
                act_intents[act.intent] += 1
                if act.domain:
                    act_domains[act.domain] += 1
                if act.slot:
                    slots.add(f"{act.domain}-{act.slot}" if act.domain else act.slot)
    return SplitStats(
        dialogues=counts["dialogues"],
        turns=counts["turns"],
        user_turns=counts["user_turns"],
        system_turns=counts["system_turns"],
        acts=counts["acts"],
        spans=counts["spans"],
        turns_with_state=counts["turns_with_state"],
        goal_domains=dict(sorted(goal_domains.items())),
        act_domains=dict(sorted(act_domains.items())),
        act_intents=dict(sorted(act_intents.items())),
        slots=tuple(sorted(slots)),
        info={key: dict(sorted(values.items())) for key, values in sorted(info.items())},
    )


def corpus_stats(corpus: Corpus) -> dict[str, SplitStats]:
    """Counts per split, in the corpus's split order."""
    return {split: split_stats(dialogues) for split, dialogues in corpus.splits.items()}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a corpus: where (split, dialogue, turn) and what."""

    split: str
    dialogue: str
    message: str
    turn: int | None = None

    def __str__(self) -> str:
        where = f"{self.split}/{self.dialogue}" + (f" turn {self.turn}" if self.turn is not None else "")
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"split": self.split, "dialogue": self.dialogue, "turn": self.turn, "message": self.message}


def check_dialogue(dialogue: Dialogue, split: str) -> list[Problem]:
    """Structural problems: no turns, speakers not alternating from the user, empty utterances."""
    problems = []
    if not dialogue.turns:
        problems.append(Problem(split, dialogue.id, "the dialogue has no turns"))
    for index, turn in enumerate(dialogue.turns):
        expected = USER if index % 2 == 0 else SYSTEM
        if turn.speaker != expected:
            problems.append(Problem(split, dialogue.id, f"expected a {expected} turn, found {turn.speaker}", index))
        if not turn.text.strip():
            problems.append(Problem(split, dialogue.id, "empty utterance", index))
        for span in turn.spans:
            if not turn.text[span.start : span.end].strip():
                problems.append(Problem(split, dialogue.id, f"span of {span.act} covers only white space", index))
    return problems


def check_corpus(corpus: Corpus) -> list[Problem]:
    """Every problem: lenient skips, duplicate dialogue IDs within a split, structural problems."""
    problems = [Problem("", s.dialogue, f"skipped: {s.reason}", s.turn) for s in corpus.skipped]
    for split, dialogues in corpus.splits.items():
        seen: set[str] = set()
        for dialogue in dialogues:
            if dialogue.id in seen:
                problems.append(Problem(split, dialogue.id, "duplicate dialogue ID"))
            seen.add(dialogue.id)
            problems.extend(check_dialogue(dialogue, split))
    return problems
