"""Arguments of ``tod evaluate nlg`` (argparse only: imports nothing heavy, so ``tod --help`` stays instant)."""

from __future__ import annotations

import argparse

#: Dialogue formats ``tod evaluate nlg`` reads: the corpora with act annotation whose domain ships
#: templates, and tod's own dialogue files (``Dialogue.to_dict()`` as .jsonl/.json).
NLG_CORPORA = ("multiwoz", "crosswoz", "tod")


def _count(minimum: int):
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a number >= {minimum}, got {text}")
        return value

    return convert


def add_evaluate_nlg(commands: argparse._SubParsersAction) -> None:
    """Add ``nlg`` to the ``tod evaluate`` sub-commands."""
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
        formatter_class=lambda prog: argparse.RawDescriptionHelpFormatter(prog, width=100),
    )
    p.add_argument(
        "--corpus", required=True, choices=NLG_CORPORA,
        help="format of --data: a corpus (multiwoz, crosswoz) or tod dialogue files (tod)",
    )
    p.add_argument(
        "--data", required=True, metavar="PATH",
        help="the corpus directory or one split file; for --corpus tod a .jsonl/.json file or a directory of them",
    )
    p.add_argument("--split", default="val", help="split to evaluate (corpora only; default: val)")
    p.add_argument(
        "--side", choices=("system", "user"), default="system", help="whose turns to write (default: system)"
    )
    p.add_argument(
        "--domain", metavar="NAME_OR_PATH",
        help="the domain whose templates are used (default: the corpus name; cityguide for --corpus tod)",
    )
    p.add_argument("--templates", metavar="FILE", help="another template file instead of the domain's <side>.yaml")
    p.add_argument(
        "--domain-data", metavar="DIR",
        help="the domain's database folder, whose values redundant values are looked for among (default: --data's "
        "directory; without a database the acts' values are used)",
    )
    p.add_argument("--seed", type=_count(0), default=0, help="seed of the template choice (default: 0)")
    p.add_argument(
        "--max-dialogues", type=_count(1), default=None, metavar="N",
        help="evaluate only the first N dialogues of the split (default: all)",
    )
    p.add_argument(
        "--examples", type=_count(0), default=5, metavar="N",
        help="print (and save in --json) N turns with their reference and generated text (default: 5)",
    )
    p.add_argument("--json", metavar="OUT", help="also write the scores as JSON to this file")
    p.set_defaults(handler="tod.cli.nlg_commands:evaluate_nlg")
