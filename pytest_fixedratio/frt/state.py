"""Account data of FRT v0.17 and SPL Token, decoded to frozen dataclasses and encoded back (frt-contract.md §3).

Each layout is declared once, as an ordered table of (field name, codec); one walker reads and writes it, so
decoder and encoder cannot drift apart. Encoders exist because tests tamper with on-chain state (pause a pool
by flipping a flag byte, plant a stale SystemState tail ...) and must write account data the program accepts.

Decoding is strict where the program or SPL Token is strict: wrong account length, a Borsh bool that is not
0/1, an Option/COption tag that is not 0/1 and an unknown token-account state all raise `DecodeError` naming
the structure, the field and the offset. SystemState is the one variable layout: its `Option<Pubkey>` moves
the last field, so it is parsed, never read at fixed offsets past byte 42; bytes after its content are stale
leftovers and ignored.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Any, ClassVar, Final, Self

from pytest_fixedratio.errors import DecodeError, InvalidArgument
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import ADDRESS_LEN, Address

# ---------------------------------------------------------------------------------------------------------
# Field codecs: read(data, offset) -> (value, next offset); write(value) -> bytes.


class _FieldError(Exception):
    """Raised by a codec; the layout walker re-raises it as `DecodeError` with structure and field names."""


@dataclass(frozen=True, slots=True)
class _Codec:
    read: Callable[[bytes, int], tuple[Any, int]]
    write: Callable[[Any], bytes]


def _struct_codec(fmt: str, convert: Callable[[Any], Any] = lambda v: v) -> _Codec:
    packer = struct.Struct(fmt)

    def read(data: bytes, offset: int) -> tuple[Any, int]:
        return convert(packer.unpack_from(data, offset)[0]), offset + packer.size

    return _Codec(read, lambda value: packer.pack(value))


def _read_tag(data: bytes, offset: int, width: int, what: str) -> tuple[int, int]:
    tag = int.from_bytes(data[offset:offset + width], "little")
    if tag > 1:
        raise _FieldError(f"{what} tag {tag} (expected 0 or 1)")
    return tag, offset + width


def _read_bool(data: bytes, offset: int) -> tuple[bool, int]:
    tag, end = _read_tag(data, offset, 1, "bool")
    return bool(tag), end


def _read_address(data: bytes, offset: int) -> tuple[Address, int]:
    return Address(data[offset:offset + ADDRESS_LEN]), offset + ADDRESS_LEN


def _write_address(value: Address) -> bytes:
    if not isinstance(value, bytes) or len(value) != ADDRESS_LEN:
        raise struct.error(f"an address is {ADDRESS_LEN} bytes, got {value!r}")
    return bytes(value)


def _borsh_option(inner: _Codec) -> _Codec:
    """Borsh `Option<T>`: a u8 tag, then the value only when the tag is 1 (variable size)."""

    def read(data: bytes, offset: int) -> tuple[Any, int]:
        tag, offset = _read_tag(data, offset, 1, "Option")
        return inner.read(data, offset) if tag else (None, offset)

    return _Codec(read, lambda value: b"\0" if value is None else b"\1" + inner.write(value))


def _coption(inner: _Codec, size: int) -> _Codec:
    """SPL `COption<T>`: a u32 tag and `size` value bytes that are present (zero) even for None."""

    def read(data: bytes, offset: int) -> tuple[Any, int]:
        tag, offset = _read_tag(data, offset, 4, "COption")
        return (inner.read(data, offset)[0] if tag else None), offset + size

    def write(value: Any) -> bytes:
        return bytes(4 + size) if value is None else b"\1\0\0\0" + inner.write(value)

    return _Codec(read, write)


def _fixed_array(inner: _Codec, count: int) -> _Codec:
    def read(data: bytes, offset: int) -> tuple[Any, int]:
        values = []
        for _ in range(count):
            value, offset = inner.read(data, offset)
            values.append(value)
        return tuple(values), offset

    def write(value: Any) -> bytes:
        if len(value) != count:
            raise struct.error(f"expected {count} items, got {len(value)}")
        return b"".join(inner.write(item) for item in value)

    return _Codec(read, write)


class TokenAccountState(IntEnum):
    """spl_token::state::AccountState."""

    UNINITIALIZED = 0
    INITIALIZED = 1
    FROZEN = 2


def _read_token_state(data: bytes, offset: int) -> tuple[TokenAccountState, int]:
    raw = data[offset]
    try:
        return TokenAccountState(raw), offset + 1
    except ValueError:
        raise _FieldError(f"account state {raw} (expected 0, 1 or 2)") from None


U8: Final = _struct_codec("<B")
U64: Final = _struct_codec("<Q")
I64: Final = _struct_codec("<q")
BOOL: Final = _Codec(_read_bool, lambda value: struct.pack("<?", value))
PUBKEY: Final = _Codec(_read_address, _write_address)
POOL_FLAGS: Final = _struct_codec("<B", PoolFlag)
TOKEN_STATE: Final = _Codec(_read_token_state, lambda value: struct.pack("<B", value))
OPTION_PUBKEY: Final = _borsh_option(PUBKEY)
COPTION_PUBKEY: Final = _coption(PUBKEY, ADDRESS_LEN)
COPTION_U64: Final = _coption(U64, 8)
U64X4: Final = _fixed_array(U64, 4)

Layout = tuple[tuple[str, _Codec], ...]
_NO_FLAGS: Final = PoolFlag(0)


# ---------------------------------------------------------------------------------------------------------
# Layout walker


class AccountLayout:
    """Base of the account dataclasses: `LAYOUT` lists the fields in byte order, `ACCOUNT_LEN` the size."""

    __slots__ = ()
    LAYOUT: ClassVar[Layout]
    ACCOUNT_LEN: ClassVar[int]
    VARIABLE_CONTENT: ClassVar[bool] = False
    """True when the content may end before ACCOUNT_LEN (the rest is stale and ignored)."""

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> Self:
        raw = bytes(data)
        name = cls.__name__
        if len(raw) != cls.ACCOUNT_LEN:
            raise DecodeError(f"{name}: expected {cls.ACCOUNT_LEN} bytes of account data, got {len(raw)}")
        values: dict[str, Any] = {}
        offset = 0
        for field_name, codec in cls.LAYOUT:
            try:
                values[field_name], offset = codec.read(raw, offset)
            except _FieldError as exc:
                raise DecodeError(f"{name}.{field_name} at offset {offset}: {exc}") from None
        if offset != cls.ACCOUNT_LEN and not cls.VARIABLE_CONTENT:  # pragma: no cover - layout table bug
            raise AssertionError(f"{name} layout covers {offset} bytes, account is {cls.ACCOUNT_LEN}")
        return cls(**values)

    def encode(self) -> bytes:
        """Account data: the fields in layout order, zero-padded to ACCOUNT_LEN."""
        name = type(self).__name__
        parts = []
        for field_name, codec in self.LAYOUT:
            value = getattr(self, field_name)
            try:
                parts.append(codec.write(value))
            except (struct.error, TypeError, ValueError) as exc:
                raise InvalidArgument(f"{name}.{field_name}={value!r} cannot be encoded: {exc}") from None
        content = b"".join(parts)
        return content + bytes(self.ACCOUNT_LEN - len(content))


def _check_layout(cls: type[AccountLayout]) -> None:
    """Import-time guard: the layout names exactly the dataclass fields, in declaration order."""
    declared = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    listed = tuple(name for name, _ in cls.LAYOUT)
    if declared != listed:  # pragma: no cover - programming error caught on import
        raise AssertionError(f"{cls.__name__}: LAYOUT {listed} does not match fields {declared}")


# ---------------------------------------------------------------------------------------------------------
# FRT accounts


@dataclass(frozen=True, slots=True)
class PoolState(AccountLayout):
    """`PoolState`, 438 bytes (§3.1). Counters default to what InitializePool writes."""

    owner: Address
    token_a_mint: Address
    token_b_mint: Address
    token_a_vault: Address
    token_b_vault: Address
    lp_token_a_mint: Address
    lp_token_b_mint: Address
    ratio_a_numerator: int
    ratio_b_denominator: int
    total_token_a_liquidity: int = 0
    total_token_b_liquidity: int = 0
    pool_authority_bump_seed: int = 0
    token_a_vault_bump_seed: int = 0
    token_b_vault_bump_seed: int = 0
    lp_token_a_mint_bump_seed: int = 0
    lp_token_b_mint_bump_seed: int = 0
    flags: PoolFlag = _NO_FLAGS
    contract_liquidity_fee: int = c.DEPOSIT_WITHDRAWAL_FEE
    swap_contract_fee: int = c.SWAP_CONTRACT_FEE
    collected_fees_token_a: int = 0
    collected_fees_token_b: int = 0
    total_fees_withdrawn_token_a: int = 0
    total_fees_withdrawn_token_b: int = 0
    collected_liquidity_fees: int = 0
    collected_swap_contract_fees: int = 0
    total_sol_fees_collected: int = 0
    last_consolidation_timestamp: int = 0
    total_consolidations: int = 0
    total_fees_consolidated: int = 0
    max_swap_amount: int = 0
    min_swap_amount: int = 0
    max_deposit_amount: int = 0
    min_deposit_amount: int = 0
    max_withdrawal_amount: int = 0
    min_withdrawal_amount: int = 0
    reserved: tuple[int, int, int, int] = (0, 0, 0, 0)

    ACCOUNT_LEN: ClassVar[int] = c.POOL_STATE_LEN
    LAYOUT: ClassVar[Layout] = (
        *((name, PUBKEY) for name in ("owner", "token_a_mint", "token_b_mint", "token_a_vault",
                                      "token_b_vault", "lp_token_a_mint", "lp_token_b_mint")),
        *((name, U64) for name in ("ratio_a_numerator", "ratio_b_denominator",
                                   "total_token_a_liquidity", "total_token_b_liquidity")),
        *((name, U8) for name in ("pool_authority_bump_seed", "token_a_vault_bump_seed",
                                  "token_b_vault_bump_seed", "lp_token_a_mint_bump_seed",
                                  "lp_token_b_mint_bump_seed")),
        ("flags", POOL_FLAGS),
        *((name, U64) for name in ("contract_liquidity_fee", "swap_contract_fee", "collected_fees_token_a",
                                   "collected_fees_token_b", "total_fees_withdrawn_token_a",
                                   "total_fees_withdrawn_token_b", "collected_liquidity_fees",
                                   "collected_swap_contract_fees", "total_sol_fees_collected")),
        ("last_consolidation_timestamp", I64),
        *((name, U64) for name in ("total_consolidations", "total_fees_consolidated",
                                   "max_swap_amount", "min_swap_amount", "max_deposit_amount",
                                   "min_deposit_amount", "max_withdrawal_amount", "min_withdrawal_amount")),
        ("reserved", U64X4),
    )

    @classmethod
    def created(cls, pool: PoolAddresses, owner: Address, *, simple_ratio: bool, creation_flags: int = 0
                ) -> PoolState:
        """The state InitializePool writes: only bits 5 and 6 of the flags argument survive (§2.3)."""
        flags = (PoolFlag.SIMPLE_RATIO if simple_ratio else _NO_FLAGS) | (
            PoolFlag(creation_flags) & c.CREATION_FLAGS_MASK)
        return cls(owner, pool.token_a_mint, pool.token_b_mint, pool.token_a_vault, pool.token_b_vault,
                   pool.lp_a_mint, pool.lp_b_mint, pool.ratio_a, pool.ratio_b,
                   pool_authority_bump_seed=pool.pool_bump, token_a_vault_bump_seed=pool.token_a_vault_bump,
                   token_b_vault_bump_seed=pool.token_b_vault_bump, lp_token_a_mint_bump_seed=pool.lp_a_mint_bump,
                   lp_token_b_mint_bump_seed=pool.lp_b_mint_bump, flags=flags)

    @property
    def pending_sol_fees(self) -> int:
        """Lamports collected and not yet consolidated (saturating at 0, as the program computes it)."""
        return max(0, self.total_sol_fees_collected - self.total_fees_consolidated)

    def mint(self, side: Side) -> Address:
        return self.token_a_mint if side is Side.A else self.token_b_mint

    def vault(self, side: Side) -> Address:
        return self.token_a_vault if side is Side.A else self.token_b_vault

    def lp_mint(self, side: Side) -> Address:
        return self.lp_token_a_mint if side is Side.A else self.lp_token_b_mint

    def ratio(self, side: Side) -> int:
        """The ratio value of one side: `ra` base units of A are worth `rb` base units of B."""
        return self.ratio_a_numerator if side is Side.A else self.ratio_b_denominator

    def liquidity(self, side: Side) -> int:
        """Tracked liquidity (`total_token_{a,b}_liquidity`), which the program checks swaps against."""
        return self.total_token_a_liquidity if side is Side.A else self.total_token_b_liquidity

    def side_of(self, mint: Address) -> Side:
        """Which side a mint is on; `InvalidArgument` naming the mint if it is not in this pool."""
        if mint == self.token_a_mint:
            return Side.A
        if mint == self.token_b_mint:
            return Side.B
        raise InvalidArgument(f"mint {mint} is neither token A {self.token_a_mint} nor token B "
                              f"{self.token_b_mint} of this pool")


@dataclass(frozen=True, slots=True)
class SystemState(AccountLayout):
    """`SystemState` (§3.2): an 83-byte account whose Borsh content is 51 or 83 bytes long."""

    is_paused: bool
    pause_timestamp: int
    pause_reason_code: int
    admin_authority: Address
    pending_admin_authority: Address | None
    admin_change_timestamp: int

    ACCOUNT_LEN: ClassVar[int] = c.SYSTEM_STATE_LEN
    VARIABLE_CONTENT: ClassVar[bool] = True
    LAYOUT: ClassVar[Layout] = (
        ("is_paused", BOOL),
        ("pause_timestamp", I64),
        ("pause_reason_code", U8),
        ("admin_authority", PUBKEY),
        ("pending_admin_authority", OPTION_PUBKEY),
        ("admin_change_timestamp", I64),
    )


@dataclass(frozen=True, slots=True)
class MainTreasuryState(AccountLayout):
    """`MainTreasuryState`, 136 bytes, 17 little-endian 8-byte fields in code order (§3.3)."""

    total_balance: int = 0
    rent_exempt_minimum: int = 0
    total_withdrawn: int = 0
    pool_creation_count: int = 0
    liquidity_operation_count: int = 0
    regular_swap_count: int = 0
    treasury_withdrawal_count: int = 0
    failed_operation_count: int = 0
    total_pool_creation_fees: int = 0
    total_liquidity_fees: int = 0
    total_regular_swap_fees: int = 0
    total_swap_contract_fees: int = 0
    last_update_timestamp: int = 0
    total_consolidations_performed: int = 0
    last_withdrawal_timestamp: int = 0
    donation_count: int = 0
    total_donations: int = 0

    ACCOUNT_LEN: ClassVar[int] = c.MAIN_TREASURY_LEN
    LAYOUT: ClassVar[Layout] = tuple(
        (name, I64 if name.endswith("_timestamp") else U64)
        for name in ("total_balance", "rent_exempt_minimum", "total_withdrawn", "pool_creation_count",
                     "liquidity_operation_count", "regular_swap_count", "treasury_withdrawal_count",
                     "failed_operation_count", "total_pool_creation_fees", "total_liquidity_fees",
                     "total_regular_swap_fees", "total_swap_contract_fees", "last_update_timestamp",
                     "total_consolidations_performed", "last_withdrawal_timestamp", "donation_count",
                     "total_donations")
    )


# ---------------------------------------------------------------------------------------------------------
# SPL Token accounts (spl-token 3.5 `Pack` layouts)


@dataclass(frozen=True, slots=True)
class TokenAccount(AccountLayout):
    """spl_token::state::Account, 165 bytes."""

    mint: Address
    owner: Address
    amount: int
    delegate: Address | None = None
    state: TokenAccountState = TokenAccountState.INITIALIZED
    is_native: int | None = None
    delegated_amount: int = 0
    close_authority: Address | None = None

    ACCOUNT_LEN: ClassVar[int] = ids.TOKEN_ACCOUNT_LEN
    LAYOUT: ClassVar[Layout] = (
        ("mint", PUBKEY),
        ("owner", PUBKEY),
        ("amount", U64),
        ("delegate", COPTION_PUBKEY),
        ("state", TOKEN_STATE),
        ("is_native", COPTION_U64),
        ("delegated_amount", U64),
        ("close_authority", COPTION_PUBKEY),
    )

    @property
    def is_frozen(self) -> bool:
        return self.state is TokenAccountState.FROZEN


@dataclass(frozen=True, slots=True)
class Mint(AccountLayout):
    """spl_token::state::Mint, 82 bytes."""

    mint_authority: Address | None
    supply: int
    decimals: int
    is_initialized: bool = True
    freeze_authority: Address | None = None

    ACCOUNT_LEN: ClassVar[int] = ids.MINT_LEN
    LAYOUT: ClassVar[Layout] = (
        ("mint_authority", COPTION_PUBKEY),
        ("supply", U64),
        ("decimals", U8),
        ("is_initialized", BOOL),
        ("freeze_authority", COPTION_PUBKEY),
    )


for _cls in (PoolState, SystemState, MainTreasuryState, TokenAccount, Mint):
    _check_layout(_cls)


def layout_for(owner: Address, size: int) -> type[AccountLayout] | None:
    """The layout an account's owner and data size say it has: SPL Token accounts and mints by owner and size,
    FRT accounts by size alone (the program may be deployed at any address)."""
    if owner == ids.TOKEN_PROGRAM_ID:
        return {ids.TOKEN_ACCOUNT_LEN: TokenAccount, ids.MINT_LEN: Mint}.get(size)
    return _FRT_LAYOUTS.get(size)


_FRT_LAYOUTS: Final[dict[int, type[AccountLayout]]] = {
    c.POOL_STATE_LEN: PoolState, c.MAIN_TREASURY_LEN: MainTreasuryState, c.SYSTEM_STATE_LEN: SystemState}
