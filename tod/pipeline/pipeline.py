"""The running system: NLU → DST → policy → NLG, with out-of-task turns routed to the fallback.

:meth:`Pipeline.step` is a pure function of the pipeline's components and a :class:`DialogueState`:
it returns the next state and the system's turn, and changes nothing else, so one pipeline can
serve many conversations (each with its own state) and a stored state resumes a conversation.
:meth:`Pipeline.respond` is the convenience for one conversation: it keeps the state itself.

Before routing, a short turn whose words plainly say an in-task act the NLU missed ("phone please", "k thx",
"anywhere" after a question) gets that act and stays with the task (:mod:`tod.pipeline.reading`). After
the focus step, the turn's words place corrections, references back and questions about an entity
(:meth:`Pipeline._in_context`).

Routing: a user turn goes to the fallback when the NLU found no act, found ``chitchat`` and no task
act, or found only general acts (greetings, thanks, yes/no: no sub-domain, no slot) and is less sure
of them than ``routing.min_confidence`` (a yes or no right after a confirmation or an offer to book
is an answer and stays with the task, however unsure). A fallback turn adds the exchange to the history and
changes nothing else: the belief, the database results and the acts of the last task turn stay as
they were.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any, Sequence

from tod._schema import FrozenMap
from tod.acts import CHITCHAT, GENERAL, REFERENCE, YES_NO_ANSWERS, YES_NO_QUESTIONS, DialogueAct
from tod.belief import BeliefState
from tod.dialogue import SYSTEM, USER, Turn
from tod.domain.context import BuildContext
from tod.domain.matches import query_belief
from tod.domain.memory import remember
from tod.errors import PipelineError
from tod.nlu.negation import read_negations
from tod.pipeline.column_values import column_values
from tod.pipeline.config import PipelineConfig, RoutingConfig
from tod.pipeline.focus import (
    corrections_in_focus,
    forget_unknown_names,
    names_from_the_database,
    names_from_the_text,
    places_as_names,
    requests_in_discussion,
    resolve_domains,
)
from tod.pipeline.questions import entity_questions
from tod.pipeline.reading import (
    FOLLOW_UP_WORDS,
    Words,
    follow_up,
    indifferent_answer,
    indifferent_values,
    requests_by_words,
    requests_in_focus,
)
from tod.pipeline.references import resolve_references
from tod.pipeline.slot_references import slot_references
from tod.pipeline.turn_words import turn_words
from tod.pipeline.twin_values import changed_values, transport_places, twin_values
from tod.pipeline.values import missed_constraints, widen_values
from tod.state import ROUTE_FALLBACK, ROUTE_TASK, DBResults, DialogueState
from tod.text import clean_text as safe_text
from tod.types import NLUResult

log = logging.getLogger("tod.pipeline")

#: The longest user text the stages see; longer input is cut (the NLU reads far less anyway).
MAX_TEXT = 2000


def clean_text(text: str) -> str:
    """User text as the stages see it (:func:`tod.text.clean_text`: no control characters, lone
    surrogates or bidirectional overrides, whitespace collapsed), at most :data:`MAX_TEXT` characters."""
    return safe_text(text, MAX_TEXT)


@dataclass(frozen=True)
class StepTimings:
    """Seconds spent per stage in the latest step (0 for stages that did not run)."""

    nlu: float = 0.0
    dst: float = 0.0
    policy: float = 0.0
    nlg: float = 0.0
    fallback: float = 0.0


@dataclass(frozen=True)
class StepResult:
    """Everything one step produced: the next state, the system turn, what the NLU read and the timings."""

    state: DialogueState
    turn: Turn
    nlu: NLUResult
    timings: StepTimings

    @property
    def route(self) -> str:
        return self.state.route


def record_bookings(belief: BeliefState, acts: Sequence[DialogueAct], name_slots: dict[str, str]) -> BeliefState:
    """The belief with the bookings that ``book(d, ref, REF)`` acts report added to ``d``'s booked entities."""
    for act in acts:
        if act.intent != "book" or act.slot != REFERENCE or not act.value:
            continue
        details = {a.slot: a.value for a in acts if a.intent == "book" and a.domain == act.domain and a.value}
        current = belief[act.domain]
        if any(b.get(REFERENCE) == act.value for b in current.booked):
            continue
        name = name_slots.get(act.domain)
        booked = dict(details)
        if name and name in details:
            booked["name"] = details[name]
        belief = belief.with_domain(act.domain, replace(current, booked=(*current.booked, FrozenMap(booked))))
    return belief


class Pipeline:
    """One configured system. Build it with :meth:`from_config` or from components directly."""

    def __init__(
        self,
        context: BuildContext,
        nlu: Any,
        dst: Any,
        policy: Any,
        nlg: Any,
        fallback: Any | None = None,
        routing: RoutingConfig = RoutingConfig(),
        name: str = "",
    ) -> None:
        self.context = context
        self.nlu, self.dst, self.policy, self.nlg, self.fallback = nlu, dst, policy, nlg, fallback
        self.routing = routing
        self.name = name or context.domain.name
        self.state = DialogueState()
        self.last: StepResult | None = None
        self._name_slots = {d: schema.name_slot for d, schema in context.domain.schemas.items()}
        self._words = turn_words(context.domain.language)

    @classmethod
    def from_config(
        cls, config: PipelineConfig, *, cache_dir: str | None = None, progress: bool = True, acts_only: bool = False
    ) -> Pipeline:
        """Build every component of ``config`` (already checked by :mod:`tod.pipeline.config`).

        ``acts_only``: leave out the NLU and the fallback, which only text reaches: a pipeline for
        :meth:`step_acts` alone (act-level simulation), built without training or loading a model."""
        from tod.pipeline.config import STAGES

        context = BuildContext.open(config.domain, config.data_dir, config.seed, cache_dir, progress)
        built = {
            stage: STAGES[stage].get(component.name).from_config(context, **component.params)
            for stage, component in config.components.items()
            if not acts_only or stage not in ("nlu", "fallback")
        }
        return cls(
            context,
            built.get("nlu"),
            built["dst"],
            built["policy"],
            built["nlg"],
            built.get("fallback"),
            config.routing,
            config.name,
        )

    # ------------------------------------------------------------------ one conversation
    def respond(self, text: str) -> Turn:
        """The system's reply to ``text`` in this pipeline's own conversation (see :meth:`step`)."""
        self.last = self.step(self.state, text)
        self.state = self.last.state
        return self.last.turn

    def reset(self) -> None:
        """Start a new conversation."""
        self.state = DialogueState()
        self.last = None

    # ------------------------------------------------------------------ the pure step
    def step(self, state: DialogueState, text: str) -> StepResult:
        """The next state and the system turn after the user says ``text`` in ``state``."""
        if not isinstance(text, str):
            raise TypeError(f"the user's text must be a string, found {type(text).__name__}")
        if not isinstance(state, DialogueState):
            raise TypeError(f"state must be a DialogueState, found {type(state).__name__}")
        if self.nlu is None:
            raise PipelineError("this pipeline has no NLU (built for dialogue acts only): use step_acts, or build it with one")
        clean = clean_text(text)
        started = time.perf_counter()
        result = self.nlu.parse(clean, state) if clean else NLUResult(text="")
        if not isinstance(result, NLUResult):
            raise PipelineError(f"NLU {type(self.nlu).__name__}.parse returned {type(result).__name__}, not NLUResult")
        nlu_time = time.perf_counter() - started
        widened = twin_values(widen_values(result.acts, clean, self.context.domain), clean, self.context.domain)
        widened = column_values(widened, clean, self.context.database)  # "stansted": "stansted airport"
        widened = transport_places(widened, clean, self.context.database)  # "taxi ... to the lensfield hotel"
        # names as the database writes them ("trattoria luca" is trattoria lucca), also in the history;
        # and those the text writes when the NLU understood nothing of the task
        widened = names_from_the_database(widened, self.context.database)
        widened = names_from_the_text(widened, clean, self.context.database, tagged=result.acts)
        if widened != tuple(result.acts):  # 免费 tagged inside 不免费: the whole known value
            result = replace(result, acts=widened)
        negated = read_negations(clean, result.acts, result.slots, self.context.domain)
        if negated != tuple(result.acts):  # "not in the north": the tagged value is ruled out, and a value
            # of the slot said besides ("a hotel, not a guesthouse") is read again
            result = replace(result, acts=missed_constraints(negated, clean, self.context.domain))
        if self._words is not None:  # "price doesnt matter" tagged as a price range: no preference
            result = replace(result, acts=indifferent_values(result.acts, self._words))
        result = resolve_references(result, state, self.context.database)  # "the second one": a listed name
        read = self._read_short_turn(result.acts, clean, state)
        if read is not None:  # read from the words themselves, exactly: as sure as the words are
            result = replace(result, acts=read, confidence=1.0)
        user_turn = Turn(USER, clean, tuple(result.acts))
        if read is None and self._out_of_task(result, state):
            return self._fallback_step(state, clean, user_turn, result, nlu_time)
        return self._task_step(state, user_turn, result, nlu_time, read_words=True)

    def _read_short_turn(
        self, acts: Sequence[DialogueAct], text: str, state: DialogueState
    ) -> tuple[DialogueAct, ...] | None:
        """The acts the words of a short in-task turn plainly say, when the NLU missed them: "anywhere" as
        the answer to the slot just asked, "phone please" or "k thx" about the entity under discussion
        (:mod:`tod.pipeline.reading`); ``None`` for any other turn. Such a turn stays with the task."""
        if self._words is None or not text:
            return None
        domain = self.context.domain
        read = indifferent_answer(acts, text, state, domain, self._words)
        read = read if read is not None else follow_up(acts, text, state, domain, self._words)
        return read if read is not None else self._values_in_focus(acts, text, state)

    def _values_in_focus(
        self, acts: Sequence[DialogueAct], text: str, state: DialogueState
    ) -> tuple[DialogueAct, ...] | None:
        """For a short turn the NLU found no task act in, the values of the sub-domain under discussion its
        words write ("is it cheap?": a question about the restaurant discussed; "cheap then"); ``None``
        when it writes none or there is no such sub-domain."""
        domain = self.context.domain
        if any(a.domain in domain.schemas or a.slot for a in acts if a.intent != CHITCHAT):
            return None
        current = remember(state, domain).discussing
        if current is None or len(text.split()) > FOLLOW_UP_WORDS:
            return None
        found = missed_constraints((), text, domain, within=current)
        return found or None

    def step_acts(
        self, state: DialogueState, user_acts: Sequence[DialogueAct], *, text: str = "", generate: bool = True
    ) -> StepResult:
        """The next state after the user's acts ``user_acts``, without the NLU: a dialogue-act-level turn.

        This is how a simulated user talks to the system at act level (and how an outside NLU, such
        as Rasa's, hands over what it understood). ``text`` is recorded in the history as the user's
        words; with ``generate=False`` the system turn carries its acts and no text (no NLG runs),
        which is what an act-level simulation needs and is faster.
        """
        if not isinstance(state, DialogueState):
            raise TypeError(f"state must be a DialogueState, found {type(state).__name__}")
        acts = tuple(user_acts)
        if not all(isinstance(a, DialogueAct) for a in acts):
            raise TypeError("user_acts must be DialogueAct values")
        result = NLUResult(text=text, acts=acts, confidence=1.0)
        return self._task_step(state, Turn(USER, clean_text(text), acts), result, 0.0, generate=generate)

    def _out_of_task(self, result: NLUResult, state: DialogueState) -> bool:
        acts = [a for a in result.acts if a.intent != CHITCHAT]
        if not acts or len(acts) < len(result.acts) and not self._task_acts(acts):
            return True
        if self._answers_a_question(acts, state):
            return False
        return result.confidence < self.routing.min_confidence and not self._task_acts(acts)

    @staticmethod
    def _answers_a_question(acts: Sequence[DialogueAct], state: DialogueState) -> bool:
        """A yes or no right after the system asked for one (a confirmation, an offer to book) is an
        answer, however unsure the NLU is of a word that short: never small talk."""
        asked = any(a.intent in YES_NO_QUESTIONS for a in state.system_acts)
        return asked and all(a.intent in YES_NO_ANSWERS for a in acts)

    def _task_acts(self, acts: Sequence[DialogueAct]) -> bool:
        """Whether ``acts`` speak about the task: a sub-domain, or a slot (a domain-less request)."""
        return any(a.domain in self.context.domain.schemas or a.slot for a in acts)

    def _fallback_step(
        self, state: DialogueState, text: str, user_turn: Turn, result: NLUResult, nlu_time: float
    ) -> StepResult:
        started = time.perf_counter()
        if self.fallback is not None:
            reply = self.fallback.respond(text, state)
            if not isinstance(reply, str) or not reply.strip():
                raise PipelineError(f"fallback {type(self.fallback).__name__}.respond returned {reply!r:.60}")
        else:
            reply = self.nlg.generate([DialogueAct("reqmore", GENERAL)], state)
        system_turn = Turn(SYSTEM, reply, (), state=state.belief)
        timings = StepTimings(nlu=nlu_time, fallback=time.perf_counter() - started)
        new_state = replace(
            state,
            history=(*state.history, user_turn, system_turn),
            nlu_confidence=_unit(result.confidence),
            route=ROUTE_FALLBACK,
        )
        return StepResult(new_state, system_turn, result, timings)

    def _task_step(
        self,
        state: DialogueState,
        user_turn: Turn,
        result: NLUResult,
        nlu_time: float,
        *,
        generate: bool = True,
        read_words: bool = False,
    ) -> StepResult:
        said = names_from_the_database([a for a in result.acts if a.intent != CHITCHAT], self.context.database)
        user_acts = resolve_domains(said, state, self.context.domain)
        if read_words and self._words is not None and user_turn.text:
            user_acts = self._in_context(user_acts, user_turn.text, state)
        user_turn = replace(user_turn, acts=tuple(user_acts))  # the history keeps what the turn was read as
        t0 = time.perf_counter()
        belief = self.dst.update(state.belief, user_acts, state.system_acts)
        if not isinstance(belief, BeliefState):
            raise PipelineError(f"DST {type(self.dst).__name__}.update returned {type(belief).__name__}")
        db: DBResults = query_belief(self.context.database, belief)
        t1 = time.perf_counter()
        during = replace(
            state,
            belief=belief,
            history=(*state.history, user_turn),
            user_acts=user_acts,
            db=db,
            nlu_confidence=_unit(result.confidence),
            route=ROUTE_TASK,
        )
        system_acts = self.policy.predict(during, db)
        if not isinstance(system_acts, list) or not all(isinstance(a, DialogueAct) for a in system_acts):
            raise PipelineError(f"policy {type(self.policy).__name__}.predict must return a list of DialogueAct")
        t2 = time.perf_counter()
        belief = record_bookings(belief, system_acts, self._name_slots)
        belief = forget_unknown_names(belief, system_acts, self.context.domain)
        during = replace(during, belief=belief)
        text = self.nlg.generate(system_acts, during) if generate else ""
        if not isinstance(text, str):
            raise PipelineError(f"NLG {type(self.nlg).__name__}.generate returned {type(text).__name__}, not str")
        t3 = time.perf_counter()
        system_turn = Turn(SYSTEM, text, tuple(system_acts), state=belief)
        over = any(a.intent == "bye" for a in system_acts)
        new_state = replace(during, history=(*during.history, system_turn), system_acts=tuple(system_acts), over=over)
        timings = StepTimings(nlu=nlu_time, dst=t1 - t0, policy=t2 - t1, nlg=t3 - t2)
        return StepResult(new_state, system_turn, result, timings)


    def _in_context(self, acts: tuple[DialogueAct, ...], text: str, state: DialogueState) -> tuple[DialogueAct, ...]:
        """The user's acts read in the conversation with the turn's words: corrections of the sub-domain under
        discussion, requests of a slot it lacks read by their words ("how much" of an attraction: its
        entrance fee), values that refer back ("same area"), questions about an entity (checks, not constraints)."""
        assert self._words is not None
        domain, database = self.context.domain, self.context.database
        words = Words.of(text, self._words)
        acts = changed_values(places_as_names(acts, words, state, database), state.belief)
        acts = corrections_in_focus(acts, words, state, domain)
        acts = requests_in_discussion(acts, words, state, domain)
        discussing = remember(state, domain).discussing
        acts = requests_by_words(requests_in_focus(acts, words, domain, discussing), words, domain)
        acts = slot_references(acts, words, state, domain, database)
        return entity_questions(acts, text, state, domain, database, self._words)


def _unit(value: float) -> float:
    return min(1.0, max(0.0, float(value)))
