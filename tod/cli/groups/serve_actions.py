"""``tod serve-actions``: the pipeline as Rasa custom actions (argparse only: nothing heavy is imported here)."""

from __future__ import annotations

import argparse

from tod.cli.options import add_pipeline_options, kilobytes, port

NAME = "serve-actions"
HELP = "serve the pipeline as Rasa custom actions (a rasa-sdk action server)"

EPILOG = """\
actions:
  action_tod_respond   run the pipeline on the tracker's latest message; reply as a response, the
                       state as slots tod_turn, tod_belief, tod_acts (declare them in domain.yml)
  action_tod_reset     forget the conversation, clear tod's slots, say the opening line

Rasa's intent and entities are used when they map to tod acts (entities named like
restaurant-food or food, intents inform/request/greet/...; --rasa-map for other names), tod's NLU
otherwise. Each conversation's state is kept in --store and in the tracker's slots, so a restart of
the server loses no answered turn. Several servers behind a load balancer share one PostgreSQL
--store (a turn may then go to any of them); with an SQLite --store keep to one machine. Malformed
calls get 4xx JSON errors: 400 bad body or tracker, 404 unknown action, 413 body over --max-body-kb,
415 unknown Content-Encoding; 409 when the same turn ran on two servers at once (one result is kept);
each refusal is logged with its reason. Rasa's entities and tod's slots are checked against the
ontology: a value that does not fit its slot (people=2018, area=true, markup) is dropped and logged,
never booked or echoed.

examples:
  tod serve-actions                                  the city guide on http://127.0.0.1:5055/webhook
  tod serve-actions --pipeline my.yaml --port 5056 --store states.sqlite3
  tod serve-actions --actions actions                tod's actions and those of the package 'actions'
  tod serve-actions --host 0.0.0.0                   reachable from other machines (e.g. Rasa in Docker)
  tod serve-actions --acts-only                      Rasa's NLU only: no tod model is loaded, starts in seconds
  PGPASSWORD=... tod serve-actions --store postgresql://tod@db.internal:5432/tod --host 0.0.0.0
                                                     one of several servers sharing one store

See docs/rasa.md and examples/rasa_bot/ (a Rasa 3.x project wired to this server).
"""


def history_turns(text: str) -> int:
    """``--history-turns``: a whole number from 2 (one exchange) to 100,000."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of turns, found {text!r}") from None
    if not 2 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"expected 2 to 100000 turns, found {value}")
    return value


def add(commands: argparse._SubParsersAction) -> None:
    """Add ``tod serve-actions`` to the top-level sub-commands."""
    p = commands.add_parser(
        NAME,
        help=HELP,
        description=(
            "Start a Rasa action server (rasa-sdk's own server, needs the 'rasa' extra: pip install "
            "'tod[rasa]') with tod's actions registered, so that a Rasa assistant can hand its turns "
            "to tod's understanding, tracking, policy and generator. Point the assistant's endpoints.yml "
            "at http://HOST:PORT/webhook. The pipeline is built once at start-up (the city guide's NLU "
            "trains on the first start, about 2 minutes, then comes from the cache); the server is ready "
            "when GET /health answers. Stop it with Ctrl-C or SIGTERM."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_pipeline_options(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=port, default=5055, help="port to listen on (default: 5055, Rasa's default)")
    p.add_argument(
        "--store",
        metavar="PATH|URL",
        help=(
            "where each conversation's state is kept: an SQLite file (one machine), or a PostgreSQL URL "
            "postgresql://USER@HOST:PORT/DB shared by several servers, its password from PGPASSWORD or "
            "~/.pgpass (default: $TOD_CACHE/states/<pipeline>.sqlite3)"
        ),
    )
    p.add_argument(
        "--rasa-map",
        metavar="FILE",
        help="YAML mapping of Rasa intent and entity names to tod's (keys 'intents', 'entities'; see docs/rasa.md)",
    )
    p.add_argument(
        "--actions",
        action="append",
        default=[],
        metavar="PACKAGE",
        help="also register the rasa-sdk actions of this importable Python package (repeatable)",
    )
    p.add_argument(
        "--max-body-kb",
        type=kilobytes,
        default=65536,
        metavar="KIB",
        help=(
            "largest request body accepted, in KiB (default: 65536, 64 MiB: Rasa sends every event of the "
            "conversation on every call, 3-5 KB more per turn, so about 13,000 turns); larger bodies get HTTP 413"
        ),
    )
    p.add_argument(
        "--cors",
        default="",
        metavar="ORIGIN",
        help="origins allowed to call from a browser ('*' for any; default: none)",
    )
    p.add_argument(
        "--acts-only",
        action="store_true",
        help=(
            "build the pipeline without its NLU and fallback (no model is trained or loaded): every turn must "
            "come with a Rasa intent and entities that map to tod acts; a message that does not map gets the "
            "pipeline's 'anything else?' reply and changes no belief (see docs/rasa.md)"
        ),
    )
    p.add_argument(
        "--history-turns",
        type=history_turns,
        default=40,
        metavar="N",
        help=(
            "turns of each conversation's history kept in the store, the latest (default: 40); older turns "
            "are counted, not kept, so a conversation of thousands of turns costs what a short one does"
        ),
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar while the NLU trains")
    p.add_argument(
        "--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"), help="log level (default: INFO)"
    )
    p.set_defaults(handler="tod.cli.rasa_commands:serve_actions")
