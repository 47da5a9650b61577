"""``Schema.resolve``: the one reading of slot names, declared slots and item slots of list slots."""

from __future__ import annotations

import pytest

from tod._schema import FrozenMap
from tod.domain.ontology import ItemSlots, Schema, Slot, SlotRef
from tod.domain.table import Table
from tod.errors import QueryError

FACILITIES = Slot("酒店设施", kind="list", informable=True, field="酒店设施", items=ItemSlots("-", ("是",), ("否",)))
# a declared slot whose name reads like an item slot of 酒店设施, and a multi-character separator
NEARBY = Slot("酒店设施-附近", kind="text", informable=True, field="nearby")
AROUND = Slot("周边", kind="list", field="周边", items=ItemSlots("::", ("yes",)))
SCHEMA = Schema(
    "酒店",
    FrozenMap(
        {
            "名称": Slot("名称", kind="name", informable=True, field="名称"),
            "酒店设施": FACILITIES,
            "酒店设施-附近": NEARBY,
            "周边": AROUND,
            "评分": Slot("评分", kind="number", informable=True, field="评分"),
        }
    ),
)


def test_a_declared_slot_is_itself() -> None:
    assert SCHEMA.resolve("名称") == SlotRef(SCHEMA.slots["名称"])
    assert SCHEMA.resolve("名称").base == "名称" and SCHEMA.resolve("名称").item is None  # type: ignore[union-attr]


def test_an_item_slot_is_its_list_slot_and_the_item() -> None:
    found = SCHEMA.resolve("酒店设施-中式餐厅")
    assert found == SlotRef(FACILITIES, "中式餐厅")
    assert found is not None and found.base == "酒店设施"


def test_an_item_may_hold_the_separator() -> None:
    assert SCHEMA.resolve("酒店设施-早餐-自助") == SlotRef(FACILITIES, "早餐-自助")


def test_a_declared_slot_wins_over_an_item_reading() -> None:
    # "酒店设施-附近" reads as an item of 酒店设施, but it is declared: it is itself
    assert SCHEMA.resolve("酒店设施-附近") == SlotRef(NEARBY)
    assert SCHEMA.resolve("酒店设施-附近-地铁") == SlotRef(FACILITIES, "附近-地铁")


def test_a_separator_of_several_characters() -> None:
    assert SCHEMA.resolve("周边::地铁站") == SlotRef(AROUND, "地铁站")
    assert SCHEMA.resolve("周边:地铁站") is None


@pytest.mark.parametrize(
    "name",
    [
        "",  # no slot at all
        "-",  # the separator alone
        "酒店设施-",  # a list slot's prefix without an item
        "评分-4",  # a slot without items is no list of items
        "价格-低",  # an unknown base slot
        "名称 ",  # trailing space: not the declared slot
        "酒店设施—中式餐厅",  # another dash than the separator
        "周边::",  # a separator of several characters without an item
        "周边:",  # half of it
    ],
)
def test_hostile_names_resolve_to_nothing(name: str) -> None:
    assert SCHEMA.resolve(name) is None


def test_item_slot_writes_what_resolve_reads() -> None:
    name = FACILITIES.item_slot("中式餐厅")
    assert name == "酒店设施-中式餐厅" and SCHEMA.resolve(name) == SlotRef(FACILITIES, "中式餐厅")
    with pytest.raises(ValueError, match="needs an item"):
        FACILITIES.item_slot("")
    with pytest.raises(ValueError, match="no item slots"):
        SCHEMA.slots["评分"].item_slot("4")


def test_table_resolve_reads_through_the_schema() -> None:
    table = Table(SCHEMA, [])
    assert table.resolve("酒店设施-中式餐厅") == (FACILITIES, "中式餐厅")
    assert table.resolve("评分") == (SCHEMA.slots["评分"], None)
    for bad in ("酒店设施-", "", "价格"):
        with pytest.raises(QueryError, match=r"unknown slot .* or 酒店设施-<item>"):
            table.resolve(bad)
    with pytest.raises(QueryError, match="named by a string"):
        table.resolve(3)  # type: ignore[arg-type]
