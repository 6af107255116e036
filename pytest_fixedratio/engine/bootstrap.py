"""Initialising the program, with the adversarial variants that only this moment can send.

Why: a fresh program answers questions a running one never will again. Before InitializeProgram every
instruction that loads the SystemState must fail with UninitializedAccount, the MainTreasury key is checked
only while no SystemState exists, and an authority that cannot pay both accounts' rent fails between the two
creations. After it, InitializeProgram must refuse every other caller and every broken account list. A build
that skipped one of these checks would otherwise pass every run, since the harness initialises the program
once, correctly. Each variant is sent once, predicted by its intent and verified like any transaction, so an
unexpected answer is an incident naming the variant (`intents.creation_variants`).

On a target whose program is already initialised (a validator) only the variants for an initialised program
are sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from pytest_fixedratio.engine.context import COMPUTE_UNITS
from pytest_fixedratio.engine.core_wallet import CORE
from pytest_fixedratio.engine.findings import ADMIN_CHECK_BYPASS
from pytest_fixedratio.engine.session import Session
from pytest_fixedratio.errors import FixedRatioError
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.intents.adversary import ADVERSARY_PREFIX
from pytest_fixedratio.intents.creation_variants import (
    INITIALIZED,
    UNINITIALIZED,
    ProgramBuild,
    ProgramTarget,
    signers,
)
from pytest_fixedratio.intents.intent import Intent
from pytest_fixedratio.intents.pool_ops import InitializeProgram
from pytest_fixedratio.sol.keys import Wallet


class ProgramInitializationFailed(FixedRatioError):
    """InitializeProgram did not initialise the program."""


async def ensure_program_initialized(session: Session, *, adversarial: bool = True) -> None:
    """Send InitializeProgram (admin = the upgrade authority) if the SystemState PDA does not exist yet; with
    `adversarial`, surround it with the variants of the module docstring."""
    chain = session.chain
    state = pdas.system_state(chain.program_id)[0]
    probe = _Probe(session) if adversarial else None
    if await chain.get_account(state) is None:
        if probe is not None:
            await probe.send(UNINITIALIZED, fund_pauper=True)
        if await chain.get_account(state) is None:  # else a variant initialised it: an incident already says so
            await _initialize(session)
    if probe is not None:
        await probe.send(INITIALIZED)


async def _initialize(session: Session) -> None:
    chain = session.chain
    authority = chain.upgrade_authority
    op = InitializeProgram(chain.program_id, authority.address, authority.address,
                           await chain.rent_exempt_minimum(c.SYSTEM_STATE_LEN),
                           await chain.rent_exempt_minimum(c.MAIN_TREASURY_LEN))
    outcome = await session.execute(Intent("initialize_program", CORE, (op,), (authority,),
                                           compute_units=COMPUTE_UNITS["initialize_program"]))
    if not outcome.ok:
        raise ProgramInitializationFailed(f"InitializeProgram failed: {outcome.receipt.failure}")


class _Probe:
    """The core wallet sends and pays every variant; the upgrade authority and a pauper (its keys drawn from the
    session's decisions) sign where a variant names them as signers."""

    def __init__(self, session: Session) -> None:
        self.session = session
        decisions = session.decisions.child("bootstrap")
        self.pauper = Wallet.from_seed(decisions.child("pauper").secret_seed())
        stranger = Wallet.from_seed(decisions.child("stranger").secret_seed()).address
        chain, core = session.chain, session.core
        self.target = ProgramTarget(chain.program_id, core.address, chain.upgrade_authority.address,
                                    self.pauper.address, stranger)
        self.wallets = {w.address: w for w in (core.wallet, chain.upgrade_authority, self.pauper)}

    async def send(self, variants: Mapping[str, ProgramBuild], *, fund_pauper: bool = False) -> None:
        if fund_pauper:
            await self.session.core.send_sol(self.pauper.address, ProgramTarget.pauper_lamports(),
                                             kind="fund_pauper")
        core = self.session.core.wallet
        for name, build in variants.items():
            variant = build(self.target)
            others = tuple(self.wallets[a] for a in sorted(signers(variant), key=bytes) if a != core.address)
            intent = Intent(ADVERSARY_PREFIX + name, CORE, (variant,), (core, *others),
                            compute_units=COMPUTE_UNITS["initialize_program"])
            # a build that fixed the admin-check bypass (8.3) answers the variants that pass another "program
            # data" otherwise: either answer passes, and says whether the build has the finding
            fixed = replace(intent, ops=(replace(variant, bypass=False),))
            await self.session.execute(replace(intent, finding=ADMIN_CHECK_BYPASS, alternatives=(fixed,)))
