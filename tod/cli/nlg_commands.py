"""Handler of ``tod evaluate nlg``: the template NLG written from gold acts, scored against the corpus texts."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from tod.cli.options import TOD_FILES, write_json
from tod.dialogue import Dialogue
from tod.errors import ConfigError, DomainError, QueryError
from tod.evaluation.nlg import NLGScores, NLGTurn, database_vocabulary
from tod.evaluation.nlg import evaluate_nlg as score_nlg
from tod.nlg.template import TemplateNLG


def _dialogues(args: argparse.Namespace) -> tuple[Dialogue, ...]:
    path = Path(args.data)
    if not path.exists():
        raise ConfigError(f"--data {path} does not exist; expected the {args.corpus} dialogues")
    if args.corpus == TOD_FILES:
        from tod.data.dialogue_files import load_dialogues

        dialogues = load_dialogues(path)
    else:
        from tod.cli.data_commands import open_corpus

        dialogues = open_corpus(str(path), args.corpus, [args.split])[args.split]
    return dialogues[: args.max_dialogues] if args.max_dialogues else dialogues


def _vocabulary(args: argparse.Namespace, domain: str, language: str) -> tuple[dict[str, set[str]] | None, str]:
    """The database's values (and where they came from), or ``None`` when the database cannot be opened."""
    from tod.domain.database import open_database

    data = Path(args.data)
    folder = args.domain_data or str(data.parent if data.is_file() else data)
    try:
        database = open_database(domain, data_dir=folder)
    except (DomainError, QueryError, OSError, ValueError) as error:
        return None, f"the acts' values (no database: {str(error)[:160]})"
    return database_vocabulary(database, language), "the database's values"


def _examples(turns: tuple[NLGTurn, ...], n: int) -> list[NLGTurn]:
    """Up to ``n`` turns: those with slot errors first, then the rest, each in corpus order."""
    wrong = [t for t in turns if t.errors.missing or t.errors.redundant]
    right = [t for t in turns if not (t.errors.missing or t.errors.redundant)]
    return (wrong + right)[:n] if n else []


def _print(scores: NLGScores, title: str, examples: list[NLGTurn]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from tod.evaluation.report import metric_table

    console = Console()
    console.print(
        metric_table(
            title,
            [
                ("turns", str(scores.turns)),
                ("acts", str(scores.acts)),
                ("BLEU", f"{scores.bleu:.2f}"),
                ("slot error rate (%)", f"{100 * scores.slot_error_rate:.2f}"),
                ("  missing values", str(scores.missing)),
                ("  redundant values", str(scores.redundant)),
                ("  values in the acts", str(scores.values)),
                ("acts with only a generic template (%)", f"{100 * scores.generic_share:.2f}"),
                ("slot error rate of the references (%)", f"{100 * scores.reference_slot_error_rate:.2f}"),
            ],
        )
    )
    if scores.generic_by_act:
        table = Table(title="acts written by a generic template", title_justify="left")
        table.add_column("act")
        table.add_column("count", justify="right")
        for act, count in list(scores.generic_by_act.items())[:15]:
            table.add_row(escape(act), str(count))
        console.print(table)
    for turn in examples:
        acts = ", ".join(str(a) for a in turn.acts)
        console.print(escape(f"[{turn.dialogue} #{turn.index}] {acts}"), highlight=False)
        console.print(escape(f"  reference: {turn.reference}"), highlight=False)
        console.print(escape(f"  generated: {turn.generated}"), highlight=False)
        if turn.errors.missing or turn.errors.redundant:
            console.print(
                escape(f"  missing {list(turn.errors.missing)}  redundant {list(turn.errors.redundant)}"),
                highlight=False,
            )


def evaluate_nlg(args: argparse.Namespace) -> int:
    """``tod evaluate nlg``: print the table, write ``--json``; 0 on success."""
    started = time.perf_counter()
    domain = args.domain or ("cityguide" if args.corpus == TOD_FILES else args.corpus)
    nlg = TemplateNLG.for_domain(domain, side=args.side, seed=args.seed, templates=args.templates)
    dialogues = _dialogues(args)
    vocabulary, source = _vocabulary(args, domain, nlg.language)
    scores, turns = score_nlg(nlg, dialogues, vocabulary)
    elapsed = time.perf_counter() - started
    split = "" if args.corpus == TOD_FILES else f" {args.split}"
    title = (
        f"NLG ({nlg.side} templates of {domain}, seed {args.seed}) on {args.corpus}{split}: "
        f"{len(dialogues)} dialogues; redundant values looked for among {source}"
    )
    examples = _examples(turns, args.examples)
    _print(scores, title, examples)
    if args.json:
        payload: dict[str, Any] = {
            **scores.to_dict(),
            "corpus": args.corpus,
            "split": None if args.corpus == TOD_FILES else args.split,
            "side": args.side,
            "domain": domain,
            "templates": nlg.templates.source,
            "seed": args.seed,
            "dialogues": len(dialogues),
            "redundant_vocabulary": source,
            "seconds": round(elapsed, 2),
            "command": "tod " + " ".join(getattr(args, "argv", [])),
            "examples": [t.to_dict() for t in examples],
        }
        write_json(args.json, payload)
    return 0
