"""Loader for intent + slot corpora in the ``seq.in`` / ``seq.out`` / ``label`` format.

The format (ATIS and SNIPS as distributed with SlotGated-SLU and JointBERT, MixATIS, ...) is one
directory per split holding three line-aligned UTF-8 files: whitespace-separated words, one BIO
tag per word, and an intent label (several intents joined by ``#``). Nothing here is specific to
one corpus.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from tod.errors import CorpusError
from tod.types import MULTI_INTENT_SEPARATOR

if TYPE_CHECKING:  # datasets is imported lazily: it is slow to import
    from datasets import Dataset, DatasetDict

FILES = ("seq.in", "seq.out", "label")
#: Canonical split names and the directory names accepted for each, in order of preference.
SPLIT_ALIASES: dict[str, tuple[str, ...]] = {
    "train": ("train",),
    "dev": ("dev", "valid", "validation"),
    "test": ("test",),
}


@dataclass(frozen=True)
class SeqExample:
    """One utterance: its words, one BIO tag per word, and its intent label."""

    tokens: tuple[str, ...]
    tags: tuple[str, ...]
    intent: str


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        raise CorpusError(f"missing file (expected {' + '.join(FILES)} in {path.parent})", str(path))
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the final newline ends the last line; it does not start a new one
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CorpusError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", str(path), number) from exc
        out.append(text.rstrip("\r"))
    return out


def _check_tag(tag: str, path: Path, line: int) -> None:
    if tag == "O":
        return
    prefix, sep, name = tag.partition("-")
    if prefix not in ("B", "I") or not sep or not name:
        raise CorpusError(f"tag {tag!r} is not BIO (expected 'O', 'B-<slot>' or 'I-<slot>')", str(path), line)


def read_split(directory: str | Path) -> list[SeqExample]:
    """Read one split directory into examples, validating every line.

    Raises :class:`CorpusError` naming the file and the 1-based line for a missing file, bad
    UTF-8, differing line counts, an empty utterance, a word/tag count mismatch, a tag that is not
    BIO, a malformed intent label, or a split without examples.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise CorpusError("split directory not found", str(directory))
    words_path, tags_path, label_path = (directory / name for name in FILES)
    words_lines, tag_lines, labels = (_read_lines(p) for p in (words_path, tags_path, label_path))
    if not words_lines:
        raise CorpusError("empty split: no examples", str(words_path))
    for path, lines in ((tags_path, tag_lines), (label_path, labels)):
        if len(lines) != len(words_lines):
            first_bad = min(len(lines), len(words_lines)) + 1
            raise CorpusError(
                f"has {len(lines)} lines but {words_path.name} has {len(words_lines)}", str(path), first_bad
            )
    examples = []
    for number, (words_line, tags_line, label) in enumerate(zip(words_lines, tag_lines, labels), start=1):
        tokens = tuple(words_line.split())
        tags = tuple(tags_line.split())
        if not tokens:
            raise CorpusError("empty utterance (a line with no words)", str(words_path), number)
        if len(tokens) != len(tags):
            raise CorpusError(
                f"{len(tokens)} words in {words_path.name} but {len(tags)} tags in {tags_path.name}",
                str(tags_path),
                number,
            )
        for tag in tags:
            _check_tag(tag, tags_path, number)
        label = label.strip()
        if not label or any(not atom for atom in label.split(MULTI_INTENT_SEPARATOR)) or " " in label:
            raise CorpusError(
                f"intent label {label!r} is malformed (expected one name, or names joined by "
                f"{MULTI_INTENT_SEPARATOR!r}, without spaces)",
                str(label_path),
                number,
            )
        examples.append(SeqExample(tokens, tags, label))
    return examples


def find_split_dir(root: str | Path, split: str) -> Path:
    """The directory of ``split`` under ``root`` (``dev`` also matches ``valid``/``validation``)."""
    root = Path(root)
    if not root.is_dir():
        raise CorpusError("corpus directory not found", str(root))
    for name in SPLIT_ALIASES.get(split, (split,)):
        if (root / name).is_dir():
            return root / name
    found = sorted(p.name for p in root.iterdir() if p.is_dir())
    raise CorpusError(f"no {split!r} split directory (found: {found or 'none'})", str(root))


def to_dataset(examples: Sequence[SeqExample]) -> Dataset:
    from datasets import Dataset, Features, Value
    from datasets import Sequence as Seq

    features = Features({"tokens": Seq(Value("string")), "tags": Seq(Value("string")), "intent": Value("string")})
    return Dataset.from_dict(
        {
            "tokens": [list(e.tokens) for e in examples],
            "tags": [list(e.tags) for e in examples],
            "intent": [e.intent for e in examples],
        },
        features=features,
    )


def load_seq_corpus(root: str | Path, splits: Iterable[str] | None = None) -> DatasetDict:
    """Load a corpus directory into a :class:`datasets.DatasetDict`.

    ``splits`` names the splits to load (each must exist); by default every one of
    train/dev/test that exists is loaded, and at least one must.
    """
    from datasets import DatasetDict

    root = Path(root)
    if splits is None:
        wanted = []
        for split in SPLIT_ALIASES:
            try:
                wanted.append((split, find_split_dir(root, split)))
            except CorpusError:
                if not root.is_dir():
                    raise
        if not wanted:
            raise CorpusError(
                f"no split directories (expected some of {list(SPLIT_ALIASES)}, each with {', '.join(FILES)})",
                str(root),
            )
    else:
        wanted = [(split, find_split_dir(root, split)) for split in splits]
    return DatasetDict({split: to_dataset(read_split(path)) for split, path in wanted})


def corpus_checksum(root: str | Path, splits: Iterable[str]) -> str:
    """SHA-256 over the files of the given splits, to record which data a model was trained on."""
    digest = hashlib.sha256()
    for split in splits:
        directory = find_split_dir(root, split)
        for name in FILES:
            digest.update(f"{split}/{name}\n".encode())
            digest.update((directory / name).read_bytes())
    return digest.hexdigest()
