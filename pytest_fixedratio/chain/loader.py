"""Deploying a program through BPFLoaderUpgradeable, as `solana program deploy` does.

A program deployed this way has a ProgramData account that records its upgrade authority, which is what
FRT's admin checks read (frt-contract.md 8.3), and its ELF passes the loader's strict deploy-time checks
(`LiteSVM.add_program` skips both). The steps are chain-neutral transactions, so any target can send them:

1. System CreateAccount of a buffer owned by the loader + InitializeBuffer (authority = upgrade authority);
2. Write of the ELF in chunks small enough for one transaction each;
3. System CreateAccount of the program account (signed by the program keypair) + DeployWithMaxDataLen,
   which creates ProgramData, copies the buffer into it and closes the buffer.

Loader instructions are bincode: a u32 tag, then the fields (`Vec<u8>` = u64 length + bytes).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from pytest_fixedratio.errors import DecodeError, InvalidArgument
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.sol import ids, programs
from pytest_fixedratio.sol.address import ADDRESS_LEN, Address
from pytest_fixedratio.sol.instruction import Instruction, ro, rw, signer
from pytest_fixedratio.sol.keys import Wallet

BUFFER_METADATA_LEN: Final = 37
"""u32 tag + Option<Pubkey> authority, before the ELF bytes in a buffer."""
PROGRAM_ACCOUNT_LEN: Final = 36
"""u32 tag + the ProgramData address."""
PROGRAM_DATA_METADATA_LEN: Final = 45
"""u32 tag + u64 deployment slot + Option<Pubkey> upgrade authority (always 33 bytes wide)."""
WRITE_CHUNK_LEN: Final = 900
"""ELF bytes per Write transaction: fits a 1232-byte packet even with a separate payer signing."""


class LoaderInstruction(IntEnum):
    INITIALIZE_BUFFER = 0
    WRITE = 1
    DEPLOY_WITH_MAX_DATA_LEN = 2


class LoaderState(IntEnum):
    """Tag of an account owned by the upgradeable loader."""

    UNINITIALIZED = 0
    BUFFER = 1
    PROGRAM = 2
    PROGRAM_DATA = 3


def initialize_buffer(buffer: Address, authority: Address) -> Instruction:
    data = struct.pack("<I", LoaderInstruction.INITIALIZE_BUFFER)
    return Instruction(ids.BPF_LOADER_UPGRADEABLE_ID, (rw(buffer), ro(authority)), data)


def write(buffer: Address, authority: Address, offset: int, chunk: bytes) -> Instruction:
    data = struct.pack("<IIQ", LoaderInstruction.WRITE, offset, len(chunk)) + chunk
    return Instruction(ids.BPF_LOADER_UPGRADEABLE_ID, (rw(buffer), signer(authority, writable=False)), data)


def deploy_with_max_data_len(payer: Address, program: Address, buffer: Address, authority: Address,
                             max_data_len: int) -> Instruction:
    accounts = (signer(payer), rw(pdas.program_data(program)[0]), rw(program), rw(buffer),
                ro(ids.RENT_SYSVAR_ID), ro(ids.CLOCK_SYSVAR_ID), ro(ids.SYSTEM_PROGRAM_ID),
                signer(authority, writable=False))
    data = struct.pack("<IQ", LoaderInstruction.DEPLOY_WITH_MAX_DATA_LEN, max_data_len)
    return Instruction(ids.BPF_LOADER_UPGRADEABLE_ID, accounts, data)


@dataclass(frozen=True, slots=True)
class DeployStep:
    """One transaction of a deployment: its instructions and signers (payer first)."""

    instructions: tuple[Instruction, ...]
    signers: tuple[Wallet, ...]


@dataclass(frozen=True, slots=True)
class Deployment:
    """Who deploys what: the wallets involved and the ELF bytes."""

    elf: bytes
    program: Wallet
    authority: Wallet
    payer: Wallet
    buffer: Wallet

    def steps(self, *, buffer_rent: int, program_rent: int, max_data_len: int | None = None
              ) -> list[DeployStep]:
        """The transactions to send in order; rents come from the target (`Chain.rent_exempt_minimum` of
        `BUFFER_METADATA_LEN + len(elf)` and of `PROGRAM_ACCOUNT_LEN`)."""
        size = len(self.elf) if max_data_len is None else max_data_len
        if not self.elf or size < len(self.elf):
            raise InvalidArgument(f"cannot deploy {len(self.elf)} ELF bytes with max_data_len={size}")
        payer, buffer, authority = self.payer.address, self.buffer.address, self.authority.address
        create_buffer = programs.create_account(payer, buffer, buffer_rent, BUFFER_METADATA_LEN + len(self.elf),
                                                ids.BPF_LOADER_UPGRADEABLE_ID)
        steps = [DeployStep((create_buffer, initialize_buffer(buffer, authority)), (self.payer, self.buffer))]
        steps += [DeployStep((write(buffer, authority, offset, self.elf[offset:offset + WRITE_CHUNK_LEN]),),
                             (self.payer, self.authority))
                  for offset in range(0, len(self.elf), WRITE_CHUNK_LEN)]
        program = self.program.address
        create_program = programs.create_account(payer, program, program_rent, PROGRAM_ACCOUNT_LEN,
                                                 ids.BPF_LOADER_UPGRADEABLE_ID)
        deploy = deploy_with_max_data_len(payer, program, buffer, authority, size)
        steps.append(DeployStep((create_program, deploy), (self.payer, self.program, self.authority)))
        return steps


@dataclass(frozen=True, slots=True)
class ProgramData:
    """The decoded ProgramData account of an upgradeable program."""

    slot: int
    upgrade_authority: Address | None
    elf: bytes

    @classmethod
    def decode(cls, data: bytes) -> ProgramData:
        if len(data) < PROGRAM_DATA_METADATA_LEN:
            raise DecodeError(f"ProgramData is at least {PROGRAM_DATA_METADATA_LEN} bytes, got {len(data)}")
        tag, slot, has_authority = struct.unpack_from("<IQB", data)
        _expect_tag(tag, LoaderState.PROGRAM_DATA)
        if has_authority not in (0, 1):
            raise DecodeError(f"ProgramData authority option tag is {has_authority}, expected 0 or 1")
        authority = Address(data[13:13 + ADDRESS_LEN]) if has_authority else None
        return cls(slot, authority, bytes(data[PROGRAM_DATA_METADATA_LEN:]))


def decode_program_account(data: bytes) -> Address:
    """The ProgramData address stored in an upgradeable program's account."""
    if len(data) != PROGRAM_ACCOUNT_LEN:
        raise DecodeError(f"a Program account is {PROGRAM_ACCOUNT_LEN} bytes, got {len(data)}")
    _expect_tag(struct.unpack_from("<I", data)[0], LoaderState.PROGRAM)
    return Address(data[4:])


def _expect_tag(tag: int, expected: LoaderState) -> None:
    if tag != expected:
        raise DecodeError(f"upgradeable-loader account tag {tag}, expected {int(expected)} ({expected.name})")

