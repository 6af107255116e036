"""FRT v0.17 instruction data: one frozen dataclass per `PoolInstruction` variant, Borsh encode and decode.

Each layout is declared once, as the annotated types of the dataclass fields (`U8`, `U64`, `Bool`,
`Pubkey`, `BorshString`); one codec walks that declaration in both directions, so encoder and decoder
cannot drift apart. `decode_instruction` mirrors the program's `PoolInstruction::try_from_slice` and
reports, as `InstructionDecodeError.kind`, the error the program returns for the same bytes
(frt-contract.md section 1), which lets tests of an on-chain program compare verdicts.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, fields
from enum import Enum, IntEnum
from typing import Annotated, ClassVar, Final, TypeAlias, cast, get_type_hints

from pytest_fixedratio.errors import DecodeError, InvalidArgument
from pytest_fixedratio.sol.address import ADDRESS_LEN, Address

INVALID_INSTRUCTION_DATA: Final = "InvalidInstructionData"
"""Error kind for empty data (the program's size check runs before Borsh)."""
BORSH_IO_ERROR: Final = "BorshIoError"
"""Error kind for everything Borsh rejects: unknown variant, short or trailing data, bad bool, bad UTF-8."""

U64_MAX: Final = 2**64 - 1
U32_MAX: Final = 2**32 - 1


class Variant(IntEnum):
    """The Borsh variant index (first data byte) of each `PoolInstruction`."""

    INITIALIZE_PROGRAM = 0
    INITIALIZE_POOL = 1
    DEPOSIT = 2
    WITHDRAW = 3
    SWAP = 4
    GET_POOL_STATE_PDA = 5
    GET_TOKEN_VAULT_PDAS = 6
    GET_POOL_INFO = 7
    GET_POOL_PAUSE_STATUS = 8
    GET_LIQUIDITY_INFO = 9
    GET_FEE_INFO = 10
    GET_POOL_SOL_BALANCE = 11
    PAUSE_SYSTEM = 12
    UNPAUSE_SYSTEM = 13
    GET_VERSION = 14
    WITHDRAW_TREASURY_FEES = 15
    GET_TREASURY_INFO = 16
    CONSOLIDATE_POOL_FEES = 17
    GET_CONSOLIDATION_STATUS = 18
    PAUSE_POOL = 19
    UNPAUSE_POOL = 20
    SET_SWAP_OWNER_ONLY = 21
    UPDATE_POOL_FEES = 22
    DONATE_SOL = 23
    PROCESS_ADMIN_CHANGE = 24


class FieldKind(Enum):
    """The Borsh types FRT instructions use."""

    U8 = "u8"
    U64 = "u64"
    BOOL = "bool"
    PUBKEY = "pubkey"
    STRING = "string"


U8: TypeAlias = Annotated[int, FieldKind.U8]
U64: TypeAlias = Annotated[int, FieldKind.U64]
Bool: TypeAlias = Annotated[bool, FieldKind.BOOL]
Pubkey: TypeAlias = Annotated[Address, FieldKind.PUBKEY]
BorshString: TypeAlias = Annotated[str, FieldKind.STRING]


class InstructionDecodeError(DecodeError):
    """Instruction data the program would refuse; `kind` names the `ProgramError` it would return."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind


# ---------------------------------------------------------------------------------------------------------
# Field codec


def _check_int(name: str, value: object, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise InvalidArgument(f"{name} must be an integer in [0, {maximum}], got {value!r}")
    return value


def _check_field(kind: FieldKind, name: str, value: object) -> object:
    """Validate (and for addresses, coerce) one field value before it can be encoded."""
    if kind is FieldKind.U8:
        return _check_int(name, value, 0xFF)
    if kind is FieldKind.U64:
        return _check_int(name, value, U64_MAX)
    if kind is FieldKind.BOOL:
        if not isinstance(value, bool):
            raise InvalidArgument(f"{name} must be a bool, got {value!r}")
        return value
    if kind is FieldKind.PUBKEY:
        if not isinstance(value, bytes | str):
            raise InvalidArgument(f"{name} must be an Address, 32 bytes or base58 text, got {value!r}")
        try:
            return Address.coerce(value)
        except DecodeError as exc:
            raise InvalidArgument(f"{name}: {exc}") from exc
    if not isinstance(value, str):
        raise InvalidArgument(f"{name} must be a str, got {value!r}")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise InvalidArgument(f"{name} must be encodable as UTF-8, got {value!r}") from exc
    if size > U32_MAX:
        raise InvalidArgument(f"{name} is {size} bytes of UTF-8; Borsh strings hold at most {U32_MAX}")
    return value


def _encode_field(kind: FieldKind, value: object) -> bytes:
    if kind is FieldKind.U8:
        return struct.pack("<B", value)
    if kind is FieldKind.U64:
        return struct.pack("<Q", value)
    if kind is FieldKind.BOOL:
        return b"\x01" if value else b"\x00"
    if kind is FieldKind.PUBKEY:
        return bytes(cast(Address, value))
    raw = cast(str, value).encode("utf-8")
    return struct.pack("<I", len(raw)) + raw


class _Reader:
    """A cursor over instruction data that fails the way Borsh does (as `BorshIoError`)."""

    def __init__(self, data: bytes, start: int) -> None:
        self._data = data
        self._pos = start

    def take(self, size: int, what: str) -> bytes:
        end = self._pos + size
        if end > len(self._data):
            raise InstructionDecodeError(
                BORSH_IO_ERROR, f"{what} needs {size} bytes at offset {self._pos}, "
                f"only {len(self._data) - self._pos} left in {self._data.hex()!r}")
        chunk = self._data[self._pos:end]
        self._pos = end
        return chunk

    def read(self, kind: FieldKind, name: str) -> object:
        if kind is FieldKind.U8:
            return self.take(1, name)[0]
        if kind is FieldKind.U64:
            return int.from_bytes(self.take(8, name), "little")
        if kind is FieldKind.BOOL:
            byte = self.take(1, name)[0]
            if byte > 1:
                raise InstructionDecodeError(BORSH_IO_ERROR, f"{name} is a bool, got byte {byte}")
            return byte == 1
        if kind is FieldKind.PUBKEY:
            return Address(self.take(ADDRESS_LEN, name))
        size = int.from_bytes(self.take(4, f"{name} length"), "little")
        raw = self.take(size, name)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InstructionDecodeError(BORSH_IO_ERROR, f"{name} is not UTF-8: {raw.hex()!r}") from exc

    def finish(self) -> None:
        if self._pos != len(self._data):
            raise InstructionDecodeError(
                BORSH_IO_ERROR, f"{len(self._data) - self._pos} trailing bytes after offset {self._pos} "
                f"in {self._data.hex()!r}")


# ---------------------------------------------------------------------------------------------------------
# Variants


@dataclass(frozen=True, slots=True)
class InstructionData:
    """Base of every variant: validates fields on construction and encodes them after the variant byte."""

    VARIANT: ClassVar[Variant]

    def __post_init__(self) -> None:
        for name, kind in self.layout():
            object.__setattr__(self, name, _check_field(kind, name, getattr(self, name)))

    @classmethod
    def layout(cls) -> tuple[tuple[str, FieldKind], ...]:
        """(field name, Borsh kind) in wire order."""
        return _layout(cls)

    def encode(self) -> bytes:
        body = b"".join(_encode_field(kind, getattr(self, name)) for name, kind in self.layout())
        return bytes([self.VARIANT]) + body


_LAYOUTS: dict[type[InstructionData], tuple[tuple[str, FieldKind], ...]] = {}


def _layout(cls: type[InstructionData]) -> tuple[tuple[str, FieldKind], ...]:
    """Read a variant's wire layout from its annotations once (string annotations need resolving)."""
    layout = _LAYOUTS.get(cls)
    if layout is None:
        hints = get_type_hints(cls, include_extras=True)
        layout = _LAYOUTS[cls] = tuple((f.name, hints[f.name].__metadata__[0]) for f in fields(cls))
    return layout


@dataclass(frozen=True, slots=True)
class InitializeProgram(InstructionData):
    VARIANT: ClassVar = Variant.INITIALIZE_PROGRAM
    admin_authority: Pubkey


@dataclass(frozen=True, slots=True)
class InitializePool(InstructionData):
    """`flags`: only bits 5 (owner-only swaps) and 6 (exact exchange) are kept by the program."""

    VARIANT: ClassVar = Variant.INITIALIZE_POOL
    ratio_a_numerator: U64
    ratio_b_denominator: U64
    flags: U8


@dataclass(frozen=True, slots=True)
class Deposit(InstructionData):
    VARIANT: ClassVar = Variant.DEPOSIT
    deposit_token_mint: Pubkey
    amount: U64
    pool_id: Pubkey


@dataclass(frozen=True, slots=True)
class Withdraw(InstructionData):
    VARIANT: ClassVar = Variant.WITHDRAW
    withdraw_token_mint: Pubkey
    lp_amount_to_burn: U64
    pool_id: Pubkey


@dataclass(frozen=True, slots=True)
class Swap(InstructionData):
    """`input_token_mint` is ignored by the program: the mint of the user's input account decides."""

    VARIANT: ClassVar = Variant.SWAP
    input_token_mint: Pubkey
    amount_in: U64
    expected_amount_out: U64
    pool_id: Pubkey


@dataclass(frozen=True, slots=True)
class GetPoolStatePDA(InstructionData):
    """Legacy view: logs the PDA of ratio (N, 1) or (1, N), not of arbitrary pools."""

    VARIANT: ClassVar = Variant.GET_POOL_STATE_PDA
    multiple_token_mint: Pubkey
    base_token_mint: Pubkey
    multiple_per_base: U64


@dataclass(frozen=True, slots=True)
class GetTokenVaultPDAs(InstructionData):
    VARIANT: ClassVar = Variant.GET_TOKEN_VAULT_PDAS
    pool_state_pda: Pubkey


@dataclass(frozen=True, slots=True)
class GetPoolInfo(InstructionData):
    VARIANT: ClassVar = Variant.GET_POOL_INFO


@dataclass(frozen=True, slots=True)
class GetPoolPauseStatus(InstructionData):
    VARIANT: ClassVar = Variant.GET_POOL_PAUSE_STATUS


@dataclass(frozen=True, slots=True)
class GetLiquidityInfo(InstructionData):
    VARIANT: ClassVar = Variant.GET_LIQUIDITY_INFO


@dataclass(frozen=True, slots=True)
class GetFeeInfo(InstructionData):
    VARIANT: ClassVar = Variant.GET_FEE_INFO


@dataclass(frozen=True, slots=True)
class GetPoolSolBalance(InstructionData):
    VARIANT: ClassVar = Variant.GET_POOL_SOL_BALANCE


@dataclass(frozen=True, slots=True)
class PauseSystem(InstructionData):
    VARIANT: ClassVar = Variant.PAUSE_SYSTEM
    reason_code: U8


@dataclass(frozen=True, slots=True)
class UnpauseSystem(InstructionData):
    VARIANT: ClassVar = Variant.UNPAUSE_SYSTEM


@dataclass(frozen=True, slots=True)
class GetVersion(InstructionData):
    VARIANT: ClassVar = Variant.GET_VERSION


@dataclass(frozen=True, slots=True)
class WithdrawTreasuryFees(InstructionData):
    """`amount = 0` withdraws everything available."""

    VARIANT: ClassVar = Variant.WITHDRAW_TREASURY_FEES
    amount: U64


@dataclass(frozen=True, slots=True)
class GetTreasuryInfo(InstructionData):
    VARIANT: ClassVar = Variant.GET_TREASURY_INFO


@dataclass(frozen=True, slots=True)
class ConsolidatePoolFees(InstructionData):
    VARIANT: ClassVar = Variant.CONSOLIDATE_POOL_FEES
    pool_count: U8


@dataclass(frozen=True, slots=True)
class GetConsolidationStatus(InstructionData):
    VARIANT: ClassVar = Variant.GET_CONSOLIDATION_STATUS
    pool_count: U8


@dataclass(frozen=True, slots=True)
class PausePool(InstructionData):
    VARIANT: ClassVar = Variant.PAUSE_POOL
    pause_flags: U8
    pool_id: Pubkey


@dataclass(frozen=True, slots=True)
class UnpausePool(InstructionData):
    VARIANT: ClassVar = Variant.UNPAUSE_POOL
    unpause_flags: U8
    pool_id: Pubkey


@dataclass(frozen=True, slots=True)
class SetSwapOwnerOnly(InstructionData):
    VARIANT: ClassVar = Variant.SET_SWAP_OWNER_ONLY
    enable_restriction: Bool
    designated_owner: Pubkey
    pool_id: Pubkey


@dataclass(frozen=True, slots=True)
class UpdatePoolFees(InstructionData):
    VARIANT: ClassVar = Variant.UPDATE_POOL_FEES
    update_flags: U8
    new_liquidity_fee: U64
    new_swap_fee: U64
    pool_id: Pubkey


@dataclass(frozen=True, slots=True)
class DonateSol(InstructionData):
    VARIANT: ClassVar = Variant.DONATE_SOL
    amount: U64
    message: BorshString


@dataclass(frozen=True, slots=True)
class ProcessAdminChange(InstructionData):
    VARIANT: ClassVar = Variant.PROCESS_ADMIN_CHANGE
    new_admin: Pubkey


FrtInstruction: TypeAlias = (
    InitializeProgram | InitializePool | Deposit | Withdraw | Swap | GetPoolStatePDA | GetTokenVaultPDAs
    | GetPoolInfo | GetPoolPauseStatus | GetLiquidityInfo | GetFeeInfo | GetPoolSolBalance | PauseSystem
    | UnpauseSystem | GetVersion | WithdrawTreasuryFees | GetTreasuryInfo | ConsolidatePoolFees
    | GetConsolidationStatus | PausePool | UnpausePool | SetSwapOwnerOnly | UpdatePoolFees | DonateSol
    | ProcessAdminChange
)
"""Every FRT v0.17 instruction, for exhaustive `match`."""

INSTRUCTION_TYPES: Final[tuple[type[InstructionData], ...]] = (
    InitializeProgram, InitializePool, Deposit, Withdraw, Swap, GetPoolStatePDA, GetTokenVaultPDAs,
    GetPoolInfo, GetPoolPauseStatus, GetLiquidityInfo, GetFeeInfo, GetPoolSolBalance, PauseSystem,
    UnpauseSystem, GetVersion, WithdrawTreasuryFees, GetTreasuryInfo, ConsolidatePoolFees,
    GetConsolidationStatus, PausePool, UnpausePool, SetSwapOwnerOnly, UpdatePoolFees, DonateSol,
    ProcessAdminChange,
)
"""The variant classes, in variant order (`INSTRUCTION_TYPES[v].VARIANT == v`)."""

_BY_VARIANT: Final[dict[int, type[InstructionData]]] = {cls.VARIANT: cls for cls in INSTRUCTION_TYPES}


def decode_instruction(data: bytes) -> FrtInstruction:
    """Decode instruction data as the program does; raise `InstructionDecodeError` where it would fail."""
    if not data:
        raise InstructionDecodeError(INVALID_INSTRUCTION_DATA, "instruction data is empty")
    cls = _BY_VARIANT.get(data[0])
    if cls is None:
        raise InstructionDecodeError(
            BORSH_IO_ERROR, f"unknown variant {data[0]} (FRT v0.17 has 0..{len(INSTRUCTION_TYPES) - 1})")
    reader = _Reader(bytes(data), 1)
    values = {name: reader.read(kind, f"{cls.__name__}.{name}") for name, kind in cls.layout()}
    reader.finish()
    return cast(FrtInstruction, cls(**values))
