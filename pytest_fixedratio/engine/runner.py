"""How a worker runs, whatever it decides: its asyncio task, the cycle around its task's operation (pause
checks, SOL top-up, ATAs, funding and refills), the pause between cycles and the growing back-off when there
was nothing to do, the lock that `empty` and `delete` share with the cycle, graceful stop, and crashes kept as
incidents.

A cycle is: wait while the run, the system or the worker's pool operation is paused (polling every 2 s); top
up SOL when low; create missing ATAs; mint the initial amount once, then refill when enabled and below 5%; one
operation and the sharing that follows it; then a pause of 750-2000 ms (2 s, doubling to 60 s, when there was
nothing to do).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from pytest_fixedratio.engine import economy
from pytest_fixedratio.engine.context import WorkerContext
from pytest_fixedratio.engine.model import WorkerConfig, WorkerKind, WorkerStatus
from pytest_fixedratio.engine.stats import WorkerStats
from pytest_fixedratio.engine.tasks import EmptyReport, Task
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.intents.wallet_ops import Burn, CloseTokenAccount, SolTransfer
from pytest_fixedratio.sol.address import Address

if TYPE_CHECKING:
    from pytest_fixedratio.engine.clock import Clock

WAIT_FIRST_S = 2.0
WAIT_MAX_S = 60.0
TOPUP_INTERVAL_S = 60.0
RUN_PAUSED_POLL_S = 1.0
PAUSE_POLL_S = 2.0
"""How often a worker that a pause blocks (the system's, or its pool's flag for its operation) looks again: it
polls the flags (service-features.md, the error table's "poll the pause flags") rather than backing off, so it
trades again within seconds of the unpause."""


class WorkerRunner:
    def __init__(self, ctx: WorkerContext, task: Task, clock: Clock,
                 on_crash: Callable[[str, BaseException], None]) -> None:
        self.ctx = ctx
        self.task_logic = task
        self.clock = clock
        self._on_crash = on_crash
        self.status = WorkerStatus.CREATED
        self.error_reason = ""
        self.lock = asyncio.Lock()
        self.task: asyncio.Task[None] | None = None
        self._stop_requested = False
        self._wait_s = WAIT_FIRST_S
        self._last_topup_at: float | None = None
        self._funded_initial = False

    # ------------------------------------------------------------------ identity
    @property
    def config(self) -> WorkerConfig:
        return self.ctx.config

    @property
    def worker_id(self) -> str:
        return self.ctx.worker_id

    @property
    def kind(self) -> WorkerKind:
        return self.config.kind

    @property
    def side(self) -> Side:
        return self.config.side

    @property
    def address(self) -> Address:
        return self.ctx.address

    @property
    def stats(self) -> WorkerStats:
        return self.ctx.stats

    @property
    def running(self) -> bool:
        return self.status is WorkerStatus.RUNNING

    def mints(self) -> list[Address]:
        return self.task_logic.mints(self.ctx)

    def ata(self, mint: Address) -> Address:
        return self.ctx.ata(mint)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        if self.status is WorkerStatus.RUNNING:
            return
        self._stop_requested = False
        self.status = WorkerStatus.RUNNING
        self.task = self.clock.spawn(self._run(), name=self.worker_id)

    async def stop(self) -> None:
        """Graceful: the cycle in flight completes, then the task ends."""
        task = self.task
        if task is None or task.done():
            if self.status is not WorkerStatus.ERROR:
                self.status = WorkerStatus.STOPPED
            return
        self._stop_requested = True
        self.status = WorkerStatus.STOPPING
        self.clock.wake(task)
        await task

    def wake(self) -> None:
        if self.task is not None and not self.task.done():
            self.clock.wake(self.task)

    def restore_status(self, status: WorkerStatus, reason: str) -> None:
        """The status a stored worker had before a restart, when it was not running: stopped, or in error
        (`reason` says why it is), so it does not run again by itself."""
        if status in (WorkerStatus.STOPPED, WorkerStatus.ERROR):
            self.status = status
            self.error_reason = reason if status is WorkerStatus.ERROR else ""

    def fail(self, reason: str) -> None:
        """An unexpected failure of one of this worker's transactions: it stops with status error."""
        self.status = WorkerStatus.ERROR
        self.error_reason = reason

    async def _run(self) -> None:
        try:
            while not self._stop_requested:
                if self.ctx.run_paused:
                    await self.clock.sleep(RUN_PAUSED_POLL_S)
                    continue
                async with self.lock:
                    acted = await self._cycle()
                if self._stop_requested or self.status is WorkerStatus.ERROR:
                    break
                pause = self._pause(acted)
                self.stats.next_operation_at = self.clock.now() + pause
                await self.clock.sleep(pause)
        except Exception as exc:  # a bug in the harness or a broken chain: keep it, never lose it silently
            self.status = WorkerStatus.ERROR
            self.error_reason = f"crashed: {exc!r}"
            self._on_crash(self.worker_id, exc)
        finally:
            if self.status is not WorkerStatus.ERROR:
                self.status = WorkerStatus.STOPPED

    def _pause(self, acted: bool | None) -> float:
        """After a cycle that operated (True), had nothing to do (False: back off) or was blocked by a pause
        (None: poll)."""
        if acted is None:
            self.stats.counters.waiting_cycles += 1
            return PAUSE_POLL_S
        if acted:
            self._wait_s = WAIT_FIRST_S
            own = self.task_logic.pause_s(self.ctx)
            return self.ctx.decisions.pause_ms() / 1000 if own is None else own
        self.stats.counters.waiting_cycles += 1
        wait, self._wait_s = self._wait_s, min(self._wait_s * 2, WAIT_MAX_S)
        return wait

    async def _blocked(self) -> bool:
        if self.task_logic.waits_while_system_paused and await self.ctx.system_paused():
            return True
        pool = await self.ctx.refresh_pool()
        return self.task_logic.blocked(self.ctx, pool.state.flags)

    async def _cycle(self) -> bool | None:
        if await self._blocked():
            return None
        await self._ensure_sol()
        await self.ctx.ensure_atas([(self.address, m) for m in self.mints()])
        await self._fund()
        return await self.task_logic.operate(self.ctx)

    # ------------------------------------------------------------------ resources
    async def _ensure_sol(self) -> None:
        now = self.clock.now()
        if self._last_topup_at is not None and now - self._last_topup_at < TOPUP_INTERVAL_S:
            return
        if await self.ctx.lamports() >= economy.SOL_LOW_WATER:
            return
        received = await self.ctx.request_sol()
        if received:
            self._last_topup_at = now
            self.stats.counters.sol_topups_received += received

    async def _fund(self) -> None:
        """Mint the initial amount once, then refill (full initial amount) when enabled and below 5%."""
        initial = self.config.initial_amount
        if initial <= 0:
            return
        mint = self.task_logic.funding_mint(self.ctx)
        if not self._funded_initial:
            await self.ctx.mint_to_self(mint, initial, "initial")
            self._funded_initial = True
            self.stats.counters.tokens_from_initial += initial
        elif economy.needs_refill(await self.ctx.balance(mint), initial, self.config.auto_refill):
            await self.ctx.mint_to_self(mint, initial, "refill")
            self.stats.counters.tokens_from_refill += initial
            self.stats.counters.times_refilled += 1

    # ------------------------------------------------------------------ empty, leave
    async def empty(self) -> EmptyReport:
        """Operate with everything, burn every leftover for real (SPL Burn), return SOL above the reserve."""
        async with self.lock:
            ctx = self.ctx
            report = EmptyReport(self.worker_id, f"{self.kind.value}_empty")
            await ctx.ensure_atas([(self.address, m) for m in self.mints()])
            await self.task_logic.empty_operation(ctx, report)
            await self._burn_leftovers(report)
            await self._return_sol(report)
            report.post_empty_balances = {str(m): b for m, b in (await ctx.balances(self.mints())).items()}
            report.post_empty_balances["sol"] = await ctx.lamports()
            self.stats.counters.empty_ops += 1
            return report

    async def _burn_leftovers(self, report: EmptyReport) -> None:
        ctx = self.ctx
        balances = await ctx.balances(self.mints())
        pool = ctx.pool.addresses
        # Burning LP outside the program raises the pool's S by the other side's ratio per unit (I2).
        per_unit = {pool.lp_a_mint: pool.ratio_b, pool.lp_b_mint: pool.ratio_a}
        burns = [Burn(ctx.ata(m), m, self.address, amount, pool.pool if m in per_unit else None, per_unit.get(m, 0))
                 for m, amount in balances.items() if amount]
        if not burns:
            return
        outcome = await ctx.execute(ctx.intent("burn", burns, amount=sum(balances.values()), pool=False))
        report.network_fee_paid += outcome.receipt.fee
        if outcome.ok:
            report.lp_tokens_burned = sum(a for m, a in balances.items() if m in per_unit)
            report.tokens_burned = sum(a for m, a in balances.items() if m not in per_unit)
            self.stats.counters.tokens_burned += report.tokens_burned
            self.stats.counters.lp_burned += report.lp_tokens_burned

    async def _return_sol(self, report: EmptyReport) -> None:
        ctx = self.ctx
        # The transfer's own network fee comes out of the balance too: keep it on top of the reserve.
        amount = economy.returnable_sol(await ctx.lamports() - economy.NETWORK_FEE)
        if amount <= 0:
            return
        outcome = await ctx.execute(ctx.intent("return_sol", [SolTransfer(self.address, ctx.core_address, amount)],
                                               amount=amount, pool=False))
        report.network_fee_paid += outcome.receipt.fee
        if outcome.ok:
            report.sol_returned = amount
            self.stats.counters.sol_returned += amount

    async def leave(self) -> int:
        """Close every (empty) token account, rent to the core wallet, and send it every lamport left: the
        wallet ends at 0 and disappears. Returns the lamports sent (rent excluded)."""
        async with self.lock:
            ctx = self.ctx
            core = ctx.core_address
            atas = [ctx.ata(m) for m in self.mints()]
            existing = [a for a in atas if await ctx.exists(a)]
            amount = await ctx.lamports() - economy.NETWORK_FEE
            ops = [*(CloseTokenAccount(a, core, self.address) for a in existing),
                   SolTransfer(self.address, core, amount)]
            outcome = await ctx.execute(ctx.intent("leave", ops, amount=amount, pool=False))
            ctx.forget_atas(atas)
            if not outcome.ok:
                return 0
            self.stats.counters.sol_returned += amount
            return amount
