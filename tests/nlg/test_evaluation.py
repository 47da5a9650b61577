"""NLG evaluation: slot errors, BLEU, and the ``tod evaluate nlg`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import require_shared
from tod.acts import REQUESTED, DialogueAct
from tod.cli.main import _resolve, build_parser
from tod.dialogue import SYSTEM, USER, Dialogue, Turn
from tod.errors import ConfigError, NLGError
from tod.evaluation.nlg import build_vocabulary, evaluate_nlg, normalise, slot_errors
from tod.nlg.template import TemplateNLG

A = DialogueAct


def test_missing_values_are_found_by_whole_words_after_normalisation():
    acts = [A("inform", "hotel", "name", "Acorn Guest-House"), A("inform", "hotel", "stars", "4")]
    assert slot_errors("The acorn guest house has 4 stars .", acts, {}, "en").missing == ()
    assert slot_errors("The Acorn Guest House has 44 stars.", acts, {}, "en").missing == ("4",)
    skipped = [A("inform", "hotel", "parking", "yes"), A("request", "hotel", "area", REQUESTED),
               A("inform", "hotel", "area", "dontcare"), A("inform", "hotel", "internet", "none")]
    assert slot_errors("Anything.", skipped, {}, "en").missing == ()


def test_redundant_values_come_from_the_vocabulary_minus_the_turn():
    vocabulary = build_vocabulary([[A("inform", "hotel", "name", "acorn house")],
                                   [A("inform", "hotel", "name", "the lensfield hotel")],
                                   [A("inform", "hotel", "choice", "several")]], "en")
    assert vocabulary == {"hotel": {" acorn house ", " the lensfield hotel "}}  # choice counts left out
    acts = [A("inform", "hotel", "name", "acorn house")]
    errors = slot_errors("Acorn House or the Lensfield Hotel?", acts, vocabulary, "en")
    assert errors == type(errors)(missing=(), redundant=("the lensfield hotel",))
    assert slot_errors("Acorn House is a hotel.", acts, vocabulary, "en").redundant == ()


def test_chinese_values_are_compared_without_spaces_and_in_nfkc():
    acts = [A("inform", "餐馆", "名称", "肯德基(八达岭步行街店)")]
    assert normalise("肯德基（八达岭 步行街店）", "zh") == "肯德基(八达岭步行街店)"
    assert slot_errors("推荐肯德基（八达岭步行街店）。", acts, {}, "zh").missing == ()
    assert slot_errors("推荐麦当劳。", acts, {}, "zh").missing == ("肯德基(八达岭步行街店)",)


def dialogues() -> list[Dialogue]:
    turns = (
        Turn(USER, "I want a cheap restaurant in the north.",
             (A("inform", "restaurant", "pricerange", "cheap"), A("inform", "restaurant", "area", "north"))),
        Turn(SYSTEM, "How about casa ferro? It is cheap. Anything else?",
             (A("recommend", "restaurant", "name", "casa ferro"), A("reqmore", "general"))),
        Turn(USER, "What is the phone number?", (A("request", "restaurant", "phone", REQUESTED),)),
        Turn(SYSTEM, "The phone number is 01632960237.", (A("inform", "restaurant", "phone", "01632960237"),)),
        Turn(USER, "Thanks, bye.", (A("bye", "general"),)),
        Turn(SYSTEM, "", ()),
    )
    return [Dialogue("tiny-1", turns, corpus="tod"), Dialogue("tiny-2", turns[:4], corpus="tod")]


def test_evaluate_scores_the_turns_of_one_side():
    nlg = TemplateNLG.for_domain("cityguide")
    scores, turns = evaluate_nlg(nlg, dialogues())
    assert scores.turns == 4 == len(turns)  # system turns with acts only
    assert scores.values == 4 and scores.slot_error_rate == 0.0
    assert 0.0 < scores.bleu <= 100.0
    assert scores.reference_slot_error_rate == 0.0 and scores.generic_share == 0.0
    user_scores, _ = evaluate_nlg(TemplateNLG.for_domain("cityguide", side="user"), dialogues())
    assert user_scores.turns == 5 and user_scores.slot_error_rate == 0.0


def test_generic_templates_are_counted(tmp_path: Path):
    path = tmp_path / "generic.yaml"
    path.write_text('templates:\n  "inform(*, *)": ["{slot} {value}"]\n  "recommend(*, *)": ["{value}"]\n'
                    '  "reqmore(general)": ["more?"]\n', encoding="utf-8")
    scores, _ = evaluate_nlg(TemplateNLG.for_domain("cityguide", templates=path), dialogues())
    assert scores.generic_acts == 4 and scores.acts == 6  # reqmore has its own template
    assert scores.generic_by_act == {"inform(restaurant, phone)": 2, "recommend(restaurant, name)": 2}
    assert scores.slot_error_rate == 0.0


def run_cli(argv: list[str]) -> int:
    """``tod evaluate ARGV``, with the handler's exceptions raised rather than printed."""
    args = build_parser().parse_args(["evaluate", *argv])
    args.argv = ["evaluate", *argv]
    return _resolve(args.handler)(args)


def write_dialogues(path: Path) -> Path:
    path.write_text("".join(json.dumps(d.to_dict()) + "\n" for d in dialogues()), encoding="utf-8")
    return path


def test_cli_writes_the_json_report(tmp_path, capsys):
    data = write_dialogues(tmp_path / "dialogues.jsonl")
    templates = tmp_path / "every_value.yaml"
    templates.write_text('templates:\n  "inform(*, *)": ["{slot}: {value}."]\n  "recommend(*, *)": ["Try {value}."]\n'
                         '  "reqmore(general)": ["Anything else?"]\n', encoding="utf-8")
    out = tmp_path / "nlg.json"
    argv = ["nlg", "--corpus", "tod", "--data", str(data), "--templates", str(templates), "--json", str(out)]
    assert run_cli(argv) == 0
    printed = capsys.readouterr().out
    assert "BLEU" in printed and "slot error rate" in printed
    report = json.loads(out.read_text(encoding="utf-8"))
    assert {"bleu", "slot_error_rate", "turns"} <= set(report)
    assert report["slot_error_rate"] == 0.0 and report["turns"] == 4 and report["dialogues"] == 2
    assert report["redundant_vocabulary"] == "the database's values"  # cityguide's own database
    assert report["examples"][0]["generated"] == "Try Casa Ferro. Anything else?"  # a name, written as one
    assert run_cli([*argv[:-2], "--max-dialogues", "1", "--json", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["turns"] == 2


def test_cli_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        run_cli(["nlg", "--corpus", "tod", "--data", str(tmp_path / "absent.jsonl")])
    bad = tmp_path / "bad.yaml"
    bad.write_text('templates:\n  "inform(*, *)": []\n', encoding="utf-8")
    with pytest.raises(NLGError, match="empty list"):
        data = write_dialogues(tmp_path / "d.jsonl")
        run_cli(["nlg", "--corpus", "tod", "--data", str(data), "--templates", str(bad)])
    with pytest.raises(SystemExit):
        run_cli(["nlg", "--corpus", "camrest", "--data", "x"])


def test_cli_help_describes_the_command(capsys):
    with pytest.raises(SystemExit):
        run_cli(["nlg", "--help"])
    text = capsys.readouterr().out
    for phrase in ("BLEU", "slot error rate", "--max-dialogues", "--side", "--templates", "docs/nlg.md"):
        assert phrase in text


@pytest.mark.corpus
@pytest.mark.parametrize("corpus, bleu_floor", [("multiwoz", 15.0), ("crosswoz", 30.0)])
def test_cli_on_twenty_real_val_dialogues(tmp_path, capsys, corpus, bleu_floor):
    data = require_shared(corpus)
    out = tmp_path / "nlg.json"
    argv = ["nlg", "--corpus", corpus, "--data", str(data), "--max-dialogues", "20", "--json", str(out)]
    assert run_cli(argv) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["dialogues"] == 20 and report["turns"] > 50
    assert report["bleu"] > bleu_floor and report["slot_error_rate"] < 0.02
    assert report["generic_share"] < 0.01 and report["redundant_vocabulary"] == "the database's values"
    assert report["split"] == "val"
