import pytest

from tests.conftest import FIXTURES, require_shared
from tod.acts import DialogueAct
from tod.data.export import decode_act, encode_act, spans_from_tags, tag_turn, turns_to_dataset
from tod.data.multiwoz import load_multiwoz
from tod.data.tokens import tokenize
from tod.dialogue import ActSpan, Dialogue, Turn
from tod.errors import ConfigError, SchemaError


def assert_round_trip(dataset, dialogues):
    """Every exported turn's tags give back its (kept) spans, with the same surface text."""
    by_id = {d.id: d for d in dialogues}
    checked = 0
    for row in dataset:
        turn = by_id[row["dialogue_id"]].turns[row["turn_index"]]
        assert row["text"] == turn.text and row["speaker"] == turn.speaker
        assert [turn.text[s:e] for s, e in zip(row["token_starts"], row["token_ends"])] == row["tokens"]
        decoded = spans_from_tags(row["tokens"], row["token_starts"], row["token_ends"], row["tags"])
        assert len(decoded) == len(turn.spans) - row["dropped_spans"]
        originals = {}
        for span in turn.spans:
            label = "+".join((span.act.intent, span.act.domain, span.act.slot))
            originals.setdefault((label, span.start, span.end), span)
        for label, start, end in decoded:
            span = originals[(label, start, end)]  # the same act, at the same offsets
            assert turn.text[start:end] == turn.text[span.start : span.end]
            checked += 1
    return checked


def test_fixture_export_round_trips_and_has_context():
    dialogues = load_multiwoz(FIXTURES / "multiwoz" / "val.json")["val"]
    dataset = turns_to_dataset(dialogues, context_turns=2)
    assert len(dataset) == 5 and set(dataset["speaker"]) == {"user"}
    row = dataset[1]  # FIX001 turn 2
    assert (row["dialogue_id"], row["turn_index"]) == ("FIX001", 2)
    assert row["context"] == ["i need a cheap hotel in the north .", "there are 2 . do you need free wifi ?"]
    assert dataset[2]["context"] == [dialogues[0].turns[2].text, dialogues[0].turns[3].text]
    assert dataset[0]["context"] == []
    assert row["acts"][0] == "inform+hotel+internet+yes" and row["tags"][0] == "B-inform+hotel+internet"
    assert assert_round_trip(dataset, dialogues) == 6
    everything = turns_to_dataset(dialogues, speaker="all", context_turns=0)
    assert len(everything) == 10 and all(c == [] for c in everything["context"])
    assert assert_round_trip(everything, dialogues) == 15
    multi = everything[3]  # "alexander b&b , phone ..." : a two-word span
    assert multi["tokens"][:3] == ["alexander", "b&b", ","]
    assert multi["tags"][:3] == ["B-inform+hotel+name", "I-inform+hotel+name", "O"]


def test_overlapping_spans_keep_the_first_and_count_the_rest():
    act = DialogueAct("inform", "train", "destination", "ely")
    other = DialogueAct("inform", "train", "departure", "ely")
    turn = Turn("user", "to ely please", spans=(ActSpan(act, 3, 6), ActSpan(other, 3, 13)))
    tokens, starts, ends, tags, dropped = tag_turn(turn)
    assert tags == ["O", "B-inform+train+destination", "O"] and dropped == 1
    row = turns_to_dataset([Dialogue("d", (turn,))])[0]
    assert row["dropped_spans"] == 1


def test_a_span_boundary_inside_a_word_splits_it():
    turn = Turn("user", "book 2people", spans=(ActSpan(DialogueAct("inform", "hotel", "people", "2"), 5, 6),))
    tokens, starts, ends, tags, _ = tag_turn(turn)
    assert tokens == ["book", "2", "people"] and tags == ["O", "B-inform+hotel+people", "O"]
    assert spans_from_tags(tokens, starts, ends, tags) == [("inform+hotel+people", 5, 6)]


def test_cjk_characters_are_tokens_of_their_own():
    text = "我想去故宫，门票多少钱？ ok?"
    assert [t.text for t in tokenize(text)] == list("我想去故宫，门票多少钱？") + ["ok", "?"]
    span = ActSpan(DialogueAct("inform", "景点", "名称", "故宫"), 3, 5)
    tokens, starts, ends, tags, _ = tag_turn(Turn("user", text, spans=(span,)))
    assert tags[3:5] == ["B-inform+景点+名称", "I-inform+景点+名称"]
    assert spans_from_tags(tokens, starts, ends, tags) == [("inform+景点+名称", 3, 5)]


def test_act_encoding_is_unambiguous_and_checked():
    act = DialogueAct("inform", "restaurant", "food", "fish + chips")
    assert decode_act(encode_act(act)) == act
    with pytest.raises(SchemaError, match="must not contain"):
        encode_act(DialogueAct("inform", "a+b", "c", "d"))
    with pytest.raises(SchemaError, match="intent\\+domain\\+slot\\+value"):
        decode_act("inform+hotel")


def test_bad_arguments_and_ill_formed_tags():
    with pytest.raises(ConfigError, match="speaker must be one of"):
        turns_to_dataset([], speaker="bot")
    with pytest.raises(ConfigError, match="context_turns"):
        turns_to_dataset([], context_turns=-1)
    assert spans_from_tags(["a", "b", "c"], [0, 2, 4], [1, 3, 5], ["I-x", "I-y", "B-y"]) == [
        ("x", 0, 1),
        ("y", 2, 3),
        ("y", 4, 5),
    ]
    with pytest.raises(ValueError, match="equal lengths"):
        spans_from_tags(["a"], [0], [1], [])


@pytest.mark.corpus
def test_real_val_export_round_trips_every_span():
    dialogues = load_multiwoz(require_shared("multiwoz", "val.json.zip"))["val"]
    dataset = turns_to_dataset(dialogues, speaker="all")
    assert len(dataset) == 14730
    spans = sum(len(t.spans) for d in dialogues for t in d.turns)
    assert assert_round_trip(dataset, dialogues) == spans - sum(dataset["dropped_spans"])
    assert sum(dataset["dropped_spans"]) < spans * 0.01
