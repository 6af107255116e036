"""The accounts of a transaction as it executed, from reads around it and its metadata, on a shared chain.

A validator target reads the watched accounts before the send and after the confirmation, each read at one
slot. While nobody else touches them, those reads are the transaction's exact before and after. When another
client does (two processes on one pool), they are not, and checking the transaction against them would report
a violation where there is none. The transaction's metadata is exact whatever others do, but holds less: the
lamports of every account of its message and the amounts (and mints) of its token accounts, before and after.
From it, the part of each account a transaction can change is set right:

- lamports, of every account of the message, and token amounts, of its token accounts: the metadata's;
- a mint's supply moves only by what the transaction minted or burned, which is the sum of its token
  accounts' changes of that mint: after = before-read + that sum;
- a failed transaction changed nothing but lamports: after = before, lamports aside;
- an account outside the message is unchanged (a transaction cannot write it): after = before-read.
Where that agrees with the reads, they are taken as they are. Where it does not, the receipt is marked
contended: the changes of lamports, token amounts, supplies and of anything a failure touched are exact, any
other data (a program's own state) is as read and not exact (`exact_data`); the verifier runs the pool
invariants on the after-read, which is consistent (one slot) though later than the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from pytest_fixedratio.chain.base import AccountMap, AccountState
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address

TOKEN_PROGRAMS = frozenset({ids.TOKEN_PROGRAM_ID, ids.TOKEN_2022_PROGRAM_ID})
AMOUNT = slice(64, 72)
"""Where an SPL token account (and a Token-2022 one, which starts alike) keeps its amount."""
SUPPLY = slice(36, 44)
"""Where a mint keeps its supply."""
MINT_LEN = 82
TOKEN_ACCOUNT_LEN = 165
ACCOUNT_TYPE_MINT, ACCOUNT_TYPE_ACCOUNT = 1, 2
"""Token-2022's byte after the base layout, in an account with extensions."""


def _token_kind(state: AccountState) -> int:
    """ACCOUNT_TYPE_MINT, ACCOUNT_TYPE_ACCOUNT, or 0: not a token program's mint or account."""
    data = state.data
    if state.owner not in TOKEN_PROGRAMS:
        return 0
    if len(data) == MINT_LEN:
        return ACCOUNT_TYPE_MINT
    if len(data) == TOKEN_ACCOUNT_LEN:
        return ACCOUNT_TYPE_ACCOUNT
    return data[TOKEN_ACCOUNT_LEN] if len(data) > TOKEN_ACCOUNT_LEN else 0


def exact_data(state: AccountState) -> bool:
    """Whether the change of this account's data is exact in a contended receipt: a token account's or a mint's
    (see the module's docstring). Other data (a program's state) is as read, maybe later than the transaction."""
    return _token_kind(state) in (ACCOUNT_TYPE_MINT, ACCOUNT_TYPE_ACCOUNT)


@dataclass(frozen=True, slots=True)
class Balances:
    """What a transaction's metadata says of its message's accounts, in message order: lamports before and after,
    and the mints and amounts of its token accounts, by index."""

    keys: Sequence[Address]
    pre_lamports: Sequence[int]
    post_lamports: Sequence[int]
    pre_tokens: Mapping[int, int]
    post_tokens: Mapping[int, int]
    mints: Mapping[int, Address]
    failed: bool

    def minted(self, mint: Address) -> int:
        """How much the transaction minted (burned: negative) of `mint`: its token accounts' net change."""
        return sum(self.post_tokens.get(i, 0) - self.pre_tokens.get(i, 0)
                   for i, of in self.mints.items() if of == mint)


@dataclass(frozen=True, slots=True)
class Executed:
    before: AccountMap
    after: AccountMap
    contended: bool
    """True when the reads disagreed with the metadata: another client touched the accounts in between."""


def as_executed(balances: Balances, before: AccountMap, after: AccountMap) -> Executed:
    """`before` / `after` (reads of the same addresses) set right by `balances` where they disagree."""
    index = {address: i for i, address in enumerate(balances.keys)}
    fixed_before: dict[Address, AccountState | None] = {}
    fixed_after: dict[Address, AccountState | None] = {}
    for address, read_before in before.items():
        read_after = after[address]
        i = index.get(address)
        if i is None:  # outside the message: the transaction left it as it was
            fixed_before[address] = fixed_after[address] = read_before
            continue
        was = fixed_before[address] = _with(read_before, read_after, balances.pre_lamports[i],
                                            balances.pre_tokens.get(i))
        if balances.failed:  # nothing but lamports moved
            fixed_after[address] = None if was is None or not balances.post_lamports[i] else \
                replace(was, lamports=balances.post_lamports[i])
            continue
        fixed_after[address] = _with(read_after, read_before, balances.post_lamports[i], balances.post_tokens.get(i))
        fixed_after[address] = _supply_moved(was, fixed_after[address], balances.minted(address))
    contended = fixed_before != before or fixed_after != after
    return Executed(fixed_before, fixed_after, contended) if contended else Executed(before, after, False)


def _with(read: AccountState | None, other: AccountState | None, lamports: int, amount: int | None
          ) -> AccountState | None:
    """`read` with the metadata's lamports and token amount; an account with no lamports does not exist, and
    one the read missed (created and closed by another client in between) is taken from the other read."""
    if lamports == 0:
        return None
    state = read if read is not None else other
    if state is None:
        return None  # neither read saw it: nothing to build it from (the comparison will say so)
    data = state.data
    if amount is not None and _token_kind(state) == ACCOUNT_TYPE_ACCOUNT:
        data = data[:AMOUNT.start] + amount.to_bytes(8, "little") + data[AMOUNT.stop:]
    if (lamports, data) == (state.lamports, state.data):
        return state
    return replace(state, lamports=lamports, data=data)


def _supply_moved(before: AccountState | None, after: AccountState | None, minted: int) -> AccountState | None:
    """A mint's after-state with the supply it had before plus what the transaction minted."""
    if before is None or after is None or _token_kind(after) != ACCOUNT_TYPE_MINT:
        return after
    supply = int.from_bytes(before.data[SUPPLY], "little") + minted
    if not 0 <= supply < 2**64:
        return after  # the reads are of different mints' lives (closed and made again): leave it as read
    data = after.data[:SUPPLY.start] + supply.to_bytes(8, "little") + after.data[SUPPLY.stop:]
    return after if data == after.data else replace(after, data=data)
