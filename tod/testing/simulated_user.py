"""Simulated-user tests for bot builders: talk to a pipeline with a goal and check the outcome.

    def test_books_a_table(simulated_user):
        result = simulated_user.run(goal={"restaurant": {"info": {"food": "italian", "pricerange": "cheap"},
                                                         "book": {"people": "4", "day": "friday", "time": "19:00"}}})
        assert result.success, result.transcript()

A goal is ConvLab's format (as above), tod's :class:`~tod.dialogue.Goal` (or its dict), or ``None``
for a goal drawn from the domain (seeded). :meth:`SimulatedUser.run` returns an :class:`Outcome`
with ConvLab's metrics and a transcript for assertion messages. The pytest fixtures live in
:mod:`tod.testing.pytest_plugin`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from tod.dialogue import Goal
from tod.simulator.agenda import UserOptions
from tod.simulator.goal_files import parse_goal
from tod.simulator.goals import GoalGenerator, GoalOptions, goal_seed
from tod.simulator.metrics import DialogueMetrics
from tod.simulator.session import Session, SimulatedDialogue
from tod.simulator.user_nlu import ReaderRecipe


@dataclass(frozen=True)
class Outcome:
    """How one simulated dialogue went."""

    simulated: SimulatedDialogue

    @property
    def metrics(self) -> DialogueMetrics:
        return self.simulated.metrics

    @property
    def success(self) -> bool:
        return self.metrics.success

    @property
    def complete(self) -> bool:
        return self.metrics.complete

    @property
    def turns(self) -> int:
        return self.metrics.turns

    @property
    def goal(self) -> Goal:
        goal = self.simulated.dialogue.goal
        assert goal is not None
        return goal

    def transcript(self) -> str:
        """The dialogue as text, with each turn's acts, the goal and the metrics (for assertion messages)."""
        lines = ["goal: " + " | ".join(self.goal.description or [s.domain for s in self.goal.subgoals])]
        for turn in self.simulated.dialogue.turns:
            acts = ", ".join(str(a) for a in turn.acts)
            text = f"{turn.text!r} " if turn.text else ""
            lines.append(f"{turn.speaker:>6}: {text}[{acts}]")
        m = self.metrics
        lines.append(
            f"success={m.success} complete={m.complete} book_rate={m.book_rate} inform_f1={m.inform_f1} turns={m.turns}"
            + (f" (user left: {self.simulated.quit_reason})" if self.simulated.quit_reason else "")
        )
        return "\n".join(lines)


class SimulatedUser:
    """Runs dialogues of one pipeline against agenda-based simulated users."""

    def __init__(
        self,
        pipeline: Any,
        *,
        level: str = "text",
        user: UserOptions = UserOptions(),
        goals: GoalOptions = GoalOptions(),
        reader: ReaderRecipe = ReaderRecipe(),
        reader_model: str | None = None,
        seed: int = 0,
    ) -> None:
        self.pipeline = pipeline
        self.seed = seed
        self.generator = GoalGenerator(pipeline.context.database, goals)
        self.session = Session.for_pipeline(
            pipeline, level=level, user_options=user, reader=reader, reader_model=reader_model
        )
        self._runs = 0

    def goal(self, goal: Goal | Mapping[str, Any] | None = None, *, seed: int | None = None) -> Goal:
        """``goal`` as a :class:`Goal` (ConvLab's dict, tod's dict or a Goal), or one drawn for ``seed``."""
        if isinstance(goal, Goal):
            return goal
        if goal is None:
            return self.generator.goal(goal_seed(self.seed if seed is None else seed, self._runs))
        return parse_goal(goal, self.pipeline.context.domain)

    def run(self, goal: Goal | Mapping[str, Any] | None = None, *, seed: int | None = None) -> Outcome:
        """One dialogue towards ``goal`` (see :meth:`goal`); the user's choices are seeded by ``seed``."""
        chosen = self.goal(goal, seed=seed)
        run_seed = goal_seed(self.seed if seed is None else seed, self._runs)
        self._runs += 1
        return Outcome(self.session.run(chosen, seed=run_seed, dialogue_id=f"pytest-{self._runs}"))
