"""Handler of ``tod evaluate conversations``: run scripted human-written conversations and score them."""

from __future__ import annotations

import argparse
import sys

from tod.errors import EvaluationError


def evaluate_conversations(args: argparse.Namespace) -> int:
    from tod.cli.chat_commands import build_pipeline
    from tod.cli.options import write_json
    from tod.data.conversations import check_against_domain, load_conversations
    from tod.evaluation.conversations import evaluate_conversations as evaluate
    from tod.evaluation.conversations import render_report
    from tod.files import write_atomically

    conversations = load_conversations(args.conversations)
    if args.only:
        unknown = sorted(set(args.only) - {c.id for c in conversations})
        if unknown:
            raise EvaluationError(f"no conversation {unknown} in {args.conversations}")
        conversations = [c for c in conversations if c.id in set(args.only)]
    pipeline = build_pipeline(args)
    problems = [p for c in conversations for p in check_against_domain(c, pipeline.context.domain, pipeline.context.database)]
    if problems:
        raise EvaluationError(
            f"the conversations do not fit the pipeline's domain {pipeline.context.domain.name}: "
            + "; ".join(problems[:5])
            + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
        )
    report = evaluate(pipeline, conversations, progress=not args.no_progress, source=str(args.conversations))
    text = render_report(report, transcripts=args.transcripts)
    sys.stdout.write(text)
    if args.report:
        from pathlib import Path

        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        write_atomically(Path(args.report), text)
    if args.json:
        write_json(args.json, report.to_dict())
    return 0
