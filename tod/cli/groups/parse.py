"""``tod parse``: print what a trained NLU model reads in each utterance, as JSON lines."""

from __future__ import annotations

import argparse

NAME = "parse"
HELP = "parse text with a trained NLU model (one JSON line per utterance)"

EPILOG = """\
examples:
  tod parse --model models/atis "show me flights from boston to denver"
  printf 'a cheap hotel\\nin the north\\n' | tod parse --model models/mwz-acts
"""


def add(commands: argparse._SubParsersAction) -> None:
    """Add ``tod parse`` to the top-level sub-commands."""
    p = commands.add_parser(
        NAME,
        help=HELP,
        description=(
            "Print the NLU result (intents with scores, slot spans with character offsets, dialogue "
            "acts, confidence) as one JSON object per line, for each TEXT argument or, without "
            "arguments, for each line of standard input."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--model", required=True, metavar="MODEL_DIR", help="a directory saved by 'tod train nlu'")
    p.add_argument("text", nargs="*", help="utterances to parse (default: read lines from stdin)")
    p.set_defaults(handler="tod.cli.nlu_commands:parse_text")
