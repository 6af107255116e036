"""The SBF linker, on committed objects (no clang needed): ELF shape, link errors, and behaviour on chain.

The objects in ``data/`` are compiled from the C files next to them with the flags of program/build.py; to
regenerate one after editing its source::

    .venv/bin/python -c "from pathlib import Path; from pytest_fixedratio.program.build import *; \
        compile_object(clang_path(), Path('tests/program/data/hello.c'), Path('tests/program/data/hello.o'))"

``test_build.py`` checks that the committed ``hello.o`` is still what its source compiles to.

The linked program is deployed through BPFLoaderUpgradeable (`LiteSvmChain`), whose deploy-time checks are
what prove the ELF right; transactions then show that every kind of relocation resolved to the right place.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import itertools
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Final

import pytest
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import Section, SymbolTableSection
from hypothesis import given
from hypothesis import strategies as st
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata

from pytest_fixedratio.chain.base import ChainError
from pytest_fixedratio.chain.convert import to_pubkey, to_transaction_failure
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.frt.errors import TransactionFailure
from pytest_fixedratio.program.errors import LinkError
from pytest_fixedratio.program.linker import link, link_files
from pytest_fixedratio.program.objects import ObjectFile, read_object
from pytest_fixedratio.program.sbpf import MM_PROGRAM_START, SYSCALLS
from pytest_fixedratio.sol.pda import find_program_address

DATA: Final = Path(__file__).with_name("data")
HELLO: Final = DATA / "hello.o"

# What hello.c does, restated: the strings of its pointer table, its mix() and its function-pointer table.
GREETINGS: Final = ("hello from rodata", "second string", "third and last")
OPERATIONS: Final = (lambda x: x * 2, lambda x: x * x, lambda x: ~x % 2**64)
HELLO_SYSCALLS: Final = {"sol_log_", "sol_log_64_", "sol_try_find_program_address", "sol_set_return_data"}
BAD_COMMAND_ERROR: Final = 77

Outcome = TransactionMetadata | FailedTransactionMetadata


def _mix(a: int, b: int) -> int:
    return ((a * 31) ^ (b + 7)) % 2**64


@pytest.fixture(scope="module")
def hello_so() -> bytes:
    return link_files([HELLO])


@pytest.fixture(scope="module")
def elf(hello_so: bytes) -> ELFFile:
    return ELFFile(io.BytesIO(hello_so))


@pytest.fixture(scope="module")
def deployed(hello_so: bytes, tmp_path_factory: pytest.TempPathFactory) -> LiteSvmChain:
    return _deploy(tmp_path_factory.mktemp("hello"), hello_so)


def _send(svm: LiteSVM, payer: Keypair, program_id: Pubkey, data: bytes) -> Outcome:
    """Invoke the program once; a fresh blockhash keeps a repeated call from being AlreadyProcessed."""
    svm.expire_blockhash()
    message = Message.new_with_blockhash([Instruction(program_id, data, [])], payer.pubkey(), svm.latest_blockhash())
    return svm.send_transaction(VersionedTransaction(message, [payer]))


def _invoke(chain: LiteSvmChain, data: bytes) -> Outcome:
    return _send(chain.svm, chain.upgrade_authority.keypair, to_pubkey(chain.program_id), data)


def _section(elf: ELFFile, name: str) -> Section:
    section = elf.get_section_by_name(name)
    assert section is not None, name
    return section


def _symbols(section: Section | None) -> SymbolTableSection:
    assert isinstance(section, SymbolTableSection)
    return section


def _succeeded(outcome: Outcome) -> TransactionMetadata:
    assert isinstance(outcome, TransactionMetadata), outcome
    return outcome


def _failure(outcome: Outcome) -> tuple[TransactionFailure, list[str]]:
    assert isinstance(outcome, FailedTransactionMetadata), outcome
    return to_transaction_failure(outcome.err()), list(outcome.meta().logs())


def _program_logs(outcome: TransactionMetadata) -> list[str]:
    prefix = "Program log: "
    return [line.removeprefix(prefix) for line in outcome.logs() if line.startswith(prefix)]


def _return_data(outcome: TransactionMetadata) -> bytes:
    returned = outcome.return_data()
    assert returned is not None
    return bytes(returned.data)


# -- ELF shape ---------------------------------------------------------------------------------------------


def test_output_is_an_sbpfv0_shared_object(elf: ELFFile) -> None:
    header = elf.header
    assert (elf.elfclass, elf.little_endian) == (64, True)
    assert (header["e_type"], header["e_machine"], header["e_flags"]) == ("ET_DYN", "EM_BPF", 0)
    assert header["e_ident"]["EI_OSABI"] == "ELFOSABI_SYSV"


def test_allocated_sections_sit_at_their_file_offsets_in_ascending_order(elf: ELFFile) -> None:
    sections = list(elf.iter_sections())[1:]
    allocated = [s for s in sections if s["sh_flags"] & 2]
    assert [s.name for s in allocated] == [".text", ".rodata", ".dynamic", ".dynsym", ".dynstr", ".rel.dyn"]
    assert all(s["sh_addr"] == s["sh_offset"] for s in allocated)
    ends = [(s["sh_offset"], s["sh_offset"] + s["sh_size"]) for s in sections]
    assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(ends))
    loads = [segment["p_vaddr"] for segment in elf.iter_segments() if segment["p_type"] == "PT_LOAD"]
    assert loads == sorted(loads) and len(loads) == 3


def test_entry_point_is_the_entrypoint_function(elf: ELFFile) -> None:
    text = _section(elf, ".text")
    entry = elf.header["e_entry"]
    assert entry % 8 == 0 and text["sh_addr"] <= entry < text["sh_addr"] + text["sh_size"]
    source = _section(ELFFile(io.BytesIO(HELLO.read_bytes())), ".text.entrypoint").data()
    offset = entry - text["sh_offset"]
    assert text.data()[offset : offset + 24] == source[:24]  # its first instructions, unrelocated


def test_every_syscall_call_site_is_a_dynamic_relocation_of_a_call_minus_one(elf: ELFFile) -> None:
    rel = elf.get_section_by_name(".rel.dyn")
    assert isinstance(rel, RelocationSection)
    dynsym = _symbols(elf.get_section_by_name(".dynsym"))
    text = _section(elf, ".text")
    names = set()
    for entry in rel.iter_relocations():
        assert entry["r_info_type"] == 10
        at = entry["r_offset"] - text["sh_offset"]
        assert text.data()[at : at + 8] == bytes([0x85, 0x10, 0, 0]) + struct.pack("<i", -1)
        names.add(dynsym.get_symbol(entry["r_info_sym"]).name)
    assert names == HELLO_SYSCALLS
    source = ELFFile(io.BytesIO(HELLO.read_bytes()))
    syscall_relocations = [
        r
        for section in source.iter_sections()
        if isinstance(section, RelocationSection)
        for r in section.iter_relocations()
        if _symbols(source.get_section(section["sh_link"])).get_symbol(r["r_info_sym"]).name in SYSCALLS
    ]
    assert rel.num_relocations() == len(syscall_relocations)


def test_dynamic_table_points_at_the_dynamic_sections(elf: ELFFile) -> None:
    dynamic = elf.get_section_by_name(".dynamic")
    assert isinstance(dynamic, DynamicSection)
    tags = {tag.entry.d_tag: tag.entry.d_val for tag in dynamic.iter_tags()}
    rel = _section(elf, ".rel.dyn")
    assert tags["DT_REL"] == rel["sh_addr"] and tags["DT_RELSZ"] == rel["sh_size"] > 0
    assert tags["DT_RELENT"] == 16
    assert tags["DT_SYMTAB"] == _section(elf, ".dynsym")["sh_addr"]


def test_rodata_pointers_are_program_addresses_of_the_strings(elf: ELFFile) -> None:
    rodata = _section(elf, ".rodata")
    data, base = rodata.data(), MM_PROGRAM_START + rodata["sh_addr"]
    words = struct.unpack_from(f"<{len(data) // 8}Q", data[: len(data) // 8 * 8])
    pointed = {data[w - base : data.index(b"\0", w - base)] for w in words if base <= w < base + len(data)}
    assert {g.encode() for g in GREETINGS} <= pointed


def test_linking_is_deterministic_and_independent_of_the_object_path(hello_so: bytes, tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere" / "renamed.o"
    copy.parent.mkdir()
    copy.write_bytes(HELLO.read_bytes())
    assert link_files([copy]) == link_files([HELLO]) == hello_so


# -- link errors ---------------------------------------------------------------------------------------------


def test_a_mutable_global_is_a_link_error_naming_the_variable() -> None:
    with pytest.raises(LinkError, match=r"variable 'call_count'.*\.bss\.call_count.*no mutable globals"):
        link_files([DATA / "mutable_global.o"])


def test_an_unknown_undefined_function_is_a_link_error_naming_it() -> None:
    with pytest.raises(LinkError, match=r"'sol_no_such_syscall' \(referenced by undefined_symbol\.o\)"):
        link_files([DATA / "undefined_symbol.o"])


def test_data_in_a_section_the_loader_does_not_map_is_a_link_error() -> None:
    with pytest.raises(LinkError, match=r"allocated section \.limits is neither code"):
        link_files([DATA / "custom_section.o"])


def test_a_linked_program_is_not_accepted_as_input(hello_so: bytes) -> None:
    with pytest.raises(LinkError, match=r"hello\.so: not a 64-bit little-endian EM_BPF relocatable object"):
        read_object("hello.so", hello_so)


def test_two_definitions_of_a_global_are_a_link_error() -> None:
    with pytest.raises(LinkError, match=r"'mix' is defined in both hello\.o and hello\.o"):
        link_files([HELLO, HELLO])


def _renamed(obj: ObjectFile, old: str, new: str) -> ObjectFile:
    symbols = [dataclasses.replace(s, name=new) if s.name == old else s for s in obj.symbols]
    return dataclasses.replace(obj, symbols=symbols)


def test_a_program_without_entrypoint_is_a_link_error() -> None:
    obj = _renamed(read_object("hello.o", HELLO.read_bytes()), "entrypoint", "main")
    with pytest.raises(LinkError, match="no object defines the function 'entrypoint'"):
        link([obj])


def test_bpf_trap_is_imported_as_abort() -> None:
    """clang-19 refuses __builtin_trap for BPF, newer LLVM emits `call __bpf_trap`; it must become abort."""
    obj = _renamed(read_object("hello.o", HELLO.read_bytes()), "sol_log_64_", "__bpf_trap")
    dynstr = _section(ELFFile(io.BytesIO(link([obj]))), ".dynstr").data().split(b"\0")
    assert b"abort" in dynstr and b"__bpf_trap" not in dynstr and b"sol_log_64_" not in dynstr


@given(st.data())
def test_any_corruption_of_an_object_links_or_raises_link_error(data: st.DataObject) -> None:
    raw = bytearray(HELLO.read_bytes())
    if data.draw(st.booleans(), label="truncate"):
        del raw[data.draw(st.integers(0, len(raw) - 1), label="length") :]
    else:
        for _ in range(data.draw(st.integers(1, 4), label="flips")):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    with contextlib.suppress(LinkError):
        link([read_object("corrupt.o", bytes(raw))])


# -- behaviour on chain -------------------------------------------------------------------------------------------


def test_the_program_deploys_through_the_upgradeable_loader(deployed: LiteSvmChain, hello_so: bytes) -> None:
    account = deployed.svm.get_account(to_pubkey(deployed.program_id))
    assert account is not None and account.executable
    assert len(hello_so) < 4096


@given(a=st.integers(0, 255), b=st.integers(0, 255))
def test_greet_logs_strings_through_the_rodata_table_and_calls_mix(deployed: LiteSvmChain, a: int, b: int) -> None:
    outcome = _succeeded(_invoke(deployed, bytes([0, a, b])))
    rotated = [GREETINGS[(a + i) % len(GREETINGS)] for i in range(len(GREETINGS))]
    numbers = ", ".join(f"{n:#x}" for n in (a, b, _mix(a, b), len(GREETINGS), 0))
    assert _program_logs(outcome) == [*rotated, numbers]
    assert _return_data(outcome) == b"hello"


@given(seed=st.binary(max_size=32))
def test_pda_from_rodata_and_instruction_seeds_matches_python(deployed: LiteSvmChain, seed: bytes) -> None:
    outcome = _succeeded(_invoke(deployed, b"\x01" + seed))
    address, bump = find_program_address((b"fixture", seed), deployed.program_id)
    assert _return_data(outcome) == bytes(address) + bytes([bump])


@given(index=st.integers(0, 2), padding=st.binary(max_size=40))
def test_function_pointer_table_is_called_through_callx(deployed: LiteSvmChain, index: int, padding: bytes) -> None:
    data = bytes([3, index]) + padding
    outcome = _succeeded(_invoke(deployed, data))
    assert _return_data(outcome) == struct.pack("<Q", OPERATIONS[index](len(data)))


@given(code=st.integers(1, 255))
def test_fail_returns_the_requested_custom_error(deployed: LiteSvmChain, code: int) -> None:
    failure, logs = _failure(_invoke(deployed, bytes([2, code])))
    assert failure == TransactionFailure("Custom", 0, code)
    assert "Program log: failing on request" in logs


def test_unknown_command_fails_with_the_program_error(deployed: LiteSvmChain) -> None:
    failure, _ = _failure(_invoke(deployed, bytes([9])))
    assert (failure.kind, failure.custom_code) == ("Custom", BAD_COMMAND_ERROR)


def test_add_program_runs_the_same_program(hello_so: bytes) -> None:
    svm, payer, program_id = LiteSVM(), Keypair(), Pubkey.new_unique()
    svm.airdrop(payer.pubkey(), 10**9)
    svm.add_program(program_id, hello_so)
    outcome = _succeeded(_send(svm, payer, program_id, bytes([0, 0, 0])))
    assert _program_logs(outcome)[: len(GREETINGS)] == list(GREETINGS)


def _deploy(tmp_path: Path, elf: bytes) -> LiteSvmChain:
    path = tmp_path / "program.so"
    path.write_bytes(elf)
    return LiteSvmChain(path)


def _patched(elf: bytes, offset: int, fmt: str, value: int) -> bytes:
    patched = bytearray(elf)
    struct.pack_into(fmt, patched, offset, value)
    return bytes(patched)


@pytest.mark.parametrize(
    ("offset", "fmt", "change", "message"),
    [
        pytest.param(16, "<H", lambda _: 2, "Incompatible ELF: wrong type", id="e_type ET_EXEC"),
        pytest.param(48, "<I", lambda _: 0x20, "sbpf_version", id="e_flags not 0"),
        pytest.param(24, "<Q", lambda entry: entry + 4, "Invalid entrypoint", id="misaligned e_entry"),
    ],
)
def test_the_loader_rejects_a_broken_header_at_deploy(
    hello_so: bytes, tmp_path: Path, offset: int, fmt: str, change: Callable[[int], int], message: str
) -> None:
    """Proves the deployment checks run: each corruption of the good ELF is refused with the loader's message."""
    (value,) = struct.unpack_from(fmt, hello_so, offset)
    with pytest.raises(ChainError, match=message):
        _deploy(tmp_path, _patched(hello_so, offset, fmt, change(value)))


def test_an_unknown_syscall_passes_add_program_but_not_the_loader(hello_so: bytes, tmp_path: Path) -> None:
    """Why the tests deploy through the loader: add_program only fails such a program when it runs."""
    at = hello_so.index(b"sol_log_\0")
    renamed = hello_so[:at] + b"sol_lgg_" + hello_so[at + 8 :]
    LiteSVM().add_program(Pubkey.new_unique(), renamed)
    with pytest.raises(ChainError, match=r"Unresolved symbol \(sol_lgg_\)"):
        _deploy(tmp_path, renamed)


def test_a_program_without_rodata_or_syscalls_deploys_and_runs(tmp_path: Path) -> None:
    minimal = link_files([DATA / "minimal.o"])
    chain = _deploy(tmp_path, minimal)
    elf = ELFFile(io.BytesIO(minimal))
    assert elf.get_section_by_name(".rodata") is None and elf.get_section_by_name(".rel.dyn") is None
    failure, _ = _failure(_invoke(chain, bytes([5])))
    assert failure == TransactionFailure("Custom", 0, 5)
    _succeeded(_invoke(chain, bytes([0])))
