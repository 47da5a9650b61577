"""Exclusions in the belief: typed, checked, and round-tripped through JSON; old records without them still read."""

from __future__ import annotations

import json

import pytest

from tod.belief import BeliefState, DomainBelief
from tod.errors import SchemaError
from tod.state import DialogueState


def test_exclusions_round_trip_through_json() -> None:
    belief = BeliefState(
        {"restaurant": DomainBelief({"area": "east"}, excluded={"food": ("chinese", "indian"), "pricerange": ["cheap"]})}
    )
    data = json.loads(json.dumps(belief.to_dict()))
    assert data["restaurant"]["excluded"] == {"food": ["chinese", "indian"], "pricerange": ["cheap"]}
    again = BeliefState.from_dict(data)
    assert again == belief
    assert again["restaurant"].excluded["food"] == ("chinese", "indian")
    assert again["restaurant"].is_excluded("food", "indian") and not again["restaurant"].is_excluded("area", "east")


def test_a_state_with_exclusions_round_trips() -> None:
    state = DialogueState(belief=BeliefState({"hotel": DomainBelief(excluded={"type": ("guesthouse",)})}))
    assert DialogueState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


def test_a_belief_without_exclusions_has_the_old_dictionary() -> None:
    old = {"restaurant": {"constraints": {"area": "east"}, "requested": [], "booking": {}, "booked": []}}
    belief = BeliefState.from_dict(old)
    assert not belief["restaurant"].excluded
    assert belief.to_dict() == old  # stored records and Rasa slots written before exclusions read and write the same


def test_exclusions_alone_keep_a_domain() -> None:
    belief = BeliefState({"hotel": DomainBelief(excluded={"area": ("north",)})})
    assert "hotel" in belief and not belief["hotel"].is_empty
    assert DomainBelief(excluded={"area": ()}).is_empty  # an empty list is no exclusion


def test_repeats_are_dropped_in_order() -> None:
    assert DomainBelief(excluded={"food": ["thai", "indian", "thai"]}).excluded["food"] == ("thai", "indian")


def test_with_constraint_keeps_exclusions() -> None:
    belief = BeliefState({"hotel": DomainBelief(excluded={"area": ("north",)})}).with_constraint("hotel", "stars", "4")
    assert belief["hotel"].excluded == {"area": ("north",)}


@pytest.mark.parametrize(
    "excluded",
    [
        {"food": "chinese"},  # a string, not a list
        {"food": [1]},
        {"food": [""]},
        {"food": [None]},
        {"": ["chinese"]},
        {"food": {"chinese": True}},
        ["food"],
        "food",
        {"food": [["chinese"]]},
    ],
)
def test_malformed_exclusions_are_schema_errors(excluded: object) -> None:
    data = {"restaurant": {"constraints": {}, "excluded": excluded}}
    with pytest.raises(SchemaError, match="excluded"):
        BeliefState.from_dict(data)


def test_constructing_with_bad_exclusions_fails() -> None:
    with pytest.raises(SchemaError):
        DomainBelief(excluded={"food": "chinese"})  # type: ignore[dict-item]
    with pytest.raises(SchemaError):
        DomainBelief(excluded={3: ("x",)})  # type: ignore[dict-item]


def test_null_exclusions_read_as_none() -> None:
    assert not BeliefState.from_dict({"hotel": {"constraints": {"area": "east"}, "excluded": None}})["hotel"].excluded


def test_the_state_store_keeps_exclusions_and_reads_records_written_before_them(tmp_path) -> None:
    import sqlite3

    from tod.errors import StoreError
    from tod.store import STATE_SCHEMA, SQLiteStateStore

    path = tmp_path / "states.sqlite3"
    store = SQLiteStateStore(path, "rasa")
    state = DialogueState(belief=BeliefState({"hotel": DomainBelief({"area": "east"}, excluded={"type": ("guesthouse",)})}))
    store.save("new", state, 2)
    loaded = store.load("new")
    assert loaded is not None and loaded.state.belief["hotel"].excluded == {"type": ("guesthouse",)}
    # a record as an earlier tod wrote it (same schema, no "excluded" key anywhere)
    old = DialogueState(belief=BeliefState({"hotel": DomainBelief({"area": "east"})}))
    text = json.dumps(old.to_dict())
    assert "excluded" not in text
    store.save("old", DialogueState(), 1)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE states SET state = ? WHERE key = 'old'", (text,))
        raw.execute(
            "UPDATE states SET state = ? WHERE key = 'new'",
            (text.replace('"booked": []', '"booked": [], "excluded": {"type": "guesthouse"}', 1),),
        )
    again = store.load("old")
    assert again is not None and again.state == old and STATE_SCHEMA == 1
    with pytest.raises(StoreError, match="unreadable state.*excluded"):
        store.load("new")
