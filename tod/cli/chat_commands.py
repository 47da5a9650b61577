"""Handler of ``tod chat``: an interactive console, or one reply per line of piped input."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from tod.errors import ConfigError

HELP = "/state  belief, last acts, matches   /reset  new conversation   /debug  toggle details   /quit  leave"


def parse_overrides(items: list[str]) -> dict[str, str]:
    """``["policy.confirm_below=0.4"]`` -> ``{"policy.confirm_below": "0.4"}``; a malformed item is a ConfigError.

    ``fallback.name=openai`` changes the component; other ``stage.key`` entries are its parameters
    (:func:`tod.pipeline.config.apply_overrides`).
    """
    out: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ConfigError(f"--set expects STAGE.PARAM=VALUE or KEY=VALUE, found {item!r}")
        out[key.strip()] = value.strip()
    return out


def build_pipeline(args: argparse.Namespace) -> Any:
    from tod.pipeline.config import load_pipeline_config, with_data_dir
    from tod.pipeline.pipeline import Pipeline

    config = load_pipeline_config(args.pipeline, parse_overrides(args.overrides))
    config = with_data_dir(config, args.data)
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


def run_chat(pipeline: Any, lines: TextIO, console: Console, debug: bool = False) -> int:
    """The conversation loop: commands start with ``/``; everything else is a user turn."""
    if console.interactive:
        console.info(f"tod chat - {pipeline.name}. {HELP}")
        console.reply(pipeline.nlg.generate([_welcome()], pipeline.state))
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
        console.reply(turn.text)
        if debug:
            console.info(_debug_line(pipeline))
    return 0


def _welcome() -> Any:
    from tod.acts import DialogueAct
    from tod.policy.base import GENERAL

    return DialogueAct("welcome", GENERAL)


def chat(args: argparse.Namespace) -> int:
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    pipeline = build_pipeline(args)
    console = Console(interactive, sys.stdout)
    try:
        return run_chat(pipeline, sys.stdin, console, debug=args.debug)
    except KeyboardInterrupt:
        if interactive:
            console.info("bye")
        return 0
