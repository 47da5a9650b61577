"""The README's walkthrough "Add your own domain" works as written.

Every block of the walkthrough is marked in README.md with ``<!-- walkthrough: NAME -->`` on the line
before its fenced code block. The files (``bakery/...``, ``bakery.yaml``, ``check.py``) are written
to a temporary directory exactly as the README shows them; the domain is validated and its
templates must express every act the policy may emit and every act a user may make; ``check.py``
must print the README's ``check.py output`` block; ``tod simulate`` must run on the domain; and,
as a slow test, the README's ``tod chat`` command must answer with the README's replies (its first
run trains the domain's NLU: 82 s of CPU on 2 cores, then cached). A README that drifts from the code
fails here.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from tod.acts import REQUESTED, DialogueAct
from tod.domain.act_space import system_act_space, user_act_space
from tod.domain.database import open_database
from tod.domain.loader import load_domain
from tod.domain.validate import validate_domain
from tod.errors import DomainError
from tod.nlg.template import TemplateNLG

README = Path(__file__).resolve().parents[1] / "README.md"
MARKER = re.compile(r"^<!-- walkthrough: (?P<name>.*?) -->$", re.MULTILINE)
FENCE = re.compile(r"\n```[A-Za-z0-9_-]*\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
#: The files the walkthrough asks the reader to write, relative to their directory ``mybot/``.
FILES = (
    "bakery/ontology.yaml",
    "bakery/db/cake.json",
    "bakery/templates/system.yaml",
    "bakery/templates/user.yaml",
    "bakery.yaml",
    "check.py",
)
#: The other blocks: what check.py prints, the chat session, the simulation command.
OTHER = ("check.py output", "chat", "simulate")


class WalkthroughError(ValueError):
    """The README's walkthrough blocks are missing, misplaced or malformed."""


def walkthrough_blocks(text: str, source: str = "README.md") -> dict[str, str]:
    """Block name -> the content of the fenced code block right after its marker."""
    blocks: dict[str, str] = {}
    for marker in MARKER.finditer(text):
        name = marker["name"].strip()
        fence = FENCE.match(text, marker.end())
        if fence is None:
            line = text.count("\n", 0, marker.start()) + 1
            raise WalkthroughError(f"{source}:{line}: walkthrough block {name!r}: expected a fenced code block next")
        if name in blocks:
            raise WalkthroughError(f"{source}: walkthrough block {name!r} appears twice")
        blocks[name] = fence["body"]
    missing = [n for n in (*FILES, *OTHER) if n not in blocks]
    if missing:
        raise WalkthroughError(f"{source}: expected walkthrough blocks {missing}, found only {sorted(blocks)}")
    return blocks


def write_files(blocks: dict[str, str], directory: Path) -> None:
    """Write the walkthrough's files under ``directory`` (the reader's ``mybot/``)."""
    for name in FILES:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts:
            raise WalkthroughError(f"walkthrough file {name!r}: expected a path inside the walkthrough's directory")
        target = directory.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(blocks[name], encoding="utf-8")


def chat_command(block: str) -> tuple[str, list[str], list[str]]:
    """The chat block's ``$ printf '...' | tod chat ...`` line: (user input, tod's arguments, expected replies)."""
    first, *replies = block.rstrip("\n").split("\n")
    if not first.startswith("$ "):
        raise WalkthroughError(f"chat block: expected a first line '$ printf ... | tod chat ...', found {first!r}")
    lexer = shlex.shlex(first[2:], posix=True, punctuation_chars="|")
    lexer.whitespace_split = True
    tokens = list(lexer)
    if len(tokens) < 5 or tokens[0] != "printf" or tokens[2] != "|" or tokens[3:5] != ["tod", "chat"]:
        raise WalkthroughError(f"chat block: expected '$ printf FORMAT | tod chat ...', found {first!r}")
    if re.search(r"\\[^n]|%", tokens[1]):
        raise WalkthroughError(f"chat block: expected a printf format with only \\n escapes, found {tokens[1]!r}")
    return tokens[1].replace("\\n", "\n"), tokens[5:], replies


def tod_command() -> list[str]:
    """The ``tod`` console script of the Python running the tests."""
    script = Path(sys.executable).with_name("tod")
    if not script.is_file():
        pytest.fail(f"the tod console script is not installed beside {sys.executable}")
    return [str(script)]


def _written(number: str, text: str) -> bool:
    """Whether ``number`` occurs in ``text`` as a whole number (97.3 is not in 97.31, 3.7 not in 13.7)."""
    return re.search(rf"(?<![\d.]){re.escape(number)}(?!\d|[.,]\d)", text) is not None


@pytest.fixture(scope="module")
def blocks() -> dict[str, str]:
    return walkthrough_blocks(README.read_text(encoding="utf-8"))


@pytest.fixture()
def mybot(blocks: dict[str, str], tmp_path: Path) -> Path:
    directory = tmp_path / "mybot"
    directory.mkdir()
    write_files(blocks, directory)
    return directory


def test_the_domain_validates_and_its_templates_cover_every_act(mybot: Path) -> None:
    domain = load_domain(mybot / "bakery")
    assert validate_domain(domain) == []
    for side, space in (("system", system_act_space(domain)), ("user", user_act_space(domain))):
        nlg = TemplateNLG.for_domain(domain, side=side)
        for intent, sub, slot in space:
            value = "" if not slot else REQUESTED if intent == "request" else "rhubarb"
            text = nlg.generate([DialogueAct(intent, sub, slot, value)])
            assert text, (side, intent, sub, slot)
            assert value != "rhubarb" or value in text.casefold(), (side, intent, sub, slot, text)


def test_check_py_prints_what_the_readme_shows(mybot: Path, blocks: dict[str, str]) -> None:
    run = subprocess.run(
        [sys.executable, "check.py"], cwd=mybot, capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == blocks["check.py output"]


def test_the_simulation_command_runs_on_the_domain(mybot: Path, blocks: dict[str, str]) -> None:
    argv = shlex.split(blocks["simulate"].strip())
    assert argv[:2] == ["tod", "simulate"] and "--out" in argv, argv
    run = subprocess.run(
        [*tod_command(), *argv[1:], "--no-progress"],
        cwd=mybot, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    summary = json.loads((mybot / argv[argv.index("--out") + 1] / "simulation.json").read_text(encoding="utf-8"))
    assert summary["dialogues"] == int(argv[argv.index("--dialogues") + 1])
    # one table and no corpus quirks: the rule policy finishes nearly every goal (200 of 200 when written)
    assert summary["success_rate"] >= 0.9, summary


@pytest.mark.slow
def test_the_chat_answers_as_the_readme_shows(mybot: Path, blocks: dict[str, str]) -> None:
    text, args, replies = chat_command(blocks["chat"])
    # The NLU is cached where tod always caches it ($TOD_CACHE or ~/.cache/tod), under a key of the
    # domain's files (not their location): the first run trains it, as a reader's first start does.
    run = subprocess.run(
        [*tod_command(), "chat", *args], input=text, cwd=mybot,
        capture_output=True, text=True, timeout=1200, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == replies, run.stderr


# --- hostile cases: the walkthrough path refuses what it cannot use ---------------------------------------


def test_a_missing_block_is_named(blocks: dict[str, str]) -> None:
    text = README.read_text(encoding="utf-8").replace("<!-- walkthrough: bakery/db/cake.json -->\n", "")
    with pytest.raises(WalkthroughError, match=re.escape("['bakery/db/cake.json']")):
        walkthrough_blocks(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<!-- walkthrough: check.py -->\nsome prose, no code block\n", "expected a fenced code block next"),
        ("<!-- walkthrough: check.py -->\n\n```python\nprint()\n```\n", "expected a fenced code block next"),
        ("<!-- walkthrough: a -->\n```\nx\n```\n<!-- walkthrough: a -->\n```\ny\n```\n", "appears twice"),
    ],
)
def test_misplaced_or_repeated_markers_are_refused(text: str, message: str) -> None:
    with pytest.raises(WalkthroughError, match=re.escape(message)):
        walkthrough_blocks(text)


@pytest.mark.parametrize("name", ["../outside.yaml", "/etc/bakery.yaml"])
def test_a_file_outside_the_walkthrough_directory_is_refused(
    name: str, blocks: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "FILES", (name,))
    with pytest.raises(WalkthroughError, match="inside the walkthrough's directory"):
        write_files({name: "x: 1\n"}, tmp_path)
    assert not (tmp_path.parent / "outside.yaml").exists()


@pytest.mark.parametrize(
    "block",
    [
        "printf 'hi\\n' | tod chat\nreply\n",  # no prompt
        "$ echo hi | tod chat\nreply\n",
        "$ printf 'hi\\n' | tod simulate\nreply\n",
        "$ printf '%s\\n' hi | tod chat\nreply\n",
        "$ printf 'hi\\t\\n' | tod chat\nreply\n",
    ],
)
def test_a_malformed_chat_block_is_refused(block: str) -> None:
    with pytest.raises(WalkthroughError, match="chat block"):
        chat_command(block)


def test_the_chat_block_reads_as_a_command() -> None:
    text, args, replies = chat_command("$ printf 'a\\nb c\\n' | tod chat --pipeline x.yaml\none\ntwo\n")
    assert (text, args, replies) == ("a\nb c\n", ["--pipeline", "x.yaml"], ["one", "two"])


def test_a_drifted_ontology_fails_with_the_key_named(mybot: Path) -> None:
    ontology = mybot / "bakery" / "ontology.yaml"
    ontology.write_text(ontology.read_text(encoding="utf-8").replace("requestable", "requestible", 1), encoding="utf-8")
    with pytest.raises(DomainError, match="requestible"):
        load_domain(mybot / "bakery")


def test_a_database_value_outside_the_ontology_is_reported(mybot: Path) -> None:
    database = mybot / "bakery" / "db" / "cake.json"
    database.write_text(database.read_text(encoding="utf-8").replace('"carrot"', '"rhubarb"'), encoding="utf-8")
    problems = validate_domain(open_database(mybot / "bakery"))
    assert [(p.slot, p.kind) for p in problems] == [("flavour", "value-outside-set")], problems


# --- the README's pointers lead somewhere -----------------------------------------------------------------


def test_every_relative_link_of_the_readme_exists() -> None:
    text = README.read_text(encoding="utf-8")
    links = [link for link in re.findall(r"\]\(([^)#\s]+)\)", text) if "://" not in link]
    assert links
    missing = [link for link in links if not (README.parent / link).exists()]
    assert missing == [], missing


def test_every_record_the_results_table_names_exists() -> None:
    text = README.read_text(encoding="utf-8")
    results = text[text.index("## Measured results") :]
    records = re.findall(r"`([a-z0-9_]+\.md)`", results[: results.index("\n## ")])
    assert len(records) >= 10, records
    missing = [r for r in records if not (README.parent / "benchmarks" / "results" / r).is_file()]
    assert missing == [], missing


def test_every_number_of_the_results_table_is_in_its_record() -> None:
    """No number in the table is invented or rounded differently: each is written so in its record."""
    text = README.read_text(encoding="utf-8")
    results = text[text.index("## Measured results") :]
    rows = [line for line in results.splitlines() if line.startswith("| ") and not line.startswith("| what")]
    assert len(rows) >= 10, rows
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == 4, row
        records = re.findall(r"`([a-z0-9_]+\.md)`", cells[3])
        assert records, f"no record named for {cells[0]!r}"
        recorded = "".join((README.parent / "benchmarks" / "results" / r).read_text(encoding="utf-8") for r in records)
        numbers = re.findall(r"\d+(?:[.,]\d+)*", cells[1])
        assert numbers, row
        absent = [n for n in numbers if not any(_written(form, recorded) for form in (n, n.replace(",", "")))]
        assert absent == [], f"{cells[0]!r}: {absent} not found in {records}"
