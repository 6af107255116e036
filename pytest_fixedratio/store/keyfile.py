"""Wallet key files in the JSON form `solana-keygen` writes (and the Solana CLI and solders read).

A wallet is a secret, so its file is the one kind this project writes readable by its owner only, and without
the `.backup` copy other state files keep. Kept apart from `sol.keys` so the key type itself does no I/O.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from pytest_fixedratio.errors import DecodeError
from pytest_fixedratio.sol.keys import KEYPAIR_LEN, Wallet
from pytest_fixedratio.store.atomic import atomic_write_json

KEY_FILE_MODE: Final = 0o600


def save_wallet(wallet: Wallet, path: Path) -> None:
    """Write a solana-keygen JSON key file, readable by its owner only, replacing `path` atomically."""
    atomic_write_json(path, list(wallet.to_bytes()), mode=KEY_FILE_MODE, keep_backup=False)


def load_wallet(path: Path) -> Wallet:
    """Read a solana-keygen JSON key file; a missing file raises `FileNotFoundError`, a damaged one
    `DecodeError` naming the file."""
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(values, list):
            raise TypeError(f"found a JSON {type(values).__name__}")
        return Wallet.from_bytes(bytes(values))
    except (UnicodeDecodeError, TypeError, ValueError) as exc:  # JSONDecodeError, DecodeError included
        raise DecodeError(f"{path} is not a solana-keygen key file (a JSON array of "
                          f"{KEYPAIR_LEN} bytes): {exc}") from None
