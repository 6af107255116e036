"""Decoded views of one pool's accounts, and of the program's global accounts, at one point in time.

A snapshot is built from a plain `Mapping[Address, AccountState | None]`, so the same code reads a receipt's
``before`` / ``after`` and a fresh `Chain.get_accounts`. Addresses come from the harness's own derivation
(`PoolAddresses`), never from the PoolState the program wrote: the verifier does not trust the program to
say where its vaults are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import Enum
from typing import Any

from pytest_fixedratio.chain.base import AccountMap, AccountState
from pytest_fixedratio.errors import DecodeError, FixedRatioError
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.math import conservation_value
from pytest_fixedratio.frt.pdas import PoolAddresses, PoolRole, pool_roles
from pytest_fixedratio.frt.state import (
    AccountLayout,
    MainTreasuryState,
    Mint,
    PoolState,
    SystemState,
    TokenAccount,
    layout_for,
)
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address


class SnapshotError(FixedRatioError):
    """The accounts do not form a pool (or global) snapshot: some are missing or do not decode."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


# ---------------------------------------------------------------------------------------------------------
# Any account, decoded by what it looks like


def decode_account(account: AccountState) -> AccountLayout | None:
    """The decoded data, or None when the account has no known layout or its bytes do not decode."""
    layout = layout_for(account.owner, len(account.data))
    if layout is None:
        return None
    try:
        return layout.decode(account.data)
    except DecodeError:
        return None


def plain(value: object) -> Any:
    """A JSON-able form of a decoded field: addresses as base58, enums and flags as ints, tuples as lists."""
    if isinstance(value, Address):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    return value


def decoded_fields(decoded: AccountLayout) -> dict[str, Any]:
    return {f.name: plain(getattr(decoded, f.name)) for f in fields(decoded)}  # type: ignore[arg-type]


def describe_account(account: AccountState | None) -> dict[str, Any] | None:
    """Evidence for a report: lamports, owner and the decoded fields (or the data as hex if undecodable)."""
    if account is None:
        return None
    decoded = decode_account(account)
    body: dict[str, Any] = {"lamports": account.lamports, "owner": str(account.owner),
                            "executable": account.executable}
    if decoded is None:
        body["data_hex"] = account.data.hex()
    else:
        body["kind"] = type(decoded).__name__
        body["fields"] = decoded_fields(decoded)
    return body


# ---------------------------------------------------------------------------------------------------------
# One pool


@dataclass(frozen=True, slots=True)
class PoolSnapshot:
    """One pool's accounts, decoded. `accounts` keeps the raw states by role for evidence in reports."""

    addresses: PoolAddresses
    state: PoolState
    pool_lamports: int
    vault_a: TokenAccount
    vault_b: TokenAccount
    lp_mint_a: Mint
    lp_mint_b: Mint
    token_mint_a: Mint
    token_mint_b: Mint
    accounts: Mapping[PoolRole, AccountState]

    def vault(self, side: Side) -> TokenAccount:
        return self.vault_a if side is Side.A else self.vault_b

    def lp_mint(self, side: Side) -> Mint:
        return self.lp_mint_a if side is Side.A else self.lp_mint_b

    def token_mint(self, side: Side) -> Mint:
        return self.token_mint_a if side is Side.A else self.token_mint_b

    @property
    def surplus(self) -> int:
        """S = rb·(TA − LA) + ra·(TB − LB) (section 5 I2): the value the pool holds beyond what its LP
        tokens redeem, in units of A·B; only swap rounding (or an outside burn of LP) makes it grow."""
        s = self.state
        return conservation_value(s.ratio_a_numerator, s.ratio_b_denominator, s.total_token_a_liquidity,
                                  s.total_token_b_liquidity, self.lp_mint_a.supply, self.lp_mint_b.supply)

    def describe(self) -> dict[str, Any]:
        """Every account of the pool as report evidence, keyed by role."""
        return {role.value: describe_account(account) for role, account in self.accounts.items()}


def _decode(accounts: AccountMap, role: str, address: Address, layout: type[AccountLayout], owner: Address,
            problems: list[str], known: Mapping[Address, AccountLayout] | None = None
            ) -> tuple[AccountState, Any] | None:
    """The raw and decoded account, or None after appending to `problems` why it cannot be used."""
    account = accounts.get(address)
    if account is None:
        problems.append(f"{role} {address} " + ("does not exist" if address in accounts else "was not read"))
        return None
    if account.owner != owner:
        problems.append(f"{role} {address} is owned by {account.owner}, expected {owner}")
        return None
    decoded = None if known is None else known.get(address)
    if isinstance(decoded, layout):
        return account, decoded
    try:
        return account, layout.decode(account.data)
    except DecodeError as exc:
        problems.append(f"{role} {address}: {exc}")
        return None


_POOL_LAYOUTS: dict[PoolRole, type[AccountLayout]] = {
    PoolRole.POOL: PoolState, PoolRole.VAULT_A: TokenAccount, PoolRole.VAULT_B: TokenAccount,
    PoolRole.LP_MINT_A: Mint, PoolRole.LP_MINT_B: Mint, PoolRole.TOKEN_MINT_A: Mint, PoolRole.TOKEN_MINT_B: Mint,
}


def pool_snapshot(addresses: PoolAddresses, accounts: AccountMap,
                  known: Mapping[Address, AccountLayout] | None = None) -> PoolSnapshot:
    """Decode one pool from `accounts` (which must hold `pool_watch_list(addresses)`); raises `SnapshotError`
    naming every account that is missing, owned by the wrong program or undecodable. `known` holds accounts
    already decoded from exactly these states (a prediction the chain matched), which are not decoded again."""
    problems: list[str] = []
    decoded: dict[PoolRole, tuple[AccountState, Any]] = {}
    for role, address in pool_roles(addresses).items():
        owner = addresses.program_id if role is PoolRole.POOL else ids.TOKEN_PROGRAM_ID
        found = _decode(accounts, role.value, address, _POOL_LAYOUTS[role], owner, problems, known)
        if found is not None:
            decoded[role] = found
    if problems:
        raise SnapshotError(problems)
    pool_account, state = decoded[PoolRole.POOL]
    return PoolSnapshot(
        addresses, state, pool_account.lamports,
        decoded[PoolRole.VAULT_A][1], decoded[PoolRole.VAULT_B][1],
        decoded[PoolRole.LP_MINT_A][1], decoded[PoolRole.LP_MINT_B][1],
        decoded[PoolRole.TOKEN_MINT_A][1], decoded[PoolRole.TOKEN_MINT_B][1],
        {role: account for role, (account, _) in decoded.items()},
    )


# ---------------------------------------------------------------------------------------------------------
# Program-wide accounts


def global_watch_list(program_id: Address) -> tuple[Address, ...]:
    """SystemState and MainTreasury PDAs of the program."""
    return pdas.system_state(program_id)[0], pdas.main_treasury(program_id)[0]


@dataclass(frozen=True, slots=True)
class GlobalSnapshot:
    """The MainTreasury (state and lamports) and the SystemState."""

    treasury: MainTreasuryState
    treasury_lamports: int
    system: SystemState
    accounts: Mapping[str, AccountState]

    def describe(self) -> dict[str, Any]:
        return {name: describe_account(account) for name, account in self.accounts.items()}


def global_snapshot(program_id: Address, accounts: AccountMap) -> GlobalSnapshot:
    """Decode the program's global accounts from `accounts`; raises `SnapshotError` like `pool_snapshot`."""
    system_address, treasury_address = global_watch_list(program_id)
    problems: list[str] = []
    system = _decode(accounts, "SystemState", system_address, SystemState, program_id, problems)
    treasury = _decode(accounts, "MainTreasury", treasury_address, MainTreasuryState, program_id, problems)
    if system is None or treasury is None:
        raise SnapshotError(problems)
    return GlobalSnapshot(treasury[1], treasury[0].lamports, system[1],
                          {"SystemState": system[0], "MainTreasury": treasury[0]})
