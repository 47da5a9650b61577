"""``tod data``: inspect (stats) and check (validate) a dialogue corpus in its official format."""

from __future__ import annotations

import argparse

from tod.cli.options import CORPORA, HelpFormatter, add_corpus, add_data, add_json, non_negative_int, rename

NAME = "data"
HELP = "inspect (stats) and check (validate) a dialogue corpus"

EPILOG = """\
examples:
  tod data stats --corpus multiwoz --data ../shared/data/multiwoz
  tod data stats --corpus crosswoz --data ../shared/data/crosswoz/val.json.zip --json stats.json
  tod data validate --corpus woz --data ../shared/data/woz        (exit status 1 if there is any problem)
"""


def add(commands: argparse._SubParsersAction) -> None:
    """Add ``tod data stats`` and ``tod data validate`` to the top-level sub-commands."""
    data = commands.add_parser(
        NAME,
        help=HELP,
        description="Inspect (stats) and check (validate) a dialogue corpus in its official format.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = data.add_subparsers(dest="action", metavar="ACTION")

    stats = actions.add_parser(
        "stats",
        help="count dialogues, turns, acts, spans, domains and slots per split",
        description=(
            "Load a corpus and print, per split: dialogues, turns (user / system), dialogue acts, "
            "annotated spans, turns with a belief state, the domains of the goals, the act domains "
            "and intents, the act slots, and descriptive fields such as CrossWOZ's dialogue type. "
            "A malformed corpus stops with an error naming the file, dialogue and turn; see "
            "'tod data validate' to list every problem."
        ),
        formatter_class=HelpFormatter,
    )
    _add_common(stats)
    stats.set_defaults(handler="tod.cli.data_commands:stats")

    validate = actions.add_parser(
        "validate",
        help="list every problem in a corpus; exit status 1 if there is any",
        description=(
            "Load a corpus leniently (a malformed dialogue is skipped and reported instead of "
            "stopping the load) and check every dialogue: speakers alternating from the user, "
            "empty utterances, spans over white space, duplicate IDs. Prints each problem and "
            "exits with status 1 if there is any, 0 if the corpus is clean. Annotations a loader left "
            "out of good dialogues (e.g. MultiWOZ spans that cover no word) are printed as warnings. "
            "A file that cannot be read at all (missing, not a zip, not JSON) is an error (status 2)."
        ),
        formatter_class=HelpFormatter,
    )
    _add_common(validate)
    validate.add_argument("--limit", type=non_negative_int, default=50, help="print at most this many problems")
    validate.set_defaults(handler="tod.cli.data_commands:validate")


def _add_common(p: argparse.ArgumentParser) -> None:
    """The options of both actions; the corpus was positional before ``--corpus`` (still accepted, deprecated)."""
    corpus = add_corpus(p, CORPORA, "corpus format of --data", required=True)
    rename(p, corpus, "CORPUS")
    add_data(
        p, "the corpus directory (e.g. ../shared/data/multiwoz) or one split file (e.g. val.json.zip)", required=True
    )
    p.add_argument("--split", action="append", metavar="NAME", help="only this split (repeatable)")
    add_json(p, "the result")
