"""``tod evaluate``: score a component (nlu, dst, policy, nlg) on a corpus split, or fit PARADISE on ratings."""

from __future__ import annotations

import argparse

from tod.cli.options import (
    ACT_CORPORA,
    DEV_FRACTION,
    DOMAIN_CORPORA,
    SPLIT_SEED,
    TOD_FILES,
    HelpFormatter,
    add_corpus,
    add_data,
    add_json,
    add_out,
    add_pipeline_options,
    add_policy_corpus,
    checked,
    commands_formatter,
    fraction,
    non_negative_int,
    positive_int,
    rename,
    wide_raw_formatter,
)

NAME = "evaluate"
HELP = "score components on corpora, bots on conversations; fit PARADISE"

EPILOG = """\
examples:
  tod evaluate nlu --model models/atis --data ../shared/data/atis --split test --json atis.json
  tod evaluate dst --corpus crosswoz --data ../shared/data/crosswoz --split val --json dst.json
  tod evaluate policy --policy rule --corpus multiwoz --data ../shared/data/multiwoz --json policy.json
  tod evaluate nlg --corpus multiwoz --data ../shared/data/multiwoz --split val --json nlg.json
  tod evaluate paradise --ratings ../shared/data/uss/MWOZ.txt --out reports/paradise
  tod evaluate conversations --conversations data/conversations/cityguide.txt --report report.md
  tod evaluate dialogues --file ../shared/data/convlab-eval/convlab2_dialogues.jsonl --data ../shared/data/multiwoz
"""


def add(commands: argparse._SubParsersAction) -> None:
    """Add ``tod evaluate`` and its components to the top-level sub-commands."""
    evaluate = commands.add_parser(
        NAME,
        help=HELP,
        description=(
            "Evaluate a saved or built-in component on a corpus split and print the scores (--json FILE:\n"
            "also as JSON); 'paradise' fits a satisfaction model on rated dialogues and writes a report to\n"
            "--out DIR; 'conversations' runs scripted human-written conversations through a pipeline and\n"
            "scores each against its goal."
        ),
        epilog=EPILOG,
        formatter_class=commands_formatter("nlu", "dst", "paradise", "nlg", "policy", "conversations", "dialogues"),
    )
    components = evaluate.add_subparsers(dest="component", metavar="COMPONENT")
    _add_nlu(components)
    _add_dst(components)
    _add_paradise(components)
    _add_nlg(components)
    _add_policy(components)
    _add_conversations(components)
    _add_dialogues(components)


def _add_nlu(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "nlu",
        help="evaluate a joint intent + slot model (or a dialogue-act model) on a corpus split",
        description=(
            "Evaluate a saved model on one split of a seq.in / seq.out / label corpus: intent "
            "accuracy, slot precision/recall/F1 (seqeval, micro, CoNLL-style), sentence accuracy "
            "(intent and every tag right), and per-intent / per-slot tables. Labels the model never "
            "saw in training count as errors."
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("--model", required=True, metavar="MODEL_DIR", help="a directory saved by 'tod train nlu'")
    add_data(p, "the corpus directory", required=True)
    p.add_argument("--split", default="test", help="split to evaluate (train, dev or test; val for dialogue corpora)")
    add_json(p)
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
    add_corpus(acts, ACT_CORPORA, "corpus format of --data (default: the model's corpus)")
    acts.add_argument(
        "--part", choices=("all", "train", "dev"), default="all",
        help="evaluate only this part of a seeded split of --split by dialogue ID (--dev-fraction, --split-seed): "
        "'dev' reports on the part a model trained with the same split did not train on",
    )
    acts.add_argument("--dev-fraction", type=fraction, default=DEV_FRACTION, help="the dev part's share (with --part)")
    acts.add_argument(
        "--split-seed", type=non_negative_int, default=SPLIT_SEED, help="seed of that split (with --part)"
    )
    p.set_defaults(handler="tod.cli.nlu_commands:evaluate_nlu")


def _add_dst(commands: argparse._SubParsersAction) -> None:
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
    add_data(p, "the corpus directory or one split file", required=True)
    add_corpus(p, ACT_CORPORA, "corpus format of --data", required=True)
    p.add_argument("--split", default="val", help="split to evaluate")
    p.add_argument(
        "--domain", metavar="NAME_OR_PATH", help="the domain whose ontology drives the tracker (default: --corpus)"
    )
    p.add_argument("--domain-data", metavar="DIR", help="the domain's database folder (default: --data's directory)")
    p.add_argument("--protocol", choices=("cumulative", "single-turn", "both"), default="both", help="protocol")
    p.add_argument("--nlu", metavar="MODEL_DIR", help="take the user acts from this act model instead of the corpus")
    p.add_argument("--dev-fraction", type=fraction, default=None, help="evaluate only the dev part of a seeded split")
    p.add_argument(
        "--split-seed", type=non_negative_int, default=SPLIT_SEED, help="seed of that split (with --dev-fraction)"
    )
    p.add_argument(
        "--pipeline", metavar="NAME_OR_PATH", default=None,
        help="take the tracker's options from this pipeline (default: the corpus's own, pipelines/<corpus>.yaml, "
        "so the tracker is evaluated as it ships; 'none': the tracker's defaults)",
    )
    p.add_argument(
        "--option", action="append", default=[], metavar="NAME=BOOL",
        help="set a rule tracker option (accept_offered_names, adopt_offered_name, request_name_starts_search, ...) "
        "over the pipeline's or the fitted ones",
    )
    p.add_argument(
        "--fit-options", action="store_true",
        help="fit the options --option leaves unset on the non-dev part (needs --dev-fraction) instead of taking "
        "the pipeline's",
    )
    add_json(p)
    p.set_defaults(handler="tod.cli.dst_commands:evaluate_dst")


def _add_paradise(commands: argparse._SubParsersAction) -> None:
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
            "--data ../shared/data/multiwoz --corpus multiwoz --split val --out reports/paradise\n"
            "  tod evaluate paradise --model reports/paradise/paradise_model.json --data sims/ --out reports/sims"
        ),
        formatter_class=wide_raw_formatter,
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
    data = add_data(
        p, "dialogues to predict performance for (repeatable): tod dialogue files (.jsonl/.json or a directory "
        "of them), or a corpus with --corpus", action="append", default=[],
    )
    rename(p, data, "--dialogues")
    add_corpus(p, ACT_CORPORA, "corpus format of every --data path")
    p.add_argument("--split", help="with --corpus: only this split (default: every split found)")
    p.add_argument(
        "--kappa", choices=("acts", "goal"), default="acts",
        help="κ source: 'acts' (a success proxy from act labels; rating files have no goals) or 'goal' (goal "
        "against final belief state) (default: acts)",
    )
    p.add_argument("--act-classes", metavar="FILE", help="a YAML act-class table replacing the shipped one")
    p.add_argument("--folds", type=checked(int, lambda v: v >= 2, "a number >= 2"), default=10,
                   help="cross-validation folds (default: 10)")
    p.add_argument(
        "--seed", type=non_negative_int, default=13, help="seed of the folds and the bootstrap (default: 13)"
    )
    p.add_argument("--bootstrap", type=positive_int, default=1000, help="bootstrap resamples (default: 1000)")
    p.add_argument("--confidence", type=checked(float, lambda v: 0.5 <= v < 1.0, "a level in [0.5, 1)"),
                   default=0.95, help="level of every interval (default: 0.95)")
    add_out(p, "where to write the report", required=True)
    p.set_defaults(handler="tod.cli.paradise_commands:evaluate_paradise")


def _add_nlg(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "nlg",
        help="evaluate the template NLG on a dialogue corpus: BLEU and slot error rate",
        description=(
            "Write every turn of one side (system or user) that has dialogue acts from its gold acts with the "
            "domain's templates (TemplateNLG), and compare the output with the turn's text: corpus BLEU "
            "(sacrebleu, lower-cased; the zh tokeniser for Chinese) and the slot error rate (missing + redundant "
            "values / values in the acts; docs/nlg.md defines which values count). Also reported: the share of "
            "acts only a generic template (intent(*, *)) expresses, and the slot error rate of the reference "
            "texts themselves. JSON keys: bleu, slot_error_rate, turns, ..."
        ),
        epilog=(
            "examples:\n"
            "  tod evaluate nlg --corpus multiwoz --data ../shared/data/multiwoz --split val --json nlg.json\n"
            "  tod evaluate nlg --corpus crosswoz --data ../shared/data/crosswoz --split val\n"
            "  tod evaluate nlg --corpus tod --data dialogues.jsonl --domain cityguide --side user"
        ),
        formatter_class=wide_raw_formatter,
    )
    add_corpus(
        p, DOMAIN_CORPORA, f"format of --data: a corpus (multiwoz, crosswoz) or tod dialogue files ({TOD_FILES})",
        required=True,
    )
    add_data(
        p, f"the corpus directory or one split file; for --corpus {TOD_FILES} a .jsonl/.json file or a directory of "
        "them", required=True,
    )
    p.add_argument("--split", default="val", help="split to evaluate (corpora only; default: val)")
    p.add_argument(
        "--side", choices=("system", "user"), default="system", help="whose turns to write (default: system)"
    )
    p.add_argument(
        "--domain", metavar="NAME_OR_PATH",
        help=f"the domain whose templates are used (default: the corpus name; cityguide for --corpus {TOD_FILES})",
    )
    p.add_argument("--templates", metavar="FILE", help="another template file instead of the domain's <side>.yaml")
    p.add_argument(
        "--domain-data", metavar="DIR",
        help="the domain's database folder, whose values redundant values are looked for among (default: --data's "
        "directory; without a database the acts' values are used)",
    )
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed of the template choice (default: 0)")
    p.add_argument(
        "--max-dialogues", type=positive_int, default=None, metavar="N",
        help="evaluate only the first N dialogues of the split (default: all)",
    )
    p.add_argument(
        "--examples", type=non_negative_int, default=5, metavar="N",
        help="print (and save in --json) N turns with their reference and generated text (default: 5)",
    )
    add_json(p)
    p.set_defaults(handler="tod.cli.nlg_commands:evaluate_nlg")


def _add_policy(commands: argparse._SubParsersAction) -> None:
    """``tod evaluate policy``: act precision/recall/F1 of a policy on a corpus's system turns."""
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
    add_policy_corpus(p, required_corpus=False)
    p.add_argument("--split", default="val", help=f"split to evaluate (unused with --corpus {TOD_FILES})")
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
    add_json(p)
    p.set_defaults(handler="tod.cli.policy_commands:evaluate_policy")


def _add_conversations(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "conversations",
        help="run a pipeline on scripted human-written conversations and score each against its goal",
        description=(
            "Say every user turn of each conversation in a conversations file (data/conversations/*.txt:\n"
            "'# id:', '# goal:' and '# covers:' lines, then one user turn a line) to a pipeline, whatever it\n"
            "replies, and score the conversation from the system's acts and final belief: the goal's\n"
            "constraints held, the entity under discussion meets them (and none of the excluded values) in\n"
            "the database, every requested fact told with the database's value, the booking made with the\n"
            "goal's details. A conversation succeeds when every check holds (tod.evaluation.conversations).\n"
            "Prints the success rate, the rate of each check, success per phenomenon and each failure."
        ),
        epilog=(
            "examples:\n"
            "  tod evaluate conversations --conversations data/conversations/cityguide.txt\n"
            "  tod evaluate conversations --pipeline multiwoz --data ../shared/data/multiwoz \\\n"
            "      --set nlu.model=models/mwz-acts --conversations data/conversations/multiwoz.txt \\\n"
            "      --json mwz.json --report mwz.md --transcripts"
        ),
        formatter_class=wide_raw_formatter,
    )
    add_pipeline_options(p)
    p.add_argument(
        "--conversations", required=True, metavar="FILE",
        help="the conversations to run (such as data/conversations/cityguide.txt; the format of tod.data.conversations)",
    )
    p.add_argument("--only", action="append", default=[], metavar="ID", help="run only this conversation (repeatable)")
    add_json(p, "every verdict, with the exchanges")
    p.add_argument("--report", metavar="FILE", help="also write the printed report as Markdown to this file")
    p.add_argument("--transcripts", action="store_true", help="show every exchange of every conversation")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (training, conversations)")
    p.set_defaults(handler="tod.cli.conversation_commands:evaluate_conversations")


def _add_dialogues(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "dialogues",
        help="re-score act-level MultiWOZ dialogues (JSON lines) ConvLab-2's way and tod's",
        description=(
            "Score every dialogue of a JSON-lines file of act-level dialogues, each a goal and the acts as an\n"
            "evaluator receives them (the format of ../shared/data/convlab-eval: 'goal' in ConvLab's format,\n"
            "'turns' of {speaker, acts: [[intent, domain, slot, value], ...]}, optionally 'goal_at_scoring'),\n"
            "in the 'convlab' metric mode (ConvLab-2's MultiWozEvaluator, verdict for verdict) and/or tod's own\n"
            "stricter 'tod' mode, and print the aggregates averaged ConvLab's way. Where a line carries\n"
            "ConvLab-2's own 'verdict', says how many verdicts agree and lists the first that do not."
        ),
        epilog=(
            "examples:\n"
            "  tod evaluate dialogues --file ../shared/data/convlab-eval/convlab2_dialogues.jsonl \\\n"
            "      --data ../shared/data/multiwoz\n"
            "  tod evaluate dialogues --file mine.jsonl --data ../shared/data/multiwoz --metrics both \\\n"
            "      --verdicts verdicts.jsonl --json summary.json"
        ),
        formatter_class=wide_raw_formatter,
    )
    p.add_argument("--file", required=True, metavar="FILE", help="the dialogues, one JSON object a line")
    add_data(p, "the MultiWOZ folder whose db/ the evaluator queries (ConvLab-2's databases)", required=True)
    p.add_argument("--domain", default="multiwoz", metavar="NAME_OR_PATH", help="the domain (needs convlab.yaml)")
    p.add_argument(
        "--metrics", choices=("convlab", "tod", "both"), default="both",
        help="which metric mode(s) to score with (default both; 'convlab' is the one comparable with ConvLab)",
    )
    p.add_argument("--verdicts", metavar="FILE", help="also write each dialogue's verdicts here (JSON lines)")
    add_json(p, "the aggregates per mode")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler="tod.cli.rescore_commands:evaluate_dialogues")
