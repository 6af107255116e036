"""Upgradeable-loader encoding: instruction bytes, the deployment's transactions, account decoders."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.chain.loader import (
    BUFFER_METADATA_LEN,
    PROGRAM_ACCOUNT_LEN,
    WRITE_CHUNK_LEN,
    Deployment,
    LoaderInstruction,
    ProgramData,
    decode_program_account,
    deploy_with_max_data_len,
    write,
)
from pytest_fixedratio.errors import DecodeError, InvalidArgument
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet
from tests.frt.strategies import addresses, u64s

PROGRAM, AUTHORITY, PAYER, BUFFER = (Wallet.from_seed(bytes([n]) * 32) for n in (1, 2, 3, 4))


def _deployment(elf: bytes) -> Deployment:
    return Deployment(elf, PROGRAM, AUTHORITY, PAYER, BUFFER)


def test_write_is_bincode_tag_offset_and_length_prefixed_bytes() -> None:
    ix = write(BUFFER.address, AUTHORITY.address, 1800, b"\x7fELF")
    assert ix.data == bytes([1, 0, 0, 0]) + (1800).to_bytes(4, "little") + (4).to_bytes(8, "little") + b"\x7fELF"
    assert [(m.address, m.is_signer, m.is_writable) for m in ix.accounts] == [
        (BUFFER.address, False, True), (AUTHORITY.address, True, False)]


def test_deploy_with_max_data_len_lists_the_accounts_the_loader_reads() -> None:
    ix = deploy_with_max_data_len(PAYER.address, PROGRAM.address, BUFFER.address, AUTHORITY.address, 4096)
    assert ix.program_id == ids.BPF_LOADER_UPGRADEABLE_ID
    assert ix.data == struct.pack("<IQ", LoaderInstruction.DEPLOY_WITH_MAX_DATA_LEN, 4096)
    assert [(m.address, m.is_signer, m.is_writable) for m in ix.accounts] == [
        (PAYER.address, True, True), (pdas.program_data(PROGRAM.address)[0], False, True),
        (PROGRAM.address, False, True), (BUFFER.address, False, True), (ids.RENT_SYSVAR_ID, False, False),
        (ids.CLOCK_SYSVAR_ID, False, False), (ids.SYSTEM_PROGRAM_ID, False, False), (AUTHORITY.address, True, False)]


@given(st.binary(min_size=1, max_size=5 * WRITE_CHUNK_LEN + 7))
def test_steps_create_the_buffer_write_every_byte_once_then_deploy(elf: bytes) -> None:
    steps = _deployment(elf).steps(buffer_rent=11, program_rent=22)
    first, *writes, last = steps
    create_buffer, init = first.instructions
    assert create_buffer.data[4:20] == struct.pack("<QQ", 11, BUFFER_METADATA_LEN + len(elf))
    assert init.data == bytes(4)
    assert first.signers == (PAYER, BUFFER)
    rebuilt = bytearray()
    for step in writes:
        (ix,) = step.instructions
        _, offset, length = struct.unpack_from("<IIQ", ix.data)
        assert offset == len(rebuilt) and 0 < length <= WRITE_CHUNK_LEN
        rebuilt += ix.data[16:]
    assert bytes(rebuilt) == elf
    create_program, deploy = last.instructions
    assert create_program.data[4:20] == struct.pack("<QQ", 22, PROGRAM_ACCOUNT_LEN)
    assert deploy.data[4:] == struct.pack("<Q", len(elf))
    assert last.signers == (PAYER, PROGRAM, AUTHORITY)


def test_steps_refuse_an_empty_elf_or_a_max_len_below_its_size() -> None:
    with pytest.raises(InvalidArgument):
        _deployment(b"").steps(buffer_rent=1, program_rent=1)
    with pytest.raises(InvalidArgument, match="max_data_len=3"):
        _deployment(b"four").steps(buffer_rent=1, program_rent=1, max_data_len=3)


@given(u64s(), st.none() | addresses(), st.binary(max_size=64))
def test_program_data_decodes_slot_authority_and_elf(slot: int, authority: Address | None, elf: bytes) -> None:
    option = bytes(33) if authority is None else b"\x01" + bytes(authority)
    decoded = ProgramData.decode(struct.pack("<IQ", 3, slot) + option + elf)
    assert decoded == ProgramData(slot, authority, elf)


@pytest.mark.parametrize("data", [bytes(44), struct.pack("<IQ", 2, 0) + bytes(33),
                                  struct.pack("<IQB", 3, 0, 2) + bytes(32)])
def test_program_data_rejects_short_data_wrong_tag_and_bad_option(data: bytes) -> None:
    with pytest.raises(DecodeError):
        ProgramData.decode(data)


def test_program_account_holds_the_program_data_address() -> None:
    target = pdas.program_data(PROGRAM.address)[0]
    assert decode_program_account(struct.pack("<I", 2) + bytes(target)) == target
    with pytest.raises(DecodeError, match="tag 3"):
        decode_program_account(struct.pack("<I", 3) + bytes(target))
    with pytest.raises(DecodeError, match="36 bytes"):
        decode_program_account(bytes(35))
