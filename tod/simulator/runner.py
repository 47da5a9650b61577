"""Many simulated dialogues: goals, worker processes, and the aggregate numbers.

Dialogue ``i`` of a run depends only on the run's seed and ``i`` (its goal seed and the user's seed
are :func:`~tod.simulator.goals.goal_seed` of them, and the pipeline is pure), so ``K`` worker
processes give exactly the numbers of one: each builds its own pipeline and runs a share of the
indices, and the results are put back in index order before anything is averaged.

The aggregates follow ConvLab-2's analyzer: rates over all dialogues, book rate averaged over
dialogues with a booking goal, inform precision / recall / F1 averaged over dialogues where they are
defined (in the ``convlab`` mode: whose goal requests something), average turns over all dialogues
and over successful ones. They are given for every metric mode (:mod:`tod.simulator.modes`).
"""

from __future__ import annotations

import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any, Callable, Iterator, Sequence

from tod.dialogue import Goal
from tod.errors import SimulationError
from tod.simulator.agenda import UserOptions
from tod.simulator.goals import GoalGenerator, GoalOptions, GoalStats, goal_seed
from tod.simulator.metrics import summarise_metrics
from tod.simulator.session import LEVELS, Session, SimulatedDialogue
from tod.simulator.user_nlu import ReaderRecipe


@dataclass(frozen=True)
class SimulationSpec:
    """Everything a run needs, picklable, so that worker processes build the same system."""

    pipeline: str = "cityguide"
    overrides: tuple[tuple[str, str], ...] = ()
    data_dir: str | None = None
    cache_dir: str | None = None
    level: str = "act"
    dialogues: int = 100
    seed: int = 0
    user: UserOptions = UserOptions()
    goal_options: GoalOptions = GoalOptions()
    stats: GoalStats | None = None
    #: Fixed goals (from a file); dialogue ``i`` takes goal ``i % len(goals)``. Empty: generated goals.
    goals: tuple[Goal, ...] = ()
    reader_model: str | None = None
    reader: ReaderRecipe = ReaderRecipe()
    #: Text level: the system's NLU learns one half of the user templates, the user speaks the other
    #: (:mod:`tod.nlg.halves`); ``False``: both use all of them (the closed loop).
    held_apart: bool = False
    #: The metric mode of the headline numbers (:mod:`tod.simulator.modes`); ``None``: the domain's
    #: default (``convlab`` for MultiWOZ, ``tod`` elsewhere). Every mode the domain has is reported.
    metric_mode: str | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise SimulationError(f"level must be one of {list(LEVELS)}, found {self.level!r}")
        if self.held_apart and self.level != "text":
            raise SimulationError("a held-apart simulation is a text-level one: the user's wording is what is held apart")
        if isinstance(self.dialogues, bool) or not isinstance(self.dialogues, int) or self.dialogues < 1:
            raise SimulationError(f"the number of dialogues must be a positive integer, found {self.dialogues!r}")


@dataclass(frozen=True)
class SimulationResult:
    """A finished run: every dialogue in index order, the aggregates and the timings."""

    spec: SimulationSpec
    dialogues: tuple[SimulatedDialogue, ...]
    seconds: float
    workers: int
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[SimulatedDialogue]:
        return [d for d in self.dialogues if not d.metrics.success]


def summarise(dialogues: Sequence[SimulatedDialogue]) -> dict[str, Any]:
    """The aggregate metrics of ``dialogues`` (ConvLab-2's averaging; see the module docstring): at the
    top level those of the dialogues' metric mode (``metric_mode``), under ``by_mode`` every mode's."""
    system = sorted(t for d in dialogues for t in d.system_seconds)
    modes = list(dialogues[0].by_mode) if dialogues and dialogues[0].by_mode else []
    return {
        **summarise_metrics([d.metrics for d in dialogues]),
        "metric_mode": dialogues[0].metric_mode if dialogues else None,
        "by_mode": {mode: summarise_metrics([d.by_mode[mode] for d in dialogues]) for mode in modes},
        "quit_reasons": _counts(d.quit_reason for d in dialogues if d.quit_reason),
        "system_turn_ms_p50": _percentile(system, 50) * 1000 if system else None,
        "system_turn_ms_p95": _percentile(system, 95) * 1000 if system else None,
    }


def _counts(items: Iterator[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def _percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    rank = max(1, math.ceil(q / 100 * len(values)))
    return values[rank - 1]


# ---------------------------------------------------------------------- building and running
class Simulator:
    """A built system and simulated users for one spec (what each worker process holds)."""

    def __init__(self, spec: SimulationSpec, *, progress: bool = False, pipeline: Any | None = None) -> None:
        self.spec = spec
        self.pipeline = pipeline if pipeline is not None else build_pipeline(spec, progress=progress)
        database = self.pipeline.context.database
        self.generator = None if spec.goals else GoalGenerator(database, spec.goal_options, spec.stats)
        self.session = Session.for_pipeline(
            self.pipeline,
            level=spec.level,
            user_options=spec.user,
            reader=spec.reader,
            reader_model=spec.reader_model,
            progress=progress,
            held_apart=spec.held_apart,
            metric_mode=spec.metric_mode,
        )

    def goal(self, index: int) -> Goal:
        if self.spec.goals:
            return self.spec.goals[index % len(self.spec.goals)]
        assert self.generator is not None
        return self.generator.goal(goal_seed(self.spec.seed, index))

    def run(self, index: int) -> SimulatedDialogue:
        seed = goal_seed(self.spec.seed, index)
        return self.session.run(self.goal(index), seed=seed, dialogue_id=f"sim-{self.spec.seed}-{index:06d}")


def build_pipeline(spec: SimulationSpec, *, progress: bool = False) -> Any:
    """The spec's pipeline; at act level without its NLU and fallback, which acts never reach
    (so an act-level run trains and loads no model)."""
    from tod.pipeline.config import load_pipeline_config, with_data_dir
    from tod.pipeline.pipeline import Pipeline

    overrides = dict(spec.overrides)
    if spec.held_apart:  # the system's NLU learns the other half of the templates than the user speaks
        overrides["nlu.held_apart"] = "true"
    config = with_data_dir(load_pipeline_config(spec.pipeline, overrides), spec.data_dir)
    return Pipeline.from_config(config, cache_dir=spec.cache_dir, progress=progress, acts_only=spec.level == "act")


_WORKER: Simulator | None = None


def _init_worker(spec: SimulationSpec) -> None:
    global _WORKER
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    torch.set_num_threads(1)  # K workers on K cores: one thread each
    _WORKER = Simulator(spec)


def _run_share(indices: Sequence[int]) -> list[tuple[int, SimulatedDialogue]]:
    assert _WORKER is not None
    return [(i, _WORKER.run(i)) for i in indices]


def simulate(
    spec: SimulationSpec,
    *,
    workers: int = 1,
    progress: bool = True,
    on_dialogue: Callable[[SimulatedDialogue], None] | None = None,
    simulator: Simulator | None = None,
) -> SimulationResult:
    """Run ``spec.dialogues`` dialogues on ``workers`` processes (1: in this process)."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SimulationError(f"workers must be a positive integer, found {workers!r}")
    from tqdm.auto import tqdm

    started = time.perf_counter()
    results: dict[int, SimulatedDialogue] = {}
    bar = tqdm(total=spec.dialogues, desc=f"simulating ({spec.level} level)", unit="dialogue", disable=not progress)
    if workers == 1:
        local = simulator or Simulator(spec, progress=progress)
        started = time.perf_counter()  # building the system is not simulation time
        for index in range(spec.dialogues):
            results[index] = local.run(index)
            if on_dialogue:
                on_dialogue(results[index])
            bar.update(1)
    else:
        if spec.level == "text":
            Simulator(spec, progress=progress)  # trains the user-side NLU once, before the workers load it
        chunk = max(1, min(50, spec.dialogues // (workers * 4) or 1))
        shares = [list(range(i, min(i + chunk, spec.dialogues))) for i in range(0, spec.dialogues, chunk)]
        with ProcessPoolExecutor(
            workers, mp_context=get_context("spawn"), initializer=_init_worker, initargs=(spec,)
        ) as pool:
            for share in pool.map(_run_share, shares):
                for index, dialogue in share:
                    results[index] = dialogue
                    if on_dialogue:
                        on_dialogue(dialogue)
                bar.update(len(share))
    bar.close()
    ordered = tuple(results[i] for i in range(spec.dialogues))
    seconds = time.perf_counter() - started
    summary = summarise(ordered)
    summary["seconds"] = seconds
    summary["dialogues_per_second"] = len(ordered) / seconds if seconds > 0 else None
    return SimulationResult(spec, ordered, seconds, workers, summary)
