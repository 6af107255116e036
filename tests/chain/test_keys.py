"""Wallets: deterministic seeds, the solana-keygen byte and file forms, private file mode, no secret in repr."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from solders.keypair import Keypair

from pytest_fixedratio.chain.keys import Wallet
from pytest_fixedratio.errors import DecodeError, InvalidArgument

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


def test_save_writes_a_private_solana_keygen_file_that_loads_back(tmp_path: Path) -> None:
    wallet = Wallet.from_seed(b"k" * 32)
    path = tmp_path / "keys" / "id.json"
    wallet.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text()) == list(wallet.to_bytes())
    assert Wallet.load(path) == wallet
    # solders reads the same file the way the Solana CLI does.
    assert bytes(Keypair.from_json(path.read_text()).pubkey()) == bytes(wallet.address)
    assert sorted(p.name for p in path.parent.iterdir()) == ["id.json"]


def test_save_replaces_an_existing_world_readable_file_with_a_private_one(tmp_path: Path) -> None:
    path = tmp_path / "id.json"
    path.write_text("old")
    path.chmod(0o644)
    wallet = Wallet.from_seed(b"r" * 32)
    wallet.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert Wallet.load(path) == wallet


@pytest.mark.parametrize("content", ["", "not json", "{}", "64", json.dumps(list(range(64))),
                                     json.dumps([256] * 64), json.dumps([0] * 63)])
def test_load_rejects_a_damaged_file_naming_it(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(DecodeError, match=r"bad\.json"):
        Wallet.load(path)


def test_load_of_a_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Wallet.load(tmp_path / "absent.json")
