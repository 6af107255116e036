"""Security probes: transactions that show whether the program under test has a known finding.

Why: a finding is a behaviour the contract reproduces on purpose (frt-contract.md section 8), so no verifier check
fails on it, and a fixed build must not fail the run either. A probe is an intent with two predictions: its own,
the upstream behaviour (the finding present), and an alternative, what a build with the finding fixed must do. The
verifier accepts either (`Verifier.verify`); which one the chain matched is the observation (`engine.findings`).
Anything else is an incident as for every transaction.

The probes, sent once at the start of a campaign from a wallet of their own (funded by the core wallet):
- lp-decimals-as-passed (8.2): a pool created with its two mints (6 and 9 decimals) passed in reverse order; its
  LP mints' decimals say which order the program used. The pool is not traded and not watched (its LP decimals
  would break I6 by design of the finding).
- consolidation-residue (8.7): a second pool of the same mints, created normally and watched like the others,
  one deposit for its fee, paused and consolidated; the lamports left pending say whether 13,920 stay behind.
- admin-check-bypass (8.3): a stranger, no admin, sends PausePool with no flags (a no-op that changes nothing)
  on that pool, passing the System Program as "program data": success means any signer is admin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from pytest_fixedratio.engine.context import COMPUTE_UNITS
from pytest_fixedratio.engine.findings import ADMIN_CHECK_BYPASS, CONSOLIDATION_RESIDUE, LP_DECIMALS_AS_PASSED
from pytest_fixedratio.engine.session import Session
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.intents import admin_ops as admin
from pytest_fixedratio.intents.intent import Intent
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.intents.pool_ops import Deposit, InitializePool
from pytest_fixedratio.intents.wallet_ops import CreateAta, CreateMint, MintTo
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.ids import LAMPORTS_PER_SOL
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.sol.pda import associated_token_address

PROBE: Final = "probe"
"""The actor name of every probe transaction."""
DECIMALS: Final = (6, 9)
PASSED_RATIO: Final = (10**9, 10**9)
"""The 8.2 pool's ratio: one whole token of the 9-decimal side per 10^9 units of the other, a SimpleRatio
whichever order the decimals are read in."""
FUNDING: Final = 3 * c.REGISTRATION_FEE
STRANGER_FUNDING: Final = LAMPORTS_PER_SOL // 100
DEPOSIT: Final = 10**6


class _Prober:
    def __init__(self, session: Session) -> None:
        self.session = session
        decisions = session.decisions.child("probes")

        def wallet(label: str) -> Wallet:
            return Wallet.from_seed(decisions.child(label).secret_seed()) if session.seed is not None \
                else Wallet.generate()

        self.wallet, self.stranger = wallet("wallet"), wallet("stranger")
        self.mints = (wallet("mint-6"), wallet("mint-9"))

    async def send(self, kind: str, ops: Sequence[Op], *, cosigners: Sequence[Wallet] = (), pool: PoolAddresses
                   | None = None, finding: str = "", alternatives: Sequence[Op] = (),
                   payer: Wallet | None = None, budget: str | None = None) -> bool:
        signers = (payer or self.wallet, *cosigners)
        units = COMPUTE_UNITS.get(budget or kind)

        def intent(ops: Sequence[Op], alternatives: tuple[Intent, ...] = ()) -> Intent:
            return Intent(kind, PROBE, tuple(ops), signers, None if pool is None else pool.pool,
                          compute_units=units, audit=None if pool is None else (pool.pool,), finding=finding,
                          alternatives=alternatives)

        main = intent(ops, (intent(alternatives),) if alternatives else ())
        return (await self.session.execute(main)).ok

    async def run(self) -> None:
        session, program_id = self.session, self.session.chain.program_id
        await session.core.send_sol(self.wallet.address, FUNDING, kind="fund_probe")
        await session.core.send_sol(self.stranger.address, STRANGER_FUNDING, kind="fund_probe")
        me = self.wallet.address
        decimals = {mint.address: places for mint, places in zip(self.mints, DECIMALS, strict=True)}
        for mint in self.mints:
            if not await self.send("create_mint", [CreateMint(me, mint.address, decimals[mint.address], me)],
                                   cosigners=[mint]):
                return
        passed = PoolAddresses.derive(program_id, self.mints[0].address, self.mints[1].address, *PASSED_RATIO)
        await self.send("initialize_pool", [InitializePool(me, passed, mints_swapped=True)],
                        finding=LP_DECIMALS_AS_PASSED,
                        alternatives=[InitializePool(me, passed, mints_swapped=True, lp_decimals_sorted=True)])
        # one whole token A for two of B: a SimpleRatio, and another pool than the 8.2 one
        ratio = (10 ** decimals[passed.token_a_mint], 2 * 10 ** decimals[passed.token_b_mint])
        pool = PoolAddresses.derive(program_id, self.mints[0].address, self.mints[1].address, *ratio)
        if not await self.send("initialize_pool", [InitializePool(me, pool)]):
            return
        await session.watch_pool(pool)
        token = pool.mint(Side.A)
        ops: list[Op] = [CreateAta(me, me, token), CreateAta(me, me, pool.lp_mint(Side.A)),
                         MintTo(token, associated_token_address(me, token), me, DEPOSIT)]
        if not (await self.send("create_atas", ops) and await self.send(
                "deposit", [Deposit(pool, me, side=Side.A, amount=DEPOSIT)], pool=pool)):
            return
        authority = session.chain.upgrade_authority
        if not await self.send("pause_pool", [admin.PausePool(pool, authority.address, c.PauseFlag.ALL)],
                               cosigners=[authority], pool=pool):
            return
        await self.send("consolidate_pool_fees", [admin.ConsolidatePoolFees(program_id, authority.address, (pool,))],
                        cosigners=[authority], pool=pool, finding=CONSOLIDATION_RESIDUE,
                        alternatives=[admin.ConsolidatePoolFees(program_id, authority.address, (pool,),
                                                                residue_len=c.POOL_STATE_LEN)])
        stranger = self.stranger.address
        await self.send("pause_pool", [admin.PausePool(pool, stranger, 0, program_data=ids.SYSTEM_PROGRAM_ID)],
                        payer=self.stranger, pool=pool, finding=ADMIN_CHECK_BYPASS,
                        alternatives=[admin.PausePool(pool, stranger, 0, program_data=ids.SYSTEM_PROGRAM_ID,
                                                      bypass=False)])


async def run_probes(session: Session) -> None:
    """Send every probe once (see the module's docstring); what they show goes to `session.findings`."""
    await _Prober(session).run()
