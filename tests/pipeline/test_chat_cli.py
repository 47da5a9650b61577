"""`tod chat` over piped standard input: one reply per line, commands, clear errors."""

from __future__ import annotations

import io
import json
from argparse import Namespace

import pytest

from tod.cli.chat_commands import Console, run_chat
from tod.cli.main import main
from tod.errors import ConfigError
from tod.pipeline.config import parse_overrides


def chat_lines(pipeline, lines: list[str], debug: bool = False) -> list[str]:
    out = io.StringIO()
    pipeline.reset()
    run_chat(pipeline, io.StringIO("".join(line + "\n" for line in lines)), Console(False, out), debug=debug)
    return out.getvalue().splitlines()


def test_one_reply_per_input_line(tiny_pipeline):
    lines = ["hello", "", "a cheap restaurant", "x" * 5000, "thanks"]
    replies = chat_lines(tiny_pipeline, lines)
    assert len(replies) == len(lines)
    assert all(reply.strip() for reply in replies)


def test_commands_do_not_count_as_turns(tiny_pipeline, capsys):
    replies = chat_lines(tiny_pipeline, ["hello", "/state", "/reset", "/help", "/debug", "hi", "/quit", "never read"])
    state = json.loads(replies[1])
    assert state["turns"] == 1 and set(state) >= {"belief", "user_acts", "system_acts", "matches", "route"}
    assert len(replies) == 3  # hello, the /state line, hi
    assert "route" in capsys.readouterr().err  # /debug printed details for "hi" on stderr


@pytest.mark.parametrize("items, message", [(["nodot"], "STAGE.PARAM=VALUE"), (["=3"], "STAGE.PARAM=VALUE")])
def test_malformed_overrides_are_clear(items, message):
    with pytest.raises(ConfigError, match=message):
        parse_overrides(items)


def test_the_command_line_reports_bad_pipelines(tmp_path, capsys):
    assert main(["chat", "--pipeline", "nowhere"]) == 2
    assert "unknown pipeline 'nowhere'" in capsys.readouterr().err
    assert main(["chat", "--set", "policy.colour=red"]) == 2
    assert "unknown parameter 'colour' of policy component 'rule'" in capsys.readouterr().err
    assert main(["chat", "--set", "nlu.name=telepathy"]) == 2
    assert "unknown NLU component 'telepathy'" in capsys.readouterr().err


def test_chat_help_explains_the_commands(capsys):
    with pytest.raises(SystemExit) as done:
        main(["chat", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "/state" in text and "one reply per line" in text and "--pipeline" in text


def test_the_chat_handler_runs_end_to_end_on_piped_input(tiny_pipeline_overrides, tiny_cache, monkeypatch, capsys):
    import sys

    from tod.cli import chat_commands

    monkeypatch.setattr(sys, "stdin", io.StringIO("hello\nthanks, bye\n"))
    args = Namespace(
        pipeline="cityguide",
        data=None,
        overrides=[f"{k}={v}" for k, v in tiny_pipeline_overrides.items()],
        debug=False,
        cache_dir=str(tiny_cache),
        no_progress=True,
    )
    assert chat_commands.chat(args) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
