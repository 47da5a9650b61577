"""Loader for MultiWOZ 2.2 as plain text (the ``mwz22_text_vonCount`` files): unannotated dialogues.

Files are ``{train,dev,test}_dialogues_0XX.txt``: UTF-8, one utterance per line, dialogues separated
by blank lines, utterances alternating user/system starting with the user. The text has no IDs, acts,
states or goals; some entity mentions are wrapped in ``[...]``, and the brackets are removed.

A dialogue's ID is ``<file stem>:<n>``, ``n`` its 1-based position in the file written with four
digits (``train_dialogues_001:0005`` is the fifth dialogue of ``train_dialogues_001.txt``), so IDs are
stable and say where to look. ``Dialogue.info["line"]`` is the line of its first utterance.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable, Iterator

from tod.data.corpus import Corpus, SkipLog, register_corpus
from tod.dialogue import SPEAKERS, Dialogue, Turn
from tod.errors import CorpusError
from tod.files import read_text

SPLITS = ("train", "dev", "test")
FILE_PATTERN = re.compile(r"^(?P<split>[a-z]+)_dialogues_\d+\.txt$")
BRACKETS = str.maketrans("", "", "[]")


def _decode(path: Path) -> list[str]:
    """The file's lines, decoded as UTF-8; CorpusError with the line of the first bad byte otherwise."""
    return read_text(path, error=CorpusError, what="a MultiWOZ 2.2 text file").splitlines()


def _blocks(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """``(line number of the first utterance, utterances)`` per dialogue: runs of non-blank lines."""
    start, block = 0, []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line.strip())
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def read_dialogues(path: Path, split: str, log: SkipLog) -> list[Dialogue]:
    """The dialogues of one text file; an odd-length dialogue raises (or is skipped when lenient)."""
    dialogues = []
    for index, (line, utterances) in enumerate(_blocks(_decode(path)), start=1):
        did = f"{path.stem}:{index:04d}"
        if len(utterances) % 2:
            error = CorpusError(
                f"expected an even number of utterances (user/system pairs), found {len(utterances)}",
                str(path),
                line,
                dialogue=did,
                turn=len(utterances) - 1,
            )
            log.guard(error, did)
            continue
        turns = [Turn(SPEAKERS[i % 2], text.translate(BRACKETS)) for i, text in enumerate(utterances)]
        dialogues.append(Dialogue(did, turns, None, "multiwoz22-text", split, {"line": str(line)}))
    return dialogues


def _split_files(path: Path, splits: list[str] | None) -> dict[str, list[Path]]:
    if path.is_file():
        match = FILE_PATTERN.match(path.name)
        if match is None:
            raise CorpusError("expected a file named {train,dev,test}_dialogues_0XX.txt", str(path))
        if splits is not None and match["split"] not in splits:
            raise CorpusError(f"file holds split {match['split']!r}, but splits {splits} were asked for", str(path))
        return {match["split"]: [path]}
    if not path.is_dir():
        raise CorpusError("expected the mwz22_text_vonCount directory or one of its files; not found", str(path))
    found: dict[str, list[Path]] = {}
    for file in sorted(path.iterdir()):
        match = FILE_PATTERN.match(file.name)
        if match and file.is_file() and (splits is None or match["split"] in splits):
            found.setdefault(match["split"], []).append(file)
    missing = [s for s in splits or () if s not in found]
    if missing or not found:
        raise CorpusError(
            f"no files for split(s) {missing or list(SPLITS)}: expected <split>_dialogues_0XX.txt", str(path)
        )
    order = {s: i for i, s in enumerate(splits or SPLITS)}
    return dict(sorted(found.items(), key=lambda item: order.get(item[0], len(order))))


@register_corpus("multiwoz22-text")
def load_mwz22_text(
    path: str | os.PathLike[str], *, splits: Iterable[str] | None = None, lenient: bool = False
) -> Corpus:
    """Load the plain-text MultiWOZ 2.2 dialogues from their directory or from one file."""
    log = SkipLog(lenient)
    files = _split_files(Path(path), None if splits is None else list(splits))
    loaded = {split: tuple(d for f in group for d in read_dialogues(f, split, log)) for split, group in files.items()}
    return Corpus("multiwoz22-text", loaded, tuple(log.skipped))
