"""Training a JointBertNLU on an intent + slot corpus (``datasets.DatasetDict`` with train/dev).

The recipe: AdamW with a higher learning rate for the freshly initialised heads than for the
encoder, linear warm-up and decay, length-bucketed batches (little padding, so CPU time goes
into real tokens), evaluation on dev after every epoch, and the best epoch by dev sentence
accuracy (ties: slot F1, then intent accuracy) kept. Everything random is seeded.
"""

from __future__ import annotations

import math
import platform
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from tod.errors import ConfigError
from tod.evaluation.nlu import NLUScores, evaluate_predictions
from tod.nlu.config import TrainConfig
from tod.nlu.jointbert import JointBertNLU
from tod.nlu.labels import OUTSIDE, LabelVocab

SELECTION_KEYS = ("sentence_accuracy", "slot_f1", "intent_accuracy")


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    train_loss: float
    dev: dict[str, float]
    seconds: float


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def hardware_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes bfloat16 natively (CUDA, or a CPU with AVX-512 BF16 / AMX)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux: do not guess
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_precision(precision: str, device: torch.device) -> str:
    if precision == "auto":
        return "bf16" if hardware_bf16(device) else "fp32"
    return precision


def build_vocabularies(train) -> tuple[LabelVocab, LabelVocab]:
    """Intent and tag vocabularies from the training split only (other labels count as errors)."""
    intents = LabelVocab.build(train["intent"])
    tags = LabelVocab.build((t for row in train["tags"] for t in row), first=(OUTSIDE,))
    return intents, tags


def length_batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar-length examples: shuffle, sort within pools, batch, shuffle."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def _selection_key(scores: NLUScores) -> tuple[float, ...]:
    return tuple(getattr(scores, k) for k in SELECTION_KEYS)


def train_joint_nlu(
    corpus,
    config: TrainConfig,
    *,
    data_checksum: str | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> tuple[JointBertNLU, list[EpochRecord]]:
    """Train on ``corpus["train"]``, select on ``corpus["dev"]`` (if present); return the best model."""
    if "train" not in corpus:
        raise ConfigError(f"the corpus has no train split (splits found: {list(corpus)})")
    train = corpus["train"]
    dev = corpus["dev"] if "dev" in corpus else None
    if config.threads:
        torch.set_num_threads(config.threads)
    seed_everything(config.seed)
    intents, tags = build_vocabularies(train)
    nlu = JointBertNLU.from_encoder(config.encoder, intents, tags, config.model)
    model, device = nlu.model, nlu.device
    precision = resolve_precision(config.precision, device)
    if config.freeze_embeddings:
        model.encoder.get_input_embeddings().weight.requires_grad_(False)

    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.") and p.requires_grad]
    decay, no_decay = [], []
    for name, p in model.encoder.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim < 2 or "LayerNorm" in name or "layer_norm" in name else decay).append(p)
    optimizer = torch.optim.AdamW(
        [
            {"params": decay, "lr": config.lr, "weight_decay": config.weight_decay},
            {"params": no_decay, "lr": config.lr, "weight_decay": 0.0},
            {"params": head_params, "lr": config.head_lr, "weight_decay": 0.0},
        ]
    )
    token_rows = train["tokens"]
    intent_ids = [intents.index(i) for i in train["intent"]]
    tag_ids = [[tags.index(t) for t in row] for row in train["tags"]]
    lengths = [len(r) for r in token_rows]
    steps_per_epoch = math.ceil(len(token_rows) / config.batch_size)
    total = steps_per_epoch * config.epochs
    warmup = int(total * config.warmup)

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    rng = random.Random(config.seed)
    history: list[EpochRecord] = []
    best_state: dict[str, torch.Tensor] | None = None
    best_key: tuple[float, ...] | None = None
    best_scores: NLUScores | None = None
    best_epoch = 0
    started = time.time()

    from tqdm.auto import tqdm

    bar = tqdm(total=total, disable=not progress, unit="step", dynamic_ncols=True, desc="training")
    for epoch in range(1, config.epochs + 1):
        epoch_start = time.time()
        model.train()
        losses = []
        for batch_ids in length_batches(lengths, config.batch_size, rng):
            batch = nlu.words.encode([token_rows[i] for i in batch_ids])
            width = batch.word_index.size(1)
            gold_tags = torch.zeros((len(batch_ids), width), dtype=torch.long)
            for row, i in enumerate(batch_ids):
                kept = tag_ids[i][: batch.n_words[row]]
                gold_tags[row, : len(kept)] = torch.tensor(kept, dtype=torch.long)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
                out = model(
                    batch.input_ids.to(device),
                    batch.attention_mask.to(device),
                    batch.word_index.to(device),
                    batch.word_mask.to(device),
                    intent_labels=torch.tensor([intent_ids[i] for i in batch_ids], device=device),
                    tag_labels=gold_tags.to(device),
                )
            optimizer.zero_grad(set_to_none=True)
            out.loss.float().backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            losses.append(out.loss.item())
            bar.update(1)
            bar.set_postfix(epoch=epoch, loss=f"{losses[-1]:.3f}")
        dev_scores = evaluate_predictions(nlu, dev)[0] if dev is not None else None
        record = EpochRecord(
            epoch,
            float(np.mean(losses)),
            {k: getattr(dev_scores, k) for k in SELECTION_KEYS} if dev_scores else {},
            time.time() - epoch_start,
        )
        history.append(record)
        line = f"epoch {epoch}/{config.epochs}  loss {record.train_loss:.4f}"
        if dev_scores is not None:
            line += f"  dev {dev_scores.headline()}"
        # With no dev split the last epoch is kept.
        key = _selection_key(dev_scores) if dev_scores is not None else (float(epoch),)
        if best_key is None or key > best_key:
            best_key, best_scores, best_epoch = key, dev_scores, epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            line += "  (best so far)"
        (bar.write if progress else log)(line)
    bar.close()
    assert best_state is not None
    model.load_state_dict(best_state)
    model.eval()
    nlu.meta = {
        "encoder": config.encoder,
        "train_config": config.to_dict(),
        "precision": precision,
        "seed": config.seed,
        "data_checksum": data_checksum,
        "train_examples": len(token_rows),
        "dev_examples": len(dev) if dev is not None else 0,
        "best_epoch": best_epoch,
        "dev_metrics": best_scores.to_dict() if best_scores is not None else None,
        "history": [asdict(r) for r in history],
        "train_seconds": time.time() - started,
        "versions": _versions(),
    }
    return nlu, history


def _versions() -> dict[str, str]:
    import datasets
    import transformers

    import tod

    return {
        "tod": tod.__version__,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "datasets": datasets.__version__,
        "python": platform.python_version(),
    }
