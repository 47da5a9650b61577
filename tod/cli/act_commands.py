"""``tod train nlu --corpus ...`` and ``tod evaluate nlu`` for dialogue-act models."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from tod.cli.data_commands import open_corpus
from tod.cli.options import write_json
from tod.data.split import sample_dialogues, train_dev_parts
from tod.dialogue import Dialogue
from tod.errors import ConfigError


def seeded_part(dialogues: tuple[Dialogue, ...], part: str, fraction: float, seed: int) -> tuple[Dialogue, ...]:
    """The ``train`` or ``dev`` part of :func:`tod.data.split.train_dev_parts` (``all``: every dialogue)."""
    if part == "all":
        return dialogues
    train, dev = train_dev_parts(dialogues, fraction, seed)
    return dev if part == "dev" else train


def _synthetic(domain: str, data: str, count: int, seed: int) -> tuple[Dialogue, ...]:
    """``count`` dialogues synthesised from ``domain`` (its databases read from ``data``)."""
    from tod.domain.context import BuildContext
    from tod.nlu.domain_model import SynthRecipe, synthetic_dialogues

    context = BuildContext.open(domain, data, seed, None, False)
    return tuple(synthetic_dialogues(context, SynthRecipe(dialogues=count, seed=seed))[:count])


def train_acts(args: argparse.Namespace, config) -> int:
    """Train an ActNLU on a dialogue corpus; ``config`` is the TrainConfig the options describe."""
    from tod.cli.groups.train import ACT_CONTEXT
    from tod.cli.nlu_commands import check_output_dir
    from tod.nlu import distributed

    world = distributed.current()  # set up by train_nlu when launched as several processes

    out = Path(args.out)
    check_output_dir(out, args.overwrite)
    corpus = open_corpus(args.data, args.corpus)
    train_split = args.train_split or ("train" if "train" in corpus.splits else "val")
    dialogues = corpus[train_split]
    if args.dev_split:
        train, dev, how = dialogues, corpus[args.dev_split], f"split {args.dev_split}"
    elif train_split == "train" and "val" in corpus.splits:
        train, dev, how = dialogues, corpus["val"], "split val"
    else:
        train, dev = train_dev_parts(dialogues, args.dev_fraction, args.split_seed)
        how = f"{args.dev_fraction:.0%} of {train_split} held out by dialogue ID (seed {args.split_seed})"
    if len(dev) > args.max_dev_dialogues:
        dev = sample_dialogues(dev, args.max_dev_dialogues, args.split_seed)
        how += f", a sample of {len(dev)} dialogues by ID (seed {args.split_seed}, --max-dev-dialogues)"
    synthetic = getattr(args, "synthetic", 0)
    if synthetic:
        train = (*train, *_synthetic(args.corpus, args.data, synthetic, args.split_seed))
        how += f"; plus {synthetic} dialogues synthesised from the {args.corpus} domain (training only)"
    context = ACT_CONTEXT if args.context_turns is None else args.context_turns
    config = replace(config, members=1, model=replace(config.model, multi_label=True, context_turns=context))
    if world.main:
        print(
            f"training dialogue acts on {len(train)} {args.corpus} dialogues ({train_split}), selecting on {len(dev)} "
            f"({how}); encoder {config.encoder}, {config.epochs} epochs, context {context} turns, seed {config.seed}",
            file=sys.stderr,
        )
    from tod.nlu.act_training import train_act_nlu

    nlu, _ = train_act_nlu(
        train, dev, config, corpus=args.corpus, progress=not args.quiet, log=lambda line: print(line, file=sys.stderr)
    )
    if not world.main:
        return 0
    nlu.meta.update(
        {
            "data_path": str(Path(args.data).resolve()),
            "train_split": train_split,
            "selection": how,
            "split_seed": args.split_seed,
            "dev_fraction": args.dev_fraction,
            "synthetic_dialogues": synthetic,
        }
    )
    nlu.save(out)
    dev_metrics = nlu.meta.get("dev_metrics") or {}
    summary = f"saved {out} (kept {nlu.meta['selected']}"
    if dev_metrics:
        f1, accuracy = 100 * dev_metrics["act_f1"], 100 * dev_metrics["utterance_accuracy"]
        summary += f"; dev act F1 {f1:.2f}, utterance acc {accuracy:.2f}"
    print(summary + ")")
    return 0


def evaluate_acts(args: argparse.Namespace, nlu) -> int:
    from tod.evaluation.act_report import print_act_report
    from tod.metrics.acts import act_errors, score_acts

    name = args.corpus or nlu.corpus
    if not name:
        raise ConfigError("the model does not say which corpus it was trained on: give --corpus")
    corpus = open_corpus(args.data, name)
    split = args.split if args.split in corpus.splits else None
    if split is None:
        raise ConfigError(f"--split {args.split}: the corpus at {args.data} has splits {list(corpus.splits)}")
    dialogues = seeded_part(corpus[split], args.part, args.dev_fraction, args.split_seed)
    from tqdm.auto import tqdm

    gold, predicted, texts = [], [], []
    bar = tqdm(total=len(dialogues), desc="parsing", unit="dialogue", disable=not sys.stderr.isatty())
    if args.workers > 1:
        from functools import partial

        from tod.cli.nlu_commands import load_model
        from tod.nlu.sharded import parse_dialogues

        # Each dialogue is parsed on its own, so sharing them out changes no prediction.
        parsed = parse_dialogues(partial(load_model, args.model), dialogues, args.workers, threads=args.threads,
                                 on_done=bar.update)
    else:
        parsed = []
        for dialogue in dialogues:
            parsed.append(nlu.parse_dialogue(dialogue))
            bar.update(1)
    bar.close()
    for dialogue, acts in zip(dialogues, parsed):
        gold.extend(t.acts for t in dialogue.user_turns)
        texts.extend(t.text for t in dialogue.user_turns)
        predicted.extend(acts)
    scores = score_acts(gold, predicted)
    where = f"{args.data} [{split}" + (f", {args.part} part" if args.part != "all" else "") + "]"
    print_act_report(scores, title=f"{where} with {args.model}", errors=act_errors(gold, predicted, texts, args.errors))
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "model": str(args.model),
            "data": str(args.data),
            "corpus": name,
            "split": split,
            "part": args.part,
            "dev_fraction": args.dev_fraction,
            "split_seed": args.split_seed,
            "dialogues": len(dialogues),
            **scores.to_dict(),
        }
        write_json(path, payload)
        print(f"scores written to {path}")
    return 0
