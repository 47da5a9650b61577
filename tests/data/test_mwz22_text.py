from pathlib import Path

import pytest

from tests.conftest import require_shared
from tod.data.corpus import load_corpus
from tod.data.mwz22_text import load_mwz22_text
from tod.dialogue import Dialogue
from tod.errors import CorpusError

TRAIN = (
    b"I need a place in the [centre].\nThere is [Bedouin] in the centre.\nThanks.\nYou are welcome.\n\n\n"
    b"Find me a train.\nWhere to?\n\n\n"
)


def write(directory: Path, name: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)
    return directory / name


def test_tiny_files_load_with_ids_speakers_and_brackets_stripped(tmp_path):
    write(tmp_path, "train_dialogues_001.txt", TRAIN)
    write(tmp_path, "dev_dialogues_001.txt", b"Hi.\r\nHello.\r\n")
    write(tmp_path, "README.md", b"not a dialogue file\n")
    corpus = load_mwz22_text(tmp_path)
    assert list(corpus.splits) == ["train", "dev"]
    first, second = corpus["train"]
    assert (first.id, second.id) == ("train_dialogues_001:0001", "train_dialogues_001:0002")
    assert [t.speaker for t in first.turns] == ["user", "system", "user", "system"]
    assert first.turns[0].text == "I need a place in the centre."
    assert first.turns[1].text == "There is Bedouin in the centre."
    assert second.info["line"] == "7" and first.goal is None
    assert [t.text for t in corpus["dev"][0].turns] == ["Hi.", "Hello."]
    assert Dialogue.from_json(first.to_json()) == first
    assert list(load_corpus("multiwoz22-text", tmp_path, splits=["dev"]).splits) == ["dev"]
    assert len(load_mwz22_text(tmp_path / "dev_dialogues_001.txt")["dev"]) == 1


def test_odd_dialogue_raises_with_line_or_is_skipped(tmp_path):
    path = write(tmp_path, "train_dialogues_002.txt", b"a\nb\n\n\nc\nd\ne\n\n\nf\ng\n")
    with pytest.raises(CorpusError, match="even number of utterances") as caught:
        load_mwz22_text(tmp_path)
    assert (caught.value.path, caught.value.line, caught.value.dialogue) == (str(path), 5, "train_dialogues_002:0002")
    lenient = load_mwz22_text(tmp_path, lenient=True)
    assert [d.id for d in lenient["train"]] == ["train_dialogues_002:0001", "train_dialogues_002:0003"]
    assert [s.dialogue for s in lenient.skipped] == ["train_dialogues_002:0002"]


def test_bad_utf8_names_file_and_line(tmp_path):
    path = write(tmp_path, "dev_dialogues_001.txt", b"a\nb\n\n\nc \xff\nd\n")
    with pytest.raises(CorpusError, match="expected UTF-8 text") as caught:
        load_mwz22_text(tmp_path, lenient=True)
    assert (caught.value.path, caught.value.line) == (str(path), 5)


def test_missing_files_and_bad_names(tmp_path):
    write(tmp_path, "train_dialogues_001.txt", TRAIN)
    with pytest.raises(CorpusError, match=r"no files for split\(s\) \['test'\]"):
        load_mwz22_text(tmp_path, splits=["test"])
    with pytest.raises(CorpusError, match="split 'train', but splits"):
        load_mwz22_text(tmp_path / "train_dialogues_001.txt", splits=["dev"])
    with pytest.raises(CorpusError, match="_dialogues_0XX.txt"):
        load_mwz22_text(write(tmp_path, "notes.txt", b"a\nb\n"))
    with pytest.raises(CorpusError, match="not found"):
        load_mwz22_text(tmp_path / "absent")


def test_real_text_matches_documented_counts():
    corpus = load_mwz22_text(require_shared("multiwoz", "mwz22_text_vonCount"))
    counts = {s: (len(ds), sum(len(d.turns) for d in ds)) for s, ds in corpus.splits.items()}
    assert counts == {"train": (8437, 113552), "dev": (1000, 14748)}
    assert not corpus.skipped
    assert not any("[" in t.text or "]" in t.text for d in corpus.dialogues() for t in d.turns)
    assert len({d.id for d in corpus.dialogues()}) == 9437
    first = corpus["dev"][0]
    assert first.id == "dev_dialogues_001:0001" and Dialogue.from_json(first.to_json()) == first
