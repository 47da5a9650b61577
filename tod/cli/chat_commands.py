"""Handler of ``tod chat``: an interactive console, or one reply per line of piped input."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from tod.errors import ConfigError

if TYPE_CHECKING:
    from tod.cli.chat_session import ChatSession

HELP = "/state  belief, last acts, matches   /reset  new conversation   /debug  toggle details   /quit  leave"


def load_config(args: argparse.Namespace) -> Any:
    """The checked pipeline configuration that ``--pipeline``, ``--set`` and ``--data`` describe."""
    from tod.pipeline.config import load_pipeline_config, parse_overrides, with_data_dir

    config = load_pipeline_config(args.pipeline, parse_overrides(args.overrides))
    return with_data_dir(config, args.data)


def build_pipeline(args: argparse.Namespace, config: Any = None) -> Any:
    """The pipeline of ``config`` (by default the one the arguments describe), built or loaded."""
    from tod.pipeline.pipeline import Pipeline

    config = load_config(args) if config is None else config
    return Pipeline.from_config(config, cache_dir=args.cache_dir, progress=not args.no_progress)


def _one_line(text: str) -> str:
    return " ".join(text.split())


class Console:
    """What the chat prints, plain for pipes and styled (rich) for terminals."""

    def __init__(self, interactive: bool, out: TextIO) -> None:
        self.interactive = interactive
        self.out = out
        self.rich = None
        if interactive:
            from rich.console import Console as RichConsole

            self.rich = RichConsole(file=out, highlight=False)

    def reply(self, text: str) -> None:
        if self.rich is not None:
            from rich.text import Text

            self.rich.print(Text("bot: ", style="bold cyan") + Text(text))
        else:
            print(_one_line(text), file=self.out, flush=True)

    def info(self, text: str) -> None:
        if self.rich is not None:
            from rich.text import Text

            self.rich.print(Text(text, style="dim"))
        else:
            print(text, file=sys.stderr, flush=True)

    def state(self, pipeline: Any) -> None:
        state = pipeline.state
        summary = {
            "belief": state.belief.to_dict(),
            "user_acts": [str(a) for a in state.user_acts],
            "system_acts": [str(a) for a in state.system_acts],
            "matches": {d: r.count for d, r in state.db.items()},
            "route": state.route,
            "turns": state.turn_count,
        }
        if self.rich is not None:
            from rich.pretty import Pretty

            self.rich.print(Pretty(summary))
        else:
            print(json.dumps(summary, ensure_ascii=False), file=self.out, flush=True)


def _debug_line(pipeline: Any) -> str:
    last = pipeline.last
    if last is None:
        return ""
    t = last.timings
    total = (t.nlu + t.dst + t.policy + t.nlg + t.fallback) * 1000
    return (
        f"  user acts: {', '.join(map(str, last.nlu.acts)) or '-'}  (confidence {last.nlu.confidence:.2f}, "
        f"route {last.route})\n  system acts: {', '.join(map(str, last.turn.acts)) or '-'}\n"
        f"  time: {total:.1f} ms (nlu {t.nlu * 1000:.1f}, dst {t.dst * 1000:.1f}, policy {t.policy * 1000:.1f}, "
        f"nlg {t.nlg * 1000:.1f}, fallback {t.fallback * 1000:.1f})"
    )


def run_chat(
    pipeline: Any, lines: TextIO, console: Console, debug: bool = False, session: ChatSession | None = None
) -> int:
    """The conversation loop: commands start with ``/``; everything else is a user turn.

    With a ``session``, every completed turn's state is committed to it before the reply is shown,
    and ``/reset`` forgets the stored conversation too."""
    if console.interactive:
        console.info(f"tod chat - {pipeline.name}. {HELP}")
        said = pipeline.state.last_system_turns(1)
        # a resumed conversation shows where it stopped rather than greeting again
        console.reply(said[0].text if said else pipeline.nlg.generate([_welcome()], pipeline.state))
    while True:
        if console.interactive:
            try:
                line = console.rich.input("[bold green]you:[/] ")  # type: ignore[union-attr]
            except EOFError:
                break
        else:
            line = lines.readline()
            if not line:
                break
        text = line.rstrip("\n")
        command = text.strip().lower()
        if command in ("/quit", "/exit"):
            break
        if command == "/reset":
            pipeline.reset()
            if session is not None:
                session.reset()
            console.info("(new conversation)")
            continue
        if command == "/state":
            console.state(pipeline)
            continue
        if command == "/debug":
            debug = not debug
            console.info(f"(debug {'on' if debug else 'off'})")
            continue
        if command == "/help":
            console.info(HELP)
            continue
        turn = pipeline.respond(text)
        if session is not None:
            session.save(pipeline.state)  # committed before the reply is shown: a seen reply is never lost
        console.reply(turn.text)
        if debug:
            console.info(_debug_line(pipeline))
    return 0


def _welcome() -> Any:
    from tod.acts import GENERAL, DialogueAct

    return DialogueAct("welcome", GENERAL)


def chat(args: argparse.Namespace) -> int:
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    name, store = getattr(args, "session", None), getattr(args, "store", None)
    if name is None and store is not None:
        raise ConfigError("--store keeps the conversations of --session: give --session NAME too")
    config = load_config(args)
    session = _open_session(name, store, config.name) if name is not None else None
    try:
        # the store is read before the (possibly slow) build, so a bad one fails at once
        resumed = session.resume() if session is not None else None
        pipeline = build_pipeline(args, config)
        console = Console(interactive, sys.stdout)
        if resumed is not None:
            pipeline.state = resumed
            ended = " (the conversation had ended; /reset starts a new one)" if resumed.over else ""
            console.info(f"resumed session {name} at turn {resumed.turn_count}{ended}")
        try:
            return run_chat(pipeline, sys.stdin, console, debug=args.debug, session=session)
        except KeyboardInterrupt:
            if interactive:
                console.info("bye")
            return 0
    finally:
        if session is not None:
            session.close()


def _open_session(name: str, store: str | None, pipeline_name: str) -> ChatSession:
    from tod.cli.chat_session import ChatSession, pause_from_env
    from tod.store import default_store_path

    if store is not None and not store.strip():
        raise ConfigError(f"--store expects an SQLite file's path or a postgresql:// URL, found {store!r}")
    return ChatSession.open(name, store or default_store_path(pipeline_name), pause_from_env())
