"""The accounts of a transaction as it executed, from reads around it and its metadata, on a shared chain.

A validator target reads the watched accounts before the send and after the confirmation, each read at one
slot. While nobody else touches them, those reads are the transaction's exact before and after. When another
client does (two processes on one pool), they are not, and checking the transaction against them would report
a violation where there is none. The transaction's metadata is exact whatever others do, but holds less: the
lamports of every account of the message and the amounts of its token accounts, before and after. So:

- where the reads agree with the metadata, they are taken as they are (the receipt is not contended);
- where they do not, lamports and token amounts are set to the metadata's, an account outside the message
  is taken as unchanged (a transaction cannot write it), and the receipt is marked contended: the verifier
  then checks what the metadata makes exact (`exact_data` says whose data that covers) and runs the pool
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
TOKEN_ACCOUNT_LEN = 165
ACCOUNT_TYPE_ACCOUNT = 2
"""Token-2022's byte after the base layout, in an account with extensions: 1 a mint, 2 a token account."""


def exact_data(state: AccountState) -> bool:
    """Whether a contended receipt's data of this account is exact: a token account's, whose amount (the only
    field a transfer, mint or burn moves) comes from the metadata. Anything else's data (a mint's supply, a
    program's state) is as read, maybe later than the transaction."""
    if state.owner not in TOKEN_PROGRAMS:
        return False
    return len(state.data) == TOKEN_ACCOUNT_LEN or (
        len(state.data) > TOKEN_ACCOUNT_LEN and state.data[TOKEN_ACCOUNT_LEN] == ACCOUNT_TYPE_ACCOUNT)


@dataclass(frozen=True, slots=True)
class Balances:
    """What a transaction's metadata says of its message's accounts, in message order: lamports before and after,
    and the token amounts of its token accounts by index."""

    keys: Sequence[Address]
    pre_lamports: Sequence[int]
    post_lamports: Sequence[int]
    pre_tokens: Mapping[int, int]
    post_tokens: Mapping[int, int]


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
        fixed_before[address] = _with(read_before, read_after, balances.pre_lamports[i], balances.pre_tokens.get(i))
        fixed_after[address] = _with(read_after, read_before, balances.post_lamports[i], balances.post_tokens.get(i))
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
    if amount is not None and exact_data(state):
        data = data[:AMOUNT.start] + amount.to_bytes(8, "little") + data[AMOUNT.stop:]
    if (lamports, data) == (state.lamports, state.data):
        return state
    return replace(state, lamports=lamports, data=data)
