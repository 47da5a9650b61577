import pytest

from tod.metrics.nlu import score_nlu


def test_scores_on_a_hand_checked_example():
    gold_i = ["flight", "fare", "flight", "day_name"]
    pred_i = ["flight", "fare", "fare", "flight"]
    gold_t = [["B-city", "I-city", "O"], ["O", "B-date"], ["B-city"], ["O", "B-city"]]
    pred_t = [["B-city", "I-city", "O"], ["O", "O"], ["B-city"], ["O", "B-city"]]
    known_tags = {"O", "B-city", "I-city"}
    s = score_nlu(gold_i, pred_i, gold_t, pred_t, known_intents={"flight", "fare"}, known_tags=known_tags)
    assert s.intent_accuracy == pytest.approx(0.5)
    # 4 gold spans (city, date, city, city), 3 predicted, all 3 right
    assert s.slot_precision == pytest.approx(1.0)
    assert s.slot_recall == pytest.approx(0.75)
    assert s.slot_f1 == pytest.approx(2 * 0.75 / 1.75)
    assert s.sentence_accuracy == pytest.approx(0.25)  # only the first is entirely right
    assert s.unseen_gold_intents == 1 and s.unseen_gold_tags == 1
    assert s.per_intent["flight"]["support"] == 2 and s.per_intent["flight"]["precision"] == pytest.approx(0.5)
    assert s.per_slot["date"]["recall"] == 0.0 and s.per_slot["city"]["f1"] == pytest.approx(1.0)
    assert set(s.to_dict()) >= {"intent_accuracy", "slot_f1", "sentence_accuracy"}


def test_mismatched_inputs_are_rejected():
    with pytest.raises(ValueError, match="differ in length"):
        score_nlu(["a"], [], [["O"]], [["O"]])
    with pytest.raises(ValueError, match="example 0"):
        score_nlu(["a"], ["a"], [["O", "O"]], [["O"]])
    with pytest.raises(ValueError, match="no examples"):
        score_nlu([], [], [], [])
