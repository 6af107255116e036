"""What a worker may read and do: its own identity, wallet, pool and statistics, reads of the accounts it
cares about, its peers' addresses, and one way to act (`execute` an intent, which the session sends and
verifies). A worker never sees the session, the verifier or another worker's statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from pytest_fixedratio.chain.abilities import AccountWriter, TimeTravel
from pytest_fixedratio.engine.decisions import DecisionSource
from pytest_fixedratio.engine.model import WorkerConfig, WorkerKind
from pytest_fixedratio.engine.pools import PoolHandle
from pytest_fixedratio.engine.stats import WorkerStats
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.state import SystemState, TokenAccount
from pytest_fixedratio.intents.forged import Forgery
from pytest_fixedratio.intents.intent import Intent
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.sol.pda import associated_token_address

if TYPE_CHECKING:
    from pytest_fixedratio.chain.base import AccountState, Chain
    from pytest_fixedratio.engine.clock import Clock
    from pytest_fixedratio.engine.core_wallet import CoreWallet
    from pytest_fixedratio.engine.outcome import Outcome
    from pytest_fixedratio.engine.view import AccountView

COMPUTE_UNITS = {"deposit": 310_000, "withdraw": 290_000, "swap": 250_000, "initialize_pool": 195_000,
                 "initialize_program": 200_000,
                 **dict.fromkeys(("pause_system", "unpause_system", "pause_pool", "unpause_pool", "update_pool_fees",
                                  "set_swap_owner_only", "donate_sol", "withdraw_treasury_fees",
                                  "consolidate_pool_fees", "process_admin_change"), 150_000)}
"""The compute unit limit of each FRT instruction the harness sends (measured, with room; the phase-2 ones at
frt-contract.md section 7's cap)."""


@dataclass(frozen=True, slots=True)
class Peer:
    """Another running worker, as a sharer sees it: who it is and where its tokens go."""

    worker_id: str
    address: Address

    def ata(self, mint: Address) -> Address:
        return associated_token_address(self.address, mint)


class WorkerHost(Protocol):
    """What a worker's context reaches in the session that hosts it (the session is one; a test may host a
    worker in something else)."""

    chain: Chain
    clock: Clock
    view: AccountView
    core: CoreWallet
    pools: dict[Address, PoolHandle]
    paused: bool

    async def execute(self, intent: Intent) -> Outcome: ...

    def execute_forged(self, intent: Intent, forgery: Forgery) -> Outcome: ...

    async def refresh_pool(self, pool: Address) -> PoolHandle: ...

    def running_peers(self, worker_id: str, pool: Address, kind: WorkerKind, side: Side) -> list[Peer]: ...

    async def top_up(self, address: Address) -> int: ...


class WorkerContext:
    def __init__(self, session: WorkerHost, config: WorkerConfig, wallet: Wallet, decisions: DecisionSource,
                 stats: WorkerStats) -> None:
        self._session = session
        self.config = config
        self.wallet = wallet
        self.decisions = decisions
        self.stats = stats
        self._can_forge = isinstance(session.chain, AccountWriter)  # asked once: a protocol check costs ~30 us

    # ------------------------------------------------------------------ identity
    @property
    def worker_id(self) -> str:
        return self.config.worker_id

    @property
    def address(self) -> Address:
        return self.wallet.address

    @property
    def side(self) -> Side:
        return self.config.side

    @property
    def pool(self) -> PoolHandle:
        return self._session.pools[self.config.pool]

    def ata(self, mint: Address) -> Address:
        return associated_token_address(self.address, mint)

    def now(self) -> float:
        return self._session.clock.now()

    # ------------------------------------------------------------------ reads
    async def balances(self, mints: Sequence[Address]) -> dict[Address, int]:
        accounts = await self._session.view.get([self.ata(m) for m in mints])
        return {m: 0 if a is None else TokenAccount.decode(a.data).amount
                for m, a in zip(mints, accounts.values(), strict=True)}

    async def balance(self, mint: Address) -> int:
        return (await self.balances([mint]))[mint]

    async def lamports(self) -> int:
        account = await self._session.view.one(self.address)
        return 0 if account is None else account.lamports

    async def exists(self, address: Address) -> bool:
        return await self._session.view.one(address) is not None

    async def refresh_pool(self) -> PoolHandle:
        """The pool with its latest known state."""
        return await self._session.refresh_pool(self.config.pool)

    async def system_paused(self) -> bool:
        account = await self._session.view.one(pdas.system_state(self._session.chain.program_id)[0])
        return account is not None and SystemState.decode(account.data).is_paused

    def peers(self, kind: WorkerKind, side: Side) -> list[Peer]:
        """Running workers of `kind` on this worker's pool and `side`, in creation order."""
        return self._session.running_peers(self.worker_id, self.config.pool, kind, side)

    @property
    def run_paused(self) -> bool:
        return self._session.paused

    # ------------------------------------------------------------------ actions
    def intent(self, kind: str, ops: Sequence[Op], *, amount: int = 0, pool: bool = True,
               credits: Sequence[tuple[str, int]] = (), budget_of: str | None = None,
               cosigners: Sequence[Wallet] = (), boundary: str = "", audit: tuple[Address, ...] | None = None
               ) -> Intent:
        """An intent paid by this worker and signed by it and `cosigners`, with the compute budget of its kind
        (or of `budget_of`: an adversarial variant gets its honest operation's); `boundary` names a boundary
        amount; `audit` (an admin action) the pools to check after it, with the program-wide invariants."""
        return Intent(kind, self.worker_id, tuple(ops), (self.wallet, *cosigners), self.config.pool if pool else None,
                      amount, COMPUTE_UNITS.get(kind if budget_of is None else budget_of), tuple(credits), boundary,
                      audit)

    async def execute(self, intent: Intent) -> Outcome:
        return await self._session.execute(intent)

    @property
    def can_forge(self) -> bool:
        """Whether the chain can set accounts, which forged-state scenarios need (the in-process target)."""
        return self._can_forge

    def execute_forged(self, intent: Intent, forgery: Forgery) -> Outcome:
        """`execute` with `forgery` applied for this one transaction (`Session.execute_forged`); only where
        `can_forge`. Not a coroutine: no other worker runs while the forged state is on the chain."""
        return self._session.execute_forged(intent, forgery)

    async def ensure_atas(self, pairs: Sequence[tuple[Address, Address]]) -> None:
        await self._session.core.ensure_atas(pairs)

    async def mint_to_self(self, mint: Address, amount: int, kind: str) -> None:
        await self._session.core.mint_to(mint, self.address, amount, kind=kind, pool=self.config.pool)

    async def request_sol(self) -> int:
        """A SOL top-up from the core wallet (its fair share of the core's spare SOL); returns what came."""
        return await self._session.top_up(self.address)

    def forget_atas(self, atas: Sequence[Address]) -> None:
        self._session.core.forget_atas(atas)

    @property
    def core_address(self) -> Address:
        return self._session.core.address

    # ------------------------------------------------------------------ the operator's (the admin of the program)
    def all_pools(self) -> list[PoolHandle]:
        """Every pool of the session, in the order they were added."""
        return list(self._session.pools.values())

    async def refresh(self, pool: Address) -> PoolHandle:
        return await self._session.refresh_pool(pool)

    @property
    def program_id(self) -> Address:
        return self._session.chain.program_id

    @property
    def admin_wallet(self) -> Wallet:
        """The program's upgrade authority: admin* whatever the SystemState names (the ProgramData fallback)."""
        return self._session.chain.upgrade_authority

    @property
    def system_state_address(self) -> Address:
        return pdas.system_state(self.program_id)[0]

    @property
    def treasury_address(self) -> Address:
        return pdas.main_treasury(self.program_id)[0]

    async def account(self, address: Address) -> AccountState | None:
        return await self._session.view.one(address)

    async def chain_now(self) -> int:
        """The chain's unix time (the Clock sysvar), which the treasury and the admin timelock read."""
        return await self._session.chain.now()

    async def advance_chain_clock(self, seconds: int) -> bool:
        """Let `seconds` of chain time pass at once, where the target can (in-process); False elsewhere. The
        workers' own time (the session's clock) does not move."""
        chain = self._session.chain
        if not isinstance(chain, TimeTravel):
            return False
        await chain.advance_clock(seconds)
        return True
