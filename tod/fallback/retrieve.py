"""Sentence embeddings and a small cosine-similarity index over a fixed list of texts.

:class:`SentenceEncoder` turns texts into unit vectors the way sentence-transformers does for
all-MiniLM-L6-v2 (the packaged ``minilm``, the default): the mean of the encoder's token vectors
under the attention mask, L2-normalised. Any Hugging Face encoder path or name works the same way.

:class:`Retriever` embeds its texts once and keeps the matrix in a ``.npy`` file under a cache
folder, keyed by a hash of the texts and of the encoder, written atomically; a later start with the
same texts and encoder reads the file instead of loading the encoder (well under a second). The
encoder itself is then loaded on the first query. torch and transformers are imported only when an
encoder is loaded.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from tod.errors import ConfigError
from tod.files import atomic_file
from tod.nlu.encoders import DEFAULT_ENCODER, resolve_encoder

LOG = logging.getLogger("tod.fallback")

#: Bumped when the way vectors are computed changes, so old cache files are not reused.
_EMBEDDING_VERSION = "mean-pool-l2/128"
#: Longest input in sub-tokens, further capped by the encoder's position embeddings. 128 is the
#: length all-MiniLM-L6-v2 was trained on; a fact's first 128 sub-tokens carry its name, sub-domain
#: and kind, and longer inputs made embedding CrossWOZ's 3,417 facts about twice as slow.
MAX_TOKENS = 128
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".json", ".txt", ".model")


class SentenceEncoder:
    """Texts -> L2-normalised mean-pooled vectors from a Hugging Face encoder (loaded on first use)."""

    def __init__(self, name: str = DEFAULT_ENCODER, *, batch_size: int = 32) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"encoder must be a model path or name, found {name!r}")
        self.name = name
        self.path = resolve_encoder(name)
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any, Any, int] | None = None  # tokenizer, model, device, max tokens

    @property
    def fingerprint(self) -> str:
        """What identifies the encoder's weights: its path plus the size and modification time of
        each model file (a changed or re-installed model gives a new fingerprint)."""
        parts = [self.path, _EMBEDDING_VERSION]
        directory = Path(self.path)
        if directory.is_dir():
            for file in sorted(directory.iterdir()):
                if file.is_file() and file.suffix in _WEIGHT_SUFFIXES:
                    stat = file.stat()
                    parts.append(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}")
        return "\n".join(parts)

    def _load(self) -> tuple[Any, Any, Any, int]:
        with self._lock:
            if self._loaded is None:
                import torch
                from transformers import AutoModel, AutoTokenizer

                from tod.nlu.encoders import quiet_transformers

                try:
                    with quiet_transformers():
                        tokenizer = AutoTokenizer.from_pretrained(self.path)
                        model = AutoModel.from_pretrained(self.path)
                except (OSError, ValueError) as exc:
                    raise ConfigError(f"cannot load the sentence encoder {self.name!r} ({self.path}): {exc}") from exc
                device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
                model.to(device).eval()
                limits = [MAX_TOKENS, getattr(model.config, "max_position_embeddings", MAX_TOKENS)]
                if 0 < int(getattr(tokenizer, "model_max_length", MAX_TOKENS)) < 10**6:
                    limits.append(int(tokenizer.model_max_length))
                self._loaded = (tokenizer, model, device, min(limits))
            return self._loaded

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 unit vector per text (rows), shape ``(len(texts), dim)``."""
        import torch

        tokenizer, model, device, max_tokens = self._load()
        # batches of similar length pad little (as sentence-transformers does); rows are put back in order
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        rows: list[np.ndarray] = []
        for start in range(0, len(order), self.batch_size):
            batch = [texts[i] or " " for i in order[start : start + self.batch_size]]
            inputs = tokenizer(batch, padding=True, truncation=True, max_length=max_tokens, return_tensors="pt")
            inputs = {k: v.to(device) for k, v in inputs.items()}
            with self._lock, torch.inference_mode():
                hidden = model(**inputs).last_hidden_state
            mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
            rows.append(pooled.float().cpu().numpy())
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        stacked = np.concatenate(rows).astype(np.float32, copy=False)
        vectors = np.empty_like(stacked)
        vectors[order] = stacked
        return vectors


@dataclass(frozen=True)
class Hit:
    """One retrieved text: its position in the retriever's list and its cosine similarity to the query."""

    index: int
    score: float


class Retriever:
    """A fixed list of texts, embedded once (cached on disk), searched by cosine similarity."""

    def __init__(self, texts: Sequence[str], encoder: SentenceEncoder, cache_dir: str | os.PathLike[str] | None = None):
        self.texts = tuple(texts)
        self.encoder = encoder
        self.cache_file: Path | None = None
        if cache_dir is not None:
            key = hashlib.sha256("\x00".join((encoder.fingerprint, *self.texts)).encode("utf-8", "replace"))
            self.cache_file = Path(cache_dir) / "fallback" / f"embeddings-{key.hexdigest()[:40]}.npy"
        self.vectors = self._vectors()

    def _vectors(self) -> np.ndarray:
        if not self.texts:
            return np.zeros((0, 0), dtype=np.float32)
        if self.cache_file is not None and self.cache_file.is_file():
            try:
                cached = np.load(self.cache_file, allow_pickle=False)
                if cached.ndim == 2 and cached.shape[0] == len(self.texts) and cached.dtype == np.float32:
                    return cached
                LOG.warning("ignoring the embedding cache %s: shape %s does not fit", self.cache_file, cached.shape)
            except (OSError, ValueError) as exc:
                LOG.warning("ignoring the unreadable embedding cache %s: %s", self.cache_file, exc)
        vectors = self.encoder.encode(self.texts)
        if self.cache_file is not None:
            _save_atomically(self.cache_file, vectors)
        return vectors

    def search(self, query: str, k: int = 3, threshold: float = -1.0) -> list[Hit]:
        """The ``k`` texts most similar to ``query`` with similarity at least ``threshold``, best first."""
        return top_hits(self.scores(query), k, threshold)

    def scores(self, query: str) -> np.ndarray:
        """The cosine similarity of ``query`` to every text (an empty array when there are none)."""
        if not self.texts:
            return np.zeros(0, dtype=np.float32)
        return self.vectors @ self.encoder.encode([query])[0]


def top_hits(scores: np.ndarray, k: int, threshold: float = -1.0, offset: int = 0) -> list[Hit]:
    """The ``k`` best of ``scores`` at or above ``threshold``, best first; indexes shifted by ``offset``."""
    if k <= 0 or scores.size == 0:
        return []
    order = np.argsort(-scores, kind="stable")[:k]
    return [Hit(int(i) + offset, float(scores[i])) for i in order if scores[i] >= threshold]


def _save_atomically(path: Path, vectors: np.ndarray) -> None:
    """Write ``vectors`` to ``path`` through a temporary sibling and a rename; a cache that cannot be
    written is only a warning (the next start embeds again)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path, binary=True) as handle:
            np.save(handle, vectors, allow_pickle=False)
    except OSError as exc:
        LOG.warning("cannot write the embedding cache %s: %s", path, exc)
