"""What each kind of worker decides, apart from how it runs (`engine.runner`), as Locust separates a User's
tasks from its runner: the amount of each operation, the peers it shares with, what it shares, and what
`empty` does. A task sees only its `WorkerContext` and returns intents for the session to send.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar

from pytest_fixedratio.engine import economy
from pytest_fixedratio.engine.boundaries import liquidity_boundaries, swap_boundaries, withdraw_boundaries
from pytest_fixedratio.engine.context import Peer, WorkerContext
from pytest_fixedratio.engine.decisions import (
    DEPOSIT_MAX_FRACTION,
    SWAP_MAX_FRACTION,
    WITHDRAW_MAX_FRACTION,
    Drawn,
)
from pytest_fixedratio.engine.model import WorkerKind
from pytest_fixedratio.engine.outcome import Outcome
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag
from pytest_fixedratio.intents.adversary import ADVERSARY_PREFIX, KINDS, VARIANTS, Target
from pytest_fixedratio.intents.creation_variants import POOL_VARIANTS, PoolTarget, signers
from pytest_fixedratio.intents.forged import FORGED, SCENARIOS, Scene
from pytest_fixedratio.intents.malformed import DECODE, MALFORMED, MalformedData
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.intents.pool_ops import Deposit, Swap, Withdraw
from pytest_fixedratio.intents.wallet_ops import CreateAta, CreateMint, SolTransfer, TokenTransfer
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet


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

    def note(self, outcome: Outcome) -> None:
        self.operation_successful = outcome.ok
        self.transaction_signature = outcome.receipt.signature
        self.network_fee_paid += outcome.receipt.fee
        if not outcome.ok:
            self.error_message = outcome.record.error


class Task(ABC):
    """One kind of worker's decisions."""

    kind: ClassVar[WorkerKind]
    max_fraction: ClassVar[Fraction]
    blocking_flags: ClassVar[PoolFlag]
    waits_while_system_paused: ClassVar[bool] = True
    """Wait while the system is paused (2.5): every worker but the operator, which is the one to unpause it."""

    def pause_s(self, ctx: WorkerContext) -> float | None:
        """The pause after an operation, if the kind has its own rhythm (None: the 750-2000 ms of 2.5)."""
        return None

    def funding_mint(self, ctx: WorkerContext) -> Address:
        """The token minted to the worker by its initial amount and refills."""
        return ctx.pool.addresses.mint(ctx.side)

    @abstractmethod
    def mints(self, ctx: WorkerContext) -> list[Address]:
        """Every mint the worker holds an ATA for."""

    def blocked(self, ctx: WorkerContext, flags: PoolFlag) -> bool:
        """A pause that applies to this worker: wait, do not send a transaction that must fail (2.5)."""
        return bool(flags & self.blocking_flags)

    @abstractmethod
    async def operate(self, ctx: WorkerContext) -> bool:
        """One operation and the sharing after it; False when there was nothing to do (a waiting cycle)."""

    @abstractmethod
    async def empty_operation(self, ctx: WorkerContext, report: EmptyReport) -> None:
        """Deposit / withdraw / swap the whole balance."""

    def boundaries(self, ctx: WorkerContext, balance: int) -> dict[str, int]:
        """The boundary amounts (`engine.boundaries`) of the worker's operation when it holds `balance`, from the
        pool state read at the start of the cycle; none unless the kind has some."""
        return {}

    def draw(self, ctx: WorkerContext, balance: int) -> Drawn:
        """The amount of this cycle's operation: uniform up to `max_fraction` of `balance`, or a boundary."""
        return ctx.decisions.draw_amount(balance, self.max_fraction, self.boundaries(ctx, balance))

    @staticmethod
    async def share(ctx: WorkerContext, kind: str, mint: Address, total: int, peers: list[Peer]) -> int:
        """Send `total` of `mint` split equally to `peers` in one transaction; returns what was sent."""
        split = economy.split_equally(total, len(peers))
        if split.sent == 0:
            return 0
        await ctx.ensure_atas([(p.address, mint) for p in peers])
        ops = [TokenTransfer(ctx.ata(mint), p.ata(mint), ctx.address, split.share) for p in peers]
        outcome = await ctx.execute(ctx.intent(kind, ops, amount=split.sent, pool=False,
                                               credits=[(p.worker_id, split.share) for p in peers]))
        return split.sent if outcome.ok else 0


class _LiquidityTask(Task, ABC):
    """Deposit and withdrawal: spend 1 base unit up to 5% of one token (the side's token or its LP), get as many
    of the other, and share them equally with the side's running workers of the opposite kind."""

    blocking_flags = PoolFlag.LIQUIDITY_PAUSED
    share_kind: ClassVar[str]
    peer_kind: ClassVar[WorkerKind]
    nothing_to_empty: ClassVar[str]

    def lp_mint(self, ctx: WorkerContext) -> Address:
        return ctx.pool.addresses.lp_mint(ctx.side)

    def mints(self, ctx: WorkerContext) -> list[Address]:
        return [self.funding_mint(ctx), self.lp_mint(ctx)]

    @abstractmethod
    def spent_mint(self, ctx: WorkerContext) -> Address:
        """What the operation takes from the worker (the other of `mints` is what it gives)."""

    @abstractmethod
    def op(self, ctx: WorkerContext, amount: int) -> Op:
        """The pool operation on `amount`."""

    @abstractmethod
    def note_emptied(self, report: EmptyReport, amount: int) -> None:
        """What `empty` moved, in the report's own terms."""

    async def _send(self, ctx: WorkerContext, amount: int, boundary: str = "") -> Outcome:
        return await ctx.execute(ctx.intent(self.kind.operation, [self.op(ctx, amount)], amount=amount,
                                            boundary=boundary))

    def boundaries(self, ctx: WorkerContext, balance: int) -> dict[str, int]:
        return liquidity_boundaries(balance, self.max_fraction)

    async def operate(self, ctx: WorkerContext) -> bool:
        spent = self.spent_mint(ctx)
        drawn = self.draw(ctx, await ctx.balance(spent))
        amount = drawn.value
        if amount == 0:
            return False
        outcome = await self._send(ctx, amount, drawn.boundary)
        if outcome.ok:
            ctx.stats.counters.tokens_in += amount
            ctx.stats.counters.tokens_out += amount
            if ctx.config.share:
                received = next(m for m in self.mints(ctx) if m != spent)
                await self.share(ctx, self.share_kind, received, amount, ctx.peers(self.peer_kind, ctx.side))
        return True

    async def empty_operation(self, ctx: WorkerContext, report: EmptyReport) -> None:
        amount = await ctx.balance(self.spent_mint(ctx))
        if amount == 0:
            report.error_message = self.nothing_to_empty
            return
        outcome = await self._send(ctx, amount)
        report.note(outcome)
        if outcome.ok:
            self.note_emptied(report, amount)


class DepositTask(_LiquidityTask):
    """Deposits its side's token; shares the LP with the side's running withdrawers."""

    kind = WorkerKind.DEPOSIT
    max_fraction = DEPOSIT_MAX_FRACTION
    share_kind = "share_lp"
    peer_kind = WorkerKind.WITHDRAWAL
    nothing_to_empty = "No tokens available"

    def spent_mint(self, ctx: WorkerContext) -> Address:
        return self.funding_mint(ctx)

    def op(self, ctx: WorkerContext, amount: int) -> Op:
        return Deposit(ctx.pool.addresses, ctx.address, ctx.side, amount)

    def note_emptied(self, report: EmptyReport, amount: int) -> None:
        report.tokens_used = report.lp_tokens_received = amount


class WithdrawalTask(_LiquidityTask):
    """Withdraws with its LP; shares the tokens back with the side's running depositors."""

    kind = WorkerKind.WITHDRAWAL
    max_fraction = WITHDRAW_MAX_FRACTION
    share_kind = "share_tokens"
    peer_kind = WorkerKind.DEPOSIT
    nothing_to_empty = "No LP tokens available"

    def spent_mint(self, ctx: WorkerContext) -> Address:
        return self.lp_mint(ctx)

    def op(self, ctx: WorkerContext, amount: int) -> Op:
        return Withdraw(ctx.pool.addresses, ctx.address, ctx.side, amount)

    def boundaries(self, ctx: WorkerContext, balance: int) -> dict[str, int]:
        return withdraw_boundaries(balance, self.max_fraction, ctx.pool.state.liquidity(ctx.side))

    def note_emptied(self, report: EmptyReport, amount: int) -> None:
        report.lp_tokens_used = report.tokens_withdrawn = amount


class SwapTask(Task):
    """Swaps 1 up to 2% of its input token for the exact output, forwarded to the opposite-direction swapper."""

    kind = WorkerKind.SWAP
    max_fraction = SWAP_MAX_FRACTION
    blocking_flags = PoolFlag.SWAPS_PAUSED

    def mints(self, ctx: WorkerContext) -> list[Address]:
        return [ctx.pool.addresses.token_a_mint, ctx.pool.addresses.token_b_mint]

    def blocked(self, ctx: WorkerContext, flags: PoolFlag) -> bool:
        if PoolFlag.SWAP_FOR_OWNERS_ONLY in flags:
            return ctx.pool.state.owner != ctx.address
        return super().blocked(ctx, flags)

    @staticmethod
    def quote(ctx: WorkerContext, amount_in: int) -> int:
        """The exact output the program computes for `amount_in` (0: dust or not a clean multiple)."""
        r_in, r_out = ctx.pool.ratios(ctx.side)
        try:
            return frt_math.swap_output(amount_in, r_in, r_out, exact=ctx.pool.exact)
        except frt_math.SwapRejected:
            return 0

    @staticmethod
    def usable_amount(ctx: WorkerContext, drawn: int) -> int:
        """The drawn amount, rounded down to what gives a non-zero output (a multiple of the step in exact mode)."""
        r_in, r_out = ctx.pool.ratios(ctx.side)
        amount = drawn - drawn % frt_math.input_step(r_in, r_out, exact=ctx.pool.exact)
        return amount if amount >= frt_math.smallest_input(r_in, r_out, exact=ctx.pool.exact) else 0

    def boundaries(self, ctx: WorkerContext, balance: int) -> dict[str, int]:
        r_in, r_out = ctx.pool.ratios(ctx.side)
        return swap_boundaries(balance, self.max_fraction, r_in, r_out, exact=ctx.pool.exact,
                               output_liquidity=ctx.pool.state.liquidity(ctx.side.other))

    async def _swap(self, ctx: WorkerContext, amount_in: int, boundary: str = "") -> tuple[Outcome, int]:
        expected = self.quote(ctx, amount_in)
        op = Swap(ctx.pool.addresses, ctx.address, ctx.side, amount_in, expected)
        return await ctx.execute(ctx.intent("swap", [op], amount=amount_in, boundary=boundary)), expected

    async def operate(self, ctx: WorkerContext) -> bool:
        """A uniform amount is rounded to a usable one; a boundary amount is sent as drawn (its intent predicts
        the refusal of those the program must refuse)."""
        drawn = self.draw(ctx, await ctx.balance(self.funding_mint(ctx)))
        amount = drawn.value if drawn.boundary else self.usable_amount(ctx, drawn.value)
        if amount == 0:
            return False
        outcome, out = await self._swap(ctx, amount, drawn.boundary)
        if outcome.ok:
            r_in, r_out = ctx.pool.ratios(ctx.side)
            ctx.stats.counters.tokens_in += amount
            ctx.stats.counters.tokens_out += out
            ctx.stats.counters.rounding_loss += amount * r_out % r_in
            opposite = ctx.peers(WorkerKind.SWAP, ctx.side.other)
            if ctx.config.share and opposite:
                await self.share(ctx, "forward_output", ctx.pool.addresses.mint(ctx.side.other), out, opposite)
        return True

    async def empty_operation(self, ctx: WorkerContext, report: EmptyReport) -> None:
        amount = self.usable_amount(ctx, await ctx.balance(self.funding_mint(ctx)))
        if amount == 0:
            report.error_message = "No input tokens available"
            return
        outcome, out = await self._swap(ctx, amount)
        report.note(outcome)
        if outcome.ok:
            report.tokens_swapped_in, report.tokens_swapped_out = amount, out


class AdversaryTask(Task):
    """Each cycle, one adversarial variant drawn by the worker's decisions: a deposit, withdrawal or swap on its
    side that breaks one check (`intents.adversary.VARIANTS`), sent as itself against another worker of the
    pool (whose token accounts it passes as its own, whose operation it sends unsigned); malformed data of any
    FRT variant; or a creation of another pool of its pool's mints that breaks one of InitializePool's checks
    (`intents.creation_variants.POOL_VARIANTS`). Why: the honest workers only send valid operations, so a
    program that skipped a check would pass their campaign; the program must refuse every variant with its
    predicted error, and one it accepts or refuses otherwise is an incident like any wrong prediction. Pool
    pauses do not stop it: the predictions give the pause errors then.

    Where the chain can set accounts (in-process), the draw also takes the forged-state scenarios
    (`intents.forged.SCENARIOS`): its own operation sent once under a forged system state, pool state, token
    account or balance, which no other transaction sees. A chain that cannot (a validator) never draws them,
    for the reason `NEEDS_ACCOUNT_WRITER` gives, which the coverage table shows for their outcomes."""

    kind = WorkerKind.ADVERSARY
    max_fraction = DEPOSIT_MAX_FRACTION
    blocking_flags = PoolFlag(0)
    NAMES: ClassVar[tuple[str, ...]] = (*VARIANTS, *(f"{DECODE}.{name}" for name in MALFORMED), *POOL_VARIANTS)
    """Account breaks of Deposit, Withdraw, Swap and InitializePool, and malformed data of every FRT variant
    (`decode.<name>`)."""
    FORGED_NAMES: ClassVar[tuple[str, ...]] = tuple(f"{FORGED}.{name}" for name in SCENARIOS)
    """Forged-state scenarios (`forged.<kind>.<what>`), drawn with `NAMES` where the chain can set accounts."""
    _WITH_FORGED: ClassVar[tuple[str, ...]] = (*NAMES, *FORGED_NAMES)
    VICTIMS: ClassVar[tuple[WorkerKind, ...]] = (WorkerKind.DEPOSIT, WorkerKind.WITHDRAWAL, WorkerKind.SWAP)

    def __init__(self) -> None:
        self._prepared: set[Address] = set()
        """Accounts this adversary has created or funded for its variants (`_prepare`)."""
        self._wallets: dict[str, Wallet] = {}
        """Keys of its own by role (the pauper, the short creator, the fake LP mint), drawn on first use."""

    def _wallet(self, ctx: WorkerContext, role: str) -> Wallet:
        if role not in self._wallets:
            self._wallets[role] = Wallet.from_seed(ctx.decisions.secret_seed())
        return self._wallets[role]

    async def _prepare(self, ctx: WorkerContext, address: Address, op: Op, cosigners: Sequence[Wallet] = ()) -> bool:
        """Send `op`, which creates or funds `address`, once: before the first variant that needs it. False when
        it failed (an incident says why) and the variant is not sent."""
        if address not in self._prepared:
            outcome = await ctx.execute(ctx.intent("prepare_variant", [op], pool=False, cosigners=cosigners))
            if not outcome.ok:
                return False
            self._prepared.add(address)
        return True

    def mints(self, ctx: WorkerContext) -> list[Address]:
        """Both tokens (swap input and output) and its side's LP (the deposit's LP account, the withdrawal's)."""
        pool = ctx.pool.addresses
        return [pool.token_a_mint, pool.token_b_mint, pool.lp_mint(ctx.side)]

    def names(self, ctx: WorkerContext) -> tuple[str, ...]:
        """What a cycle draws from: `NAMES`, and `FORGED_NAMES` where the chain can set accounts."""
        return self._WITH_FORGED if ctx.can_forge else self.NAMES

    async def operate(self, ctx: WorkerContext) -> bool:
        name = ctx.decisions.choice(self.names(ctx))
        kind, _, variant = name.partition(".")
        if kind == DECODE:
            await ctx.execute(ctx.intent(ADVERSARY_PREFIX + name, [self.malformed(ctx, variant)]))
        elif kind == FORGED:
            await self.forged(ctx, name, variant)
        elif kind == "initialize_pool":
            await self.create_pool(ctx, name)
        else:
            target = await self.target(ctx, kind)
            if variant == "fake_vault":
                ready = await self._prepare(ctx, target.fake_vault, CreateAta(ctx.address, target.pool.pool,
                                                                              target.pool.mint(ctx.side)))
            elif variant == "fake_lp_mint":
                fake = self._wallet(ctx, "fake LP mint")
                ready = await self._prepare(ctx, fake.address, CreateMint(
                    ctx.address, fake.address, ctx.pool.decimals(ctx.side), target.pool.pool), [fake])
            else:
                ready = True
            if ready:
                await ctx.execute(ctx.intent(ADVERSARY_PREFIX + name, [VARIANTS[name](target)],
                                             amount=target.amount, budget_of=kind))
        return True

    @staticmethod
    def malformed(ctx: WorkerContext, variant: str) -> MalformedData:
        """Malformed data of one variant; for Deposit, Withdraw and Swap sent with the accounts of the worker's
        own valid operation, so a decoder that let it through would let the operation run."""
        pool = ctx.pool.addresses
        honest: dict[str, Op] = {"Deposit": Deposit(pool, ctx.address, ctx.side, 1),
                                 "Withdraw": Withdraw(pool, ctx.address, ctx.side, 1),
                                 "Swap": Swap(pool, ctx.address, ctx.side, 1, 1)}
        op = honest.get(variant.partition(".")[0])
        accounts = () if op is None else op.instructions()[0].accounts
        return MalformedData(variant, pool.program_id, MALFORMED[variant](pool.pool), accounts)

    async def forged(self, ctx: WorkerContext, name: str, scenario: str) -> Outcome:
        """One forged-state scenario, built from the target of its kind (a deposit's for a pool creation) and
        the pool's latest known state, sent under its forgery (the adversary's balances and amount may be
        stale by then: the prediction reads the accounts as they are when it is sent)."""
        kind = scenario.partition(".")[0]
        target = await self.target(ctx, kind if kind in KINDS else "deposit")
        forged = SCENARIOS[scenario](Scene(target, ctx.pool.state))
        return ctx.execute_forged(ctx.intent(ADVERSARY_PREFIX + name, [forged.op], amount=target.amount,
                                             budget_of=kind), forged.forgery)

    def _stranger(self, ctx: WorkerContext) -> Address:
        """A running peer on the worker's side (the core wallet when there is none)."""
        peers = [p for k in self.VICTIMS for p in ctx.peers(k, ctx.side)]
        return ctx.decisions.choice(peers).address if peers else ctx.core_address

    async def target(self, ctx: WorkerContext, kind: str) -> Target:
        """The worker as the user, an amount drawn as the honest worker of `kind` would (at least 1; a swap's
        rounded to one with an output where the balance allows), a peer as the stranger, and the other side's
        LP mint as the mint not in the pool's pair."""
        pool = ctx.pool.addresses
        balance = await ctx.balance(pool.lp_mint(ctx.side) if kind == "withdraw" else pool.mint(ctx.side))
        amount = max(1, ctx.decisions.amount(balance, self.max_fraction))
        if kind == "swap":
            amount = SwapTask.usable_amount(ctx, amount) or amount
        return Target(pool, ctx.address, ctx.side, amount, balance, self._stranger(ctx), pool.lp_mint(ctx.side.other),
                      self._wallet(ctx, "fake LP mint").address)

    async def create_pool(self, ctx: WorkerContext, name: str) -> None:
        """One InitializePool variant, by the worker, of its pool's mints. The pauper and the short creator are
        wallets of its own (their keys from its decisions); the short creator and the doomed vault address are
        funded once, on the first variant that needs them."""
        pool = ctx.pool
        pauper, short = self._wallet(ctx, "pauper"), self._wallet(ctx, "short creator")
        target = PoolTarget(ctx.address, pool.addresses, pool.decimals_a, pool.decimals_b, self._stranger(ctx),
                            pauper.address, short.address)
        needs = {"initialize_pool.creator_short_of_rent": (short.address, PoolTarget.short_creator_lamports()),
                 "initialize_pool.vault_address_in_use": (target.in_use_address, frt_math.rent(0))}
        if name in needs:
            address, lamports = needs[name]
            if not await self._prepare(ctx, address, SolTransfer(ctx.address, address, lamports)):
                return
        variant = POOL_VARIANTS[name](target)
        cosigners = [w for w in (pauper, short) if w.address in signers(variant)]
        await ctx.execute(ctx.intent(ADVERSARY_PREFIX + name, [variant], budget_of="initialize_pool",
                                     cosigners=cosigners))

    async def empty_operation(self, ctx: WorkerContext, report: EmptyReport) -> None:
        report.error_message = "An adversary has no operation to empty with"

