"""End to end on LiteSVM with the bundled reference program: real transactions, each described by an intent and
verified by the `Verifier` (outcome, exact error, every watched account, success log lines, continuity and the
pool invariants), then on-chain state tampered with between operations, which the next check must report."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import pytest
import pytest_asyncio

from pytest_fixedratio.chain.abilities import AccountWriter, Faucet, TimeTravel
from pytest_fixedratio.chain.base import AccountState, Receipt
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.errors import FrtErrorCode, SplTokenError
from pytest_fixedratio.frt.pdas import PoolAddresses, pool_watch_list
from pytest_fixedratio.frt.state import AccountLayout, Mint, PoolState, TokenAccount
from pytest_fixedratio.intents.expected import ExpectedError
from pytest_fixedratio.intents.intent import Intent
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.intents.pool_ops import Deposit, InitializePool, InitializeProgram, Swap, Withdraw
from pytest_fixedratio.intents.wallet_ops import CreateAta, CreateMint, MintTo, SolTransfer, TokenTransfer
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.sol.pda import associated_token_address
from pytest_fixedratio.verify.invariants import TreasuryHistory, check_global
from pytest_fixedratio.verify.reader import read_global, read_pool
from pytest_fixedratio.verify.report import Check, CheckOutcome
from pytest_fixedratio.verify.verifier import Verification, Verifier

pytestmark = [
    pytest.mark.asyncio,
]

SOL = ids.LAMPORTS_PER_SOL
CU_LIMIT = 400_000
RATIO_A, RATIO_B = 1_000_000, 3_000_000
E = ExpectedError


class Step(NamedTuple):
    """One verified transaction: the receipt, the verifier's verdict, and the checks it ran with what they found."""

    receipt: Receipt
    verification: Verification
    outcome: CheckOutcome


async def _send(chain: LiteSvmChain, verifier: Verifier, transaction: Intent, *extra_watch: Address) -> Step:
    """Send `transaction` watching what its intent needs (and `extra_watch`), verify the receipt once."""
    watch = tuple(dict.fromkeys((*transaction.watch(), *extra_watch)))
    receipt = await chain.send(transaction.instructions(), transaction.signers,
                               compute_unit_limit=transaction.compute_units, watch=watch)
    checks_before = Counter(verifier.log.checks)
    verification = verifier.verify(transaction, receipt)
    checked = tuple(Counter(verifier.log.checks) - checks_before)
    return Step(receipt, verification, CheckOutcome(tuple(map(Check, checked)), verification.findings))


async def _verified(chain: LiteSvmChain, verifier: Verifier, transaction: Intent) -> Step:
    """A setup transaction: it must land exactly as predicted, success log lines included."""
    step = await _send(chain, verifier, transaction)
    assert step.receipt.ok, (step.receipt.failure, step.receipt.logs[-5:])
    assert step.verification.findings == (), [str(v) for v in step.verification.findings]
    return step


def _intent(kind: str, ops: Sequence[Op], signers: Sequence[Wallet], pool: Address | None = None) -> Intent:
    return Intent(kind, "e2e", tuple(ops), tuple(signers), pool=pool, compute_units=CU_LIMIT)


@dataclass
class Harness:
    """One pool on a fresh chain, a core wallet owning both token mints, a funded user, and one verifier that
    watches the pool from its creation on."""

    chain: LiteSvmChain
    pool: PoolAddresses
    core: Wallet
    user: Wallet
    verifier: Verifier

    def ata(self, owner: Address, mint: Address) -> Address:
        return associated_token_address(owner, mint)

    async def run(self, ops: Sequence[Op], signers: Sequence[Wallet], kind: str = "test") -> Step:
        """Send and verify. The pool's accounts are always watched and the pool is checked after every
        transaction, so operations that do not touch it must leave it unchanged."""
        transaction = _intent(kind, ops, signers, self.pool.pool)
        return await _send(self.chain, self.verifier, transaction, *pool_watch_list(self.pool))

    async def deposit(self, side: Side, amount: int) -> Step:
        return await self.run([Deposit(self.pool, self.user.address, side, amount)], [self.user], "deposit")

    async def withdraw(self, side: Side, amount: int) -> Step:
        return await self.run([Withdraw(self.pool, self.user.address, side, amount)], [self.user], "withdraw")

    async def swap(self, side: Side, amount: int, expected: int | None = None) -> Step:
        if expected is None:
            r_in, r_out = frt_math.swap_ratios(RATIO_A, RATIO_B, side)
            try:
                expected = frt_math.swap_output(amount, r_in, r_out)
            except frt_math.SwapRejected:
                expected = 0  # the program must reject it; send it anyway
        return await self.run([Swap(self.pool, self.user.address, side, amount, expected)], [self.user], "swap")

    async def tamper(self, address: Address, layout: type[AccountLayout] | None = None,
                     lamports: Callable[[int], int] = lambda v: v, **changes: object) -> None:
        """Overwrite one account on chain, as a buggy program (or an attacker) could have left it."""
        account = await self.chain.get_account(address)
        assert account is not None
        decoded: Any = None if layout is None else layout.decode(account.data)
        data = account.data if decoded is None else replace(decoded, **changes).encode()
        tampered = AccountState(lamports(account.lamports), account.owner, data, account.executable)
        self.chain.set_account(address, tampered)


@pytest_asyncio.fixture
async def harness() -> Harness:
    chain = LiteSvmChain(program=Wallet.from_seed(b"P" * 32), upgrade_authority=Wallet.from_seed(b"A" * 32))
    assert isinstance(chain, Faucet) and isinstance(chain, AccountWriter) and isinstance(chain, TimeTravel)
    admin, core, user = chain.upgrade_authority, Wallet.from_seed(b"C" * 32), Wallet.from_seed(b"U" * 32)
    await chain.airdrop(core.address, 100 * SOL)
    await chain.airdrop(user.address, 100 * SOL)
    setup = Verifier(chain.program_id)
    await _verified(chain, setup, _intent("initialize_program", [
        InitializeProgram(chain.program_id, admin.address, admin.address)], [admin]))
    mints = [Wallet.from_seed(bytes([i]) * 32) for i in (1, 2)]
    for mint in mints:
        await _verified(chain, setup, _intent("create_mint", [CreateMint(core.address, mint.address, 6, core.address)],
                                              [core, mint]))
    pool = PoolAddresses.derive(chain.program_id, mints[0].address, mints[1].address, RATIO_A, RATIO_B)
    created = await _verified(chain, setup, _intent("initialize_pool", [InitializePool(core.address, pool)],
                                                    [core], pool.pool))
    assert len(created.verification.prediction.logs) == 2 and Check.LOGS in created.outcome.checked
    await _verified(chain, setup, _intent("create_atas", [
        CreateAta(user.address, user.address, m) for m in (pool.token_a_mint, pool.token_b_mint, pool.lp_a_mint,
                                                           pool.lp_b_mint)], [user]))
    assert setup.log.ok and setup.log.checks[Check.LOGS] == 1  # only InitializePool prints success lines
    verifier = Verifier(chain.program_id)
    verifier.track_pool(pool, await chain.get_accounts(pool_watch_list(pool)),
                        pool_rent=await chain.rent_exempt_minimum(c.POOL_STATE_LEN))
    h = Harness(chain, pool, core, user, verifier)
    step = await h.run([MintTo(m, h.ata(user.address, m), core.address, 10**12)
                        for m in (pool.token_a_mint, pool.token_b_mint)], [core], "funding")
    assert step.receipt.ok and step.outcome.ok, [str(v) for v in step.outcome.violations]
    return h


async def _traffic(h: Harness) -> None:
    for call in (h.deposit(Side.A, 500_000), h.deposit(Side.B, 2_000_000), h.swap(Side.A, 1_000),
                 h.swap(Side.B, 1_001), h.withdraw(Side.A, 7_777)):
        step = await call
        assert step.receipt.ok, (step.receipt.failure, step.receipt.logs[-5:])
        assert step.verification.findings == (), [str(v) for v in step.verification.findings]
        assert step.verification.prediction.logs and Check.LOGS in step.outcome.checked


async def test_real_operations_verify_and_keep_every_invariant(harness: Harness) -> None:
    h = harness
    await _traffic(h)
    snap = await read_pool(h.chain, h.pool)
    assert snap.surplus == 1_001 * RATIO_A % RATIO_B  # the only swap with a remainder
    assert snap.state.total_sol_fees_collected == 3 * c.DEPOSIT_WITHDRAWAL_FEE + 2 * c.SWAP_CONTRACT_FEE
    g = await read_global(h.chain)
    treasury_rent = await h.chain.rent_exempt_minimum(c.MAIN_TREASURY_LEN)
    outcome = check_global(g, TreasuryHistory(pools_created=1), treasury_rent=treasury_rent, pools=[snap.state],
                           synced=True)
    assert outcome.ok, [str(v) for v in outcome.violations]
    log = h.verifier.log
    assert log.ok and log.checks["delta"] == 6 and log.checks["I2"] == 6
    assert log.checks["logs"] == 5  # every FRT operation printed its success line


async def test_failed_operations_change_nothing_but_the_fee(harness: Harness) -> None:
    h = harness
    await _traffic(h)
    failures = ((h.swap(Side.A, 1_000, expected=2_999), E.frt(FrtErrorCode.AmountMismatch)),  # wrong expectation
                (h.withdraw(Side.B, 10**11), E.token(SplTokenError.InsufficientFunds)),  # more LP than the user holds
                (h.deposit(Side.A, 0), E.frt_builtin("InvalidArgument")),                # zero amount
                (h.swap(Side.B, 2, expected=0), E.frt_builtin("InvalidArgument")))        # output floors to zero
    for call, error in failures:
        receipt, verification, outcome = await call
        assert not receipt.ok
        assert receipt.fee == ids.LAMPORTS_PER_SIGNATURE
        assert outcome.ok and Check.I9 in outcome.checked and Check.ERROR in outcome.checked, \
            [str(v) for v in outcome.violations]
        assert verification.prediction.error == error.at(0), verification.prediction.reason
        assert verification.expected_failure and verification.error is not None and error.matches(verification.error)


async def test_randomised_session_with_spl_and_sol_side_traffic(harness: Harness) -> None:
    h = harness
    rng = random.Random(1234)
    friend = Wallet.from_seed(b"F" * 32)
    await h.chain.airdrop(friend.address, SOL)
    user = h.user.address
    created = await h.run([CreateAta(user, friend.address, h.pool.token_a_mint)], [h.user])
    assert created.receipt.ok and created.outcome.ok, [str(v) for v in created.outcome.violations]
    landed = []
    for _ in range(60):
        side = rng.choice(list(Side))
        kind = rng.randrange(5)
        if kind == 0:
            step = await h.deposit(side, rng.randrange(0, 10**7))
        elif kind == 1:
            step = await h.withdraw(side, rng.randrange(0, 10**6))
        elif kind == 2:
            step = await h.swap(side, rng.randrange(0, 10**6))
        elif kind == 3:
            amount = rng.randrange(0, 1_000)
            source, dest = h.ata(user, h.pool.token_a_mint), h.ata(friend.address, h.pool.token_a_mint)
            step = await h.run([TokenTransfer(source, dest, user, amount)], [h.user])
        else:
            lamports = rng.randrange(1, SOL // 100)
            step = await h.run([SolTransfer(user, friend.address, lamports)], [h.user])
        assert step.verification.findings == (), [str(v) for v in step.verification.findings]
        assert step.receipt.ok or step.verification.expected_failure
        landed.append(step.receipt.ok)
    assert 10 < sum(landed) < len(landed)  # both successes and failures were verified
    assert h.verifier.log.ok, h.verifier.log.summary() + "".join(f"\n{v}" for v in h.verifier.log.examples)
    assert h.verifier.log.total_checks > 200


async def test_a_newcomer_creates_its_lp_account_and_deposits_in_one_transaction(harness: Harness) -> None:
    h = harness
    newcomer = Wallet.from_seed(b"N" * 32)
    await h.chain.airdrop(newcomer.address, SOL)
    me, mint, lp_mint = newcomer.address, h.pool.token_b_mint, h.pool.lp_b_mint
    token_rent = await h.chain.rent_exempt_minimum(ids.TOKEN_ACCOUNT_LEN)
    ops: list[Op] = [CreateAta(me, me, mint, token_rent),
                     TokenTransfer(h.ata(h.user.address, mint), h.ata(me, mint), h.user.address, 5_000),
                     CreateAta(me, me, lp_mint, token_rent), Deposit(h.pool, me, Side.B, 4_000)]
    receipt, verification, outcome = await h.run(ops, [newcomer, h.user])
    assert receipt.ok, (receipt.failure, receipt.logs[-5:])
    assert outcome.ok, [str(v) for v in outcome.violations]
    assert verification.prediction.logs == ("✅ DEPOSIT SUCCESS: 4000 tokens → 4000 LP tokens",)
    assert receipt.lamport_change(me) == -(2 * token_rent + c.DEPOSIT_WITHDRAWAL_FEE + receipt.fee)


async def _after_tamper(h: Harness, *, lands: bool = True) -> CheckOutcome:
    """The next operation after the tamper: its own checks (DELTA, or I9 if the tampered pool now rejects it)
    pass; continuity reports that a pool account changed outside the harness, and the pool check the tamper."""
    receipt, verification, outcome = await h.deposit(Side.B, 1_000)
    assert receipt.ok is lands, (receipt.failure, receipt.logs[-5:])
    assert Check.CONTINUITY in outcome.ids()
    if lands:
        assert not outcome.ids() & {Check.DELTA, Check.ACCEPT, Check.I9, Check.OUTCOME, Check.ERROR, Check.LOGS}
        return outcome
    # I9 on the chain itself: the failure changed nothing but the user's lamports, by the network fee. (The
    # verifier's own I9 findings for a failure it did not predict compare with the success prediction; see
    # tests/verify/test_ledger.py::test_an_unexpected_failure_that_only_paid_its_fee_keeps_i9.)
    user = h.user.address
    before_user = receipt.before[user]
    assert before_user is not None
    assert receipt.after == {**receipt.before, user: replace(before_user, lamports=before_user.lamports - receipt.fee)}
    assert not outcome.ids() & {Check.DELTA, Check.ACCEPT, Check.ERROR, Check.LOGS}
    assert verification.unexpected_failure and Check.OUTCOME in outcome.ids()
    return outcome


async def test_draining_a_vault_is_reported_as_i1(harness: Harness) -> None:
    await _traffic(harness)
    await harness.tamper(harness.pool.token_a_vault, TokenAccount, amount=0)
    outcome = await _after_tamper(harness)
    assert outcome.ids() == {Check.I1, Check.CONTINUITY}
    assert "vault A amount" in next(v for v in outcome.violations if v.check is Check.I1).message
    (moved,) = (v for v in outcome.violations if v.check is Check.CONTINUITY)
    assert str(harness.pool.token_a_vault) in moved.message and "amount" in moved.message


async def test_minting_extra_lp_is_reported_as_i2(harness: Harness) -> None:
    h = harness
    await _traffic(h)
    lp = h.pool.lp_a_mint
    supply = (await read_pool(h.chain, h.pool)).lp_mint_a.supply
    holder = h.ata(h.user.address, lp)
    account = await h.chain.get_account(holder)
    assert account is not None
    await h.tamper(lp, Mint, supply=supply + 1_000_000)
    await h.tamper(holder, TokenAccount, amount=TokenAccount.decode(account.data).amount + 1_000_000)
    outcome = await _after_tamper(h)
    assert outcome.ids() == {Check.I2, Check.CONTINUITY}
    assert any("< 0" in v.message for v in outcome.violations)


async def test_changing_a_ratio_is_reported_as_i6(harness: Harness) -> None:
    await _traffic(harness)
    await harness.tamper(harness.pool.pool, PoolState, ratio_a_numerator=RATIO_A * 2)
    # The ratio seeds the pool PDA, so the program can no longer sign for the LP mint: the pool is bricked.
    # The deposit's intent cannot know that (nothing in the contract's check order looks at the seeds): it predicts
    # success, so the chain's PrivilegeEscalation is an unexpected outcome.
    outcome = await _after_tamper(harness, lands=False)
    assert Check.I6 in outcome.ids() and outcome.ids() - {Check.I9} <= {Check.I2, Check.I6, Check.CONTINUITY,
                                                                        Check.OUTCOME}
    assert any("ratio_a_numerator" in v.message for v in outcome.violations)
    (unexpected,) = (v for v in outcome.violations if v.check is Check.OUTCOME)
    assert "PrivilegeEscalation" in unexpected.message


async def test_moving_collected_fees_is_reported_as_i7(harness: Harness) -> None:
    h = harness
    await _traffic(h)
    state = (await read_pool(h.chain, h.pool)).state
    await h.tamper(h.pool.pool, PoolState, collected_liquidity_fees=state.collected_liquidity_fees - 1_000_000,
                   collected_swap_contract_fees=state.collected_swap_contract_fees + 999_999)
    outcome = await _after_tamper(h)
    assert outcome.ids() == {Check.I7, Check.CONTINUITY}


async def test_taking_lamports_from_the_pool_pda_is_reported_as_i8(harness: Harness) -> None:
    await _traffic(harness)
    await harness.tamper(harness.pool.pool, lamports=lambda v: v - 13_000_000)
    outcome = await _after_tamper(harness)
    assert outcome.ids() == {Check.I8, Check.CONTINUITY}
    assert next(v for v in outcome.violations if v.check is Check.I8).context.pool == str(harness.pool.pool)
