"""Ratio normalizer: user terms to sorted, anchored pool parameters."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt.constants import RatioType
from pytest_fixedratio.frt.math import U64_MAX
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.frt.ratio import PoolRatio, normalize_ratio, parse_rate
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from tests.frt.strategies import addresses

USDC = Address.from_base58("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")
DECIMALS = st.integers(min_value=0, max_value=19)
mint_pairs = st.lists(addresses(), min_size=2, max_size=2, unique=True)
rates = st.fractions(min_value=Fraction(1, 10**6), max_value=10**6, max_denominator=10**6).filter(lambda r: r > 0)


def _whole_u64(value: Fraction) -> bool:
    return value.denominator == 1 and 1 <= value <= U64_MAX


@pytest.mark.parametrize(("mint1", "dec1", "mint2", "dec2", "rate"), [
    (ids.NATIVE_MINT, 9, USDC, 6, 160),
    (ids.NATIVE_MINT, 9, USDC, 6, "1:160"),
    (USDC, 6, ids.NATIVE_MINT, 9, "160:1"),
    (USDC, 6, ids.NATIVE_MINT, 9, Fraction(1, 160)),
    (str(USDC), 6, bytes(ids.NATIVE_MINT), 9, "0.00625"),
])
def test_wsol_usdc_vector_gives_the_spec_pool(mint1: Address | bytes | str, dec1: int,
                                              mint2: Address | bytes | str, dec2: int, rate: Fraction | str) -> None:
    """WSOL sorts first by bytes (though not as base58 text); the spec's pool PDA follows."""
    ratio = normalize_ratio(mint1, dec1, mint2, dec2, rate)
    assert ratio == (ids.NATIVE_MINT, USDC, 9, 6, 1_000_000_000, 160_000_000)
    pool = PoolAddresses.derive(c.PROGRAM_ID_LOCALNET, ratio.token_a, ratio.token_b, ratio.ratio_a, ratio.ratio_b)
    assert str(pool.pool) == "75QvP8uKKmgfmgBwviiGsNAupp2pM8TQK1aGPYYUptTK"


def test_token_b_is_anchored_when_a_would_need_fractional_base_units() -> None:
    # 1 WSOL (0 decimals here) = 0.5 USDC-like (0 decimals): rb = 0.5 is impossible, so 2 A = 1 B.
    ratio = normalize_ratio(ids.NATIVE_MINT, 0, USDC, 0, "1:0.5")
    assert (ratio.ratio_a, ratio.ratio_b) == (2, 1)
    assert ratio.rate == Fraction(1, 2)
    assert ratio.ratio_type is RatioType.SIMPLE


@pytest.mark.parametrize(("rate", "message"), [
    ("0:1", "zero left side"), ("1:0", "is zero"), ("0", "is zero"), (0, "positive"), (-3, "positive"),
    ("abc", "is not 'L:R'"), ("1:2:3", "is not 'L:R'"), ("-1:2", "is not 'L:R'"), ("1e3", "is not 'L:R'"),
    (Fraction(2, 3), "fractional base units"), ("1:100000000000", "beyond u64"),
])
def test_rejections_name_the_value(rate: Fraction | int | str, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        normalize_ratio(ids.NATIVE_MINT, 0, USDC, 9, rate)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"mint2": ids.NATIVE_MINT}, "same mint"),
    ({"decimals1": 256}, "decimals1 must be"),
    ({"decimals2": -1}, "decimals2 must be"),
    ({"decimals1": 20}, "beyond u64"),
    ({"mint1": "not base58!"}, "mint1"),
])
def test_argument_rejections(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"mint1": ids.NATIVE_MINT, "decimals1": 9, "mint2": USDC, "decimals2": 6, "rate": 2}
    args.update(kwargs)
    with pytest.raises(InvalidArgument, match=message):
        normalize_ratio(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "rate"), [("1:1000", 1000), ("1000:1", Fraction(1, 1000)), ("1:0.5", Fraction(1, 2)),
                                            ("2.5", Fraction(5, 2)), (" 3 : 4 ", Fraction(4, 3))])
def test_parse_rate(text: str, rate: Fraction) -> None:
    assert parse_rate(text) == rate


@given(left=st.integers(1, 10**9), right=st.integers(1, 10**9))
def test_parse_rate_reads_left_token1_for_right_token2(left: int, right: int) -> None:
    assert parse_rate(f"{left}:{right}") == Fraction(right, left)


def _check_pool_ratio(ratio: PoolRatio, mints: list[Address], decs: tuple[int, int], rate: Fraction) -> None:
    assert bytes(ratio.token_a) < bytes(ratio.token_b)
    mint1_is_a = ratio.token_a == mints[0]
    assert (ratio.decimals_a, ratio.decimals_b) == (decs if mint1_is_a else decs[::-1])
    assert ratio.rate == (rate if mint1_is_a else 1 / rate)
    assert ratio.ratio_a == 10**ratio.decimals_a or ratio.ratio_b == 10**ratio.decimals_b
    assert min(ratio.ratio_a, ratio.ratio_b) >= 1 and max(ratio.ratio_a, ratio.ratio_b) <= U64_MAX
    assert ratio.ratio_type in (RatioType.SIMPLE, RatioType.DECIMAL)


@given(mints=mint_pairs, dec1=DECIMALS, dec2=DECIMALS, rate=rates)
def test_normalized_ratio_properties_or_a_justified_rejection(mints: list[Address], dec1: int, dec2: int,
                                                              rate: Fraction) -> None:
    try:
        ratio = normalize_ratio(mints[0], dec1, mints[1], dec2, rate)
    except InvalidArgument:
        a_first = bytes(mints[0]) < bytes(mints[1])
        rate_ab, dec_a, dec_b = (rate, dec1, dec2) if a_first else (1 / rate, dec2, dec1)
        assert not _whole_u64(rate_ab * 10**dec_b)
        assert not _whole_u64(10**dec_a / rate_ab)
        return
    _check_pool_ratio(ratio, mints, (dec1, dec2), rate)
    # Canonical: the same terms stated the other way round give the same pool.
    assert normalize_ratio(mints[1], dec2, mints[0], dec1, 1 / rate) == ratio


def decimal_rates(*, max_places: int) -> st.SearchStrategy[Fraction]:
    """Rates written with at most `max_places` decimal places, like "1:0.025"."""
    return st.builds(lambda units, places: Fraction(units, 10**places),
                     st.integers(1, 10**6), st.integers(0, max_places))


@given(mints=mint_pairs, dec1=DECIMALS, dec2=DECIMALS, data=st.data())
def test_rates_with_few_enough_decimal_places_always_normalize(mints: list[Address], dec1: int, dec2: int,
                                                               data: st.DataObject) -> None:
    """With at most dec2 decimal places, r2 = N·10^dec2 is whole, so token1 can always be anchored."""
    rate = data.draw(decimal_rates(max_places=dec2))
    assume(rate * 10**dec2 <= U64_MAX)
    ratio = normalize_ratio(mints[0], dec1, mints[1], dec2, rate)
    _check_pool_ratio(ratio, mints, (dec1, dec2), rate)


@given(mints=mint_pairs, dec_a=DECIMALS, dec_b=DECIMALS, data=st.data())
def test_token_a_is_anchored_whenever_possible(mints: list[Address], dec_a: int, dec_b: int,
                                               data: st.DataObject) -> None:
    rate = data.draw(decimal_rates(max_places=dec_b))
    assume(rate * 10**dec_b <= U64_MAX)
    a, b = sorted(mints, key=bytes)
    assert normalize_ratio(a, dec_a, b, dec_b, rate).ratio_a == 10**dec_a
