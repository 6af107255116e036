"""Facts about the SBPFv0 target that the linker relies on (sbf-toolchain.md, "What the SBPFv0 loader requires").

Kept apart from the linker's logic so that each number is stated once, with the reason it has that value.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

MM_PROGRAM_START: Final = 0x1_0000_0000
"""Virtual address at which the loader maps file offset 0 of the program; rodata pointers are based here."""

INSTRUCTION_SIZE: Final = 8
IMMEDIATE_OFFSET: Final = 4
"""Byte offset of the 32-bit immediate inside an instruction."""

OPCODE_LDDW: Final = 0x18
"""Loads a 64-bit immediate split over two instruction slots (the second slot has opcode 0)."""
OPCODE_CALL: Final = 0x85
OPCODE_CALLX: Final = 0x8D

CALL_UNRESOLVED: Final = -1
"""Immediate of a syscall call site: the loader skips -1 when it registers internal call targets, then writes
the syscall's hash there from the dynamic relocation."""

ENTRYPOINT_SYMBOL: Final = "entrypoint"


class Relocation(IntEnum):
    """ELF relocation types of EM_BPF objects (LLVM's BPF backend)."""

    BPF_64_64 = 1
    """lddw immediate: S + A, the addend being the immediate already in the instruction."""
    BPF_64_ABS64 = 2
    """64-bit data word: S + A, the addend being the word."""
    BPF_64_ABS32 = 3
    BPF_64_NODYLD32 = 4
    BPF_64_32 = 10
    """call immediate: (S + A) / 8 - 1, the addend encoded as (imm + 1) * 8. Also the only type the SBPFv0
    loader accepts in .rel.dyn, where it means "hash this symbol's name into the call"."""


SYSCALLS: Final = frozenset(
    {
        "abort",
        "sol_panic_",
        "sol_log_",
        "sol_log_64_",
        "sol_log_compute_units_",
        "sol_log_pubkey",
        "sol_log_data",
        "sol_create_program_address",
        "sol_try_find_program_address",
        "sol_sha256",
        "sol_keccak256",
        "sol_blake3",
        "sol_secp256k1_recover",
        "sol_curve_validate_point",
        "sol_curve_group_op",
        "sol_curve_multiscalar_mul",
        "sol_alt_bn128_group_op",
        "sol_alt_bn128_compression",
        "sol_big_mod_exp",
        "sol_poseidon",
        "sol_get_clock_sysvar",
        "sol_get_epoch_schedule_sysvar",
        "sol_get_rent_sysvar",
        "sol_get_last_restart_slot",
        "sol_get_epoch_rewards_sysvar",
        "sol_get_sysvar",
        "sol_get_epoch_stake",
        "sol_memcpy_",
        "sol_memmove_",
        "sol_memcmp_",
        "sol_memset_",
        "sol_get_processed_sibling_instruction",
        "sol_get_stack_height",
        "sol_remaining_compute_units",
        "sol_set_return_data",
        "sol_get_return_data",
        "sol_invoke_signed_c",
        "sol_invoke_signed_rust",
    }
)
"""Syscalls a deployed program may import. The loader checks the final list against the cluster's feature set
at deploy time; this list only turns a typo into a link error instead of a deploy failure."""

SYMBOL_ALIASES: Final = {"__bpf_trap": "abort"}
"""Undefined symbols the compiler emits on its own, and the syscall that implements each: LLVM lowers
``__builtin_trap()`` to ``call __bpf_trap``."""
