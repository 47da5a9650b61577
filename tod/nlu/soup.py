"""Model soups: several fine-tuning runs from one starting point, averaged into one model.

Members share the initialisation (the pre-trained encoder and the same seed for the new heads)
and differ in batch order and dropout (``data_seed``). Fine-tuned models from one starting point
lie in one basin, so the average of their weights is itself a good model, usually a better one
(Wortsman et al., "Model soups", ICML 2022), at the inference cost of a single model. Members
train in parallel worker processes, so on a machine with several cores a soup of two costs about
the wall time of one run. The soup and each member are scored on dev and the best is kept.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from tod.errors import ConfigError
from tod.metrics.nlu import evaluate_predictions, headline
from tod.nlu.config import TrainConfig
from tod.nlu.jointbert import JointBertNLU
from tod.nlu.precision import resolve_precision
from tod.nlu.training import SELECTION_KEYS, EpochRecord, train_joint_nlu


def member_configs(config: TrainConfig, members: int) -> list[TrainConfig]:
    """One config per member: the same init seed, distinct data seeds, threads shared out."""
    threads = config.threads or max(1, (os.cpu_count() or 1) // members)
    return [
        replace(config, data_seed=config.seed * 1000 + i + 1, threads=threads, members=1) for i in range(members)
    ]


def _train_member(corpus: Any, config: TrainConfig, index: int, out: str, checksum: str | None,
                  progress: bool) -> dict[str, Any]:
    nlu, _ = train_joint_nlu(corpus, config, data_checksum=checksum, progress=progress,
                             log=lambda line: print(f"[member {index + 1}] {line}", file=sys.stderr, flush=True),
                             bar_position=index, bar_label=f"member {index + 1}",
                             on_final=lambda final: final.save(out + "-final"))
    nlu.save(out)
    return nlu.meta


def _key(scores: dict[str, float] | None) -> tuple[float, ...]:
    return tuple(scores[k] for k in SELECTION_KEYS) if scores else ()


def train_soup(
    corpus: Any,
    config: TrainConfig,
    *,
    data_checksum: str | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> tuple[JointBertNLU, list[EpochRecord]]:
    """Train ``config.members`` runs in parallel processes; keep the best of them and their average."""
    members = config.members
    if members == 1:
        return train_joint_nlu(corpus, config, data_checksum=data_checksum, progress=progress, log=log)
    if "dev" not in corpus:
        raise ConfigError("a soup of several members needs a dev split to choose between them")
    started = time.time()
    configs = member_configs(config, members)
    context = multiprocessing.get_context("spawn")  # fork would copy torch's thread pools
    with tempfile.TemporaryDirectory(prefix="tod-soup-") as scratch:
        outs = [str(Path(scratch) / f"member-{i + 1}") for i in range(members)]
        with context.Pool(members) as pool:
            jobs = [
                pool.apply_async(_train_member, (corpus, c, i, outs[i], data_checksum, progress))
                for i, c in enumerate(configs)
            ]
            metas = [job.get() for job in jobs]
        # fp32 weights: the average must not be taken over rounded bf16 copies
        nlus = [JointBertNLU.load(out, precision="fp32") for out in outs]
        finals = [JointBertNLU.load(out + "-final", precision="fp32") for out in outs]
    soup = finals[0]
    if config.threads:
        import torch

        torch.set_num_threads(config.threads)
    dev = corpus["dev"]
    candidates: list[tuple[tuple[float, ...], int, JointBertNLU]] = [
        (_key(meta["dev_metrics"]), i, nlu) for i, (meta, nlu) in enumerate(zip(metas, nlus))
    ]
    # The soup averages the members' final states: they sit at the same point of the schedule
    # (learning rate decayed to zero), where fine-tuned weights from one start average best.
    states = [n.model.state_dict() for n in finals]
    averaged = {
        k: sum(s[k].double() for s in states).div(len(states)).to(v.dtype) if v.is_floating_point() else v
        for k, v in states[0].items()
    }
    soup.model.load_state_dict(averaged)
    soup.precision = resolve_precision("auto", soup.device)  # as the members were scored in training
    soup_scores = evaluate_predictions(soup, dev)[0].to_dict()
    log(f"soup of {members} members: dev {headline(soup_scores)}")
    for i, meta in enumerate(metas):
        log(f"member {i + 1} ({meta['selected']}): dev {headline(meta['dev_metrics'])}")
    # A member replaces the soup only if it is strictly better on dev sentence accuracy: dev sets
    # are small, and at equal accuracy the average of the members generalises at least as well.
    best_key, best_index, best_nlu = max(candidates, key=lambda c: c[0])
    best_label = f"member {best_index + 1} ({metas[best_index]['selected']})"
    best_scores = metas[best_index]["dev_metrics"]
    if soup_scores["sentence_accuracy"] >= best_key[0]:
        best_label, best_nlu, best_scores = f"soup of {members} members", soup, soup_scores
    log(f"kept: {best_label}")
    best_nlu.meta = {
        **metas[best_index],
        "train_config": config.to_dict(),
        "members": members,
        "member_data_seeds": [c.data_seed for c in configs],
        "member_dev_metrics": [m["dev_metrics"] for m in metas],
        "member_selected": [m["selected"] for m in metas],
        "soup_dev_metrics": soup_scores,
        "selected": best_label,
        "dev_metrics": best_scores,
        "train_seconds": time.time() - started,
    }
    history = [EpochRecord(**r) for r in metas[best_index]["history"]]
    return best_nlu, history

