"""Goal files in ConvLab's and tod's formats; malformed files fail with the file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tod.dialogue import Goal, SubGoal
from tod.domain.database import Database
from tod.errors import SimulationError
from tod.simulator.goal_files import parse_goal, read_goals, to_convlab, write_goals

CONVLAB = {
    "restaurant": {
        "info": {"food": "italian", "area": "centre"},
        "reqt": {"phone": "?", "postcode": "?"},
        "book": {"people": "2", "day": "friday", "time": "19:00", "invalid": False, "pre_invoke": ["x"]},
        "fail_info": {"food": "klingon", "area": "centre"},
    },
    "hotel": {"info": {"area": "north"}, "reqt": ["phone", "car type"], "book": {}},
    "taxi": {"info": {}, "reqt": [], "book": {}},
}


def test_convlab_goals_are_read_in_domain_order(city_db: Database) -> None:
    goal = parse_goal(CONVLAB, city_db.domain)
    restaurant, hotel = goal.subgoals  # the empty taxi sub-goal of another domain is left out
    assert restaurant.constraints == {"food": "italian", "area": "centre"}
    assert restaurant.requests == ("phone", "postcode")
    assert restaurant.booking == {"people": "2", "day": "friday", "time": "19:00"}
    assert restaurant.fail_constraints == {"food": "klingon", "area": "centre"}
    assert (hotel.id, hotel.requests) == (2, ("phone",))


def test_files_of_both_formats_round_trip(city_db: Database, tmp_path: Path) -> None:
    lines = tmp_path / "goals.jsonl"
    own = Goal((SubGoal("hotel", 1, {"area": "north"}, ("phone",)),))
    lines.write_text(json.dumps(CONVLAB) + "\n\n" + json.dumps(own.to_dict()) + "\n", encoding="utf-8")
    read = read_goals(lines, city_db.domain)
    assert len(read.goals) == 2 and read.goals[1] == own
    odd = Goal((SubGoal("hotel", 1, {"area": "north", "warp": "9"}, ("phone", "car type")),))
    (kept,) = [parse_goal(odd.to_dict(), city_db.domain)]
    assert kept.subgoals[0].constraints == {"area": "north"} and kept.subgoals[0].requests == ("phone",)
    assert read.skipped == {"sub-domain taxi": 1, "hotel.reqt.car type": 1}
    listed = tmp_path / "goals.json"
    listed.write_text(json.dumps([to_convlab(g) for g in read.goals]), encoding="utf-8")
    again = read_goals(listed, city_db.domain).goals
    assert [s.constraints for g in again for s in g.subgoals] == [s.constraints for g in read.goals for s in g.subgoals]
    written = tmp_path / "written.jsonl"
    write_goals(read.goals, written)
    assert read_goals(written, city_db.domain).goals == read.goals


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "no goals"),
        ("{not json\n", r"goals.jsonl:1: not valid JSON"),
        ('{"restaurant": {"info": {"food": "thai"}}}\n[1, 2]\n', r"goals.jsonl:2: a goal must be a JSON object"),
        ('{"restaurant": "cheap"}\n', "must map to an object"),
        ('{"restaurant": {"info": {"food": ["a"]}}}\n', "info.food must be a string"),
        ('{"restaurant": {"info": {"food": true}}}\n', "info.food must be a string"),
        ('{"restaurant": {"info": "food"}}\n', "info must be an object"),
        ('{"restaurant": {"reqt": 7}}\n', "reqt must be a list"),
        ('{"spaceport": {"info": {"x": "y"}}}\n', "no sub-goal of domain cityguide"),
        ('{"subgoals": [{"domain": "spaceport"}]}\n', "not in cityguide"),
        ('{"subgoals": [{"nodomain": 1}]}\n', "goals.jsonl:1"),
        ('{"subgoals": []}\n', "no sub-goals"),
    ],
)
def test_malformed_goal_files_name_file_and_line(city_db: Database, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "goals.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SimulationError, match=message):
        read_goals(path, city_db.domain)


def test_missing_and_binary_files(city_db: Database, tmp_path: Path) -> None:
    with pytest.raises(SimulationError, match="does not exist"):
        read_goals(tmp_path / "nope.jsonl", city_db.domain)
    binary = tmp_path / "goals.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SimulationError, match=r"goals.jsonl:1: expected UTF-8 text in a goal file, found byte 0xff"):
        read_goals(binary, city_db.domain)
    broken = tmp_path / "goals.json"
    broken.write_text("[{}, ", encoding="utf-8")
    with pytest.raises(SimulationError, match="not valid JSON"):
        read_goals(broken, city_db.domain)
