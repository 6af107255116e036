"""Addresses: base58 text form and raw-byte semantics."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from solders.pubkey import Pubkey

from pytest_fixedratio.errors import DecodeError
from pytest_fixedratio.sol.address import Address, b58decode, b58encode


@given(raw=st.binary(max_size=64))
def test_base58_round_trips_including_leading_zeros(raw: bytes) -> None:
    assert b58decode(b58encode(raw)) == raw


@given(raw=st.binary(min_size=32, max_size=32))
def test_address_text_matches_solana(raw: bytes) -> None:
    address = Address(raw)
    assert str(address) == str(Pubkey(raw))
    assert Address.from_base58(str(address)) == address
    assert Address.coerce(str(address)) == Address.coerce(raw) == address


def test_bad_input_is_rejected_with_the_value_named() -> None:
    with pytest.raises(DecodeError, match="'0'"):
        Address.from_base58("0OIl")
    with pytest.raises(DecodeError, match="31"):
        Address(bytes(31))
    with pytest.raises(DecodeError, match="decodes to"):
        Address.from_base58("1111")
