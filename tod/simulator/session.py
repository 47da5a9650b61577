"""One simulated dialogue: a system pipeline against an agenda-based user with one goal.

Two levels, as in ConvLab:

- ``act``: the user's acts go straight to the tracker (:meth:`Pipeline.step_acts`, no NLU) and the
  system's acts straight back to the user (no NLG on either side). This measures the tracker and
  the policy alone.
- ``text``: the user's acts are written by the user-side template NLG, the system reads them with
  its own NLU and answers in text, and the user reads that text with a user-side NLU
  (:class:`~tod.simulator.user_nlu.SystemActReader`). Both sides can misunderstand.

The dialogue is recorded as a :class:`~tod.dialogue.Dialogue`: user turns with the acts the user
meant, system turns with the acts the policy chose (what the evaluator scores, as in ConvLab).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, Sequence

from tod.acts import DialogueAct
from tod.dialogue import USER, Dialogue, Goal, Turn
from tod.errors import SimulationError
from tod.simulator.agenda import AgendaUser, UserOptions
from tod.simulator.metrics import DialogueMetrics
from tod.simulator.modes import resolve_mode, scorers
from tod.simulator.user_nlu import ReaderRecipe
from tod.state import DialogueState

LEVELS = ("act", "text")


class SystemReader(Protocol):
    """Reads a system utterance back into acts (the simulated user's NLU)."""

    def read(self, text: str, context: str = "") -> list[DialogueAct]: ...


class UserWriter(Protocol):
    """Writes the simulated user's acts as text (the user-side NLG)."""

    def generate(self, acts: Sequence[DialogueAct], state: Any = None, *, variant: int = 0) -> str: ...


@dataclass(frozen=True)
class SimulatedDialogue:
    """A finished simulated dialogue: what was said, its goal, its metrics and how it ended.

    ``metrics`` are those of the session's metric mode (``metric_mode``); ``by_mode`` holds every
    mode's (:mod:`tod.simulator.modes`), that one included."""

    dialogue: Dialogue
    metrics: DialogueMetrics
    quit_reason: str
    seconds: float
    system_seconds: tuple[float, ...]
    metric_mode: str = "tod"
    by_mode: Mapping[str, DialogueMetrics] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dialogue": self.dialogue.to_dict(),
            "metrics": self.metrics.to_dict(),
            "metric_mode": self.metric_mode,
            "metrics_by_mode": {mode: m.to_dict() for mode, m in self.by_mode.items()},
            "quit_reason": self.quit_reason,
            "seconds": round(self.seconds, 6),
        }


class Session:
    """Runs dialogues of one pipeline against simulated users at one level."""

    def __init__(
        self,
        pipeline: Any,
        *,
        level: str = "act",
        user_options: UserOptions = UserOptions(),
        user_nlg: UserWriter | None = None,
        user_nlu: SystemReader | None = None,
        metric_mode: str | None = None,
    ) -> None:
        """``metric_mode``: the mode whose numbers are a dialogue's ``metrics`` (default: the domain's,
        ``convlab`` for MultiWOZ, else ``tod``); every mode the domain has is computed."""
        if level not in LEVELS:
            raise SimulationError(f"simulation level must be one of {list(LEVELS)}, found {level!r}")
        if level == "text" and (user_nlg is None or user_nlu is None):
            raise SimulationError("a text-level simulation needs a user-side NLG and a user-side NLU")
        self.pipeline = pipeline
        self.database = pipeline.context.database
        self.level = level
        self.user_options = user_options
        self.user_nlg = user_nlg
        self.user_nlu = user_nlu
        self.metric_mode = resolve_mode(self.database.domain, metric_mode)
        self.scorers = scorers(self.database)

    @classmethod
    def for_pipeline(
        cls,
        pipeline: Any,
        *,
        level: str = "act",
        user_options: UserOptions = UserOptions(),
        reader: ReaderRecipe = ReaderRecipe(),
        reader_model: str | None = None,
        progress: bool = False,
        held_apart: bool = False,
        metric_mode: str | None = None,
    ) -> Session:
        """A session of ``pipeline``; at text level with the domain's user templates and the simulated
        user's NLU (``reader_model``, else the one ``reader`` trains, cached). ``held_apart``: the user
        speaks only the ``user`` half of the templates (:mod:`tod.nlg.halves`), the half a pipeline
        whose NLU has ``held_apart`` never trained on."""
        user_nlg = user_nlu = None
        if held_apart and level != "text":
            raise SimulationError("a held-apart simulation is a text-level one: the user's wording is what is held apart")
        if level == "text":
            from tod.nlg.halves import HALVES_SEED, template_half
            from tod.nlg.template import TemplateNLG
            from tod.simulator.user_nlu import SystemActReader

            user_nlg = TemplateNLG.from_config(pipeline.context, side="user")
            if held_apart:
                user_nlg = TemplateNLG(template_half(user_nlg.templates, "user", HALVES_SEED), seed=user_nlg.seed)
            user_nlu = SystemActReader.for_pipeline(pipeline, reader, model=reader_model, progress=progress)
        return cls(
            pipeline,
            level=level,
            user_options=user_options,
            user_nlg=user_nlg,
            user_nlu=user_nlu,
            metric_mode=metric_mode,
        )

    def run(self, goal: Goal, *, seed: int = 0, dialogue_id: str = "sim-0") -> SimulatedDialogue:
        started = time.perf_counter()
        user = AgendaUser(self.database, goal, self.user_options, seed=seed, read=self.level == "text")
        state = DialogueState()
        turns: list[Turn] = []
        system_times: list[float] = []
        user_acts = user.start()
        while user_acts:
            text = ""
            if self.level == "text":
                assert self.user_nlg is not None
                text = self.user_nlg.generate(user_acts, state, variant=seed)
            t0 = time.perf_counter()
            if self.level == "act":
                step = self.pipeline.step_acts(state, user_acts, generate=False)
            else:
                step = self.pipeline.step(state, text)
            system_times.append(time.perf_counter() - t0)
            state = step.state
            turns.append(Turn(USER, text, tuple(user_acts)))
            turns.append(step.turn)
            if self.level == "act":
                heard = list(step.turn.acts)
            else:
                assert self.user_nlu is not None
                heard = self.user_nlu.read(step.turn.text, text)
            if user.over:
                break
            user_acts = user.respond(heard)
            if state.over and not user_acts:
                break
        dialogue = Dialogue(dialogue_id, tuple(turns), goal=goal, corpus="simulation", split=self.level)
        by_mode = {mode: scorer.evaluate(dialogue, goal) for mode, scorer in self.scorers.items()}
        return SimulatedDialogue(
            dialogue,
            by_mode[self.metric_mode],
            user.quit_reason,
            time.perf_counter() - started,
            tuple(system_times),
            self.metric_mode,
            by_mode,
        )
