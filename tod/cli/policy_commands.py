"""Handlers of ``tod train policy`` and ``tod evaluate policy``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tod.cli.act_commands import seeded_part
from tod.cli.data_commands import open_corpus
from tod.cli.nlu_commands import check_output_dir
from tod.cli.options import DEV_FRACTION, SPLIT_SEED, TOD_FILES, write_json
from tod.data.corpus import Corpus
from tod.data.split import sample_dialogues, train_dev_parts
from tod.domain.context import BuildContext
from tod.errors import ConfigError

#: The name the whole of a tod dialogue file goes by where other corpora name a split.
TOD_SPLIT = "dialogues"


def _log(args: argparse.Namespace):
    return (lambda line: None) if getattr(args, "quiet", False) else (lambda line: print(line, file=sys.stderr))


def _open(args: argparse.Namespace, corpus_name: str, split: str | None) -> tuple[Corpus, BuildContext]:
    """The corpus (a "tod" dialogue file is one split, :data:`TOD_SPLIT`) and the domain's build context."""
    data = Path(args.data)
    if corpus_name == TOD_FILES:
        from tod.data.dialogue_files import load_dialogues

        if not args.domain:
            raise ConfigError("--corpus tod needs --domain: the domain (name or path) the dialogues belong to")
        if not data.exists():
            raise ConfigError(f"--data {data}: expected a tod dialogue file or directory, found nothing there")
        corpus = Corpus(TOD_FILES, {TOD_SPLIT: load_dialogues(data)})
    else:
        if not data.is_dir():
            raise ConfigError(f"--data {data}: expected the {corpus_name} corpus directory, found no directory there")
        corpus = open_corpus(args.data, corpus_name, [split] if split else None)
    domain_data = args.domain_data or str(data if data.is_dir() else data.parent)
    context = BuildContext.open(args.domain or corpus_name, data_dir=domain_data, seed=getattr(args, "seed", 0))
    return corpus, context


def train_policy(args: argparse.Namespace) -> int:
    """``tod train policy``: train, score on the held-out part, save; 0 on success."""
    from tod.evaluation.policy import evaluate_policy
    from tod.policy.features import ActSpace
    from tod.policy.mle import MLEPolicy
    from tod.policy.mle_data import policy_examples
    from tod.policy.mle_training import MLETrainConfig, train_mle

    log = _log(args)
    out = Path(args.out)
    check_output_dir(out, args.overwrite)
    config = MLETrainConfig(
        architecture=args.architecture, c=args.c, hidden=args.hidden, alpha=args.alpha,
        seed=args.seed, threshold=args.threshold,
    )
    corpus, context = _open(args, args.corpus, None if args.corpus == TOD_FILES else args.split)
    split = TOD_SPLIT if args.corpus == TOD_FILES else args.split or ("train" if "train" in corpus.splits else "val")
    if split not in corpus.splits:
        raise ConfigError(f"--split {split}: the corpus at {args.data} has splits {list(corpus.splits)}")
    dialogues = corpus[split]
    if args.dev_fraction > 0:
        train, dev = train_dev_parts(dialogues, args.dev_fraction, args.split_seed)
        how = f"{args.dev_fraction:.0%} of {split} held out by dialogue ID (seed {args.split_seed})"
    else:
        train, dev, how = dialogues, (), f"all of {split}, nothing held out"
    if args.max_dialogues and len(train) > args.max_dialogues:
        train = sample_dialogues(train, args.max_dialogues, args.split_seed)
        how += f"; a sample of {len(train)} training dialogues by ID (seed {args.split_seed})"
    log(f"training the MLE policy ({config.architecture}) on {len(train)} {args.corpus} dialogues of {split} ({how})")
    model = train_mle(train, context.domain, context.database, config, log=log)
    model.meta.update({
        "corpus": args.corpus,
        "data_path": str(Path(args.data).resolve()),
        "split": split,
        "dev_fraction": args.dev_fraction,
        "split_seed": args.split_seed,
        "max_dialogues": args.max_dialogues,
        "selection": how,
    })
    summary = f"saved {out} (threshold {model.threshold:.2f}"
    if dev:
        policy = MLEPolicy(model, context.domain, context.database, seed=context.seed)
        result = evaluate_policy(policy, policy_examples(dev, ActSpace(context.domain), context.database))
        model.meta["dev_dialogues"] = len(dev)
        model.meta["dev_metrics"] = {k: v for k, v in result.to_dict().items() if not k.startswith("per_")}
        summary += (f"; held-out act F1 {100 * result.scores.f1:.2f}, P {100 * result.scores.precision:.2f}, "
                    f"R {100 * result.scores.recall:.2f} on {result.turns} turns")
    model.save(out)
    print(summary + ")")
    return 0


def _policy(args: argparse.Namespace, context: BuildContext):
    """The policy to evaluate: the saved MLE model, or a registered policy built with its defaults."""
    if args.model:
        from tod.policy.mle import MLEPolicy

        return MLEPolicy.load(args.model, context.domain, context.database, seed=context.seed)
    from tod.registry import POLICY_REGISTRY

    factory = POLICY_REGISTRY.get(args.policy)
    try:
        return factory.from_config(context)
    except TypeError as exc:  # a policy that needs parameters (mle needs model=...)
        raise ConfigError(f"--policy {args.policy} cannot be built with its defaults: {exc}") from exc


def _model_meta(model: str) -> dict[str, Any]:
    from tod.policy.mle_model import MLEModel

    return MLEModel.load(model).meta


def evaluate_policy(args: argparse.Namespace) -> int:
    """``tod evaluate policy``: print the scores, write ``--json``; 0 on success."""
    from tod.evaluation.act_report import breakdown_table
    from tod.evaluation.policy import evaluate_policy as score
    from tod.evaluation.report import metric_table
    from tod.policy.features import ActSpace
    from tod.policy.mle_data import policy_examples

    meta = _model_meta(args.model) if args.model else {}
    name = args.corpus or meta.get("corpus")
    if not name:
        raise ConfigError("--policy needs --corpus: which corpus format is --data?")
    fraction = args.dev_fraction if args.dev_fraction is not None else meta.get("dev_fraction") or DEV_FRACTION
    seed = args.split_seed if args.split_seed is not None else meta.get("split_seed", SPLIT_SEED)
    split = TOD_SPLIT if name == TOD_FILES else args.split
    part = args.part or ("dev" if meta.get("split") == split and meta.get("dev_fraction") else "all")
    if part != "all" and not 0 < fraction < 1:
        raise ConfigError(f"--part {part} needs a dev fraction in (0, 1), found {fraction!r}")
    if name == TOD_FILES and not args.domain:
        args.domain = meta.get("domain")
    corpus, context = _open(args, name, None if name == TOD_FILES else split)
    policy = _policy(args, context)
    dialogues = seeded_part(corpus[split], part, fraction, seed)
    described = f", {part} part: {fraction:.0%} by dialogue ID, seed {seed}" if part != "all" else ""
    where = f"{args.data} [{split}{described}]"
    print(f"evaluating {args.model or args.policy} on {len(dialogues)} dialogues of {where}", file=sys.stderr)
    examples = policy_examples(dialogues, ActSpace(context.domain), context.database)
    result = score(policy, examples)
    from rich.console import Console

    console = Console()
    s = result.scores
    console.print(metric_table(f"policy acts: {where} with {args.model or args.policy}", [
        ("system turns", str(result.turns)),
        ("act precision", f"{100 * s.precision:.2f}"),
        ("act recall", f"{100 * s.recall:.2f}"),
        ("act F1", f"{100 * s.f1:.2f}"),
        ("turn accuracy", f"{100 * s.utterance_accuracy:.2f}"),
        ("true / false positives", f"{s.tp} / {s.fp}"),
        ("false negatives", str(s.fn)),
        ("gold acts outside the inventory (dropped)", str(result.dropped_gold_acts)),
        ("turns without gold acts (not scored)", str(result.unscored_turns)),
        ("predict latency p50 / p95 (ms)", f"{result.latency_p50_ms:.3f} / {result.latency_p95_ms:.3f}"),
    ]))
    console.print(breakdown_table("per intent", s.per_intent))
    console.print(breakdown_table("per domain", s.per_domain))
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "policy": args.policy or "mle",
            "model": args.model,
            "data": str(args.data),
            "corpus": name,
            "split": split,
            "part": part,
            "dev_fraction": fraction,
            "split_seed": seed,
            "dialogues": len(dialogues),
            **result.to_dict(),
        }
        write_json(path, payload)
        print(f"scores written to {path}", file=sys.stderr)
    return 0
