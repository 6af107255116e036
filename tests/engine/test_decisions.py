"""Decisions: bounds of every draw, boundary amounts (reachable, within the balance), reproducibility from a seed,
independence of child streams."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import find, given
from hypothesis import strategies as st

from pytest_fixedratio.engine.decisions import (
    BOUNDARY_ODDS,
    DEPOSIT_MAX_FRACTION,
    SWAP_MAX_FRACTION,
    Decisions,
    Drawn,
    DrawnDecisions,
    limit,
)
from pytest_fixedratio.errors import InvalidArgument

fractions = st.sampled_from([DEPOSIT_MAX_FRACTION, SWAP_MAX_FRACTION, Fraction(1, 3), Fraction(1)])


@given(seed=st.integers(0, 2**64), balance=st.integers(0, 2**64 - 1), fraction=fractions)
def test_amount_is_between_one_and_the_fraction_of_the_balance(seed: int, balance: int, fraction: Fraction
                                                               ) -> None:
    amount = Decisions(seed).amount(balance, fraction)
    if balance == 0:
        assert amount == 0
    else:
        assert 1 <= amount <= max(1, int(balance * fraction)) <= balance


@given(data=st.data(), balance=st.integers(1, 2**64 - 1), fraction=fractions)
def test_drawn_decisions_obey_the_same_bounds(data: st.DataObject, balance: int, fraction: Fraction) -> None:
    decisions = DrawnDecisions(data)
    assert 1 <= decisions.amount(balance, fraction) <= max(1, int(balance * fraction))
    assert 750 <= decisions.child("worker").pause_ms() <= 2000


@given(seed=st.integers(0, 2**32))
def test_same_seed_same_stream_and_children_are_independent(seed: int) -> None:
    first, second = Decisions(seed), Decisions(seed)
    assert [first.pause_ms() for _ in range(20)] == [second.pause_ms() for _ in range(20)]
    # A child's stream does not depend on how much its parent or siblings consumed.
    untouched = Decisions(seed).child("dep-1")
    busy_root = Decisions(seed)
    for _ in range(7):
        busy_root.child("dep-2").secret_seed()
        busy_root.pause_ms()
    assert busy_root.child("dep-1").secret_seed() == untouched.secret_seed()
    assert Decisions(seed).child("a").secret_seed() != Decisions(seed).child("b").secret_seed()


boundary_sets = st.dictionaries(st.text("abcdefgh", min_size=1, max_size=3), st.integers(-5, 2**65), max_size=6)


def _check_drawn(drawn: Drawn, balance: int, fraction: Fraction, boundaries: dict[str, int]) -> None:
    """Always within [0, balance]: a boundary is one of those within [1, balance], drawn as named; any other amount
    is a uniform one."""
    assert 0 <= drawn.value <= balance
    if drawn.boundary:
        assert boundaries[drawn.boundary] == drawn.value >= 1
    else:
        assert (drawn.value == 0) == (balance == 0)
        assert drawn.value <= limit(balance, fraction)


@given(seed=st.integers(0, 2**64), balance=st.integers(0, 2**64 - 1), fraction=fractions, boundaries=boundary_sets)
def test_a_drawn_amount_is_within_the_balance_and_reproducible(seed: int, balance: int, fraction: Fraction,
                                                              boundaries: dict[str, int]) -> None:
    draws = [Decisions(seed).draw_amount(balance, fraction, boundaries) for _ in range(2)]
    assert draws[0] == draws[1]
    _check_drawn(draws[0], balance, fraction, boundaries)


@given(data=st.data(), balance=st.integers(0, 2**64 - 1), fraction=fractions, boundaries=boundary_sets)
def test_drawn_decisions_draw_amounts_within_the_balance(data: st.DataObject, balance: int, fraction: Fraction,
                                                         boundaries: dict[str, int]) -> None:
    _check_drawn(DrawnDecisions(data).draw_amount(balance, fraction, boundaries), balance, fraction, boundaries)


BOUNDARIES = {"one": 1, "limit": 50, "balance": 1000, "over": 1001, "none": 0}


def test_a_seeded_stream_picks_every_reachable_boundary_in_one_draw_of_eight() -> None:
    decisions = Decisions(3).child("dep-1")
    picked = Counter(decisions.draw_amount(1000, DEPOSIT_MAX_FRACTION, BOUNDARIES).boundary for _ in range(8000))
    assert set(picked) == {"", "one", "limit", "balance"}  # never one above the balance, nor 0
    assert abs(8000 - picked[""] * BOUNDARY_ODDS / (BOUNDARY_ODDS - 1)) < 400
    assert min(picked["one"], picked["limit"], picked["balance"]) > 250


@pytest.mark.parametrize("name", ["one", "limit", "balance"])
def test_hypothesis_reaches_every_boundary(name: str) -> None:
    def picks(data: st.DataObject) -> bool:
        return DrawnDecisions(data).draw_amount(1000, DEPOSIT_MAX_FRACTION, BOUNDARIES).boundary == name
    find(st.data(), picks)


def test_hypothesis_shrinks_towards_the_first_boundary() -> None:
    """A failing fuzz case shrinks to simple amounts: the roll's 0 is a boundary, the first one listed."""
    drawn: list[Drawn] = []

    def any_draw(data: st.DataObject) -> bool:
        drawn.append(DrawnDecisions(data).draw_amount(1000, DEPOSIT_MAX_FRACTION, BOUNDARIES))
        return True
    find(st.data(), any_draw)
    assert drawn[-1] == Drawn(1, "one")


def test_bad_arguments_name_the_value() -> None:
    with pytest.raises(InvalidArgument, match="-1"):
        Decisions(1).amount(-1, DEPOSIT_MAX_FRACTION)
    with pytest.raises(InvalidArgument, match=r"Fraction\(3, 2\)"):
        Decisions(1).amount(10, Fraction(3, 2))
    with pytest.raises(InvalidArgument, match="empty"):
        Decisions(1).choice([])
    with pytest.raises(InvalidArgument, match="-1"):
        Decisions(1).draw_amount(-1, DEPOSIT_MAX_FRACTION, {"one": 1})
