"""Wallets: deterministic seeds, the solana-keygen byte form, no secret in repr.

Key files are tested in tests/store/test_keyfile.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.errors import DecodeError, InvalidArgument
from pytest_fixedratio.sol.keys import Wallet

seeds = st.binary(min_size=32, max_size=32)
# RFC 8032 key derivation: the ed25519 public key of the all-zero seed.
ZERO_SEED_PUBLIC_KEY = bytes.fromhex("3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29")


def test_zero_seed_gives_the_known_ed25519_public_key() -> None:
    assert bytes(Wallet.from_seed(bytes(32)).address) == ZERO_SEED_PUBLIC_KEY


@given(seeds, seeds)
def test_from_seed_is_deterministic_and_injective(seed: bytes, other: bytes) -> None:
    assert Wallet.from_seed(seed) == Wallet.from_seed(seed)
    assert Wallet.from_seed(seed).address == Wallet.from_seed(seed).address
    assert (Wallet.from_seed(seed).address == Wallet.from_seed(other).address) == (seed == other)


@given(seeds)
def test_bytes_round_trip_is_seed_then_public_key(seed: bytes) -> None:
    wallet = Wallet.from_seed(seed)
    raw = wallet.to_bytes()
    assert raw == seed + bytes(wallet.address)
    assert Wallet.from_bytes(raw) == wallet


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_from_seed_rejects_a_wrong_length(length: int) -> None:
    with pytest.raises(InvalidArgument, match=f"got {length}"):
        Wallet.from_seed(bytes(length))


def test_from_bytes_rejects_a_public_half_of_another_key() -> None:
    mismatched = Wallet.from_seed(b"1" * 32).to_bytes()[:32] + bytes(Wallet.from_seed(b"2" * 32).address)
    with pytest.raises(DecodeError, match="public key"):
        Wallet.from_bytes(mismatched)
    with pytest.raises(DecodeError, match="64 bytes"):
        Wallet.from_bytes(bytes(63))


def test_generate_gives_distinct_wallets() -> None:
    assert len({Wallet.generate().address for _ in range(20)}) == 20


def test_repr_and_str_show_the_address_and_never_the_secret() -> None:
    wallet = Wallet.from_seed(bytes(range(32)))
    secret = wallet.to_bytes()[:32]
    for text in (repr(wallet), str(wallet), repr([wallet])):
        assert str(wallet.address) in text
        assert secret.hex() not in text
        assert str(list(secret)[:8])[1:-1] not in text
    assert repr(wallet) == f"Wallet({wallet.address})"
