"""Random deposit / withdraw / swap sequences: the intents' predictions against a model in plain integers, and
every pool invariant after every step.

The intents (implementation) predict each transaction on encoded accounts; `PoolModel` keeps the same pool as
a handful of integers with the contract's rules written out directly. They must agree on whether each
operation is allowed and on every balance afterwards, every refusal must name the exact error, and the
accounts the predictions produce must satisfy I1, I2 (with S growing by exactly the swap remainders), I6, I7,
I8 and I10 throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.state import Mint, TokenAccount
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.intents.pool_ops import Deposit, Swap, Withdraw
from pytest_fixedratio.verify.invariants import PoolWatch
from tests.verify.worlds import NETWORK_FEE, USER, USER_LAMPORTS, USER_TOKENS, World, build_world

amounts = st.one_of(st.integers(0, 10**6), st.integers(0, 10**16))
ratios = st.integers(1, 10**7)


@dataclass
class PoolModel:
    """One pool and one user as integers, with the contract's rules (frt-contract.md 4.2-4.5)."""

    ratio: dict[Side, int]
    exact: bool
    user_tokens: dict[Side, int] = field(default_factory=lambda: dict.fromkeys(Side, USER_TOKENS))
    user_lp: dict[Side, int] = field(default_factory=lambda: dict.fromkeys(Side, 0))
    total: dict[Side, int] = field(default_factory=lambda: dict.fromkeys(Side, 0))
    lp_supply: dict[Side, int] = field(default_factory=lambda: dict.fromkeys(Side, 0))
    user_lamports: int = USER_LAMPORTS
    pool_fees: int = 0

    def deposit(self, side: Side, amount: int) -> bool:
        if not 0 < amount <= self.user_tokens[side]:
            return False
        self.user_tokens[side] -= amount
        self.user_lp[side] += amount
        self.total[side] += amount
        self.lp_supply[side] += amount
        self._fee(c.DEPOSIT_WITHDRAWAL_FEE)
        return True

    def withdraw(self, side: Side, amount: int) -> bool:
        if not 0 < amount <= min(self.user_lp[side], self.total[side]):
            return False
        self.user_tokens[side] += amount
        self.user_lp[side] -= amount
        self.total[side] -= amount
        self.lp_supply[side] -= amount
        self._fee(c.DEPOSIT_WITHDRAWAL_FEE)
        return True

    def swap_output(self, side: Side, amount: int) -> int:
        """What the pool pays, 0 for an input the contract rejects on arithmetic grounds."""
        r_in, r_out = self.ratio[side], self.ratio[side.other]
        if self.exact and amount * r_out % r_in:
            return 0
        return amount * r_out // r_in

    def swap(self, side: Side, amount: int, expected: int) -> bool:
        out = self.swap_output(side, amount)
        if not (0 < amount <= self.user_tokens[side] and 0 < out == expected and out <= self.total[side.other]):
            return False
        self.user_tokens[side] -= amount
        self.total[side] += amount
        self.total[side.other] -= out
        self.user_tokens[side.other] += out
        self._fee(c.SWAP_CONTRACT_FEE)
        return True

    def _fee(self, fee: int) -> None:
        self.user_lamports -= fee
        self.pool_fees += fee


class LedgerMachine(RuleBasedStateMachine):
    """Model (`PoolModel`) versus implementation (the intents' predictions over encoded accounts)."""

    def __init__(self) -> None:
        super().__init__()
        self.world: World | None = None
        self.model: PoolModel | None = None
        self.watch: PoolWatch | None = None
        self.surplus_since_check = 0

    @initialize(ratio_a=ratios, ratio_b=ratios, exact=st.booleans())
    def create_pool(self, ratio_a: int, ratio_b: int, exact: bool) -> None:
        flags = PoolFlag.EXACT_EXCHANGE_REQUIRED if exact else 0
        self.world = build_world(ratio_a=ratio_a, ratio_b=ratio_b, creation_flags=flags)
        self.model = PoolModel({Side.A: ratio_a, Side.B: ratio_b}, exact)
        self.watch = PoolWatch.start(self.world.snapshot())

    def _run(self, op: Op, allowed: bool) -> None:
        assert self.world is not None and self.model is not None
        lamports_before = self.model.user_lamports
        prediction = self.world.run([op])
        assert (not prediction.fails) == allowed, (str(op), prediction.error, prediction.reason)
        event(f"{type(op).__name__} {'applied' if allowed else f'rejected with {prediction.error}'}")
        if allowed:
            self.surplus_since_check += sum(prediction.surplus.values())
            assert prediction.error is None and prediction.logs
        else:  # a failed transaction only costs the network fee, which the model does not track
            assert self.model.user_lamports == lamports_before
            assert prediction.error is not None and prediction.error.instruction == 0, prediction.reason
            assert not prediction.logs and not prediction.surplus
        self.model.user_lamports -= NETWORK_FEE

    @rule(side=st.sampled_from(Side), amount=amounts)
    def deposit(self, side: Side, amount: int) -> None:
        assert self.world is not None and self.model is not None
        self._run(Deposit(self.world.pool, USER, side, amount), self.model.deposit(side, amount))

    @rule(side=st.sampled_from(Side), amount=amounts, everything=st.booleans())
    def withdraw(self, side: Side, amount: int, everything: bool) -> None:
        assert self.world is not None and self.model is not None
        if everything:
            amount = self.model.user_lp[side]
        self._run(Withdraw(self.world.pool, USER, side, amount), self.model.withdraw(side, amount))

    @rule(side=st.sampled_from(Side), amount=amounts, wrong_by=st.sampled_from([0, 0, 0, 1, -1]))
    def swap(self, side: Side, amount: int, wrong_by: int) -> None:
        assert self.world is not None and self.model is not None
        expected = max(0, self.model.swap_output(side, amount) + wrong_by)
        self._run(Swap(self.world.pool, USER, side, amount, expected), self.model.swap(side, amount, expected))

    @precondition(lambda self: self.world is not None)
    @invariant()
    def pool_invariants_hold(self) -> None:
        assert self.watch is not None and self.world is not None
        outcome = self.watch.check(self.world.snapshot(), surplus_added=self.surplus_since_check)
        self.surplus_since_check = 0
        assert outcome.ok, [str(v) for v in outcome.violations]

    @precondition(lambda self: self.world is not None)
    @invariant()
    def ledger_agrees_with_the_model(self) -> None:
        assert self.world is not None and self.model is not None
        world, model, pool = self.world, self.model, self.world.pool
        for side in Side:
            assert world.state().liquidity(side) == model.total[side]
            assert world.decoded(pool.vault(side), TokenAccount).amount == model.total[side]
            assert world.decoded(pool.lp_mint(side), Mint).supply == model.lp_supply[side]
            assert world.decoded(world.ata(USER, pool.mint(side)), TokenAccount).amount == model.user_tokens[side]
            assert world.decoded(world.ata(USER, pool.lp_mint(side)), TokenAccount).amount == model.user_lp[side]
        assert world.state().total_sol_fees_collected == model.pool_fees
        pool_account, user_account = world.accounts[pool.pool], world.accounts[USER]
        assert pool_account is not None and user_account is not None
        assert pool_account.lamports == frt_math.rent(c.POOL_STATE_LEN) + model.pool_fees
        assert user_account.lamports == model.user_lamports


TestLedgerMachine = settings(stateful_step_count=30)(LedgerMachine).TestCase
