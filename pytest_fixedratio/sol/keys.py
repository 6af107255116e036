"""Signing identities: an ed25519 keypair and its solana-keygen byte form, with no file or cluster attached.

Every layer names who signs (the engine's wallets, `chain/`'s targets, the tests), so the type lives at the
bottom; key files are `store.keyfile`'s. A `Wallet` wraps a solders `Keypair` so that only this module and
`chain/` touch solders: callers see its `Address` and hand the wallet back to `Chain.send` to sign. Its repr
never shows the secret, so wallets can appear in logs, reprs of dataclasses and pytest assertion messages.
"""

from __future__ import annotations

from typing import Final

from solders.keypair import Keypair

from pytest_fixedratio.errors import DecodeError, InvalidArgument
from pytest_fixedratio.sol.address import Address

SEED_LEN: Final = 32
KEYPAIR_LEN: Final = 64
"""The solana-keygen form: the 32-byte ed25519 seed followed by the 32-byte public key."""


class Wallet:
    """An ed25519 keypair that signs transactions; equal wallets hold the same secret."""

    __slots__ = ("_address", "_keypair")

    def __init__(self, keypair: Keypair) -> None:
        self._keypair = keypair
        self._address = Address(bytes(keypair.pubkey()))

    @classmethod
    def generate(cls) -> Wallet:
        """A fresh random wallet (OS randomness)."""
        return cls(Keypair())

    @classmethod
    def from_seed(cls, seed: bytes) -> Wallet:
        """The wallet of a 32-byte ed25519 seed: the same seed always gives the same address."""
        if len(seed) != SEED_LEN:
            raise InvalidArgument(f"a wallet seed is {SEED_LEN} bytes, got {len(seed)}")
        return cls(Keypair.from_seed(bytes(seed)))

    @classmethod
    def from_bytes(cls, raw: bytes) -> Wallet:
        """Parse the 64-byte solana-keygen form; raises `DecodeError` if the public half does not match."""
        if len(raw) != KEYPAIR_LEN:
            raise DecodeError(f"a keypair is {KEYPAIR_LEN} bytes (seed + public key), got {len(raw)}")
        try:
            return cls(Keypair.from_bytes(bytes(raw)))
        except ValueError as exc:
            raise DecodeError(f"the last 32 bytes are not the public key of the first 32: {exc}") from None

    def to_bytes(self) -> bytes:
        """The 64-byte solana-keygen form (secret: keep it out of logs)."""
        return bytes(self._keypair)

    @property
    def address(self) -> Address:
        return self._address

    @property
    def keypair(self) -> Keypair:
        """The solders keypair, for chain targets only."""
        return self._keypair

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Wallet):
            return NotImplemented
        return self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self._address)

    def __repr__(self) -> str:
        return f"Wallet({self._address})"

    __str__ = __repr__
