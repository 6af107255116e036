"""Adversarial variants: every one predicts the exact error of the check it breaks, and the real program agrees.

On a real LiteSVM chain with the bundled reference program, every variant of the catalogue is sent on both
sides of a pool with liquidity; the verifier must find nothing (the exact predicted error at the right
instruction, I9: nothing but the network fee changed). On synthetic worlds, the predictions are pinned to the
errors of frt-contract.md's check order, including breaks an earlier failing check hides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import pytest
import pytest_asyncio

from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.errors import FrtErrorCode, SplTokenError
from pytest_fixedratio.frt.instruction_data import GetVersion
from pytest_fixedratio.frt.pdas import PoolAddresses, pool_watch_list
from pytest_fixedratio.frt.state import PoolState, SystemState, TokenAccount
from pytest_fixedratio.intents.adversary import VARIANTS, Adversarial, Target
from pytest_fixedratio.intents.expected import ExpectedError
from pytest_fixedratio.intents.intent import Intent
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.intents.pool_ops import Deposit, InitializePool, InitializeProgram, Swap, Withdraw
from pytest_fixedratio.intents.wallet_ops import CreateAta, CreateMint, MintTo
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.sol.pda import associated_token_address
from pytest_fixedratio.verify.verifier import Verifier
from tests.verify.worlds import OTHER_USER, USER, USER_WALLET, World, build_world

E = ExpectedError
SOL = ids.LAMPORTS_PER_SOL
CU_LIMIT = 400_000
RATIO_A, RATIO_B = 1_000_000, 3_000_000
AMOUNTS = {"deposit": 1_000, "withdraw": 500, "swap": 1_000}
"""A valid amount of each kind (the honest operation with it succeeds)."""

FAKE_LP_MINT = Wallet.from_seed(b"F" * 32)
"""A mint whose authority is the pool PDA (the adversary's fake LP mint)."""
IAD = E.frt_builtin("InvalidAccountData")
BORSH = E.frt_builtin("BorshIoError")
SHARED = {
    "missing_signer": E.frt_builtin("MissingRequiredSignature"),
    "zero_amount": E.frt_builtin("InvalidArgument"),
    "vaults_swapped": IAD,
    "pool_state_program_owned": E.frt(FrtErrorCode.TreasuryValidationFailed),
    "pool_state_system_owned": E.frt_builtin("IncorrectProgramId"),
    "pool_state_read_only": E.frt(FrtErrorCode.FeeValidationFailed),
    "system_state_wrong": IAD,
    "too_few_accounts": IAD,
    "data_short": BORSH,
    "data_long": BORSH,
    "data_unknown_variant": BORSH,
    "data_empty": E.frt_builtin("InvalidInstructionData"),
}
EXPECTED: dict[str, ExpectedError] = {
    **{f"{kind}.{name}": error for kind in AMOUNTS for name, error in SHARED.items()},
    "deposit.over_balance": E.frt_builtin("InsufficientFunds"),
    "deposit.foreign_source": IAD,
    "deposit.foreign_lp_account": E.frt(FrtErrorCode.MissingLpTokenAccount),
    "deposit.lp_mints_swapped": IAD,
    "deposit.stranger_mint": E.frt_builtin("InvalidInstructionData"),
    "withdraw.over_balance": E.token(SplTokenError.InsufficientFunds),
    "withdraw.foreign_lp_account": IAD,
    "withdraw.foreign_destination": IAD,
    "withdraw.lp_mints_swapped": IAD,
    "withdraw.stranger_mint": E.frt_builtin("InvalidInstructionData"),
    "swap.over_balance": IAD,
    "swap.expected_plus_one": E.frt(FrtErrorCode.AmountMismatch),
    "swap.expected_minus_one": E.frt(FrtErrorCode.AmountMismatch),
    "swap.foreign_input": IAD,
    "swap.foreign_output": IAD,
    "swap.mints_swapped": IAD,
    "swap.stranger_mint": IAD,
    "swap.token_program_wrong": E.frt_builtin("IncorrectProgramId"),
    **{f"{kind}.account_{index}_{owner}_owned": error for kind in AMOUNTS for index in (7, 8)
       for owner, error in (("program", E.frt_builtin("IncorrectProgramId")),
                            ("system", E.frt_builtin("UninitializedAccount")))},
    **{f"{kind}.fake_vault": IAD for kind in AMOUNTS},
    "deposit.fake_lp_mint": IAD,
    "withdraw.fake_lp_mint": IAD,
    "deposit.account_8_program_owned": E.frt(FrtErrorCode.MissingLpTokenAccount),
    "deposit.account_8_system_owned": E.frt(FrtErrorCode.MissingLpTokenAccount),
}
"""The error of each variant on a healthy pool: the check it breaks is the first to fail."""


def test_the_catalogue_names_every_variant_once() -> None:
    assert set(VARIANTS) == set(EXPECTED)
    assert all(name.partition(".")[0] in AMOUNTS for name in VARIANTS)


# ---------------------------------------------------------------------------------------------------------
# The real program


class Sent(NamedTuple):
    ok: bool
    findings: tuple[str, ...]
    predicted: ExpectedError | None
    expected_failure: bool


@dataclass
class Arena:
    """A pool with liquidity on both sides, a user holding tokens and LP of both sides, and a stranger (the
    adversary's own wallet) holding token and LP accounts of its own; a third mint is not in the pool."""

    chain: LiteSvmChain
    pool: PoolAddresses
    user: Wallet
    stranger: Wallet
    stranger_mint: Address
    verifier: Verifier

    async def balance(self, owner: Address, mint: Address) -> int:
        account = await self.chain.get_account(associated_token_address(owner, mint))
        assert account is not None
        return TokenAccount.decode(account.data).amount

    async def target(self, kind: str, side: Side) -> Target:
        spent = self.pool.lp_mint(side) if kind == "withdraw" else self.pool.mint(side)
        return Target(self.pool, self.user.address, side, AMOUNTS[kind],
                      await self.balance(self.user.address, spent), self.stranger.address, self.stranger_mint,
                      FAKE_LP_MINT.address)

    async def send(self, ops: Sequence[Op], signers: Sequence[Wallet], kind: str = "setup") -> Sent:
        """Send one intent, watching the pool too, and verify its receipt."""
        intent = Intent(kind, "test", tuple(ops), tuple(signers), pool=self.pool.pool, compute_units=CU_LIMIT)
        watch = tuple(dict.fromkeys((*intent.watch(), *pool_watch_list(self.pool))))
        receipt = await self.chain.send(intent.instructions(), intent.signers,
                                        compute_unit_limit=CU_LIMIT, watch=watch)
        verification = self.verifier.verify(intent, receipt)
        findings = tuple(str(v) for v in verification.findings)
        return Sent(receipt.ok, findings, verification.prediction.error, verification.expected_failure)


@pytest_asyncio.fixture
async def arena() -> Arena:
    chain = LiteSvmChain(program=Wallet.from_seed(b"P" * 32), upgrade_authority=Wallet.from_seed(b"A" * 32))
    admin, user, stranger = chain.upgrade_authority, Wallet.from_seed(b"U" * 32), Wallet.from_seed(b"S" * 32)
    for wallet in (user, stranger):
        await chain.airdrop(wallet.address, 100 * SOL)
    mints = [Wallet.from_seed(bytes([i]) * 32) for i in (1, 2, 3)]
    pool = PoolAddresses.derive(chain.program_id, mints[0].address, mints[1].address, RATIO_A, RATIO_B)
    verifier = Verifier(chain.program_id)
    a = Arena(chain, pool, user, stranger, mints[2].address, verifier)
    setup: list[tuple[Sequence[Op], Sequence[Wallet]]] = [
        ([InitializeProgram(chain.program_id, admin.address, admin.address)], [admin]),
        *(([CreateMint(user.address, m.address, 6, user.address)], [user, m]) for m in mints),
        ([InitializePool(user.address, pool)], [user]),
        *(([CreateAta(w.address, w.address, m) for m in (pool.token_a_mint, pool.token_b_mint, pool.lp_a_mint,
                                                         pool.lp_b_mint)], [w]) for w in (user, stranger)),
        ([MintTo(m, associated_token_address(w.address, m), user.address, 10**9)
          for m in (pool.token_a_mint, pool.token_b_mint) for w in (user, stranger)], [user]),
        *(([Deposit(pool, w.address, side, 10**6) for side in Side], [w]) for w in (user, stranger)),
        ([CreateAta(user.address, pool.pool, m) for m in (pool.token_a_mint, pool.token_b_mint)], [user]),
        ([CreateMint(user.address, FAKE_LP_MINT.address, 6, pool.pool)], [user, FAKE_LP_MINT]),
    ]
    for ops, signers in setup:
        sent = await a.send(ops, signers)
        assert sent.ok and sent.findings == (), sent.findings
    return a


@pytest.mark.asyncio
@pytest.mark.parametrize("side", list(Side))
async def test_the_real_program_fails_every_variant_exactly_as_predicted(arena: Arena, side: Side) -> None:
    confirmed = []
    for name, build in VARIANTS.items():
        op = build(await arena.target(name.partition(".")[0], side))
        sent = await arena.send([op], [arena.user], "adversary:" + name)
        assert not sent.ok, f"{name} landed"
        assert sent.findings == (), (name, sent.findings)
        assert sent.expected_failure and sent.predicted == EXPECTED[name].at(0), (name, sent.predicted)
        confirmed.append(name)
    assert confirmed == list(VARIANTS)
    assert arena.verifier.log.ok


# ---------------------------------------------------------------------------------------------------------
# Predictions on synthetic worlds


def _world() -> World:
    world = build_world()
    world.add_user(OTHER_USER)
    for side in Side:
        world.seed_liquidity(side, 10**9)
        world.seed_liquidity(side, 10**6, holder=USER)
    return world


def _target(world: World, kind: str, side: Side = Side.A) -> Target:
    spent = world.pool.lp_mint(side) if kind == "withdraw" else world.pool.mint(side)
    balance = world.decoded(world.ata(USER, spent), TokenAccount).amount
    return Target(world.pool, USER, side, AMOUNTS[kind], balance, OTHER_USER, Address(bytes([0x77] * 32)),
                  FAKE_LP_MINT.address)


def _predicted(world: World, op: Adversarial) -> ExpectedError | None:
    prediction = world.predict(Intent("adversary", "test", (op,), (USER_WALLET,)))
    assert prediction.fails, op.name
    return prediction.error


@pytest.mark.parametrize("name", sorted(VARIANTS))
@pytest.mark.parametrize("side", list(Side))
def test_each_variant_predicts_the_error_of_the_check_it_breaks(name: str, side: Side) -> None:
    world = _world()
    op = VARIANTS[name](_target(world, name.partition(".")[0], side))
    assert _predicted(world, op) == EXPECTED[name].at(0)


@pytest.mark.parametrize("kind", list(AMOUNTS))
def test_the_unbroken_instruction_predicts_what_the_honest_operation_does(kind: str) -> None:
    """The program model accepts a valid instruction and hands over: the prediction is the honest one's."""
    world = _world()
    valid_ops: dict[str, Deposit | Withdraw | Swap] = {
        "deposit": Deposit(world.pool, USER, Side.A, 1_000), "withdraw": Withdraw(world.pool, USER, Side.A, 500),
        "swap": Swap(world.pool, USER, Side.A, 1_000, 3_000)}
    valid = valid_ops[kind]
    unbroken = Adversarial("unbroken", valid, valid.instructions()[0])
    adversarial = world.predict(Intent("a", "test", (unbroken,), (USER_WALLET,)))
    plain = world.predict(Intent("h", "test", (valid,), (USER_WALLET,)))
    assert not adversarial.fails and adversarial.accounts == plain.accounts and adversarial.logs == plain.logs


def test_a_paused_system_hides_a_deposit_break_but_not_a_withdraw_zero_amount() -> None:
    """Deposit checks the signer and the pause before the amount; Withdraw and Swap check the amount first."""
    world = _world()
    world.edit(world.system_state, SystemState, is_paused=True)
    paused = E.frt(FrtErrorCode.SystemPaused).at(0)
    assert _predicted(world, VARIANTS["deposit.zero_amount"](_target(world, "deposit"))) == paused
    assert _predicted(world, VARIANTS["deposit.vaults_swapped"](_target(world, "deposit"))) == paused
    assert _predicted(world, VARIANTS["withdraw.zero_amount"](_target(world, "withdraw"))) == EXPECTED[
        "withdraw.zero_amount"].at(0)
    assert _predicted(world, VARIANTS["swap.missing_signer"](_target(world, "swap"))) == EXPECTED[
        "swap.missing_signer"].at(0)
    assert _predicted(world, VARIANTS["swap.data_long"](_target(world, "swap"))) == BORSH.at(0)


def test_a_paused_pool_hides_the_breaks_after_its_pause_check() -> None:
    world = _world()
    world.edit(world.pool.pool, PoolState, flags=world.state().flags | PoolFlag.LIQUIDITY_PAUSED)
    liquidity_paused = E.frt(FrtErrorCode.PoolLiquidityPaused).at(0)
    assert _predicted(world, VARIANTS["withdraw.foreign_destination"](_target(world, "withdraw"))) == liquidity_paused
    assert _predicted(world, VARIANTS["deposit.over_balance"](_target(world, "deposit"))) == liquidity_paused
    # The pool state's own checks come before its pause flag.
    assert _predicted(world, VARIANTS["deposit.pool_state_program_owned"](_target(world, "deposit"))) == EXPECTED[
        "deposit.pool_state_program_owned"].at(0)
    # Swaps ignore the liquidity pause.
    assert _predicted(world, VARIANTS["swap.vaults_swapped"](_target(world, "swap"))) == IAD.at(0)


def test_a_missing_lp_account_of_the_stranger_is_still_4001_and_the_fee_payer_check_comes_first() -> None:
    world = _world()
    world.accounts[world.ata(OTHER_USER, world.pool.lp_mint(Side.A))] = None
    assert _predicted(world, VARIANTS["deposit.foreign_lp_account"](_target(world, "deposit"))) == EXPECTED[
        "deposit.foreign_lp_account"].at(0)
    poor = _world()
    poor.set_lamports(USER, c.DEPOSIT_WITHDRAWAL_FEE - 1)
    over = VARIANTS["withdraw.over_balance"](_target(poor, "withdraw"))
    assert _predicted(poor, over) == E.frt(FrtErrorCode.InsufficientFeeBalance).at(0)  # the fee comes before the burn
    read_only = VARIANTS["deposit.pool_state_read_only"](_target(poor, "deposit"))
    assert _predicted(poor, read_only) == E.frt(FrtErrorCode.InsufficientFeeBalance).at(0)  # lamports, then writable


def test_an_instruction_the_adversary_does_not_model_is_a_harness_error() -> None:
    world = _world()
    op = VARIANTS["swap.data_empty"](_target(world, "swap"))
    other = Adversarial("swap.get_version", op.honest, replace(op.instruction, data=GetVersion().encode()))
    with pytest.raises(InvalidArgument, match="not GetVersion"):
        world.predict(Intent("adversary", "test", (other,), (USER_WALLET,)))
