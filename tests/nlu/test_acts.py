"""The dialogue-act NLU: example preparation, value maps, context inputs, training, save/load, CLI."""

import json
from collections import Counter

import pytest

from tests.conftest import FIXTURES
from tod.acts import DialogueAct
from tod.cli.main import main
from tod.data.multiwoz import load_multiwoz
from tod.dialogue import ActSpan, Dialogue, Turn
from tod.errors import ConfigError
from tod.nlu.act_data import ValueMap, act_examples, acts_from_prediction, value_map
from tod.nlu.config import JointNLUConfig, TrainConfig

FIXTURE = FIXTURES / "multiwoz" / "val.json"


@pytest.fixture(scope="module")
def dialogues():
    return load_multiwoz(FIXTURE)["val"]


def test_every_gold_act_is_either_tagged_or_a_label(dialogues):
    examples = act_examples(dialogues, context_turns=2)
    assert [e.turn_index for e in examples[:3]] == [0, 2, 4]
    first, second = examples[0], examples[1]
    assert first.labels == () and "B-inform+hotel+pricerange" in first.tags and first.context == ()
    assert second.context == (dialogues[0].turns[0].text, dialogues[0].turns[1].text)
    assert "request+hotel+phone+?" in second.labels and "inform+hotel+stars+dontcare" in second.labels
    values = value_map(dialogues)
    for e in examples:  # the gold tags and labels give back exactly the gold acts
        rebuilt = acts_from_prediction(e.text, e.starts, e.ends, e.tags, e.labels, values)
        assert Counter(rebuilt) == Counter(e.gold)


def chinese_dialogue() -> Dialogue:
    text = "我想找一家评分4.5分以上的酒店"
    act = DialogueAct("inform", "酒店", "评分", "4.5分以上")
    start = text.index("4.5")
    user = Turn("user", text, (act, DialogueAct("request", "酒店", "名称", "?")), (ActSpan(act, start, start + 6),))
    return Dialogue("zh1", (user, Turn("system", "为您推荐北京饭店。")))


def test_chinese_text_is_tagged_per_character_with_offsets():
    (example,) = act_examples([chinese_dialogue()])
    assert example.tokens[:3] == ("我", "想", "找")
    tagged = [(t, example.text[s:e]) for t, s, e in zip(example.tags, example.starts, example.ends) if t != "O"]
    assert tagged[0] == ("B-inform+酒店+评分", "4.5")
    assert "".join(text for _, text in tagged) == "4.5分以上"
    assert example.labels == ("request+酒店+名称+?",)


def test_value_map_learns_normalised_values_and_case():
    act = DialogueAct("inform", "hotel", "stars", "4")
    day = DialogueAct("inform", "hotel", "day", "friday")
    turn = Turn("user", "Four stars on Friday", (act, day), (ActSpan(act, 0, 4), ActSpan(day, 14, 20)))
    values = value_map([Dialogue("d", (turn,))])
    assert values.lowercase
    assert values.value("inform+hotel+stars", "FOUR") == "4"
    assert values.value("inform+hotel+day", "Saturday") == "saturday"  # unseen: lower-cased like the data
    assert ValueMap.from_dict(json.loads(json.dumps(values.to_dict()))) == values
    with pytest.raises(ConfigError, match="value map"):
        ValueMap.from_dict({"surfaces": [], "lowercase": "yes"})


def test_context_is_a_second_segment_after_the_utterance(tiny_encoder_dir):
    from transformers import AutoTokenizer

    from tod.nlu.features import WordEncoder

    words = WordEncoder(AutoTokenizer.from_pretrained(str(tiny_encoder_dir)), max_length=12)
    batch = words.encode([["i", "need", "a", "hotel"]], [["hello there", "what area would you like the hotel in"]])
    tokens = words.tokenizer.convert_ids_to_tokens(batch.input_ids[0])
    assert tokens[:6] == ["[CLS]", "i", "need", "a", "hotel", "[SEP]"]
    assert tokens[-1] == "[SEP]" and len(tokens) == 12  # the context is cut, the utterance never
    assert batch.token_type_ids[0].tolist() == [0] * 6 + [1] * 6
    assert batch.word_index[0].tolist() == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="contexts"):
        words.encode([["a"]], [])


def tiny_act_config(encoder, epochs=40):
    return TrainConfig(
        encoder=str(encoder), epochs=epochs, batch_size=4, lr=2e-3, head_lr=1e-2, warmup=0.0, members=1,
        threads=1, freeze_embeddings=False, precision="fp32",
        model=JointNLUConfig(context_turns=1, multi_label=True, dropout=0.0, max_length=48),
    )


@pytest.fixture(scope="module")
def trained(dialogues, tiny_encoder_dir):
    from tod.nlu.act_training import train_act_nlu

    nlu, history = train_act_nlu(dialogues, dialogues, tiny_act_config(tiny_encoder_dir), corpus="multiwoz",
                                 progress=False, log=lambda _: None)
    return nlu, history


def test_tiny_act_model_fits_the_fixture(trained, dialogues):
    from tod.metrics.acts import score_acts
    from tod.nlu.act_training import THRESHOLDS

    nlu, history = trained
    gold = [t.acts for d in dialogues for t in d.user_turns]
    predicted = [acts for d in dialogues for acts in nlu.parse_dialogue(d)]
    scores = score_acts(gold, predicted)
    assert scores.f1 >= 0.9, scores.headline()
    # the label threshold is tuned on dev after the best epoch is chosen: never worse than that epoch
    assert nlu.meta["dev_metrics"]["act_f1"] >= max(r["dev"]["act_f1"] for r in history_dicts(history))
    assert nlu.meta["label_threshold"] in THRESHOLDS and nlu.threshold == nlu.meta["label_threshold"]
    assert nlu.meta["task"] == "dialogue acts" and nlu.corpus == "multiwoz"


def history_dicts(history):
    return [{"dev": r.dev} for r in history]


def test_save_load_round_trip_gives_identical_acts(trained, dialogues, tmp_path):
    from tod.nlu.acts import ActNLU

    nlu, _ = trained
    nlu.save(tmp_path / "acts")
    loaded = ActNLU.load(tmp_path / "acts", precision="fp32")
    assert loaded.threshold == nlu.threshold
    for d in dialogues:
        assert loaded.parse_dialogue(d) == nlu.parse_dialogue(d)
    result = loaded.parse("i need a cheap hotel in the north .", context=["hello"])
    assert all(result.text[s.start : s.end] == s.value for s in result.slots)
    assert loaded.parse("").acts == ()
    (tmp_path / "acts" / "acts.json").write_text("{broken")
    with pytest.raises(Exception, match="acts.json|manifest|changed"):
        ActNLU.load(tmp_path / "acts")


def test_cli_trains_and_evaluates_acts(tiny_encoder_dir, tmp_path, capsys):
    data = tmp_path / "corpus"
    data.mkdir()
    (data / "val.json").write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "model"
    argv = ["train", "nlu", "--corpus", "multiwoz", "--data", str(data), "--out", str(out), "--encoder",
            str(tiny_encoder_dir), "--epochs", "2", "--batch-size", "2", "--threads", "1", "--quiet",
            "--dev-fraction", "0.34", "--context-turns", "1", "--precision", "fp32", "--max-examples", "4"]
    assert main(argv) == 0
    meta = json.loads((out / "meta.json").read_text())
    assert meta["train_dialogues"] == 2 and meta["dev_dialogues"] == 1 and meta["corpus"] == "multiwoz"
    # 2 epochs within 4 examples: each epoch takes 2 of the training turns (one batch)
    assert meta["train_examples"] > 2 and meta["epoch_examples"] == 2
    assert meta["train_config"]["max_examples"] == 4
    scores = tmp_path / "scores.json"
    assert main(["evaluate", "nlu", "--model", str(out), "--data", str(data), "--split", "val", "--part", "dev",
                 "--dev-fraction", "0.34", "--json", str(scores)]) == 0
    report = json.loads(scores.read_text())
    assert {"act_f1", "utterance_accuracy"} <= set(report) and report["dialogues"] == 1
    assert main(["evaluate", "nlu", "--model", str(out), "--data", str(data), "--split", "test"]) == 2
    assert "--split test" in capsys.readouterr().err


def test_cli_refuses_mismatched_options(tiny_corpus_dir, tmp_path, capsys):
    argv = ["train", "nlu", "--data", str(tiny_corpus_dir), "--out", str(tmp_path / "m"), "--context-turns", "2"]
    assert main(argv) == 2
    assert "--context-turns needs a dialogue corpus" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "nlu", "--corpus", "multiwoz22-text", "--data", ".", "--out", str(tmp_path / "m")])


def test_extended_vocabulary_spells_the_training_characters_and_round_trips(tiny_encoder_dir, tmp_path):
    from dataclasses import replace

    from tod.nlu.act_training import train_act_nlu
    from tod.nlu.acts import ActNLU

    config = replace(tiny_act_config(tiny_encoder_dir, epochs=30), extend_vocabulary=True)
    dialogues = [chinese_dialogue()]
    nlu, _ = train_act_nlu(dialogues, dialogues, config, progress=False, log=lambda _: None)
    assert nlu.meta["added_characters"] > 0
    ids = nlu.tokenizer("评分饭店", add_special_tokens=False)["input_ids"]
    assert nlu.tokenizer.unk_token_id not in ids
    assert set(nlu.parse(dialogues[0].turns[0].text).acts) == set(dialogues[0].turns[0].acts)
    nlu.save(tmp_path / "zh")
    loaded = ActNLU.load(tmp_path / "zh", precision="fp32")
    assert loaded.parse_dialogue(dialogues[0]) == nlu.parse_dialogue(dialogues[0])


def test_extended_vocabulary_needs_trainable_embeddings_and_a_dialogue_corpus(tiny_corpus_dir, tmp_path, capsys):
    with pytest.raises(ConfigError, match="--no-freeze-embeddings"):
        TrainConfig(extend_vocabulary=True)
    argv = ["train", "nlu", "--data", str(tiny_corpus_dir), "--out", str(tmp_path / "m"), "--extend-vocabulary"]
    assert main(argv) == 2
    assert "--extend-vocabulary needs a dialogue corpus" in capsys.readouterr().err


def test_read_turns_limits_the_context_a_state_gives(trained, tmp_path):
    """A pipeline may let a model read fewer previous turns than it was trained with."""
    from tod.dialogue import SYSTEM, USER, Turn
    from tod.domain.context import BuildContext
    from tod.errors import ConfigError
    from tod.nlu.acts import ActNLU
    from tod.state import DialogueState

    nlu, _ = trained
    nlu.save(tmp_path / "acts")
    context = BuildContext.open("cityguide")
    capped = ActNLU.from_config(context, model=str(tmp_path / "acts"), read_turns=0)
    state = DialogueState(history=(Turn(USER, "hello", ()), Turn(SYSTEM, "what area would you like ?", ())))
    text = "i need a cheap hotel in the north ."
    assert capped.parse(text, state) == capped.parse(text, None, context=[])  # nothing of the state is read
    assert ActNLU.from_config(context, model=str(tmp_path / "acts")).read_turns is None
    with pytest.raises(ConfigError, match="read_turns"):
        ActNLU.from_config(context, model=str(tmp_path / "acts"), read_turns=-1)


def test_a_span_over_the_last_word_of_a_sentence_loses_the_full_stop() -> None:
    text = "I am travelling to ely. On tuesday."
    words = text.split(" ")
    starts = [text.index(w) for w in words]
    ends = [s + len(w) for s, w in zip(starts, words)]
    tags = ["O", "O", "O", "O", "B-inform+train+destination", "O", "B-inform+train+day"]
    acts = acts_from_prediction(text, starts, ends, tags, [], ValueMap({}, True))
    assert [a.value for a in acts] == ["ely", "tuesday"]
    only = acts_from_prediction("?", [0], [1], ["B-inform+train+day"], [], ValueMap({}, True))
    assert only[0].value == "?"  # nothing but punctuation: kept as it is rather than made empty
