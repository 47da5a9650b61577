"""Handlers of ``tod data stats`` and ``tod data validate``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from tod.cli.options import write_json
from tod.data.corpus import Corpus, load_corpus
from tod.data.stats import SplitStats, check_corpus, corpus_stats
from tod.errors import ConfigError

#: A descriptive field with more distinct values than this is summarised, not tabulated.
MAX_INFO_VALUES = 20

_COUNT_ROWS = (
    ("dialogues", "dialogues"),
    ("turns", "turns"),
    ("user turns", "user_turns"),
    ("system turns", "system_turns"),
    ("dialogue acts", "acts"),
    ("spans", "spans"),
    ("turns with a state", "turns_with_state"),
)


def open_corpus(data: str, name: str, splits: list[str] | None = None, lenient: bool = False) -> Corpus:
    """The corpus ``name`` at ``--data``; a missing path is a ConfigError saying what was expected."""
    path = Path(data)
    if not path.exists():
        raise ConfigError(f"--data {path} does not exist; expected the {name} corpus directory or a split file")
    return load_corpus(name, path, splits=splits, lenient=lenient)


def _load(args: argparse.Namespace, lenient: bool) -> tuple[Corpus, float]:
    started = time.perf_counter()
    corpus = open_corpus(args.data, args.corpus, args.split, lenient)
    return corpus, time.perf_counter() - started


def _write_json(path: str | None, payload: dict[str, Any]) -> None:
    if path:
        write_json(path, payload)


def _breakdown_rows(stats: dict[str, SplitStats], attribute: str) -> dict[str, list[int]]:
    keys: dict[str, None] = {}
    for split in stats.values():
        keys.update(dict.fromkeys(getattr(split, attribute)))
    return {key: [getattr(split, attribute).get(key, 0) for split in stats.values()] for key in keys}


def stats(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    corpus, seconds = _load(args, lenient=False)
    per_split = corpus_stats(corpus)
    console = Console()
    splits = list(per_split)

    def table(title: str, rows: dict[str, list[int]]) -> None:
        if not rows:
            return
        console.print(f"[bold]{title}[/bold]")
        grid = Table()
        grid.add_column("")
        for split in splits:
            grid.add_column(split, justify="right")
        for label, values in rows.items():
            grid.add_row(label, *(f"{v:,}" for v in values))
        console.print(grid)

    table(
        f"{corpus.name}: {args.data} (loaded in {seconds:.2f} s)",
        {label: [getattr(per_split[s], key) for s in splits] for label, key in _COUNT_ROWS},
    )
    table("dialogues per goal domain", _breakdown_rows(per_split, "goal_domains"))
    table("acts per domain", _breakdown_rows(per_split, "act_domains"))
    table("acts per intent", _breakdown_rows(per_split, "act_intents"))
    info_keys = dict.fromkeys(key for s in per_split.values() for key in s.info)
    for key in info_keys:
        values: dict[str, None] = {}
        for s in per_split.values():
            values.update(dict.fromkeys(s.info.get(key, {})))
        if len(values) > MAX_INFO_VALUES:  # an identifier (original_id, line), not a category
            console.print(f"[bold]{key}[/bold]: {len(values):,} distinct values")
            continue
        table(f"dialogues per {key}", {v: [s.info.get(key, {}).get(v, 0) for s in per_split.values()] for v in values})
    for split, s in per_split.items():
        if s.slots:
            console.print(f"[bold]{split}[/bold]: {len(s.slots)} act slots (domain-slot): {', '.join(s.slots)}")
    for warning in corpus.warnings:
        console.print(f"[yellow]warning[/yellow]: {warning}", highlight=False)
    _write_json(
        args.json,
        {
            "corpus": corpus.name,
            "data": str(args.data),
            "splits": {k: v.to_dict() for k, v in per_split.items()},
            "warnings": list(corpus.warnings),
        },
    )
    return 0


def validate(args: argparse.Namespace) -> int:
    corpus, seconds = _load(args, lenient=True)
    problems = check_corpus(corpus)
    dialogues = sum(len(d) for d in corpus.splits.values())
    for warning in corpus.warnings:
        print(f"warning (not counted as a problem): {warning}")
    for problem in problems[: args.limit]:
        print(problem)
    if len(problems) > args.limit:
        print(f"... and {len(problems) - args.limit} more (raise --limit or use --json to see them all)")
    verdict = "OK" if not problems else f"{len(problems)} problem(s)"
    print(
        f"{corpus.name}: {dialogues:,} dialogues in {len(corpus.splits)} split(s) "
        f"({', '.join(corpus.splits)}), {len(corpus.skipped)} skipped, {verdict} ({seconds:.2f} s)"
    )
    _write_json(
        args.json,
        {
            "corpus": corpus.name,
            "data": str(args.data),
            "dialogues": dialogues,
            "skipped": [s.to_dict() for s in corpus.skipped],
            "warnings": list(corpus.warnings),
            "problems": [p.to_dict() for p in problems],
        },
    )
    return 1 if problems else 0
