"""Hypothesis strategies for FRT values: addresses, Borsh integers and strings, instructions, pools.

Functions return strategies (Hypothesis api-style); bounds are keyword-only `min_*` / `max_*`.
"""

from __future__ import annotations

from typing import cast

from hypothesis import strategies as st

from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt import instruction_data as ix
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.sol.address import ADDRESS_LEN, Address

U8_MAX = 0xFF
U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1


def _bounded(name: str, min_value: int, max_value: int, limit: int) -> st.SearchStrategy[int]:
    if not 0 <= min_value <= max_value <= limit:
        raise InvalidArgument(f"{name}: need 0 <= min_value <= max_value <= {limit}, "
                              f"got min_value={min_value!r}, max_value={max_value!r}")
    return st.integers(min_value=min_value, max_value=max_value)


def u8s(*, min_value: int = 0, max_value: int = U8_MAX) -> st.SearchStrategy[int]:
    return _bounded("u8s", min_value, max_value, U8_MAX)


def u32s(*, min_value: int = 0, max_value: int = U32_MAX) -> st.SearchStrategy[int]:
    return _bounded("u32s", min_value, max_value, U32_MAX)


def u64s(*, min_value: int = 0, max_value: int = U64_MAX) -> st.SearchStrategy[int]:
    return _bounded("u64s", min_value, max_value, U64_MAX)


def addresses() -> st.SearchStrategy[Address]:
    """Any 32 bytes, so on-curve keys and PDAs alike."""
    return st.binary(min_size=ADDRESS_LEN, max_size=ADDRESS_LEN).map(Address)


def borsh_strings(*, max_size: int = 64) -> st.SearchStrategy[str]:
    """Text that encodes as UTF-8 (the default alphabet excludes lone surrogates), any script."""
    return st.text(max_size=max_size)


def sides() -> st.SearchStrategy[Side]:
    return st.sampled_from(Side)


_FIELD_STRATEGIES: dict[ix.FieldKind, st.SearchStrategy[object]] = {
    ix.FieldKind.U8: u8s(),
    ix.FieldKind.U64: u64s(),
    ix.FieldKind.BOOL: st.booleans(),
    ix.FieldKind.PUBKEY: addresses(),
    ix.FieldKind.STRING: borsh_strings(),
}


def field_values(kind: ix.FieldKind) -> st.SearchStrategy[object]:
    """Every value a field of this Borsh kind can hold."""
    return _FIELD_STRATEGIES[kind]


def instructions_of(cls: type[ix.InstructionData]) -> st.SearchStrategy[ix.InstructionData]:
    """Instances of one variant with every field drawn over its full range."""
    return st.builds(cls, **{name: field_values(kind) for name, kind in cls.layout()})


def frt_instructions() -> st.SearchStrategy[ix.FrtInstruction]:
    """Any FRT v0.17 instruction."""
    return cast(st.SearchStrategy[ix.FrtInstruction],
                st.one_of(*(instructions_of(cls) for cls in ix.INSTRUCTION_TYPES)))


def pool_addresses(*, program_ids: st.SearchStrategy[Address] | None = None,
                   min_ratio: int = 1, max_ratio: int = U64_MAX) -> st.SearchStrategy[PoolAddresses]:
    """A pool's full address set for two distinct random mints and a ratio in [min_ratio, max_ratio]."""
    ratios = u64s(min_value=min_ratio, max_value=max_ratio)
    mint_pairs = st.lists(addresses(), min_size=2, max_size=2, unique=True)
    return st.builds(
        lambda pid, mints, ra, rb: PoolAddresses.derive(pid, mints[0], mints[1], ra, rb),
        addresses() if program_ids is None else program_ids, mint_pairs, ratios, ratios,
    )
