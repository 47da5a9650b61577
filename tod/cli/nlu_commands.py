"""Handlers of ``tod train nlu``, ``tod evaluate nlu`` and ``tod parse``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tod.cli.options import write_json
from tod.errors import ConfigError, ModelDirError
from tod.files import MANIFEST

if TYPE_CHECKING:
    from tod.nlu.distributed import World


def _threads(args: argparse.Namespace) -> None:
    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)


def check_output_dir(out: Path, overwrite: bool) -> None:
    """Refuse to replace anything but a tod model, and a tod model only with --overwrite."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ConfigError(f"--out {out} exists and is not a directory")
    if not any(out.iterdir()):
        return
    if not (out / MANIFEST).is_file():
        raise ConfigError(f"--out {out} is a non-empty directory that is not a tod model; choose another path")
    if not overwrite:
        raise ConfigError(f"--out {out} already holds a model; pass --overwrite to replace it")


def train_nlu(args: argparse.Namespace) -> int:
    """``tod train nlu``; launched as several processes (torchrun, accelerate launch), data-parallel
    training in which process 0 alone prints and writes the model (``docs/scaling.md``)."""
    from tod.nlu import distributed

    ours = not distributed.current().distributed  # a group set up by a caller is the caller's to end
    world = distributed.setup()
    try:
        code = _train_nlu(args, world)
        distributed.barrier(world)  # the others wait until process 0 has written the model
        return code
    finally:
        if ours:
            distributed.shutdown()


def _train_nlu(args: argparse.Namespace, world: World) -> int:
    from tod.cli.groups.train import ACT_EPOCHS, ACT_MAX_EXAMPLES
    from tod.data.seqio import corpus_checksum, load_seq_corpus
    from tod.nlu.config import JointNLUConfig, TrainConfig

    if args.extend_vocabulary and not getattr(args, "corpus", None):
        raise ConfigError("--extend-vocabulary needs a dialogue corpus (--corpus)")
    config = TrainConfig(
        encoder=args.encoder,
        epochs=args.epochs or (ACT_EPOCHS if getattr(args, "corpus", None) else TrainConfig().epochs),
        batch_size=args.batch_size,
        lr=args.lr,
        head_lr=args.head_lr,
        warmup=args.warmup,
        seed=args.seed,
        threads=args.threads,
        precision=args.precision,
        freeze_embeddings=args.freeze_embeddings,
        average_last=args.average_last,
        members=args.members,
        extend_vocabulary=args.extend_vocabulary,
        max_examples=args.max_examples or (ACT_MAX_EXAMPLES if getattr(args, "corpus", None) else None),
        model=JointNLUConfig(
            pooling=args.pooling,
            crf=args.crf,
            max_length=args.max_length,
            slot_context=args.slot_context,
            dropout=args.dropout,
        ),
    )
    if getattr(args, "corpus", None):
        from tod.cli.act_commands import train_acts

        return train_acts(args, config)
    if args.context_turns:
        raise ConfigError("--context-turns needs a dialogue corpus (--corpus)")
    if world.distributed and config.members > 1:
        # A soup's members train in worker processes of their own; launched as several processes,
        # those are the data-parallel ranks already, so one model is trained.
        config = replace(config, members=1)
        if world.main:
            print(f"tod: {world.size} data-parallel processes train one model (--members 1, not a soup of "
                  f"{args.members})", file=sys.stderr)

    out = Path(args.out)
    check_output_dir(out, args.overwrite)
    corpus = load_seq_corpus(args.data)
    if "train" not in corpus:
        raise ConfigError(f"{args.data} has no train split (found: {', '.join(corpus)})")
    if "dev" not in corpus and world.main:
        print("tod: warning: no dev split; the last epoch is kept", file=sys.stderr)
    used = [s for s in ("train", "dev") if s in corpus]
    checksum = corpus_checksum(args.data, used)
    if world.main:
        print(
            f"training on {len(corpus['train'])} examples"
            + (f", selecting on {len(corpus['dev'])} dev examples" if "dev" in corpus else "")
            + f" (encoder {config.encoder}, {config.epochs} epochs, seed {config.seed})",
            file=sys.stderr,
        )
    from tod.nlu.soup import train_soup

    nlu, _ = train_soup(corpus, config, data_checksum=checksum, progress=not args.quiet,
                             log=lambda line: print(line, file=sys.stderr))
    if not world.main:
        return 0
    nlu.meta["data_path"] = str(Path(args.data).resolve())
    nlu.save(out)
    dev = nlu.meta.get("dev_metrics")
    summary = f"saved {out} (kept {nlu.meta['selected']}"
    if dev:
        summary += (
            f"; dev intent acc {100 * dev['intent_accuracy']:.2f}, slot F1 {100 * dev['slot_f1']:.2f}, "
            f"sentence acc {100 * dev['sentence_accuracy']:.2f}"
        )
    print(summary + ")")
    return 0


def load_model(model_dir: str):
    """The model in ``model_dir``, whichever NLU component saved it (its ``nlu_config.json`` says)."""
    from tod.nlu.jointbert import JointBertNLU
    from tod.registry import NLU_REGISTRY

    if not Path(model_dir).exists():
        raise ModelDirError(f"model directory not found: {model_dir}")
    try:
        component = json.loads((Path(model_dir) / "nlu_config.json").read_text()).get("component", "jointbert")
    except (OSError, ValueError, AttributeError):
        component = "jointbert"  # JointBertNLU.load explains what is wrong with the directory
    cls = NLU_REGISTRY.get(component) if component in NLU_REGISTRY.names() else JointBertNLU
    return cls.load(model_dir)


def evaluate_nlu(args: argparse.Namespace) -> int:
    from tod.data.seqio import load_seq_corpus
    from tod.evaluation.report import print_nlu_report
    from tod.metrics.nlu import evaluate_predictions

    _threads(args)
    nlu = load_model(args.model)
    if getattr(nlu, "KIND", "") == "jointbert-acts" or args.corpus:
        if getattr(nlu, "KIND", "") != "jointbert-acts":
            raise ConfigError(f"{args.model} is an intent/slot model; --corpus evaluates dialogue-act models")
        from tod.cli.act_commands import evaluate_acts

        return evaluate_acts(args, nlu)
    split = load_seq_corpus(args.data, [args.split])[args.split]
    predictor = nlu
    if args.workers > 1:
        from functools import partial

        from tod.nlu.sharded import ShardedPredictor

        predictor = ShardedPredictor(nlu, partial(load_model, args.model), args.workers, threads=args.threads)
    scores, errors = evaluate_predictions(predictor, split, args.batch_size, keep_errors=args.errors)
    print_nlu_report(scores, title=f"{args.data} [{args.split}] with {args.model}", errors=errors)
    if args.json:
        path = Path(args.json)
        payload = {"model": str(args.model), "data": str(args.data), "split": args.split, **scores.to_dict()}
        write_json(path, payload)
        print(f"scores written to {path}")
    return 0


def parse_text(args: argparse.Namespace) -> int:
    nlu = load_model(args.model)
    texts = args.text if args.text else (line.rstrip("\n") for line in sys.stdin)
    for text in texts:
        print(nlu.parse(text).to_json(), flush=True)
    return 0
