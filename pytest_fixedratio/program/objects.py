"""Reading clang's BPF relocatable objects into the few facts the linker needs.

pyelftools does the parsing; this module decides which input sections become part of the program: code
(``.text*``) and read-only data (``.rodata*``, ``.data.rel.ro*``). Writable data cannot exist in an SBPFv0
program, so it is rejected here, naming the variables, before anything else happens.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final

from elftools.common.exceptions import ELFError
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import Section, Symbol, SymbolTableSection

from pytest_fixedratio.program.errors import LinkError
from pytest_fixedratio.program.sbpf import Relocation

WRITABLE_DATA_MESSAGE = (
    "{object}: {what} lives in writable section {section}; SBPFv0 programs have no mutable globals. "
    "Declare it const (read-only data) or keep the state in an account."
)
UNSUPPORTED_SECTION_MESSAGE = (
    "{object}: allocated section {section} is neither code (.text*) nor read-only data (.rodata*, "
    ".data.rel.ro*); the SBPFv0 loader would not map it. Compile with the flags of program/build.py."
)
NOT_BPF_MESSAGE = "{object}: not a 64-bit little-endian EM_BPF relocatable object ({detail}); compile with -target bpf"
MALFORMED_MESSAGE = "{object}: malformed object file: {detail}"

SHN_HIRESERVE: Final = 0xFFFF
RESERVED_SECTION_NUMBERS: Final = {"SHN_ABS": 0xFFF1, "SHN_COMMON": 0xFFF2}
"""A symbol in one of these (clang's -fno-common default leaves only SHN_ABS for the file name) is not in
any program section, so a relocation against it is reported by the symbol resolver."""

MAX_ALIGNMENT: Final = 4096
"""Larger alignments do not occur in clang's output; refusing them keeps a corrupt header from padding
the program with gigabytes."""


class SectionRole(Enum):
    """The output section an input section is merged into."""

    TEXT = ".text"
    RODATA = ".rodata"


@dataclass(frozen=True, slots=True)
class InputSection:
    index: int
    name: str
    data: bytes
    alignment: int
    role: SectionRole


@dataclass(frozen=True, slots=True)
class InputSymbol:
    """One symbol-table entry; ``section`` is None for an undefined symbol (SHN_ABS etc. keep their number)."""

    name: str
    section: int | None
    value: int
    is_local: bool


@dataclass(frozen=True, slots=True)
class InputRelocation:
    """A REL entry patching ``section`` at ``offset``; the addend is implicit in the patched bytes."""

    section: int
    offset: int
    type: int
    symbol: int


@dataclass(frozen=True, slots=True)
class ObjectFile:
    """The parts of one object that matter to the program: kept sections, all symbols, their relocations."""

    name: str
    sections: Mapping[int, InputSection]
    symbols: Sequence[InputSymbol]
    relocations: Sequence[InputRelocation]


def read_object(name: str, data: bytes) -> ObjectFile:
    """Parse the relocatable object ``data``; ``name`` only labels error messages."""
    try:
        elf = ELFFile(io.BytesIO(data))
        _check_header(name, elf)
        symbols = _read_symbols(elf)
        sections = _read_sections(name, elf, symbols, len(data))
        _check_symbols(name, symbols, sections)
        relocations = _read_relocations(name, elf, sections, len(symbols))
    except (ELFError, OverflowError, struct.error) as error:
        # pyelftools reports a corrupt header or table with any of these.
        raise LinkError(MALFORMED_MESSAGE.format(object=name, detail=error)) from error
    return ObjectFile(name, sections, symbols, relocations)


def _check_header(name: str, elf: ELFFile) -> None:
    header = elf.header
    found = (elf.elfclass, elf.little_endian, header["e_machine"], header["e_type"])
    if found != (64, True, "EM_BPF", "ET_REL"):
        raise LinkError(NOT_BPF_MESSAGE.format(object=name, detail=found))


def _read_symbols(elf: ELFFile) -> list[InputSymbol]:
    table = elf.get_section_by_name(".symtab")
    if not isinstance(table, SymbolTableSection):
        return []
    return [_symbol(entry) for entry in table.iter_symbols()]


def _symbol(entry: Symbol) -> InputSymbol:
    index = entry["st_shndx"]
    section = None if index == "SHN_UNDEF" else _section_number(index)
    return InputSymbol(entry.name, section, entry["st_value"], entry["st_info"]["bind"] == "STB_LOCAL")


def _section_number(index: int | str) -> int:
    """pyelftools names the reserved indices (SHN_ABS, SHN_COMMON ...); keep them as the numbers they are."""
    return index if isinstance(index, int) else RESERVED_SECTION_NUMBERS.get(index, SHN_HIRESERVE)


def _read_sections(name: str, elf: ELFFile, symbols: Sequence[InputSymbol], file_size: int) -> dict[int, InputSection]:
    kept: dict[int, InputSection] = {}
    for index, section in enumerate(elf.iter_sections()):
        role = _role(name, index, section, symbols)
        if role is not None:
            _check_extent(name, section, file_size)
            alignment = max(section["sh_addralign"], 1)
            kept[index] = InputSection(index, section.name, section.data(), alignment, role)
    return kept


def _check_extent(name: str, section: Section, file_size: int) -> None:
    alignment = section["sh_addralign"]
    if section["sh_offset"] + section["sh_size"] > file_size:
        raise LinkError(MALFORMED_MESSAGE.format(object=name, detail=f"section {section.name} ends past the file"))
    if alignment > MAX_ALIGNMENT or alignment & (alignment - 1):
        detail = f"section {section.name} has alignment {alignment}, not a power of two up to {MAX_ALIGNMENT}"
        raise LinkError(MALFORMED_MESSAGE.format(object=name, detail=detail))


def _check_symbols(name: str, symbols: Sequence[InputSymbol], sections: Mapping[int, InputSection]) -> None:
    for symbol in symbols:
        section = sections.get(symbol.section) if symbol.section is not None else None
        if section is not None and symbol.value > len(section.data):
            detail = f"symbol {symbol.name!r} lies past the end of section {section.name}"
            raise LinkError(MALFORMED_MESSAGE.format(object=name, detail=detail))


def _role(name: str, index: int, section: Section, symbols: Sequence[InputSymbol]) -> SectionRole | None:
    flags = section["sh_flags"]
    if not flags & SH_FLAGS.SHF_ALLOC:
        return None
    if section.name.startswith(".data.rel.ro"):
        # Writable in ELF only so a dynamic linker can relocate it; this linker relocates it statically.
        return SectionRole.RODATA
    if flags & SH_FLAGS.SHF_WRITE or section["sh_type"] == "SHT_NOBITS":
        _reject_writable(name, index, section, symbols)
        return None
    if flags & SH_FLAGS.SHF_EXECINSTR and section.name.startswith(".text"):
        return SectionRole.TEXT
    if section.name.startswith(".rodata"):
        return SectionRole.RODATA
    raise LinkError(UNSUPPORTED_SECTION_MESSAGE.format(object=name, section=section.name))


def _reject_writable(name: str, index: int, section: Section, symbols: Sequence[InputSymbol]) -> None:
    """Empty writable sections (clang emits an empty .data/.bss now and then) are harmless and dropped."""
    defined = sorted({symbol.name for symbol in symbols if symbol.section == index and symbol.name})
    if section["sh_size"] == 0 and not defined:
        return
    what = ", ".join(f"variable {symbol!r}" for symbol in defined) or "data"
    raise LinkError(WRITABLE_DATA_MESSAGE.format(object=name, what=what, section=section.name))


def _read_relocations(
    name: str, elf: ELFFile, sections: Mapping[int, InputSection], symbol_count: int
) -> list[InputRelocation]:
    relocations: list[InputRelocation] = []
    for section in elf.iter_sections():
        if not isinstance(section, RelocationSection) or section["sh_info"] not in sections:
            continue
        if section.is_RELA():
            raise LinkError(f"{name}: RELA section {section.name} is not produced by clang -target bpf")
        target = sections[section["sh_info"]]
        for entry in section.iter_relocations():
            relocation = InputRelocation(target.index, entry["r_offset"], entry["r_info_type"], entry["r_info_sym"])
            _check_relocation(name, relocation, target, symbol_count)
            relocations.append(relocation)
    return relocations


def _check_relocation(name: str, relocation: InputRelocation, target: InputSection, symbol_count: int) -> None:
    """The bytes a relocation patches must lie inside its section: 16 for lddw's two slots, else 8."""
    width = 16 if relocation.type == Relocation.BPF_64_64 else 8
    if relocation.offset + width > len(target.data) or relocation.symbol >= symbol_count:
        detail = f"relocation at offset {relocation.offset:#x} of {target.name} is out of range"
        raise LinkError(MALFORMED_MESSAGE.format(object=name, detail=detail))
