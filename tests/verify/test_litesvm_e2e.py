"""End to end on LiteSVM with the bundled reference program: real operations verified by the ledger and the
pool invariants, then on-chain state tampered with between operations, which the next check must report."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
import pytest_asyncio

from pytest_fixedratio.chain.base import AccountState, Receipt
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.frt import accounts
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.frt.state import AccountLayout, Mint, PoolState, TokenAccount
from pytest_fixedratio.sol import ids, programs
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.sol.pda import associated_token_address
from pytest_fixedratio.verify.invariants import PoolWatch, TreasuryHistory, check_global
from pytest_fixedratio.verify.ledger import verify_receipt, watch_list
from pytest_fixedratio.verify.operations import (
    CreateTokenAccount,
    Deposit,
    MintTo,
    Operation,
    SolTransfer,
    Swap,
    TokenTransfer,
    Withdraw,
)
from pytest_fixedratio.verify.reader import read_global, read_pool
from pytest_fixedratio.verify.report import Check, CheckOutcome, VerificationLog
from pytest_fixedratio.verify.snapshot import pool_watch_list

pytestmark = [
    pytest.mark.asyncio,
]

SOL = ids.LAMPORTS_PER_SOL
CU_LIMIT = 400_000
RATIO_A, RATIO_B = 1_000_000, 3_000_000


@dataclass
class Harness:
    """One pool on a fresh chain, a core wallet owning both token mints, and a funded user."""

    chain: LiteSvmChain
    pool: PoolAddresses
    core: Wallet
    user: Wallet
    watch: PoolWatch
    log: VerificationLog = field(default_factory=VerificationLog)

    def ata(self, owner: Address, mint: Address) -> Address:
        return associated_token_address(owner, mint)

    async def run(self, ops: Sequence[Operation], instructions: Sequence[Instruction], signers: Sequence[Wallet]
                  ) -> tuple[Receipt, CheckOutcome]:
        """Send, verify the receipt with the ledger, then check the pool on the accounts it left. The pool's
        accounts are always watched, so operations that do not touch it must leave it unchanged."""
        payer = signers[0].address
        watched = dict.fromkeys((*watch_list(ops, payer), *pool_watch_list(self.pool)))
        receipt = await self.chain.send(instructions, signers, compute_unit_limit=CU_LIMIT, watch=watched)
        checked = verify_receipt(receipt, ops, fee_payer=payer)
        surplus = checked.surplus_added.get(self.pool.pool, 0)
        pool_outcome = self.watch.check_accounts(receipt.after, surplus_added=surplus)
        return receipt, self.log.record(checked.outcome + pool_outcome)

    async def deposit(self, side: Side, amount: int) -> tuple[Receipt, CheckOutcome]:
        user = self.user.address
        return await self.run([Deposit(self.pool, user, side, amount)],
                              [accounts.deposit(self.pool, user, side, amount)], [self.user])

    async def withdraw(self, side: Side, amount: int) -> tuple[Receipt, CheckOutcome]:
        user = self.user.address
        return await self.run([Withdraw(self.pool, user, side, amount)],
                              [accounts.withdraw(self.pool, user, side, amount)], [self.user])

    async def swap(self, side: Side, amount: int, expected: int | None = None) -> tuple[Receipt, CheckOutcome]:
        if expected is None:
            r_in, r_out = frt_math.swap_ratios(RATIO_A, RATIO_B, side)
            try:
                expected = frt_math.swap_output(amount, r_in, r_out)
            except frt_math.SwapRejected:
                expected = 0  # the program must reject it; send it anyway
        user = self.user.address
        return await self.run([Swap(self.pool, user, side, amount, expected)],
                              [accounts.swap(self.pool, user, side, amount, expected)], [self.user])

    async def tamper(self, address: Address, layout: type[AccountLayout] | None = None,
                     lamports: Callable[[int], int] = lambda v: v, **changes: object) -> None:
        """Overwrite one account on chain, as a buggy program (or an attacker) could have left it."""
        account = await self.chain.get_account(address)
        assert account is not None
        decoded: Any = None if layout is None else layout.decode(account.data)
        data = account.data if decoded is None else replace(decoded, **changes).encode()
        tampered = AccountState(lamports(account.lamports), account.owner, data, account.executable)
        self.chain.set_account(address, tampered)


async def _send_ok(chain: LiteSvmChain, instructions: Sequence[Instruction], signers: Sequence[Wallet]) -> None:
    receipt = await chain.send(instructions, signers, compute_unit_limit=CU_LIMIT)
    assert receipt.ok, (receipt.failure, receipt.logs[-5:])


@pytest_asyncio.fixture
async def harness() -> Harness:
    chain = LiteSvmChain(program=Wallet.from_seed(b"P" * 32), upgrade_authority=Wallet.from_seed(b"A" * 32))
    admin, core, user = chain.upgrade_authority, Wallet.from_seed(b"C" * 32), Wallet.from_seed(b"U" * 32)
    await chain.airdrop(core.address, 100 * SOL)
    await chain.airdrop(user.address, 100 * SOL)
    await _send_ok(chain, [accounts.initialize_program(chain.program_id, admin.address)], [admin])
    mints = [Wallet.from_seed(bytes([i]) * 32) for i in (1, 2)]
    for mint in mints:
        await _send_ok(chain, [programs.create_account(core.address, mint.address, frt_math.rent(ids.MINT_LEN),
                                                       ids.MINT_LEN, ids.TOKEN_PROGRAM_ID),
                               programs.initialize_mint2(mint.address, 6, core.address)], [core, mint])
    pool = PoolAddresses.derive(chain.program_id, mints[0].address, mints[1].address, RATIO_A, RATIO_B)
    await _send_ok(chain, [accounts.initialize_pool(core.address, pool)], [core])
    await _send_ok(chain, [programs.create_associated_token_account(user.address, user.address, m, idempotent=True)
                           for m in (pool.token_a_mint, pool.token_b_mint, pool.lp_a_mint, pool.lp_b_mint)], [user])
    watch = PoolWatch.start(await read_pool(chain, pool), pool_rent=await chain.rent_exempt_minimum(c.POOL_STATE_LEN))
    h = Harness(chain, pool, core, user, watch)
    funding: list[Operation] = [MintTo(m, h.ata(user.address, m), 10**12) for m in (pool.token_a_mint,
                                                                                     pool.token_b_mint)]
    _, outcome = await h.run(funding, [programs.mint_to(m, h.ata(user.address, m), core.address, 10**12)
                                       for m in (pool.token_a_mint, pool.token_b_mint)], [core])
    assert outcome.ok, [str(v) for v in outcome.violations]
    return h


async def _traffic(h: Harness) -> None:
    for step in (h.deposit(Side.A, 500_000), h.deposit(Side.B, 2_000_000), h.swap(Side.A, 1_000),
                 h.swap(Side.B, 1_001), h.withdraw(Side.A, 7_777)):
        receipt, outcome = await step
        assert receipt.ok, (receipt.failure, receipt.logs[-5:])
        assert outcome.ok, [str(v) for v in outcome.violations]


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
    assert h.log.ok and h.log.checks["delta"] == 6 and h.log.checks["I2"] == 6


async def test_failed_operations_change_nothing_but_the_fee(harness: Harness) -> None:
    h = harness
    await _traffic(h)
    failures = (h.swap(Side.A, 1_000, expected=2_999),       # 1047: wrong expectation
                h.withdraw(Side.B, 10**11),                  # more LP than the user holds
                h.deposit(Side.A, 0),                        # zero amount
                h.swap(Side.B, 2, expected=0))               # output floors to zero
    for step in failures:
        receipt, outcome = await step
        assert not receipt.ok
        assert receipt.fee == ids.LAMPORTS_PER_SIGNATURE
        assert outcome.ok and Check.I9 in outcome.checked, [str(v) for v in outcome.violations]


async def test_randomised_session_with_spl_and_sol_side_traffic(harness: Harness) -> None:
    h = harness
    rng = random.Random(1234)
    friend = Wallet.from_seed(b"F" * 32)
    await h.chain.airdrop(friend.address, SOL)
    user = h.user.address
    await _send_ok(h.chain, [programs.create_associated_token_account(user, friend.address, h.pool.token_a_mint)],
                   [h.user])
    landed = []
    for _ in range(60):
        side = rng.choice(list(Side))
        kind = rng.randrange(5)
        if kind == 0:
            receipt, _ = await h.deposit(side, rng.randrange(0, 10**7))
        elif kind == 1:
            receipt, _ = await h.withdraw(side, rng.randrange(0, 10**6))
        elif kind == 2:
            receipt, _ = await h.swap(side, rng.randrange(0, 10**6))
        elif kind == 3:
            amount = rng.randrange(0, 1_000)
            source, dest = h.ata(user, h.pool.token_a_mint), h.ata(friend.address, h.pool.token_a_mint)
            receipt, _ = await h.run([TokenTransfer(source, dest, amount)],
                                     [programs.transfer(source, dest, user, amount)], [h.user])
        else:
            lamports = rng.randrange(1, SOL // 100)
            receipt, _ = await h.run([SolTransfer(user, friend.address, lamports)],
                                     [programs.system_transfer(user, friend.address, lamports)], [h.user])
        landed.append(receipt.ok)
    assert 10 < sum(landed) < len(landed)  # both successes and failures were verified
    assert h.log.ok, h.log.summary() + "".join(f"\n{v}" for v in h.log.examples)
    assert h.log.total_checks > 200


async def test_a_newcomer_creates_its_lp_account_and_deposits_in_one_transaction(harness: Harness) -> None:
    h = harness
    newcomer = Wallet.from_seed(b"N" * 32)
    await h.chain.airdrop(newcomer.address, SOL)
    me, mint, lp_mint = newcomer.address, h.pool.token_b_mint, h.pool.lp_b_mint
    token_rent = await h.chain.rent_exempt_minimum(ids.TOKEN_ACCOUNT_LEN)
    ops: list[Operation] = [CreateTokenAccount(me, me, mint, token_rent),
                            TokenTransfer(h.ata(h.user.address, mint), h.ata(me, mint), 5_000),
                            CreateTokenAccount(me, me, lp_mint, token_rent), Deposit(h.pool, me, Side.B, 4_000)]
    instructions = [programs.create_associated_token_account(me, me, mint, idempotent=True),
                    programs.transfer(h.ata(h.user.address, mint), h.ata(me, mint), h.user.address, 5_000),
                    programs.create_associated_token_account(me, me, lp_mint, idempotent=True),
                    accounts.deposit(h.pool, me, Side.B, 4_000)]
    receipt, outcome = await h.run(ops, instructions, [newcomer, h.user])
    assert receipt.ok, (receipt.failure, receipt.logs[-5:])
    assert outcome.ok, [str(v) for v in outcome.violations]
    assert receipt.lamport_change(me) == -(2 * token_rent + c.DEPOSIT_WITHDRAWAL_FEE + receipt.fee)


async def _after_tamper(h: Harness, *, lands: bool = True) -> CheckOutcome:
    """The next operation after the tamper: its own ledger check (DELTA, or I9 if the tampered pool now
    rejects it) passes; the pool check reports the tamper."""
    receipt, outcome = await h.deposit(Side.B, 1_000)
    assert receipt.ok is lands, (receipt.failure, receipt.logs[-5:])
    assert not outcome.ids() & {Check.DELTA, Check.ACCEPT, Check.I9}
    return outcome


async def test_draining_a_vault_is_reported_as_i1(harness: Harness) -> None:
    await _traffic(harness)
    await harness.tamper(harness.pool.token_a_vault, TokenAccount, amount=0)
    outcome = await _after_tamper(harness)
    assert outcome.ids() == {Check.I1}
    assert "vault A amount" in outcome.violations[0].message


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
    assert outcome.ids() == {Check.I2}
    assert any("< 0" in v.message for v in outcome.violations)


async def test_changing_a_ratio_is_reported_as_i6(harness: Harness) -> None:
    await _traffic(harness)
    await harness.tamper(harness.pool.pool, PoolState, ratio_a_numerator=RATIO_A * 2)
    # The ratio seeds the pool PDA, so the program can no longer sign for the LP mint: the pool is bricked.
    outcome = await _after_tamper(harness, lands=False)
    assert Check.I6 in outcome.ids() and outcome.ids() <= {Check.I2, Check.I6}
    assert any("ratio_a_numerator" in v.message for v in outcome.violations)


async def test_moving_collected_fees_is_reported_as_i7(harness: Harness) -> None:
    h = harness
    await _traffic(h)
    state = (await read_pool(h.chain, h.pool)).state
    await h.tamper(h.pool.pool, PoolState, collected_liquidity_fees=state.collected_liquidity_fees - 1_000_000,
                   collected_swap_contract_fees=state.collected_swap_contract_fees + 999_999)
    outcome = await _after_tamper(h)
    assert outcome.ids() == {Check.I7}


async def test_taking_lamports_from_the_pool_pda_is_reported_as_i8(harness: Harness) -> None:
    await _traffic(harness)
    await harness.tamper(harness.pool.pool, lamports=lambda v: v - 13_000_000)
    outcome = await _after_tamper(harness)
    assert outcome.ids() == {Check.I8}
    assert outcome.violations[0].context.pool == str(harness.pool.pool)
