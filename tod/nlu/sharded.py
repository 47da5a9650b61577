"""NLU inference shared over worker processes, with the predictions a single process makes.

Corpus evaluation (``tod evaluate nlu --workers K``) runs a saved model over thousands of
utterances. Each of K spawned worker processes loads the model once and takes whole units of work
in turn, and the results are put back in input order, so the metrics computed from them are those
of one process:

- an intent/slot split is cut into the very batches :meth:`JointBertNLU.predict_words` forms
  (utterances sorted by length, ``batch_size`` at a time), and a worker predicts whole batches, so
  no utterance is padded differently than it would be in one process;
- a dialogue corpus is shared by dialogue (:meth:`ActNLU.parse_dialogue` parses one dialogue at a
  time anyway).

Workers are spawned, not forked (a forked torch thread pool can hang), and each uses
``threads`` torch threads (by default the cores divided among the workers).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context
from typing import Any, Callable, Sequence, TypeVar

from tod.errors import ConfigError

Item = TypeVar("Item")
Result = TypeVar("Result")
Model = TypeVar("Model")

# What a worker process holds: the model it loaded once (set by the pool's initializer, per process).
_MODEL: Any = None


def _init_worker(load: Callable[[], Any], threads: int) -> None:
    global _MODEL
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch

    torch.set_num_threads(threads)
    _MODEL = load()


def _run_chunk(work: Callable[[Any, Any], Any], items: Sequence[Any]) -> list[Any]:
    return [work(_MODEL, item) for item in items]


def worker_threads(workers: int, threads: int | None = None) -> int:
    """Torch threads per worker: ``threads`` if given, else the cores shared out (at least one)."""
    return threads or max(1, (os.cpu_count() or 1) // workers)


def map_in_workers(
    load: Callable[[], Model],
    work: Callable[[Model, Item], Result],
    items: Sequence[Item],
    workers: int,
    *,
    threads: int | None = None,
    on_done: Callable[[int], None] | None = None,
) -> list[Result]:
    """``[work(model, item) for item in items]`` over ``workers`` spawned processes, each holding
    ``model = load()``; results in the order of ``items``. ``load`` and ``work`` must be picklable
    (module-level functions or partials of them). ``on_done(n)`` is told as each chunk of ``n``
    items comes back."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be a positive integer, found {workers!r}")
    if not items:
        return []
    # Chunks several per worker, so that a slow chunk does not leave the others idle at the end.
    size = max(1, len(items) // (workers * 4))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    results: list[Result] = []
    with ProcessPoolExecutor(
        min(workers, len(chunks)),
        mp_context=get_context("spawn"),
        initializer=_init_worker,
        initargs=(load, worker_threads(workers, threads)),
    ) as pool:
        for done in pool.map(partial(_run_chunk, work), chunks):
            results.extend(done)
            if on_done is not None:
                on_done(len(done))
    return results


def _predict_words(model: Any, sentences: list[list[str]], batch_size: int) -> list[Any]:
    return model.predict_words(sentences, batch_size)


class ShardedPredictor:
    """``predict_words`` of a saved intent/slot model, run by worker processes.

    ``model`` is the model as loaded here (its label vocabularies are what evaluation reads);
    ``load`` loads the same model in each worker."""

    def __init__(self, model: Any, load: Callable[[], Any], workers: int, *, threads: int | None = None) -> None:
        self.intents = model.intents
        self.tags = model.tags
        self.load = load
        self.workers = workers
        self.threads = threads

    def predict_words(self, sentences: Sequence[Sequence[str]], batch_size: int = 64) -> list[Any]:
        # The batches JointBertNLU.predict_words forms: indices sorted by length, batch_size at a time.
        # Given one of them, predict_words runs it as one batch (the sort is stable), so every
        # utterance is predicted in the company it has in a single process.
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
        predicted = map_in_workers(
            self.load,
            partial(_predict_words, batch_size=batch_size),
            [[list(sentences[i]) for i in batch] for batch in batches],
            self.workers,
            threads=self.threads,
        )
        out: list[Any] = [None] * len(sentences)
        for batch, predictions in zip(batches, predicted):
            for i, prediction in zip(batch, predictions):
                out[i] = prediction
        return out


def _parse_dialogue(model: Any, dialogue: Any) -> list[Any]:
    return model.parse_dialogue(dialogue)


def parse_dialogues(
    load: Callable[[], Any],
    dialogues: Sequence[Any],
    workers: int,
    *,
    threads: int | None = None,
    on_done: Callable[[int], None] | None = None,
) -> list[list[Any]]:
    """``[model.parse_dialogue(d) for d in dialogues]`` for the act model ``load()`` gives, over
    ``workers`` processes: each dialogue's predicted acts per user turn, in corpus order."""
    return map_in_workers(load, _parse_dialogue, dialogues, workers, threads=threads, on_done=on_done)
