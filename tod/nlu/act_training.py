"""Training an :class:`~tod.nlu.acts.ActNLU` on dialogues (MultiWOZ, CrossWOZ, ...).

The same loop as the intent/slot model (:func:`tod.nlu.training.fit`): the act labels and tags come
from the training dialogues only, the value map too (:func:`tod.nlu.act_data.value_map`), and the
epoch kept is the best on dev by act F1, then utterance accuracy (ConvLab-3's definitions).
Launched as several processes it trains data-parallel, as that loop does; process 0 alone then
tunes the label threshold on dev.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

import torch

from tod.dialogue import Dialogue
from tod.errors import ConfigError
from tod.metrics.acts import score_acts
from tod.nlu import distributed
from tod.nlu.act_data import ActExample, act_examples, acts_from_prediction, value_map
from tod.nlu.acts import ActNLU
from tod.nlu.config import TrainConfig
from tod.nlu.labels import OUTSIDE, LabelVocab
from tod.nlu.training import DevResult, EpochRecord, TrainingSet, fit, gold_tags, seed_everything


def act_vocabularies(examples: Sequence[ActExample]) -> tuple[LabelVocab, LabelVocab]:
    """Labels (acts without a span) and BIO tags seen in the training examples."""
    labels = LabelVocab.build(label for e in examples for label in e.labels)
    tags = LabelVocab.build((t for e in examples for t in e.tags), first=(OUTSIDE,))
    return labels, tags


def positive_weights(targets: torch.Tensor) -> torch.Tensor:
    """``max(1, ln(N / count))`` per label: a rare act's positives weigh more (as ConvLab's BERTNLU
    weighs them, on a natural-log scale), so the head does not learn to never predict it."""
    counts = targets.sum(0).clamp(min=1.0)
    return torch.log(targets.size(0) / counts).clamp(min=1.0)


#: Thresholds tried for the label head after training (the best on dev is kept).
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def evaluate_acts(nlu: ActNLU, examples: Sequence[ActExample], thresholds: Sequence[float] | None = None):
    """ConvLab-3 act scores of ``nlu`` on prepared examples (their gold acts).

    With ``thresholds``, a dict threshold -> scores (the model is run once)."""
    rows = nlu.predict([list(e.tokens) for e in examples], [list(e.context) for e in examples])
    gold = [e.gold for e in examples]

    def scores_at(threshold: float):
        predicted = [
            acts_from_prediction(
                e.text,
                e.starts,
                e.ends,
                row.tags,
                [nlu.intents.labels[i] for i in (row.label_probs > threshold).nonzero().flatten().tolist()],
                nlu.values,
            )
            for e, row in zip(examples, rows)
        ]
        return score_acts(gold, predicted)

    if thresholds is None:
        return scores_at(nlu.threshold)
    return {t: scores_at(t) for t in thresholds}


def tune_threshold(nlu: ActNLU, examples: Sequence[ActExample], log: Callable[[str], None]):
    """Set ``nlu.threshold`` to the label threshold with the best dev act F1 (then utterance
    accuracy); return the dev scores at that threshold."""
    by_threshold = evaluate_acts(nlu, examples, THRESHOLDS)
    best = max(by_threshold, key=lambda t: (by_threshold[t].f1, by_threshold[t].utterance_accuracy, -abs(t - 0.5)))
    log(
        "label threshold on dev: "
        + ", ".join(f"{t:.1f}: F1 {100 * s.f1:.2f}" for t, s in by_threshold.items())
        + f"; kept {best:.1f}"
    )
    nlu.threshold = best
    return by_threshold[best]


def train_act_nlu(
    train: Sequence[Dialogue],
    dev: Sequence[Dialogue] | None,
    config: TrainConfig,
    *,
    corpus: str = "",
    data_checksum: str | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
    bar_position: int = 0,
    bar_label: str = "training",
    on_final: Callable[[ActNLU], None] | None = None,
) -> tuple[ActNLU, list[EpochRecord]]:
    """Train on the user turns of ``train``; keep the best epoch on ``dev`` (the last without dev)."""
    model_config = config.model if config.model.multi_label else replace(config.model, multi_label=True)
    config = replace(config, model=model_config)
    examples = act_examples(train, context_turns=model_config.context_turns, context_acts=model_config.context_acts)
    if not examples:
        raise ConfigError("no user turns to train on: the training dialogues are empty")
    dev_examples = (
        act_examples(dev, context_turns=model_config.context_turns, context_acts=model_config.context_acts)
        if dev
        else []
    )
    world = distributed.setup()  # before the model is built: on GPUs it chooses this process's device
    if config.threads:
        torch.set_num_threads(config.threads)
    seed_everything(config.seed)
    labels, tags = act_vocabularies(examples)
    nlu = ActNLU.from_encoder(config.encoder, labels, tags, model_config, values=value_map(train), corpus=corpus)
    nlu.meta["task"] = "dialogue acts"
    if config.extend_vocabulary:
        from tod.nlu.vocab import extend_vocabulary

        texts = [turn.text for dialogue in train for turn in dialogue.turns]
        added = extend_vocabulary(nlu.tokenizer, nlu.model.encoder, texts, seed=config.seed)
        nlu.meta["added_characters"] = added
        if world.main:
            log(f"vocabulary: {added} characters of the training dialogues added to the encoder's")
    targets = torch.zeros((len(examples), len(labels)))
    for row, example in enumerate(examples):
        for label in example.labels:
            targets[row, labels.index(label)] = 1.0
    nlu.model.label_pos_weight = positive_weights(targets)
    tag_ids = [[tags.index(t) for t in e.tags] for e in examples]
    use_context = model_config.context_turns > 0

    def inputs(batch_ids: list[int]):
        batch = nlu.words.encode(
            [list(examples[i].tokens) for i in batch_ids],
            [list(examples[i].context) for i in batch_ids] if use_context else None,
        )
        return batch, targets[batch_ids], gold_tags(batch, [tag_ids[i] for i in batch_ids])

    def evaluate() -> DevResult:
        scores = evaluate_acts(nlu, dev_examples)
        summary = {"act_f1": scores.f1, "utterance_accuracy": scores.utterance_accuracy}
        return DevResult(scores, (scores.f1, scores.utterance_accuracy), scores.headline(), summary)

    lengths = [len(e.tokens) + sum(len(c.split()) for c in e.context) for e in examples]
    data = TrainingSet(lengths, inputs, evaluate if dev_examples else None, len(dev_examples))
    trained, history = fit(
        nlu,
        data,
        config,
        data_checksum=data_checksum,
        progress=progress,
        log=log,
        bar_position=bar_position,
        bar_label=bar_label,
        on_final=on_final,
    )
    trained.meta.update(
        {
            "task": "dialogue acts",
            "corpus": corpus,
            "train_dialogues": len(train),
            "dev_dialogues": len(dev) if dev else 0,
        }
    )
    if dev_examples and world.main:
        scores = tune_threshold(trained, dev_examples, log)  # type: ignore[arg-type]
        trained.meta.update({"label_threshold": trained.threshold, "dev_metrics": scores.to_dict()})
    return trained, history  # type: ignore[return-value]
