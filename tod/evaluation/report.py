"""Printing evaluation results as tables on the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

from tod.metrics.nlu import ErrorExample, NLUScores

if TYPE_CHECKING:
    from rich.table import Table


def _table(title: str, rows: dict[str, dict[str, float]]):
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("label")
    for name in ("precision", "recall", "F1", "support"):
        table.add_column(name, justify="right")
    for label, v in sorted(rows.items(), key=lambda kv: (-kv[1]["support"], kv[0])):
        table.add_row(
            label,
            f"{100 * v['precision']:.2f}",
            f"{100 * v['recall']:.2f}",
            f"{100 * v['f1']:.2f}",
            str(int(v["support"])),
        )
    return table


def metric_table(title: str, rows: Iterable[tuple[str, str]]) -> Table:
    """A two-column (metric, value) table; ``title`` is shown as written (no rich markup)."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(title), title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    return table


def print_nlu_report(scores: NLUScores, title: str = "", errors: Sequence[ErrorExample] = ()) -> None:
    from rich.console import Console

    console = Console()
    console.print(
        metric_table(
            title or "NLU evaluation",
            [
                ("examples", str(scores.examples)),
                ("intent accuracy", f"{100 * scores.intent_accuracy:.2f}"),
                ("slot precision", f"{100 * scores.slot_precision:.2f}"),
                ("slot recall", f"{100 * scores.slot_recall:.2f}"),
                ("slot F1", f"{100 * scores.slot_f1:.2f}"),
                ("sentence accuracy", f"{100 * scores.sentence_accuracy:.2f}"),
                ("gold intents unseen in training", str(scores.unseen_gold_intents)),
                ("gold tags unseen in training", str(scores.unseen_gold_tags)),
            ],
        )
    )
    console.print(_table("per intent", scores.per_intent))
    console.print(_table("per slot (seqeval)", scores.per_slot))
    from rich.markup import escape

    for e in errors:
        console.print(f"[bold]{escape(' '.join(e.tokens))}[/bold]", highlight=False)
        if e.gold_intent != e.pred_intent:
            console.print(escape(f"  intent: gold {e.gold_intent}  predicted {e.pred_intent}"), highlight=False)
        for word, g, p in zip(e.tokens, e.gold_tags, e.pred_tags):
            if g != p:
                console.print(escape(f"  {word}: gold {g}  predicted {p}"), highlight=False)
