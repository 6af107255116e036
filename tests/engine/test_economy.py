"""Token economy rules: conservation of splits, refill and top-up thresholds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.engine import economy
from pytest_fixedratio.errors import InvalidArgument


@given(total=st.integers(0, 2**64 - 1), n=st.integers(0, 50))
def test_split_conserves_and_is_equal(total: int, n: int) -> None:
    split = economy.split_equally(total, n)
    assert split.sent + split.remainder == total
    assert 0 <= split.remainder < max(n, 1) or split.recipients == 0
    if n and total >= n:
        assert split.share == total // n and split.recipients == n
    else:
        assert split.sent == 0


def test_split_rejects_negative_input() -> None:
    with pytest.raises(InvalidArgument, match="-1"):
        economy.split_equally(-1, 2)


@given(balance=st.integers(0, 10**12), initial=st.integers(0, 10**12), enabled=st.booleans())
def test_refill_only_when_enabled_and_below_five_percent(balance: int, initial: int, enabled: bool) -> None:
    expected = enabled and initial > 0 and balance < initial * 0.05
    assert economy.needs_refill(balance, initial, enabled) == expected


@given(core=st.integers(0, 10**15))
def test_topup_never_dips_into_the_core_reserve(core: int) -> None:
    amount = economy.topup_amount(core)
    if amount:
        assert amount >= economy.MIN_TOPUP
        assert core - amount > economy.CORE_RESERVE
    else:
        assert core - economy.CORE_RESERVE <= max((core - economy.CORE_RESERVE) // 100, economy.MIN_TOPUP)


def test_topup_examples() -> None:
    assert economy.topup_amount(100 * 10**9) == (100 * 10**9 - 10**8) // 100
    assert economy.topup_amount(10**8) == 0
    assert economy.topup_amount(10**8 + 10**7 + 1) == 10**7
    assert economy.returnable_sol(10**7 + 5) == 5 and economy.returnable_sol(10) == 0
