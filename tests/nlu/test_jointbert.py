"""JointBertNLU on a tiny randomly initialised BERT: fitting, parsing, saving and loading."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tod.data.seqio import load_seq_corpus
from tod.errors import ConfigError, ModelDirError
from tod.metrics.nlu import evaluate_predictions
from tod.nlu.config import JointNLUConfig, TrainConfig
from tod.nlu.jointbert import JointBertNLU
from tod.nlu.training import train_joint_nlu
from tod.registry import NLU_REGISTRY
from tod.types import NLUResult


def tiny_config(encoder: Path, **overrides) -> TrainConfig:
    values = dict(encoder=str(encoder), epochs=40, batch_size=4, lr=3e-3, head_lr=1e-2, warmup=0.0, seed=7, threads=1,
                  freeze_embeddings=False, members=1)  # a random tiny BERT must learn its embeddings
    values.update(overrides)
    return TrainConfig(**values)


@pytest.fixture(scope="module")
def trained(tiny_corpus_dir, tiny_encoder_dir) -> JointBertNLU:
    from datasets import DatasetDict

    # Selecting on the training data itself keeps the epoch that fits it best.
    train = load_seq_corpus(tiny_corpus_dir, ["train"])["train"]
    corpus = DatasetDict(train=train, dev=train)
    nlu, history = train_joint_nlu(corpus, tiny_config(tiny_encoder_dir), data_checksum="abc", progress=False,
                                   log=lambda _: None)
    assert len(history) == 40
    return nlu


def test_tiny_model_fits_its_training_data(trained, tiny_corpus_dir):
    train = load_seq_corpus(tiny_corpus_dir, ["train"])["train"]
    scores, errors = evaluate_predictions(trained, train, keep_errors=5)
    assert scores.intent_accuracy == 1.0, errors
    assert scores.sentence_accuracy == 1.0, errors


def test_training_metadata_is_recorded(trained):
    meta = trained.meta
    assert meta["data_checksum"] == "abc" and meta["seed"] == 7
    assert 1 <= meta["best_epoch"] <= 40
    assert set(meta["dev_metrics"]) >= {"intent_accuracy", "slot_f1", "sentence_accuracy"}
    assert {"torch", "transformers", "datasets", "tod", "python"} <= set(meta["versions"])


def test_parse_returns_typed_result_with_offsets(trained):
    text = "Show me flights from Boston to Denver"
    result = trained.parse(text)
    assert isinstance(result, NLUResult)
    assert result.intent == "atis_flight"
    assert [(s.slot, s.value) for s in result.slots] == [("fromloc.city_name", "Boston"), ("toloc.city_name", "Denver")]
    for span in result.slots:
        assert text[span.start : span.end] == span.value
        assert 0.0 < span.confidence <= 1.0
    assert 0.0 < result.confidence <= 1.0
    assert [i.score for i in result.intents] == sorted((i.score for i in result.intents), reverse=True)
    assert result.acts[0].slot == "fromloc.city_name" and result.acts[0].intent == "atis_flight"
    assert NLUResult.from_json(result.to_json()) == result


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "?!", "🙂 " * 3, "boston " * 400, "日本語のテキスト"])
def test_parse_survives_hostile_text(trained, text):
    result = trained.parse(text)
    assert result.text == text
    for span in result.slots:
        assert text[span.start : span.end] == span.value
    if not text.split():
        assert result.intents == () and result.confidence == 0.0


def test_parse_rejects_non_text(trained):
    with pytest.raises(TypeError):
        trained.parse_batch([b"bytes"])  # type: ignore[list-item]


def test_training_is_deterministic_for_a_seed(tiny_corpus_dir, tiny_encoder_dir):
    corpus = load_seq_corpus(tiny_corpus_dir)
    config = tiny_config(tiny_encoder_dir, epochs=3)
    first, h1 = train_joint_nlu(corpus, config, progress=False, log=lambda _: None)
    second, h2 = train_joint_nlu(corpus, config, progress=False, log=lambda _: None)
    assert [r.train_loss for r in h1] == [r.train_loss for r in h2]
    for (name, a), (_, b) in zip(first.model.state_dict().items(), second.model.state_dict().items()):
        assert bool((a == b).all()), name


def test_save_load_round_trip_gives_identical_predictions(trained, tmp_path):
    texts = ["list flights from atlanta to dallas", "what is the fare from boston to denver", "ground transportation"]
    trained.save(tmp_path / "model")
    loaded = JointBertNLU.load(tmp_path / "model", precision="fp32")  # weights exactly as saved
    loaded.precision = trained.precision  # same arithmetic as the in-memory model: identical scores
    assert [r.to_dict() for r in loaded.parse_batch(texts)] == [r.to_dict() for r in trained.parse_batch(texts)]
    assert loaded.meta["data_checksum"] == "abc"
    assert (tmp_path / "model" / "model.safetensors").is_file()
    # saving again over an existing model replaces it atomically and leaves no scratch behind
    trained.save(tmp_path / "model")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_interrupted_save_leaves_the_previous_model_intact(trained, tmp_path, monkeypatch):
    target = tmp_path / "model"
    trained.save(target)
    def contents() -> dict[str, bytes]:
        return {str(p.relative_to(target)): p.read_bytes() for p in target.rglob("*") if p.is_file()}

    before = contents()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("simulated crash mid-save")

    monkeypatch.setattr(trained.tokenizer, "save_pretrained", crash)
    with pytest.raises(KeyboardInterrupt):
        trained.save(target)
    assert contents() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    JointBertNLU.load(target)


def test_interrupted_first_save_leaves_nothing_loadable(trained, tmp_path, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(trained.tokenizer, "save_pretrained", disk_full)
    with pytest.raises(OSError):
        trained.save(tmp_path / "model")
    assert not (tmp_path / "model").exists()
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def saved(trained, tmp_path) -> Path:
    return trained.save(tmp_path / "model")


def test_missing_manifest_is_refused(saved):
    (saved / "manifest.json").unlink()
    with pytest.raises(ModelDirError, match="manifest.json is missing"):
        JointBertNLU.load(saved)


def test_truncated_weights_are_refused(saved):
    weights = saved / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(ModelDirError, match="model.safetensors has 1000 bytes"):
        JointBertNLU.load(saved)


def test_flipped_byte_is_refused(saved):
    weights = saved / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelDirError, match="does not match its checksum"):
        JointBertNLU.load(saved)


def test_missing_file_and_missing_directory_are_refused(saved, tmp_path):
    shutil.rmtree(saved / "tokenizer")
    with pytest.raises(ModelDirError, match="is missing"):
        JointBertNLU.load(saved)
    with pytest.raises(ModelDirError, match="not found"):
        JointBertNLU.load(tmp_path / "nothing-here")


def test_wrong_kind_and_corrupt_manifest_are_refused(saved):
    manifest = json.loads((saved / "manifest.json").read_text())
    (saved / "manifest.json").write_text(json.dumps({**manifest, "kind": "other"}))
    with pytest.raises(ModelDirError, match="expected 'jointbert'"):
        JointBertNLU.load(saved)
    (saved / "manifest.json").write_text("{broken")
    with pytest.raises(ModelDirError, match=r"manifest\.json:1: not valid JSON in the model's manifest"):
        JointBertNLU.load(saved)


def test_unknown_encoder_is_a_clear_error(tmp_path):
    from tod.nlu.labels import LabelVocab

    with pytest.raises(ConfigError, match="cannot load encoder"):
        JointBertNLU.from_encoder(str(tmp_path / "no-such-encoder"), LabelVocab(("i",)), LabelVocab(("O",)))


def test_bad_configs_are_rejected():
    with pytest.raises(ConfigError, match="pooling"):
        JointNLUConfig(pooling="max")
    with pytest.raises(ConfigError, match="epochs"):
        TrainConfig(epochs=0)
    with pytest.raises(ConfigError, match="learning rate"):
        TrainConfig(lr=float("nan"))
    with pytest.raises(ConfigError, match="unknown JointNLUConfig keys"):
        JointNLUConfig.from_dict({"pooling": "mean", "layers": 3})


def test_jointbert_is_registered():
    assert NLU_REGISTRY.get("jointbert") is JointBertNLU


def test_slot_context_and_frozen_embeddings(tiny_corpus_dir, tiny_encoder_dir, tmp_path):
    corpus = load_seq_corpus(tiny_corpus_dir)
    config = tiny_config(tiny_encoder_dir, epochs=2, freeze_embeddings=True, model=JointNLUConfig(slot_context=True))
    untouched = JointBertNLU.from_encoder(str(tiny_encoder_dir), *_vocabs(corpus)).model
    nlu, _ = train_joint_nlu(corpus, config, progress=False, log=lambda _: None)
    before = untouched.encoder.get_input_embeddings().weight
    after = nlu.model.encoder.get_input_embeddings().weight
    assert bool((before == after).all())  # frozen
    assert not bool((untouched.encoder.encoder.layer[0].output.dense.weight
                     == nlu.model.encoder.encoder.layer[0].output.dense.weight).all())  # trained
    assert nlu.model.slot_head.in_features == 2 * nlu.model.encoder.config.hidden_size
    nlu.save(tmp_path / "m")
    loaded = JointBertNLU.load(tmp_path / "m", precision="fp32")
    loaded.precision = nlu.precision
    assert loaded.config.slot_context
    text = "show me flights from boston to denver"
    assert loaded.parse(text).to_dict() == nlu.parse(text).to_dict()


def _vocabs(corpus):
    from tod.nlu.training import build_vocabularies

    return build_vocabularies(corpus["train"])


def test_precision_resolution():
    import torch

    from tod.nlu.precision import hardware_bf16, resolve_precision

    cpu = torch.device("cpu")
    assert resolve_precision("fp32", cpu) == "fp32"
    assert resolve_precision("bf16", cpu) == "bf16"
    assert resolve_precision("auto", cpu) == ("bf16" if hardware_bf16(cpu) else "fp32")
    with pytest.raises(ConfigError, match="precision"):
        TrainConfig(precision="fp8")


def test_weight_averaging_is_considered_and_recorded(tiny_corpus_dir, tiny_encoder_dir):
    corpus = load_seq_corpus(tiny_corpus_dir)
    logged: list[str] = []
    nlu, history = train_joint_nlu(corpus, tiny_config(tiny_encoder_dir, epochs=4, average_last=3),
                                   progress=False, log=logged.append)
    assert any(line.startswith("average of epochs 2-4: dev") for line in logged)
    assert nlu.meta["selected"] in {"epoch 1", "epoch 2", "epoch 3", "epoch 4", "average of epochs 2-4"}
    assert len(history) == 4


def test_weight_average_is_the_mean_of_the_final_epochs():
    import torch

    from tod.nlu.training import _WeightAverage

    model = torch.nn.Linear(2, 1)
    average = _WeightAverage(first_epoch=2)
    for epoch, value in enumerate((1.0, 2.0, 4.0), start=1):
        with torch.no_grad():
            model.weight.fill_(value)
        average.add(epoch, model)
    assert torch.allclose(average.state(model)["weight"], torch.full((1, 2), 3.0))


def test_soup_of_two_members_trains_in_parallel_and_keeps_the_best(tiny_corpus_dir, tiny_encoder_dir, tmp_path):
    from tod.nlu.soup import member_configs, train_soup

    corpus = load_seq_corpus(tiny_corpus_dir)
    config = tiny_config(tiny_encoder_dir, epochs=3, members=2)
    configs = member_configs(config, 2)
    assert len({c.data_seed for c in configs}) == 2 and {c.seed for c in configs} == {config.seed}
    logged: list[str] = []
    nlu, _ = train_soup(corpus, config, progress=False, log=logged.append)
    assert any(line.startswith("soup of 2 members: dev") for line in logged)
    assert nlu.meta["members"] == 2 and len(nlu.meta["member_dev_metrics"]) == 2
    assert nlu.meta["selected"] == "soup of 2 members" or nlu.meta["selected"].startswith("member ")
    # the kept model is at least as good on dev as every member (sentence accuracy decides first)
    kept = nlu.meta["dev_metrics"]["sentence_accuracy"]
    assert kept >= max(m["sentence_accuracy"] for m in nlu.meta["member_dev_metrics"])
    nlu.save(tmp_path / "soup")
    assert JointBertNLU.load(tmp_path / "soup").parse("flights from boston").text == "flights from boston"


def test_soup_needs_a_dev_split(tiny_corpus_dir, tiny_encoder_dir):
    from datasets import DatasetDict

    from tod.nlu.soup import train_soup

    train = load_seq_corpus(tiny_corpus_dir, ["train"])
    with pytest.raises(ConfigError, match="needs a dev split"):
        train_soup(DatasetDict(train=train["train"]), tiny_config(tiny_encoder_dir, members=2), progress=False)


def test_bilstm_slot_layer_trains_saves_and_loads(tiny_corpus_dir, tiny_encoder_dir, tmp_path):
    corpus = load_seq_corpus(tiny_corpus_dir)
    config = tiny_config(tiny_encoder_dir, epochs=2, model=JointNLUConfig(slot_lstm=True))
    nlu, _ = train_joint_nlu(corpus, config, progress=False, log=lambda _: None)
    assert nlu.model.slot_lstm is not None
    texts = ["show me flights from boston to denver", "fares", ""]
    before = [r.to_dict() for r in nlu.parse_batch(texts)]
    nlu.save(tmp_path / "m")
    loaded = JointBertNLU.load(tmp_path / "m", precision="fp32")
    loaded.precision = nlu.precision
    assert [r.to_dict() for r in loaded.parse_batch(texts)] == before


def test_bf16_inference_agrees_with_fp32_and_saves_fp32(trained, tmp_path):
    import torch
    from safetensors.torch import load_file

    trained.save(tmp_path / "m")
    fp32 = JointBertNLU.load(tmp_path / "m", precision="fp32")
    bf16 = JointBertNLU.load(tmp_path / "m", precision="bf16")
    assert next(bf16.model.encoder.parameters()).dtype == torch.bfloat16
    assert next(fp32.model.encoder.parameters()).dtype == torch.float32
    texts = ["show me flights from boston to denver", "what is the fare from dallas to atlanta"]
    for a, b in zip(fp32.parse_batch(texts), bf16.parse_batch(texts)):
        assert a.intent == b.intent and a.tags == b.tags
    bf16.save(tmp_path / "again")  # a bf16-serving model still saves full-precision weights
    assert all(v.dtype == torch.float32 for v in load_file(str(tmp_path / "again" / "model.safetensors")).values()
               if v.is_floating_point())
