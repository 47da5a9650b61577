"""Arguments of ``tod train policy`` and ``tod evaluate policy`` (argparse only: nothing heavy is imported)."""

from __future__ import annotations

import argparse

#: Corpora with system acts and a domain (ontology + database) of the same name, and "tod": tod's own
#: dialogue files (``Dialogue.to_dict()`` records, see tod.data.dialogue_files) of the domain --domain.
POLICY_CORPORA = ("multiwoz", "crosswoz", "tod")
#: The name the whole of a "tod" dialogue file goes by where other corpora name a split.
TOD_SPLIT = "dialogues"
#: The held-out share and seed of the split by dialogue ID, as for 'tod train nlu --corpus'.
DEV_FRACTION = 0.2
SPLIT_SEED = 13


def _corpus_options(p: argparse.ArgumentParser, required_corpus: bool) -> None:
    p.add_argument(
        "--corpus", choices=POLICY_CORPORA, required=required_corpus,
        help="corpus format of --data: multiwoz, crosswoz, or tod (tod's own dialogue files, with --domain)",
    )
    p.add_argument(
        "--data", required=True, metavar="PATH",
        help="the corpus directory (e.g. ../shared/data/multiwoz), or for --corpus tod a dialogue file or directory",
    )
    p.add_argument(
        "--domain", metavar="NAME_OR_PATH",
        help="the domain whose ontology and database the policy uses (default: the corpus's name)",
    )
    p.add_argument(
        "--domain-data", metavar="DIR",
        help="where the domain's third-party database files are (default: --data, or its folder for a file)",
    )


def add_train_policy(commands: argparse._SubParsersAction) -> None:
    """``tod train policy``: the supervised (MLE) policy on a corpus's system turns."""
    from tod.cli.main import HelpFormatter, fraction, non_negative_int, positive_float, positive_int

    p = commands.add_parser(
        "policy",
        help="train the supervised (MLE) dialogue policy on a corpus's system acts",
        description=(
            "Train the MLE policy: for every system turn of --split, the state before it (gold belief, the user's "
            "acts, the previous system acts, the database matches) is turned into features and the turn's acts "
            "into (intent, domain, slot) labels, and a multi-label scikit-learn model is fitted. --dev-fraction of "
            "the dialogues (by dialogue ID, --split-seed) is held out and never trained on; the model is scored "
            "on it at the end ('tod evaluate policy --part dev' reports on the same part). The decision threshold "
            "is chosen on a further 10% of the training dialogues. The model is saved atomically to --out."
        ),
        formatter_class=HelpFormatter,
    )
    _corpus_options(p, required_corpus=True)
    p.add_argument("--out", required=True, metavar="MODEL_DIR", help="where to save the model")
    p.add_argument(
        "--split", help="split to train on (default: train if the corpus has it, else val; unused with --corpus tod)"
    )
    p.add_argument(
        "--dev-fraction", type=fraction, default=DEV_FRACTION,
        help="share of the split's dialogues held out for evaluation (0: train on all of them)",
    )
    p.add_argument("--split-seed", type=non_negative_int, default=SPLIT_SEED, help="seed of that split by dialogue ID")
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed of the tune split and of the MLP")
    p.add_argument(
        "--architecture", choices=("logreg", "mlp"), default="logreg",
        help="one logistic regression per label, or an MLP with one hidden layer",
    )
    p.add_argument("--c", type=positive_float, default=0.5, help="logreg: inverse L2 strength")
    p.add_argument("--hidden", type=positive_int, default=256, help="mlp: hidden units")
    p.add_argument("--alpha", type=positive_float, default=0.01, help="mlp: L2 strength")
    p.add_argument(
        "--threshold", type=fraction, default=0.0,
        help="predict labels at or above this probability (0: choose it on the tune part)",
    )
    p.add_argument(
        "--max-dialogues", type=positive_int, default=None, metavar="N",
        help="train on a seeded sample of N of the training dialogues (by dialogue ID)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing model in --out")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(handler="tod.cli.policy_commands:train_policy")


def add_evaluate_policy(commands: argparse._SubParsersAction) -> None:
    """``tod evaluate policy``: act precision/recall/F1 of a policy on a corpus's system turns."""
    from tod.cli.main import HelpFormatter, fraction, non_negative_int

    p = commands.add_parser(
        "policy",
        help="evaluate a dialogue policy (MLE model or rule) on a corpus's system turns",
        description=(
            "Give the policy the state before every system turn of --split (gold belief, the user's acts, the "
            "previous gold system acts, the database matches) and compare its acts with the turn's, values "
            "dropped: act precision, recall and F1 over (intent, domain, slot) triples, micro over turns (as "
            "ConvLab's policy evaluation), per intent and per domain. Gold acts are first mapped onto the system "
            "act inventory (offerbooked -> book, booking -> the sub-domain in focus; see docs/policy-mle.md). "
            "JSON keys: act_precision, act_recall, act_f1, turns."
        ),
        formatter_class=HelpFormatter,
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", metavar="MODEL_DIR", help="an MLE policy saved by 'tod train policy'")
    which.add_argument("--policy", metavar="NAME", help="a registered policy built with its defaults, e.g. rule")
    _corpus_options(p, required_corpus=False)
    p.add_argument("--split", default="val", help="split to evaluate (unused with --corpus tod)")
    p.add_argument(
        "--part", choices=("all", "train", "dev"), default=None,
        help="only this part of the seeded split by dialogue ID (default: dev for a model trained on --split, "
        "else all)",
    )
    p.add_argument(
        "--dev-fraction", type=fraction, default=None,
        help=f"the dev part's share (default: the model's, else {DEV_FRACTION})",
    )
    p.add_argument(
        "--split-seed", type=non_negative_int, default=None,
        help=f"seed of that split (default: the model's, else {SPLIT_SEED})",
    )
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed of the build context (booking references)")
    p.add_argument("--json", metavar="OUT", help="also write the scores as JSON to this file")
    p.set_defaults(handler="tod.cli.policy_commands:evaluate_policy")
