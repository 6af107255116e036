"""Hand-built account worlds for the verifier's and the intents' unit tests: one pool, its user, encoded with
`frt.state`.

`World` holds a mutable `dict[Address, AccountState]` laid out exactly as InitializeProgram, InitializePool and
the SPL Token program leave it, so tests can run intents' predictions over it, tamper with single fields, build
receipts for the verifier, and check invariants without a chain. The people of a world are wallets (intents
are signed by `Wallet`s); their addresses are the module's address constants.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pytest_fixedratio.chain.base import AccountMap, AccountState, Receipt
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.errors import CUSTOM, Raiser, TransactionFailure
from pytest_fixedratio.frt.pdas import PoolAddresses, pool_watch_list
from pytest_fixedratio.frt.state import AccountLayout, MainTreasuryState, Mint, PoolState, SystemState, TokenAccount
from pytest_fixedratio.intents.expected import ExpectedError
from pytest_fixedratio.intents.intent import Intent, Prediction
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.sol.pda import associated_token_address
from pytest_fixedratio.verify.snapshot import PoolSnapshot, pool_snapshot

PROGRAM_ID = Address(bytes([0x42] * 32))
MINT_X = Address(bytes([0x11] * 32))
MINT_Y = Address(bytes([0xEE] * 32))
CREATOR_WALLET = Wallet.from_seed(bytes([0x01] * 32))
USER_WALLET = Wallet.from_seed(bytes([0x02] * 32))
OTHER_USER_WALLET = Wallet.from_seed(bytes([0x03] * 32))
CORE_WALLET = Wallet.from_seed(bytes([0x04] * 32))
CREATOR = CREATOR_WALLET.address
USER = USER_WALLET.address
OTHER_USER = OTHER_USER_WALLET.address
CORE = CORE_WALLET.address
"""The mints' authority."""
USER_LAMPORTS = 1_000 * ids.LAMPORTS_PER_SOL
USER_TOKENS = 10**15
NETWORK_FEE = 5_000
SIGNATURE = "sig"


def intent(*ops: Op, payer: Wallet = USER_WALLET, signers: Sequence[Wallet] = (), pool: Address | None = None
           ) -> Intent:
    """One transaction of `ops` paid (and signed first) by `payer`, then signed by `signers`."""
    return Intent("test", "test", tuple(ops), (payer, *(s for s in signers if s != payer)), pool=pool)


def failure_of(error: ExpectedError, program_id: Address = PROGRAM_ID, *, instruction: int = 0
               ) -> tuple[TransactionFailure, tuple[str, ...]]:
    """A chain failure and the log lines a chain reports with it, such that `classify` names `error` (raised
    at the error's instruction, else at `instruction`)."""
    if error.raiser is Raiser.RUNTIME:
        return TransactionFailure(error.kind), ()
    index = instruction if error.instruction is None else error.instruction
    failure = TransactionFailure(error.kind, index, error.code if error.kind == CUSTOM else None)
    reason = f"custom program error: {error.code:#x}" if error.kind == CUSTOM else error.kind
    callee = {Raiser.FRT: program_id, Raiser.SPL_TOKEN: ids.TOKEN_PROGRAM_ID,
              Raiser.SYSTEM: ids.SYSTEM_PROGRAM_ID}[error.raiser]
    logs = [f"Program {program_id} invoke [1]"]
    if callee != program_id:
        logs += [f"Program {callee} invoke [2]", f"Program {callee} failed: {reason}"]
    logs.append(f"Program {program_id} failed: {reason}")
    return failure, tuple(logs)


def success_logs(prediction: Prediction) -> tuple[str, ...]:
    """The program log lines of a successful transaction that printed what `prediction` says it must."""
    return tuple(f"Program log: {line}" for line in prediction.logs)


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

    @property
    def treasury(self) -> Address:
        return pdas.main_treasury(self.pool.program_id)[0]

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

    def before(self, transaction: Intent) -> dict[Address, AccountState | None]:
        """What a receipt of `transaction` holds as its before-state: every account the intent watches."""
        return self.watched(transaction.watch())

    def predict(self, transaction: Intent, *, fee: int = NETWORK_FEE, now: int = 0) -> Prediction:
        return transaction.predict(self.before(transaction), network_fee=fee, now=now)

    def receipt(self, transaction: Intent, after: AccountMap, *, error: ExpectedError | None = None,
                fee: int = NETWORK_FEE, logs: Sequence[str] | None = None, now: int = 0) -> Receipt:
        """A receipt of `transaction` on this world that left `after`: a success, or a failure the chain
        reports as `error` (with log lines `classify` attributes to its raiser). A success prints the lines
        its prediction names unless `logs` says otherwise."""
        before = self.before(transaction)
        after = {a: after.get(a) for a in before}
        if error is None:
            lines = success_logs(self.predict(transaction, fee=fee, now=now)) if logs is None else tuple(logs)
            return Receipt(SIGNATURE, True, None, lines, 0, fee, before, after, 1, now)
        failure, failure_logs = failure_of(error)
        return Receipt(SIGNATURE, False, failure, failure_logs if logs is None else tuple(logs), 0, fee, before,
                       after, 1, now)

    def run(self, ops: Intent | Sequence[Op], *, payer: Wallet = USER_WALLET) -> Prediction:
        """Apply the intent's prediction to the world (the pure model of the transaction: a success's effect, or
        a failure's network fee)."""
        transaction = ops if isinstance(ops, Intent) else intent(*ops, payer=payer)
        prediction = self.predict(transaction)
        self.accounts.update(prediction.accounts)
        return prediction

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
    """A freshly created pool (nothing deposited) with `USER` funded; `CREATOR` also holds LP accounts. The
    program is initialized (SystemState, an all-zero MainTreasury)."""
    pool = PoolAddresses.derive(PROGRAM_ID, MINT_X, MINT_Y, ratio_a, ratio_b)
    world = World(pool)
    state = PoolState.created(pool, CREATOR, simple_ratio=simple_ratio, creation_flags=creation_flags)
    world.accounts[pool.pool] = _account(state, PROGRAM_ID)
    world.accounts[world.system_state] = _account(SystemState(False, 0, 0, CREATOR, CREATOR, 0), PROGRAM_ID)
    world.accounts[world.treasury] = _account(MainTreasuryState(), PROGRAM_ID)
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
