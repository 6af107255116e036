"""The project's SBF linker: clang's BPF relocatable objects in, one SBPFv0 shared object out.

``ld.lld`` cannot link for this target (sbf-toolchain.md), so the four steps live here, one module each:
read the objects (`objects`), merge their sections (`layout`), resolve symbols and relocations (`symbols`,
`relocate`) and write the ELF file (`elf_writer`). The output depends only on the objects' bytes and their
order, so the same objects always give the same program.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pytest_fixedratio.program.elf_writer import ProgramImage, load_addresses, write_shared_object
from pytest_fixedratio.program.layout import merge_sections
from pytest_fixedratio.program.objects import ObjectFile, read_object
from pytest_fixedratio.program.relocate import apply_relocations
from pytest_fixedratio.program.symbols import SymbolResolver

__all__ = ["link", "link_files"]


def link_files(paths: Sequence[Path]) -> bytes:
    """Link the object files at ``paths``, in the order given; see `link`."""
    return link([read_object(path.name, path.read_bytes()) for path in paths])


def link(objects: Sequence[ObjectFile]) -> bytes:
    """The SBPFv0 program made of ``objects``; raises `LinkError` naming what cannot be linked."""
    layout = merge_sections(objects)
    resolver = SymbolResolver(objects, layout)
    entry = resolver.entrypoint()
    addresses = load_addresses(len(layout.text), len(layout.rodata), layout.rodata_alignment)
    syscall_sites = apply_relocations(objects, layout, resolver, addresses)
    image = ProgramImage(bytes(layout.text), bytes(layout.rodata), layout.rodata_alignment, entry, syscall_sites)
    return write_shared_object(image)
