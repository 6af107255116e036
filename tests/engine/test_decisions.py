"""Decisions: bounds of every draw, reproducibility from a seed, independence of child streams."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.engine.decisions import (
    DEPOSIT_MAX_FRACTION,
    SWAP_MAX_FRACTION,
    Decisions,
    DrawnDecisions,
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


def test_bad_arguments_name_the_value() -> None:
    with pytest.raises(InvalidArgument, match="-1"):
        Decisions(1).amount(-1, DEPOSIT_MAX_FRACTION)
    with pytest.raises(InvalidArgument, match=r"Fraction\(3, 2\)"):
        Decisions(1).amount(10, Fraction(3, 2))
    with pytest.raises(InvalidArgument, match="empty"):
        Decisions(1).choice([])
