"""Hand-built account worlds for the verifier's unit tests: one pool, its user, encoded with `frt.state`.

`World` holds a mutable `dict[Address, AccountState]` laid out exactly as InitializePool and the SPL Token
program leave it, so tests can run the ledger over it, tamper with single fields, and check invariants
without a chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pytest_fixedratio.chain.base import AccountMap, AccountState, Receipt
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.errors import TransactionFailure
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.frt.state import AccountLayout, Mint, PoolState, SystemState, TokenAccount
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.pda import associated_token_address
from pytest_fixedratio.verify.ledger import Expectation, predict, watch_list
from pytest_fixedratio.verify.operations import Operation
from pytest_fixedratio.verify.snapshot import PoolSnapshot, pool_snapshot, pool_watch_list

PROGRAM_ID = Address(bytes([0x42] * 32))
MINT_X = Address(bytes([0x11] * 32))
MINT_Y = Address(bytes([0xEE] * 32))
CREATOR = Address(bytes([0x01] * 32))
USER = Address(bytes([0x02] * 32))
OTHER_USER = Address(bytes([0x03] * 32))
CORE = Address(bytes([0x04] * 32))
USER_LAMPORTS = 1_000 * ids.LAMPORTS_PER_SOL
USER_TOKENS = 10**15
NETWORK_FEE = 5_000


def _account(layout: AccountLayout, owner: Address, lamports: int | None = None) -> AccountState:
    data = layout.encode()
    return AccountState(frt_math.rent(len(data)) if lamports is None else lamports, owner, data)


@dataclass
class World:
    """One pool with a funded user holding both tokens and both LP tokens (as ATAs)."""

    pool: PoolAddresses
    accounts: dict[Address, AccountState | None] = field(default_factory=dict)

    @property
    def system_state(self) -> Address:
        return pdas.system_state(self.pool.program_id)[0]

    def ata(self, owner: Address, mint: Address) -> Address:
        return associated_token_address(owner, mint)

    # -- decoded reads and single-field writes (tampering) ------------------------------------------------

    def decoded(self, address: Address, layout: type[Any]) -> Any:
        account = self.accounts[address]
        assert account is not None
        return layout.decode(account.data)

    def edit(self, address: Address, layout: type[Any], **changes: Any) -> None:
        account = self.accounts[address]
        assert account is not None
        data = replace(layout.decode(account.data), **changes).encode()
        self.accounts[address] = replace(account, data=data)

    def set_lamports(self, address: Address, lamports: int) -> None:
        account = self.accounts[address]
        assert account is not None
        self.accounts[address] = replace(account, lamports=lamports)

    def state(self) -> PoolState:
        state: PoolState = self.decoded(self.pool.pool, PoolState)
        return state

    def snapshot(self) -> PoolSnapshot:
        return pool_snapshot(self.pool, {a: self.accounts.get(a) for a in pool_watch_list(self.pool)})

    def watched(self, addresses: Iterable[Address]) -> dict[Address, AccountState | None]:
        """The accounts at `addresses` as a receipt would hold them."""
        return {address: self.accounts.get(address) for address in addresses}

    def receipt(self, operations: Sequence[Operation], after: AccountMap, *, ok: bool = True,
                fee: int = NETWORK_FEE, fee_payer: Address = USER) -> Receipt:
        """A receipt of a transaction that ran `operations` on this world and left `after`."""
        before = self.watched(watch_list(operations, fee_payer))
        failure = None if ok else TransactionFailure("InvalidArgument", 0)
        return Receipt("sig", ok, failure, (), 0, fee, before, {a: after.get(a) for a in before}, 1, 0)

    def run(self, operations: Sequence[Operation], *, fee_payer: Address = USER) -> Expectation:
        """Apply the ledger's prediction to the world (the pure model of a successful transaction)."""
        expectation = predict(self.watched(watch_list(operations, fee_payer)), operations,
                              fee_payer=fee_payer, network_fee=NETWORK_FEE)
        self.accounts.update(expectation.predicted)
        return expectation

    def add_user(self, user: Address, *, tokens: int = USER_TOKENS, lamports: int = USER_LAMPORTS) -> None:
        """A wallet with `tokens` of A and B and empty LP accounts, all as ATAs."""
        self.accounts[user] = AccountState(lamports, ids.SYSTEM_PROGRAM_ID, b"")
        for mint, amount in ((self.pool.token_a_mint, tokens), (self.pool.token_b_mint, tokens),
                             (self.pool.lp_a_mint, 0), (self.pool.lp_b_mint, 0)):
            self.accounts[self.ata(user, mint)] = _account(TokenAccount(mint, user, amount), ids.TOKEN_PROGRAM_ID)

    def seed_liquidity(self, side: Side, amount: int, holder: Address = CREATOR) -> None:
        """As if `holder` had deposited `amount` on `side` (fee counters left alone): vault, total, LP supply
        and the holder's LP account all grow by `amount`."""
        total = "total_token_a_liquidity" if side is Side.A else "total_token_b_liquidity"
        self.edit(self.pool.pool, PoolState, **{total: self.state().liquidity(side) + amount})
        for address, layout, name in ((self.pool.vault(side), TokenAccount, "amount"),
                                      (self.pool.lp_mint(side), Mint, "supply"),
                                      (self.ata(holder, self.pool.lp_mint(side)), TokenAccount, "amount")):
            self.edit(address, layout, **{name: getattr(self.decoded(address, layout), name) + amount})


def build_world(*, ratio_a: int = 1_000_000, ratio_b: int = 3_000_000, decimals: tuple[int, int] = (6, 6),
                creation_flags: int = 0, simple_ratio: bool = True) -> World:
    """A freshly created pool (nothing deposited) with `USER` funded; `CREATOR` also holds LP accounts."""
    pool = PoolAddresses.derive(PROGRAM_ID, MINT_X, MINT_Y, ratio_a, ratio_b)
    world = World(pool)
    state = PoolState.created(pool, CREATOR, simple_ratio=simple_ratio, creation_flags=creation_flags)
    world.accounts[pool.pool] = _account(state, PROGRAM_ID)
    world.accounts[world.system_state] = _account(SystemState(False, 0, 0, CREATOR, CREATOR, 0), PROGRAM_ID)
    for side, decimal in zip(Side, decimals, strict=True):
        world.accounts[pool.vault(side)] = _account(TokenAccount(pool.mint(side), pool.pool, 0), ids.TOKEN_PROGRAM_ID)
        world.accounts[pool.lp_mint(side)] = _account(Mint(pool.pool, 0, decimal), ids.TOKEN_PROGRAM_ID)
        world.accounts[pool.mint(side)] = _account(Mint(CORE, 10**18, decimal), ids.TOKEN_PROGRAM_ID)
    world.add_user(USER)
    world.add_user(CREATOR)
    return world


def exact_world() -> World:
    """An exact-exchange pool (flag 64) at 1 A : 3 B."""
    world = build_world(creation_flags=PoolFlag.EXACT_EXCHANGE_REQUIRED)
    assert PoolFlag.EXACT_EXCHANGE_REQUIRED in world.state().flags
    return world
