"""PDA derivation and the on-curve test: agreement with Solana's own implementation (solders)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from solders.pubkey import Pubkey

from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.sol import ids, pda
from pytest_fixedratio.sol.address import Address

# A real program id (an ed25519 public key: FRT's localnet build, though any deployed program would do).
PROGRAM = Address.from_base58("4aeVqtWhrUh6wpX8acNj2hpWXKEQwxjA3PYb2sHhNyCn")

addresses = st.binary(min_size=32, max_size=32).map(Address)
seeds = st.lists(st.binary(max_size=32), max_size=4).map(tuple)


@given(seeds=seeds, program=addresses)
def test_find_program_address_agrees_with_solana(seeds: tuple[bytes, ...], program: Address) -> None:
    expected, bump = Pubkey.find_program_address(list(seeds), Pubkey(bytes(program)))
    assert pda.find_program_address(seeds, program) == (Address(bytes(expected)), bump)


@given(raw=st.binary(min_size=32, max_size=32))
def test_on_curve_agrees_with_solana(raw: bytes) -> None:
    assert pda.is_on_curve(raw) == Pubkey(raw).is_on_curve()


def test_real_public_keys_are_on_curve_and_pdas_are_not() -> None:
    assert pda.is_on_curve(bytes(PROGRAM))
    assert not pda.is_on_curve(bytes(pda.find_program_address((b"system_state",), PROGRAM)[0]))


@given(owner=addresses, mint=addresses)
def test_associated_token_address_agrees_with_solana(owner: Address, mint: Address) -> None:
    expected, _ = Pubkey.find_program_address(
        [bytes(owner), bytes(ids.TOKEN_PROGRAM_ID), bytes(mint)], Pubkey(bytes(ids.ASSOCIATED_TOKEN_PROGRAM_ID))
    )
    assert pda.associated_token_address(owner, mint) == Address(bytes(expected))


def test_seed_limits_are_enforced() -> None:
    with pytest.raises(InvalidArgument, match="at most 16 seeds"):
        pda.create_program_address(tuple(b"x" for _ in range(17)), PROGRAM)
    with pytest.raises(InvalidArgument):
        pda.create_program_address((b"y" * 33,), PROGRAM)
