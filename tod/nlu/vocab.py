"""Extending an encoder's vocabulary with the CJK characters it cannot spell.

An English encoder such as the packaged MiniLM knows a few hundred CJK characters, so most of a
Chinese utterance becomes ``[UNK]``. :func:`extend_vocabulary` adds every CJK character of some
texts (typically the training utterances) that the tokenizer turns into the unknown token as a
token of its own, grows the input embedding matrix and initialises each new row deterministically
near the existing character embeddings, so fine-tuning starts from a sensible point.
"""

from __future__ import annotations

from typing import Any, Iterable

import torch

from tod.data.tokens import CJK_CHARACTER as _CJK  # the one definition of "CJK character" shared with tod.data.tokens
from tod.errors import ConfigError

MIN_CHARACTER_ROWS = 16  # below this many known CJK characters, new rows start from the mean of all rows


def unknown_characters(tokenizer: Any, texts: Iterable[str]) -> list[str]:
    """CJK characters of ``texts`` that ``tokenizer`` spells with its unknown token (or not at all), sorted."""
    unk = tokenizer.unk_token_id
    if unk is None:
        raise ConfigError("the tokenizer has no unknown token; nothing can be unknown to it")
    characters = sorted({match.group() for text in texts for match in _CJK.finditer(text)})
    if not characters:
        return []
    encoded = tokenizer(characters, add_special_tokens=False)["input_ids"]
    return [char for char, ids in zip(characters, encoded) if not ids or unk in ids]


def _character_rows(tokenizer: Any, weight: torch.Tensor) -> torch.Tensor:
    """Embedding rows of the single-character CJK tokens the tokenizer already has (WordPiece or SentencePiece)."""
    ids = []
    for token, index in tokenizer.get_vocab().items():
        bare = token.removeprefix("##").removeprefix("\u2581")
        if len(bare) == 1 and _CJK.fullmatch(bare) and index < weight.shape[0]:
            ids.append(index)
    return weight[sorted(set(ids))] if len(ids) >= MIN_CHARACTER_ROWS else weight


def extend_vocabulary(tokenizer: Any, model: Any, texts: Iterable[str], *, seed: int = 0, noise: float = 0.1) -> int:
    """Add the CJK characters of ``texts`` unknown to ``tokenizer`` as tokens; returns how many were added.

    The model's input embeddings grow to cover the new ids (never shrink: an embedding matrix larger
    than the vocabulary, as multilingual-e5's, keeps its rows). Each new row is the mean of the
    embeddings of the CJK characters the encoder already knows (of all rows if it knows fewer than
    :data:`MIN_CHARACTER_ROWS`) plus Gaussian noise of ``noise`` times their per-dimension standard
    deviation, drawn from a generator seeded by ``seed`` and the character's code point: the same
    character gets the same row whatever else is added. Tokens are added with ``normalized=False``
    so they match the raw text and character offsets stay exact.
    """
    from tokenizers import AddedToken

    if noise < 0:
        raise ConfigError(f"noise must be >= 0, got {noise}")
    characters = unknown_characters(tokenizer, texts)
    if not characters:
        return 0
    embeddings = model.get_input_embeddings()
    old_rows = embeddings.weight.shape[0]
    with torch.no_grad():  # before adding: only characters the encoder was trained on
        reference = _character_rows(tokenizer, embeddings.weight.detach()).float()
        mean, std = reference.mean(0), reference.std(0) if reference.shape[0] > 1 else torch.zeros_like(reference[0])
    added = tokenizer.add_tokens([AddedToken(char, normalized=False, single_word=False) for char in characters])
    if added != len(characters):
        raise ConfigError(f"the tokenizer added {added} of {len(characters)} new characters")
    new_ids = tokenizer.convert_tokens_to_ids(characters)
    rows = max(old_rows, max(new_ids) + 1)
    if rows > old_rows:
        try:
            model.resize_token_embeddings(rows, mean_resizing=False)
        except TypeError:  # transformers < 4.46 has no mean_resizing
            model.resize_token_embeddings(rows)
    weight = model.get_input_embeddings().weight
    with torch.no_grad():
        for char, index in zip(characters, new_ids):
            generator = torch.Generator().manual_seed(seed * 0x110000 + ord(char))
            # drawn on the CPU (seeded, the same on every device), then moved to the model's device
            draw = torch.randn(mean.shape, generator=generator).to(mean.device)
            weight[index] = (mean + noise * std * draw).to(weight.dtype)
    return added
