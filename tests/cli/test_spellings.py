"""One spelling, one meaning: the shared options, the old spellings kept for one release, ``tod --help``."""

from __future__ import annotations

import argparse
import io

import pytest

from tod.cli.groups import chat, data, evaluate, parse, serve_actions, simulate, train
from tod.cli.main import GROUPS, build_parser, main
from tod.cli.options import CORPORA, resolve_renamed
from tod.data.corpus import CORPUS_LOADERS


def parsed(argv: list[str]) -> tuple[argparse.Namespace, str]:
    """The resolved arguments of ``tod ARGV`` and what resolving wrote to stderr."""
    err = io.StringIO()
    args = resolve_renamed(build_parser().parse_args(argv), stderr=err)
    return args, err.getvalue()


def leaves(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()):
    """Every command parser (those without sub-commands), with the words that reach it."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield words, parser
    for sub in subs:
        for name, child in sub.choices.items():
            yield from leaves(child, (*words, name))


# --- old spellings ------------------------------------------------------------------------------------

RENAMED = [
    pytest.param(
        ["data", "stats", "multiwoz", "--data", "d"],
        ["data", "stats", "--corpus", "multiwoz", "--data", "d"],
        "the positional CORPUS is now --corpus (use --corpus multiwoz)",
        id="data-stats-positional",
    ),
    pytest.param(
        ["data", "validate", "woz", "--data", "d", "--limit", "3"],
        ["data", "validate", "--corpus", "woz", "--data", "d", "--limit", "3"],
        "the positional CORPUS is now --corpus (use --corpus woz)",
        id="data-validate-positional",
    ),
    pytest.param(
        ["simulate", "--goal-corpus", "crosswoz", "--goal-split", "test"],
        ["simulate", "--corpus", "crosswoz", "--split", "test"],
        "--goal-corpus is now --corpus (use --corpus crosswoz)",
        id="simulate-goal-corpus",
    ),
    pytest.param(
        ["evaluate", "paradise", "--ratings", "r", "--dialogues", "a", "--dialogues", "b", "--out", "o"],
        ["evaluate", "paradise", "--ratings", "r", "--data", "a", "--data", "b", "--out", "o"],
        "--dialogues is now --data (use --data a b)",
        id="paradise-dialogues",
    ),
]


@pytest.mark.parametrize("old, new, note", RENAMED)
def test_an_old_spelling_means_what_the_new_one_does_and_says_so(old, new, note):
    old_args, old_err = parsed(old)
    new_args, new_err = parsed(new)
    assert vars(old_args) == vars(new_args)
    assert new_err == ""
    assert f"tod: deprecated: {note}; the old spelling goes in the next release" in old_err


def test_the_goal_split_alone_is_deprecated_too():
    args, err = parsed(["simulate", "--goal-split", "test"])
    assert args.split == "test" and args.corpus is None
    assert "--goal-split is now --split (use --split test)" in err


def test_the_deprecation_note_reaches_stderr_through_main(tmp_path, capsys):
    missing = str(tmp_path / "none")
    assert main(["data", "stats", "multiwoz", "--data", missing]) == 2
    err = capsys.readouterr().err
    assert "tod: deprecated: the positional CORPUS is now --corpus" in err
    assert f"--data {missing} does not exist" in err  # the command then runs as with --corpus


def test_defaults_apply_when_neither_spelling_is_given():
    sim, err = parsed(["simulate"])
    assert (sim.corpus, sim.split, err) == (None, "val", "")
    first, _ = parsed(["evaluate", "paradise", "--ratings", "r", "--out", "o"])
    second, _ = parsed(["evaluate", "paradise", "--ratings", "r", "--out", "o"])
    assert first.data == [] and first.data is not second.data  # a fresh list each time
    for args in (sim, first):
        assert not [name for name in vars(args) if name.startswith("_tod")]  # nothing left for the handlers


def test_the_same_value_in_both_spellings_is_not_a_conflict():
    args, err = parsed(["data", "stats", "camrest", "--corpus", "camrest", "--data", "d"])
    assert args.corpus == "camrest" and "deprecated" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        pytest.param(
            ["data", "stats", "multiwoz", "--corpus", "crosswoz", "--data", "d"],
            "--corpus crosswoz conflicts with the deprecated spelling given positionally as multiwoz; "
            "expected --corpus only",
            id="data-positional",
        ),
        pytest.param(
            ["simulate", "--corpus", "multiwoz", "--goal-corpus", "crosswoz"],
            "--corpus multiwoz conflicts with the deprecated spelling given as --goal-corpus crosswoz",
            id="simulate-corpus",
        ),
        pytest.param(
            ["simulate", "--split", "val", "--goal-split", "test"],
            "--split val conflicts with the deprecated spelling given as --goal-split test",
            id="simulate-split-equal-to-the-default",
        ),
        pytest.param(
            ["evaluate", "paradise", "--ratings", "r", "--out", "o", "--data", "a", "--dialogues", "b"],
            "--data a conflicts with the deprecated spelling given as --dialogues b",
            id="paradise-data",
        ),
    ],
)
def test_conflicting_spellings_are_a_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "usage: tod" in err


@pytest.mark.parametrize("action", ["stats", "validate"])
def test_the_corpus_is_required_in_one_spelling_or_the_other(action, capsys):
    with pytest.raises(SystemExit) as info:
        main(["data", action, "--data", "d"])
    assert info.value.code == 2
    assert "the following arguments are required: --corpus" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, option",
    [
        (["data", "stats", "--corpus", "atis", "--data", "d"], "--corpus"),
        (["data", "stats", "atis", "--data", "d"], "CORPUS"),
        (["simulate", "--corpus", "sgd"], "--corpus"),
        (["simulate", "--goal-corpus", "sgd"], "--goal-corpus"),
        (["evaluate", "paradise", "--ratings", "r", "--out", "o", "--corpus", ""], "--corpus"),
    ],
)
def test_an_unknown_corpus_is_refused_with_the_choices(argv, option, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}: invalid choice" in err and "multiwoz" in err and "crosswoz" in err


@pytest.mark.parametrize("command", [["chat"], ["simulate"], ["serve-actions", "--acts-only"]])
@pytest.mark.parametrize("path", ["{tmp}/absent", "", "   "])
def test_a_missing_pipeline_data_folder_is_refused_before_anything_is_built(command, path, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main([*command, "--data", path.format(tmp=tmp_path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --data: expected the corpus folder with the databases of the pipeline's domain" in err
    assert "found nothing at" in err


# --- one meaning per spelling ------------------------------------------------------------------------

CANONICAL_METAVAR = {"--corpus": "NAME", "--data": "PATH", "--json": "FILE", "--out": "DIR"}


def test_the_shared_options_are_spelled_and_shown_alike_in_every_command():
    seen = set()
    for words, parser in leaves(build_parser()):
        for action in parser._actions:
            if action.help == argparse.SUPPRESS:
                continue
            for option in action.option_strings:
                where = f"tod {' '.join(words)} {option}"
                if option in CANONICAL_METAVAR:
                    seen.add(option)
                    assert action.metavar == CANONICAL_METAVAR[option], where
                # the old spellings of the shared options are gone from every help
                assert "corpus" not in option or option == "--corpus", where
                assert option != "--goal-split", where
            if not action.option_strings:  # a positional: only parse's utterances are one
                assert words == ("parse",) and action.dest == "text", f"tod {' '.join(words)} {action.dest}"
            if "--corpus" in action.option_strings:
                assert action.choices and set(action.choices) <= {*CORPORA, "tod"}, words
    assert seen == set(CANONICAL_METAVAR)


def test_a_path_option_named_dialogues_is_gone():
    """``--dialogues`` is a count (``tod simulate --dialogues N``), never a path."""
    for words, parser in leaves(build_parser()):
        for action in parser._actions:
            if "--dialogues" in action.option_strings and action.help != argparse.SUPPRESS:
                assert words == ("simulate",) and action.metavar == "N"


def test_the_corpus_names_are_the_loader_registry():
    assert set(CORPORA) == set(CORPUS_LOADERS.names())


# --- tod --help -----------------------------------------------------------------------------------------


def test_help_lists_every_group_on_one_line_each(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")  # the width is fixed: a narrow terminal changes nothing
    with pytest.raises(SystemExit):
        main(["--help"])
    lines = capsys.readouterr().out.splitlines()
    assert {g.NAME for g in GROUPS} == {"chat", "train", "evaluate", "simulate", "data", "parse", "serve-actions"}
    assert {chat, data, evaluate, parse, serve_actions, simulate, train} == set(GROUPS)
    for group in GROUPS:
        (line,) = [x for x in lines if x.split()[:1] == [group.NAME]]
        assert line.split(None, 1)[1] == group.HELP


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.NAME)
def test_every_group_help_explains_its_commands(group, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # each command's line of help unwrapped
    with pytest.raises(SystemExit) as info:
        main([group.NAME, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"tod {group.NAME}" in out
    subs = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    parser = subs[0].choices[group.NAME]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:  # each command named with its line of help
                assert f"{choice.dest}  " in out and choice.help in out


@pytest.mark.parametrize("group", ["train", "evaluate", "data"])
def test_a_group_without_its_command_shows_the_group_help(group, capsys):
    with pytest.raises(SystemExit) as info:
        main([group])
    assert info.value.code == 0
    assert f"usage: tod {group}" in capsys.readouterr().out
