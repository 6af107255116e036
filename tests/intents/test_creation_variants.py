"""InitializeProgram and InitializePool variants, and the trading instructions before the program exists: each
predicts the exact error of the check it breaks, and the bundled program agrees on a real LiteSVM chain.

The chain starts with the program deployed and not initialised: the `UNINITIALIZED` variants go first, then the
real InitializeProgram, the `INITIALIZED` variants, a pool, and every `POOL_VARIANTS` entry. The verifier must
find nothing: the predicted error at the right instruction, and nothing changed but the network fee.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest
import pytest_asyncio

from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.errors import FrtErrorCode, SystemProgramError
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.intents.adversary import Adversarial
from pytest_fixedratio.intents.creation_variants import (
    INITIALIZED,
    POOL_VARIANTS,
    UNINITIALIZED,
    PoolTarget,
    ProgramTarget,
    signers,
)
from pytest_fixedratio.intents.expected import ExpectedError
from pytest_fixedratio.intents.intent import Intent
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.intents.pool_ops import InitializePool, InitializeProgram
from pytest_fixedratio.intents.wallet_ops import CreateAta, CreateMint, SolTransfer
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.verify.verifier import Verifier

E = ExpectedError
IAD = E.frt_builtin("InvalidAccountData")
SIGNER = E.frt_builtin("MissingRequiredSignature")
ALREADY = E.frt_builtin("AccountAlreadyInitialized")
ARGUMENT = E.frt_builtin("InvalidArgument")
CU = 400_000
DECIMALS = (6, 9)

EXPECTED_PROGRAM: dict[str, ExpectedError] = {
    **{f"{kind}.program_uninitialized": E.frt_builtin("UninitializedAccount")
       for kind in ("deposit", "withdraw", "swap", "initialize_pool")},
    "initialize_program.treasury_wrong": IAD,
    "initialize_program.authority_short_of_rent": E.system(SystemProgramError.ResultWithNegativeLamports),
    "initialize_program.already_initialized": ALREADY,
    "initialize_program.already_initialized_bypass": ALREADY,
    "initialize_program.missing_signer": SIGNER,
    "initialize_program.not_upgrade_authority": IAD,
    "initialize_program.program_data_wrong": IAD,
    "initialize_program.bypass_missing_signer": SIGNER,
    "initialize_program.rent_sysvar_wrong": ARGUMENT,
    "initialize_program.system_state_wrong": IAD,
    "initialize_program.too_few_accounts": IAD,
}
EXPECTED_POOL: dict[str, ExpectedError] = {
    "initialize_pool.missing_signer": SIGNER,
    "initialize_pool.system_state_wrong": IAD,
    "initialize_pool.rent_sysvar_wrong": ARGUMENT,
    "initialize_pool.mint_is_system_account": E.frt_builtin("ProgramFailedToComplete"),
    "initialize_pool.zero_ratio_a": ARGUMENT,
    "initialize_pool.zero_ratio_b": ARGUMENT,
    "initialize_pool.same_mint": ARGUMENT,
    "initialize_pool.token_program_wrong": E.frt_builtin("IncorrectProgramId"),
    "initialize_pool.creator_without_fee": E.frt(FrtErrorCode.InsufficientFeeBalance),
    "initialize_pool.treasury_wrong": E.frt(FrtErrorCode.TreasuryValidationFailed),
    "initialize_pool.treasury_read_only": E.frt(FrtErrorCode.FeeValidationFailed),
    "initialize_pool.pool_exists": ALREADY,
    "initialize_pool.pool_pda_wrong": IAD,
    "initialize_pool.vaults_swapped": IAD,
    "initialize_pool.lp_mints_swapped": IAD,
    "initialize_pool.creator_short_of_rent": E.system(SystemProgramError.ResultWithNegativeLamports),
    "initialize_pool.vault_address_in_use": E.system(SystemProgramError.AccountAlreadyInUse),
    "initialize_pool.engineering_ratio": E.frt(FrtErrorCode.UnsupportedRatioType),
    "initialize_pool.too_few_accounts": IAD,
}
"""Where a mint is replaced by an account of another kind, the error depends on the bytes that account holds
where a mint's option tags are: either the layout check (InvalidAccountData) or, past it, the owner check."""
LAYOUT_OR_OWNER = {"initialize_pool.mint_is_token_account", "initialize_pool.mint_is_program_account"}


def test_the_catalogues_name_every_variant_once() -> None:
    assert set(UNINITIALIZED) | set(INITIALIZED) == set(EXPECTED_PROGRAM)
    assert not set(UNINITIALIZED) & set(INITIALIZED)
    assert set(POOL_VARIANTS) == set(EXPECTED_POOL) | LAYOUT_OR_OWNER


@dataclass
class Bench:
    chain: LiteSvmChain
    verifier: Verifier
    wallets: dict[str, Wallet]

    async def send(self, ops: Sequence[Op], payer: Wallet, *others: Wallet, kind: str = "setup"
                   ) -> tuple[bool, tuple[str, ...], ExpectedError | None]:
        intent = Intent(kind, "test", tuple(ops), (payer, *others), compute_units=CU)
        receipt = await self.chain.send(intent.instructions(), intent.signers, compute_unit_limit=CU,
                                        watch=intent.watch())
        verification = self.verifier.verify(intent, receipt)
        return receipt.ok, tuple(str(v) for v in verification.findings), verification.prediction.error

    async def setup(self, ops: Sequence[Op], payer: Wallet, *others: Wallet) -> None:
        ok, findings, _ = await self.send(ops, payer, *others)
        assert ok and findings == (), findings

    async def refused(self, variant: Adversarial, payer: Wallet) -> ExpectedError | None:
        """Send a variant signed by everyone it marks as a signer; it must fail exactly as predicted."""
        by_address = {w.address: w for w in self.wallets.values()}
        others = [by_address[a] for a in sorted(signers(variant), key=bytes) if a != payer.address]
        ok, findings, predicted = await self.send([variant], payer, *others, kind="adversary:" + variant.name)
        assert not ok, f"{variant.name} landed"
        assert findings == (), (variant.name, findings)
        return predicted


@pytest_asyncio.fixture
async def bench() -> Bench:
    chain = LiteSvmChain(program=Wallet.from_seed(b"P" * 32), upgrade_authority=Wallet.from_seed(b"A" * 32))
    wallets = {name: Wallet.from_seed(name.encode().ljust(32, b"-"))
               for name in ("payer", "pauper", "stranger", "empty", "short")}
    wallets["authority"] = chain.upgrade_authority
    for name in ("payer", "stranger", "authority"):
        await chain.airdrop(wallets[name].address, 100 * ids.LAMPORTS_PER_SOL)
    return Bench(chain, Verifier(chain.program_id), wallets)


def _program_target(bench: Bench) -> ProgramTarget:
    w = bench.wallets
    return ProgramTarget(bench.chain.program_id, w["payer"].address, w["authority"].address, w["pauper"].address,
                         w["stranger"].address)


@pytest.mark.asyncio
async def test_the_program_refuses_every_creation_variant_as_predicted(bench: Bench) -> None:
    w, target = bench.wallets, _program_target(bench)
    payer = w["payer"]
    await bench.setup([SolTransfer(payer.address, target.pauper, ProgramTarget.pauper_lamports())], payer)
    for name, build in UNINITIALIZED.items():
        assert await bench.refused(build(target), payer) == EXPECTED_PROGRAM[name].at(0), name
    await bench.setup([InitializeProgram(target.program_id, target.authority, target.authority)], w["authority"])
    for name, build in INITIALIZED.items():
        assert await bench.refused(build(target), payer) == EXPECTED_PROGRAM[name].at(0), name

    mints = [Wallet.from_seed(bytes([i]) * 32) for i in (1, 2)]
    for mint, decimals in zip(mints, DECIMALS, strict=True):
        await bench.setup([CreateMint(payer.address, mint.address, decimals, payer.address)], payer, mint)
    first_is_a = bytes(mints[0].address) < bytes(mints[1].address)
    decimals_a, decimals_b = DECIMALS if first_is_a else DECIMALS[::-1]
    pool = PoolAddresses.derive(target.program_id, mints[0].address, mints[1].address, 10**decimals_a,
                                2 * 10**decimals_b)  # 1 A = 2 B: a SimpleRatio
    await bench.setup([InitializePool(payer.address, pool)], payer)
    await bench.setup([CreateAta(payer.address, payer.address, pool.mint(side)) for side in Side], payer)
    pool_target = PoolTarget(payer.address, pool, decimals_a, decimals_b, w["stranger"].address, w["empty"].address,
                             w["short"].address)
    await bench.setup([SolTransfer(payer.address, pool_target.short_creator, PoolTarget.short_creator_lamports()),
                       SolTransfer(payer.address, pool_target.in_use_address, ids.LAMPORTS_PER_SOL)], payer)
    for name, pool_build in POOL_VARIANTS.items():
        predicted = await bench.refused(pool_build(pool_target), payer)
        if name in LAYOUT_OR_OWNER:
            assert predicted in (IAD.at(0), E.frt_builtin("IncorrectProgramId").at(0)), (name, predicted)
        else:
            assert predicted == EXPECTED_POOL[name].at(0), (name, predicted)
    assert bench.verifier.log.ok
