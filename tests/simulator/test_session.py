"""Sessions and runs: the city guide at act level, text level with tiny models, workers, reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tod.dialogue import SYSTEM, USER, Goal, SubGoal
from tod.errors import SimulationError
from tod.pipeline.pipeline import Pipeline
from tod.simulator.report import write_report
from tod.simulator.runner import SimulationSpec, Simulator, simulate, summarise
from tod.simulator.session import Session
from tod.simulator.user_nlu import ReaderRecipe, SystemActReader


def test_act_level_city_guide_finishes_its_tasks(act_pipeline: Pipeline) -> None:
    spec = SimulationSpec(level="act", dialogues=200, seed=5)
    result = simulate(spec, simulator=Simulator(spec, pipeline=act_pipeline), progress=False)
    s = result.summary
    assert s["success_rate"] >= 0.97 and s["inform_f1"] >= 0.95 and s["avg_turns"] <= 10
    assert s["dialogues"] == 200 and len(result.dialogues) == 200
    first = result.dialogues[0].dialogue
    assert first.goal is not None and first.turns[0].speaker == USER and first.turns[1].speaker == SYSTEM
    assert all(t.text == "" for t in first.turns)  # act level: no NLG on either side


def test_runs_are_reproducible(act_pipeline: Pipeline) -> None:
    spec = SimulationSpec(level="act", dialogues=30, seed=2)
    one = simulate(spec, simulator=Simulator(spec, pipeline=act_pipeline), progress=False)
    two = simulate(spec, simulator=Simulator(spec, pipeline=act_pipeline), progress=False)
    assert [d.dialogue for d in one.dialogues] == [d.dialogue for d in two.dialogues]


def test_unsatisfiable_goals_fail_politely(act_pipeline: Pipeline) -> None:
    goal = Goal(
        (SubGoal("restaurant", 1, {"food": "italian", "area": "north", "pricerange": "expensive", "name": "nowhere"}),)
    )
    result = Session(act_pipeline).run(goal)
    assert not result.metrics.success
    assert any(a.intent == "nooffer" for t in result.dialogue.system_turns for a in t.acts)
    assert result.dialogue.turns[-1].speaker == SYSTEM


def test_summary_averages_like_convlab(act_pipeline: Pipeline) -> None:
    spec = SimulationSpec(level="act", dialogues=20, seed=3)
    result = simulate(spec, simulator=Simulator(spec, pipeline=act_pipeline), progress=False)
    s = summarise(result.dialogues)
    booked = [d.metrics.book_rate for d in result.dialogues if d.metrics.book_rate is not None]
    assert s["dialogues_with_booking"] == len(booked)
    assert s["book_rate"] == pytest.approx(sum(booked) / len(booked))
    assert s["avg_turns"] == pytest.approx(sum(d.metrics.turns for d in result.dialogues) / 20)


def test_worker_processes_give_the_same_numbers(
    tiny_pipeline_overrides: dict[str, str], tiny_pipeline: Pipeline, tiny_cache: Path
) -> None:
    spec = SimulationSpec(
        pipeline="cityguide", overrides=tuple(sorted(tiny_pipeline_overrides.items())), cache_dir=str(tiny_cache),
        level="act", dialogues=24, seed=11,
    )  # fmt: skip
    one = simulate(spec, workers=1, progress=False)
    two = simulate(spec, workers=2, progress=False)
    assert [d.dialogue for d in one.dialogues] == [d.dialogue for d in two.dialogues]
    keys = ("success_rate", "complete_rate", "book_rate", "inform_f1", "avg_turns")
    assert {k: one.summary[k] for k in keys} == {k: two.summary[k] for k in keys}


def test_text_level_with_tiny_models(tiny_pipeline: Pipeline, tiny_encoder_dir: Path) -> None:
    """Both sides through NLU and NLG. Tiny random encoders understand little: this checks the
    plumbing (texts on both sides, the reader trained and cached), not the quality."""
    recipe = ReaderRecipe(dialogues=30, variants=1, epochs=1, encoder=str(tiny_encoder_dir))
    reader = SystemActReader.for_pipeline(tiny_pipeline, recipe, progress=False)
    again = SystemActReader.for_pipeline(tiny_pipeline, recipe, progress=False)  # from the cache
    assert again.nlu.meta["user_reader"]["cache_key"] == reader.nlu.meta["user_reader"]["cache_key"]
    spec = SimulationSpec(level="text", dialogues=3, seed=1, reader=recipe)
    result = simulate(spec, simulator=Simulator(spec, pipeline=tiny_pipeline), progress=False)
    for simulated in result.dialogues:
        turns = simulated.dialogue.turns
        assert turns and all(t.text for t in turns if t.speaker == USER)
        assert all(t.text for t in turns if t.speaker == SYSTEM)
    assert reader.read("") == []


def test_a_reader_is_trained_on_one_thread_and_the_threads_are_given_back(
    tiny_pipeline: Pipeline, tiny_encoder_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Matrix sums depend on the thread count: one thread everywhere trains the same reader."""
    import torch

    import tod.nlu.act_training as act_training
    from tod.simulator.user_nlu import READER_THREADS, train_reader

    seen = []
    real = act_training.train_act_nlu

    def spy(train, dev, config, **options):
        seen.append((config.threads, torch.get_num_threads()))
        return real(train, dev, config, **options)

    monkeypatch.setattr(act_training, "train_act_nlu", spy)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        recipe = ReaderRecipe(dialogues=8, variants=1, epochs=1, encoder=str(tiny_encoder_dir))
        train_reader(tiny_pipeline, recipe, progress=False, log=lambda line: None)
        assert READER_THREADS == 1 and seen and seen[0][0] == 1
        assert torch.get_num_threads() == 2  # the simulation keeps its own
    finally:
        torch.set_num_threads(before)


def test_reports_are_written(act_pipeline: Pipeline, tmp_path: Path) -> None:
    spec = SimulationSpec(
        level="act",
        dialogues=10,
        seed=0,
        goal_options=__import__("tod.simulator.goals", fromlist=["GoalOptions"]).GoalOptions(unsatisfiable_rate=1.0),
    )
    result = simulate(spec, simulator=Simulator(spec, pipeline=act_pipeline), progress=False)
    paths = write_report(result, tmp_path / "out", ["tod", "simulate"])
    data = json.loads(paths["json"].read_text())
    for key in ("success_rate", "complete_rate", "book_rate", "inform_f1", "avg_turns"):
        assert key in data
    assert data["settings"]["dialogues"] == 10 and data["command"] == "tod simulate"
    failed = [json.loads(line) for line in paths["failed"].read_text().splitlines()]
    assert len(failed) == len(result.failed) > 0
    assert {"dialogue", "metrics", "quit_reason"} <= set(failed[0])
    assert "success rate" in paths["markdown"].read_text()


def test_bad_specs_are_refused(act_pipeline: Pipeline) -> None:
    with pytest.raises(SimulationError, match="level"):
        SimulationSpec(level="telepathy")
    with pytest.raises(SimulationError, match="positive"):
        SimulationSpec(dialogues=0)
    with pytest.raises(SimulationError, match="workers"):
        simulate(SimulationSpec(dialogues=1), workers=0, progress=False)
    with pytest.raises(SimulationError, match="user-side"):
        Session(act_pipeline, level="text")
    with pytest.raises(SimulationError, match="held-apart simulation is a text-level one"):
        SimulationSpec(level="act", held_apart=True)
    with pytest.raises(SimulationError, match="held-apart simulation is a text-level one"):
        Session.for_pipeline(act_pipeline, level="act", held_apart=True)


def test_a_held_apart_user_speaks_only_the_half_the_nlu_never_trained_on(
    tiny_pipeline: Pipeline, tiny_encoder_dir: Path
) -> None:
    from tod.nlg.halves import HALVES_SEED, template_half
    from tod.nlg.template import TemplateNLG
    from tod.simulator.runner import build_pipeline

    recipe = ReaderRecipe(dialogues=30, variants=1, epochs=1, encoder=str(tiny_encoder_dir))
    session = Session.for_pipeline(tiny_pipeline, level="text", reader=recipe, held_apart=True)
    whole = TemplateNLG.from_config(tiny_pipeline.context, side="user").templates
    assert session.user_nlg is not None
    assert session.user_nlg.templates == template_half(whole, "user", HALVES_SEED)
    # and the pipeline a held-apart spec builds has its NLU learn the other half
    from tod.pipeline.pipeline import Pipeline as PipelineClass

    seen = []
    original = PipelineClass.from_config
    try:
        PipelineClass.from_config = classmethod(lambda cls, config, **kw: seen.append(config))  # type: ignore[method-assign]
        build_pipeline(SimulationSpec(level="text", held_apart=True))
        build_pipeline(SimulationSpec(level="text"))
    finally:
        PipelineClass.from_config = original  # type: ignore[method-assign]
    assert [c.components["nlu"].params.get("held_apart", False) for c in seen] == [True, False]
