"""One turn of a Rasa conversation run by tod: where the state comes from, which NLU reads the message,
what is stored, and which slots Rasa is told to set.

**State.** Each conversation (Rasa's ``sender_id``) has a record in a :class:`~tod.store.StateStore`
(namespace ``rasa``; SQLite, or PostgreSQL shared by several servers): its full
:class:`~tod.state.DialogueState` and a turn counter, written in one transaction every turn, only if
the record is still the one the turn was computed from (``save(..., expect=version)``): when another
server wrote it meanwhile (the same turn sent twice at once), the turn fails with
:class:`~tod.errors.StoreConflictError` (HTTP 409) and the other server's result stands. Rasa's
tracker carries the same counter and the belief in tod's slots (:data:`TOD_SLOTS`), and the tracker is
the conversation's truth:

* ``tod_turn`` unset or 0 (a first turn, or Rasa restarted the conversation): a new dialogue;
* the store's record has the tracker's turn and belief: the stored state (history included);
* otherwise (the store lost the record, or Rasa rewound or never received a turn): the state is
  rebuilt from the slots (belief and last system acts; the earlier history is gone);
* when Rasa's domain does not declare ``tod_turn`` (no such key in the tracker's slots), the store
  alone keeps the conversation.

**Understanding.** Rasa's own intent and entities become tod's user acts when they map
(:mod:`.understanding`) and the turn skips tod's NLU (``Pipeline.step_acts``); otherwise tod's NLU
reads ``latest_message.text`` and tod routes the turn as usual (``Pipeline.step``). A pipeline built
acts-only (``Pipeline.from_config(..., acts_only=True)``: no NLU, no fallback, no model loaded) reads
no text: a message whose intent and entities do not map is a turn nobody understood, routed as the
pipeline routes any such turn (:class:`NoUnderstanding`): the generator's ``reqmore`` line ("anything
else?"), the belief and the last system acts unchanged, the exchange added to the history, the turn
counted (``read_by`` = ``none``).

A service is not thread-safe: the action server runs every turn in one worker thread (acts-only: on its
event loop), one at a time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from tod.acts import GENERAL, DialogueAct
from tod.belief import BeliefState
from tod.errors import RasaPayloadError, SchemaError
from tod.integrations.rasa.payloads import TrackerView
from tod.integrations.rasa.understanding import RasaMapping, acts_from_message
from tod.integrations.rasa.values import ValueCheck
from tod.integrations.rasa.webhook_client import sender_scope
from tod.pipeline.pipeline import Pipeline
from tod.state import DialogueState
from tod.store import StateStore
from tod.types import NLUResult

log = logging.getLogger("tod.rasa")

#: The store namespace of Rasa conversations.
NAMESPACE = "rasa"
#: tod's actions (:mod:`.actions`): one turn, and a new dialogue.
ACTION_RESPOND = "action_tod_respond"
ACTION_RESET = "action_tod_reset"
TOD_ACTIONS = (ACTION_RESPOND, ACTION_RESET)
#: Slot: how many user turns tod has answered in this conversation (ties the tracker to the store).
SLOT_TURN = "tod_turn"
#: Slot: the belief state, ``BeliefState.to_dict()`` (sub-domain -> constraints, requested, booking, booked).
SLOT_BELIEF = "tod_belief"
#: Slot: the system's dialogue acts of the latest turn, as ``DialogueAct.to_dict()`` objects.
SLOT_ACTS = "tod_acts"
#: Every slot tod sets; a Rasa domain using tod declares them (type ``any``, custom mapping).
TOD_SLOTS = (SLOT_TURN, SLOT_BELIEF, SLOT_ACTS)

#: The largest ``tod_turn`` accepted (a conversation of a turn a second would take 30 years to reach it).
MAX_TURN = 10**9
#: The turns of a conversation's history kept in the store (the latest 20 exchanges): enough for the
#: references back people make ("the first one", "same area"; a fallback's prompt reads 4 turns), while a
#: turn's cost, which grows with the history it decodes and reads (about 0.1 ms a turn), stays that of a
#: short conversation: a 5,000-turn conversation costs what its 20th turn did.
DEFAULT_HISTORY_TURNS = 40

#: Where a turn's starting state came from.
FROM_NEW, FROM_STORE, FROM_SLOTS = "new", "store", "slots"
#: Which NLU read a turn (``none``: an acts-only pipeline got a message that does not map to acts).
READ_BY_RASA, READ_BY_TOD, READ_BY_NONE = "rasa", "tod", "none"


@dataclass(frozen=True)
class Resumed:
    """A conversation's state before a turn: the state, the turn counter, where it came from, and the
    version of the stored record read (0: none), which the turn's write expects to find unchanged."""

    state: DialogueState
    turn: int
    source: str
    version: int = 0


@dataclass(frozen=True)
class TodReply:
    """tod's answer to one Rasa turn: the reply text, the new state and turn counter, and how it was made."""

    text: str
    state: DialogueState
    turn: int
    read_by: str
    resumed_from: str

    def slots(self) -> dict[str, Any]:
        """The values of tod's slots after this turn (the action's ``SlotSet`` events)."""
        return slot_values(self.state, self.turn)


def slot_values(state: DialogueState, turn: int) -> dict[str, Any]:
    """tod's slots for ``state`` at turn ``turn``."""
    return {
        SLOT_TURN: turn,
        SLOT_BELIEF: state.belief.to_dict(),
        SLOT_ACTS: [a.to_dict() for a in state.system_acts],
    }


def _turn_slot(value: Any) -> int:
    where = f"tracker.slots.{SLOT_TURN}"
    if value is None:
        return 0
    # compared before converting: a float of 1e300 is a whole number no counter reaches
    if isinstance(value, float) and value.is_integer() and 0 <= value <= MAX_TURN:  # a Rasa float slot
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TURN:
        raise RasaPayloadError(f"expected a whole number from 0 to {MAX_TURN}, found {value!r:.60}", where)
    return value


def _slot_belief(tracker: TrackerView, check: ValueCheck) -> BeliefState:
    """The belief of ``tod_belief`` as sent, its sub-domains and slots checked (unknown ones refused)."""
    raw = tracker.slot(SLOT_BELIEF)
    where = f"tracker.slots.{SLOT_BELIEF}"
    try:
        belief = BeliefState.from_dict(raw) if raw is not None else BeliefState()
    except SchemaError as error:
        raise RasaPayloadError(f"not a tod belief state: {error}", where) from None
    check.names(belief, where)
    return belief


def state_from_slots(tracker: TrackerView, check: ValueCheck) -> DialogueState:
    """A state rebuilt from tod's slots: the belief and the last system acts (no history), every value
    checked against the ontology by ``check`` (bad values dropped and logged, unknown slots refused)."""
    source = f"conversation {tracker.sender_id!r}"
    belief = check.belief(_slot_belief(tracker, check), f"tracker.slots.{SLOT_BELIEF}", source)
    acts_raw = tracker.slot(SLOT_ACTS)
    if acts_raw is None:
        acts_raw = []
    if not isinstance(acts_raw, list):
        raise RasaPayloadError(f"expected an array of acts, found {acts_raw!r:.60}", f"tracker.slots.{SLOT_ACTS}")
    try:
        acts = tuple(DialogueAct.from_dict(a) for a in acts_raw)
    except (SchemaError, AttributeError) as error:
        raise RasaPayloadError(f"not tod dialogue acts: {error}", f"tracker.slots.{SLOT_ACTS}") from None
    acts = check.system_acts(acts, f"tracker.slots.{SLOT_ACTS}", source)
    return DialogueState(belief=belief, system_acts=acts, dialogue_id=dialogue_id(tracker))


def dialogue_id(tracker: TrackerView) -> str:
    """The name of the tod dialogue a turn of ``tracker`` starts: the sender and the time of Rasa's
    latest event (so the same sender's next dialogue, after a reset, has another name), or the sender
    alone when the tracker gives no time. Booking references depend on it."""
    if tracker.latest_event_time is None:
        return tracker.sender_id
    return f"{tracker.sender_id}@{tracker.latest_event_time!r}"


class NoUnderstanding:
    """The NLU of an acts-only server: it understands no text. A message Rasa's intent and entities
    do not map to acts is then routed by the pipeline like any turn its NLU did not understand (no
    acts: out of task; without a fallback component, the generator's ``reqmore`` line)."""

    def parse(self, text: str, state: DialogueState) -> NLUResult:
        return NLUResult(text=text)


class RasaConversations:
    """Runs a pipeline for many Rasa conversations, each resumed from the store and the tracker.

    ``pipeline`` is a :class:`~tod.pipeline.pipeline.Pipeline` (only its pure ``step``/``step_acts``,
    its ``context`` and its ``nlg`` are used), possibly built acts-only (no NLU: see the module
    docstring); ``store`` keeps the states.
    """

    def __init__(
        self,
        pipeline: Any,
        store: StateStore,
        mapping: RasaMapping = RasaMapping(),
        history_turns: int = DEFAULT_HISTORY_TURNS,
    ) -> None:
        if history_turns < 2:
            raise ValueError(f"history_turns must be at least 2 (one exchange), found {history_turns}")
        self.pipeline = pipeline
        self.store = store
        self.mapping = mapping
        #: The most turns of a conversation's history kept in the store (the latest ones).
        self.history_turns = history_turns
        self.check = ValueCheck(pipeline.context.domain)
        #: Who reads text that Rasa's understanding does not map: tod's NLU in ``pipeline``, or for an
        #: acts-only pipeline the same components with an NLU that understands nothing (no fallback).
        self.acts_only = pipeline.nlu is None
        self._text_pipeline = (
            Pipeline(
                pipeline.context,
                NoUnderstanding(),
                pipeline.dst,
                pipeline.policy,
                pipeline.nlg,
                None,
                pipeline.routing,
                pipeline.name,
            )
            if self.acts_only
            else pipeline
        )

    def resume(self, tracker: TrackerView) -> Resumed:
        """The conversation's state before this turn (rules in the module docstring)."""
        record = self.store.load(tracker.sender_id)
        version = record.version if record else 0
        new = DialogueState(dialogue_id=dialogue_id(tracker))
        if SLOT_TURN not in tracker.slots:
            if record is None:
                return Resumed(new, 0, FROM_NEW)
            return Resumed(record.state, record.turn, FROM_STORE, version)
        turn = _turn_slot(tracker.slot(SLOT_TURN))
        if turn == 0:
            return Resumed(new, 0, FROM_NEW, version)
        sent = _slot_belief(tracker, self.check)
        if record is not None and record.turn == turn and record.state.belief == sent:
            return Resumed(record.state, turn, FROM_STORE, version)
        from_slots = state_from_slots(tracker, self.check)
        log.info(
            "conversation %r: the store %s turn %d; resuming from the tracker's slots",
            tracker.sender_id,
            "has no record for" if record is None else f"is at turn {record.turn}, not",
            turn,
        )
        return Resumed(from_slots, turn, FROM_SLOTS, version)

    def respond(self, tracker: TrackerView) -> TodReply:
        """Run one turn on the tracker's latest message, store the new state, and return the reply."""
        resumed = self.resume(tracker)
        message = tracker.latest_message
        acts = acts_from_message(message, self.pipeline.context.domain, self.mapping, self.check)
        with sender_scope(tracker.sender_id):
            if acts:
                result = self.pipeline.step_acts(resumed.state, acts, text=message.text)
            else:
                if self.acts_only:
                    log.debug("conversation %r: intent %r maps to no tod acts", tracker.sender_id, message.intent)
                result = self._text_pipeline.step(resumed.state, message.text)
        turn = resumed.turn + 1
        state = result.state.with_history_limit(self.history_turns)
        self.store.save(tracker.sender_id, state, turn, expect=resumed.version)
        read_by = READ_BY_RASA if acts else READ_BY_NONE if self.acts_only else READ_BY_TOD
        return TodReply(result.turn.text, state, turn, read_by, resumed.source)

    def reset(self, sender_id: str) -> str:
        """Forget the conversation ``sender_id``; the system's opening line for the new one."""
        self.store.delete(sender_id)
        return self.pipeline.nlg.generate([DialogueAct("welcome", GENERAL)], DialogueState())
