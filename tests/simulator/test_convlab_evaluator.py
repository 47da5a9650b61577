"""The ``convlab`` metric mode on small, hand-made dialogues (no corpus needed), and its refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tod.domain.loader import load_domain
from tod.errors import EvaluationError, SimulationError
from tod.simulator.convlab.evaluator import ConvLabEvaluator
from tod.simulator.convlab.query import ConvLabDatabase, partial_ratio
from tod.simulator.convlab.records import parse_record, read_records
from tod.simulator.convlab.tables import ConvLabTables
from tod.simulator.modes import available_modes, resolve_mode

TABLES = Path(__file__).resolve().parents[2] / "domains" / "multiwoz" / "convlab.yaml"
ROWS = {
    "restaurant": [
        {"name": "pizza hut", "area": "south", "food": "italian", "phone": "01223323737", "postcode": "cb17dy"},
        {"name": "golden wok", "area": "north", "food": "chinese", "postcode": "cb43hl"},  # no phone
    ],
    "hotel": [{"name": "acorn", "area": "north", "stars": "4", "phone": "01223353888", "postcode": "cb41da"}],
    "attraction": [{"name": "abbey pool", "area": "east", "entrance fee": "?", "phone": "01223902088"}],
    "train": [
        {
            "trainID": "TR1000",
            "day": "monday",
            "departure": "ely",
            "destination": "cambridge",
            "leaveAt": "05:35",
            "arriveBy": "05:52",
        },
        {
            "trainID": "TR1000",
            "day": "friday",
            "departure": "ely",
            "destination": "cambridge",
            "leaveAt": "05:35",
            "arriveBy": "05:52",
        },
    ],
    "hospital": [{"department": "neurology", "phone": "01223274680"}],
    "police": [{"name": "parkside police station", "phone": "01223358966"}],
}


@pytest.fixture(scope="module")
def evaluator() -> ConvLabEvaluator:
    tables = ConvLabTables.load(TABLES)
    return ConvLabEvaluator(tables, ConvLabDatabase(ROWS, tables))


def record(goal: dict[str, Any], *turns: tuple[str, list[list[str]]], **extra: Any) -> Any:
    return parse_record({"id": "t", "goal": goal, "turns": [{"speaker": s, "acts": a} for s, a in turns], **extra})


def test_partial_ratio_is_fuzzywuzzys() -> None:
    assert partial_ratio("cb11ln", "cb11ln") == 100 and partial_ratio("", "x") == 0
    assert partial_ratio("pizza", "pizza hut city centre") == 100  # the best window
    assert partial_ratio("?", "01223323737") == 0
    assert partial_ratio("abcd", "abxd") == 75


def test_a_ten_digit_taxi_phone_is_a_false_positive_and_a_miss(evaluator: ConvLabEvaluator) -> None:
    goal = {"taxi": {"info": {"leaveAt": "10:00"}, "reqt": {"phone": "?"}}}
    bad = evaluator.score(record(goal, ("system", [["inform", "taxi", "phone", "0712345678"]])))
    assert (bad.tp, bad.fp, bad.fn, bad.task_success) == (0, 1, 1, False)
    assert bad.bad_format == (("inform", "taxi", "phone"),)
    good = evaluator.score(record(goal, ("system", [["inform", "taxi", "phone", "07123456789"]])))
    assert (good.tp, good.fp, good.fn, good.task_success) == (1, 0, 0, True)


def test_a_restaurant_phone_passes_whatever_its_form(evaluator: ConvLabEvaluator) -> None:
    goal = {"restaurant": {"info": {"food": "italian"}, "reqt": {"phone": "?"}}}
    verdict = evaluator.score(record(goal, ("system", [["Inform", "Restaurant", "Phone", "01223 323737"]])))
    assert (verdict.tp, verdict.fp) == (1, 0)


def test_a_goal_without_request_or_booking_never_succeeds(evaluator: ConvLabEvaluator) -> None:
    verdict = evaluator.score(
        record({"hotel": {"info": {"area": "north"}}}, ("system", [["inform", "hotel", "name", "acorn"]]))
    )
    assert (
        verdict.book_rate is None and verdict.recall is None and verdict.final_score == 1 and not verdict.task_success
    )


def test_only_some_unrequested_slots_are_false_positives(evaluator: ConvLabEvaluator) -> None:
    goal = {"hotel": {"info": {"area": "north"}, "reqt": {"phone": "?"}}}
    acts = [
        ["inform", "hotel", "phone", "01223353888"],
        ["inform", "hotel", "stars", "4"],
        ["inform", "hotel", "post", "cb41da"],
        ["inform", "hotel", "price", "cheap"],
    ]
    verdict = evaluator.score(record(goal, ("system", acts)))
    # stars is in ConvLab's requestable list as written; postcode and pricerange are spelt "post" and "price" there
    assert verdict.informed_not_requested == (("inform", "hotel", "stars"),) and verdict.fp == 1


def test_a_reference_books_the_row_it_numbers_in_the_current_domain(evaluator: ConvLabEvaluator) -> None:
    goal = {"hotel": {"info": {"area": "north", "stars": "4"}, "book": {"people": "2"}}}
    turns = (("user", [["Inform", "Hotel", "Area", "north"]]), ("system", [["Book", "Booking", "Ref", "00000000"]]))
    verdict = evaluator.score(record(goal, *turns))
    assert verdict.booked == {"hotel": 0} and verdict.book_rate == 1.0 and verdict.task_success
    past_the_end = evaluator.score(record(goal, turns[0], ("system", [["Book", "Booking", "Ref", "00000001"]])))
    assert past_the_end.booked == {} and past_the_end.book_rate == 0.0


def test_a_booking_act_naming_the_entity_books_it_the_train_by_the_goals_day(evaluator: ConvLabEvaluator) -> None:
    goal = {
        "train": {"info": {"day": "friday", "departure": "ely", "destination": "cambridge"}, "book": {"people": "1"}}
    }
    verdict = evaluator.score(record(goal, ("system", [["offerbooked", "train", "id", "TR1000"]])))
    assert verdict.booked == {"train": 1} and verdict.book_rate == 1.0


def test_a_requested_value_the_database_lacks_is_a_final_goal_mismatch(evaluator: ConvLabEvaluator) -> None:
    goal = {"restaurant": {"info": {"area": "north"}, "reqt": {"phone": "?"}}}
    told = evaluator.score(record(goal, ("system", [["inform", "restaurant", "name", "golden wok"]])))
    assert told.fn == 1 and told.final_score == 1.0  # the row has no phone: the "?" constraint is skipped
    fee = {"attraction": {"info": {"area": "east"}, "reqt": {"entrance fee": "?"}}}
    answered = evaluator.score(record(fee, ("system", [["inform", "attraction", "fee", "?"]])))
    assert answered.tp == 1 and answered.task_success  # "?" informs: the database says "?"


def test_the_goal_at_scoring_gives_the_told_values(evaluator: ConvLabEvaluator) -> None:
    goal = {"restaurant": {"info": {"area": "south"}, "reqt": {"phone": "?"}}}
    wrong = {"restaurant": {"info": {"area": "south"}, "reqt": {"phone": "99999999999"}}}
    turns = ("system", [["inform", "restaurant", "phone", "01223323737"]])
    assert evaluator.score(record(goal, turns)).task_success
    assert not evaluator.score(record(goal, turns, goal_at_scoring=wrong)).task_success


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be a JSON object"),
        ({"turns": []}, "missing 'goal'"),
        ({"goal": {}, "turns": {}}, "'turns' must be a list"),
        ({"goal": [], "turns": []}, "'goal' must be an object"),
        ({"goal": {"hotel": {"reqt": 3}}, "turns": []}, "reqt must be a list of slots"),
        ({"goal": {"hotel": {"info": {"area": ["x"]}}}, "turns": []}, "info must map slots to strings"),
        ({"goal": {}, "turns": [{"speaker": "wizard", "acts": []}]}, "speaker"),
        ({"goal": {}, "turns": [{"speaker": "user", "acts": [["inform", "hotel"]]}]}, "intent, domain, slot, value"),
        ({"goal": {}, "turns": [{"speaker": "user", "acts": [["inform", "hotel", "area", {"x": 1}]]}]}, "value"),
    ],
)
def test_a_malformed_record_is_refused_with_what_was_expected(data: Any, message: str) -> None:
    with pytest.raises(EvaluationError, match=message):
        parse_record(data, "f.jsonl:3")


def test_a_goal_domain_convlab_does_not_know_is_refused(evaluator: ConvLabEvaluator) -> None:
    with pytest.raises(EvaluationError, match="not ConvLab's"):
        evaluator.score(record({"spaceport": {"info": {"x": "y"}}}))


def test_a_dialogue_file_names_the_line_of_what_is_wrong(tmp_path: Path) -> None:
    good = json.dumps({"goal": {"hotel": {"info": {"area": "north"}}}, "turns": []})
    cases = {
        "missing.jsonl": None,
        "empty.jsonl": "\n\n",
        "broken.jsonl": good + "\n{not json\n",
        "latin1.jsonl": good.encode() + b"\n\xff\n",
    }
    expected = {
        "missing.jsonl": "does not exist",
        "empty.jsonl": "no dialogues",
        "broken.jsonl": ":2: not valid JSON",
        "latin1.jsonl": ":2: expected UTF-8",
    }
    for name, content in cases.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif content is not None:
            path.write_text(content)
        with pytest.raises(EvaluationError, match=expected[name]):
            list(read_records(path))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.pop("formats"), "missing"),
        (lambda t: t["informs"].pop("taxi"), "missing \\['taxi'\\]"),
        (lambda t: t["formats"].update(phone={"match": "(["}), "not a regular expression"),
        (lambda t: t["formats"].update(phone={"looks_like": "x"}), "expected some of the tests"),
        (lambda t: t["book_rate"]["times"].update(leaveAt="after"), "expected one of \\['ge', 'le'\\]"),
        (lambda t: t["final_goal"].update(fuzzy_ratio=101), "integer from 0 to 100"),
        (lambda t: t["booking"]["fixed_acts"].update({"x-y-z": "spaceport"}), "expected one of the domains"),
    ],
)
def test_malformed_tables_are_refused_with_the_key(tmp_path: Path, edit: Any, message: str) -> None:
    import yaml

    tables = yaml.safe_load(TABLES.read_text())
    edit(tables)
    path = tmp_path / "convlab.yaml"
    path.write_text(yaml.safe_dump(tables))
    with pytest.raises(EvaluationError, match=message):
        ConvLabTables.load(path)


def test_only_a_domain_with_the_tables_has_the_convlab_mode() -> None:
    city = load_domain("cityguide")
    assert available_modes(city) == ("tod",) and resolve_mode(city, None) == "tod"
    with pytest.raises(SimulationError, match="needs ConvLab's evaluator tables"):
        resolve_mode(city, "convlab")
    with pytest.raises(SimulationError, match="one of"):
        resolve_mode(city, "paradise")
    with pytest.raises(EvaluationError, match="only"):
        ConvLabTables.for_domain(city)
