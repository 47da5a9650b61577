import pytest

from tod.errors import SchemaError
from tod.nlu.labels import LabelVocab, allowed_transition, tag_spans
from tod.text import split_words


def test_vocab_order_and_lookup():
    vocab = LabelVocab.build(["B-b", "B-a", "O", "B-a"], first=("O",))
    assert vocab.labels == ("O", "B-a", "B-b")
    assert vocab.index("B-b") == 2 and "B-a" in vocab and "I-a" not in vocab
    assert vocab.get("I-a", -1) == -1
    with pytest.raises(SchemaError, match="not in the vocabulary"):
        vocab.index("I-a")
    with pytest.raises(SchemaError, match="duplicate"):
        LabelVocab(("O", "O"))


def test_bio_transitions():
    assert not allowed_transition(None, "I-a")
    assert allowed_transition(None, "B-a") and allowed_transition(None, "O")
    assert allowed_transition("B-a", "I-a") and allowed_transition("I-a", "I-a")
    assert not allowed_transition("B-b", "I-a") and not allowed_transition("O", "I-a")


def test_tag_spans_reads_bio_like_conll():
    tags = ["O", "B-city", "I-city", "B-city", "O", "I-date", "I-date", "B-x"]
    assert tag_spans(tags) == [("city", 1, 2), ("city", 3, 3), ("date", 5, 6), ("x", 7, 7)]
    assert tag_spans([]) == [] and tag_spans(["O"]) == []


def test_split_words_keeps_offsets():
    text = "Show me flights to St. Louis, please?"
    words = split_words(text)
    assert [w.text for w in words] == ["Show", "me", "flights", "to", "St.", "Louis", ",", "please", "?"]
    assert all(text[w.start : w.end] == w.text for w in words)
    assert split_words("   \t\n") == []
