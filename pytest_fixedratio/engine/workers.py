"""Deposit, withdrawal and swap workers: one asyncio task and one wallet each, bound to one pool and side.

A cycle is: SOL top-up when low, ATAs, refill when enabled, one operation, the sharing that follows it, then a
pause of 750-2000 ms (a longer, growing pause when there was nothing to do). The cycle runs under the worker's
lock, which `empty` and `fund` take too, so they never race the cycle (service-features.md item 21).
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from pytest_fixedratio.engine import economy
from pytest_fixedratio.engine.decisions import (
    DEPOSIT_MAX_FRACTION,
    SWAP_MAX_FRACTION,
    WITHDRAW_MAX_FRACTION,
    DecisionSource,
)
from pytest_fixedratio.engine.model import Direction, WorkerConfig, WorkerKind, WorkerStatus
from pytest_fixedratio.engine.operator import Outcome
from pytest_fixedratio.engine.pools import PoolHandle
from pytest_fixedratio.engine.stats import WorkerStats
from pytest_fixedratio.frt import accounts
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.errors import Operation, OperationContext
from pytest_fixedratio.frt.state import TokenAccount
from pytest_fixedratio.sol import programs
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.sol.pda import associated_token_address

if TYPE_CHECKING:
    from pytest_fixedratio.engine.runtime import StressEngine

COMPUTE_UNITS = {"deposit": 310_000, "withdraw": 290_000, "swap": 250_000}
_OTHER = OperationContext(Operation.OTHER)
_SOL_OUT = frozenset({"leave", "return_sol"})
"""Kinds of transaction that send the worker's own SOL away (not a fee)."""
WAIT_FIRST_S = 2.0
WAIT_MAX_S = 60.0
TOPUP_INTERVAL_S = 60.0


@dataclass
class EmptyReport:
    """What `empty` did (service-features.md 3.1): the operation with everything, then burns, then SOL back."""

    worker_id: str
    kind: str
    operation_successful: bool = False
    error_message: str = ""
    transaction_signature: str = ""
    tokens_used: int = 0
    lp_tokens_received: int = 0
    lp_tokens_used: int = 0
    tokens_withdrawn: int = 0
    tokens_swapped_in: int = 0
    tokens_swapped_out: int = 0
    tokens_burned: int = 0
    lp_tokens_burned: int = 0
    sol_returned: int = 0
    network_fee_paid: int = 0
    post_empty_balances: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Worker(ABC):
    kind: ClassVar[WorkerKind]
    max_fraction: ClassVar[Fraction]

    def __init__(self, host: StressEngine, config: WorkerConfig, decisions: DecisionSource) -> None:
        self.host = host
        self.config = config
        self.decisions = decisions
        self.wallet = Wallet.from_seed(decisions.secret_seed())
        self.status = WorkerStatus.CREATED
        self.error_reason = ""
        self.stats = WorkerStats()
        self.lock = asyncio.Lock()
        self.task: asyncio.Task[None] | None = None
        self._stop_requested = False
        self._wait_s = WAIT_FIRST_S
        self._last_topup_at: float | None = None
        self._funded_initial = False

    # ------------------------------------------------------------------ identity
    @property
    def worker_id(self) -> str:
        return self.config.worker_id

    @property
    def address(self) -> Address:
        return self.wallet.address

    @property
    def pool(self) -> PoolHandle:
        return self.host.pools[self.config.pool]

    @property
    def side(self) -> Side:
        return self.config.side

    def ata(self, mint: Address) -> Address:
        return associated_token_address(self.address, mint)

    @property
    def funding_mint(self) -> Address:
        """The token minted to this worker by the initial amount and refills."""
        return self.pool.addresses.mint(self.side)

    @abstractmethod
    def mints(self) -> list[Address]:
        """Every mint this worker holds an ATA for."""

    @property
    def running(self) -> bool:
        return self.status is WorkerStatus.RUNNING

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        if self.status is WorkerStatus.RUNNING:
            return
        self._stop_requested = False
        self.status = WorkerStatus.RUNNING
        self.task = self.host.clock.spawn(self._run(), name=self.worker_id)

    async def stop(self) -> None:
        """Graceful: the cycle in flight completes, then the task ends."""
        task = self.task
        if task is None or task.done():
            if self.status is not WorkerStatus.ERROR:
                self.status = WorkerStatus.STOPPED
            return
        self._stop_requested = True
        self.status = WorkerStatus.STOPPING
        self.host.clock.wake(task)
        await task

    async def _run(self) -> None:
        try:
            while not self._stop_requested:
                async with self.lock:
                    acted = await self._cycle()
                if self._stop_requested or self.status is WorkerStatus.ERROR:
                    break
                pause = self._pause(acted)
                self.stats.next_operation_at = self.host.clock.now() + pause
                await self.host.clock.sleep(pause)
        except Exception as exc:  # a bug in the harness or a broken chain: keep it, never lose it silently
            self.status = WorkerStatus.ERROR
            self.error_reason = f"crashed: {exc!r}"
            self.host.record_crash(self, exc)
        finally:
            if self.status is not WorkerStatus.ERROR:
                self.status = WorkerStatus.STOPPED

    def _pause(self, acted: bool) -> float:
        if acted:
            self._wait_s = WAIT_FIRST_S
            return self.decisions.pause_ms() / 1000
        self.stats.counters.waiting_cycles += 1
        wait, self._wait_s = self._wait_s, min(self._wait_s * 2, WAIT_MAX_S)
        return wait

    blocking_flags: ClassVar[PoolFlag]

    async def _blocked(self) -> bool:
        """Paused system or pool (or an owner-only pool for a swapper that is not its owner): wait, do not send
        a transaction that must fail (service-features.md 2.5)."""
        if await self.host.system_paused():
            return True
        flags = (await self.pool.refresh(self.host.chain)).flags
        if self.kind is WorkerKind.SWAP and PoolFlag.SWAP_FOR_OWNERS_ONLY in flags:
            return self.pool.state.owner != self.address
        return bool(flags & self.blocking_flags)

    async def _cycle(self) -> bool:
        if await self._blocked():
            return False
        await self._ensure_sol()
        await self.host.ensure_atas([(self.address, m) for m in self.mints()])
        await self._fund()
        return await self.operate()

    # ------------------------------------------------------------------ resources
    async def _ensure_sol(self) -> None:
        now = self.host.clock.now()
        if self._last_topup_at is not None and now - self._last_topup_at < TOPUP_INTERVAL_S:
            return
        if await self.host.chain.get_balance(self.address) >= economy.SOL_LOW_WATER:
            return
        amount = economy.topup_amount(await self.host.core.balance())
        if amount:
            self._last_topup_at = now
            await self.host.core.send_sol(self.address, amount,
                                          checks=self.host.checks.sol_transfer(self.host.core.address, self.address,
                                                                               amount))
            self.stats.counters.sol_topups_received += amount

    async def _fund(self) -> None:
        """Mint the initial amount once, then refill (full initial amount) when enabled and below 5%."""
        initial = self.config.initial_amount
        if initial <= 0:
            return
        if not self._funded_initial:
            await self._mint_to_self(initial, "initial")
            self._funded_initial = True
            self.stats.counters.tokens_from_initial += initial
        elif economy.needs_refill(await self.balance(self.funding_mint), initial, self.config.auto_refill):
            await self._mint_to_self(initial, "refill")
            self.stats.counters.tokens_from_refill += initial
            self.stats.counters.times_refilled += 1

    async def _mint_to_self(self, amount: int, kind: str) -> None:
        mint, core = self.funding_mint, self.host.core
        await core.mint_to(mint, self.address, amount, kind=kind, pool=self.pool.label,
                           checks=self.host.checks.mint_to(mint, self.address, amount, core.address))

    async def balance(self, mint: Address) -> int:
        return (await self.balances([mint]))[mint]

    async def balances(self, mints: Sequence[Address]) -> dict[Address, int]:
        accounts_ = await self.host.chain.get_accounts([self.ata(m) for m in mints])
        return {m: 0 if a is None else TokenAccount.decode(a.data).amount
                for m, a in zip(mints, accounts_.values(), strict=True)}

    # ------------------------------------------------------------------ operations
    @abstractmethod
    async def operate(self) -> bool:
        """One operation; False when there was nothing to do (a waiting cycle)."""

    async def _execute(self, kind: str, instructions: Sequence[Instruction], amount: int, checks: Sequence[Any],
                       context: OperationContext = _OTHER) -> Outcome:
        """One transaction signed and paid by this worker, verified by `checks`, its cost measured."""
        outcome = await self.host.operator.execute(
            actor=self.worker_id, kind=kind, instructions=instructions, signers=[self.wallet],
            pool=self.pool.label, amount=amount, compute_unit_limit=COMPUTE_UNITS.get(kind),
            checks=checks, judge=self.host.judge(context),
        )
        receipt = outcome.receipt
        # Measured, not assumed: what left the wallet beyond the network fee is the pool's SOL fee.
        spent = -receipt.lamport_change(self.address) if self.address in receipt.after else receipt.fee
        moved_out = amount if kind in _SOL_OUT and outcome.ok else 0
        self.stats.record_fees(at=self.host.clock.now(), pool_fee=spent - moved_out - receipt.fee,
                               network_fee=receipt.fee)
        self.stats.counters.compute_units += receipt.compute_units
        return outcome

    async def _send(self, kind: str, instructions: Sequence[Instruction], amount: int, checks: Sequence[Any],
                    context: OperationContext) -> Outcome:
        """A pool operation: executed, counted as a success or failure, then the pool checks."""
        outcome = await self._execute(kind, instructions, amount, checks, context)
        self._account(outcome, kind, amount)
        await self.host.after_operation(self, outcome)
        return outcome

    def _account(self, outcome: Outcome, kind: str, amount: int) -> None:
        at = self.host.clock.now()
        if outcome.ok:
            self.stats.record_success(at=at, size=amount, latency_ms=outcome.latency_ms)
            return
        verdict = outcome.verdict
        assert verdict is not None
        self.stats.record_failure(at=at, name=verdict.error, expected=verdict.expected, operation=kind,
                                  detail=verdict.reason)
        if not verdict.expected:
            self.status = WorkerStatus.ERROR
            self.error_reason = f"unexpected {verdict.error} on {kind}: {verdict.reason}"

    async def _transfer_to_peers(self, kind: str, mint: Address, total: int, peers: Sequence[Worker]) -> int:
        """Send `total` of `mint` split equally to `peers` in one transaction; returns what was sent."""
        split = economy.split_equally(total, len(peers))
        if split.sent == 0:
            return 0
        await self.host.ensure_atas([(p.address, mint) for p in peers])
        transfers = [programs.transfer(self.ata(mint), p.ata(mint), self.address, split.share) for p in peers]
        checks = self.host.checks.transfers(mint, self.address, [(p.address, split.share) for p in peers])
        outcome = await self._execute(kind, transfers, split.sent, checks)
        if not outcome.ok:
            self._account(outcome, kind, split.sent)
            return 0
        self.stats.counters.shared_out += split.sent
        for peer in peers:
            self.stats.shared_to[peer.worker_id] += split.share
            peer.stats.received_from[self.worker_id] += split.share
            peer.stats.counters.shared_in += split.share
        return split.sent

    # ------------------------------------------------------------------ empty
    async def empty(self) -> EmptyReport:
        """Operate with everything, burn every leftover for real (SPL Burn), return SOL above the reserve."""
        async with self.lock:
            report = EmptyReport(self.worker_id, f"{self.kind.value}_empty")
            await self.host.ensure_atas([(self.address, m) for m in self.mints()])
            await self._empty_operation(report)
            await self._burn_leftovers(report)
            await self._return_sol(report)
            report.post_empty_balances = {str(m): b for m, b in (await self.balances(self.mints())).items()}
            report.post_empty_balances["sol"] = await self.host.chain.get_balance(self.address)
            self.stats.counters.empty_ops += 1
            return report

    @abstractmethod
    async def _empty_operation(self, report: EmptyReport) -> None:
        """Deposit / withdraw / swap the whole balance."""

    def _note_empty(self, report: EmptyReport, outcome: Outcome) -> None:
        report.operation_successful = outcome.ok
        report.transaction_signature = outcome.receipt.signature
        report.network_fee_paid += outcome.receipt.fee
        if not outcome.ok and outcome.verdict is not None:
            report.error_message = outcome.verdict.error

    async def _burn_leftovers(self, report: EmptyReport) -> None:
        balances = await self.balances(self.mints())
        burns = [programs.burn(self.ata(m), m, self.address, amount) for m, amount in balances.items() if amount]
        if not burns:
            return
        lp_mints = {self.pool.addresses.lp_a_mint, self.pool.addresses.lp_b_mint}
        outcome = await self._execute("burn", burns, sum(balances.values()),
                                      self.host.checks.burns(self.address, balances))
        report.network_fee_paid += outcome.receipt.fee
        if outcome.ok:
            report.lp_tokens_burned = sum(a for m, a in balances.items() if m in lp_mints)
            report.tokens_burned = sum(a for m, a in balances.items() if m not in lp_mints)
            self.stats.counters.tokens_burned += report.tokens_burned
            self.stats.counters.lp_burned += report.lp_tokens_burned

    async def leave(self) -> int:
        """Close every (empty) token account, rent to the core wallet, and send it every lamport left: the
        wallet ends at 0 and disappears. Returns the lamports sent (rent excluded)."""
        async with self.lock:
            core = self.host.core.address
            atas = [a for a, s in (await self.host.chain.get_accounts([self.ata(m) for m in self.mints()])).items()
                    if s is not None]
            amount = await self.host.chain.get_balance(self.address) - self.host.network_fee
            instructions = [*(programs.close_account(a, core, self.address) for a in atas),
                            programs.system_transfer(self.address, core, amount)]
            outcome = await self._execute("leave", instructions, amount,
                                          self.host.checks.leave(self.address, atas, core, amount))
            self.host.core.forget_atas(atas)
            if not outcome.ok:
                return 0
            self.stats.counters.sol_returned += amount
            return amount

    async def _return_sol(self, report: EmptyReport) -> None:
        balance = await self.host.chain.get_balance(self.address)
        # The transfer's own network fee comes out of the balance too: keep it on top of the reserve.
        amount = economy.returnable_sol(balance - self.host.network_fee)
        if amount <= 0:
            return
        core = self.host.core.address
        outcome = await self._execute("return_sol", [programs.system_transfer(self.address, core, amount)], amount,
                                      self.host.checks.sol_transfer(self.address, core, amount))
        report.network_fee_paid += outcome.receipt.fee
        if outcome.ok:
            report.sol_returned = amount
            self.stats.counters.sol_returned += amount


class _LiquidityWorker(Worker, ABC):
    """Deposit and withdrawal workers: one side's token and its LP token, blocked by a liquidity pause."""

    blocking_flags = PoolFlag.LIQUIDITY_PAUSED

    @property
    def lp_mint(self) -> Address:
        return self.pool.addresses.lp_mint(self.side)

    def mints(self) -> list[Address]:
        return [self.funding_mint, self.lp_mint]


class DepositWorker(_LiquidityWorker):
    kind = WorkerKind.DEPOSIT
    max_fraction = DEPOSIT_MAX_FRACTION

    async def _deposit(self, amount: int) -> Outcome:
        pool = self.pool
        context = OperationContext(
            Operation.DEPOSIT, amount=amount, pool_flags=pool.state.flags, system_paused=False,
            user_balance=await self.balance(self.funding_mint), fee=pool.state.contract_liquidity_fee,
            payer_lamports=await self.host.chain.get_balance(self.address),
        )
        return await self._send(
            "deposit", [accounts.deposit(pool.addresses, self.address, self.side, amount)], amount,
            self.host.checks.deposit(pool, self.address, self.side, amount), context,
        )

    async def operate(self) -> bool:
        amount = self.decisions.amount(await self.balance(self.funding_mint), self.max_fraction)
        if amount == 0:
            return False
        outcome = await self._deposit(amount)
        if outcome.ok:
            self.stats.counters.tokens_in += amount
            self.stats.counters.tokens_out += amount
            if self.config.share:
                peers = self.host.running_peers(self, WorkerKind.WITHDRAWAL)
                await self._transfer_to_peers("share_lp", self.lp_mint, amount, peers)
        return True

    async def _empty_operation(self, report: EmptyReport) -> None:
        amount = await self.balance(self.funding_mint)
        if amount == 0:
            report.error_message = "No tokens available"
            return
        outcome = await self._deposit(amount)
        self._note_empty(report, outcome)
        if outcome.ok:
            report.tokens_used = report.lp_tokens_received = amount


class WithdrawalWorker(_LiquidityWorker):
    kind = WorkerKind.WITHDRAWAL
    max_fraction = WITHDRAW_MAX_FRACTION

    async def _withdraw(self, lp_amount: int, lp_balance: int) -> Outcome:
        pool = self.pool
        context = OperationContext(
            Operation.WITHDRAW, amount=lp_amount, pool_flags=pool.state.flags, system_paused=False,
            lp_balance=lp_balance, tracked_liquidity=pool.state.liquidity(self.side),
            fee=pool.state.contract_liquidity_fee, payer_lamports=await self.host.chain.get_balance(self.address),
        )
        return await self._send(
            "withdraw", [accounts.withdraw(pool.addresses, self.address, self.side, lp_amount)], lp_amount,
            self.host.checks.withdraw(pool, self.address, self.side, lp_amount), context,
        )

    async def operate(self) -> bool:
        lp_balance = await self.balance(self.lp_mint)
        amount = self.decisions.amount(lp_balance, self.max_fraction)
        if amount == 0:
            return False
        outcome = await self._withdraw(amount, lp_balance)
        if outcome.ok:
            self.stats.counters.tokens_in += amount
            self.stats.counters.tokens_out += amount
            if self.config.share:
                peers = self.host.running_peers(self, WorkerKind.DEPOSIT)
                await self._transfer_to_peers("share_tokens", self.funding_mint, amount, peers)
        return True

    async def _empty_operation(self, report: EmptyReport) -> None:
        lp_balance = await self.balance(self.lp_mint)
        if lp_balance == 0:
            report.error_message = "No LP tokens available"
            return
        outcome = await self._withdraw(lp_balance, lp_balance)
        self._note_empty(report, outcome)
        if outcome.ok:
            report.lp_tokens_used = report.tokens_withdrawn = lp_balance


class SwapWorker(Worker):
    kind = WorkerKind.SWAP
    max_fraction = SWAP_MAX_FRACTION
    blocking_flags = PoolFlag.SWAPS_PAUSED

    @property
    def direction(self) -> Direction:
        return self.config.direction

    def mints(self) -> list[Address]:
        return [self.pool.addresses.token_a_mint, self.pool.addresses.token_b_mint]

    def quote(self, amount_in: int) -> int:
        """The exact output the program computes for `amount_in` (0: dust or not a clean multiple)."""
        r_in, r_out = self.pool.ratios(self.side)
        try:
            return frt_math.swap_output(amount_in, r_in, r_out, exact=self.pool.exact)
        except frt_math.SwapRejected:
            return 0

    def usable_amount(self, drawn: int) -> int:
        """The drawn amount, rounded down to what gives a non-zero output (a multiple of the step in exact mode)."""
        r_in, r_out = self.pool.ratios(self.side)
        step = frt_math.exact_input_step(r_in, r_out) if self.pool.exact else 1
        amount = drawn - drawn % step
        return amount if amount >= frt_math.min_input_for_output(r_in, r_out) else 0

    async def _swap(self, amount_in: int, balance: int) -> tuple[Outcome, int]:
        pool = self.pool
        expected = self.quote(amount_in)
        context = OperationContext(
            Operation.SWAP, amount=amount_in, expected_out=expected, expected_from_math=True,
            pool_flags=pool.state.flags, system_paused=False, signer_is_pool_owner=pool.state.owner == self.address,
            user_balance=balance, tracked_liquidity=pool.state.liquidity(self.side.other),
            fee=pool.state.swap_contract_fee, payer_lamports=await self.host.chain.get_balance(self.address),
        )
        outcome = await self._send(
            "swap", [accounts.swap(pool.addresses, self.address, self.side, amount_in, expected)], amount_in,
            self.host.checks.swap(pool, self.address, self.side, amount_in, expected), context,
        )
        return outcome, expected

    async def operate(self) -> bool:
        balance = await self.balance(self.funding_mint)
        amount = self.usable_amount(self.decisions.amount(balance, self.max_fraction))
        if amount == 0:
            return False
        outcome, out = await self._swap(amount, balance)
        if outcome.ok:
            r_in, r_out = self.pool.ratios(self.side)
            self.stats.counters.tokens_in += amount
            self.stats.counters.tokens_out += out
            self.stats.counters.rounding_loss += amount * r_out % r_in
            opposite = self.host.running_peers(self, WorkerKind.SWAP)
            if self.config.share and opposite:
                await self._transfer_to_peers("forward_output", self.pool.addresses.mint(self.side.other), out,
                                              opposite)
        return True

    async def _empty_operation(self, report: EmptyReport) -> None:
        balance = await self.balance(self.funding_mint)
        amount = self.usable_amount(balance)
        if amount == 0:
            report.error_message = "No input tokens available"
            return
        outcome, out = await self._swap(amount, balance)
        self._note_empty(report, outcome)
        if outcome.ok:
            report.tokens_swapped_in, report.tokens_swapped_out = amount, out


WORKER_TYPES: dict[WorkerKind, type[Worker]] = {
    WorkerKind.DEPOSIT: DepositWorker,
    WorkerKind.WITHDRAWAL: WithdrawalWorker,
    WorkerKind.SWAP: SwapWorker,
}
