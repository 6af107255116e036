"""Merging the kept input sections into the program's two output sections, .text and .rodata.

Input sections are concatenated in input order (objects in the order given, sections in file order), each at
its own alignment. The result records where every input section landed, so that symbols and relocations can
be turned into output locations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pytest_fixedratio.program.errors import LinkError
from pytest_fixedratio.program.objects import InputSection, ObjectFile, SectionRole
from pytest_fixedratio.program.sbpf import IMMEDIATE_OFFSET, INSTRUCTION_SIZE, OPCODE_CALLX, OPCODE_LDDW


@dataclass(frozen=True, slots=True)
class Location:
    """A byte offset inside one output section."""

    role: SectionRole
    offset: int


@dataclass(frozen=True, slots=True)
class Layout:
    """The merged output sections, still unrelocated, and where each input section starts in them."""

    text: bytearray
    rodata: bytearray
    rodata_alignment: int
    placements: Mapping[tuple[int, int], Location]
    """(object number, input section index) -> start of that input section."""


def merge_sections(objects: Sequence[ObjectFile]) -> Layout:
    outputs = {SectionRole.TEXT: bytearray(), SectionRole.RODATA: bytearray()}
    rodata_alignment = 1
    placements: dict[tuple[int, int], Location] = {}
    for number, obj in enumerate(objects):
        for section in obj.sections.values():
            data = _section_bytes(obj.name, section)
            output = outputs[section.role]
            alignment = section.alignment if section.role is SectionRole.RODATA else INSTRUCTION_SIZE
            output.extend(bytes(-len(output) % alignment))
            placements[number, section.index] = Location(section.role, len(output))
            output.extend(data)
            if section.role is SectionRole.RODATA:
                rodata_alignment = max(rodata_alignment, section.alignment)
    return Layout(outputs[SectionRole.TEXT], outputs[SectionRole.RODATA], rodata_alignment, placements)


def _section_bytes(object_name: str, section: InputSection) -> bytes:
    if section.role is SectionRole.RODATA:
        return section.data
    if len(section.data) % INSTRUCTION_SIZE:
        raise LinkError(
            f"{object_name}: code section {section.name} is not made of whole 8-byte instructions "
            f"(size {len(section.data)})"
        )
    return _move_callx_registers(section.data)


def _move_callx_registers(code: bytes) -> bytes:
    """Upstream LLVM encodes ``callx rN`` with N in the dst field; SBPFv0 reads N from the immediate.

    An instruction whose immediate is already set is left alone (it is already in SBPFv0 form).
    """
    patched = bytearray(code)
    position = 0
    while position < len(patched):
        opcode = patched[position]
        immediate = slice(position + IMMEDIATE_OFFSET, position + INSTRUCTION_SIZE)
        if opcode == OPCODE_CALLX and not any(patched[immediate]):
            registers = patched[position + 1]
            patched[position + 1] = 0
            patched[immediate] = (registers & 0x0F or registers >> 4).to_bytes(4, "little")
        position += 2 * INSTRUCTION_SIZE if opcode == OPCODE_LDDW else INSTRUCTION_SIZE
    return bytes(patched)
