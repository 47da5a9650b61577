"""Every ``tod ...`` example in the help texts and the docs is a command that parses as it stands,
in its current spelling (no deprecation note).

README.md is left out while it is being rewritten (issue 18, item 6); add it here once it is.
"""

from __future__ import annotations

import argparse
import io
import re
import shlex
from pathlib import Path

import pytest

from tod.cli.main import build_parser
from tod.cli.options import resolve_renamed

ROOT = Path(__file__).resolve().parents[2]
#: Documents whose code blocks show tod commands.
DOCUMENTS = sorted(
    [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("data/**/*.md"), *ROOT.glob("examples/**/*.md")]
)
#: A command in a line: at its start, or after a pipe (``echo ... | tod chat``).
COMMAND = re.compile(r"(?:^|\|)\s*(tod(?:\s.*)?)$")


def commands_in(text: str) -> list[str]:
    """The ``tod`` command lines of ``text``: continuations joined, and what follows two spaces or a
    ``#`` (a description or a comment) cut off; optional parts written ``[--x y]`` count as given."""
    joined = re.sub(r"\s*\\\n\s*", " ", text)
    found = []
    for line in joined.splitlines():
        match = COMMAND.search(line.strip())
        if match:
            command = re.split(r"\s{2,}|\s#", match.group(1))[0]
            found.append(command.replace("[", "").replace("]", ""))
    return found


def code_blocks(markdown: str) -> str:
    """The text inside the fenced code blocks of a Markdown document."""
    return "\n".join(re.findall(r"^```[^\n]*\n(.*?)^```", markdown, flags=re.S | re.M))


def help_texts(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()):
    """(command words, description and epilog) of every parser of the tree."""
    yield words, f"{parser.description or ''}\n{parser.epilog or ''}"
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from help_texts(child, (*words, name))


HELP_EXAMPLES = [
    pytest.param(command, id=f"{' '.join(words) or 'tod'}: {command}")
    for words, text in help_texts(build_parser())
    for command in commands_in(text)
]
DOC_EXAMPLES = [
    pytest.param(command, id=f"{path.relative_to(ROOT)}: {command}")
    for path in DOCUMENTS
    for command in commands_in(code_blocks(path.read_text(encoding="utf-8")))
]


def check(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Paths of the shared corpora exist wherever the command is run from (pipeline --data is checked).
    (tmp_path / "shared" / "data" / "multiwoz").mkdir(parents=True)
    (tmp_path / "shared" / "data" / "crosswoz").mkdir(parents=True)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    err = io.StringIO()
    args = resolve_renamed(build_parser().parse_args(shlex.split(command)[1:]), stderr=err)
    assert err.getvalue() == "", command
    assert getattr(args, "handler", None), f"{command}: not a complete command"


def test_the_help_texts_and_docs_show_examples():
    assert len(HELP_EXAMPLES) >= 30 and len(DOC_EXAMPLES) >= 15
    groups = {shlex.split(p.values[0])[1] for p in HELP_EXAMPLES}
    assert groups == {"chat", "train", "evaluate", "simulate", "data", "parse", "serve-actions"}


@pytest.mark.parametrize("command", HELP_EXAMPLES)
def test_a_help_example_parses_in_its_current_spelling(command, tmp_path, monkeypatch):
    check(command, tmp_path, monkeypatch)


@pytest.mark.parametrize("command", DOC_EXAMPLES)
def test_a_doc_example_parses_in_its_current_spelling(command, tmp_path, monkeypatch):
    check(command, tmp_path, monkeypatch)


def test_an_old_spelling_in_an_example_would_be_caught(tmp_path, monkeypatch):
    (command,) = commands_in("  tod data stats multiwoz --data ../shared/data/multiwoz   (counts per split)")
    with pytest.raises(AssertionError):
        check(command, tmp_path, monkeypatch)
