"""Boundary amounts of the honest workers: the amounts at which one of the program's comparisons flips.

Why: an amount drawn uniformly up to 5% (2% for swaps) of a balance almost never is 1, the whole balance, the
pool's tracked liquidity or the smallest input with an output, so a program build with `>` for `>=`, an
off-by-one in a rounding or a product that wraps at 64 bits would pass a whole campaign of uniform draws.
`DecisionSource.draw_amount` picks one of these instead in one draw of `BOUNDARY_ODDS`.

Each function gives the candidates of one operation by name; the draw leaves out those outside [1, balance]
(a worker never sends more than it holds: the adversary's `over_balance` does), so 0 stands for "none here".
A boundary amount is sent as it is (a swap's is not rounded to a usable amount), so some are refused; their
intents predict how, exactly as for any operation (the verifier then counts an expected failure).
"""

from __future__ import annotations

from fractions import Fraction

from pytest_fixedratio.engine.decisions import limit
from pytest_fixedratio.frt import math as frt_math


def liquidity_boundaries(balance: int, max_fraction: Fraction) -> dict[str, int]:
    """Deposit (of its token) and withdrawal (of its LP): 1 base unit, the uniform draw's limit, and everything
    held (the program's balance checks compare with `<`; the worker is left with 0 and refills or waits)."""
    return {"one": 1, "limit": limit(balance, max_fraction), "balance": balance}


def withdraw_boundaries(lp_balance: int, max_fraction: Fraction, tracked: int) -> dict[str, int]:
    """A withdrawal's `liquidity_boundaries` and the side's tracked liquidity: all of it empties the side (vault
    and total to 0), one unit more finds the vault short (SPL InsufficientFunds; ArithmeticOverflow instead when
    the vault holds more than the pool tracks). Drawable only while the worker holds that much LP, which happens
    when swaps took more of the side out than they brought in."""
    return _sendable({**liquidity_boundaries(lp_balance, max_fraction), "liquidity": tracked,
                      "over_liquidity": tracked + 1})


def swap_boundaries(balance: int, max_fraction: Fraction, ratio_in: int, ratio_out: int, *, exact: bool,
                    output_liquidity: int) -> dict[str, int]:
    """A swap's inputs at the edges of its checks (frt-contract.md 4.2 and the check order of 2.3):

    - `min_output`: the smallest accepted input (ceil(r_in / r_out); the step in exact mode), and
      `below_min_output` one less (output floors to 0: InvalidArgument; in exact mode a remainder: 1047);
      in exact mode also `above_min_output`, the step + 1 (a remainder: 1047, unless the step is 1);
    - `limit` (the uniform draw's 2%) and `balance` (everything held; the input check is `<`), unrounded;
    - `liquidity`: the largest accepted input whose output fits the output side's tracked liquidity (its output
      equals it when some input gives that output), and `over_liquidity`, one step more (InsufficientFunds);
    - `u64_product`: the largest input with x·r_out <= u64::MAX, and `over_u64_product`, one more: the 128-bit
      product gets a non-zero high word, so a program multiplying in 64 bits pays a wrong output.

    Those above u64::MAX are left out (`_sendable`).
    """
    smallest = frt_math.smallest_input(ratio_in, ratio_out, exact=exact)
    within = frt_math.largest_input_within(output_liquidity, ratio_in, ratio_out, exact=exact)
    boundaries = {
        "min_output": smallest,
        "below_min_output": smallest - 1,
        "limit": limit(balance, max_fraction),
        "balance": balance,
        "liquidity": within if within >= smallest else 0,
        "over_liquidity": within + frt_math.input_step(ratio_in, ratio_out, exact=exact),
        "u64_product": frt_math.U64_MAX // ratio_out,
        "over_u64_product": frt_math.U64_MAX // ratio_out + 1,
    }
    if exact:
        boundaries["above_min_output"] = smallest + 1
    return _sendable(boundaries)


def _sendable(boundaries: dict[str, int]) -> dict[str, int]:
    """The boundaries an instruction can carry: an amount is a u64, so an edge beyond u64::MAX (the liquidity
    edge of a pool whose output side holds more than u64::MAX / ratio) is no amount anyone can send."""
    return {name: amount for name, amount in boundaries.items() if amount <= frt_math.U64_MAX}
