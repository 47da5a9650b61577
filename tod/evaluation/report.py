"""Printing evaluation results as tables on the terminal."""

from __future__ import annotations

from typing import Sequence

from tod.evaluation.nlu import ErrorExample, NLUScores


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


def print_nlu_report(scores: NLUScores, title: str = "", errors: Sequence[ErrorExample] = ()) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    summary = Table(title=title or "NLU evaluation", title_justify="left")
    summary.add_column("metric")
    summary.add_column("value", justify="right")
    summary.add_row("examples", str(scores.examples))
    summary.add_row("intent accuracy", f"{100 * scores.intent_accuracy:.2f}")
    summary.add_row("slot precision", f"{100 * scores.slot_precision:.2f}")
    summary.add_row("slot recall", f"{100 * scores.slot_recall:.2f}")
    summary.add_row("slot F1", f"{100 * scores.slot_f1:.2f}")
    summary.add_row("sentence accuracy", f"{100 * scores.sentence_accuracy:.2f}")
    summary.add_row("gold intents unseen in training", str(scores.unseen_gold_intents))
    summary.add_row("gold tags unseen in training", str(scores.unseen_gold_tags))
    console.print(summary)
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
