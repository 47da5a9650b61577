"""Handler of ``tod evaluate dst``: the rule tracker on a corpus split, with gold or NLU acts."""

from __future__ import annotations

import argparse
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from tod.cli.data_commands import open_corpus
from tod.cli.options import write_json
from tod.data.split import train_dev_parts
from tod.dialogue import Dialogue
from tod.domain.loader import load_domain
from tod.dst.rule import RuleDST, RuleOptions
from tod.dst.values import ValueNormaliser
from tod.errors import ConfigError
from tod.evaluation import dst as dst_metrics
from tod.evaluation.dst import PROTOCOLS, ActSource, DSTScores, fit_rule_options

_BOOLS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def parse_options(pairs: list[str]) -> dict[str, bool]:
    """``["accept_offered_names=false", ...]`` as a dict, checked against :class:`RuleOptions`."""
    known = [f.name for f in fields(RuleOptions)]
    found: dict[str, bool] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name not in known or value.lower() not in _BOOLS:
            raise ConfigError(f"--option: expected NAME=true|false with NAME one of {known}, found {pair!r}")
        found[name] = _BOOLS[value.lower()]
    return found


def load_nlu(model_dir: str) -> ActSource:
    """The act model saved in ``model_dir`` (imported only when asked for: it needs torch)."""
    if not Path(model_dir).is_dir():
        raise ConfigError(f"--nlu {model_dir} is not a directory; expected a model saved by 'tod train nlu'")
    from tod.nlu.acts import ActNLU

    return ActNLU.load(model_dir)


def _dialogues(args: argparse.Namespace) -> tuple[tuple[Dialogue, ...], tuple[Dialogue, ...]]:
    """(the dialogues to evaluate, the rest of the split: the part options may be fitted on)."""
    dialogues = open_corpus(args.data, args.corpus, [args.split])[args.split]
    if args.dev_fraction is None:
        return dialogues, ()
    train, dev = train_dev_parts(dialogues, args.dev_fraction, args.split_seed)
    return dev, train


def _print(scores: dict[str, DSTScores]) -> None:
    names = list(scores)
    print(f"{'':<22}" + "".join(f"{n:>14}" for n in names))
    for key, label in (
        ("joint_goal_accuracy", "joint goal acc"),
        ("slot_accuracy", "slot acc"),
        ("slot_f1", "slot F1"),
    ):
        print(f"{label:<22}" + "".join(f"{100 * getattr(scores[n], key):>14.2f}" for n in names))
    print(f"{'turns':<22}" + "".join(f"{scores[n].turns:>14}" for n in names))
    domains = sorted({d for s in scores.values() for d in s.per_domain})
    for domain in domains:
        cells = [s.per_domain.get(domain, {}).get("joint_accuracy") for s in scores.values()]
        print(f"{'  ' + domain:<22}" + "".join(f"{100 * c:>14.2f}" if c is not None else f"{'-':>14}" for c in cells))


def pipeline_options(name_or_path: str) -> tuple[str, dict[str, bool]]:
    """The rule tracker's options as the pipeline ``name_or_path`` configures them, and its file."""
    from tod.pipeline.config import find_pipeline, load_pipeline_config

    config = load_pipeline_config(name_or_path)
    dst = config.components.get("dst")
    if dst is None or dst.name != "rule":
        found = "none" if dst is None else repr(dst.name)
        raise ConfigError(f"pipeline {name_or_path}: expected the 'rule' tracker, found {found}; give --pipeline")
    known = {f.name for f in fields(RuleOptions)}
    return str(find_pipeline(name_or_path)), {k: bool(v) for k, v in dst.params.items() if k in known}


def _options(args: argparse.Namespace, domain: Any, rest: tuple[Dialogue, ...]) -> tuple[RuleOptions, str]:
    """The tracker's options and where they came from: ``--option`` over, with ``--fit-options``, the
    options fitted on the part not evaluated, else over the pipeline's (``--pipeline``, default the
    corpus's own, ``pipelines/<corpus>.yaml``), else over the defaults (``--pipeline none``)."""
    fixed = parse_options(args.option)
    if args.fit_options:
        if not rest:
            raise ConfigError("--fit-options fits on the part not evaluated: give --dev-fraction")
        return fit_rule_options(domain, rest, fixed), "fitted on the non-dev part"
    if args.pipeline == "none":
        return RuleOptions(**fixed), "defaults"
    name = args.pipeline or args.corpus
    path, configured = pipeline_options(name)
    return RuleOptions(**{**configured, **fixed}), f"pipeline {path}"


def evaluate_dst(args: argparse.Namespace) -> int:
    """``tod evaluate dst``: print the table, write ``--json``; 0 on success."""
    domain_data = args.domain_data or str(Path(args.data).parent if Path(args.data).is_file() else Path(args.data))
    domain = load_domain(args.domain or args.corpus, data_dir=domain_data)
    started = time.perf_counter()
    dialogues, rest = _dialogues(args)
    options, source = _options(args, domain, rest)
    nlu = load_nlu(args.nlu) if args.nlu else None
    protocols = PROTOCOLS if args.protocol == "both" else (args.protocol,)
    tracker = RuleDST(domain, options)
    scores = dst_metrics.evaluate_dst(
        tracker, dialogues, ValueNormaliser(domain), protocols, nlu, progress=len(dialogues) > 50
    )
    elapsed = time.perf_counter() - started
    acts = f"NLU {args.nlu}" if args.nlu else "gold acts"
    print(f"DST rule tracker on {args.corpus} {args.split} ({len(dialogues)} dialogues, {acts}), options {options}")
    print(f"options from: {source}")
    _print(scores)
    if args.json:
        first = scores[protocols[0]].to_dict()
        payload: dict[str, Any] = {
            **first,
            "corpus": args.corpus,
            "split": args.split,
            "dialogues": len(dialogues),
            "acts": acts,
            "dev_fraction": args.dev_fraction,
            "split_seed": args.split_seed if args.dev_fraction is not None else None,
            "options": options.to_dict(),
            "options_from": source,
            "seconds": round(elapsed, 2),
            "protocols": {name: s.to_dict() for name, s in scores.items()},
        }
        write_json(args.json, payload)
    return 0
