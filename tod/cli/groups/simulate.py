"""``tod simulate``: the command line of the user simulator (argparse only; the work is in sim_commands)."""

from __future__ import annotations

import argparse

from tod.cli.options import (
    CORPORA,
    HelpFormatter,
    add_corpus,
    add_out,
    add_pipeline_options,
    fraction,
    non_negative_int,
    positive_int,
    rename,
)

NAME = "simulate"
HELP = "run a system against simulated users and measure task success"

EPILOG = """\
examples:
  tod simulate --dialogues 1000 --seed 0 --out runs/cityguide-act
  tod simulate --pipeline multiwoz --data ../shared/data/multiwoz --corpus multiwoz \\
      --dialogues 1000 --level act --out runs/mwz-act
  tod simulate --pipeline multiwoz --set nlu.model=models/mwz-acts --level text --workers 2 --out runs/mwz-text
  tod simulate --pipeline multiwoz --data ../shared/data/multiwoz --level act \
      --goals ../shared/data/convlab-eval/convlab2_dialogues.jsonl --user-style convlab --out runs/mwz-convlab

Goals are drawn from the domain's ontology and database (--corpus also follows a corpus's goal
statistics) or read from a file (--goals: JSON lines in ConvLab's goal format or tod's, or dialogue
records with a "goal", such as ConvLab's 1,000 dialogues in ../shared/data/convlab-eval).
MultiWOZ's numbers are reported in the 'convlab' metric mode (ConvLab-2's evaluator) beside tod's own. At text
level the simulated user reads the system with its own NLU, trained once on the system's
utterances and cached (a few minutes on the first run). K workers give the same numbers as one.
Writes OUT/simulation.json, OUT/report.md and OUT/failed.jsonl.
"""


def add(commands: argparse._SubParsersAction) -> None:
    """Add ``tod simulate`` to the top-level sub-commands."""
    p = commands.add_parser(
        NAME,
        help=HELP,
        description=(
            "Run the system a pipeline describes against an agenda-based simulated user (Schatzmann "
            "et al. 2007) for N dialogues and report ConvLab's task metrics: success, complete and "
            "book rates, inform precision/recall/F1 and average turns."
        ),
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    add_pipeline_options(p)
    p.add_argument("--dialogues", type=positive_int, default=100, metavar="N", help="how many dialogues")
    p.add_argument("--seed", type=non_negative_int, default=0, metavar="S", help="seed of the goals and the users")
    p.add_argument("--workers", type=positive_int, default=1, metavar="K", help="worker processes (same numbers as 1)")
    p.add_argument(
        "--level",
        choices=("act", "text"),
        default="act",
        help="dialogue acts, or text through NLU and NLG on both sides",
    )
    p.add_argument(
        "--held-apart",
        action="store_true",
        help="text level: the system's NLU is trained on one half of the user templates and the simulated "
        "user speaks the other half (wording the NLU never trained on; tod.nlg.halves)",
    )
    p.add_argument(
        "--metrics",
        choices=("convlab", "tod"),
        default=None,
        help="the metric mode of the headline numbers: 'convlab' (ConvLab-2's evaluator, verdict for verdict; "
        "the default for MultiWOZ, the numbers to compare with ConvLab and MultiWOZ papers) or 'tod' (tod's "
        "stricter definitions; the default elsewhere). Every mode the domain has is reported",
    )
    add_out(p, "write simulation.json, report.md and failed.jsonl here")
    goals = p.add_argument_group("goals")
    goals.add_argument(
        "--goals",
        metavar="FILE",
        help="read goals from FILE (.jsonl or .json; ConvLab's format or tod's) instead of drawing them",
    )
    corpus = add_corpus(
        goals, CORPORA,
        "follow the goal statistics of this corpus (e.g. multiwoz, crosswoz), read from --data or the pipeline's "
        "data_dir",
    )
    rename(p, corpus, "--goal-corpus")
    split = goals.add_argument(
        "--split", default="val", metavar="NAME", help="with --corpus: the split whose goals give the statistics"
    )
    rename(p, split, "--goal-split")
    goals.add_argument("--min-domains", type=positive_int, default=1, help="sub-domains per drawn goal, at least")
    goals.add_argument("--max-domains", type=positive_int, default=3, help="sub-domains per drawn goal, at most")
    goals.add_argument(
        "--fail-rate", type=fraction, default=0.1, help="share of sub-goals that first try constraints nothing meets"
    )
    goals.add_argument("--unsatisfiable-rate", type=fraction, default=0.0, help="share of goals nothing can satisfy")
    goals.add_argument(
        "--booking-rate",
        type=fraction,
        default=0.5,
        help="share of bookable sub-goals that book (without --corpus)",
    )
    user = p.add_argument_group("simulated user")
    user.add_argument(
        "--user-style",
        choices=("tod", "convlab"),
        default="tod",
        help="'tod': closes with thanks and bye, leaves after --patience turns without news; 'convlab': closes, "
        "waits and stops as ConvLab-2's agenda user (bye alone, no patience limit, 20 user turns, 4 acts a turn), "
        "for turn counts comparable with ConvLab's",
    )
    user.add_argument(
        "--max-turns", type=positive_int, default=None, help="user turns before the user gives up (default 20)"
    )
    user.add_argument(
        "--patience", type=positive_int, default=None,
        help="system turns without anything new before the user leaves (default 3; the 'convlab' style has none)",
    )
    user.add_argument(
        "--noise", type=fraction, default=0.0, help="probability that an act is held back to a later turn"
    )
    user.add_argument(
        "--user-nlu", metavar="DIR", help="text level: the user's NLU model (default: trained and cached)"
    )
    user.add_argument(
        "--reader-dialogues",
        type=positive_int,
        default=1200,
        metavar="N",
        help="text level: act-level dialogues whose system turns train the user's NLU",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(handler="tod.cli.sim_commands:simulate_command")
