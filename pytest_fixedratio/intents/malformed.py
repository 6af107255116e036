"""Instruction data the program must refuse while decoding, for every FRT variant.

Why: the program decodes instruction data (Borsh, `PoolInstruction::try_from_slice`) before it reads a single
account, so a build whose decoder accepts a trailing byte, reads past the end or takes invalid UTF-8 misbehaves
whatever the accounts. Each entry of `MALFORMED` breaks the encoding of one variant in one way (one byte short,
one byte long, an invalid bool, invalid UTF-8, a string length past the end; plus empty data and an unknown
variant) and is predicted with the decoding rules of frt-contract.md section 1 (`decode_instruction`):
InvalidInstructionData for empty data, BorshIoError for the rest.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt import instruction_data as ixd
from pytest_fixedratio.intents.book import Book
from pytest_fixedratio.intents.expected import ExpectedError, Fails
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import AccountMeta, Instruction

_SAMPLE_VALUES: Final[dict[ixd.FieldKind, Callable[[Address], Any]]] = {
    ixd.FieldKind.U8: lambda _: 1,
    ixd.FieldKind.U64: lambda _: 1_000_000_000,
    ixd.FieldKind.BOOL: lambda _: True,
    ixd.FieldKind.PUBKEY: lambda address: address,
    ixd.FieldKind.STRING: lambda _: "stress",
}


def sample(cls: type[ixd.InstructionData], address: Address) -> bytes:
    """A well-formed encoding of variant `cls`, every address field `address`: what the breaks start from."""
    values = {name: _SAMPLE_VALUES[kind](address) for name, kind in cls.layout()}
    return cls(**values).encode()


def _field_offset(cls: type[ixd.InstructionData], field: str, address: Address) -> int:
    """Where `field` starts in `sample(cls, address)` (fields before it have fixed sizes in the samples)."""
    sizes = {ixd.FieldKind.U8: 1, ixd.FieldKind.U64: 8, ixd.FieldKind.BOOL: 1, ixd.FieldKind.PUBKEY: 32}
    offset = 1
    for name, kind in cls.layout():
        if name == field:
            return offset
        offset += sizes[kind]
    raise InvalidArgument(f"{cls.__name__} has no field {field!r}")


Break = Callable[[Address], bytes]


def _resized(cls: type[ixd.InstructionData], change: Callable[[bytes], bytes]) -> Break:
    return lambda address: change(sample(cls, address))


def _breaks() -> dict[str, Break]:
    unknown = bytes([len(ixd.INSTRUCTION_TYPES)])
    breaks: dict[str, Break] = {"empty": lambda _: b"", "unknown_variant": lambda _: unknown}
    for cls in ixd.INSTRUCTION_TYPES:
        breaks[f"{cls.__name__}.short"] = _resized(cls, lambda data: data[:-1])
        breaks[f"{cls.__name__}.long"] = _resized(cls, lambda data: data + b"\x00")
    bool_at = _field_offset(ixd.SetSwapOwnerOnly, "enable_restriction", Address(bytes(32)))
    breaks["SetSwapOwnerOnly.bool_2"] = lambda a: _patched(sample(ixd.SetSwapOwnerOnly, a), bool_at, b"\x02")
    text_at = _field_offset(ixd.DonateSol, "message", Address(bytes(32)))
    breaks["DonateSol.invalid_utf8"] = lambda a: sample(ixd.DonateSol, a)[:text_at] + struct.pack("<I", 2) + b"\xff\xfe"
    breaks["DonateSol.length_past_end"] = lambda a: (sample(ixd.DonateSol, a)[:text_at] + struct.pack("<I", 7)
                                                     + b"stress")
    return dict(sorted(breaks.items()))


def _patched(data: bytes, offset: int, replacement: bytes) -> bytes:
    return data[:offset] + replacement + data[offset + len(replacement):]


DECODE: Final = "decode"
"""The family name of these variants in intent kinds ("adversary:decode.Deposit.long")."""
MALFORMED: Final[dict[str, Break]] = _breaks()
"""Malformed instruction data by name ("Deposit.short", "DonateSol.invalid_utf8", "empty" ...), from the address
its address fields take."""


@dataclass(frozen=True, slots=True)
class MalformedData(Op):
    """FRT instruction `data` (one of `MALFORMED`) with `accounts`, which decoding never reaches."""

    name: str
    program_id: Address
    data: bytes
    accounts: tuple[AccountMeta, ...] = ()

    def instructions(self) -> tuple[Instruction, ...]:
        return (Instruction(self.program_id, self.accounts, self.data),)

    def labels(self) -> dict[Address, str]:
        """The accounts passed: decoding never reaches them, so they must come out untouched (I9)."""
        return {meta.address: f"account {index} of {self.name}" for index, meta in enumerate(self.accounts)}

    def apply(self, book: Book) -> None:
        try:
            ixd.decode_instruction(self.data)
        except ixd.InstructionDecodeError as exc:
            raise Fails(ExpectedError.frt_builtin(exc.kind), str(exc)) from None
        raise InvalidArgument(f"{self.name}: {self.data.hex()} decodes; only malformed data is modelled here")

    def __str__(self) -> str:
        return f"malformed {self.name} ({len(self.data)} bytes)"
