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
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer():  # a Rasa float slot
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RasaPayloadError(f"expected a whole number >= 0, found {value!r:.60}", f"tracker.slots.{SLOT_TURN}")
    return value


def state_from_slots(tracker: TrackerView) -> DialogueState:
    """A state rebuilt from tod's slots: the belief and the last system acts (no history)."""
    belief_raw = tracker.slot(SLOT_BELIEF)
    acts_raw = tracker.slot(SLOT_ACTS)
    try:
        belief = BeliefState.from_dict(belief_raw) if belief_raw is not None else BeliefState()
    except SchemaError as error:
        raise RasaPayloadError(f"not a tod belief state: {error}", f"tracker.slots.{SLOT_BELIEF}") from None
    if acts_raw is None:
        acts_raw = []
    if not isinstance(acts_raw, list):
        raise RasaPayloadError(f"expected an array of acts, found {acts_raw!r:.60}", f"tracker.slots.{SLOT_ACTS}")
    try:
        acts = tuple(DialogueAct.from_dict(a) for a in acts_raw)
    except (SchemaError, AttributeError) as error:
        raise RasaPayloadError(f"not tod dialogue acts: {error}", f"tracker.slots.{SLOT_ACTS}") from None
    return DialogueState(belief=belief, system_acts=acts)


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

    def __init__(self, pipeline: Any, store: StateStore, mapping: RasaMapping = RasaMapping()) -> None:
        self.pipeline = pipeline
        self.store = store
        self.mapping = mapping
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
        if SLOT_TURN not in tracker.slots:
            if record is None:
                return Resumed(DialogueState(), 0, FROM_NEW)
            return Resumed(record.state, record.turn, FROM_STORE, version)
        turn = _turn_slot(tracker.slot(SLOT_TURN))
        if turn == 0:
            return Resumed(DialogueState(), 0, FROM_NEW, version)
        from_slots = state_from_slots(tracker)
        if record is not None and record.turn == turn and record.state.belief == from_slots.belief:
            return Resumed(record.state, turn, FROM_STORE, version)
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
        acts = acts_from_message(message, self.pipeline.context.domain, self.mapping)
        with sender_scope(tracker.sender_id):
            if acts:
                result = self.pipeline.step_acts(resumed.state, acts, text=message.text)
            else:
                if self.acts_only:
                    log.debug("conversation %r: intent %r maps to no tod acts", tracker.sender_id, message.intent)
                result = self._text_pipeline.step(resumed.state, message.text)
        turn = resumed.turn + 1
        self.store.save(tracker.sender_id, result.state, turn, expect=resumed.version)
        read_by = READ_BY_RASA if acts else READ_BY_NONE if self.acts_only else READ_BY_TOD
        return TodReply(result.turn.text, result.state, turn, read_by, resumed.source)

    def reset(self, sender_id: str) -> str:
        """Forget the conversation ``sender_id``; the system's opening line for the new one."""
        self.store.delete(sender_id)
        return self.pipeline.nlg.generate([DialogueAct("welcome", GENERAL)], DialogueState())
