"""FRT instruction data: layouts, byte offsets and the decoder's verdicts (frt-contract.md section 1, A)."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pytest_fixedratio.errors import DecodeError, FixedRatioError, InvalidArgument
from pytest_fixedratio.frt import instruction_data as ix
from pytest_fixedratio.sol.address import Address

from .strategies import addresses, borsh_strings, frt_instructions, instructions_of, u8s, u64s

WSOL = Address.from_base58("So11111111111111111111111111111111111111112")
POOL = Address.from_base58("75QvP8uKKmgfmgBwviiGsNAupp2pM8TQK1aGPYYUptTK")

# Data lengths from the spec's table, for every fixed-size variant.
FIXED_LENGTHS: dict[type[ix.InstructionData], int] = {
    ix.InitializeProgram: 33, ix.InitializePool: 18, ix.Deposit: 73, ix.Withdraw: 73, ix.Swap: 81,
    ix.GetPoolStatePDA: 73, ix.GetTokenVaultPDAs: 33, ix.GetPoolInfo: 1, ix.GetPoolPauseStatus: 1,
    ix.GetLiquidityInfo: 1, ix.GetFeeInfo: 1, ix.GetPoolSolBalance: 1, ix.PauseSystem: 2, ix.UnpauseSystem: 1,
    ix.GetVersion: 1, ix.WithdrawTreasuryFees: 9, ix.GetTreasuryInfo: 1, ix.ConsolidatePoolFees: 2,
    ix.GetConsolidationStatus: 2, ix.PausePool: 34, ix.UnpausePool: 34, ix.SetSwapOwnerOnly: 66,
    ix.UpdatePoolFees: 50, ix.ProcessAdminChange: 33,
}
VARIABLE_SIZE = {ix.DonateSol}
WITH_FIELDS = [cls for cls in ix.INSTRUCTION_TYPES if cls.layout()]


def kind_of(data: bytes) -> str:
    with pytest.raises(ix.InstructionDecodeError) as info:
        ix.decode_instruction(data)
    return info.value.kind


def u64(value: int) -> bytes:
    return struct.pack("<Q", value)


def test_variant_classes_cover_every_variant_once_in_order() -> None:
    assert [cls.VARIANT for cls in ix.INSTRUCTION_TYPES] == list(ix.Variant)
    assert len(ix.Variant) == 25
    assert set(FIXED_LENGTHS) | VARIABLE_SIZE == set(ix.INSTRUCTION_TYPES)


@given(frt_instructions())
def test_decode_inverts_encode(instruction: ix.FrtInstruction) -> None:
    data = instruction.encode()
    assert data[0] == instruction.VARIANT
    decoded = ix.decode_instruction(data)
    assert type(decoded) is type(instruction)
    assert decoded == instruction


@pytest.mark.parametrize("cls", list(FIXED_LENGTHS), ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_fixed_size_variants_have_the_spec_length(cls: type[ix.InstructionData], data: st.DataObject) -> None:
    assert len(data.draw(instructions_of(cls)).encode()) == FIXED_LENGTHS[cls]


@given(amount=u64s(), message=borsh_strings())
def test_donate_sol_is_amount_then_length_prefixed_utf8(amount: int, message: str) -> None:
    raw = message.encode("utf-8")
    data = ix.DonateSol(amount, message).encode()
    assert data == bytes([23]) + u64(amount) + struct.pack("<I", len(raw)) + raw
    assert len(data) == 13 + len(raw)


# Independent reference encoders, written from the spec's byte-offset list and cheat-sheet (section A):
# (instruction, the bytes the spec says it encodes to).
def spec_cases(a: Address, b: Address, n: int, m: int, k: int, flag: bool) -> list[tuple[Any, bytes]]:
    return [
        (ix.InitializeProgram(a), b"\x00" + a),
        (ix.InitializePool(n, m, k), b"\x01" + u64(n) + u64(m) + bytes([k])),
        (ix.Deposit(a, n, b), b"\x02" + a + u64(n) + b),
        (ix.Withdraw(a, n, b), b"\x03" + a + u64(n) + b),
        (ix.Swap(a, n, m, b), b"\x04" + a + u64(n) + u64(m) + b),
        (ix.PauseSystem(k), bytes([12, k])),
        (ix.UnpauseSystem(), bytes([13])),
        (ix.GetVersion(), bytes([14])),
        (ix.WithdrawTreasuryFees(n), b"\x0f" + u64(n)),
        (ix.GetTreasuryInfo(), bytes([16])),
        (ix.ConsolidatePoolFees(k), bytes([17, k])),
        (ix.PausePool(k, b), bytes([19, k]) + b),
        (ix.UnpausePool(k, b), bytes([20, k]) + b),
        (ix.SetSwapOwnerOnly(flag, a, b), bytes([21, int(flag)]) + a + b),
        (ix.UpdatePoolFees(k, n, m, b), bytes([22, k]) + u64(n) + u64(m) + b),
        (ix.ProcessAdminChange(a), b"\x18" + a),
    ]


@given(a=addresses(), b=addresses(), n=u64s(), m=u64s(), k=u8s(), flag=st.booleans())
def test_encodings_match_the_spec_cheat_sheet(a: Address, b: Address, n: int, m: int, k: int,
                                              flag: bool) -> None:
    for instruction, expected in spec_cases(a, b, n, m, k, flag):
        assert instruction.encode() == expected, type(instruction).__name__


@pytest.mark.parametrize("make", [ix.Deposit, ix.Withdraw], ids=["Deposit", "Withdraw"])
@given(mint=addresses(), amount=u64s(), pool=addresses())
def test_liquidity_byte_offsets(make: Callable[[Address, int, Address], ix.InstructionData], mint: Address,
                                amount: int, pool: Address) -> None:
    data = make(mint, amount, pool).encode()
    assert data[0] == make(mint, amount, pool).VARIANT
    assert data[1:33] == mint
    assert int.from_bytes(data[33:41], "little") == amount
    assert data[41:73] == pool


@given(mint=addresses(), amount_in=u64s(), expected=u64s(), pool=addresses())
def test_swap_byte_offsets(mint: Address, amount_in: int, expected: int, pool: Address) -> None:
    data = ix.Swap(mint, amount_in, expected, pool).encode()
    assert data[0] == 4
    assert data[1:33] == mint
    assert int.from_bytes(data[33:41], "little") == amount_in
    assert int.from_bytes(data[41:49], "little") == expected
    assert data[49:81] == pool


def test_known_deposit_vector() -> None:
    data = ix.Deposit(WSOL, 1_000_000_000, POOL).encode()
    assert data.hex() == "02" + bytes(WSOL).hex() + "00ca9a3b00000000" + bytes(POOL).hex()


def test_initialize_pool_always_carries_the_flags_byte() -> None:
    assert ix.InitializePool(1, 2, 0).encode() == bytes([1, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0])


# -- decoder verdicts --------------------------------------------------------------------------------


def test_empty_data_is_invalid_instruction_data() -> None:
    assert kind_of(b"") == ix.INVALID_INSTRUCTION_DATA


@given(variant=st.integers(min_value=len(ix.Variant), max_value=255), tail=st.binary(max_size=90))
def test_unknown_variant_is_a_borsh_error(variant: int, tail: bytes) -> None:
    assert kind_of(bytes([variant]) + tail) == ix.BORSH_IO_ERROR


@given(instruction=frt_instructions(), tail=st.binary(min_size=1, max_size=40))
def test_trailing_bytes_are_a_borsh_error(instruction: ix.FrtInstruction, tail: bytes) -> None:
    assert kind_of(instruction.encode() + tail) == ix.BORSH_IO_ERROR


@given(st.data())
def test_every_short_prefix_is_a_borsh_error(data: st.DataObject) -> None:
    encoded = data.draw(st.sampled_from(WITH_FIELDS).flatmap(instructions_of)).encode()
    cut = data.draw(st.integers(min_value=1, max_value=len(encoded) - 1))
    assert kind_of(encoded[:cut]) == ix.BORSH_IO_ERROR


@pytest.mark.parametrize("size", [41, 49], ids=["v0.15 deposit/withdraw", "v0.15 swap"])
def test_pre_pool_id_encodings_are_rejected(size: int) -> None:
    """The C# tester's v0.15 data (spec 8.1) must fail against v0.17 with BorshIoError."""
    assert kind_of(bytes([2 if size == 41 else 4]) + bytes(size - 1)) == ix.BORSH_IO_ERROR


@given(byte=st.integers(min_value=2, max_value=255), owner=addresses(), pool=addresses())
def test_bool_other_than_zero_or_one_is_a_borsh_error(byte: int, owner: Address, pool: Address) -> None:
    data = bytearray(ix.SetSwapOwnerOnly(True, owner, pool).encode())
    data[1] = byte
    assert kind_of(bytes(data)) == ix.BORSH_IO_ERROR


@pytest.mark.parametrize("raw", [b"\xff", b"\xc3", b"ab\x80", b"\xed\xa0\x80"], ids=repr)
def test_invalid_utf8_message_is_a_borsh_error(raw: bytes) -> None:
    data = bytes([23]) + u64(100_000_000) + struct.pack("<I", len(raw)) + raw
    assert kind_of(data) == ix.BORSH_IO_ERROR


@given(declared=st.integers(min_value=1, max_value=2**32 - 1), body=st.binary(max_size=32))
def test_message_length_beyond_the_data_is_a_borsh_error(declared: int, body: bytes) -> None:
    assume(declared > len(body))
    data = bytes([23]) + u64(100_000_000) + struct.pack("<I", declared) + body
    assert kind_of(data) == ix.BORSH_IO_ERROR


def test_decode_error_is_a_project_decode_error_with_the_kind() -> None:
    with pytest.raises(DecodeError) as info:
        ix.decode_instruction(bytes([99]))
    assert isinstance(info.value, FixedRatioError)
    assert isinstance(info.value, ix.InstructionDecodeError)
    assert info.value.kind == "BorshIoError"
    assert "99" in str(info.value)


# -- construction checks -----------------------------------------------------------------------------


@pytest.mark.parametrize("build", [
    lambda: ix.Deposit(WSOL, 2**64, POOL),
    lambda: ix.Deposit(WSOL, -1, POOL),
    lambda: ix.PauseSystem(256),
    lambda: ix.PausePool(True, POOL),
    lambda: ix.SetSwapOwnerOnly(1, WSOL, POOL),  # type: ignore[arg-type]
    lambda: ix.ProcessAdminChange(bytes(31)),  # type: ignore[arg-type]
    lambda: ix.ProcessAdminChange("not base58!"),  # type: ignore[arg-type]
    lambda: ix.ProcessAdminChange(7),  # type: ignore[arg-type]
    lambda: ix.DonateSol(100_000_000, "\ud800"),
    lambda: ix.DonateSol(100_000_000, b"bytes"),  # type: ignore[arg-type]
], ids=["u64 overflow", "negative", "u8 overflow", "bool as u8", "int as bool", "short address",
        "bad base58", "int as address", "lone surrogate", "bytes as string"])
def test_out_of_range_fields_are_refused_at_construction(build: Callable[[], object]) -> None:
    with pytest.raises(InvalidArgument):
        build()


def test_addresses_are_coerced_from_bytes_and_base58() -> None:
    from_text = ix.ProcessAdminChange(str(WSOL))  # type: ignore[arg-type]
    from_bytes = ix.ProcessAdminChange(bytes(WSOL))  # type: ignore[arg-type]
    assert type(from_text.new_admin) is Address
    assert from_text == from_bytes == ix.ProcessAdminChange(WSOL)
