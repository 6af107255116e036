"""From user terms ("1 <token1> = N <token2>") to the pool parameters the program is created with.

The program sorts the mints by raw bytes but never swaps the ratio: `ratio_a_numerator` always refers to the
byte-smaller mint (frt-contract.md §2.2). The C# service got this wrong in three different ways
(service-features.md §4.2, §10.2), so here it is one pure function: sort the mints, carry the rate across
the sort, and anchor one side at exactly one display unit (10^decimals base units) of its own token so that
the program classifies the pool as Simple or Decimal, never Engineering (§4.6).

Anchoring is canonical: token A is anchored (ra = 10^dA, rb = rate·10^dB) whenever that is a whole number
of base units, else token B. The same economic terms therefore give the same pool (and PDA) whichever way
round the user states them.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Final, NamedTuple

from pytest_fixedratio.errors import DecodeError, InvalidArgument
from pytest_fixedratio.frt.constants import RatioType
from pytest_fixedratio.frt.math import U64_MAX, get_ratio_type
from pytest_fixedratio.sol.address import Address

_NUMBER: Final = r"\s*(\d+(?:\.\d+)?)\s*"
_RATE_PATTERN: Final = re.compile(rf"^{_NUMBER}(?::{_NUMBER})?$")
RATE_SYNTAX: Final = "'L:R' ('1:1000', '1000:1', '1:0.5') or a plain decimal number of token2 per token1"


class PoolRatio(NamedTuple):
    """Pool creation parameters for byte-sorted mints; ratios in base units."""

    token_a: Address
    token_b: Address
    decimals_a: int
    decimals_b: int
    ratio_a: int
    ratio_b: int

    @property
    def rate(self) -> Fraction:
        """Display units of token B that one display unit of token A is worth."""
        return Fraction(self.ratio_b * 10**self.decimals_a, self.ratio_a * 10**self.decimals_b)

    @property
    def ratio_type(self) -> RatioType:
        return get_ratio_type(self.ratio_a, self.ratio_b, self.decimals_a, self.decimals_b)


def parse_rate(text: str) -> Fraction:
    """Token2 per token1 from the service's "1:X" / "X:1" form ("L:R": L token1 = R token2) or a number."""
    match = _RATE_PATTERN.match(text)
    if match is None:
        raise InvalidArgument(f"ratio {text!r} is not {RATE_SYNTAX}")
    left, right = match.groups()
    rate = Fraction(left) if right is None else _quotient(Fraction(right), Fraction(left), text)
    if rate == 0:
        raise InvalidArgument(f"ratio {text!r} is zero; both sides must be positive")
    return rate


def _quotient(numerator: Fraction, denominator: Fraction, text: str) -> Fraction:
    if denominator == 0:
        raise InvalidArgument(f"ratio {text!r} has a zero left side; both sides must be positive")
    return numerator / denominator


def _rate_of(rate: Fraction | int | str) -> Fraction:
    if isinstance(rate, str):
        return parse_rate(rate)
    if isinstance(rate, bool) or not isinstance(rate, Fraction | int) or rate <= 0:
        raise InvalidArgument(f"rate must be a positive int, Fraction or ratio text, got {rate!r}")
    return Fraction(rate)


def _decimals(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFF:
        raise InvalidArgument(f"{name} must be a mint's decimals (0..255), got {value!r}")
    return value


def _mint(name: str, value: Address | bytes | str) -> Address:
    try:
        return Address.coerce(value)
    except DecodeError as exc:
        raise InvalidArgument(f"{name}: {exc}") from exc


def _anchored(rate_ab: Fraction, decimals_a: int, decimals_b: int) -> tuple[int, int] | str:
    """(ra, rb) with one side anchored, or why neither anchor gives whole u64 base units."""
    reasons = []
    for anchor_a in (True, False):
        if anchor_a:
            ra, rb = Fraction(10**decimals_a), rate_ab * 10**decimals_b
        else:
            ra, rb = 10**decimals_a / rate_ab, Fraction(10**decimals_b)
        side = "A" if anchor_a else "B"
        if ra.denominator != 1 or rb.denominator != 1:
            reasons.append(f"anchoring {side} needs fractional base units ({ra}:{rb})")
        elif max(ra, rb) > U64_MAX:
            reasons.append(f"anchoring {side} gives {int(ra)}:{int(rb)}, beyond u64")
        else:
            return int(ra), int(rb)
    return "; ".join(reasons)


def normalize_ratio(mint1: Address | bytes | str, decimals1: int, mint2: Address | bytes | str, decimals2: int,
                    rate: Fraction | int | str) -> PoolRatio:
    """Pool parameters for "1 <mint1> = rate <mint2>" (rate: a number, a Fraction or "L:R" text)."""
    m1, m2 = _mint("mint1", mint1), _mint("mint2", mint2)
    d1, d2 = _decimals("decimals1", decimals1), _decimals("decimals2", decimals2)
    if m1 == m2:
        raise InvalidArgument(f"mint1 and mint2 are the same mint {m1}; a pool needs two different mints")
    rate_12 = _rate_of(rate)
    if bytes(m1) < bytes(m2):
        token_a, token_b, decimals_a, decimals_b, rate_ab = m1, m2, d1, d2, rate_12
    else:
        token_a, token_b, decimals_a, decimals_b, rate_ab = m2, m1, d2, d1, 1 / rate_12
    anchored = _anchored(rate_ab, decimals_a, decimals_b)
    if isinstance(anchored, str):
        raise InvalidArgument(f"1 {m1} = {rate_12} {m2} with decimals {d1}/{d2} cannot be a pool: {anchored}")
    return PoolRatio(token_a, token_b, decimals_a, decimals_b, *anchored)
