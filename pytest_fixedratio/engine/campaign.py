"""A stress campaign on the embedded target: the main job of `frt-stress run` and `make stress`.

It builds everything from one seed (program and authority wallets, core wallet, mints, worker wallets, every
amount and pause), creates the pools, spreads workers over them (per side: depositors and withdrawers; per
pool: one swapper each way), runs them for the configured (virtual or real) duration, stops them gracefully and
summarises. With the virtual clock the run is reproducible operation for operation.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import ClassVar

from pytest_fixedratio.chain.keys import Wallet
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.engine.clock import Clock, RealClock, VirtualClock
from pytest_fixedratio.engine.core_wallet import CoreWallet
from pytest_fixedratio.engine.decisions import Decisions
from pytest_fixedratio.engine.model import WorkerKind
from pytest_fixedratio.engine.operator import OperationLog, Operator
from pytest_fixedratio.engine.pool_book import PoolBook, get_or_create_pool
from pytest_fixedratio.engine.pool_factory import (
    EXTREME_SPECS,
    create_pool,
    ensure_program_initialized,
    random_spec,
    working_amount,
)
from pytest_fixedratio.engine.runtime import StressEngine
from pytest_fixedratio.engine.summary import CampaignSummary, summarize
from pytest_fixedratio.engine.verification import LedgerChecks
from pytest_fixedratio.frt.constants import LAMPORTS_PER_SOL, Side
from pytest_fixedratio.settings import check_campaign_fields

CORE_FUNDING = 100_000 * LAMPORTS_PER_SOL


@dataclass(frozen=True, slots=True)
class CampaignConfig:
    duration_s: float = 3600.0
    virtual_clock: bool = True
    pools: int = 3
    """The first pools are `EXTREME_SPECS` (in order), any further ones random tradable pools."""
    depositors_per_side: int = 2
    withdrawers_per_side: int = 2
    hoarding_withdrawers_per_side: int = 1
    """Withdrawers (of those above) that keep their tokens instead of sharing them back. With every withdrawer
    sharing, tokens only circulate and depositors settle at about half their balance; a leak makes their balance
    run down, so the auto-refill path is exercised (as in the original service, where tokens piled up in
    withdrawal wallets)."""
    swappers: bool = True
    seed: int = 0
    program_path: Path | None = None
    verify_every: int = 1
    """Check the pool invariants after every N-th operation on a pool (1: after each)."""
    data_dir: Path | None = None
    """Where the core wallet (0600) and the saved-pool book live; None keeps nothing. On the in-process chain,
    which is new every run, saved pools are found stale and dropped (backed up under deleted/)."""

    _UNCHECKED: ClassVar[frozenset[str]] = frozenset()
    """Fields `__post_init__` leaves alone: none here, see `for_stepping`."""

    def __post_init__(self) -> None:
        """Every way of making a config (the CLI, pytest options, marker and fixture overrides through
        `dataclasses.replace`, direct calls) ends here, so each value is checked by the settings table once."""
        check_campaign_fields({f.name: getattr(self, f.name) for f in fields(self) if f.name not in self._UNCHECKED})

    @classmethod
    def for_stepping(cls, *, pools: int, seed: int) -> CampaignConfig:
        """A config for a test that calls `Campaign.setup`, `advance` and `finish` itself instead of `run`: it has
        no duration (0), and `pools` may be 0 for a funded chain with the program initialised and nothing else."""
        return _SteppedConfig(duration_s=0.0, pools=pools, seed=seed)


class _SteppedConfig(CampaignConfig):
    """See `CampaignConfig.for_stepping`; a subclass so that `dataclasses.replace` keeps a stepped config stepped."""

    __slots__ = ()
    _UNCHECKED = frozenset({"duration_s", "pools"})


class Campaign:
    """One campaign: `setup` builds the chain, wallets, pools and workers; `run` drives them and summarises."""

    def __init__(self, config: CampaignConfig) -> None:
        self.config = config
        decisions = Decisions(config.seed)
        self.chain = LiteSvmChain(
            config.program_path, program=Wallet.from_seed(decisions.child("program").secret_seed()),
            upgrade_authority=Wallet.from_seed(decisions.child("authority").secret_seed()),
        )
        self.clock: Clock = VirtualClock(on_advance=self.chain.advance_clock) if config.virtual_clock else RealClock()
        operator = Operator(self.chain, self.clock, OperationLog())
        wallet_path = None if config.data_dir is None else config.data_dir / "core_wallet.json"
        core = CoreWallet.open(self.chain, operator, decisions.child("core"), wallet_path)
        self.checks = LedgerChecks(self.chain, verify_every=config.verify_every)
        self.engine = StressEngine(self.chain, self.clock, decisions, self.checks, operator, core, seed=config.seed)

    async def setup(self) -> None:
        config, engine = self.config, self.engine
        await self.chain.airdrop(engine.core.address, CORE_FUNDING)
        await ensure_program_initialized(engine)
        book = None if config.data_dir is None else PoolBook.load(config.data_dir)
        if book is not None:
            await book.validate_all(self.chain)
        spec_decisions = engine.decisions.child("pool-specs")
        for index in range(config.pools):
            spec = EXTREME_SPECS[index] if index < len(EXTREME_SPECS) else random_spec(spec_decisions)
            pool = await (create_pool(engine, spec) if book is None else get_or_create_pool(engine, spec, book))
            await self.checks.track_pool(pool)
            for side in (Side.A, Side.B):
                amount = working_amount(pool, side)
                for _ in range(config.depositors_per_side):
                    engine.create_worker(WorkerKind.DEPOSIT, pool.address, side, initial_amount=amount,
                                         auto_refill=True)
                for number in range(config.withdrawers_per_side):
                    engine.create_worker(WorkerKind.WITHDRAWAL, pool.address, side,
                                         share=number >= config.hoarding_withdrawers_per_side)
                if config.swappers:
                    engine.create_worker(WorkerKind.SWAP, pool.address, side, initial_amount=amount,
                                         auto_refill=True)

    async def advance(self, seconds: float) -> None:
        """Let the workers run for `seconds` more (virtual or real)."""
        if isinstance(self.clock, VirtualClock):
            await self.clock.run_until(self.clock.now() + seconds)
        else:
            await asyncio.sleep(seconds)

    async def finish(self, wall_seconds: float) -> CampaignSummary:
        """Stop the workers gracefully, run the final checks, summarise."""
        await self.engine.stop_all()
        final_findings = await self.checks.final_check(self.engine)
        return summarize(self.engine, self.config.seed, self.clock.now(), wall_seconds, final_findings)

    async def run(self, before_start: Callable[[Campaign], Awaitable[None]] | None = None) -> CampaignSummary:
        """setup, `before_start(self)` (a test's chance to act on the set-up chain), start, run, finish."""
        started = time.perf_counter()
        await self.setup()
        if before_start is not None:
            await before_start(self)
        self.engine.start_all()
        await self.advance(self.config.duration_s)
        return await self.finish(time.perf_counter() - started)


async def run_campaign(config: CampaignConfig) -> CampaignSummary:
    return await Campaign(config).run()
