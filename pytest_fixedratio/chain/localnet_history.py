"""What the localnet remembers: the transactions that landed (bounded) and the blockhashes still valid.

The server runs for hours under load, so nothing here grows without bound: the transaction history keeps the last
`HISTORY_CAPACITY` signatures with what getTransaction, getSignatureStatuses and getSignaturesForAddress answer
(the oldest is forgotten first, from the address index too), and the blockhash history only the hashes younger
than `MAX_PROCESSING_AGE` slots. A landed transaction is kept as solders values (their contents live in Rust),
balances as arrays of u64 and token balances as tuples: about 1.6 KB for a SOL transfer, a few KB for an FRT
transaction with its logs and token balances, so a full history takes a few hundred MB.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import TransactionMetadata
from solders.transaction_status import TransactionErrorType

from pytest_fixedratio.chain.localnet_encode import TokenBalance

HISTORY_CAPACITY: Final = 100_000
"""Transactions remembered, at most: hours of a load test at tens of transactions a second."""
MAX_PROCESSING_AGE: Final = 150
"""Slots a blockhash stays valid for a new transaction (Agave's MAX_PROCESSING_AGE): about a minute."""


@dataclass(frozen=True, slots=True)
class Landed:
    """A transaction that was executed and committed (its fee paid), failed or not."""

    sequence: int
    """Its place in the order transactions landed: what `before` / `until` compare."""
    transaction: VersionedTransaction
    slot: int
    block_time: int
    err: TransactionErrorType | None
    meta: TransactionMetadata
    pre_balances: array[int]
    """Lamports of each account of the message, before and after: u64s, 8 bytes each."""
    post_balances: array[int]
    pre_token_balances: tuple[TokenBalance, ...]
    post_token_balances: tuple[TokenBalance, ...]

    @property
    def signature(self) -> Signature:
        return self.transaction.signatures[0]


class History:
    """The last `capacity` landed transactions by signature, and by the addresses each one names."""

    def __init__(self, capacity: int = HISTORY_CAPACITY) -> None:
        self._capacity = capacity
        self._by_signature: OrderedDict[Signature, Landed] = OrderedDict()
        self._by_address: dict[Pubkey, deque[Landed]] = {}
        self.landed = 0
        """How many transactions ever landed, the forgotten ones too: the next one's `Landed.sequence`."""

    def get(self, signature: Signature) -> Landed | None:
        return self._by_signature.get(signature)

    def add(self, landed: Landed) -> None:
        self._by_signature[landed.signature] = landed
        for key in set(landed.transaction.message.account_keys):
            self._by_address.setdefault(key, deque()).append(landed)
        self.landed += 1
        if len(self._by_signature) > self._capacity:
            self._forget(self._by_signature.popitem(last=False)[1])

    def _forget(self, oldest: Landed) -> None:
        """The oldest transaction is the oldest in each of its addresses' lists too: each list is in landing
        order."""
        for key in set(oldest.transaction.message.account_keys):
            landed = self._by_address[key]
            landed.popleft()
            if not landed:
                del self._by_address[key]

    def newest_first(self, address: Pubkey) -> Iterator[Landed]:
        return reversed(self._by_address.get(address, ()))


class Blockhashes:
    """The blockhashes a transaction may name: each with the slot it became the latest, the oldest first."""

    def __init__(self, max_age: int = MAX_PROCESSING_AGE) -> None:
        self._max_age = max_age
        self._slots: OrderedDict[Hash, int] = OrderedDict()

    def add(self, blockhash: Hash, slot: int) -> None:
        """Record the new latest blockhash and forget those too old to name (the latest is always kept)."""
        self._slots[blockhash] = slot
        while len(self._slots) > 1:
            oldest, oldest_slot = next(iter(self._slots.items()))
            if slot - oldest_slot <= self._max_age:
                break
            del self._slots[oldest]

    def last_valid_height(self, blockhash: Hash, slot: int) -> int | None:
        """The last slot (= block height here) at which a transaction naming ``blockhash`` may land, when it
        may still land at ``slot``; None for an unknown or expired hash."""
        made = self._slots.get(blockhash)
        if made is None or slot - made > self._max_age:
            return None
        return made + self._max_age
