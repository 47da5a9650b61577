"""Training a JointBertNLU on an intent + slot corpus (``datasets.DatasetDict`` with train/dev).

The recipe: AdamW with a higher learning rate for the freshly initialised heads than for the
encoder, linear warm-up and decay, length-bucketed batches (little padding, so CPU time goes
into real tokens), evaluation on dev after every epoch, and the best epoch by dev sentence
accuracy (ties: slot F1, then intent accuracy) kept. Everything random is seeded.

Launched as several processes (``torchrun``, ``accelerate launch``), the loop trains data-parallel
(:mod:`tod.nlu.distributed`): each process takes its share of every epoch's batches, gradients are
averaged, and process 0 alone evaluates, keeps the best epoch and reports.
"""

from __future__ import annotations

import math
import platform
import random
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Sequence

import numpy as np
import torch

from tod.errors import ConfigError
from tod.metrics.nlu import evaluate_predictions
from tod.nlu import distributed
from tod.nlu.config import TrainConfig
from tod.nlu.jointbert import JointBertNLU
from tod.nlu.labels import OUTSIDE, LabelVocab
from tod.nlu.precision import resolve_precision

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


def epoch_size(examples: int, config: TrainConfig) -> int:
    """Examples per epoch: all of them, or ``max_examples // epochs`` (at least one batch) when fewer."""
    if config.max_examples is None or examples * config.epochs <= config.max_examples:
        return examples
    return min(examples, max(config.batch_size, config.max_examples // config.epochs))


class EpochSampler:
    """Hands out epochs of ``size`` examples: consecutive slices of a seeded shuffled order of all
    ``count`` examples, reshuffled when used up (every example once before any twice). With
    ``size == count`` every epoch is the whole set, batched exactly as :func:`length_batches` does."""

    def __init__(self, count: int, size: int, rng: random.Random) -> None:
        self.count, self.size, self.rng = count, size, rng
        self.order: list[int] = []

    def batches(self, lengths: Sequence[int], batch_size: int) -> list[list[int]]:
        if self.size >= self.count:
            return length_batches(lengths, batch_size, self.rng)
        chosen: list[int] = []
        while len(chosen) < self.size:
            if not self.order:
                fresh = list(range(self.count))
                self.rng.shuffle(fresh)
                taken = set(chosen)  # no example twice in one epoch: this epoch's go last
                self.order = [i for i in fresh if i not in taken] + [i for i in fresh if i in taken]
            take = min(self.size - len(chosen), len(self.order))
            chosen.extend(self.order[:take])
            del self.order[:take]
        local = length_batches([lengths[i] for i in chosen], batch_size, self.rng)
        return [[chosen[i] for i in batch] for batch in local]


@dataclass(frozen=True)
class DevResult:
    """A dev evaluation: the scores (their ``to_dict()`` goes to the metadata), the selection key
    (larger is better), the line printed each epoch and the numbers kept in the history."""

    scores: Any
    key: tuple[float, ...]
    line: str
    summary: dict[str, float]


@dataclass
class TrainingSet:
    """What the shared loop needs to know of a task: sizes, batches and dev evaluation.

    ``inputs(batch_ids)`` gives the encoder batch, the intent targets and the gold tags of those
    training examples; ``evaluate()`` scores the model on dev (``None`` without a dev split).
    """

    lengths: list[int]
    inputs: Callable[[list[int]], tuple[Any, torch.Tensor, torch.Tensor]]
    evaluate: Callable[[], DevResult] | None
    dev_examples: int = 0


def train_joint_nlu(
    corpus,
    config: TrainConfig,
    *,
    data_checksum: str | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
    bar_position: int = 0,
    bar_label: str = "training",
    on_final: Callable[[JointBertNLU], None] | None = None,
) -> tuple[JointBertNLU, list[EpochRecord]]:
    """Train on ``corpus["train"]``, select on ``corpus["dev"]`` (if present); return the best model.

    ``on_final`` is called with the model as it is after the last epoch, before the best state
    is restored (model soups average final states).
    """
    if "train" not in corpus:
        raise ConfigError(f"the corpus has no train split (splits found: {list(corpus)})")
    train = corpus["train"]
    dev = corpus["dev"] if "dev" in corpus else None
    distributed.setup()  # before the model is built: on GPUs it chooses this process's device
    if config.threads:
        torch.set_num_threads(config.threads)
    seed_everything(config.seed)
    intents, tags = build_vocabularies(train)
    nlu = JointBertNLU.from_encoder(config.encoder, intents, tags, config.model)
    token_rows = train["tokens"]
    intent_ids = [intents.index(i) for i in train["intent"]]
    tag_ids = [[tags.index(t) for t in row] for row in train["tags"]]

    def inputs(batch_ids: list[int]) -> tuple[Any, torch.Tensor, torch.Tensor]:
        batch = nlu.words.encode([token_rows[i] for i in batch_ids])
        tags = gold_tags(batch, [tag_ids[i] for i in batch_ids])
        return batch, torch.tensor([intent_ids[i] for i in batch_ids]), tags

    def evaluate() -> DevResult:
        scores = evaluate_predictions(nlu, dev)[0]
        summary = {k: getattr(scores, k) for k in SELECTION_KEYS}
        return DevResult(scores, tuple(summary.values()), scores.headline(), summary)

    data = TrainingSet([len(r) for r in token_rows], inputs, evaluate if dev is not None else None,
                       len(dev) if dev is not None else 0)
    return fit(nlu, data, config, data_checksum=data_checksum, progress=progress, log=log,
               bar_position=bar_position, bar_label=bar_label, on_final=on_final)


def gold_tags(batch: Any, rows: Sequence[Sequence[int]]) -> torch.Tensor:
    """Tag ids padded to the batch's word positions (words cut by ``max_length`` dropped)."""
    tags = torch.zeros((len(rows), batch.word_index.size(1)), dtype=torch.long)
    for row, ids in enumerate(rows):
        kept = list(ids[: batch.n_words[row]])
        tags[row, : len(kept)] = torch.tensor(kept, dtype=torch.long)
    return tags


def fit(
    nlu: JointBertNLU,
    data: TrainingSet,
    config: TrainConfig,
    *,
    data_checksum: str | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
    bar_position: int = 0,
    bar_label: str = "training",
    on_final: Callable[[JointBertNLU], None] | None = None,
) -> tuple[JointBertNLU, list[EpochRecord]]:
    """The training loop shared by every joint model: returns the model at its best dev epoch.

    In a process group (:func:`tod.nlu.distributed.setup`) every process calls it; each trains on its
    share of the batches (``config.batch_size`` is then per process), and only process 0 evaluates,
    reports and returns the selected model: the others return their copy as of the last epoch."""
    data_seed = config.seed if config.data_seed is None else config.data_seed
    if data_seed != config.seed:
        seed_everything(data_seed)
    world = distributed.setup()
    model, device = nlu.model, nlu.device
    precision = resolve_precision(config.precision, device)
    if config.freeze_embeddings:
        model.encoder.get_input_embeddings().weight.requires_grad_(False)

    optimizer = _optimizer(model, config)
    trainer = distributed.wrap(model, world)  # the model itself, or it in DistributedDataParallel
    if world.distributed:
        # One batch order for all (the sampler's own rng), but dropout differs between processes.
        torch.manual_seed(data_seed + world.rank)
    rng = random.Random(data_seed)
    sampler = EpochSampler(len(data.lengths), epoch_size(len(data.lengths), config), rng)
    total = math.ceil(math.ceil(sampler.size / config.batch_size) / world.size) * config.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _linear_schedule(total, int(total * config.warmup)))
    if not world.main:
        log = _silent
    if sampler.size < len(data.lengths):
        log(f"{len(data.lengths)} training examples; {sampler.size} per epoch (--max-examples {config.max_examples})")
    if world.distributed:
        log(f"data-parallel over {world.size} processes ({world.backend}): {config.batch_size} examples per "
            f"process and step, {world.size * config.batch_size} in all")
    history: list[EpochRecord] = []
    best: _Candidate | None = None
    average = _WeightAverage(first_epoch=config.epochs - config.average_last + 1) if config.average_last > 1 else None
    started = time.time()

    def consider(result: DevResult | None, label: str, epoch: int) -> bool:
        """Keep the model's current state if it beats the best so far (the state is copied only then)."""
        nonlocal best
        key = result.key if result is not None else (float(epoch),)
        if best is None or key > best.key:
            scores = result.scores if result is not None else None
            best = _Candidate({k: v.detach().clone() for k, v in model.state_dict().items()}, scores, label, epoch, key)
            return True
        return False

    from tqdm.auto import tqdm

    # disable=None: no bar when stderr is not a terminal (logs and pipes get the epoch lines only)
    progress = progress and world.main
    bar = tqdm(total=total, disable=None if progress else True, unit="step", dynamic_ncols=True, desc=bar_label,
               position=bar_position)
    say = (lambda line: bar.write(line, file=sys.stderr)) if progress else log  # lines go where the bar is
    for epoch in range(1, config.epochs + 1):
        epoch_start = time.time()
        trainer.train()
        losses = []
        for batch_ids in distributed.shard(sampler.batches(data.lengths, config.batch_size), world):
            batch, intent_targets, tag_targets = data.inputs(batch_ids)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
                out = trainer(
                    batch.input_ids.to(device),
                    batch.attention_mask.to(device),
                    batch.word_index.to(device),
                    batch.word_mask.to(device),
                    intent_labels=intent_targets.to(device),
                    tag_labels=tag_targets.to(device),
                    token_type_ids=None if batch.token_type_ids is None else batch.token_type_ids.to(device),
                )
            optimizer.zero_grad(set_to_none=True)
            out.loss.float().backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            losses.append(out.loss.item())
            bar.update(1)
            bar.set_postfix(epoch=epoch, loss=f"{losses[-1]:.3f}")
        if average is not None:
            average.add(epoch, model)
        train_loss = distributed.mean(float(np.mean(losses)), world)
        result = data.evaluate() if data.evaluate is not None and world.main else None
        distributed.barrier(world)  # the other processes wait while process 0 evaluates
        record = EpochRecord(
            epoch,
            train_loss,
            result.summary if result is not None else {},
            time.time() - epoch_start,
        )
        history.append(record)
        if not world.main:
            continue
        line = f"epoch {epoch}/{config.epochs}  loss {record.train_loss:.4f}"
        if result is not None:
            line += f"  dev {result.line}"
        # Without a dev split the last epoch is kept.
        if consider(result, f"epoch {epoch}", epoch):
            line += "  (best so far)"
        say(line)
    bar.close()
    distributed.check_in_step(model, world)
    if on_final is not None:
        on_final(nlu)
    if not world.main:
        model.eval()
        return nlu, history
    if average is not None:
        model.load_state_dict(average.state(model))
        result = data.evaluate() if data.evaluate is not None else None
        label = f"average of epochs {average.first_epoch}-{config.epochs}"
        kept = consider(result, label, config.epochs + 1)
        say(f"{label}: dev {result.line if result else '(no dev split)'}" + ("  (best)" if kept else ""))
    assert best is not None
    model.load_state_dict(best.state)
    model.eval()
    nlu.meta = {
        **{k: v for k, v in nlu.meta.items() if k not in ("encoder",)},
        "encoder": config.encoder,
        "train_config": config.to_dict(),
        "precision": precision,
        "seed": config.seed,
        "data_checksum": data_checksum,
        "train_examples": len(data.lengths),
        "epoch_examples": sampler.size,
        "dev_examples": data.dev_examples,
        "selected": best.label,
        "best_epoch": min(best.epoch, config.epochs),
        "dev_metrics": best.scores.to_dict() if best.scores is not None else None,
        "history": [asdict(r) for r in history],
        "train_seconds": time.time() - started,
        "versions": _versions(),
    }
    if world.distributed:
        nlu.meta["distributed"] = {"processes": world.size, "backend": world.backend,
                                   "batch_size_per_process": config.batch_size}
    return nlu, history


def _silent(line: str) -> None:
    """Where the lines of processes other than process 0 go."""


def _optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """AdamW: encoder weights decay, biases and norms do not, the new heads learn faster."""
    heads = [p for n, p in model.named_parameters() if not n.startswith("encoder.") and p.requires_grad]
    decay, no_decay = [], []
    for name, p in model.encoder.named_parameters():
        if p.requires_grad:
            (no_decay if p.ndim < 2 or "LayerNorm" in name or "layer_norm" in name else decay).append(p)
    return torch.optim.AdamW(
        [
            {"params": decay, "lr": config.lr, "weight_decay": config.weight_decay},
            {"params": no_decay, "lr": config.lr, "weight_decay": 0.0},
            {"params": heads, "lr": config.head_lr, "weight_decay": 0.0},
        ]
    )


def _linear_schedule(total: int, warmup: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    return factor


@dataclass
class _Candidate:
    """The best model state so far, with its dev scores and selection key."""

    state: dict[str, torch.Tensor]
    scores: Any
    label: str
    epoch: int
    key: tuple[float, ...]


class _WeightAverage:
    """Running mean of the weights of the final epochs (stochastic weight averaging)."""

    def __init__(self, first_epoch: int) -> None:
        self.first_epoch = max(1, first_epoch)
        self.count = 0
        self.sums: dict[str, torch.Tensor] = {}

    def add(self, epoch: int, model: torch.nn.Module) -> None:
        if epoch < self.first_epoch:
            return
        self.count += 1
        for k, v in model.state_dict().items():
            if v.is_floating_point():
                self.sums[k] = self.sums[k] + v.detach().double() if k in self.sums else v.detach().double().clone()

    def state(self, model: torch.nn.Module) -> dict[str, torch.Tensor]:
        """The averaged weights; entries that are not averaged (integer buffers) come from ``model``."""
        return {
            k: (self.sums[k] / self.count).to(v.dtype) if k in self.sums else v.detach().clone()
            for k, v in model.state_dict().items()
        }


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
