"""κ over attribute-value matrices, against hand-computed answers (Walker et al. 1997)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from tod.errors import ParadiseError
from tod.evaluation.paradise.kappa import AttributeValue, ConfusionMatrix, dialogue_kappas, kappa


def av(attribute: str, key: str, achieved: str) -> AttributeValue:
    return AttributeValue(attribute, key, achieved)


# Two attributes, six pairs: the worked example of several tests.
#   area:  key north → north (✓), key north → south (✗), key south → south (✓)
#   price: key cheap → cheap (✓), key cheap → ""    (✗), key expensive → expensive (✓)
# T = 6, P(A) = 4/6 = 2/3.
# Key (column) totals: area=north 2, area=south 1, price=cheap 2, price=expensive 1, price= 0
#   P(E) = (2² + 1² + 2² + 1²) / 6² = 10/36 = 5/18
#   κ = (2/3 − 5/18) / (1 − 5/18) = (12/18 − 5/18) / (13/18) = 7/13
# Row (achieved) totals differ: area=north 1, area=south 2, price=cheap 1, price= 1, price=expensive 1,
# so Cohen's chance term Σ p_row·p_col = (1·2 + 2·1 + 1·2 + 1·0 + 1·1)/36 = 7/36 would give another κ.
PARTIAL = [
    av("area", "north", "north"),
    av("area", "north", "south"),
    av("area", "south", "south"),
    av("price", "cheap", "cheap"),
    av("price", "cheap", ""),
    av("price", "expensive", "expensive"),
]
P_E = Fraction(5, 18)


def test_perfect_agreement_is_one() -> None:
    values = [av("area", v, v) for v in ("north", "south", "east", "north")] + [av("food", "thai", "thai")]
    matrix = ConfusionMatrix.from_values(values)
    assert matrix.agreement == 1.0
    assert matrix.kappa == pytest.approx(1.0)
    assert kappa(values) == pytest.approx(1.0)


def test_chance_agreement_is_zero() -> None:
    # keys x, x, y, y: t = (2, 2), P(E) = (2/4)² + (2/4)² = 1/2; achieved x, y, x, y: two right, P(A) = 1/2.
    values = [av("a", "x", "x"), av("a", "x", "y"), av("a", "y", "x"), av("a", "y", "y")]
    matrix = ConfusionMatrix.from_values(values)
    assert matrix.agreement == pytest.approx(0.5)
    assert matrix.expected == pytest.approx(0.5)
    assert matrix.kappa == pytest.approx(0.0)


def test_worse_than_chance_is_negative() -> None:
    # keys x, y; achieved y, x: P(A) = 0, P(E) = 1/2, κ = −1.
    assert kappa([av("a", "x", "y"), av("a", "y", "x")]) == pytest.approx(-1.0)


def test_partial_agreement_by_hand() -> None:
    matrix = ConfusionMatrix.from_values(PARTIAL)
    assert matrix.total == 6
    assert matrix.agreement == pytest.approx(2 / 3)
    assert matrix.expected == pytest.approx(float(P_E))
    assert matrix.kappa == pytest.approx(7 / 13)
    assert kappa(PARTIAL) == pytest.approx(7 / 13)
    assert kappa(iter(PARTIAL)) == pytest.approx(7 / 13)  # any iterable


def test_matrix_layout_rows_achieved_columns_key() -> None:
    matrix = ConfusionMatrix.from_values(PARTIAL)
    # labels: sorted union of key and achieved labels; the achieved "" is a label of its own
    assert matrix.labels == ("area=north", "area=south", "price=", "price=cheap", "price=expensive")
    assert matrix.counts == (
        # key: north south price= cheap expensive
        (1, 0, 0, 0, 0),  # achieved area=north
        (1, 1, 0, 0, 0),  # achieved area=south
        (0, 0, 0, 1, 0),  # achieved price=
        (0, 0, 0, 1, 0),  # achieved price=cheap
        (0, 0, 0, 0, 1),  # achieved price=expensive
    )
    assert matrix.column_totals == (2, 1, 0, 2, 1)


def test_expected_comes_from_key_columns_not_cohen_marginals() -> None:
    matrix = ConfusionMatrix.from_values(PARTIAL)
    t = matrix.column_totals
    assert matrix.expected == pytest.approx(sum((ti / matrix.total) ** 2 for ti in t))
    rows = [sum(row) for row in matrix.counts]
    cohen = sum(r * c for r, c in zip(rows, t)) / matrix.total**2
    assert cohen == pytest.approx(7 / 36)
    assert matrix.expected != pytest.approx(cohen)
    # Transposing the roles (achieved as key) changes P(E): the key side alone defines it.
    swapped = ConfusionMatrix.from_values(av(v.attribute, v.achieved, v.key) for v in PARTIAL)
    assert swapped.expected == pytest.approx(sum(r * r for r in rows) / 36)  # (1+4+1+1+1)/36 = 8/36


def test_achieved_values_outside_the_keys() -> None:
    # keys: a=x, a=y; achieved: a=z (never a key) and "none"; one right.
    # T = 3, P(A) = 1/3; key totals: x 2, y 1 → P(E) = (4 + 1)/9 = 5/9; κ = (3/9 − 5/9)/(4/9) = −1/2.
    values = [av("a", "x", "z"), av("a", "x", "none"), av("a", "y", "y")]
    matrix = ConfusionMatrix.from_values(values)
    assert matrix.labels == ("a=none", "a=x", "a=y", "a=z")
    assert matrix.column_totals == (0, 2, 1, 0)
    assert matrix.kappa == pytest.approx(-0.5)


def test_values_of_different_attributes_never_share_a_cell() -> None:
    # "north" as hotel-area and as restaurant-area are different labels; an achieved restaurant
    # north does not satisfy a hotel north.
    values = [av("hotel-area", "north", "north"), av("restaurant-area", "south", "north")]
    matrix = ConfusionMatrix.from_values(values)
    assert set(matrix.labels) == {"hotel-area=north", "restaurant-area=north", "restaurant-area=south"}
    assert matrix.agreement == pytest.approx(0.5)
    assert matrix.kappa == pytest.approx(0.0)  # P(E) = 1/4 + 1/4


def test_to_dict() -> None:
    d = ConfusionMatrix.from_values(PARTIAL).to_dict()
    assert d["labels"][0] == "area=north" and d["counts"][1] == [1, 1, 0, 0, 0]
    assert d["total"] == 6
    assert d["p_agreement"] == pytest.approx(2 / 3)
    assert d["p_expected"] == pytest.approx(5 / 18)
    assert d["kappa"] == pytest.approx(7 / 13)
    degenerate = ConfusionMatrix.from_values([av("a", "x", "x"), av("a", "x", "y")]).to_dict()
    assert degenerate["kappa"] is None and degenerate["p_expected"] == 1.0


def test_dialogue_kappas_use_the_whole_sets_expected_agreement() -> None:
    # The six pairs of PARTIAL split over two dialogues (P(E) of the set = 5/18), plus an empty one.
    d1 = [PARTIAL[0], PARTIAL[2], PARTIAL[3]]  # all right: P(A) = 1 → κ = 1
    d2 = [PARTIAL[1], PARTIAL[4], PARTIAL[5]]  # one right: P(A) = 1/3 → κ = (6/18 − 5/18)/(13/18) = 1/13
    kappas = dialogue_kappas([d1, d2, []])
    assert kappas[0] == pytest.approx(1.0)
    assert kappas[1] == pytest.approx(1 / 13)
    assert kappas[2] is None
    # Computed against d2's own keys (north, cheap, expensive: P(E) = 1/3) κ would have been 0.
    assert kappa(d2) == pytest.approx(0.0)
    # A dialogue's κ with the set's P(E) follows from its P(A): κ = (P_d(A) − P(E)) / (1 − P(E)).
    expected = float(P_E)
    assert kappas[1] == pytest.approx((1 / 3 - expected) / (1 - expected))


def test_dialogue_with_one_key_value_still_gets_a_kappa() -> None:
    # Its own P(E) would be 1, but the set's is 1/2.
    kappas = dialogue_kappas([[av("a", "x", "x")], [av("a", "y", "x")]])
    assert kappas == (pytest.approx(1.0), pytest.approx(-1.0))


def test_errors() -> None:
    with pytest.raises(ParadiseError, match="no attribute values"):
        ConfusionMatrix.from_values([])
    with pytest.raises(ParadiseError, match="no attribute values"):
        kappa([])
    with pytest.raises(ParadiseError, match="no attribute values"):
        dialogue_kappas([[], []])
    with pytest.raises(ParadiseError, match="no attribute values"):
        dialogue_kappas([])
    # every key value identical: P(E) = 1, κ undefined whatever was achieved
    degenerate = [av("a", "x", "x"), av("a", "x", "y"), av("a", "x", "x")]
    with pytest.raises(ParadiseError, match=r"undefined.*P\(E\) = 1"):
        kappa(degenerate)
    with pytest.raises(ParadiseError, match="undefined"):
        dialogue_kappas([degenerate[:1], degenerate[1:]])
    assert not ConfusionMatrix.from_values(degenerate).kappa_defined


def test_bad_attribute_values() -> None:
    with pytest.raises(ParadiseError):
        AttributeValue("", "x", "x")
    with pytest.raises(ParadiseError, match="'='"):
        AttributeValue("a=b", "x", "x")
    with pytest.raises(ParadiseError):
        AttributeValue("a", None, "x")  # type: ignore[arg-type]
    with pytest.raises(ParadiseError):
        ConfusionMatrix(("a=x", "a=y"), ((1, 0),))
    assert isinstance(ParadiseError("x"), ValueError)


def test_dialogue_kappas_with_a_given_chance_agreement() -> None:
    # P(A) 1/2 and 1 against a given P(E) of 1/4: κ = (1/2 − 1/4) / (3/4) = 1/3, and 1
    avms = [[av("a", "x", "x"), av("a", "y", "z")], [av("a", "x", "x")]]
    first, second = dialogue_kappas(avms, expected=0.25)
    assert first == pytest.approx(1 / 3) and second == pytest.approx(1.0)
    # one key label only: undefined from the set itself, defined with a given P(E)
    assert dialogue_kappas([[av("a", "x", "x")]], expected=0.5) == (pytest.approx(1.0),)
    with pytest.raises(ParadiseError, match="undefined|one|single"):
        dialogue_kappas([[av("a", "x", "x")]])
    for bad in (1.0, -0.1, 2.0):
        with pytest.raises(ParadiseError, match=r"\[0, 1\)"):
            dialogue_kappas(avms, expected=bad)
