"""Setup and oracle of the conformance suite: the FRT program on LiteSVM, seeded wallets, mints, pools, users.

The oracle is independent of `pytest_fixedratio.verify` on purpose: it predicts what an operation does from
the contract alone (frt-contract.md §2.3, §4, §5) with `frt.math` and `frt.state`, as the complete map of the
watched accounts after the transaction. Tests compare that map with the receipt's ``after`` as a whole, so
"nothing else changed" is part of every assertion instead of a separate, easily forgotten check.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Final, TypeVar

import pytest
import pytest_asyncio

from pytest_fixedratio.chain.base import AccountMap, AccountState, Receipt
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.chain.localnet import serving_localnet
from pytest_fixedratio.chain.rpc import RpcChain
from pytest_fixedratio.errors import DecodeError
from pytest_fixedratio.frt import builders, pdas
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.errors import CUSTOM, FrtErrorCode, OnChainError, Raiser, SplTokenError, classify
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.frt.ratio import normalize_ratio
from pytest_fixedratio.frt.state import AccountLayout, MainTreasuryState, Mint, PoolState, SystemState, TokenAccount
from pytest_fixedratio.sol import ids, programs
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.sol.pda import associated_token_address

SOL: Final = ids.LAMPORTS_PER_SOL
NETWORK_FEE: Final = frt_math.network_fee(1)
CORE_LAMPORTS: Final = 100_000 * SOL
USER_LAMPORTS: Final = 100 * SOL
USER_TOKENS: Final = 10**12
"""Tokens of each pool mint every test user starts with."""
POOL_LIQUIDITY: Final = 10**9
"""Deposited by the core wallet on each side of the market's pools."""
TRADER_LP: Final = 10**6
"""Deposited by the trader on each side of the main pool, so it holds LP tokens to withdraw."""

INVALID_ARGUMENT: Final = OnChainError("InvalidArgument")
INVALID_ACCOUNT_DATA: Final = OnChainError("InvalidAccountData")
INSUFFICIENT_FUNDS: Final = OnChainError("InsufficientFunds")
ARITHMETIC_OVERFLOW: Final = OnChainError("ArithmeticOverflow")
AMOUNT_MISMATCH: Final = OnChainError(CUSTOM, FrtErrorCode.AmountMismatch)
INSUFFICIENT_FEE_BALANCE: Final = OnChainError(CUSTOM, FrtErrorCode.InsufficientFeeBalance)
SPL_INSUFFICIENT_FUNDS: Final = OnChainError(CUSTOM, SplTokenError.InsufficientFunds)

_L = TypeVar("_L", bound=AccountLayout)


def seeded(label: str) -> Wallet:
    """A wallet whose key depends only on `label`, so every run uses the same addresses."""
    return Wallet.from_seed(hashlib.sha256(f"conformance/{label}".encode()).digest())


def ata(owner: Address, mint: Address) -> Address:
    return associated_token_address(owner, mint)


def decoded(account: AccountState | None, layout: type[_L]) -> _L:
    assert account is not None, f"expected a {layout.__name__} account, found none"
    return layout.decode(account.data)


def error_name(receipt: Receipt, program_id: Address) -> str:
    """The classified name of a receipt's failure (a success fails the test, with its logs)."""
    assert not receipt.ok and receipt.failure is not None, receipt.logs
    return classify(receipt.failure, receipt.logs, program_id).name


def pool_id_line(pool: PoolAddresses, ratio_type: str) -> str:
    """The InitializePool log line clients parse for the new pool's address (§2.3)."""
    return f"🎯 POOL_ID: {pool.pool} | Ratio: {pool.ratio_a}:{pool.ratio_b} | Type: {ratio_type}"


def program_log_lines(receipt: Receipt) -> list[str]:
    """The `msg!` lines of the transaction, without the runtime's "Program log: " prefix."""
    prefix = "Program log: "
    return [line.removeprefix(prefix) for line in receipt.logs if line.startswith(prefix)]


# ---------------------------------------------------------------------------------------------------------
# Watch lists


def system_accounts(program_id: Address) -> tuple[Address, ...]:
    return pdas.system_state(program_id)[0], pdas.main_treasury(program_id)[0]


def pool_accounts(pool: PoolAddresses) -> tuple[Address, ...]:
    """The pool PDA, its vaults and LP mints, and both token mints."""
    return (pool.pool, pool.token_a_vault, pool.token_b_vault, pool.lp_a_mint, pool.lp_b_mint,
            pool.token_a_mint, pool.token_b_mint)


def user_accounts(user: Address, pool: PoolAddresses) -> tuple[Address, ...]:
    """The user's lamports and its associated token accounts of both tokens and both LP tokens."""
    mints = (pool.token_a_mint, pool.token_b_mint, pool.lp_a_mint, pool.lp_b_mint)
    return (user, *(ata(user, mint) for mint in mints))


def operation_watch(pool: PoolAddresses, user: Address) -> tuple[Address, ...]:
    return (*system_accounts(pool.program_id), *pool_accounts(pool), *user_accounts(user, pool))


# ---------------------------------------------------------------------------------------------------------
# Oracle


class Expected:
    """Accounts as a transaction should leave them: the ``before`` map with exactly the listed changes."""

    def __init__(self, before: AccountMap) -> None:
        self.accounts: dict[Address, AccountState | None] = dict(before)

    def _account(self, address: Address) -> AccountState:
        account = self.accounts[address]
        assert account is not None, f"the oracle changes {address}, which holds no account"
        return account

    def lamports(self, address: Address, delta: int) -> Expected:
        account = self._account(address)
        self.accounts[address] = replace(account, lamports=account.lamports + delta)
        return self

    def add(self, address: Address, layout: type[AccountLayout], **deltas: int) -> Expected:
        """Add each delta to the named integer field of the account decoded as `layout`."""
        account = self._account(address)
        state = layout.decode(account.data)
        fields = {name: getattr(state, name) + delta for name, delta in deltas.items()}
        changed = replace(state, **fields)  # type: ignore[type-var]  # every layout is a dataclass
        self.accounts[address] = replace(account, data=changed.encode())
        return self


@dataclass(frozen=True, slots=True)
class Prediction:
    """One transaction's outcome: success leaving ``accounts``, or ``error`` raised by ``raiser`` with
    ``accounts`` equal to the state before minus the payer's network fee (I9)."""

    accounts: dict[Address, AccountState | None]
    error: OnChainError | None = None
    raiser: Raiser = Raiser.FRT


def failure(before: AccountMap, payer: Address, error: OnChainError, raiser: Raiser = Raiser.FRT) -> Prediction:
    return Prediction(Expected(before).lamports(payer, -NETWORK_FEE).accounts, error, raiser)


def _total_field(side: Side) -> str:
    return "total_token_a_liquidity" if side is Side.A else "total_token_b_liquidity"


def _balance(before: AccountMap, address: Address) -> int:
    return decoded(before[address], TokenAccount).amount


def _lamports(before: AccountMap, address: Address) -> int:
    account = before[address]
    return 0 if account is None else account.lamports


def _paid_operation(before: AccountMap, pool: PoolAddresses, user: Address, fee: int, counter: str) -> Expected:
    """The SOL side of Deposit/Withdraw/Swap: the user pays network fee + `fee`, the pool PDA books `fee`."""
    return (Expected(before).lamports(user, -(fee + NETWORK_FEE)).lamports(pool.pool, fee)
            .add(pool.pool, PoolState, **{counter: fee, "total_sol_fees_collected": fee}))


def predict_deposit(before: AccountMap, pool: PoolAddresses, user: Address, side: Side, amount: int) -> Prediction:
    """I3, or the first failing check of §2.3 Deposit among those a well-formed deposit can hit."""
    state = decoded(before[pool.pool], PoolState)
    source, lp_account = ata(user, pool.mint(side)), ata(user, pool.lp_mint(side))
    fee = state.contract_liquidity_fee
    if amount == 0:
        return failure(before, user, INVALID_ARGUMENT)
    if _balance(before, source) < amount:
        return failure(before, user, INSUFFICIENT_FUNDS)
    if _lamports(before, user) - NETWORK_FEE < fee:
        return failure(before, user, INSUFFICIENT_FEE_BALANCE)
    expected = (_paid_operation(before, pool, user, fee, "collected_liquidity_fees")
                .add(pool.pool, PoolState, **{_total_field(side): amount})
                .add(source, TokenAccount, amount=-amount).add(pool.vault(side), TokenAccount, amount=amount)
                .add(pool.lp_mint(side), Mint, supply=amount).add(lp_account, TokenAccount, amount=amount))
    return Prediction(expected.accounts)


def predict_withdraw(before: AccountMap, pool: PoolAddresses, user: Address, side: Side, lp_amount: int
                     ) -> Prediction:
    """I4, or its failures: zero amount, then SPL Token's burn (LP short) and transfer (vault short), then
    the tracked total (§2.3 Withdraw: no LP-balance pre-check)."""
    state = decoded(before[pool.pool], PoolState)
    lp_account, destination = ata(user, pool.lp_mint(side)), ata(user, pool.mint(side))
    fee = state.contract_liquidity_fee
    if lp_amount == 0:
        return failure(before, user, INVALID_ARGUMENT)
    if _lamports(before, user) - NETWORK_FEE < fee:
        return failure(before, user, INSUFFICIENT_FEE_BALANCE)
    if _balance(before, lp_account) < lp_amount or _balance(before, pool.vault(side)) < lp_amount:
        return failure(before, user, SPL_INSUFFICIENT_FUNDS, Raiser.SPL_TOKEN)
    if state.liquidity(side) < lp_amount:
        return failure(before, user, ARITHMETIC_OVERFLOW)
    expected = (_paid_operation(before, pool, user, fee, "collected_liquidity_fees")
                .add(pool.pool, PoolState, **{_total_field(side): -lp_amount})
                .add(lp_account, TokenAccount, amount=-lp_amount).add(pool.lp_mint(side), Mint, supply=-lp_amount)
                .add(pool.vault(side), TokenAccount, amount=-lp_amount)
                .add(destination, TokenAccount, amount=lp_amount))
    return Prediction(expected.accounts)


def predict_swap(before: AccountMap, pool: PoolAddresses, user: Address, input_side: Side, amount_in: int,
                 expected_out: int) -> Prediction:
    """I5, or the first failing check of §2.3 Swap a well-formed swap can hit, in the program's order."""
    state = decoded(before[pool.pool], PoolState)
    output_side = input_side.other
    source, destination = ata(user, pool.mint(input_side)), ata(user, pool.mint(output_side))
    fee = state.swap_contract_fee
    if amount_in == 0:
        return failure(before, user, INVALID_ARGUMENT)
    if _balance(before, source) < amount_in:
        return failure(before, user, INVALID_ACCOUNT_DATA)  # quirk 8.8
    try:
        out = frt_math.pool_swap_output(state, input_side, amount_in)
    except frt_math.SwapRejected as rejected:
        return failure(before, user, rejected.error)
    if out != expected_out:
        return failure(before, user, AMOUNT_MISMATCH)
    if out > state.liquidity(output_side):
        return failure(before, user, INSUFFICIENT_FUNDS)
    if _lamports(before, user) - NETWORK_FEE < fee:
        return failure(before, user, INSUFFICIENT_FEE_BALANCE)
    expected = (_paid_operation(before, pool, user, fee, "collected_swap_contract_fees")
                .add(pool.pool, PoolState, **{_total_field(input_side): amount_in,
                                              _total_field(output_side): -out})
                .add(source, TokenAccount, amount=-amount_in)
                .add(pool.vault(input_side), TokenAccount, amount=amount_in)
                .add(pool.vault(output_side), TokenAccount, amount=-out)
                .add(destination, TokenAccount, amount=out))
    return Prediction(expected.accounts)


_LAYOUTS_BY_SIZE: Final[Mapping[int, type[AccountLayout]]] = {
    layout.ACCOUNT_LEN: layout for layout in (PoolState, SystemState, MainTreasuryState, TokenAccount, Mint)}


def _describe(account: AccountState | None) -> str:
    if account is None:
        return "no account"
    layout = _LAYOUTS_BY_SIZE.get(len(account.data))
    try:
        body = repr(layout.decode(account.data)) if layout is not None else f"{len(account.data)} bytes"
    except DecodeError:
        body = account.data.hex()
    return f"{account.lamports} lamports, owner {account.owner}, {body}"


def account_differences(actual: AccountMap, expected: AccountMap) -> list[str]:
    """One line per watched account that differs, with both sides decoded, for assertion messages."""
    return [f"{address}:\n  actual   {_describe(actual.get(address))}\n  expected {_describe(account)}"
            for address, account in expected.items() if actual.get(address) != account]


def assert_outcome(receipt: Receipt, prediction: Prediction, program_id: Address) -> None:
    """The receipt shows the predicted error (and raiser) or success, one network fee, and exactly the
    predicted accounts."""
    if prediction.error is None:
        assert receipt.ok, f"{receipt.failure}: {receipt.logs[-8:]}"
    else:
        assert receipt.failure is not None, f"expected {prediction.error}, the transaction succeeded"
        failure_ = receipt.failure
        assert (OnChainError(failure_.kind, failure_.custom_code), failure_.instruction_index) == (
            prediction.error, 0), receipt.logs[-8:]
        assert classify(failure_, receipt.logs, program_id).raiser is prediction.raiser, receipt.logs[-8:]
    assert receipt.fee == NETWORK_FEE
    differences = account_differences(receipt.after, prediction.accounts)
    assert not differences, "\n".join(differences)


# ---------------------------------------------------------------------------------------------------------
# The chain and the wallets on it


TARGETS: Final = ("litesvm", "rpc")
"""Where the suite runs: in-process, and through the rpc target against a localnet serving the same program."""


@dataclass
class Bench:
    """A chain running the reference program (not yet initialized) and the core wallet that pays for setup
    and is the mint authority of every test mint."""

    chain: LiteSvmChain | RpcChain
    core: Wallet
    closing: AsyncExitStack

    @classmethod
    async def open(cls, target: str = "litesvm") -> Bench:
        """On `target`: the in-process chain, or a localnet served by this event loop reached over JSON-RPC."""
        program, authority = seeded("program"), seeded("upgrade-authority")
        closing = AsyncExitStack()
        chain: LiteSvmChain | RpcChain
        if target == "rpc":
            url, _ = await closing.enter_async_context(serving_localnet(
                port=0, program=program, upgrade_authority=authority))
            chain = await RpcChain.connect([url], program.address, authority)
        else:
            chain = LiteSvmChain(program=program, upgrade_authority=authority)
        closing.push_async_callback(chain.aclose)
        core = seeded("core")
        await chain.airdrop(core.address, CORE_LAMPORTS)
        return cls(chain, core, closing)

    @property
    def program_id(self) -> Address:
        return self.chain.program_id

    async def send_ok(self, instructions: Sequence[Instruction], signers: Sequence[Wallet]) -> Receipt:
        receipt = await self.chain.send(instructions, signers)
        assert receipt.ok, f"setup failed: {receipt.failure}: {receipt.logs[-8:]}"
        return receipt

    async def run(self, instructions: Sequence[Instruction], signers: Sequence[Wallet], prediction: Prediction
                  ) -> Receipt:
        """Send and assert the outcome; the prediction must have been made from the current state."""
        receipt = await self.chain.send(instructions, signers, watch=prediction.accounts)
        assert_outcome(receipt, prediction, self.program_id)
        return receipt

    async def accounts(self, addresses: Iterable[Address]) -> dict[Address, AccountState | None]:
        return await self.chain.get_accounts(dict.fromkeys(addresses))

    async def wallet(self, label: str, lamports: int = USER_LAMPORTS) -> Wallet:
        wallet = seeded(label)
        await self.chain.airdrop(wallet.address, lamports)
        return wallet

    async def initialize_program(self) -> Receipt:
        admin = self.chain.upgrade_authority
        return await self.send_ok([builders.initialize_program(self.program_id, admin.address)], [admin])

    async def create_mint(self, label: str, decimals: int, *, token_program: Address = ids.TOKEN_PROGRAM_ID
                          ) -> Address:
        """A mint without freeze authority (8.9), `core` as mint authority."""
        mint = seeded(label)
        await self.send_ok([programs.create_account(self.core.address, mint.address, frt_math.rent(ids.MINT_LEN),
                                                    ids.MINT_LEN, token_program),
                            programs.initialize_mint2(mint.address, decimals, self.core.address,
                                                      token_program=token_program)], [self.core, mint])
        return mint.address

    async def create_sorted_mints(self, label: str, decimals_a: int, decimals_b: int) -> tuple[Address, Address]:
        """Two mints (token A, token B) in the program's byte order, with the decimals asked for each side."""
        first, second = (seeded(f"{label}-{i}").address for i in range(2))
        names = {first: f"{label}-0", second: f"{label}-1"}
        mint_a, mint_b = pdas.sort_mints(first, second)
        return (await self.create_mint(names[mint_a], decimals_a), await self.create_mint(names[mint_b], decimals_b))

    def pool_addresses(self, mint1: Address, decimals1: int, mint2: Address, decimals2: int,
                       rate: Fraction | int | str) -> PoolAddresses:
        """The pool "1 mint1 = rate mint2" as `frt.ratio` normalizes it (sorted mints, anchored ratio)."""
        ratio = normalize_ratio(mint1, decimals1, mint2, decimals2, rate)
        return PoolAddresses.derive(self.program_id, ratio.token_a, ratio.token_b, ratio.ratio_a, ratio.ratio_b)

    async def create_pool(self, pool: PoolAddresses, *, flags: int = 0, creator: Wallet | None = None) -> Receipt:
        payer = self.core if creator is None else creator
        return await self.send_ok([builders.initialize_pool(payer.address, pool, flags=flags)], [payer])

    async def open_token_accounts(self, owner: Address, mints: Iterable[Address]) -> None:
        """Associated token accounts of `owner`, paid by the core wallet, four per transaction."""
        creations = [programs.create_associated_token_account(self.core.address, owner, mint) for mint in mints]
        for start in range(0, len(creations), 4):
            await self.send_ok(creations[start:start + 4], [self.core])

    async def mint_tokens(self, owner: Address, mints: Iterable[Address], amount: int) -> None:
        await self.send_ok([programs.mint_to(mint, ata(owner, mint), self.core.address, amount) for mint in mints],
                           [self.core])

    async def trader(self, label: str, pool: PoolAddresses, *, lp_accounts: bool = True,
                     lamports: int = USER_LAMPORTS) -> Wallet:
        """A wallet holding `USER_TOKENS` of both pool tokens, with LP token accounts unless told not to."""
        wallet = await self.wallet(label, lamports)
        tokens = (pool.token_a_mint, pool.token_b_mint)
        await self.open_token_accounts(wallet.address, (*tokens, pool.lp_a_mint, pool.lp_b_mint)
                                       if lp_accounts else tokens)
        await self.mint_tokens(wallet.address, tokens, USER_TOKENS)
        return wallet

    async def deposit(self, pool: PoolAddresses, user: Wallet, side: Side, amount: int) -> None:
        await self.send_ok([builders.deposit(pool, user.address, side, amount)], [user])

    # Operations checked against the oracle; `watch` adds accounts that must stay unchanged.

    async def checked_deposit(self, pool: PoolAddresses, user: Wallet, side: Side, amount: int, *,
                              watch: Iterable[Address] = ()) -> Receipt:
        before = await self.accounts((*operation_watch(pool, user.address), *watch))
        return await self.run([builders.deposit(pool, user.address, side, amount)], [user],
                              predict_deposit(before, pool, user.address, side, amount))

    async def checked_withdraw(self, pool: PoolAddresses, user: Wallet, side: Side, lp_amount: int, *,
                               watch: Iterable[Address] = ()) -> Receipt:
        before = await self.accounts((*operation_watch(pool, user.address), *watch))
        return await self.run([builders.withdraw(pool, user.address, side, lp_amount)], [user],
                              predict_withdraw(before, pool, user.address, side, lp_amount))

    async def checked_swap(self, pool: PoolAddresses, user: Wallet, input_side: Side, amount_in: int,
                           expected_out: int, *, watch: Iterable[Address] = ()) -> Receipt:
        before = await self.accounts((*operation_watch(pool, user.address), *watch))
        return await self.run([builders.swap(pool, user.address, input_side, amount_in, expected_out)], [user],
                              predict_swap(before, pool, user.address, input_side, amount_in, expected_out))


# ---------------------------------------------------------------------------------------------------------
# Scenes


@dataclass
class Market:
    """An initialized program with two liquid pools over the same two 6-decimal mints, extra mints, and
    users in the states the error cases need."""

    bench: Bench
    pool: PoolAddresses
    """1 A = 2.5 B (a Decimal pool): swaps floor in both directions, B→A inputs below 3 give nothing."""
    exact_pool: PoolAddresses
    """1 A = 3 B with flag 64 (exact exchange): B→A inputs must be multiples of 3."""
    outsider_mint: Address
    """A classic SPL mint in no pool (6 decimals)."""
    token22_mint: Address
    """A Token-2022 mint (6 decimals)."""
    squatted_pool: PoolAddresses
    """A pool of token A and the outsider mint (1:5) not created yet, whose PDA already holds lamports."""
    trader: Wallet
    """Tokens, LP accounts, `TRADER_LP` LP tokens of both sides of `pool`; outsider tokens too."""
    newcomer: Wallet
    """Tokens of `pool`, no LP token accounts."""
    pauper: Wallet
    """Tokens and LP accounts of `pool`, fewer lamports than the liquidity fee."""
    poor_creator: Wallet
    """1 SOL: less than the pool registration fee."""
    rent_short_creator: Wallet
    """The registration fee and 5M lamports: less than the rent of the five pool accounts."""

    @property
    def program_id(self) -> Address:
        return self.bench.program_id

    @property
    def core(self) -> Wallet:
        return self.bench.core

    def watched(self) -> tuple[Address, ...]:
        """Every account the scene created or funded: a failure must leave all of them as they were."""
        users = (self.trader, self.newcomer, self.pauper, self.poor_creator, self.rent_short_creator, self.core)
        return tuple(dict.fromkeys((
            *system_accounts(self.program_id), *pool_accounts(self.pool), *pool_accounts(self.exact_pool),
            *pool_accounts(self.squatted_pool), self.token22_mint, ata(self.trader.address, self.outsider_mint),
            *(address for user in users for address in user_accounts(user.address, self.pool)),
            *user_accounts(self.core.address, self.exact_pool))))


MAIN_DECIMALS: Final = 6
MARKET_RATIOS: Final = (1_000_000, 2_500_000, 1_000_000, 3_000_000)
PAUPER_LAMPORTS: Final = 2_000_000
POOR_CREATOR_LAMPORTS: Final = SOL
RENT_SHORT_CREATOR_LAMPORTS: Final = c.REGISTRATION_FEE + 5_000_000


async def open_market(target: str = "litesvm") -> Market:
    bench = await Bench.open(target)
    await bench.initialize_program()
    x, y = await bench.create_sorted_mints("market-mint", MAIN_DECIMALS, MAIN_DECIMALS)
    outsider = await bench.create_mint("mint-outsider", MAIN_DECIMALS)
    token22 = await bench.create_mint("mint-token22", MAIN_DECIMALS, token_program=ids.TOKEN_2022_PROGRAM_ID)
    pool = bench.pool_addresses(x, MAIN_DECIMALS, y, MAIN_DECIMALS, "1:2.5")
    exact_pool = bench.pool_addresses(x, MAIN_DECIMALS, y, MAIN_DECIMALS, 3)
    assert (pool.ratio_a, pool.ratio_b, exact_pool.ratio_a, exact_pool.ratio_b) == MARKET_RATIOS
    await bench.create_pool(pool)
    await bench.create_pool(exact_pool, flags=PoolFlag.EXACT_EXCHANGE_REQUIRED)
    core = bench.core
    await bench.open_token_accounts(core.address, (x, y, pool.lp_a_mint, pool.lp_b_mint, exact_pool.lp_a_mint,
                                                   exact_pool.lp_b_mint))
    await bench.mint_tokens(core.address, (x, y), 4 * POOL_LIQUIDITY)
    for liquid in (pool, exact_pool):
        for side in Side:
            await bench.deposit(liquid, core, side, POOL_LIQUIDITY)
    trader = await bench.trader("trader", pool)
    for side in Side:
        await bench.deposit(pool, trader, side, TRADER_LP)
    await bench.open_token_accounts(trader.address, (outsider,))
    await bench.mint_tokens(trader.address, (outsider,), USER_TOKENS)
    squatted = bench.pool_addresses(x, MAIN_DECIMALS, outsider, MAIN_DECIMALS, 5)
    await bench.chain.airdrop(squatted.pool, SOL)
    return Market(bench, pool, exact_pool, outsider, token22, squatted, trader,
                  newcomer=await bench.trader("newcomer", pool, lp_accounts=False),
                  pauper=await bench.trader("pauper", pool, lamports=PAUPER_LAMPORTS),
                  poor_creator=await bench.wallet("poor-creator", POOR_CREATOR_LAMPORTS),
                  rent_short_creator=await bench.wallet("rent-short-creator", RENT_SHORT_CREATOR_LAMPORTS))


@pytest_asyncio.fixture(params=TARGETS)
async def bench(request: pytest.FixtureRequest) -> AsyncIterator[Bench]:
    """A fresh chain with the program deployed and not initialized, on each target."""
    opened = await Bench.open(request.param)
    yield opened
    await opened.closing.aclose()


@pytest_asyncio.fixture
async def program(bench: Bench) -> Bench:
    """`bench` after InitializeProgram by the upgrade authority."""
    await bench.initialize_program()
    return bench


@pytest_asyncio.fixture(params=TARGETS)
async def market(request: pytest.FixtureRequest) -> AsyncIterator[Market]:
    opened = await open_market(request.param)
    yield opened
    await opened.bench.closing.aclose()


@pytest_asyncio.fixture
async def timed_market() -> AsyncIterator[Market]:
    """The in-process market: its clock can be moved."""
    opened = await open_market("litesvm")
    yield opened
    await opened.bench.closing.aclose()
