"""Addresses: base58 text form and raw-byte semantics."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from solders.pubkey import Pubkey

from pytest_fixedratio.errors import DecodeError
from pytest_fixedratio.sol.address import Address, b58decode, b58encode, unchecked_address


@given(raw=st.binary(max_size=64))
def test_base58_round_trips_including_leading_zeros(raw: bytes) -> None:
    assert b58decode(b58encode(raw)) == raw


@given(raw=st.binary(min_size=32, max_size=32))
def test_address_text_matches_solana(raw: bytes) -> None:
    address = Address(raw)
    assert str(address) == str(Pubkey(raw))
    assert Address.from_base58(str(address)) == address
    assert Address.coerce(str(address)) == Address.coerce(raw) == address


@given(raw=st.binary(min_size=32, max_size=32))
def test_every_form_of_32_bytes_gives_the_same_address(raw: bytes) -> None:
    forms = [Address(raw), Address(bytearray(raw)), Address(memoryview(raw)), Address(Address(raw)),
             unchecked_address(raw)]
    assert all(type(form) is Address and form == raw for form in forms)
    assert unchecked_address(bytes(raw)) is unchecked_address(raw)  # remembered, not rebuilt
    assert str(forms[0]) == str(forms[-1]) == b58encode(raw)
    assert repr(forms[0]) == f"Address({b58encode(raw)!r})"


def test_a_memoryview_is_sized_in_bytes() -> None:
    with pytest.raises(DecodeError, match="got 64"):
        Address(memoryview(bytes(64)).cast("H"))  # 32 items of 2 bytes


def test_bad_input_is_rejected_with_the_value_named() -> None:
    with pytest.raises(DecodeError, match="'0'"):
        Address.from_base58("0OIl")
    with pytest.raises(DecodeError, match="31"):
        Address(bytes(31))
    with pytest.raises(DecodeError, match="decodes to"):
        Address.from_base58("1111")
