"""``tod chat``: talk to a task bot in the terminal (argparse only: nothing heavy is imported here)."""

from __future__ import annotations

import argparse

from tod.cli.options import add_pipeline_options

NAME = "chat"
HELP = "talk to a task bot in the terminal (the built-in city guide by default)"

EPILOG = """\
commands while chatting:
  /state   the belief state, the last acts and database matches
  /reset   start a new conversation (with --session, the stored one is forgotten too)
  /debug   toggle printing acts, confidence, route and timings every turn
  /help    this list
  /quit    leave (also Ctrl-D or Ctrl-C)

examples:
  tod chat                                        the built-in city guide (trains its NLU once, ~2 min)
  echo "a cheap italian restaurant please" | tod chat     one reply per input line
  tod chat --session alice                        resume conversation 'alice' where it stopped
  tod chat --pipeline multiwoz --data ../shared/data/multiwoz --set nlu.model=models/multiwoz-acts
  tod chat --set fallback.name=openai --set fallback.url=http://127.0.0.1:8080 --set fallback.model=any
"""


def add(commands: argparse._SubParsersAction) -> None:
    """Add ``tod chat`` to the top-level sub-commands."""
    p = commands.add_parser(
        NAME,
        help=HELP,
        description=(
            "Talk to the system a pipeline file describes (NLU -> DST -> policy -> NLG, with a "
            "fallback for out-of-task turns). Without --pipeline it is the built-in city guide of "
            "Harbourton, which needs nothing but tod itself: its NLU is trained on synthesised "
            "dialogues on the first start (a progress bar shows it) and loaded from the cache later. "
            "With standard input not a terminal, it reads one user turn per line and prints one "
            "reply per line, for scripts and tests."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_pipeline_options(p)
    p.add_argument("--debug", action="store_true", help="print the acts, confidence, route and timings of every turn")
    p.add_argument("--no-progress", action="store_true", help="no progress bar while the NLU trains")
    p.add_argument(
        "--session",
        metavar="NAME",
        help=(
            "keep this conversation under NAME, saved after every turn, and resume it on the next start "
            "(1-100 printable characters)"
        ),
    )
    p.add_argument(
        "--store",
        metavar="PATH|URL",
        help=(
            "where --session conversations are kept: an SQLite file, or a PostgreSQL URL "
            "postgresql://USER@HOST:PORT/DB (default: $TOD_CACHE/states/<pipeline>.sqlite3)"
        ),
    )
    p.set_defaults(handler="tod.cli.chat_commands:chat")
