"""Applying the objects' relocations to the merged sections.

Everything is resolved statically except syscalls: addresses of code and read-only data become absolute
virtual addresses (``MM_PROGRAM_START`` + file offset, since the program maps its file at that base), internal
calls become pc-relative immediates, and each syscall call site becomes ``call -1`` plus a `SyscallSite` that
the ELF writer turns into a dynamic R_BPF_64_32 relocation.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pytest_fixedratio.program.errors import LinkError
from pytest_fixedratio.program.layout import Layout, Location
from pytest_fixedratio.program.objects import InputRelocation, ObjectFile, SectionRole
from pytest_fixedratio.program.sbpf import (
    CALL_UNRESOLVED,
    IMMEDIATE_OFFSET,
    INSTRUCTION_SIZE,
    MM_PROGRAM_START,
    OPCODE_CALL,
    OPCODE_LDDW,
    Relocation,
)
from pytest_fixedratio.program.symbols import SymbolResolver, Syscall, Target

_IMM = struct.Struct("<i")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


@dataclass(frozen=True, slots=True)
class SyscallSite:
    """A ``call -1`` at byte ``offset`` of .text that the loader must point at syscall ``name``."""

    offset: int
    name: str


@dataclass(frozen=True, slots=True)
class _Site:
    """One relocation being applied: where it patches, and what its symbol resolved to."""

    object_name: str
    relocation: InputRelocation
    location: Location
    target: Target


def apply_relocations(
    objects: Sequence[ObjectFile], layout: Layout, resolver: SymbolResolver, addresses: Mapping[SectionRole, int]
) -> list[SyscallSite]:
    """Patch ``layout``'s sections in place, given the file offset of each output section."""
    resolver.check_all_resolved()
    syscalls: list[SyscallSite] = []
    for number, obj in enumerate(objects):
        for relocation in obj.relocations:
            start = layout.placements[number, relocation.section]
            site = _Site(
                obj.name,
                relocation,
                Location(start.role, start.offset + relocation.offset),
                resolver.resolve(number, relocation.symbol),
            )
            syscall = _apply(site, layout, addresses)
            if syscall is not None:
                syscalls.append(syscall)
    return syscalls


def _apply(site: _Site, layout: Layout, addresses: Mapping[SectionRole, int]) -> SyscallSite | None:
    kind = site.relocation.type
    if kind == Relocation.BPF_64_32:
        return _relocate_call(site, layout.text)
    if kind == Relocation.BPF_64_64:
        _relocate_lddw(site, layout.text, addresses)
    elif kind == Relocation.BPF_64_ABS64:
        _relocate_word(site, layout.rodata, addresses)
    else:
        raise _error(site, f"relocation type {kind} is not supported in program sections")
    return None


def _relocate_call(site: _Site, text: bytearray) -> SyscallSite | None:
    at = _instruction(site, text, OPCODE_CALL)
    if isinstance(site.target, Syscall):
        _IMM.pack_into(text, at + IMMEDIATE_OFFSET, CALL_UNRESOLVED)
        return SyscallSite(at, site.target.name)
    if site.target.role is not SectionRole.TEXT:
        raise _error(site, "call to a symbol that is not code")
    (imm,) = _IMM.unpack_from(text, at + IMMEDIATE_OFFSET)
    destination = site.target.offset + (imm + 1) * INSTRUCTION_SIZE
    if destination % INSTRUCTION_SIZE or not 0 <= destination < len(text):
        raise _error(site, f"call target {destination:#x} is outside .text or misaligned")
    _IMM.pack_into(text, at + IMMEDIATE_OFFSET, (destination - at) // INSTRUCTION_SIZE - 1)
    return None


def _relocate_lddw(site: _Site, text: bytearray, addresses: Mapping[SectionRole, int]) -> None:
    at = _instruction(site, text, OPCODE_LDDW)
    high_at = at + INSTRUCTION_SIZE + IMMEDIATE_OFFSET
    addend = _U32.unpack_from(text, at + IMMEDIATE_OFFSET)[0] | _U32.unpack_from(text, high_at)[0] << 32
    address = _address(site, addresses, addend)
    _U32.pack_into(text, at + IMMEDIATE_OFFSET, address & 0xFFFF_FFFF)
    _U32.pack_into(text, high_at, address >> 32)


def _relocate_word(site: _Site, data: bytearray, addresses: Mapping[SectionRole, int]) -> None:
    at = site.location.offset
    if site.location.role is SectionRole.TEXT:
        raise _error(site, "64-bit data relocation inside code")
    (addend,) = _U64.unpack_from(data, at)
    _U64.pack_into(data, at, _address(site, addresses, addend))


def _address(site: _Site, addresses: Mapping[SectionRole, int], addend: int) -> int:
    if isinstance(site.target, Syscall):
        raise _error(site, f"the address of syscall {site.target.name!r} cannot be taken")
    return MM_PROGRAM_START + addresses[site.target.role] + site.target.offset + addend


def _instruction(site: _Site, text: bytearray, opcode: int) -> int:
    at = site.location.offset
    if site.location.role is not SectionRole.TEXT or at % INSTRUCTION_SIZE or text[at] != opcode:
        raise _error(site, f"expected an instruction with opcode {opcode:#04x} at the relocated offset")
    return at


def _error(site: _Site, problem: str) -> LinkError:
    return LinkError(
        f"{site.object_name}: relocation of type {site.relocation.type} at offset "
        f"{site.relocation.offset:#x} of input section {site.relocation.section}: {problem}"
    )
