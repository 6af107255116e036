"""Properties of the pool intents' predictions on random synthetic pools and amounts.

Whatever the pool (ratios, exact-exchange mode, liquidity on each side) and whatever the operation and amount,
a prediction either fails with an exact `ExpectedError` and leaves the I9 state (the network fee charged,
nothing else), or succeeds and conserves: every token's holdings and supply, the SOL moved (fee to the pool),
and the pool's value quantity S, which grows by exactly the predicted surplus (tests/verify/test_model.py keeps
the same laws over whole sequences against an integer model).
"""

from __future__ import annotations

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from pytest_fixedratio.chain.base import AccountState
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.errors import Raiser
from pytest_fixedratio.frt.state import Mint, TokenAccount, layout_for
from pytest_fixedratio.intents.expected import ExpectedError
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.intents.pool_ops import Deposit, Swap, Withdraw
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.verify.invariants import PoolWatch
from tests.verify.worlds import CREATOR, NETWORK_FEE, USER, World, build_world, intent

ratios = st.integers(1, 10**7)
liquidity = st.one_of(st.integers(1, 10**6), st.integers(1, 10**13), st.just(0))
amounts = st.one_of(st.integers(0, 10**6), st.integers(0, 10**16))
sides = st.sampled_from(Side)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    """A pool with random ratios and mode, and random liquidity on each side held by USER and CREATOR."""
    exact = draw(st.booleans())
    world = build_world(ratio_a=draw(ratios), ratio_b=draw(ratios),
                        creation_flags=PoolFlag.EXACT_EXCHANGE_REQUIRED if exact else 0)
    for side in Side:
        for holder in (USER, CREATOR):
            amount = draw(liquidity, label=f"{'user' if holder == USER else 'creator'} liquidity {side}")
            if amount:
                world.seed_liquidity(side, amount, holder=holder)
    return world


@st.composite
def operations(draw: st.DrawFn, world: World, kind: str) -> Op:
    """A deposit, withdrawal or swap by USER: any amount, or one within what the world allows (the user's LP, the
    input the other side's liquidity can pay for), so that successes and failures are both common."""
    side = draw(sides)
    if kind == "deposit":
        return Deposit(world.pool, USER, side, draw(amounts))
    if kind == "withdraw":
        held = world.decoded(world.ata(USER, world.pool.lp_mint(side)), TokenAccount).amount
        return Withdraw(world.pool, USER, side, draw(st.one_of(amounts, st.integers(0, held))))
    state = world.state()
    r_in, r_out = frt_math.swap_ratios(state.ratio_a_numerator, state.ratio_b_denominator, side)
    payable = min(state.liquidity(side.other) * r_in // r_out, 10**15)
    step = frt_math.exact_input_step(r_in, r_out)  # inputs without remainder, as exact-exchange pools need
    amount = draw(st.one_of(amounts, st.integers(0, payable), st.integers(0, payable // step).map(lambda k: k * step)))
    expected = amount * r_out // r_in + draw(st.sampled_from([0, 0, 0, 0, 1, -1]), label="expectation off by")
    return Swap(world.pool, USER, side, amount, max(0, expected))


def _tokens(accounts: dict[Address, AccountState | None]) -> tuple[dict[Address, int], dict[Address, int]]:
    """(held, supply): tokens held per mint across every token account of the world, and each mint's supply."""
    held: dict[Address, int] = {}
    supply: dict[Address, int] = {}
    for address, account in accounts.items():
        layout = None if account is None else layout_for(account.owner, len(account.data))
        if account is not None and layout is TokenAccount:
            token = TokenAccount.decode(account.data)
            held[token.mint] = held.get(token.mint, 0) + token.amount
        elif account is not None and layout is Mint:
            supply[address] = Mint.decode(account.data).supply
    return held, supply


def _lp_minted(world: World, op: Op) -> dict[Address, int]:
    """Deposits mint LP of their side and withdrawals burn it, by exactly the amount; swaps mint none."""
    if isinstance(op, Deposit):
        return {world.pool.lp_mint(op.side): op.amount}
    if isinstance(op, Withdraw):
        return {world.pool.lp_mint(op.side): -op.lp_amount}
    return {}


def _lamports(accounts: dict[Address, AccountState | None]) -> int:
    return sum(0 if account is None else account.lamports for account in accounts.values())


@pytest.mark.parametrize("kind", ["deposit", "withdraw", "swap"])
@given(data=st.data(), world=worlds())
def test_a_prediction_fails_with_an_exact_error_or_conserves_tokens_sol_and_value(kind: str, data: st.DataObject,
                                                                                  world: World) -> None:
    op = data.draw(operations(world, kind), label="operation")
    transaction = intent(op)
    before = dict(world.accounts)
    snapshot = world.snapshot()
    watch = PoolWatch.start(snapshot)
    prediction = world.run(transaction)
    after = dict(world.accounts)
    if prediction.fails:
        event(f"{kind} fails with {prediction.error.name if prediction.error else None}")
        assert isinstance(prediction.error, ExpectedError), prediction.reason
        assert prediction.error.raiser in (Raiser.FRT, Raiser.SPL_TOKEN) and prediction.error.instruction == 0
        payer = before[USER]
        assert payer is not None
        assert after == {**before, USER: AccountState(payer.lamports - NETWORK_FEE, payer.owner, payer.data)}
        assert not prediction.logs and not prediction.surplus
        return
    event(f"{kind} succeeds")
    assert prediction.error is None and prediction.logs
    (held_before, supply_before), (held_after, supply_after) = _tokens(before), _tokens(after)
    minted = _lp_minted(world, op)
    assert held_after == {mint: amount + minted.get(mint, 0) for mint, amount in held_before.items()}
    assert supply_after == {mint: amount + minted.get(mint, 0) for mint, amount in supply_before.items()}
    assert _lamports(after) == _lamports(before) - NETWORK_FEE  # the SOL fee moved from the user to the pool
    surplus = prediction.surplus.get(world.pool.pool, 0)
    assert world.snapshot().surplus == snapshot.surplus + surplus >= 0
    assert surplus == 0 or isinstance(op, Swap)
    outcome = watch.check(world.snapshot(), surplus_added=surplus)
    assert outcome.ok, [str(v) for v in outcome.violations]
