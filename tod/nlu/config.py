"""Configuration of joint NLU models and their training (pure dataclasses, no torch).

The command line reads its defaults from here, so ``tod train nlu --help`` shows the values the
library uses.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from tod.cache import Recipe
from tod.errors import ConfigError

PRECISIONS = ("auto", "fp32", "bf16")


@dataclass(frozen=True)
class JointNLUConfig:
    """Architecture of a joint model (what is needed to rebuild it around saved weights)."""

    pooling: str = "mean"  # sentence vector for the intent head: "mean" of tokens or "cls"
    crf: bool = True  # learn BIO transition scores (linear-chain CRF) instead of a plain softmax
    dropout: float = 0.2  # on the heads; ATIS dev preferred 0.2 to 0.1
    slot_loss_weight: float = 1.0
    max_length: int = 128  # sub-tokens per utterance, special tokens included
    # give the slot head the sentence vector too, so that tags can depend on the whole request
    slot_context: bool = False
    # a BiLSTM over the words' vectors before the slot head (BERT-BiLSTM-CRF)
    slot_lstm: bool = False
    # several labels per utterance (dialogue acts): sigmoid + binary cross-entropy per label
    # instead of one softmax label
    multi_label: bool = False
    # previous turns given to the encoder after the utterance, as a second segment (dialogue
    # acts; 0: none)
    context_turns: int = 0
    # the context turns are given as their dialogue acts ("request restaurant area") instead of
    # their words: short (fast) and exact where the acts are known (a running system's own turns)
    context_acts: bool = False

    def __post_init__(self) -> None:
        if self.pooling not in ("mean", "cls"):
            raise ConfigError(f"pooling must be 'mean' or 'cls', found {self.pooling!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), found {self.dropout}")
        if self.max_length < 4:
            raise ConfigError(f"max_length must be at least 4, found {self.max_length}")
        if self.context_turns < 0:
            raise ConfigError(f"context_turns must be >= 0, found {self.context_turns}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JointNLUConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown JointNLUConfig keys {unknown}; valid keys: {sorted(known)}")
        return cls(**data)


@dataclass(frozen=True)
class TrainConfig:
    encoder: str = "minilm"
    epochs: int = 14
    batch_size: int = 32
    lr: float = 2e-4
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.1  # fraction of the steps spent warming up
    seed: int = 13  # initialisation of the new heads
    # batch order and dropout; None uses `seed`. Members of a soup share `seed` (one starting
    # point, so that their weights can be averaged) and differ here.
    data_seed: int | None = None
    threads: int | None = None  # torch CPU threads; None keeps torch's default
    # keep the pre-trained word embeddings fixed: faster steps, and words unseen in training
    # stay where pre-training put them
    freeze_embeddings: bool = True
    # average the weights of the last N epochs and keep the average if it is better on dev
    # (0 or 1: off)
    average_last: int = 0
    # train this many runs in parallel processes and keep the best of them and their weight
    # average (a model soup, see tod.nlu.soup); 1: a single run
    members: int = 2
    # "bf16" runs forward/backward under bfloat16 autocast (weights and optimizer stay fp32):
    # about 1.5x faster on CPUs with AVX-512 BF16 or AMX, and on recent GPUs; "auto" picks bf16
    # where the hardware has it and fp32 elsewhere (bf16 emulated in software is slow).
    precision: str = "auto"
    # cap on the training examples seen over all epochs (None: no cap). With more examples than
    # max_examples // epochs, each epoch is the next slice of one seeded shuffled order of all of
    # them (reshuffled when used up), so training time stays bounded as the data grows while
    # every example is seen once before any is seen twice.
    max_examples: int | None = None
    # add the CJK characters of the training dialogues that the encoder's tokenizer cannot spell as new
    # tokens (tod.nlu.vocab), e.g. for an English encoder on Chinese; their embeddings must be trained
    extend_vocabulary: bool = False
    model: JointNLUConfig = JointNLUConfig()

    def __post_init__(self) -> None:
        checks = [
            (self.epochs >= 1, f"epochs must be >= 1, found {self.epochs}"),
            (self.batch_size >= 1, f"batch size must be >= 1, found {self.batch_size}"),
            (self.lr > 0 and math.isfinite(self.lr), f"learning rate must be a positive number, found {self.lr}"),
            (self.head_lr > 0 and math.isfinite(self.head_lr), f"head learning rate must be positive: {self.head_lr}"),
            (0 <= self.warmup < 1, f"warmup must be a fraction in [0, 1), found {self.warmup}"),
            (self.weight_decay >= 0, f"weight decay must be >= 0, found {self.weight_decay}"),
            (self.precision in PRECISIONS, f"precision must be one of {PRECISIONS}, found {self.precision!r}"),
            (self.members >= 1, f"members must be >= 1, found {self.members}"),
            (self.average_last >= 0, f"average_last must be >= 0, found {self.average_last}"),
            (self.threads is None or self.threads >= 1, f"threads must be >= 1, found {self.threads}"),
            (
                self.max_examples is None or self.max_examples >= 1,
                f"max_examples must be >= 1, found {self.max_examples}",
            ),
            (
                not (self.extend_vocabulary and self.freeze_embeddings),
                "extending the vocabulary needs trainable word embeddings (--no-freeze-embeddings): the new "
                "characters' embeddings start near the known ones and must be learned",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GeneratedDataRecipe(Recipe):
    """An act model trained on generated dialogues (a domain's synthetic NLU, the simulated user's NLU),
    trained once and cached by its recipe (:class:`tod.cache.Recipe`): these are the choices both share."""

    #: generated dialogues to train on
    dialogues: int
    epochs: int
    encoder: str = "minilm"
    seed: int = 0
    #: encoder learning rate (the heads learn at TrainConfig's head_lr)
    lr: float = 2e-4
    #: add the generated texts' unknown CJK characters to the encoder's vocabulary (trains the word
    #: embeddings too): how the packaged MiniLM reads Chinese domains
    extend_vocabulary: bool = False

    def train_config(
        self, *, seed_offset: int, context_turns: int, context_acts: bool = False, max_length: int = 96
    ) -> TrainConfig:
        """The training recipe: one run seeded ``seed + seed_offset``, multi-label acts, the word
        embeddings trained only when the vocabulary is extended."""
        from dataclasses import replace

        base = TrainConfig()
        return replace(
            base,
            encoder=self.encoder,
            epochs=self.epochs,
            lr=self.lr,
            members=1,
            seed=self.seed + seed_offset,
            extend_vocabulary=self.extend_vocabulary,
            freeze_embeddings=not self.extend_vocabulary,
            model=replace(
                base.model,
                multi_label=True,
                context_turns=context_turns,
                context_acts=context_acts,
                max_length=max_length,
            ),
        )
