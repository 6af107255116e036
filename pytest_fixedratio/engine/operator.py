"""The operator: the admin's side of the program, acting while the workers trade.

Why: bugs live where admin actions meet traffic: a swap racing a pause, a consolidation while fees accrue, a
treasury withdrawal inside the restart penalty, a fee change between a quote and a swap. The operator pauses and
unpauses pools (each flag) and the whole system, changes fees within and at their bounds (and one past them),
makes a pool owner-only, consolidates fees over several pools, withdraws treasury fees at the rule's edges,
donates SOL, and runs admin changes through their 72-hour timelock. Each action is an intent
(`intents.admin_ops`) predicted and verified like any transaction, and the session checks the pools it touched and
the program-wide invariants after it (`Intent.audit`).

What changes what the workers may do (a pause, a fee, owner-only) is held for a short while and then undone, so
the traffic goes on; the workers wait while their pool or the system is paused (`engine.runner`), and those that
race the pause get the error the program must give. What needs chain time (the timelock, the restart penalty,
the rolling hour between withdrawals) moves the chain's clock on a target that can (`TimeTravel`: in-process);
elsewhere it is sent early, and the program must refuse it as predicted.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import partial
from typing import ClassVar

from pytest_fixedratio.engine.context import WorkerContext
from pytest_fixedratio.engine.findings import CONSOLIDATION_RESIDUE
from pytest_fixedratio.engine.model import WorkerKind
from pytest_fixedratio.engine.outcome import Outcome
from pytest_fixedratio.engine.pools import PoolHandle
from pytest_fixedratio.engine.tasks import EmptyReport, Task
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag
from pytest_fixedratio.frt.state import MainTreasuryState, SystemState
from pytest_fixedratio.intents import admin_ops as admin
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet

TREASURY_RENT = frt_math.rent(c.MAIN_TREASURY_LEN)
HOLD_S: tuple[int, int] = (5, 30)
"""How long a pause, a fee change or owner-only mode lasts before the operator undoes it (seconds, uniform)."""
UNDO_RETRY_S = 10.0
UNDO_TRIES = 30
"""An undo refused (the system paused meanwhile) is tried again this often before it is given up as an incident."""
DONATION_SPREAD = 50_000_000
MESSAGES: tuple[str, ...] = ("", "stress", "💧 fixed ratio, donated under load", "x" * 200, "naïve café ✓")
FEE_CHOICES: tuple[str, ...] = ("min", "max", "default", "uniform", "uniform", "below", "above")
"""How a new fee is drawn: at a bound, the default, uniform within the bounds, or one past a bound (refused)."""
ACTIONS: tuple[str, ...] = ("pause_pool", "pause_pool", "update_fees", "update_fees", "consolidate",
                            "consolidate", "withdraw", "withdraw", "donate", "system_pause", "admin_change",
                            "owner_only")
"""The operator's actions, repeated by weight."""
BLOCKED_BY_PAUSE: tuple[str, ...] = ("pause_pool", "update_fees", "owner_only", "withdraw", "donate", "admin_change")
"""Actions a system pause blocks (G5): each is sent under every system pause, and must fail with 1023."""


@dataclass(order=True)
class _Undo:
    at: float
    order: int
    kind: str = field(compare=False)
    op: Callable[[], Op] = field(compare=False)
    audit: tuple[Address, ...] = field(compare=False)
    tries: int = field(default=0, compare=False)


class OperatorTask(Task):
    """One per session, acting on every pool; `operator_rate` actions per hour of chain time on average."""

    kind: ClassVar[WorkerKind] = WorkerKind.OPERATOR
    max_fraction: ClassVar[Fraction] = Fraction(0)
    blocking_flags: ClassVar[PoolFlag] = PoolFlag(0)
    waits_while_system_paused: ClassVar[bool] = False

    def __init__(self, rate_per_hour: float = 60.0) -> None:
        self.rate_per_hour = rate_per_hour
        self._undo: list[_Undo] = []
        self._order = itertools.count()
        self._next_action_at: float | None = None
        self._keys: dict[Address, Wallet] = {}
        """Wallets the operator holds that may be the SystemState's admin (the upgrade authority and the admins
        it proposed)."""

    @property
    def holding(self) -> set[Address]:
        """The pools an action of the operator still holds (paused, fees changed, owner-only) until its undo."""
        return {pool for undo in self._undo for pool in undo.audit}

    # ------------------------------------------------------------------ rhythm
    def mints(self, ctx: WorkerContext) -> list[Address]:
        return []

    def pause_s(self, ctx: WorkerContext) -> float:
        """Until the next undo or the next action, whichever comes first."""
        now = ctx.now()
        assert self._next_action_at is not None  # `operate` ran first
        due = self._next_action_at if not self._undo else min(self._next_action_at, self._undo[0].at)
        return max(0.0, due - now)

    def _interval(self, ctx: WorkerContext) -> float:
        mean_ms = int(3_600_000 / self.rate_per_hour)
        return ctx.decisions.integer(mean_ms // 2, mean_ms * 3 // 2) / 1000

    async def operate(self, ctx: WorkerContext) -> bool:
        """Undo what is due; else, when its time has come, one action."""
        now = ctx.now()
        if self._undo and self._undo[0].at <= now:
            await self._run_undo(ctx, heapq.heappop(self._undo))
            return True
        if self._next_action_at is None:  # the first action comes an interval after the start, like the others
            self._next_action_at = now + self._interval(ctx)
        if now < self._next_action_at:
            return True
        self._next_action_at = now + self._interval(ctx)
        if not ctx.all_pools():
            return True
        action = ctx.decisions.choice(ACTIONS)
        await getattr(self, f"_{action}")(ctx)
        return True

    async def empty_operation(self, ctx: WorkerContext, report: EmptyReport) -> None:
        report.error_message = "The operator has no operation to empty with"

    # ------------------------------------------------------------------ sending
    def _admin(self, ctx: WorkerContext, system: SystemState | None) -> Wallet:
        """Who signs as admin: the SystemState's admin when the operator holds its key, or the upgrade authority
        (the ProgramData fallback), drawn so that both paths of the admin check run."""
        authority = ctx.admin_wallet
        self._keys.setdefault(authority.address, authority)
        current = None if system is None else self._keys.get(system.admin_authority)
        if current is None or current.address == authority.address:
            return authority
        return ctx.decisions.choice((current, authority))

    async def _send(self, ctx: WorkerContext, kind: str, ops: Sequence[Op], admin_wallet: Wallet | None,
                    audit: Sequence[Address] = (), amount: int = 0, *, finding: str = "",
                    fixed: Sequence[Op] = ()) -> Outcome:
        """Send `ops` as one intent; `fixed`: what a build without the known `finding` sends back instead (the
        intent is then a probe too, `engine.probes`)."""
        cosigners = () if admin_wallet is None or admin_wallet.address == ctx.address else (admin_wallet,)
        intent = ctx.intent(kind, ops, amount=amount, pool=False, cosigners=cosigners, audit=tuple(audit))
        if fixed:
            intent = replace(intent, finding=finding, alternatives=(replace(intent, ops=tuple(fixed)),))
        return await ctx.execute(intent)

    def _later(self, ctx: WorkerContext, kind: str, op: Callable[[], Op], audit: Sequence[Address]) -> None:
        hold = ctx.decisions.integer(*HOLD_S)
        heapq.heappush(self._undo, _Undo(ctx.now() + hold, next(self._order), kind, op, tuple(audit)))

    async def _run_undo(self, ctx: WorkerContext, undo: _Undo) -> None:
        outcome = await self._send(ctx, undo.kind, [undo.op()], ctx.admin_wallet, undo.audit)
        if not outcome.ok and undo.tries < UNDO_TRIES:  # refused as predicted (a system pause came between)
            undo.tries += 1
            undo.at = ctx.now() + UNDO_RETRY_S
            heapq.heappush(self._undo, undo)

    async def _system(self, ctx: WorkerContext) -> SystemState | None:
        account = await ctx.account(ctx.system_state_address)
        return None if account is None else SystemState.decode(account.data)

    def _pool(self, ctx: WorkerContext) -> PoolHandle:
        return ctx.decisions.choice(ctx.all_pools())

    # ------------------------------------------------------------------ actions
    async def _pause_pool(self, ctx: WorkerContext) -> None:
        pool = self._pool(ctx)
        flags = ctx.decisions.choice((c.PauseFlag.LIQUIDITY, c.PauseFlag.SWAPS, c.PauseFlag.ALL))
        wallet = self._admin(ctx, await self._system(ctx))
        outcome = await self._send(ctx, "pause_pool", [admin.PausePool(pool.addresses, wallet.address, flags)],
                                   wallet, [pool.address])
        if outcome.ok:
            authority = ctx.admin_wallet.address
            self._later(ctx, "unpause_pool", lambda: admin.UnpausePool(pool.addresses, authority, flags),
                        [pool.address])

    async def _update_fees(self, ctx: WorkerContext) -> None:
        pool = await ctx.refresh(self._pool(ctx).address)
        flags = ctx.decisions.choice(tuple(c.FeeUpdateFlag))
        liquidity = self._fee(ctx, c.MIN_LIQUIDITY_FEE, c.MAX_LIQUIDITY_FEE, c.DEPOSIT_WITHDRAWAL_FEE)
        swap = self._fee(ctx, c.MIN_SWAP_FEE, c.MAX_SWAP_FEE, c.SWAP_CONTRACT_FEE)
        wallet = self._admin(ctx, await self._system(ctx))
        op = admin.UpdatePoolFees(pool.addresses, wallet.address, flags, liquidity, swap)
        outcome = await self._send(ctx, "update_pool_fees", [op], wallet, [pool.address])
        if outcome.ok:
            before = (pool.state.contract_liquidity_fee, pool.state.swap_contract_fee)
            authority = ctx.admin_wallet.address
            self._later(ctx, "update_pool_fees", lambda: admin.UpdatePoolFees(
                pool.addresses, authority, c.FeeUpdateFlag.BOTH, *before), [pool.address])

    @staticmethod
    def _fee(ctx: WorkerContext, low: int, high: int, default: int) -> int:
        how = ctx.decisions.choice(FEE_CHOICES)
        return {"min": low, "max": high, "default": default, "below": low - 1, "above": high + 1}.get(
            how, ctx.decisions.integer(low, high) if how == "uniform" else default)

    async def _owner_only(self, ctx: WorkerContext) -> None:
        pool = await ctx.refresh(self._pool(ctx).address)
        enabled = PoolFlag.SWAP_FOR_OWNERS_ONLY in pool.state.flags
        owner = pool.state.owner
        wallet = self._admin(ctx, await self._system(ctx))
        op = admin.SetSwapOwnerOnly(pool.addresses, wallet.address, not enabled, ctx.address)
        outcome = await self._send(ctx, "set_swap_owner_only", [op], wallet, [pool.address])
        if outcome.ok:
            authority = ctx.admin_wallet.address
            self._later(ctx, "set_swap_owner_only",
                        lambda: admin.SetSwapOwnerOnly(pool.addresses, authority, enabled, owner), [pool.address])

    async def _consolidate(self, ctx: WorkerContext) -> None:
        """Consolidate 1-3 pools: paused for it (both flags, as eligibility requires) and unpaused after a hold,
        or, one time in four, as they are (a pool that is not paused is skipped)."""
        pools = ctx.all_pools()
        count = ctx.decisions.integer(1, min(len(pools), 3, c.MAX_POOLS_PER_CONSOLIDATION_BATCH))
        chosen = [pools[i] for i in sorted(self._sample(ctx, len(pools), count))]
        addresses = [p.address for p in chosen]
        wallet = self._admin(ctx, await self._system(ctx))
        pause = ctx.decisions.integer(0, 3) > 0
        if pause:
            ops: list[Op] = [admin.PausePool(p.addresses, wallet.address, c.PauseFlag.ALL) for p in chosen]
            if not (await self._send(ctx, "pause_pool", ops, wallet, addresses)).ok:
                return
        await self._consolidation(ctx, wallet, chosen)
        if pause:
            authority = ctx.admin_wallet.address
            for pool in chosen:
                self._later(ctx, "unpause_pool", partial(admin.UnpausePool, pool.addresses, authority,
                                                         c.PauseFlag.ALL), [pool.address])

    async def _consolidation(self, ctx: WorkerContext, wallet: Wallet, pools: Sequence[PoolHandle]) -> None:
        """A consolidation, predicted with upstream's residue (8.7) and, for a build that fixed it, without."""
        op = admin.ConsolidatePoolFees(ctx.program_id, wallet.address, tuple(p.addresses for p in pools))
        await self._send(ctx, "consolidate_pool_fees", [op], wallet, [p.address for p in pools],
                         finding=CONSOLIDATION_RESIDUE, fixed=[replace(op, residue_len=c.POOL_STATE_LEN)])

    @staticmethod
    def _sample(ctx: WorkerContext, population: int, count: int) -> set[int]:
        chosen: set[int] = set()
        while len(chosen) < count:
            chosen.add(ctx.decisions.integer(0, population - 1))
        return chosen

    async def _system_pause(self, ctx: WorkerContext) -> None:
        """Pause the system, consolidate every pool (all are eligible under a system pause), send every action
        the pause blocks, then unpause after a hold; the unpause starts the treasury's restart penalty."""
        system = await self._system(ctx)
        wallet = self._admin(ctx, system)
        reason = ctx.decisions.integer(0, 255)
        every = [p.address for p in ctx.all_pools()]
        if not (await self._send(ctx, "pause_system", [admin.PauseSystem(ctx.program_id, wallet.address, reason)],
                                 wallet, every)).ok:
            return
        batch = ctx.all_pools()[:c.MAX_POOLS_PER_CONSOLIDATION_BATCH]
        await self._consolidation(ctx, wallet, batch)
        for blocked in BLOCKED_BY_PAUSE:
            await getattr(self, f"_{blocked}")(ctx)
        authority = ctx.admin_wallet.address
        self._later(ctx, "unpause_system", lambda: admin.UnpauseSystem(ctx.program_id, authority), every)

    async def _withdraw(self, ctx: WorkerContext) -> None:
        """A treasury withdrawal to the operator's wallet: 0 (all available), the minimum, one below it, a share
        of what is available or one lamport more than all of it. While the restart penalty or the rolling hour
        blocks withdrawals, one attempt in two is sent as it is (refused), the other moves the chain's clock past
        the block first where it can."""
        account = await ctx.account(ctx.treasury_address)
        if account is None:
            return
        treasury = MainTreasuryState.decode(account.data)
        available = max(0, account.lamports - TREASURY_RENT)
        blocked_until = treasury.last_withdrawal_timestamp + c.TREASURY_WITHDRAWAL_RATE_LIMIT_WINDOW \
            if treasury.treasury_withdrawal_count or treasury.last_withdrawal_timestamp else 0
        chain_now = await ctx.chain_now()
        if blocked_until >= chain_now and ctx.decisions.integer(0, 1):
            await ctx.advance_chain_clock(blocked_until - chain_now + 1)
        how = ctx.decisions.choice(("all", "min", "below_min", "share", "share", "above"))
        amount = {"all": 0, "min": c.MIN_TREASURY_WITHDRAWAL_AMOUNT, "below_min": c.MIN_TREASURY_WITHDRAWAL_AMOUNT - 1,
                  "above": available + 1}.get(how, ctx.decisions.integer(0, available) if available else 1)
        wallet = self._admin(ctx, await self._system(ctx))
        op = admin.WithdrawTreasuryFees(ctx.program_id, wallet.address, amount, ctx.address)
        await self._send(ctx, "withdraw_treasury_fees", [op], wallet, (), amount)

    async def _donate(self, ctx: WorkerContext) -> None:
        """At least the 0.1 SOL minimum (one time in eight one lamport less, refused), a message of any text."""
        below = ctx.decisions.integer(0, 7) == 0
        amount = c.MIN_DONATION_AMOUNT - 1 if below else \
            c.MIN_DONATION_AMOUNT + ctx.decisions.integer(0, DONATION_SPREAD)
        if await ctx.lamports() < amount + c.MIN_DONATION_AMOUNT:  # keep enough for fees: top-ups come later
            return
        message = ctx.decisions.choice(MESSAGES)
        await self._send(ctx, "donate_sol", [admin.DonateSol(ctx.program_id, ctx.address, amount, message)],
                         None, (), amount)

    async def _admin_change(self, ctx: WorkerContext) -> None:
        """Propose a new admin (the other key the operator holds); where the clock moves, 72 hours later the
        admin completes it; elsewhere, after a hold, the admin cancels it (proposing itself)."""
        system = await self._system(ctx)
        if system is None:
            return
        wallet = self._admin(ctx, system)
        successor = self._successor(ctx, system.admin_authority)
        outcome = await self._send(ctx, "process_admin_change",
                                   [admin.ProcessAdminChange(ctx.program_id, wallet.address, successor.address)],
                                   wallet)
        if not outcome.ok:
            return
        if await ctx.advance_chain_clock(c.ADMIN_CHANGE_TIMELOCK):
            await self._send(ctx, "process_admin_change",
                             [admin.ProcessAdminChange(ctx.program_id, wallet.address, successor.address)], wallet)
            return
        current, authority = system.admin_authority, ctx.admin_wallet.address
        self._later(ctx, "process_admin_change",
                    lambda: admin.ProcessAdminChange(ctx.program_id, authority, current), ())

    def _successor(self, ctx: WorkerContext, current: Address) -> Wallet:
        """The key that is not the current admin: the upgrade authority, or a key of the operator's own."""
        authority = ctx.admin_wallet
        self._keys.setdefault(authority.address, authority)
        if current != authority.address:
            return authority
        for address, wallet in self._keys.items():
            if address != authority.address:
                return wallet
        wallet = Wallet.from_seed(ctx.decisions.child("admin").secret_seed())
        self._keys[wallet.address] = wallet
        return wallet
