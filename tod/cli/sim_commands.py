"""``tod simulate``: build the spec from the arguments, run it, write and print the report."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from tod.errors import ConfigError


def _goal_stats(args: argparse.Namespace, domain_schemas: dict, data_dir: str | None):
    from tod.data.corpus import load_corpus
    from tod.simulator.goals import GoalStats

    if not data_dir:
        raise ConfigError(f"--corpus {args.corpus} needs the corpus folder: give --data PATH")
    corpus = load_corpus(args.corpus, data_dir, splits=[args.split])
    dialogues = corpus.splits.get(args.split, ())
    goals = [d.goal for d in dialogues if d.goal is not None]
    if not goals:
        raise ConfigError(f"the {args.split} split of {args.corpus} at {data_dir} has no goals")
    return GoalStats.from_goals(goals, domain_schemas)


def _user_options(args: argparse.Namespace):
    from tod.simulator.agenda import UserOptions

    if args.user_style == "convlab" and args.patience is not None:
        raise ConfigError("--patience does not apply to --user-style convlab: ConvLab-2's agenda user has no patience")
    changes = {"noise": args.noise}
    if args.max_turns is not None:
        changes["max_turns"] = args.max_turns
    if args.patience is not None:
        changes["patience"] = args.patience
    return UserOptions.for_style(args.user_style, **changes)


def simulate_command(args: argparse.Namespace) -> int:
    from rich.console import Console

    from tod.pipeline.config import load_pipeline_config, parse_overrides, with_data_dir
    from tod.simulator.goal_files import read_goals
    from tod.simulator.goals import GoalOptions
    from tod.simulator.report import markdown, result_json, write_report
    from tod.simulator.runner import SimulationSpec, Simulator, build_pipeline, simulate
    from tod.simulator.user_nlu import ReaderRecipe

    if args.min_domains > args.max_domains:
        raise ConfigError(f"--min-domains {args.min_domains} is above --max-domains {args.max_domains}")
    overrides = parse_overrides(args.overrides)
    config = with_data_dir(load_pipeline_config(args.pipeline, overrides), args.data)
    spec = SimulationSpec(
        pipeline=args.pipeline,
        overrides=tuple(sorted(overrides.items())),
        data_dir=args.data,
        cache_dir=args.cache_dir,
        level=args.level,
        held_apart=args.held_apart,
        metric_mode=args.metrics,
        dialogues=args.dialogues,
        seed=args.seed,
        user=_user_options(args),
        goal_options=GoalOptions(
            min_domains=args.min_domains,
            max_domains=args.max_domains,
            fail_rate=args.fail_rate,
            unsatisfiable_rate=args.unsatisfiable_rate,
            booking_rate=args.booking_rate,
        ),
        reader_model=args.user_nlu,
        reader=ReaderRecipe(dialogues=args.reader_dialogues),
    )
    progress = not args.no_progress
    err = Console(stderr=True)
    pipeline = build_pipeline(spec, progress=progress)
    domain = pipeline.context.domain
    if args.goals:
        goal_file = read_goals(args.goals, domain)
        if goal_file.skipped:
            left = ", ".join(f"{k} ({v})" for k, v in goal_file.skipped.most_common(8))
            err.print(f"goals: left out what {domain.name} has no slot for: {left}")
        spec = replace(spec, goals=tuple(goal_file.goals))
    elif args.corpus:
        data_dir = str(config.data_dir) if config.data_dir else None
        spec = replace(spec, stats=_goal_stats(args, dict(domain.schemas), data_dir))
    simulator = Simulator(spec, progress=progress, pipeline=pipeline) if args.workers == 1 else None
    result = simulate(spec, workers=args.workers, progress=progress, simulator=simulator)
    command = ["tod", *getattr(args, "argv", [])]
    if args.out:
        paths = write_report(result, args.out, command)
        err.print(
            f"report: {paths['markdown']}, {paths['json']}; {len(result.failed)} failed dialogue(s) in {paths['failed']}"
        )
    sys.stdout.write(markdown(result_json(result, command)))
    return 0
