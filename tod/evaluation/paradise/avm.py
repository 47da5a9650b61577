"""Attribute-value matrices: what the user wanted (the key) against what the dialogue achieved.

Two sources, chosen explicitly because κ values from different sources are not comparable:

* ``goal``: PARADISE's own definition, for dialogues with a goal and belief states (corpora such as
  MultiWOZ and CrossWOZ, simulated dialogues). Every constraint and booking slot of every sub-goal is
  an attribute whose key is the goal's value and whose achieved value is the final belief state's;
  every requested slot is an attribute with key ``provided``, achieved when a system offer act of
  that domain names the slot.
* ``acts``: a success proxy for dialogues with act labels but no goal (the USS rating files). Per
  task domain the user stated wishes in, the attribute ``<domain>-result`` has key ``offered``, and
  the achieved value is the last outcome the system gave that domain after the user's first wish:
  ``offered`` (an offer-class act), ``failed`` (a failure-class act) or ``none``. Per user request,
  the attribute ``<domain>-answer`` has key ``answered``, achieved when the next system turn carries
  an act that is neither a failure nor only a request (``failed``, ``deferred``; ``unknown`` when
  the reply has no act label; ``none`` when no reply follows). Acts of a shared pseudo-domain
  (``booking``, ``general``, none) belong to the task the user last spoke about.
"""

from __future__ import annotations

from tod.acts import DialogueAct
from tod.belief import BeliefState
from tod.dialogue import SYSTEM, USER, Dialogue
from tod.errors import ParadiseError
from tod.evaluation.paradise.classes import ActClasses
from tod.evaluation.paradise.kappa import AttributeValue

KAPPA_SOURCES = ("acts", "goal")
TASK = "task"  # the domain of acts that name none, in schemes without domains (SGD)
NONE = "none"


def attribute_values(dialogue: Dialogue, source: str, classes: ActClasses) -> tuple[AttributeValue, ...]:
    """The dialogue's attribute values from ``source`` (``goal`` or ``acts``)."""
    if source == "goal":
        return goal_attributes(dialogue, classes)
    if source == "acts":
        return act_attributes(dialogue, classes)
    raise ParadiseError(f"unknown κ source {source!r}; expected one of {list(KAPPA_SOURCES)}")


def has_goal(dialogue: Dialogue) -> bool:
    """Whether ``goal`` attributes can be built: a goal with sub-goals and at least one belief state."""
    return bool(dialogue.goal and dialogue.goal.subgoals) and any(t.state is not None for t in dialogue.turns)


def goal_attributes(dialogue: Dialogue, classes: ActClasses) -> tuple[AttributeValue, ...]:
    if not has_goal(dialogue):
        raise ParadiseError(
            f"dialogue {dialogue.id}: κ from the goal needs a goal with sub-goals and belief states; "
            "use the 'acts' source for dialogues without them"
        )
    assert dialogue.goal is not None
    final = next(t.state for t in reversed(dialogue.turns) if t.state is not None)
    assert isinstance(final, BeliefState)
    provided = {
        (act.domain, act.slot)
        for turn in dialogue.turns
        if turn.speaker == SYSTEM
        for act in turn.acts
        if act.intent.lower() in classes.offer and act.slot
    }
    values: list[AttributeValue] = []
    for sub in dialogue.goal.subgoals:
        belief = final[sub.domain]
        for slot, value in sub.constraints.items():
            values.append(AttributeValue(f"{sub.domain}-{slot}", _norm(value), _norm(belief.constraints.get(slot, ""))))
        for slot, value in sub.booking.items():
            achieved = belief.booking.get(slot, "")
            values.append(AttributeValue(f"{sub.domain}-book-{slot}", _norm(value), _norm(achieved)))
        for slot in sub.requests:
            achieved = "provided" if (sub.domain, slot) in provided else "missing"
            values.append(AttributeValue(f"{sub.domain}-{slot}?", "provided", achieved))
    return tuple(values)


def act_attributes(dialogue: Dialogue, classes: ActClasses) -> tuple[AttributeValue, ...]:
    current = TASK
    outcome: dict[str, str] = {}  # task domain -> last outcome since the user's first wish
    answers: list[AttributeValue] = []
    pending: list[str] = []  # domains of user requests waiting for the next system turn
    for turn in dialogue.turns:
        if turn.speaker == USER:
            _close(pending, "none", answers)  # a user turn followed a user turn
            for act in turn.acts:
                if act.domain.lower() not in classes.shared_domains:
                    current = act.domain.lower()
                domain = _domain(act, current, classes)
                intent = act.intent.lower()
                if intent in classes.find:
                    outcome.setdefault(domain, NONE)
                if intent in classes.ask:
                    pending.append(domain)
        elif turn.speaker == SYSTEM:
            intents = {a.intent.lower() for a in turn.acts}
            _close(pending, _reply(intents, classes), answers)
            for act in turn.acts:
                domain = _domain(act, current, classes)
                intent = act.intent.lower()
                if domain in outcome and intent in classes.offer:
                    outcome[domain] = "offered"
                elif domain in outcome and intent in classes.failure:
                    outcome[domain] = "failed"
    _close(pending, "none", answers)
    results = [AttributeValue(f"{d}-result", "offered", value) for d, value in outcome.items()]
    return (*results, *answers)


def _domain(act: DialogueAct, current: str, classes: ActClasses) -> str:
    domain = act.domain.lower()
    return current if domain in classes.shared_domains else domain


def _reply(intents: set[str], classes: ActClasses) -> str:
    if not intents:
        return "unknown"
    if intents & classes.failure:
        return "failed"
    if intents <= classes.request:
        return "deferred"
    return "answered"


def _close(pending: list[str], achieved: str, into: list[AttributeValue]) -> None:
    into.extend(AttributeValue(f"{domain}-answer", "answered", achieved) for domain in pending)
    pending.clear()


def _norm(value: str) -> str:
    return " ".join(value.lower().split()) or NONE
