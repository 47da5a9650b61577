"""Printing dialogue-act scores (:mod:`tod.metrics.acts`) as tables on the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from tod.metrics.acts import ActError, ActScores

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

#: How an empty intent or domain (``bye()`` has no domain) is labelled in tables.
NO_NAME = "(none)"


def breakdown_table(title: str, rows: dict[str, dict[str, float]]) -> Table:
    """A precision/recall/F1/support table (percentages), largest support first."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(title), title_justify="left")
    table.add_column("label")
    for name in ("precision", "recall", "F1", "support"):
        table.add_column(name, justify="right")
    for label, v in sorted(rows.items(), key=lambda kv: (-kv[1]["support"], kv[0])):
        table.add_row(
            escape(label or NO_NAME),
            f"{100 * v['precision']:.2f}",
            f"{100 * v['recall']:.2f}",
            f"{100 * v['f1']:.2f}",
            str(int(v["support"])),
        )
    return table


def summary_table(scores: ActScores, title: str = "") -> Table:
    """The headline numbers of ``scores`` as a two-column table."""
    from tod.evaluation.report import metric_table

    return metric_table(
        title or "Dialogue act evaluation",
        [
            ("utterances", str(scores.utterances)),
            ("act precision", f"{100 * scores.precision:.2f}"),
            ("act recall", f"{100 * scores.recall:.2f}"),
            ("act F1", f"{100 * scores.f1:.2f}"),
            ("utterance accuracy", f"{100 * scores.utterance_accuracy:.2f}"),
            ("true / false positives", f"{scores.tp} / {scores.fp}"),
            ("false negatives", str(scores.fn)),
        ],
    )


def print_act_report(
    scores: ActScores,
    title: str = "",
    errors: Sequence[ActError] = (),
    console: Console | None = None,
) -> None:
    """Print the summary, the per-intent and per-domain tables and then ``errors`` (from ``act_errors``)."""
    from rich.console import Console
    from rich.markup import escape

    console = console or Console()
    console.print(summary_table(scores, title))
    console.print(breakdown_table("per intent", scores.per_intent))
    console.print(breakdown_table("per domain", scores.per_domain))
    for e in errors:
        console.print(f"[bold]{escape(f'{e.index}: {e.text}')}[/bold]", highlight=False)
        for act in e.missing:
            console.print(escape(f"  missing {act}"), highlight=False)
        for act in e.extra:
            console.print(escape(f"  extra   {act}"), highlight=False)
