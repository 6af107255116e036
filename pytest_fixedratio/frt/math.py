"""FRT v0.17 arithmetic in Python ints, mirroring the program (frt-contract.md §4, §5).

Swaps: `swap_output` returns what the program pays out or raises a `SwapRejected` subclass whose `error` is
the `OnChainError` the program returns for the same input, in the program's order of checks. Ratio
classification mirrors `get_ratio_type`, including its u64 wrap-around and saturation. Rent, fees, the
value-conservation quantity S of invariant I2, fee consolidation and the treasury's hourly cap complete the
set the verifier needs to predict every state change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import gcd
from typing import ClassVar, Final

from pytest_fixedratio.errors import FixedRatioError, InvalidArgument
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt.constants import PoolFlag, RatioType, Side
from pytest_fixedratio.frt.errors import CUSTOM, FrtErrorCode, OnChainError
from pytest_fixedratio.frt.state import PoolState
from pytest_fixedratio.sol import ids

U64_MAX: Final = 2**64 - 1
_U64_MODULUS: Final = 2**64


def _check_u64(name: str, value: int, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= U64_MAX:
        raise InvalidArgument(f"{name} must be an integer in [{minimum}, {U64_MAX}], got {value!r}")
    return value


# ---------------------------------------------------------------------------------------------------------
# Swaps (§4.2)


class SwapRejected(FixedRatioError):
    """The program rejects this swap; `error` is what it returns (compare with a `TransactionFailure`)."""

    error: ClassVar[OnChainError]

    def __init__(self, amount_in: int, ratio_in: int, ratio_out: int, why: str) -> None:
        super().__init__(f"swap of {amount_in} at {ratio_in}:{ratio_out} is rejected with {self.error}: {why}")
        self.amount_in = amount_in
        self.ratio_in = ratio_in
        self.ratio_out = ratio_out


class SwapAmountMismatch(SwapRejected):
    """Exact-exchange pool and `amount_in * r_out` is not a multiple of `r_in`."""

    error = OnChainError(CUSTOM, FrtErrorCode.AmountMismatch)


class SwapZeroOutput(SwapRejected):
    """The floored output is 0 (input below `min_input_for_output`, or amount_in = 0)."""

    error = OnChainError("InvalidArgument")


class SwapOverflow(SwapRejected):
    """The output does not fit a u64."""

    error = OnChainError(CUSTOM, FrtErrorCode.ArithmeticOverflow)


def swap_ratios(ratio_a: int, ratio_b: int, input_side: Side) -> tuple[int, int]:
    """(r_in, r_out) for a swap whose input is `input_side`: A→B uses (ra, rb), B→A (rb, ra)."""
    return (ratio_a, ratio_b) if input_side is Side.A else (ratio_b, ratio_a)


def swap_output(amount_in: int, ratio_in: int, ratio_out: int, *, exact: bool = False) -> int:
    """floor(amount_in * ratio_out / ratio_in), or the `SwapRejected` the program raises.

    Order of checks as in the program (and the spec's reference function): exact-mode remainder (1047)
    before the zero test (InvalidArgument), then the u64 range (1019).
    """
    _check_u64("amount_in", amount_in)
    _check_u64("ratio_in", ratio_in, minimum=1)
    _check_u64("ratio_out", ratio_out, minimum=1)
    product = amount_in * ratio_out
    if exact and product % ratio_in:
        raise SwapAmountMismatch(amount_in, ratio_in, ratio_out,
                                 f"remainder {product % ratio_in} in exact-exchange mode")
    out = product // ratio_in
    if out == 0:
        raise SwapZeroOutput(amount_in, ratio_in, ratio_out,
                             f"output floors to 0; the minimum input is {min_input_for_output(ratio_in, ratio_out)}")
    if out > U64_MAX:
        raise SwapOverflow(amount_in, ratio_in, ratio_out, f"output {out} exceeds u64")
    return out


def pool_swap_output(pool: PoolState, input_side: Side, amount_in: int) -> int:
    """`swap_output` with the pool's ratios and exact-exchange flag."""
    r_in, r_out = swap_ratios(pool.ratio_a_numerator, pool.ratio_b_denominator, input_side)
    return swap_output(amount_in, r_in, r_out, exact=PoolFlag.EXACT_EXCHANGE_REQUIRED in pool.flags)


def min_input_for_output(ratio_in: int, ratio_out: int) -> int:
    """Smallest input with a non-zero output: ceil(r_in / r_out)."""
    return -(-ratio_in // ratio_out)


def exact_input_step(ratio_in: int, ratio_out: int) -> int:
    """In exact-exchange pools the input must be a multiple of r_in / gcd(r_in, r_out); this step is also
    the smallest accepted input there (its output is r_out / gcd >= 1)."""
    return ratio_in // gcd(ratio_in, ratio_out)


def input_step(ratio_in: int, ratio_out: int, *, exact: bool) -> int:
    """What accepted inputs are multiples of: `exact_input_step` in exact-exchange mode, else 1."""
    return exact_input_step(ratio_in, ratio_out) if exact else 1


def smallest_input(ratio_in: int, ratio_out: int, *, exact: bool) -> int:
    """The smallest input the program accepts: `min_input_for_output`, or in exact mode the step (never below
    it: the step's output is r_out / gcd >= 1)."""
    return max(min_input_for_output(ratio_in, ratio_out), input_step(ratio_in, ratio_out, exact=exact))


def largest_input_within(output_limit: int, ratio_in: int, ratio_out: int, *, exact: bool) -> int:
    """The largest u64 input (a multiple of the step in exact mode) whose floored output is at most
    `output_limit`: floor(x·r_out / r_in) <= L exactly when x·r_out < (L + 1)·r_in. Its output is `output_limit`
    itself when some input gives that output; the next accepted input (one step more) gives more, unless it
    would not fit in a u64 (an amount is a u64: then this is the largest one that does)."""
    largest = min(((output_limit + 1) * ratio_in - 1) // ratio_out, U64_MAX)
    return largest - largest % input_step(ratio_in, ratio_out, exact=exact)


# ---------------------------------------------------------------------------------------------------------
# Ratio classification at pool creation (§4.6)


def decimal_factor(decimals: int) -> int:
    """10^decimals as the program's u64 computes it: wrapping for decimals >= 20."""
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 0xFF:
        raise InvalidArgument(f"decimals must be a u8 (0..255), got {decimals!r}")
    return pow(10, decimals, _U64_MODULUS)


def _display_units(ratio: int, factor: int) -> tuple[bool, int]:
    """(whole, floor display units) after the legacy rescale of small raw ratios (saturating multiply)."""
    if factor > 1 and ratio < factor and ratio % factor:
        ratio = min(ratio * factor, U64_MAX)
    return ratio % factor == 0, ratio // factor


def get_ratio_type(ratio_a: int, ratio_b: int, decimals_a: int, decimals_b: int) -> RatioType:
    """The program's classification: one side worth 1 display unit (floored) → Simple when both are whole,
    else Decimal; neither → Engineering (rejected with 1049). Decimals whose 10^d wraps to 0 (d >= 64)
    make the program panic on a division by zero; they raise `InvalidArgument` here."""
    _check_u64("ratio_a", ratio_a)
    _check_u64("ratio_b", ratio_b)
    factor_a, factor_b = decimal_factor(decimals_a), decimal_factor(decimals_b)
    if factor_a == 0 or factor_b == 0:
        raise InvalidArgument(f"decimals {decimals_a}/{decimals_b}: 10^d wraps to 0 in u64 and the program "
                              f"panics (division by zero); use decimals below 64")
    whole_a, units_a = _display_units(ratio_a, factor_a)
    whole_b, units_b = _display_units(ratio_b, factor_b)
    if units_a != 1 and units_b != 1:
        return RatioType.ENGINEERING
    return RatioType.SIMPLE if whole_a and whole_b else RatioType.DECIMAL


# ---------------------------------------------------------------------------------------------------------
# Rent and fees (§4.5, §7)


def rent(data_len: int, *, lamports_per_byte_year: int = ids.LAMPORTS_PER_BYTE_YEAR,
         threshold_years: int = ids.EXEMPTION_THRESHOLD_YEARS) -> int:
    """Rent-exempt minimum of an account: (128 + len) × 6960 with default rent."""
    return (ids.ACCOUNT_STORAGE_OVERHEAD + data_len) * lamports_per_byte_year * threshold_years


def pool_creation_rent() -> int:
    """Rent the creator locks in PoolState, two vaults and two LP mints (10,941,120 by default)."""
    return rent(c.POOL_STATE_LEN) + 2 * rent(ids.TOKEN_ACCOUNT_LEN) + 2 * rent(ids.MINT_LEN)


def pool_creation_cost() -> int:
    """Lamports InitializePool takes from the creator, network fee excluded."""
    return c.REGISTRATION_FEE + pool_creation_rent()


def network_fee(signatures: int = 1) -> int:
    return signatures * ids.LAMPORTS_PER_SIGNATURE


# ---------------------------------------------------------------------------------------------------------
# Value conservation (invariant I2)


def conservation_value(ratio_a: int, ratio_b: int, total_a: int, total_b: int, lp_a: int, lp_b: int) -> int:
    """S = rb·(TA − LA) + ra·(TB − LB): 0 at creation, unchanged by deposits and withdrawals, raised by each
    swap by exactly `swap_surplus`; so S ≥ 0 and never decreases."""
    return ratio_b * (total_a - lp_a) + ratio_a * (total_b - lp_b)


def swap_surplus(amount_in: int, ratio_in: int, ratio_out: int) -> int:
    """Increase of S caused by one swap: the floored-away remainder (x·r_out) mod r_in."""
    return amount_in * ratio_out % ratio_in


# ---------------------------------------------------------------------------------------------------------
# Fee consolidation (§4.7)


@dataclass(frozen=True, slots=True)
class ConsolidationPlan:
    """What ConsolidatePoolFees moves out of one pool and how it books it."""

    available: int
    liquidity_part: int
    swap_part: int
    full: bool
    """True: the pool's counters are reset; False: they are reduced by the parts."""

    def apply(self, pool: PoolState, timestamp: int) -> PoolState:
        """The pool's state after this consolidation at `timestamp`."""
        if self.full:
            moved, liquidity_left, swap_left = pool.pending_sol_fees, 0, 0
        else:
            moved = self.available
            liquidity_left = pool.collected_liquidity_fees - self.liquidity_part
            swap_left = pool.collected_swap_contract_fees - self.swap_part
        return replace(pool, total_fees_consolidated=pool.total_fees_consolidated + moved,
                       collected_liquidity_fees=liquidity_left, collected_swap_contract_fees=swap_left,
                       last_consolidation_timestamp=timestamp, total_consolidations=pool.total_consolidations + 1)

    @property
    def liquidity_operations(self) -> int:
        """Treasury op counter increment; uses the constant fee, not the pool's (§8.7)."""
        return self.liquidity_part // c.DEPOSIT_WITHDRAWAL_FEE

    @property
    def swap_operations(self) -> int:
        return self.swap_part // c.SWAP_CONTRACT_FEE


def consolidation_split(available: int, collected_liquidity: int, collected_swap: int) -> tuple[int, int]:
    """Split `available` lamports between the liquidity and swap counters like the program: proportional
    floors, the remainder to the side with the larger fractional part (ties to liquidity), never more than
    a counter holds, then any leftover to the other side within its capacity."""
    total = collected_liquidity + collected_swap
    if total == 0:
        raise InvalidArgument("both collected fee counters are 0; the program skips such a pool")
    liq, swp = available * collected_liquidity // total, available * collected_swap // total
    remainder = max(0, available - liq - swp)
    if remainder and available * collected_liquidity % total >= available * collected_swap % total:
        give = min(remainder, max(0, collected_liquidity - liq))
        liq, remainder = liq + give, remainder - give
    elif remainder:
        give = min(remainder, max(0, collected_swap - swp))
        swp, remainder = swp + give, remainder - give
    if remainder:
        room_liq, room_swp = max(0, collected_liquidity - liq), max(0, collected_swap - swp)
        if room_swp >= remainder:
            swp += remainder
        elif room_liq >= remainder:
            liq += remainder
        else:
            to_liq = min(remainder, room_liq)
            liq, swp = liq + to_liq, swp + min(remainder - to_liq, room_swp)
    return liq, swp


def plan_consolidation(pool: PoolState, pool_lamports: int, *,
                       rent_minimum: int | None = None) -> ConsolidationPlan | None:
    """The consolidation of one eligible pool, or None when the program skips it (nothing pending or
    nothing above the rent minimum). The rent minimum defaults to rent(size_of::<PoolState>() = 440), the
    program's figure, which leaves 13,920 lamports behind on default rent."""
    minimum = rent(c.POOL_STATE_RUST_SIZE) if rent_minimum is None else rent_minimum
    pending = pool.pending_sol_fees
    available = min(pending, max(0, pool_lamports - minimum))
    collected = pool.collected_liquidity_fees + pool.collected_swap_contract_fees
    if pending == 0 or available == 0 or collected == 0:
        return None
    liq, swp = consolidation_split(available, pool.collected_liquidity_fees, pool.collected_swap_contract_fees)
    # The program compares the f64 quotient, so huge values that round up to 1.0 count as full.
    full = float(available) / float(pending) >= 1.0
    return ConsolidationPlan(available, liq, swp, full)


# ---------------------------------------------------------------------------------------------------------
# Treasury withdrawal (§4.8)


def treasury_hourly_cap(total_balance: int, rent_exempt_minimum: int) -> int:
    """Hourly withdrawal cap from the treasury's cached fields: 10 SOL, ×10 while the balance above the
    cached rent minimum exceeds 48 × cap."""
    balance = max(0, total_balance - rent_exempt_minimum)
    cap = c.TREASURY_BASE_HOURLY_RATE
    while balance > c.TREASURY_MAX_DRAIN_TIME_HOURS * cap:
        cap *= 10
    return cap


def treasury_available(treasury_lamports: int) -> int:
    """Lamports WithdrawTreasuryFees may move: everything above rent(136)."""
    return max(0, treasury_lamports - rent(c.MAIN_TREASURY_LEN))
