"""Options shared by the command groups of ``tod``: one spelling, one meaning, one place.

Every command spells the same thing the same way:

- ``--corpus NAME``: the corpus format of ``--data`` (a corpus-loader name, or ``tod`` for tod's
  own dialogue files where a command reads them);
- ``--data PATH``: the corpus directory (or one split file, or tod dialogue files);
- ``--json FILE``: also write the machine-readable result to this file;
- ``--out DIR``: the directory a command writes its results (a report, a model) into.

A spelling that changed keeps working for one release: :func:`rename` adds the old spelling as a
hidden option (or positional), and :func:`resolve_renamed` moves its value to the new one after
parsing, with a deprecation line on stderr. Both spellings with different values are an error.

Only argparse and light tod modules are imported here, so that ``tod --help`` stays instant.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, NoReturn, Sequence, TextIO

from tod.data.corpus import CORPUS_LOADERS

#: Corpus formats the corpus-loader registry reads (tod/data/corpus.py): what ``tod data`` accepts.
CORPORA: tuple[str, ...] = tuple(CORPUS_LOADERS.names())
#: Corpora with dialogue-act annotation on the user turns (what an act model trains and is evaluated on).
ACT_CORPORA = ("multiwoz", "crosswoz", "camrest", "woz")
#: The ``--corpus`` value of tod's own dialogue files (``Dialogue.to_dict()`` records, tod.data.dialogue_files).
TOD_FILES = "tod"
#: Corpora with system acts whose name is also a shipped domain (ontology, database, templates), and
#: tod's own dialogue files (of the domain ``--domain``): what the policy and NLG evaluations read.
DOMAIN_CORPORA = ("multiwoz", "crosswoz", TOD_FILES)
#: The held-out share of a split by dialogue ID that commands select or report on (``--dev-fraction``).
DEV_FRACTION = 0.2
#: The seed of that split by dialogue ID (``--split-seed``).
SPLIT_SEED = 13


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, except where there is none to show (required options, 'unset')."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.default is False and action.nargs == 0:
            return action.help or ""
        return super()._get_help_string(action)


def wide_raw_formatter(prog: str) -> argparse.HelpFormatter:
    """Help kept as written (examples in the description or epilog), 100 columns wide."""
    return argparse.RawDescriptionHelpFormatter(prog, width=100)


# --- checked values -------------------------------------------------------------------------------


def commands_formatter(*names: str) -> Callable[[str], argparse.HelpFormatter]:
    """A formatter for a group whose sub-commands are ``names``: text kept as written, each sub-command's
    help on the line of its name (argparse measures sub-command names without their extra indentation,
    so a long one such as 'conversations' would push its help to the next line)."""

    def build(prog: str) -> argparse.HelpFormatter:
        formatter = argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)
        formatter._action_max_length = max(map(len, names)) + 4  # the sub-commands' indent
        return formatter

    return build


def checked(parse: Callable[[str], Any], ok: Callable[[Any], bool], expected: str) -> Callable[[str], Any]:
    """An argparse type: parse the text, then check it, naming what was expected."""

    def convert(text: str) -> Any:
        try:
            value = parse(text)
        except ValueError:
            kind = "a whole number" if parse is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text}")
        return value

    return convert


positive_int = checked(int, lambda v: v >= 1, "a number >= 1")
non_negative_int = checked(int, lambda v: v >= 0, "a number >= 0")
positive_float = checked(float, lambda v: v > 0 and math.isfinite(v), "a positive finite number")
fraction = checked(float, lambda v: 0.0 <= v < 1.0, "a fraction in [0, 1)")


def port(text: str) -> int:
    """A TCP port number, 1 to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port in 1..65535, got {value}")
    return value


def existing_path(expected: str) -> Callable[[str], str]:
    """An argparse type: a path that exists (given back as written); ``expected`` says what it should be."""

    def convert(text: str) -> str:
        if not text.strip() or not Path(text).exists():
            raise argparse.ArgumentTypeError(f"expected {expected}, found nothing at {text!r}")
        return text

    return convert


def kilobytes(text: str) -> int:
    """A size in KiB, 1 to 1048576 (1 GiB)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of KiB, got {text!r}") from None
    if not 1 <= value <= 1024 * 1024:
        raise argparse.ArgumentTypeError(f"expected 1 to 1048576 KiB, got {value}")
    return value


# --- the shared options ---------------------------------------------------------------------------


def add_corpus(
    p: argparse.ArgumentParser | argparse._ArgumentGroup,
    choices: Sequence[str],
    help: str,
    required: bool = False,
) -> argparse.Action:
    """``--corpus NAME``: the corpus format of ``--data``; an unknown name is refused with the choices."""
    return p.add_argument(
        "--corpus", choices=tuple(choices), required=required, metavar="NAME",
        help=f"{help} (one of: {', '.join(choices)})",
    )


def add_data(
    p: argparse.ArgumentParser | argparse._ArgumentGroup, help: str, required: bool = False, **kwargs: Any
) -> argparse.Action:
    """``--data PATH``: the corpus directory, a split file, or tod dialogue files, as ``help`` says."""
    return p.add_argument("--data", required=required, metavar="PATH", help=help, **kwargs)


def add_json(p: argparse.ArgumentParser | argparse._ArgumentGroup, what: str = "the scores") -> argparse.Action:
    """``--json FILE``: also write the machine-readable result to FILE."""
    return p.add_argument("--json", metavar="FILE", help=f"also write {what} as JSON to this file")


def write_json(path: str | Path, payload: Any) -> Path:
    """Write a command's ``--json`` output: UTF-8 JSON, indented, one trailing newline, the parent
    folder created, written atomically (a reader sees the old file or the new one)."""
    import json

    from tod.files import write_atomically

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_atomically(target, json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def add_out(
    p: argparse.ArgumentParser | argparse._ArgumentGroup, help: str, required: bool = False
) -> argparse.Action:
    """``--out DIR``: the directory the command writes its results (a report, a model) into."""
    return p.add_argument("--out", required=required, metavar="DIR", help=help)


def add_policy_corpus(p: argparse.ArgumentParser, required_corpus: bool) -> None:
    """``--corpus``, ``--data``, ``--domain`` and ``--domain-data`` of ``tod train/evaluate policy``."""
    add_corpus(
        p, DOMAIN_CORPORA, f"corpus format of --data ({TOD_FILES}: tod's own dialogue files, with --domain)",
        required=required_corpus,
    )
    add_data(
        p, f"the corpus directory (e.g. ../shared/data/multiwoz), or for --corpus {TOD_FILES} a dialogue file or "
        "directory", required=True,
    )
    p.add_argument(
        "--domain", metavar="NAME_OR_PATH",
        help="the domain whose ontology and database the policy uses (default: the corpus's name)",
    )
    p.add_argument(
        "--domain-data", metavar="DIR",
        help="where the domain's third-party database files are (default: --data, or its folder for a file)",
    )


def add_pipeline_options(p: argparse.ArgumentParser) -> None:
    """The options that choose and build a pipeline, the same for every command that runs one:
    ``--pipeline``, ``--data``, ``--set`` (into ``overrides``) and ``--cache-dir``."""
    p.add_argument(
        "--pipeline",
        default="cityguide",
        metavar="NAME|FILE",
        help="a ready-made pipeline (cityguide, multiwoz, crosswoz) or a YAML file (default: cityguide)",
    )
    add_data(
        p, "the corpus folder with the databases of a third-party domain (overrides the pipeline's data_dir)",
        type=existing_path("the corpus folder with the databases of the pipeline's domain"),
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="STAGE.PARAM=VALUE",
        help=(
            "override a pipeline entry, checked like the file: nlu.model=DIR, policy.confirm_below=0.4, "
            "routing.min_confidence=0.5, fallback.name=openai, seed=3 (repeatable)"
        ),
    )
    p.add_argument(
        "--cache-dir", metavar="DIR", help="where trained models are cached (default: $TOD_CACHE or ~/.cache/tod)"
    )


# --- old spellings ---------------------------------------------------------------------------------

#: The namespace attribute listing a parser's renamed options (removed by :func:`resolve_renamed`).
RENAMED = "_tod_renamed"


@dataclass(frozen=True)
class Renamed:
    """An old spelling of an option that still works for one release.

    ``dest`` is the new option's destination and ``new`` its spelling (``--corpus``); ``old`` is the
    old option (``--goal-corpus``) or, for a positional, its metavar (``CORPUS``), stored in
    ``old_dest``. ``default`` and ``required`` are the new option's: they apply once both spellings
    have been read. ``error`` is the command parser's error function (usage, message, exit 2).
    """

    dest: str
    new: str
    old: str
    old_dest: str
    positional: bool
    default: Any
    required: bool
    error: Callable[[str], NoReturn]


def rename(parser: argparse.ArgumentParser, new: argparse.Action, old: str) -> None:
    """Accept ``old`` (an option such as ``--goal-corpus``, or a positional's metavar such as ``CORPUS``)
    as a deprecated spelling of the option ``new``, for one release; hidden from the help.

    ``new`` loses its argparse default and requirement (either spelling may give the value):
    :func:`resolve_renamed` applies them after parsing, and the help states the default.
    """
    if not isinstance(new, (argparse._StoreAction, argparse._AppendAction)) or not new.option_strings:
        raise TypeError(f"rename() takes an option that stores or appends a value, found {new!r}")
    positional = not old.startswith("-")
    old_dest = f"_tod_old_{new.dest}"
    kwargs: dict[str, Any] = {"type": new.type, "choices": new.choices, "help": argparse.SUPPRESS}
    if positional:
        parser.add_argument(old_dest, nargs="?", metavar=old, **kwargs)
    else:
        action = "append" if isinstance(new, argparse._AppendAction) else "store"
        parser.add_argument(old, dest=old_dest, action=action, metavar=new.metavar, **kwargs)
    default = [] if new.default is None and isinstance(new, argparse._AppendAction) else new.default
    if new.help is not None and default not in (None, []):
        new.help = f"{new.help} (default: {default})"
    if new.help is not None and new.required:
        new.help = f"{new.help} (required)"
    spec = Renamed(new.dest, new.option_strings[0], old, old_dest, positional, default, new.required, parser.error)
    new.default, new.required = None, False
    parser.set_defaults(**{RENAMED: (*(parser.get_default(RENAMED) or ()), spec)})


def _shown(value: Any) -> str:
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)


def resolve_renamed(args: argparse.Namespace, stderr: TextIO | None = None) -> argparse.Namespace:
    """Move the values of old spellings to their new options (a deprecation line on ``stderr`` for
    each one used), apply the new options' defaults, and check what is required.

    Both spellings with different values, or neither for a required option, end the program with a
    usage error (status 2) naming the new spelling.
    """
    stderr = sys.stderr if stderr is None else stderr
    for spec in getattr(args, RENAMED, ()):
        new_value, old_value = getattr(args, spec.dest), getattr(args, spec.old_dest)
        delattr(args, spec.old_dest)
        if old_value is not None:
            if new_value is not None and new_value != old_value:
                given = f"as {spec.old} {_shown(old_value)}"
                if spec.positional:
                    given = f"positionally as {_shown(old_value)}"
                spec.error(
                    f"{spec.new} {_shown(new_value)} conflicts with the deprecated spelling given {given}; "
                    f"expected {spec.new} only"
                )
            shown = "the positional " + spec.old if spec.positional else spec.old
            print(
                f"tod: deprecated: {shown} is now {spec.new} (use {spec.new} {_shown(old_value)}); "
                f"the old spelling goes in the next release",
                file=stderr,
            )
            new_value = old_value
        if new_value is None:
            if spec.required:
                spec.error(f"the following arguments are required: {spec.new}")
            new_value = list(spec.default) if isinstance(spec.default, list) else spec.default
        setattr(args, spec.dest, new_value)
    if hasattr(args, RENAMED):
        delattr(args, RENAMED)
    return args
