"""Writing the linked program as the ELF shared object the SBPFv0 loader accepts.

File layout, in ascending offsets (the loader rejects sections out of order), every allocated section at
``sh_addr == sh_offset``::

    ELF header | program headers | .text | .rodata | .dynamic | .dynsym | .dynstr | .rel.dyn
    | .shstrtab | section headers

Segments: PT_LOAD .text (R+X), PT_LOAD .rodata (R), PT_LOAD .dynamic..rel.dyn (R), PT_DYNAMIC .dynamic.
The dynamic part only exists to carry the syscall imports: one undefined .dynsym entry per syscall name and
one R_BPF_64_32 entry in .rel.dyn per call site. Nothing in the output depends on time, paths or host.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from pytest_fixedratio.program.objects import SectionRole
from pytest_fixedratio.program.relocate import SyscallSite
from pytest_fixedratio.program.sbpf import INSTRUCTION_SIZE, Relocation

_ELF_HEADER: Final = struct.Struct("<16sHHIQQQIHHHHHH")
_PROGRAM_HEADER: Final = struct.Struct("<IIQQQQQQ")
_SECTION_HEADER: Final = struct.Struct("<IIQQQQIIQQ")
_SYMBOL: Final = struct.Struct("<IBBHQQ")
_REL: Final = struct.Struct("<QQ")
_DYN: Final = struct.Struct("<qQ")

_IDENT: Final = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)  # 64-bit, little endian, version 1, OSABI 0
ET_DYN: Final = 3
EM_BPF: Final = 247
EV_CURRENT: Final = 1

PT_LOAD: Final = 1
PT_DYNAMIC: Final = 2
PF_X: Final = 1
PF_R: Final = 4

SHT_PROGBITS: Final = 1
SHT_STRTAB: Final = 3
SHT_DYNAMIC: Final = 6
SHT_REL: Final = 9
SHT_DYNSYM: Final = 11
SHF_ALLOC: Final = 2
SHF_EXECINSTR: Final = 4

STB_GLOBAL: Final = 1
STT_FUNC: Final = 2

DT_NULL: Final = 0
DT_STRTAB: Final = 5
DT_SYMTAB: Final = 6
DT_STRSZ: Final = 10
DT_SYMENT: Final = 11
DT_REL: Final = 17
DT_RELSZ: Final = 18
DT_RELENT: Final = 19


@dataclass(frozen=True, slots=True)
class ProgramImage:
    """The relocated program: code, read-only data, entry point and the syscall call sites to import."""

    text: bytes
    rodata: bytes
    rodata_alignment: int
    entry: int
    """Offset of the entry point in .text."""
    syscall_sites: Sequence[SyscallSite]


@dataclass(frozen=True, slots=True)
class _Section:
    name: str
    type: int
    data: bytes
    flags: int = SHF_ALLOC
    alignment: int = 8
    entry_size: int = 0
    link: str = ""
    """Name of the section that sh_link points at."""
    info: int = 0
    offset: int = 0
    """File offset, and for allocated sections also the address; set by `_place`."""


def load_addresses(text_size: int, rodata_size: int, rodata_alignment: int) -> dict[SectionRole, int]:
    """File offsets (= addresses) of .text and .rodata, which relocation needs before the file is written.

    Computed by the same placement as `write_shared_object`, on stand-in contents of the same sizes.
    """
    stand_in = ProgramImage(bytes(text_size), bytes(rodata_size), rodata_alignment, 0, ())
    placed = {section.name: section.offset for section in _place(_program_sections(stand_in))}
    return {SectionRole.TEXT: placed[".text"], SectionRole.RODATA: placed.get(".rodata", 0)}


def write_shared_object(image: ProgramImage) -> bytes:
    names = sorted({site.name for site in image.syscall_sites})
    sections = _place([*_program_sections(image), *_dynamic_sections(names, image.syscall_sites)])
    sections = _fill_dynamic_sections(sections, names, image.syscall_sites)
    shstrtab, name_offsets = _string_table(["", *(section.name for section in sections), ".shstrtab"])
    sections = _place([*sections, _Section(".shstrtab", SHT_STRTAB, shstrtab, flags=0, alignment=1)])
    by_name = {section.name: section for section in sections}
    program_headers = _program_headers(by_name)
    section_headers_at = _align(sections[-1].offset + len(sections[-1].data), 8)

    out = bytearray(section_headers_at)
    out[: _ELF_HEADER.size] = _elf_header(
        entry=by_name[".text"].offset + image.entry,
        program_header_count=len(program_headers),
        section_headers_at=section_headers_at,
        section_count=len(sections) + 1,
    )
    out[_ELF_HEADER.size : _ELF_HEADER.size + _PROGRAM_HEADER.size * len(program_headers)] = b"".join(program_headers)
    for section in sections:
        out[section.offset : section.offset + len(section.data)] = section.data
    indices = {section.name: number for number, section in enumerate(sections, start=1)}
    out += bytes(_SECTION_HEADER.size)  # the null section
    for section in sections:
        out += _section_header(section, name_offsets[section.name], indices)
    return bytes(out)


def _elf_header(*, entry: int, program_header_count: int, section_headers_at: int, section_count: int) -> bytes:
    """The section-name table is the last section; program headers follow the ELF header."""
    return _ELF_HEADER.pack(
        _IDENT,
        ET_DYN,
        EM_BPF,
        EV_CURRENT,
        entry,
        _ELF_HEADER.size,
        section_headers_at,
        0,  # e_flags: SBPFv0
        _ELF_HEADER.size,
        _PROGRAM_HEADER.size,
        program_header_count,
        _SECTION_HEADER.size,
        section_count,
        section_count - 1,
    )


def _program_header_count(*, has_rodata: bool) -> int:
    return 4 if has_rodata else 3


def _program_sections(image: ProgramImage) -> list[_Section]:
    sections = [_Section(".text", SHT_PROGBITS, image.text, SHF_ALLOC | SHF_EXECINSTR, INSTRUCTION_SIZE)]
    if image.rodata:
        sections.append(_Section(".rodata", SHT_PROGBITS, image.rodata, alignment=image.rodata_alignment))
    return sections


def _dynamic_sections(names: Sequence[str], sites: Sequence[SyscallSite]) -> list[_Section]:
    """The dynamic sections at their final sizes; their contents need the addresses, see the fill step."""
    dynstr, _ = _string_table(["", *names])
    dynamic_size = _DYN.size * (len(_dynamic_tags(sites)) + 1)
    sections = [
        _Section(".dynamic", SHT_DYNAMIC, bytes(dynamic_size), entry_size=_DYN.size, link=".dynstr"),
        _Section(".dynsym", SHT_DYNSYM, bytes(_SYMBOL.size * (len(names) + 1)), entry_size=_SYMBOL.size,
                 link=".dynstr", info=1),
        _Section(".dynstr", SHT_STRTAB, dynstr, alignment=1),
    ]  # fmt: skip
    if sites:
        rel = _Section(".rel.dyn", SHT_REL, bytes(_REL.size * len(sites)), entry_size=_REL.size, link=".dynsym")
        sections.append(rel)
    return sections


def _dynamic_tags(sites: Sequence[SyscallSite]) -> list[int]:
    """DT_REL* only when there is something to relocate: the loader rejects DT_REL with DT_RELSZ 0."""
    tags = [DT_SYMTAB, DT_SYMENT, DT_STRTAB, DT_STRSZ]
    return [*tags, DT_REL, DT_RELSZ, DT_RELENT] if sites else tags


def _fill_dynamic_sections(
    sections: Sequence[_Section], names: Sequence[str], sites: Sequence[SyscallSite]
) -> list[_Section]:
    by_name = {section.name: section for section in sections}
    _, string_offsets = _string_table(["", *names])
    symbol_index = {name: number for number, name in enumerate(names, start=1)}
    text = by_name[".text"].offset
    contents = {
        ".dynsym": bytes(_SYMBOL.size)
        + b"".join(_SYMBOL.pack(string_offsets[name], STB_GLOBAL << 4 | STT_FUNC, 0, 0, 0, 0) for name in names),
        ".rel.dyn": b"".join(
            _REL.pack(text + site.offset, symbol_index[site.name] << 32 | Relocation.BPF_64_32) for site in sites
        ),
        ".dynamic": _dynamic_table(by_name, sites),
    }
    filled = []
    for section in sections:
        data = contents.get(section.name, section.data)
        assert len(data) == len(section.data), section.name
        filled.append(dataclasses.replace(section, data=data))
    return filled


def _dynamic_table(by_name: Mapping[str, _Section], sites: Sequence[SyscallSite]) -> bytes:
    values = {
        DT_SYMTAB: by_name[".dynsym"].offset,
        DT_SYMENT: _SYMBOL.size,
        DT_STRTAB: by_name[".dynstr"].offset,
        DT_STRSZ: len(by_name[".dynstr"].data),
        DT_REL: by_name[".rel.dyn"].offset if sites else 0,
        DT_RELSZ: _REL.size * len(sites),
        DT_RELENT: _REL.size,
    }
    entries = [_DYN.pack(tag, values[tag]) for tag in _dynamic_tags(sites)]
    return b"".join([*entries, _DYN.pack(DT_NULL, 0)])


def _place(sections: Sequence[_Section]) -> list[_Section]:
    """Give each section the next free offset at its alignment, after the headers."""
    has_rodata = any(section.name == ".rodata" for section in sections)
    offset = _ELF_HEADER.size + _program_header_count(has_rodata=has_rodata) * _PROGRAM_HEADER.size
    placed = []
    for section in sections:
        offset = _align(offset, section.alignment)
        placed.append(dataclasses.replace(section, offset=offset))
        offset += len(section.data)
    return placed


def _program_headers(by_name: Mapping[str, _Section]) -> list[bytes]:
    dynamic = by_name[".dynamic"]
    last = by_name.get(".rel.dyn", by_name[".dynstr"])
    headers = [_segment(PT_LOAD, PF_R | PF_X, by_name[".text"])]
    if ".rodata" in by_name:
        headers.append(_segment(PT_LOAD, PF_R, by_name[".rodata"]))
    headers.append(_segment(PT_LOAD, PF_R, dynamic, end=last.offset + len(last.data)))
    headers.append(_segment(PT_DYNAMIC, PF_R, dynamic))
    return headers


def _segment(kind: int, flags: int, first: _Section, end: int | None = None) -> bytes:
    """A segment from ``first`` to ``end`` (default: the end of ``first``), mapped at its file offset."""
    start = first.offset
    size = (start + len(first.data) if end is None else end) - start
    return _PROGRAM_HEADER.pack(kind, flags, start, start, start, size, size, first.alignment)


def _section_header(section: _Section, name_offset: int, indices: Mapping[str, int]) -> bytes:
    address = section.offset if section.flags & SHF_ALLOC else 0
    link = indices.get(section.link, 0)
    return _SECTION_HEADER.pack(
        name_offset, section.type, section.flags, address, section.offset, len(section.data), link,
        section.info, section.alignment, section.entry_size,
    )  # fmt: skip


def _string_table(strings: Sequence[str]) -> tuple[bytes, dict[str, int]]:
    table = bytearray()
    offsets: dict[str, int] = {}
    for string in strings:
        if string not in offsets:
            offsets[string] = len(table)
            table += string.encode() + b"\0"
    return bytes(table), offsets


def _align(value: int, alignment: int) -> int:
    return value + (-value % alignment)
