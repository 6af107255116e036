"""Fixtures shared across the test tree: a real ELF to deploy and an in-process chain running it.

Until the bundled reference FRT program is built, the chain tests deploy LiteSVM's own SPL Token program (a
real, 100 KB SBF ELF) through the upgradeable loader at a new address, which exercises the same path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from solders.litesvm import LiteSVM

from pytest_fixedratio.chain.convert import to_pubkey
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.chain.loader import PROGRAM_DATA_METADATA_LEN, decode_program_account
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet


def builtin_program_elf(program_id: Address) -> bytes:
    """The ELF of a program LiteSVM ships deployed with the upgradeable loader (e.g. SPL Token)."""
    svm = LiteSVM()
    program = svm.get_account(to_pubkey(program_id))
    assert program is not None
    program_data = svm.get_account(to_pubkey(decode_program_account(bytes(program.data))))
    assert program_data is not None
    return bytes(program_data.data)[PROGRAM_DATA_METADATA_LEN:]


@pytest.fixture(scope="session")
def token_program_so(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SPL Token's ELF written as a .so file, for `LiteSvmChain(program_path=...)`."""
    path = tmp_path_factory.mktemp("programs") / "spl_token.so"
    path.write_bytes(builtin_program_elf(ids.TOKEN_PROGRAM_ID))
    return path


@pytest.fixture
def chain(token_program_so: Path) -> LiteSvmChain:
    """A fresh in-process chain with SPL Token's ELF deployed as 'the program' by seeded wallets."""
    return LiteSvmChain(token_program_so, program=Wallet.from_seed(b"p" * 32),
                        upgrade_authority=Wallet.from_seed(b"a" * 32))
