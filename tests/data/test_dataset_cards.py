"""The dataset cards in data/cards/ stay true: their checksums match the corpora in ../shared/data,
every corpus loader and every corpus folder there has a card, and data/README.md lists every card.

A card's checksums are the lines of its fenced ```sha256 blocks, in ``sha256sum`` format
(``<64 hex digits>  <path relative to the data root>``), so ``sha256sum -c`` checks them too.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import pytest

from tests.conftest import SHARED_DATA, require_shared
from tod.data.corpus import CORPUS_LOADERS
from tod.files import file_sha256

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
CARDS = DATA_DIR / "cards"
CARD_FILES = sorted(CARDS.glob("*.md"))
BLOCK = re.compile(r"^```sha256\n(.*?)^```$", re.MULTILINE | re.DOTALL)
LINE = re.compile(r"^(?P<digest>[0-9a-f]{64})  (?P<path>\S(?:.*\S)?)$")
#: Files of the data root that describe it rather than belong to a corpus.
ROOT_FILES = {"README.md", "SHA256SUMS"}


class CardError(ValueError):
    """A dataset card whose checksum blocks are malformed."""


def card_checksums(text: str, source: str) -> dict[str, str]:
    """Path (relative to the data root) -> SHA-256 hex digest, from the ```sha256 blocks of a card."""
    blocks = BLOCK.findall(text)
    if not blocks:
        raise CardError(f"{source}: expected a ```sha256 block of '<digest>  <path>' lines, found none")
    sums: dict[str, str] = {}
    for block in blocks:
        for number, line in enumerate(block.splitlines(), 1):
            match = LINE.match(line)
            if match is None:
                raise CardError(
                    f"{source}: checksum line {number}: expected '<64 lower-case hex digits>  <path>', found {line!r}"
                )
            path = PurePosixPath(match["path"])
            if path.is_absolute() or ".." in path.parts:
                raise CardError(f"{source}: checksum line {number}: expected a path inside the data root, found {path}")
            if str(path) in sums:
                raise CardError(f"{source}: checksum line {number}: {path} is listed twice")
            sums[str(path)] = match["digest"]
    if not sums:
        raise CardError(f"{source}: the ```sha256 block is empty")
    return sums


def all_card_sums() -> dict[str, tuple[str, str]]:
    """Path -> (digest, card name) over every card."""
    out: dict[str, tuple[str, str]] = {}
    for card in CARD_FILES:
        for path, digest in card_checksums(card.read_text(encoding="utf-8"), card.name).items():
            assert path not in out, f"{path} is in both {out[path][1]} and {card.name}"
            out[path] = (digest, card.name)
    return out


def test_there_are_cards_and_each_parses() -> None:
    assert len(CARD_FILES) >= 8, CARD_FILES
    for card in CARD_FILES:
        assert card_checksums(card.read_text(encoding="utf-8"), card.name)


@pytest.mark.parametrize("name", CORPUS_LOADERS.names())
def test_every_corpus_loader_has_a_card(name: str) -> None:
    card = CARDS / f"{name}.md"
    assert card.is_file(), f"the corpus loader {name!r} has no dataset card {card}"
    assert f"`--corpus {name}`" in card.read_text(encoding="utf-8"), f"{card} does not say how tod names it"


def test_the_data_readme_lists_every_card() -> None:
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    for card in CARD_FILES:
        assert f"(cards/{card.name})" in readme, f"data/README.md does not link {card.name}"


@pytest.mark.corpus
@pytest.mark.parametrize("card", CARD_FILES, ids=lambda p: p.name)
def test_card_checksums_match_the_shared_data(card: Path) -> None:
    for relative, digest in card_checksums(card.read_text(encoding="utf-8"), card.name).items():
        path = require_shared(*PurePosixPath(relative).parts)
        assert file_sha256(path) == digest, f"{card.name}: {relative} has changed (SHA-256 differs from the card)"


@pytest.mark.corpus
def test_cards_agree_with_the_shared_manifest_and_cover_every_corpus_file() -> None:
    manifest = require_shared("SHA256SUMS")
    listed = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        digest, _, path = line.partition("  ")
        listed[path.removeprefix("./")] = digest
    cards = all_card_sums()
    assert {p: d for p, (d, _) in cards.items()} == {p: d for p, d in listed.items() if p in cards}
    present = {
        str(p.relative_to(SHARED_DATA).as_posix())
        for p in SHARED_DATA.rglob("*")
        if p.is_file() and p.relative_to(SHARED_DATA).as_posix() not in ROOT_FILES
    }
    assert present - set(cards) == set(), "files in ../shared/data that no dataset card lists"


# --- the parser refuses malformed cards --------------------------------------------------------------

GOOD = "a" * 64


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# a card without checksums\n", "found none"),
        ("```sha256\n```\n", "empty"),
        (f"```sha256\n{GOOD} multiwoz/val.json.zip\n```\n", "expected '<64"),  # one space, not two
        (f"```sha256\n{'A' * 64}  multiwoz/val.json.zip\n```\n", "expected '<64"),
        (f"```sha256\n{'a' * 63}  multiwoz/val.json.zip\n```\n", "expected '<64"),
        (f"```sha256\n{GOOD}  \n```\n", "expected '<64"),
        (f"```sha256\n{GOOD}  /etc/passwd\n```\n", "inside the data root"),
        (f"```sha256\n{GOOD}  multiwoz/../../secret\n```\n", "inside the data root"),
        (f"```sha256\n{GOOD}  woz/data.zip\n{GOOD}  woz/data.zip\n```\n", "listed twice"),
    ],
)
def test_malformed_checksum_blocks_are_refused(text: str, message: str) -> None:
    with pytest.raises(CardError, match=re.escape(message)):
        card_checksums(text, "card.md")
