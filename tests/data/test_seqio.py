from pathlib import Path

import pytest

from tests.conftest import require_shared
from tod.data.seqio import corpus_checksum, load_seq_corpus, read_split
from tod.errors import CorpusError


def write_split(directory: Path, words: bytes, tags: bytes, labels: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "seq.in").write_bytes(words)
    (directory / "seq.out").write_bytes(tags)
    (directory / "label").write_bytes(labels)
    return directory


def test_tiny_corpus_loads_as_dataset_dict(tiny_corpus_dir):
    corpus = load_seq_corpus(tiny_corpus_dir)
    assert set(corpus) == {"train", "dev", "test"}
    train = corpus["train"]
    assert len(train) == 11
    assert train[0]["tokens"] == ["show", "me", "flights", "from", "boston", "to", "denver"]
    assert train[0]["tags"][4] == "B-fromloc.city_name"
    assert "atis_flight#atis_airfare" in train["intent"]  # multi-intent label kept whole


def test_real_atis_loads_with_documented_counts():
    root = require_shared("atis")
    corpus = load_seq_corpus(root)
    assert {k: len(v) for k, v in corpus.items()} == {"train": 4478, "dev": 500, "test": 893}
    for split in corpus.values():
        assert all(len(t) == len(g) for t, g in zip(split["tokens"], split["tags"]))
    # labels that never occur in train are present, not dropped
    assert "atis_day_name" in corpus["test"]["intent"]
    assert "atis_day_name" not in corpus["train"]["intent"]


def test_valid_is_accepted_as_dev_and_splits_can_be_chosen(tmp_path):
    write_split(tmp_path / "train", b"a b\n", b"O B-x\n", b"i\n")
    write_split(tmp_path / "valid", b"c\n", b"O\n", b"i\n")
    corpus = load_seq_corpus(tmp_path)
    assert set(corpus) == {"train", "dev"}
    assert set(load_seq_corpus(tmp_path, ["dev"])) == {"dev"}
    with pytest.raises(CorpusError, match="no 'test' split directory"):
        load_seq_corpus(tmp_path, ["test"])


def test_crlf_and_missing_final_newline_are_accepted(tmp_path):
    write_split(tmp_path / "train", b"a b\r\nc", b"O B-x\r\nO", b"i\r\nj")
    examples = read_split(tmp_path / "train")
    assert [e.intent for e in examples] == ["i", "j"]
    assert examples[0].tags == ("O", "B-x")


@pytest.mark.parametrize(
    "words, tags, labels, file, line, message",
    [
        (b"a b\nc d\n", b"O O\nO\n", b"i\nj\n", "seq.out", 2, "2 words in seq.in but 1 tags"),
        (b"a b\n", b"O O\nO\n", b"i\n", "seq.out", 2, "has 2 lines but seq.in has 1"),
        (b"a\nb\n", b"O\nO\n", b"i\n", "label", 2, "has 1 lines but seq.in has 2"),
        (b"", b"", b"", "seq.in", None, "empty split"),
        (b"a\n\xff\xfe\n", b"O\nO\n", b"i\nj\n", "seq.in", 2, "not valid UTF-8"),
        (b"a\n\n", b"O\n\n", b"i\nj\n", "seq.in", 2, "empty utterance"),
        (b"a b\n", b"O X-y\n", b"i\n", "seq.out", 1, "not BIO"),
        (b"a\n", b"B-\n", b"i\n", "seq.out", 1, "not BIO"),
        (b"a\nb\n", b"O\nO\n", b"i\na##b\n", "label", 2, "malformed"),
        (b"a\n", b"O\n", b"\n", "label", 1, "malformed"),
        (b"a\n", b"O\n", b"two words\n", "label", 1, "malformed"),
    ],
)
def test_malformed_files_name_the_file_and_line(tmp_path, words, tags, labels, file, line, message):
    split = write_split(tmp_path / "train", words, tags, labels)
    with pytest.raises(CorpusError, match=message) as info:
        read_split(split)
    assert info.value.path == str(split / file)
    assert info.value.line == line
    assert file in str(info.value)


def test_missing_file_and_missing_directory(tmp_path):
    split = write_split(tmp_path / "train", b"a\n", b"O\n", b"i\n")
    (split / "label").unlink()
    with pytest.raises(CorpusError, match="missing file") as info:
        read_split(split)
    assert info.value.path == str(split / "label")
    with pytest.raises(CorpusError, match="corpus directory not found"):
        load_seq_corpus(tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CorpusError, match="no split directories"):
        load_seq_corpus(empty)


def test_checksum_changes_with_content(tmp_path):
    write_split(tmp_path / "train", b"a\n", b"O\n", b"i\n")
    first = corpus_checksum(tmp_path, ["train"])
    (tmp_path / "train" / "label").write_bytes(b"j\n")
    assert corpus_checksum(tmp_path, ["train"]) != first
