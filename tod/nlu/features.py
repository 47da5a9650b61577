"""Turning words into encoder inputs, with the position of each word's first sub-token.

Each word is tokenised on its own (as ``is_split_into_words`` does), which works the same for
fast and slow tokenisers, WordPiece and SentencePiece alike. A word that yields no sub-token
(a control character, say) is given the unknown token so that every word has a position.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from tod.data.tokens import CJK_CHARACTER as _CJK


@dataclass
class Batch:
    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    word_index: torch.Tensor  # (batch, words): position of each word's first sub-token
    word_mask: torch.Tensor  # (batch, words): True for real words
    n_words: list[int]  # words per example that fit in max_length (the rest are cut)
    token_type_ids: torch.Tensor | None = None  # (batch, tokens): 1 on the context segment; None without context


class WordEncoder:
    """Caches the sub-token ids of each word and assembles padded batches."""

    def __init__(self, tokenizer, max_length: int = 128, cache_size: int = 200_000) -> None:
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.cache_size = cache_size
        self._cache: dict[str, list[int]] = {}
        self._context_cache: dict[str, list[int]] = {}
        self.prefix = [tokenizer.cls_token_id] if tokenizer.cls_token_id is not None else (
            [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
        )
        self.suffix = [tokenizer.sep_token_id] if tokenizer.sep_token_id is not None else (
            [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
        )
        pad = tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else 0
        unk = tokenizer.unk_token_id
        self.unk = [unk if unk is not None else self.pad_id]
        # SentencePiece tokenisers (XLM-R, multilingual e5) split a lone CJK character into a bare
        # word marker and the character ("▁", "好"): the marker would double the length of Chinese
        # input and be the piece the slot head reads. It is dropped for CJK words.
        marker = tokenizer.convert_tokens_to_ids("\u2581") if hasattr(tokenizer, "convert_tokens_to_ids") else None
        self.bare_marker = marker if isinstance(marker, int) and marker != unk else None

    def word_ids(self, words: Sequence[str]) -> list[list[int]]:
        missing = [w for w in dict.fromkeys(words) if w not in self._cache]
        if missing:
            if len(self._cache) + len(missing) > self.cache_size:
                self._cache.clear()
            # lone surrogates (undecodable input bytes) cannot reach a Rust tokenizer: they become "?"
            safe = [w.encode("utf-8", "replace").decode("utf-8") for w in missing]
            encoded = self.tokenizer(safe, add_special_tokens=False)["input_ids"]
            for word, ids in zip(missing, encoded):
                if self.bare_marker is not None and len(ids) > 1 and ids[0] == self.bare_marker and _CJK.match(word):
                    ids = ids[1:]
                self._cache[word] = ids or self.unk
        return [self._cache[w] for w in words]

    def context_ids(self, turns: Sequence[str]) -> list[int]:
        """Sub-tokens of previous turns, the most recent first, each closed by the separator."""
        ids: list[int] = []
        for text in reversed(turns):
            if text not in self._context_cache:
                if len(self._context_cache) > self.cache_size:
                    self._context_cache.clear()
                safe = text.encode("utf-8", "replace").decode("utf-8")
                self._context_cache[text] = self.tokenizer(safe, add_special_tokens=False)["input_ids"]
            ids.extend(self._context_cache[text])
            ids.extend(self.suffix)
        return ids

    def encode(self, sentences: Sequence[Sequence[str]], contexts: Sequence[Sequence[str]] | None = None) -> Batch:
        """Padded encoder inputs for pre-split ``sentences``.

        With ``contexts`` (previous turns per sentence, oldest first), each sentence is followed
        by its context as a second segment (token type 1), most recent turn first, cut to fit
        ``max_length``: the utterance's own words always come first.
        """
        if contexts is not None and len(contexts) != len(sentences):
            raise ValueError(f"{len(sentences)} sentences but {len(contexts)} contexts")
        budget = self.max_length - len(self.prefix) - len(self.suffix)
        rows: list[list[int]] = []
        starts: list[list[int]] = []
        segments: list[int] = []  # where each row's context segment starts
        for index, words in enumerate(sentences):
            ids = list(self.prefix)
            first: list[int] = []
            for pieces in self.word_ids(words):
                if len(ids) - len(self.prefix) + len(pieces) > budget:
                    break  # the remaining words do not fit; the caller tags them O
                first.append(len(ids))
                ids.extend(pieces)
            ids.extend(self.suffix)
            segments.append(len(ids))
            if contexts is not None:
                room = self.max_length - len(ids)
                context = self.context_ids(contexts[index])[:room] if room > 0 else []
                if context and context[-1:] != self.suffix[-1:]:
                    context[-1:] = self.suffix[-1:] or context[-1:]  # a cut context still ends with [SEP]
                ids.extend(context)
            rows.append(ids)
            starts.append(first)
        width = max(len(r) for r in rows)
        n_words = [len(s) for s in starts]
        max_words = max(1, max(n_words))
        input_ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(rows), width), dtype=torch.long)
        word_index = torch.zeros((len(rows), max_words), dtype=torch.long)
        word_mask = torch.zeros((len(rows), max_words), dtype=torch.bool)
        token_types = torch.zeros((len(rows), width), dtype=torch.long) if contexts is not None else None
        for i, (ids, first) in enumerate(zip(rows, starts)):
            input_ids[i, : len(ids)] = torch.tensor(ids)
            attention[i, : len(ids)] = 1
            if token_types is not None:
                token_types[i, segments[i] : len(ids)] = 1
            if first:
                word_index[i, : len(first)] = torch.tensor(first)
                word_mask[i, : len(first)] = True
        return Batch(input_ids, attention, word_index, word_mask, n_words, token_types)
