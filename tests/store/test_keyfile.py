"""Wallet key files: the solana-keygen JSON form, private file mode, atomic replacement, damaged files named."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from solders.keypair import Keypair

from pytest_fixedratio.errors import DecodeError
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.store.keyfile import load_wallet, save_wallet


def test_save_writes_a_private_solana_keygen_file_that_loads_back(tmp_path: Path) -> None:
    wallet = Wallet.from_seed(b"k" * 32)
    path = tmp_path / "keys" / "id.json"
    save_wallet(wallet, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text()) == list(wallet.to_bytes())
    assert load_wallet(path) == wallet
    # solders reads the same file the way the Solana CLI does.
    assert bytes(Keypair.from_json(path.read_text()).pubkey()) == bytes(wallet.address)
    assert sorted(p.name for p in path.parent.iterdir()) == ["id.json"]


def test_save_replaces_an_existing_world_readable_file_with_a_private_one(tmp_path: Path) -> None:
    path = tmp_path / "id.json"
    path.write_text("old")
    path.chmod(0o644)
    wallet = Wallet.from_seed(b"r" * 32)
    save_wallet(wallet, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_wallet(path) == wallet


@pytest.mark.parametrize("content", ["", "not json", "{}", "64", json.dumps(list(range(64))),
                                     json.dumps([256] * 64), json.dumps([0] * 63)])
def test_load_rejects_a_damaged_file_naming_it(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(DecodeError, match=r"bad\.json"):
        load_wallet(path)


def test_load_of_a_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_wallet(tmp_path / "absent.json")
