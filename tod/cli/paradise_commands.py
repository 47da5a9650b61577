"""Handler of ``tod evaluate paradise``: fit, cross-validate, transfer and apply a PARADISE model."""

from __future__ import annotations

import argparse
import shlex
import time
from pathlib import Path

from tod.dialogue import Dialogue
from tod.errors import ConfigError


def _rated(path: str, options, classes):
    """Rated dialogues from a USS rating file, or from tod's rated-dialogue files (.jsonl/.json, or a
    directory of them), which can carry goals and belief states for ``--kappa goal``."""
    from tod.evaluation.paradise.study import rated_set

    where = Path(path)
    if where.is_dir() or where.suffix in (".jsonl", ".json"):
        from tod.data.dialogue_files import load_rated_dialogues

        rated = load_rated_dialogues(where)
    else:
        from tod.data.uss import load_uss

        rated = load_uss(where)
    return rated_set(where.stem, rated, options, classes)


def _dialogue_sets(args: argparse.Namespace) -> list[tuple[str, tuple[Dialogue, ...]]]:
    sets = []
    for entry in args.data:
        path = Path(entry)
        if args.corpus:
            from tod.cli.data_commands import open_corpus

            corpus = open_corpus(entry, args.corpus, [args.split] if args.split else None)
            for split, dialogues in corpus.splits.items():
                sets.append((f"{args.corpus} {split} ({path.name})", dialogues))
        else:
            from tod.data.dialogue_files import load_dialogues

            sets.append((path.name, load_dialogues(path)))
    return sets


def evaluate_paradise(args: argparse.Namespace) -> int:
    from tod.evaluation.paradise.classes import load_act_classes
    from tod.evaluation.paradise.study import StudyOptions

    if args.ratings is None and args.model is None:
        raise ConfigError("give --ratings FILE (fit a model on rated dialogues) or --model FILE (apply a saved one)")
    if args.model is not None and (args.ratings is not None or args.transfer_from is not None):
        raise ConfigError("--model applies a saved model; it cannot be combined with --ratings or --transfer-from")
    if args.model is not None and not args.data:
        raise ConfigError("--model needs --data: the dialogues to predict performance for")
    if args.split and not args.corpus:
        raise ConfigError("--split selects a split of a corpus; give --corpus too")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} exists and is not a directory")
    classes = load_act_classes(args.act_classes)
    options = StudyOptions(
        kappa_source=args.kappa, folds=args.folds, seed=args.seed, resamples=args.bootstrap, confidence=args.confidence
    )
    started = time.perf_counter()
    dialogue_sets = _dialogue_sets(args)
    command = "tod " + shlex.join(args.argv)
    if args.model is not None:
        return _apply_saved(args, dialogue_sets, options, classes, out)

    from tod.evaluation.paradise.report import write_report
    from tod.evaluation.paradise.study import run_study

    ratings = _rated(args.ratings, options, classes)
    source = None if args.transfer_from is None else _rated(args.transfer_from, options, classes)
    study = run_study(ratings, options, transfer_from=source, apply_to=dialogue_sets, classes=classes)
    report = write_report(study, out, command=command)
    _print_summary(study, report, time.perf_counter() - started)
    return 0


def _apply_saved(args, dialogue_sets, options, classes, out: Path) -> int:

    from tod.evaluation.paradise.model import ParadiseModel
    from tod.evaluation.paradise.study import apply_model

    model = ParadiseModel.load(args.model)
    applied = [apply_model(model, name, dialogues, options, classes) for name, dialogues in dialogue_sets]
    out.mkdir(parents=True, exist_ok=True)
    payload = {"model": str(args.model), "applied": [a.to_dict() for a in applied]}
    from tod.cli.options import write_json

    write_json(out / "applied.json", payload)
    for a in applied:
        p = a.performance
        print(f"{a.name}: {a.n} dialogues, predicted satisfaction {p.value:.3f} [{p.low:.3f}, {p.high:.3f}]")
    print(f"written: {out / 'applied.json'}")
    return 0


def _print_summary(study, report: Path, seconds: float) -> None:
    full, base, gain = study.full.spearman, study.baseline.spearman, study.gain
    table = study.ratings.table
    print(f"{study.ratings.name}: {len(table.ids)} rated dialogues, κ source {table.kappa_source}")
    print(f"  CV Spearman PARADISE   {full.value:.3f} [{full.low:.3f}, {full.high:.3f}]")
    print(f"  CV Spearman turns only {base.value:.3f} [{base.low:.3f}, {base.high:.3f}]")
    print(f"  gain                   {gain.value:+.3f} [{gain.low:+.3f}, {gain.high:+.3f}]")
    print(f"  R² of the fit          {study.model.r2:.3f}")
    if study.transfer is not None:
        t, own = study.transfer, study.transfer.own_statistics
        print(f"  transfer {t.source} -> {t.target}: Spearman {own.value:.3f} [{own.low:.3f}, {own.high:.3f}]")
    for a in study.applied:
        p = a.performance
        print(f"  {a.name}: predicted satisfaction {p.value:.3f} [{p.low:.3f}, {p.high:.3f}] over {a.n} dialogues")
    print(f"report: {report} ({seconds:.1f} s)")
