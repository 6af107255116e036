"""Creating pools from user terms, including the extreme cases the original service never reached.

A pool is described by what a user says ("1 X = N Y", decimals of X and Y); `frt.ratio.normalize_ratio`
turns that into the sorted mints and base-unit ratio the program wants. After creation the pool state is read
back and compared with what was asked, so a wrong normalisation can never go unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_fixedratio.engine.context import COMPUTE_UNITS
from pytest_fixedratio.engine.decisions import DecisionSource
from pytest_fixedratio.engine.pools import PoolHandle
from pytest_fixedratio.engine.session import Session
from pytest_fixedratio.errors import FixedRatioError, InvalidArgument
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.ratio import normalize_ratio
from pytest_fixedratio.frt.state import PoolState
from pytest_fixedratio.intents.intent import Intent
from pytest_fixedratio.intents.pool_ops import InitializePool
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet

MAX_WORKING_AMOUNT = frt_math.U64_MAX // 100_000
"""Cap on one worker's initial amount: refills mint it again and again, and a mint's supply is a u64."""


class PoolCreationFailed(FixedRatioError):
    """InitializePool (or the read-back after it) did not give the pool that was asked for."""


@dataclass(frozen=True, slots=True)
class PoolSpec:
    """"1 token1 = `rate` token2", with each token's decimals; `flags` are InitializePool's flags byte."""

    decimals_1: int
    decimals_2: int
    rate: str
    flags: int = 0

    @property
    def label(self) -> str:
        ratio = self.rate if ":" in self.rate else f"1:{self.rate}"  # "1:X" / "X:1" as given, or a rate
        return f"{self.decimals_1}/{self.decimals_2} decimals, {ratio}" + (
            f", flags {self.flags}" if self.flags else "")


EXTREME_SPECS: tuple[PoolSpec, ...] = (
    PoolSpec(0, 9, "1"),            # 0 against 9 decimals: base-unit ratio 1:10^9
    PoolSpec(9, 6, "1000"),         # the service's default pool
    PoolSpec(6, 6, "0.001", flags=int(c.PoolFlag.EXACT_EXCHANGE_REQUIRED)),  # inverse direction, exact exchange
    PoolSpec(9, 0, "1000000"),      # a large display ratio: base-unit ratio 10^9:10^6
    PoolSpec(9, 9, "1"),
    PoolSpec(0, 0, "7"),
)
"""Pools a campaign cycles through: extreme decimals and ratios in both directions. The third is an
exact-exchange pool whose ratio leaves a remainder for most inputs, so the default three-pool run exercises the
exact-exchange check (1047) too."""


def random_spec(decisions: DecisionSource, *, attempts: int = 100) -> PoolSpec:
    """Decimals 0-9 each, a whole-number rate 1..10^k in either direction (service-features.md 4.1), redrawn
    until swaps in both directions are possible with the amounts workers get (`is_tradable`)."""
    for _ in range(attempts):
        d1, d2 = decisions.integer(0, 9), decisions.integer(0, 9)
        whole = decisions.integer(1, 10 ** decisions.integer(0, 6))
        spec = PoolSpec(d1, d2, str(whole) if decisions.integer(0, 1) else f"{whole}:1")
        if is_tradable(spec):
            return spec
    raise InvalidArgument(f"no tradable pool in {attempts} draws; the decisions source may be degenerate")


_PROBE_MINTS = (Address(bytes(31) + b"\x01"), Address(bytes(31) + b"\x02"))


def is_tradable(spec: PoolSpec) -> bool:
    """True when the smallest swap with a non-zero output is within 2% of a worker's working amount both ways
    (the pool's base-unit ratio does not depend on which mint sorts first)."""
    ratio = normalize_ratio(_PROBE_MINTS[0], spec.decimals_1, _PROBE_MINTS[1], spec.decimals_2, spec.rate)
    for r_in, r_out in ((ratio.ratio_a, ratio.ratio_b), (ratio.ratio_b, ratio.ratio_a)):
        if frt_math.min_input_for_output(r_in, r_out) * 50 > MAX_WORKING_AMOUNT:
            return False
    return True


@dataclass(frozen=True, slots=True)
class CreatedPool:
    handle: PoolHandle
    signature: str
    """InitializePool's (what `pool_book.PoolRecord` keeps)."""
    mint_keys: tuple[Wallet, Wallet]
    """The keys of the spec's token 1 and token 2 mints: with them the same pool can be made again on a new
    in-process chain (a service restarting), at the same addresses."""


async def create_pool(session: Session, spec: PoolSpec) -> PoolHandle:
    """Two fresh mints, InitializePool paid by the core wallet, then a read-back of the state."""
    return (await create_pool_signed(session, spec)).handle


async def create_pool_signed(session: Session, spec: PoolSpec, mint_keys: tuple[Wallet, Wallet] | None = None
                             ) -> CreatedPool:
    """`create_pool` with its mints at `mint_keys`' addresses (new keys when None), giving what was made. The
    pool is managed and watched by the session from its creation on."""
    core, chain = session.core, session.chain
    keys = (core.new_mint_key(), core.new_mint_key()) if mint_keys is None else mint_keys
    mint1, mint2 = await core.create_mint(spec.decimals_1, keys[0]), await core.create_mint(spec.decimals_2, keys[1])
    ratio = normalize_ratio(mint1, spec.decimals_1, mint2, spec.decimals_2, spec.rate)
    addresses = pdas.PoolAddresses.derive(chain.program_id, ratio.token_a, ratio.token_b, ratio.ratio_a,
                                          ratio.ratio_b)
    op = InitializePool(core.address, addresses, spec.flags,
                        await chain.rent_exempt_minimum(c.POOL_STATE_LEN), core.rents.token_account, core.rents.mint)
    outcome = await session.execute(Intent("initialize_pool", "core", (op,), (core.wallet,), addresses.pool,
                                           compute_units=COMPUTE_UNITS["initialize_pool"]))
    if not outcome.ok:
        raise PoolCreationFailed(f"InitializePool for {spec.label} failed: {outcome.receipt.failure} "
                                 f"{list(outcome.receipt.logs[-3:])}")
    account = outcome.receipt.after[addresses.pool]
    if account is None:
        raise PoolCreationFailed(f"pool {addresses.pool} ({spec.label}) is missing after a successful creation")
    state = PoolState.decode(account.data)
    expected = PoolState.created(addresses, core.address,
                                 simple_ratio=ratio.ratio_type is c.RatioType.SIMPLE, creation_flags=spec.flags)
    if state != expected:
        raise PoolCreationFailed(f"pool {addresses.pool} ({spec.label}) reads back as {state}, expected {expected}")
    handle = PoolHandle(addresses, ratio.decimals_a, ratio.decimals_b, state)
    await session.track_pool(handle)
    return CreatedPool(handle, outcome.receipt.signature, keys)


WORKING_UNITS = 10_000
"""A worker's initial amount is worth this many of the pool's larger trading unit."""


def _trading_unit(pool: PoolHandle, side: c.Side) -> int:
    """One display unit of `side`, or the smallest swap input from it (or its exact-mode step) if larger."""
    r_in, r_out = pool.ratios(side)
    step = frt_math.exact_input_step(r_in, r_out) if pool.exact else 1
    return max(frt_math.decimal_factor(pool.decimals(side)), frt_math.min_input_for_output(r_in, r_out), step)


def working_amount(pool: PoolHandle, side: c.Side) -> int:
    """A worker's initial amount on `side`, of equal value on both sides of the pool.

    k * ratio(side) base units are worth the same on either side (ra of A = rb of B). k is the smallest making
    each side's amount at least `WORKING_UNITS` trading units, so 2% of it swaps to a non-zero output; it is
    capped so that refills over a long run cannot overflow a mint's u64 supply.
    """
    ra, rb = pool.state.ratio_a_numerator, pool.state.ratio_b_denominator
    k = max(-(-WORKING_UNITS * _trading_unit(pool, s) // pool.state.ratio(s)) for s in (c.Side.A, c.Side.B))
    k = max(1, min(k, MAX_WORKING_AMOUNT // max(ra, rb)))
    return k * pool.state.ratio(side)
