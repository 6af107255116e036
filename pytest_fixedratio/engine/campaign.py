"""A stress campaign: the main job of `frt-stress run`, `make stress` and the `frt_campaign` fixture, as a thin
use of a `Session`.

It builds everything from one seed (program and authority wallets, core wallet, mints, worker wallets, every
amount and pause), creates the pools, spreads workers over them (per side: depositors and withdrawers; per
pool: one swapper each way), lets them run for the configured (virtual or real) duration, stops them
gracefully and summarises. With the virtual clock the run is reproducible operation for operation.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

from pytest_fixedratio.chain.abilities import Ephemeral, Faucet, Startable, TimeTravel
from pytest_fixedratio.chain.base import Chain, ChainError
from pytest_fixedratio.chain.factory import RpcSettings, make_chain
from pytest_fixedratio.engine.bootstrap import ensure_program_initialized
from pytest_fixedratio.engine.clock import Clock, RealClock, VirtualClock
from pytest_fixedratio.engine.commands import CommandQueue
from pytest_fixedratio.engine.core_wallet import Rents
from pytest_fixedratio.engine.decisions import Decisions
from pytest_fixedratio.engine.findings import Baseline
from pytest_fixedratio.engine.model import WorkerKind
from pytest_fixedratio.engine.operator import OperatorTask
from pytest_fixedratio.engine.oplog import FanOut, OperationSink
from pytest_fixedratio.engine.persistence import StoreRecorder, restore, settle_pending
from pytest_fixedratio.engine.pool_book import PoolBook, get_or_create_pool
from pytest_fixedratio.engine.pool_factory import EXTREME_SPECS, create_pool, random_spec, working_amount
from pytest_fixedratio.engine.pools import PoolHandle
from pytest_fixedratio.engine.probes import run_probes
from pytest_fixedratio.engine.progress import Progress, StopRequest
from pytest_fixedratio.engine.session import Session
from pytest_fixedratio.engine.summary import CampaignSummary, summarize
from pytest_fixedratio.engine.worker_sessions import WorkerSessions
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.settings import check_campaign_fields
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.ids import LAMPORTS_PER_SOL, MINT_LEN, TOKEN_ACCOUNT_LEN
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.store.database import Store
from pytest_fixedratio.store.keyfile import load_wallet, save_wallet

STEP_S = 1.0
"""Seconds of chain time between two looks at a running campaign (its progress, a stop requested)."""
CORE_FUNDING_BASE = 100_000 * LAMPORTS_PER_SOL
CORE_FUNDING_PER_POOL = 10 * LAMPORTS_PER_SOL
"""Registration fee, the rent of the pool's accounts, its mints and its workers' token accounts, with room."""
CORE_FUNDING_PER_WORKER_HOUR = 100 * LAMPORTS_PER_SOL
"""About three times what a depositor pays in fees in an hour of 750-2000 ms cycles."""


def core_funding(pools: int, workers: int, duration_s: float) -> int:
    """What the core wallet is given for a run of this size: it funds every pool and tops up every worker."""
    hours = 1.0 if math.isinf(duration_s) else max(duration_s, 3600.0) / 3600  # a service asks for more: airdrop_sol
    return CORE_FUNDING_BASE + pools * CORE_FUNDING_PER_POOL + int(workers * hours * CORE_FUNDING_PER_WORKER_HOUR)


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
    adversary_rate: float = 0.1
    """The share of the pool operations that are adversarial variants (`engine.tasks.AdversaryTask`); each worker
    sends one per cycle, so it sets how many adversaries join each pool's honest workers."""
    operator_rate: float = 60.0
    """Admin actions per hour of chain time by the one operator (`engine.operator.OperatorTask`); 0: none."""
    security_probes: bool = True
    """Send the security probes (`engine.probes`) once after the pools are made."""
    findings_baseline: Path | None = None
    """The accepted findings (`engine.findings.Baseline`); None: the shipped baseline."""
    seed: int = 0
    program_path: Path | None = None
    verify_every: int = 1
    """Check the pool invariants after every N-th operation on a pool (1: after each)."""
    data_dir: Path | None = None
    """The data directory (its store is passed to `Campaign`): core wallet, pools, workers, the operation log and
    sessions; None keeps nothing. A run on the in-process chain, which is new every run, finds saved pools stale
    and drops them (backed up under deleted/); a service makes them again (`engine.persistence.restore`)."""
    target: str = "litesvm"
    rpc_urls: tuple[str, ...] = ()
    """The rpc target's endpoints."""
    program_id: str = ""
    """The rpc target's deployed FRT program."""
    upgrade_authority: Path | None = None
    """The rpc target's upgrade authority key file (None: the localnet's documented one)."""
    commitment: str = "confirmed"

    @property
    def honest_workers_per_pool(self) -> int:
        return 2 * (self.depositors_per_side + self.withdrawers_per_side + int(self.swappers))

    @property
    def adversaries_per_pool(self) -> int:
        """a / (honest + a) ≈ the rate: a = rate / (1 - rate) × honest, rounded, at least one for a rate above 0."""
        if self.adversary_rate == 0:
            return 0
        return max(1, round(self.adversary_rate / (1 - self.adversary_rate) * self.honest_workers_per_pool))

    @property
    def workers_per_pool(self) -> int:
        return self.honest_workers_per_pool + self.adversaries_per_pool

    _UNCHECKED: ClassVar[frozenset[str]] = frozenset()
    """Fields `__post_init__` leaves alone: none here, see `for_stepping`."""

    def __post_init__(self) -> None:
        """Every way of making a config (the CLI, pytest options, marker and fixture overrides through
        `dataclasses.replace`, direct calls) ends here, so each value is checked by the settings table once."""
        check_campaign_fields({f.name: getattr(self, f.name) for f in fields(self) if f.name not in self._UNCHECKED})

    @classmethod
    def for_service(cls, *, data_dir: Path, **settings: Any) -> CampaignConfig:
        """A config for `frt-stress serve`: it runs until stopped (an infinite duration) and creates no pools of
        its own (they come from its store and its control API)."""
        return _ServiceConfig(duration_s=math.inf, pools=0, data_dir=data_dir, **settings)

    @classmethod
    def for_stepping(cls, *, pools: int, seed: int) -> CampaignConfig:
        """A config for a test that calls `Campaign.setup`, `advance` and `finish` itself instead of `run`: it has
        no duration (0), `pools` may be 0 for a funded chain with the program initialised and nothing else, and
        nothing acts on the pools but their workers (no operator, no probes: a test sets flags itself)."""
        return _SteppedConfig(duration_s=0.0, pools=pools, seed=seed, operator_rate=0.0, security_probes=False)


class _SteppedConfig(CampaignConfig):
    """See `CampaignConfig.for_stepping`; a subclass so that `dataclasses.replace` keeps a stepped config stepped."""

    __slots__ = ()
    _UNCHECKED = frozenset({"duration_s", "pools"})


class _ServiceConfig(_SteppedConfig):
    """See `CampaignConfig.for_service`."""

    __slots__ = ()


class Campaign:
    """One campaign: `setup` builds the session, pools and workers; `run` drives them and summarises."""

    def __init__(self, config: CampaignConfig, *, sink: OperationSink | None = None,
                 chain: Callable[..., Chain] = make_chain, store: Store | None = None, service: bool = False
                 ) -> None:
        """`chain` makes the chain (`make_chain`'s signature); tests pass a target of their own. `store` is the
        open store of `config.data_dir` (which needs one): it keeps the core wallet's key file, the pools, and
        the run as it goes. A `service` (`frt-stress serve`) brings back the stored pools and workers at set-up
        and makes worker keys at random; a run derives them from the seed (a reproducible in-process run) and
        reuses stored pools only where its specs ask for them."""
        if (config.data_dir is None) != (store is None):
            raise InvalidArgument("a data directory comes with its open store: pass store=Store.open(data_dir) "
                                  "with config.data_dir, or neither")
        self.config = config
        self.baseline = Baseline.load(config.findings_baseline)
        """Read before anything runs: a missing or broken baseline file is a clear error at once."""
        self.decisions = Decisions(config.seed)
        self.chain: Chain = chain(
            config.target, program_path=config.program_path,
            program=Wallet.from_seed(self.decisions.child("program").secret_seed()),
            upgrade_authority=Wallet.from_seed(self.decisions.child("authority").secret_seed()),
            rpc=RpcSettings(config.rpc_urls, config.program_id, config.upgrade_authority, config.commitment))
        self.clock: Clock = self._clock()
        self.store = store
        self.recorder: StoreRecorder | None = None
        """Keeps the run in the store once set up."""
        self.sink = sink
        self.service = service
        self.restored: list[str] = []
        """What set-up found in the store and did about it (sessions left open, pools and workers brought back),
        as lines for the user."""
        self._session: Session | None = None
        self.book: PoolBook | None = None
        """The data directory's saved pools, once set up (None without a data directory)."""
        self.worker_sessions = WorkerSessions()

    def _clock(self) -> Clock:
        if not self.config.virtual_clock:
            return RealClock()
        if not isinstance(self.chain, TimeTravel):
            raise InvalidArgument(f"the virtual clock needs a chain that can move its clock; target "
                                  f"{self.config.target!r} cannot: use the real clock")
        return VirtualClock(on_advance=self.chain.advance_clock)

    @property
    def session(self) -> Session:
        if self._session is None:
            raise InvalidArgument("the campaign is not set up yet: await campaign.setup() first")
        return self._session

    def _core_wallet(self) -> Wallet:
        """From the seed without a store; with one, its key file data_dir/core_wallet.json (0600), made at
        random the first time (a seed is no secret). The wallet and the mints draw from separate streams, so a
        stored wallet does not shift the mint keys."""
        if self.store is None:
            return Wallet.from_seed(self.decisions.child("core").child("wallet").secret_seed())
        path = self.store.data_dir / "core_wallet.json"
        if path.exists():
            return load_wallet(path)
        wallet = Wallet.generate()
        save_wallet(wallet, path)
        return wallet

    async def setup(self) -> None:
        config, chain = self.config, self.chain
        if isinstance(chain, Startable):
            await chain.start()
        if self.store is None and not isinstance(chain, Ephemeral):
            raise InvalidArgument(f"the {config.target} target takes keys from files, never from the seed: pass "
                                  "--data-dir (its core_wallet.json holds the core wallet)")
        rents = Rents(await chain.rent_exempt_minimum(TOKEN_ACCOUNT_LEN), await chain.rent_exempt_minimum(MINT_LEN))
        sinks = [s for s in (self.sink,) if s is not None]
        if self.store is not None:
            self.restored.extend(await settle_pending(self.store, chain))
            self.recorder = StoreRecorder(self.store, self.provenance())
            sinks.append(self.recorder)
            self.restored.extend(self.recorder.notices)
        session = self._session = Session(chain, self.clock, self.decisions,
                                          seed=config.seed if isinstance(chain, Ephemeral) and not self.service
                                          else None,
                                          core_wallet=self._core_wallet(),
                                          core_decisions=self.decisions.child("core").child("mints"), rents=rents,
                                          verify_every=config.verify_every,
                                          sink=sinks[0] if len(sinks) == 1 else FanOut(sinks) if sinks else None,
                                          journal=None if isinstance(chain, Ephemeral) else self.recorder)
        await _fund_core(chain, session.core.address, core_funding(config.pools, config.pools * config.workers_per_pool,
                                                                   config.duration_s))
        await ensure_program_initialized(session, adversarial=config.adversary_rate > 0)
        book = self.book = None if self.store is None else PoolBook.open(self.store)
        if book is not None and self.store is not None and self.service:
            self.restored.extend(await restore(session, self.store, book))
        elif book is not None:
            await book.validate_all(chain)
        spec_decisions = self.decisions.child("pool-specs")
        for index in range(config.pools):
            spec = EXTREME_SPECS[index] if index < len(EXTREME_SPECS) else random_spec(spec_decisions)
            pool = await (create_pool(session, spec) if book is None else get_or_create_pool(session, spec, book))
            self._add_workers(pool)
            if index == 0 and config.operator_rate > 0:
                session.add_worker(WorkerKind.OPERATOR, pool.address, Side.A, task=OperatorTask(config.operator_rate))
        if config.security_probes and config.pools > 0:
            await run_probes(session)

    def _add_workers(self, pool: PoolHandle) -> None:
        config, session = self.config, self.session
        for side in (Side.A, Side.B):
            amount = working_amount(pool, side)
            for _ in range(config.depositors_per_side):
                session.add_worker(WorkerKind.DEPOSIT, pool.address, side, initial_amount=amount, auto_refill=True)
            for number in range(config.withdrawers_per_side):
                session.add_worker(WorkerKind.WITHDRAWAL, pool.address, side,
                                   share=number >= config.hoarding_withdrawers_per_side)
            if config.swappers:
                session.add_worker(WorkerKind.SWAP, pool.address, side, initial_amount=amount, auto_refill=True)
        for number in range(config.adversaries_per_pool):  # alternating sides, A first
            side = (Side.A, Side.B)[number % 2]
            session.add_worker(WorkerKind.ADVERSARY, pool.address, side, initial_amount=working_amount(pool, side),
                               auto_refill=True)

    async def advance(self, seconds: float, *, stop: StopRequest | None = None,
                      progress: Callable[[Progress], None] | None = None, commands: CommandQueue | None = None
                      ) -> None:
        """Let the workers run for `seconds` more (virtual or real), in steps of `STEP_S`: after each, the
        `commands` that came meanwhile are applied, `progress` hears how far the run has come, and a `stop`
        requested ends the run there. The steps fall at the same chain times in every run of a seed, so a seeded
        run still replays operation for operation."""
        session, clock = self.session, self.clock
        start, end, wall = clock.now(), clock.now() + seconds, time.perf_counter()
        while clock.now() < end and not (stop is not None and stop.requested):
            await session.run_until(min(end, clock.now() + STEP_S))
            await asyncio.sleep(0)  # the event loop's turn (a control port, a signal), even with no worker running
            if commands is not None:
                await commands.apply(session)
            await self._observe()
            if progress is not None:
                progress(Progress(clock.now() - start, seconds, time.perf_counter() - wall, session.tally.total,
                                  len(session.incidents)))

    async def finish(self, wall_seconds: float, *, interrupted: str | None = None) -> CampaignSummary:
        """Stop the workers gracefully, run the final checks, summarise (`interrupted`: why the run ended early)."""
        session = self.session
        running = [w.worker_id for w in session.workers.values() if w.running]
        await session.stop()
        await self._observe(stop_reason=f"run ended ({interrupted})" if interrupted else "run ended")
        final_findings = await session.final_check()
        session.sink.close()
        summary = summarize(session, self.config.seed, self.clock.now(), wall_seconds, final_findings,
                            provenance=self.provenance(), interrupted=interrupted, baseline=self.baseline)
        if self.recorder is not None:  # the last step was stored by `_observe` (the final check sends nothing)
            if self.service:
                self.recorder.resume_later(running)
            self.recorder.finished(summary)
        return summary

    async def _observe(self, *, stop_reason: str | None = None) -> None:
        """A step boundary: worker sessions opened and closed, and the recorder told."""
        finished = await self.worker_sessions.observe(self.session, stop_reason=stop_reason)
        if self.recorder is not None:
            self.recorder.step(self.session, finished)

    def provenance(self) -> dict[str, Any]:
        """What produced the run: the tool's version, the program (its source and sha256), target, seed and every
        setting, so a summary read later says what it measured."""
        build = self.chain.program_build
        settings = {f.name: str(v) if isinstance(v := getattr(self.config, f.name), Path) else v
                    for f in fields(self.config)}
        return {"tool": f"pytest-fixedratio {tool_version()}", "program": build.source,
                "program_sha256": build.sha256, "target": self.config.target, "seed": self.config.seed,
                "settings": settings}

    async def run(self, before_start: Callable[[Campaign], Awaitable[None]] | None = None, *,
                  stop: StopRequest | None = None, progress: Callable[[Progress], None] | None = None,
                  commands: CommandQueue | None = None) -> CampaignSummary:
        """setup, `before_start(self)` (a test's chance to act on the set-up chain; a control port's to start
        serving), start, run, finish, and close the chain's connections. A `stop` requested (a signal) ends the
        run at the next step with the summary of what ran; `commands` (from a control port) are applied between
        steps until then."""
        started = time.perf_counter()
        try:
            await self.setup()
            if before_start is not None:
                await before_start(self)
            if not self.service:  # a service's workers run as they did before its restart
                self.session.start()
            await self._observe()
            try:
                await self.advance(self.config.duration_s, stop=stop, progress=progress, commands=commands)
            finally:
                if commands is not None:
                    commands.close("the run has ended: it takes no more commands")
            interrupted = None if stop is None else stop.reason
            return await self.finish(time.perf_counter() - started, interrupted=interrupted)
        finally:
            await self.chain.aclose()  # the campaign made its chain: its connections end with the run


async def _fund_core(chain: Chain, core: Address, needed: int) -> None:
    """The core wallet holds `needed` lamports: what it lacks comes from the chain's faucet. A faucet that
    refuses (devnet gives a few SOL a day) or none at all is an error that says how much to send where."""
    shortfall = needed - await chain.get_balance(core)
    if shortfall <= 0:
        return
    advice = (f"the core wallet {core} needs {shortfall / LAMPORTS_PER_SOL:,.2f} SOL more for a run of this size: "
              f"send it (solana transfer {core} {math.ceil(shortfall / LAMPORTS_PER_SOL)} --allow-unfunded-recipient"
              f") or make the run smaller, then start again")
    if not isinstance(chain, Faucet):
        raise ChainError(advice)
    try:
        await chain.airdrop(core, shortfall)
    except ChainError as exc:
        raise ChainError(f"{advice} ({exc})") from None


def tool_version() -> str:
    try:
        return version("pytest-fixedratio")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


async def run_campaign(config: CampaignConfig, *, sink: OperationSink | None = None, stop: StopRequest | None = None,
                       progress: Callable[[Progress], None] | None = None) -> CampaignSummary:
    return await Campaign(config, sink=sink).run(stop=stop, progress=progress)
