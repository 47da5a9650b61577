"""Dialogue state tracking metrics on annotated dialogues: joint goal and slot accuracy, slot P/R/F1.

A user turn's gold belief is its ``turn.state`` (turns whose state is ``None`` are skipped). Both
beliefs are compared as sets of (domain, slot, value) triples: the constraints and the booking
details, values normalised to the ontology on both sides (:meth:`ValueNormaliser.triples`).
Requested slots and booked entities are not compared: they are not goal constraints, and the
requested slots are scored by the NLU's act F1.

* **joint goal accuracy**: the share of turns whose predicted and gold triple sets are equal;
* **slot accuracy** (TRADE): over every (domain, slot) pair of the ontology's informable and
  bookable slots (plus any pair outside them that gold or prediction fills that turn), the share of
  pairs whose predicted value equals the gold one, both empty counting as equal;
* **slot precision / recall / F1**: micro-averaged over the triples of all turns;
* **per-domain joint accuracy**: the domain's triples only, over the turns where gold or prediction
  has that domain.

Protocols: ``cumulative`` (the tracker carries its own belief from turn to turn, starting empty)
and ``single-turn`` (the CrossWOZ paper's: each user turn starts from the previous user turn's
gold belief, the first from an empty one). Acts come from the corpus (``turn.acts``) or from an
:class:`ActSource` such as a trained NLU.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Protocol, Sequence

from tod.acts import DialogueAct
from tod.belief import BeliefState
from tod.dialogue import USER, Dialogue
from tod.domain.ontology import Domain
from tod.dst.base import DST
from tod.dst.rule import RuleDST, RuleOptions
from tod.dst.values import ValueNormaliser
from tod.errors import ConfigError, SchemaError

PROTOCOLS: tuple[str, ...] = ("cumulative", "single-turn")
Triple = tuple[str, str, str]


class ActSource(Protocol):
    """Predicted acts for each user turn of a dialogue, in order (an NLU run over the dialogue)."""

    def parse_dialogue(self, dialogue: Dialogue) -> list[tuple[DialogueAct, ...]]: ...


@dataclass(frozen=True)
class TurnResult:
    """One scored user turn: where it is, and the gold and predicted triples."""

    dialogue: str
    turn: int
    gold: frozenset[Triple]
    predicted: frozenset[Triple]

    @property
    def correct(self) -> bool:
        return self.gold == self.predicted


@dataclass(frozen=True)
class DSTScores:
    """The DST metrics of one protocol (fractions in [0, 1]); ``per_domain`` maps domain -> {joint_accuracy, turns}."""

    protocol: str
    joint_goal_accuracy: float
    slot_accuracy: float
    slot_precision: float
    slot_recall: float
    slot_f1: float
    turns: int
    per_domain: dict[str, dict[str, float]] = field(default_factory=dict)
    results: tuple[TurnResult, ...] = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "joint_goal_accuracy": self.joint_goal_accuracy,
            "slot_accuracy": self.slot_accuracy,
            "slot_f1": self.slot_f1,
            "slot_precision": self.slot_precision,
            "slot_recall": self.slot_recall,
            "turns": self.turns,
            "per_domain": self.per_domain,
        }

    def slot_errors(self, top: int = 20) -> list[tuple[str, int]]:
        """The most frequent wrong (domain, slot) pairs: ``"missed d.s=v"`` / ``"extra d.s=v"`` counted by pair."""
        counts: Counter[str] = Counter()
        for result in self.results:
            for d, s, _ in result.gold - result.predicted:
                counts[f"missed {d}.{s}"] += 1
            for d, s, _ in result.predicted - result.gold:
                counts[f"extra {d}.{s}"] += 1
        return counts.most_common(top)


def score_turns(results: Sequence[TurnResult], slot_pairs: Iterable[tuple[str, str]], protocol: str) -> DSTScores:
    """The metrics over scored turns; ``slot_pairs`` are the (domain, slot) pairs slot accuracy runs over."""
    pairs = frozenset(slot_pairs)
    joint = slot_hits = slot_total = tp = n_pred = n_gold = 0
    domain_hits: Counter[str] = Counter()
    domain_turns: Counter[str] = Counter()
    for result in results:
        joint += result.correct
        gold = {(d, s): v for d, s, v in result.gold}
        pred = {(d, s): v for d, s, v in result.predicted}
        turn_pairs = pairs | gold.keys() | pred.keys()
        slot_hits += sum(gold.get(p) == pred.get(p) for p in turn_pairs)
        slot_total += len(turn_pairs)
        tp += len(result.gold & result.predicted)
        n_pred += len(result.predicted)
        n_gold += len(result.gold)
        for domain in {d for d, _, _ in result.gold | result.predicted}:
            domain_turns[domain] += 1
            same = {t for t in result.gold if t[0] == domain} == {t for t in result.predicted if t[0] == domain}
            domain_hits[domain] += same
    precision = tp / n_pred if n_pred else 1.0
    recall = tp / n_gold if n_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    per_domain = {
        d: {"joint_accuracy": domain_hits[d] / domain_turns[d], "turns": domain_turns[d]} for d in sorted(domain_turns)
    }
    return DSTScores(
        protocol=protocol,
        joint_goal_accuracy=joint / len(results) if results else 0.0,
        slot_accuracy=slot_hits / slot_total if slot_total else 0.0,
        slot_precision=precision,
        slot_recall=recall,
        slot_f1=f1,
        turns=len(results),
        per_domain=per_domain,
        results=tuple(results),
    )


def track_dialogue(
    tracker: DST,
    dialogue: Dialogue,
    normaliser: ValueNormaliser,
    protocol: str,
    user_acts: Sequence[tuple[DialogueAct, ...]] | None = None,
    start_states: Sequence[BeliefState | None] | None = None,
) -> list[TurnResult]:
    """Run ``tracker`` over ``dialogue`` under ``protocol``; one result per user turn with a gold state.

    ``user_acts`` are the acts of each user turn in order (``None``: the corpus's gold acts).
    ``start_states`` (single-turn only) give, per user turn, the gold belief to start from where a
    corpus has a better one than the previous user turn's (CrossWOZ's ``sys_state``: the system's
    belief after its database query, which the CrossWOZ paper starts from); ``None`` entries fall
    back to the previous user turn's gold belief.
    """
    if protocol not in PROTOCOLS:
        raise ConfigError(f"unknown DST protocol {protocol!r}: expected one of {list(PROTOCOLS)}")
    user_turns = [i for i, turn in enumerate(dialogue.turns) if turn.speaker == USER]
    for what, given in (("acts", user_acts), ("start states", start_states)):
        if given is not None and len(given) != len(user_turns):
            raise SchemaError(
                f"dialogue {dialogue.id}: expected {what} for {len(user_turns)} user turns, found {len(given)}"
            )
    results: list[TurnResult] = []
    carried = BeliefState()  # the tracker's own belief (cumulative)
    previous_gold = BeliefState()  # the last gold belief (single-turn)
    for k, index in enumerate(user_turns):
        turn = dialogue.turns[index]
        acts = turn.acts if user_acts is None else user_acts[k]
        before = dialogue.turns[index - 1] if index > 0 else None
        system_acts = before.acts if before is not None and before.speaker != USER else ()
        start = carried if protocol == "cumulative" else previous_gold
        if protocol == "single-turn" and start_states is not None and start_states[k] is not None:
            start = start_states[k]
        predicted = tracker.update(start, acts, system_acts)
        carried = predicted
        if turn.state is None:
            continue
        previous_gold = turn.state
        results.append(TurnResult(dialogue.id, index, normaliser.triples(turn.state), normaliser.triples(predicted)))
    return results


def evaluate_dst(
    tracker: DST,
    dialogues: Sequence[Dialogue],
    normaliser: ValueNormaliser,
    protocols: Sequence[str] = ("cumulative",),
    nlu: ActSource | None = None,
    progress: bool = False,
    start_states: Mapping[str, Sequence[BeliefState | None]] | None = None,
) -> dict[str, DSTScores]:
    """The metrics of ``tracker`` on ``dialogues`` per protocol, with gold acts or ``nlu``'s acts.

    The NLU runs once per dialogue, whatever the number of protocols. ``start_states`` maps a
    dialogue ID to its single-turn start states (see :func:`track_dialogue`).
    """
    for protocol in protocols:
        if protocol not in PROTOCOLS:
            raise ConfigError(f"unknown DST protocol {protocol!r}: expected one of {list(PROTOCOLS)}")
    results: dict[str, list[TurnResult]] = {protocol: [] for protocol in protocols}
    iterable: Iterable[Dialogue] = dialogues
    if progress:
        from tqdm import tqdm  # only where a bar is shown

        iterable = tqdm(dialogues, desc="DST", unit="dialogue", leave=False)
    for dialogue in iterable:
        acts = nlu.parse_dialogue(dialogue) if nlu is not None else None
        for protocol in protocols:
            starts = start_states.get(dialogue.id) if start_states is not None else query_starts(dialogue)
            results[protocol].extend(track_dialogue(tracker, dialogue, normaliser, protocol, acts, starts))
    pairs = ontology_slot_pairs(normaliser)
    return {protocol: score_turns(found, pairs, protocol) for protocol, found in results.items()}


def query_starts(dialogue: Dialogue) -> list[BeliefState | None] | None:
    """Single-turn start states from the corpus: per user turn, the previous system turn's
    ``query_state`` (the belief its last database query used, CrossWOZ's ``sys_state``), as the
    CrossWOZ paper's RuleDST evaluation starts; ``None`` where the dialogue records none."""
    if not any(t.query_state is not None for t in dialogue.turns):
        return None
    starts: list[BeliefState | None] = []
    previous: BeliefState | None = None
    for turn in dialogue.turns:
        if turn.speaker == USER:
            starts.append(previous)
        elif turn.query_state is not None:
            previous = turn.query_state
    return starts


def ontology_slot_pairs(normaliser: ValueNormaliser) -> frozenset[tuple[str, str]]:
    """Every (sub-domain, slot) pair of the ontology that is informable or bookable."""
    return frozenset(
        (name, slot)
        for name, schema in normaliser.domain.schemas.items()
        for slot, spec in schema.slots.items()
        if spec.informable or spec.bookable
    )


def fit_rule_options(
    domain: Domain,
    dialogues: Sequence[Dialogue],
    fixed: Mapping[str, bool] | None = None,
    start_states: Mapping[str, Sequence[BeliefState | None]] | None = None,
) -> RuleOptions:
    """The :class:`RuleOptions` with the best single-turn joint goal accuracy on ``dialogues`` (gold acts).

    Each option not in ``fixed`` is tried both ways, one at a time (greedy), so a corpus's annotation
    conventions are learnt from its data rather than written in code. Fit on a training part, never on
    the dialogues that are reported.
    """
    chosen = RuleOptions(**dict(fixed or {}))
    normaliser = ValueNormaliser(domain)

    def score(options: RuleOptions) -> float:
        found = evaluate_dst(
            RuleDST(domain, options), dialogues, normaliser, ("single-turn",), start_states=start_states
        )
        return found["single-turn"].joint_goal_accuracy

    best = score(chosen)
    for name in chosen.to_dict():
        if fixed and name in fixed:
            continue
        candidate = replace(chosen, **{name: not getattr(chosen, name)})
        value = score(candidate)
        if value > best:
            chosen, best = candidate, value
    return chosen
