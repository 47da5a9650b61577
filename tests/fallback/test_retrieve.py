"""The sentence encoder and the cached cosine-similarity index."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest

from tod.errors import ConfigError
from tod.fallback.knowledge import Knowledge
from tod.fallback.retrieve import Retriever, SentenceEncoder, top_hits

TEXTS = [
    "the beach is sandy",
    "the visitor centre opens at nine",
    "buses run every ten minutes",
    "casa ferro is italian",
]


@pytest.fixture()
def encoder(tiny_encoder_dir) -> SentenceEncoder:
    return SentenceEncoder(str(tiny_encoder_dir))


def test_vectors_are_unit_length_and_deterministic(encoder):
    vectors = encoder.encode(TEXTS + [""])
    assert vectors.shape == (5, 32) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(encoder.encode(TEXTS[:1])[0], vectors[0], atol=1e-5)


def test_mean_pooling_ignores_padding(encoder):
    alone = encoder.encode(["hi"])[0]
    padded = encoder.encode(["hi", "a much longer sentence that forces padding of the first one"])[0]
    assert np.allclose(alone, padded, atol=1e-4)


def test_inputs_longer_than_the_encoder_are_truncated(encoder):
    assert encoder.encode(["word " * 5000]).shape == (1, 32)  # the tiny BERT has 64 positions


def test_a_text_finds_itself_first(encoder, tmp_path):
    retriever = Retriever(TEXTS, encoder, tmp_path)
    for i, text in enumerate(TEXTS):
        best = retriever.search(text, k=2)[0]
        assert best.index == i and best.score == pytest.approx(1.0, abs=1e-4)
    assert retriever.search(TEXTS[0], k=3, threshold=1.5) == []


def test_top_hits_orders_and_filters():
    scores = np.array([0.1, 0.9, 0.5, 0.7], dtype=np.float32)
    assert [h.index for h in top_hits(scores, 3)] == [1, 3, 2]
    assert [h.index for h in top_hits(scores, 3, threshold=0.6, offset=10)] == [11, 13]
    assert top_hits(scores, 0) == [] and top_hits(np.zeros(0), 3) == []


def test_embeddings_are_cached_and_reused_without_the_encoder(encoder, tmp_path):
    first = Retriever(TEXTS, encoder, tmp_path)
    assert first.cache_file is not None and first.cache_file.is_file()
    assert not list(first.cache_file.parent.glob(".*tmp*")), "no scratch file is left behind"

    class NoEncoding(SentenceEncoder):
        def encode(self, texts):
            raise AssertionError("the cache should have been used")

    started = time.perf_counter()
    second = Retriever(TEXTS, NoEncoding(encoder.name), tmp_path)
    assert time.perf_counter() - started < 1.0
    assert np.array_equal(first.vectors, second.vectors)
    # other texts (or another encoder) get another cache file
    assert Retriever(TEXTS[:2], encoder, tmp_path).cache_file != first.cache_file


def test_a_corrupt_cache_is_ignored_and_rewritten(encoder, tmp_path, caplog):
    retriever = Retriever(TEXTS, encoder, tmp_path)
    retriever.cache_file.write_bytes(b"not a numpy file")
    with caplog.at_level(logging.WARNING, logger="tod.fallback"):
        again = Retriever(TEXTS, encoder, tmp_path)
    assert np.allclose(again.vectors, retriever.vectors) and "embedding cache" in caplog.text
    assert np.load(again.cache_file).shape == (4, 32)


def test_a_cache_of_the_wrong_shape_is_ignored(encoder, tmp_path, caplog):
    retriever = Retriever(TEXTS, encoder, tmp_path)
    np.save(retriever.cache_file, np.zeros((2, 32), dtype=np.float32))
    with caplog.at_level(logging.WARNING, logger="tod.fallback"):
        again = Retriever(TEXTS, encoder, tmp_path)
    assert again.vectors.shape == (4, 32) and "does not fit" in caplog.text


def test_an_unwritable_cache_is_only_a_warning(encoder, tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with caplog.at_level(logging.WARNING, logger="tod.fallback"):
        retriever = Retriever(TEXTS, encoder, blocker)  # a file where the folder should be
    assert retriever.vectors.shape == (4, 32) and "cannot write" in caplog.text


def test_no_texts_need_no_encoder(tmp_path):
    class Unusable(SentenceEncoder):
        def encode(self, texts):
            raise AssertionError("nothing to encode")

    retriever = Retriever([], Unusable("anything"), tmp_path)
    assert retriever.search("hello") == []


def test_a_bad_encoder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="encoder"):
        SentenceEncoder("  ")
    with pytest.raises(ConfigError, match="cannot load the sentence encoder"):
        Retriever(TEXTS, SentenceEncoder(str(tmp_path / "missing")), None)


def test_knowledge_starts_fast_from_the_cache(cityguide, tiny_encoder_dir, tiny_knowledge):
    started = time.perf_counter()
    again = Knowledge.for_domain(
        cityguide.domain, cityguide.database, encoder=str(tiny_encoder_dir), cache_dir=cityguide.cache_dir
    )
    assert time.perf_counter() - started < 1.0
    assert np.array_equal(again.retriever.vectors, tiny_knowledge.retriever.vectors)


@pytest.mark.slow
def test_minilm_knowledge_starts_fast_from_the_cache(cityguide, minilm_knowledge):
    started = time.perf_counter()
    again = Knowledge.for_domain(cityguide.domain, cityguide.database, cache_dir=cityguide.cache_dir)
    assert time.perf_counter() - started < 1.0
    assert again.retriever.vectors.shape == (len(again.retriever.texts), 384)


def test_rows_come_back_in_input_order_whatever_the_batching(tiny_encoder_dir):
    texts = ["a much longer text than the others, by far", "b", "medium length text", "", "cc"] * 3
    batched = SentenceEncoder(str(tiny_encoder_dir), batch_size=2).encode(texts)
    single = SentenceEncoder(str(tiny_encoder_dir))
    one_by_one = np.stack([single.encode([t])[0] for t in texts])
    assert np.allclose(batched, one_by_one, atol=1e-4)
