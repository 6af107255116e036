"""The accounts one transaction touches, as its operations must leave them.

A `Book` starts from the watched accounts before the transaction (decoded once, kept decoded while operations
edit them) and is re-encoded into complete account states when read, so a prediction is exact to the byte.
Operations raise `Fails` when the chain must refuse them; `changes` records every edit for reports and
`logs` the success log lines clients read.

The MainTreasury's lamports are accounted for by cause (`flows`, `record_flow`), so the verifier can hold the
treasury to G1 (rent + 1.15 SOL per pool + donations + consolidated - withdrawn) without reading the chain, and
an operation that syncs the treasury's cached `total_balance` says so (`sync_treasury`, G4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any, Final, NamedTuple, TypeVar

from pytest_fixedratio.chain.base import AccountMap, AccountState
from pytest_fixedratio.errors import DecodeError, InvalidArgument
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.state import AccountLayout, MainTreasuryState, layout_for
from pytest_fixedratio.intents.expected import ExpectedError, Fails
from pytest_fixedratio.sol.address import Address

L = TypeVar("L", bound=AccountLayout)
U64_MAX = frt_math.U64_MAX
FLOW_CAUSES: Final = ("pools_created", "donations", "consolidated", "withdrawn")
"""Why the MainTreasury's lamports move (G1): pools created (a count: each brings `REGISTRATION_FEE`), and the
lamports donated, consolidated in from pools and withdrawn out of it."""


def no_flows() -> dict[str, int]:
    """Every cause of `FLOW_CAUSES` at 0: what a transaction that moves nothing in or out of the treasury books."""
    return dict.fromkeys(FLOW_CAUSES, 0)


class Change(NamedTuple):
    """One predicted edit: `field` of the account at `address` moves by `delta`."""

    label: str
    address: Address
    field: str
    delta: int

    def __str__(self) -> str:
        return f"{self.label} {self.address}.{self.field} {self.delta:+}"


_FIELD_NAMES: dict[type[AccountLayout], tuple[str, ...]] = {}


def _field_names(layout: type[AccountLayout]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(layout)
    if names is None:
        names = _FIELD_NAMES[layout] = tuple(f.name for f in fields(layout))  # type: ignore[arg-type]
    return names


class Book:
    """Edited in transaction order; `now` is the Clock sysvar's unix timestamp the transaction runs under."""

    def __init__(self, before: AccountMap, labels: Mapping[Address, str], *, now: int = 0) -> None:
        self._accounts: dict[Address, AccountState | None] = dict(before)
        self._decoded: dict[Address, AccountLayout] = {}
        self._edited: set[Address] = set()
        self._labels = labels
        self.now = now
        self.changes: list[Change] = []
        self.logs: list[str] = []
        self.surplus_added: dict[Address, int] = {}
        self.flows = no_flows()
        """The treasury's lamport flows by cause so far (`record_flow`)."""
        self._synced: Address | None = None
        """The treasury whose cached total_balance the last syncing operation set to its lamports, while nothing
        has moved its lamports since."""
        self._pending: dict[Address, dict[str, int]] = {}
        """Deltas added to decoded accounts and not yet applied: an account is rebuilt once when it is next read,
        not once per edit (a pool state takes several edits per operation)."""

    @property
    def accounts(self) -> dict[Address, AccountState | None]:
        """Every watched account as the operations so far leave it (an account left with 0 lamports is gone:
        the runtime deletes it when the transaction commits)."""
        for address in list(self._pending):
            self._apply_pending(address)
        accounts = dict(self._accounts)
        for address in self._edited:
            account = accounts[address]
            assert account is not None  # only existing accounts are decoded and edited
            accounts[address] = AccountState(account.lamports, account.owner,
                                             _written(self._decoded[address], account.data), account.executable)
        return {a: None if s is None or s.lamports == 0 else s for a, s in accounts.items()}

    def current(self, address: Address) -> AccountState | None:
        """One watched account as the operations so far leave it, bytes included: what a program that reads
        raw bytes (tags, lengths) sees after earlier edits of the same transaction."""
        account = self._watched(address)
        if account is None or address not in self._edited:
            return account
        if address in self._pending:
            self._apply_pending(address)
        return AccountState(account.lamports, account.owner, _written(self._decoded[address], account.data),
                            account.executable)

    def patch(self, address: Address, offset: int, data: bytes) -> None:
        """Write `data` at `offset` of an account the program writes as raw bytes, not through a layout the
        book decodes (a MainTreasury of another length than its state's); the account must hold those bytes."""
        account = self.current(address)
        if account is None or offset + len(data) > len(account.data):
            raise InvalidArgument(f"{self.label(address)} cannot take {len(data)} bytes at offset {offset}")
        self._accounts[address] = AccountState(account.lamports, account.owner,
                                               account.data[:offset] + data + account.data[offset + len(data):],
                                               account.executable)
        self._decoded.pop(address, None)
        self._pending.pop(address, None)
        self._edited.discard(address)
        self.changes.append(Change(self._labels.get(address, "account"), address, f"bytes[{offset}:]", 0))

    @property
    def decoded(self) -> dict[Address, AccountLayout]:
        """Every account decoded so far, as the operations leave it."""
        for address in list(self._pending):
            self._apply_pending(address)
        return dict(self._decoded)

    def label(self, address: Address) -> str:
        return f"{self._labels.get(address, 'account')} {address}"

    def _watched(self, address: Address) -> AccountState | None:
        if address not in self._accounts:
            raise InvalidArgument(f"{self.label(address)} is not watched: pass every address of the intent's "
                                  f"`watch()` as the transaction's watch=")
        return self._accounts[address]

    def account(self, address: Address, *, error: ExpectedError | None = None) -> AccountState:
        """The account as it stands; a missing one makes the transaction fail with `error`."""
        account = self._watched(address)
        if account is None:
            raise Fails(error, f"{self.label(address)} does not exist")
        return account

    def exists(self, address: Address) -> bool:
        return self._watched(address) is not None

    def lamports(self, address: Address) -> int:
        account = self._watched(address)
        return 0 if account is None else account.lamports

    def read(self, address: Address, layout: type[L], *, error: ExpectedError | None = None) -> L:
        """The account decoded as `layout`; a missing account or one of another kind fails with `error`."""
        if address in self._pending:
            self._apply_pending(address)
        return self._decode(address, layout, error)

    def _decode(self, address: Address, layout: type[L], error: ExpectedError | None) -> L:
        """The decoded account without its pending deltas."""
        cached = self._decoded.get(address)
        if isinstance(cached, layout):
            return cached
        account = self.account(address, error=error)
        found = layout_for(account.owner, len(account.data))
        if found is not layout and not (found is None and layout.TRAILING_IGNORED):
            raise Fails(error, f"{self.label(address)} is not a {layout.__name__} "
                               f"(owner {account.owner}, {len(account.data)} bytes)")
        try:
            decoded = layout.decode(account.data) if found is layout else layout.decode_leading(account.data)
        except DecodeError as exc:
            raise Fails(error, f"{self.label(address)}: {exc}") from None
        self._decoded[address] = decoded
        return decoded

    def adjust(self, address: Address, layout: type[AccountLayout], *, error: ExpectedError | None = None,
               **deltas: int) -> None:
        """Add `deltas` to integer fields; leaving [0, u64 max] fails with `error`."""
        decoded = self._decode(address, layout, None)
        pending = self._pending.setdefault(address, {})
        label = self._labels.get(address, "account")
        for name, delta in deltas.items():
            value = getattr(decoded, name) + pending.get(name, 0)
            self._check_range(address, name, value, delta, error)
            pending[name] = pending.get(name, 0) + delta
            self.changes.append(Change(label, address, name, delta))
        self._edited.add(address)

    def _apply_pending(self, address: Address) -> None:
        pending = self._pending.pop(address)
        decoded = self._decoded[address]
        layout = type(decoded)
        self._decoded[address] = layout(*[getattr(decoded, name) + pending[name] if name in pending
                                          else getattr(decoded, name) for name in _field_names(layout)])

    def assign(self, address: Address, layout: type[AccountLayout], **values: Any) -> None:
        """Set fields to absolute values (timestamps, cached balances, flags)."""
        decoded = self.read(address, layout)
        self._decoded[address] = replace(decoded, **values)  # type: ignore[type-var]
        self._edited.add(address)
        self.changes.extend(Change(self._labels.get(address, "account"), address, name, 0) for name in values)

    def create(self, address: Address, owner: Address, data: bytes = b"", *,
               error: ExpectedError | None = None) -> None:
        """Bring a missing account into existence with 0 lamports (fund it with `add_lamports`)."""
        if self.exists(address):
            raise Fails(error, f"{self.label(address)} already exists")
        self._accounts[address] = AccountState(0, owner, data)
        self._decoded.pop(address, None)
        self._pending.pop(address, None)

    def remove(self, address: Address) -> None:
        """The account is closed by the transaction (its lamports must already have been moved out)."""
        account = self.account(address)
        if account.lamports:
            raise Fails(None, f"{self.label(address)} still holds {account.lamports} lamports")
        self._accounts[address] = None
        self._decoded.pop(address, None)
        self._pending.pop(address, None)
        self._edited.discard(address)

    def add_lamports(self, address: Address, delta: int, *, error: ExpectedError | None = None) -> None:
        """Move lamports in or out; a negative result fails with `error`."""
        account = self.account(address, error=error)
        self._check_range(address, "lamports", account.lamports, delta, error)
        self._accounts[address] = AccountState(account.lamports + delta, account.owner, account.data,
                                               account.executable)
        self.changes.append(Change(self._labels.get(address, "account"), address, "lamports", delta))
        if address == self._synced and delta:
            self._synced = None

    def record_flow(self, cause: str, amount: int) -> None:
        """Book `amount` of `cause` (one of `FLOW_CAUSES`) for the treasury: lamports, or pools for
        "pools_created"."""
        if cause not in self.flows:
            raise InvalidArgument(f"unknown treasury flow {cause!r}: one of {', '.join(FLOW_CAUSES)}")
        self.flows[cause] += amount

    def sync_treasury(self, treasury: Address, **values: int) -> None:
        """`MainTreasuryState.total_balance := lamports` (upstream's `sync_balance_with_account`), with the other
        fields the operation sets in `values`: the treasury's cache is right by rule until its lamports move."""
        self.assign(treasury, MainTreasuryState, total_balance=self.lamports(treasury), **values)
        self._synced = treasury

    @property
    def treasury_synced(self) -> bool:
        """Whether the operations so far end with a treasury's cached balance synced by rule (G4)."""
        return self._synced is not None

    def add_surplus(self, pool: Address, amount: int) -> None:
        self.surplus_added[pool] = self.surplus_added.get(pool, 0) + amount

    def log(self, line: str) -> None:
        """A log line the program must print on success (clients parse these)."""
        self.logs.append(line)

    def _check_range(self, address: Address, name: str, value: int, delta: int, error: ExpectedError | None
                     ) -> None:
        if not 0 <= value + delta <= U64_MAX:
            raise Fails(error, f"{self.label(address)}.{name} is {value}; {delta:+} leaves the u64 range")


def _written(decoded: AccountLayout, data: bytes) -> bytes:
    """What the program leaves in an account of `data` when it writes `decoded` in place with Borsh: an
    account of another length (read from the front, `AccountLayout.TRAILING_IGNORED`) keeps its length and
    the bytes past the layout, and a variable content (SystemState with no pending admin) rewrites only its own
    bytes, so the stale ones after it stay (frt-contract.md 3.2)."""
    encoded = decoded.encode()
    if decoded.VARIABLE_CONTENT:
        content = decoded.content_length()
        encoded = encoded[:content] + data[content:len(encoded)]
    if len(encoded) == len(data):
        return encoded
    return encoded[:len(data)] + data[len(encoded):]
