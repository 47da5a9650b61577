"""The MultiWOZ and CrossWOZ databases read from ../shared/data (skipped where absent)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import require_shared
from tod.domain.booking import Booker
from tod.domain.database import Database, open_database
from tod.domain.validate import validate_domain

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def multiwoz() -> Database:
    return open_database("multiwoz", data_dir=require_shared("multiwoz"))


@pytest.fixture(scope="module")
def crosswoz() -> Database:
    return open_database("crosswoz", data_dir=require_shared("crosswoz"))


def test_multiwoz_counts(multiwoz: Database) -> None:
    counts = {d: multiwoz.count(d) for d in ("attraction", "hospital", "hotel", "police", "restaurant", "train")}
    assert counts == {"attraction": 79, "hospital": 66, "hotel": 33, "police": 1, "restaurant": 110, "train": 2828}
    assert multiwoz.count("taxi") == 6 * 10  # generated: colours x car types


def test_multiwoz_known_queries(multiwoz: Database) -> None:
    found = multiwoz.query("restaurant", {"area": "center", "pricerange": "moderately priced", "food": "Italian"})
    assert [e.name for e in found] == ["pizza express", "pizza express Fen Ditton"]
    trains = multiwoz.query(
        "train", {"departure": "cambridge", "destination": "london kings cross", "day": "monday", "leaveAt": "9:15"}
    )
    assert [(t.name, t.get("leaveAt")) for t in trains][:2] == [("TR1111", "11:00"), ("TR6110", "13:00")]
    assert all(t.get("leaveAt") >= "09:15" and t.get("day") == "monday" for t in trains) and len(trains) == 7
    early = multiwoz.query(
        "train", {"departure": "cambridge", "destination": "london kings cross", "day": "monday", "arriveBy": "11.00"}
    )
    assert [t.get("arriveBy") for t in early] == ["05:51", "07:51", "09:51"]
    guesthouses = multiwoz.query("hotel", {"type": "guest house", "area": "north", "stars": "4", "parking": "dontcare"})
    assert guesthouses and all(h.get("type") == "guesthouse" and h.get("stars") == "4" for h in guesthouses)
    acorn = multiwoz.lookup("hotel", "The Acorn Guest House")
    assert acorn is not None and acorn.get("postcode") == "cb41da"
    assert multiwoz.query("attraction", {"type": "swimming pool"}, top_k=1)[0].get("type") == "swimmingpool"


def test_multiwoz_taxi_booking_is_generated_and_deterministic(multiwoz: Database) -> None:
    details = {"departure": "acorn guest house", "destination": "pizza express", "leaveAt": "17:15"}
    first = [Booker(multiwoz, seed=7).book("taxi", None, details) for _ in range(2)]
    assert first[0] == first[1]
    # the corpus's taxi phones: 11 digits starting 07 (ConvLab's evaluator rejects taxi_db.json's 10-digit pattern)
    phone = first[0].entity.get("phone")
    assert len(phone) == 11 and phone.isdigit() and phone.startswith("07")
    assert first[0].entity.get("car type") is None and first[0].entity.name == "{} {}".format(
        first[0].entity.get("color"), first[0].entity.get("type")
    )  # "car type" reads the name: colour and make, as the corpus says it ("black volvo")


def test_crosswoz_counts(crosswoz: Database) -> None:
    counts = {d: crosswoz.count(d) for d in crosswoz.subdomains}
    assert counts == {"景点": 465, "餐馆": 951, "酒店": 1133, "地铁": 2549, "出租": 1}


def test_crosswoz_value_forms_match_brute_force(crosswoz: Database) -> None:
    hotels = json.loads((require_shared("crosswoz", "database", "hotel_db.json")).read_text(encoding="utf-8"))
    expected = [n for n, f in hotels if (f["评分"] or 0) >= 4.5 and f["价格"] is not None and 300 <= f["价格"] <= 400]
    assert [e.name for e in crosswoz.query("酒店", {"评分": "4.5分以上", "价格": "300-400元"})] == expected
    chinese = [n for n, f in hotels if "中式餐厅" in f["酒店设施"]]
    assert [e.name for e in crosswoz.query("酒店", {"酒店设施-中式餐厅": "是"})] == chinese
    assert crosswoz.count("酒店", {"酒店设施-中式餐厅": "否"}) == 1133 - len(chinese)
    free, paid = crosswoz.count("景点", {"门票": "免费"}), crosswoz.count("景点", {"门票": "不免费"})
    assert (free, paid) == (194, 242)  # the other 29 attractions have no ticket price


def test_crosswoz_nearby(crosswoz: Database) -> None:
    near_hotel = crosswoz.query("景点", {"周边酒店": "北京贵都大酒店"})
    assert near_hotel and all("北京贵都大酒店" in e.get("周边酒店") for e in near_hotel)
    neighbours = crosswoz.near("酒店", "北京贵都大酒店", "景点")
    assert neighbours[0].name == "故宫"
    assert [e.name for e in neighbours][: len(crosswoz.lookup("酒店", "北京贵都大酒店").get("周边景点"))] == list(
        crosswoz.lookup("酒店", "北京贵都大酒店").get("周边景点")
    )
    assert crosswoz.query("地铁", {"名称": "故宫"})[0].get("地铁") == "灯市口地铁站A口"


def test_validation_findings(multiwoz: Database, crosswoz: Database) -> None:
    kinds = {(p.domain, p.kind) for p in validate_domain(multiwoz)}
    assert ("train", "duplicate-name") in kinds  # a trainID runs on several days
    assert ("restaurant", "phone", "missing-value") in {(p.domain, p.slot, p.kind) for p in validate_domain(multiwoz)}
    cross = validate_domain(crosswoz)
    assert all(p.kind != "missing-field" for p in cross)
    assert any(p.domain == "景点" and p.slot == "评分" and p.kind == "missing-value" and p.count == 131 for p in cross)
