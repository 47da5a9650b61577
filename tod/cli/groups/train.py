"""``tod train``: train a component (the NLU model, the supervised policy) on a corpus and save it."""

from __future__ import annotations

import argparse

from tod.cli.options import (
    ACT_CORPORA,
    DEV_FRACTION,
    SPLIT_SEED,
    HelpFormatter,
    add_corpus,
    add_data,
    add_out,
    add_policy_corpus,
    fraction,
    non_negative_int,
    positive_float,
    positive_int,
)

NAME = "train"
HELP = "train a component (nlu, policy) on a corpus and save it"

EPILOG = """\
examples:
  tod train nlu --data ../shared/data/atis --out models/atis
  tod train nlu --corpus multiwoz --data ../shared/data/multiwoz --out models/mwz-acts
  tod train policy --corpus multiwoz --data ../shared/data/multiwoz --out models/mwz-policy
"""

#: Previous turns an act model reads by default: the system turn the user answers and the user turn
#: before it. On the dev part of MultiWOZ val, 2 turns gave act F1 87.43 against 85.71 with 1 (both at
#: the 0.5 label threshold, 6 epochs); ConvLab-3's BERTNLU reads 3, which would not fit the 30-minute
#: training budget on 2 cores.
ACT_CONTEXT = 2
#: Epochs of an act model by default: MultiWOZ val's 800 training dialogues take about 4 min each
#: on 2 cores with 1 turn of context, so 6 fit the 30-minute budget.
ACT_EPOCHS = 6
#: Training examples an act model sees over all epochs by default: 6 epochs of MultiWOZ val's 80% train
#: part (5,902 user turns) or 10 of CrossWOZ val's (3,391), about 22 min on 2 cores. A larger training set
#: (the official train splits: 56,776 user turns in MultiWOZ's train text; 5,012 CrossWOZ dialogues) is sampled
#: to this many, so training stays inside the 30-minute budget while seeing more varied turns.
ACT_MAX_EXAMPLES = 36_000
#: Dev dialogues an act model is selected on by default (a seeded sample of a larger dev split), so
#: that the per-epoch evaluation of a full val split (999 MultiWOZ dialogues) does not eat the budget.
ACT_MAX_DEV_DIALOGUES = 300


def add(commands: argparse._SubParsersAction) -> None:
    """Add ``tod train`` and its components to the top-level sub-commands."""
    train = commands.add_parser(
        NAME,
        help=HELP,
        description="Train a component on a corpus and save it, atomically, to --out.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    components = train.add_subparsers(dest="component", metavar="COMPONENT")
    _add_nlu(components)
    _add_policy(components)


def _add_nlu(commands: argparse._SubParsersAction) -> None:
    from tod.nlu.config import TrainConfig

    d = TrainConfig()
    p = commands.add_parser(
        "nlu",
        help="train a joint intent + slot model (JointBertNLU), or a dialogue-act model with --corpus",
        description=(
            "Train a joint intent-detection and slot-filling model on a corpus in the seq.in / "
            "seq.out / label format (one directory per split: train, dev, test). The model is "
            "evaluated on dev after every epoch and the best epoch (dev sentence accuracy, then "
            "slot F1, then intent accuracy) is saved, atomically, to --out. Training is "
            "deterministic for a seed on the same machine and thread count. Launched as several "
            "processes (torchrun, accelerate launch) it trains data-parallel on CPUs or GPUs; "
            "see docs/scaling.md."
        ),
        formatter_class=HelpFormatter,
    )
    add_data(p, "the corpus: a seq.in / seq.out / label directory with train/ (and dev/) splits, or with --corpus "
             "a dialogue corpus directory", required=True)
    add_out(p, "where to save the model (a directory)", required=True)
    p.add_argument(
        "--encoder",
        default=d.encoder,
        help="Hugging Face encoder: 'minilm' (the packaged 6-layer MiniLM), a local directory, or a hub "
        "name already in the local cache",
    )
    p.add_argument(
        "--epochs", type=positive_int, default=None,
        help=f"passes over the training data (default: {d.epochs}; {ACT_EPOCHS} for dialogue acts with --corpus)",
    )
    p.add_argument("--batch-size", type=positive_int, default=d.batch_size, help="examples per step")
    p.add_argument("--lr", type=positive_float, default=d.lr, help="peak learning rate of the encoder")
    p.add_argument("--head-lr", type=positive_float, default=d.head_lr, help="peak learning rate of the heads")
    p.add_argument("--warmup", type=fraction, default=d.warmup, help="fraction of steps for linear warm-up")
    p.add_argument("--seed", type=non_negative_int, default=d.seed, help="random seed")
    p.add_argument("--dropout", type=fraction, default=d.model.dropout, help="dropout on the heads' inputs")
    p.add_argument("--pooling", choices=("mean", "cls"), default=d.model.pooling, help="sentence vector for intents")
    p.add_argument(
        "--crf", action=argparse.BooleanOptionalAction, default=d.model.crf,
        help="tag slots with a linear-chain CRF (--no-crf: softmax; both decode BIO-legal paths only)",
    )
    p.add_argument(
        "--slot-context", action=argparse.BooleanOptionalAction, default=d.model.slot_context,
        help="give the slot head the sentence vector as well as each word's vector",
    )
    p.add_argument(
        "--freeze-embeddings", action=argparse.BooleanOptionalAction, default=d.freeze_embeddings,
        help="keep the encoder's word embeddings fixed (faster; unseen words keep pre-trained vectors)",
    )
    p.add_argument(
        "--average-last", type=non_negative_int, default=d.average_last, metavar="N",
        help="also try the average of the weights of the last N epochs and keep it if dev prefers it (0: off)",
    )
    p.add_argument(
        "--members", type=positive_int, default=d.members, metavar="K",
        help="train K runs in parallel processes (same start, different batch order) and keep the best of "
        "them and their weight average on dev: a model soup, one model's inference cost (intent/slot models; "
        "a dialogue-act model trains one run)",
    )
    p.add_argument("--max-length", type=positive_int, default=d.model.max_length, help="sub-tokens per utterance")
    _add_act_options(p)
    p.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16"),
        default=d.precision,
        help="bf16 autocast trains about 1.5x faster on CPUs with AVX-512 BF16/AMX and on recent GPUs; "
        "auto uses it where the hardware has it",
    )
    p.add_argument("--threads", type=positive_int, default=None, help="CPU threads for torch (default: all cores)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing model in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler="tod.cli.nlu_commands:train_nlu")


def _add_act_options(p: argparse.ArgumentParser) -> None:
    """The options of a dialogue-act model (``tod train nlu --corpus``)."""
    acts = p.add_argument_group(
        "dialogue acts",
        "With --corpus, --data is a dialogue corpus (e.g. ../shared/data/multiwoz) and the model learns the user "
        "turns' dialogue acts: acts whose value is written in the text as BIO tags, the others as multi-label "
        "classes (ActNLU). Without --corpus, --data is a seq.in / seq.out / label directory.",
    )
    add_corpus(acts, ACT_CORPORA, "the dialogue corpus format of --data")
    acts.add_argument(
        "--train-split", metavar="NAME", help="split to train on (default: train if the corpus has it, else val)"
    )
    acts.add_argument(
        "--dev-split", metavar="NAME",
        help="split to select the epoch on (default: val when training on train; otherwise a held-out part of "
        "the training split, see --dev-fraction)",
    )
    acts.add_argument(
        "--dev-fraction", type=fraction, default=DEV_FRACTION,
        help="without a dev split: the share of the training split's dialogues held out for selection, chosen "
        "by dialogue ID with --split-seed (the same part 'tod evaluate nlu --part dev' reports on)",
    )
    acts.add_argument(
        "--split-seed", type=non_negative_int, default=SPLIT_SEED, help="seed of that split by dialogue ID"
    )
    acts.add_argument(
        "--context-turns", type=non_negative_int, default=None, metavar="N",
        help=f"previous turns given to the encoder after the utterance (default: {ACT_CONTEXT} with --corpus)",
    )
    p.add_argument(
        "--max-examples", type=positive_int, default=None, metavar="N",
        help=f"training examples seen over all epochs at most (default: {ACT_MAX_EXAMPLES:,} with --corpus, no "
        "cap otherwise): with more, each epoch takes the next N/epochs of one seeded shuffled order",
    )
    acts.add_argument(
        "--extend-vocabulary", action="store_true",
        help="add the training dialogues' CJK characters the encoder cannot spell as new tokens, learned in "
        "training (an English encoder on Chinese; needs --no-freeze-embeddings)",
    )
    acts.add_argument(
        "--synthetic", type=non_negative_int, default=0, metavar="N",
        help="also train on N dialogues synthesised from the corpus's domain (ontology, database, user templates; "
        "tod.nlu.synth): the model then also reads the phrasing of tod's own user templates, which the "
        "text-level simulated user speaks. Selection stays on corpus dialogues only",
    )
    acts.add_argument(
        "--max-dev-dialogues", type=positive_int, default=ACT_MAX_DEV_DIALOGUES, metavar="N",
        help="select on a seeded sample of this many dev dialogues when the dev split is larger",
    )


def _add_policy(commands: argparse._SubParsersAction) -> None:
    """``tod train policy``: the supervised (MLE) policy on a corpus's system turns."""
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
    add_policy_corpus(p, required_corpus=True)
    add_out(p, "where to save the model (a directory)", required=True)
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
