"""Account data of FRT v0.17 and SPL Token, decoded to frozen dataclasses and encoded back (frt-contract.md §3).

Each layout is declared once, as an ordered table of (field name, codec). At import the table is compiled
into one `struct.Struct` per run of fixed-size fields plus the few conversions that are not plain integers
(addresses, flags, tags), so decoding an account is one `unpack` and encoding one `pack`: a campaign decodes
accounts hundreds of thousands of times. Decoder and encoder are compiled from the same table, so they
cannot drift apart. Encoders exist because tests tamper with on-chain state (pause a pool by flipping a flag
byte, plant a stale SystemState tail ...) and must write account data the program accepts.

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
from functools import lru_cache
from operator import attrgetter
from typing import Any, ClassVar, Final, Self

from pytest_fixedratio.errors import DecodeError, InvalidArgument
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import ADDRESS_LEN, Address, unchecked_address

# ---------------------------------------------------------------------------------------------------------
# Field codecs: a field's struct format, and how its unpacked items become the value and back.


class _FieldError(Exception):
    """Raised by a codec; the layout re-raises it as `DecodeError` with structure, field and offset."""


Load = Callable[..., Any]
"""A field's unpacked items -> its value; raises `_FieldError` on a bad tag."""
Dump = Callable[[Any], Any]
"""A field's value -> its item, or the tuple of its items when its format has several; raises
`struct.error`, `TypeError` or `ValueError` for a value the field cannot hold."""


@dataclass(frozen=True, slots=True, eq=False)
class _Codec:
    """One field's bytes: ``fmt`` is its struct format (little-endian); ``load`` / ``dump`` are None when the
    value is its single item as is (plain integers). ``option`` marks a Borsh ``Option<option>``, whose size
    depends on its tag byte (``fmt`` is then empty). Compared by identity: each codec is a named constant."""

    fmt: str
    load: Load | None = None
    dump: Dump | None = None
    option: _Codec | None = None

    @property
    def size(self) -> int:
        return struct.calcsize("<" + self.fmt)

    @property
    def width(self) -> int:
        """How many struct items the field takes."""
        return len(struct.unpack("<" + self.fmt, bytes(self.size)))


def _load_bool(tag: int) -> bool:
    if tag > 1:
        raise _FieldError(f"bool tag {tag} (expected 0 or 1)")
    return tag == 1


def _dump_bool(value: Any) -> int:
    return 1 if value else 0


def _dump_address(value: Any) -> bytes:
    """Checked here because a ``32s`` item silently pads or cuts."""
    if not isinstance(value, bytes) or len(value) != ADDRESS_LEN:
        raise struct.error(f"an address is {ADDRESS_LEN} bytes, got {value!r}")
    return value


def _coption(inner: _Codec) -> _Codec:
    """SPL `COption<T>` of a one-item T: a u32 tag and T's bytes, present (zero) even for None."""
    inner_load, inner_dump = inner.load, inner.dump
    (zero,) = struct.unpack("<" + inner.fmt, bytes(inner.size))

    def load(tag: int, item: Any) -> Any:
        if tag == 1:
            return item if inner_load is None else inner_load(item)
        if tag:
            raise _FieldError(f"COption tag {tag} (expected 0 or 1)")
        return None

    def dump(value: Any) -> tuple[int, Any]:
        if value is None:
            return 0, zero
        return 1, value if inner_dump is None else inner_dump(value)

    return _Codec("I" + inner.fmt, load, dump)


def _fixed_array(code: str, count: int) -> _Codec:
    """``count`` values of struct code ``code``, as a tuple."""

    def load(*items: Any) -> tuple[Any, ...]:
        return items

    def dump(value: Any) -> tuple[Any, ...]:
        if len(value) != count:
            raise struct.error(f"expected {count} items, got {len(value)}")
        return tuple(value)

    return _Codec(f"{count}{code}", load, dump)


class TokenAccountState(IntEnum):
    """spl_token::state::AccountState."""

    UNINITIALIZED = 0
    INITIALIZED = 1
    FROZEN = 2


_TOKEN_STATES: Final = {int(state): state for state in TokenAccountState}


def _load_token_state(raw: int) -> TokenAccountState:
    try:
        return _TOKEN_STATES[raw]
    except KeyError:
        raise _FieldError(f"account state {raw} (expected 0, 1 or 2)") from None


_POOL_FLAGS: Final = {value: PoolFlag(value) for value in range(256)}
"""Every u8 as a PoolFlag, built once: constructing a composite IntFlag costs about a microsecond."""

U8: Final = _Codec("B")
U64: Final = _Codec("Q")
I64: Final = _Codec("q")
BOOL: Final = _Codec("B", _load_bool, _dump_bool)
PUBKEY: Final = _Codec(f"{ADDRESS_LEN}s", unchecked_address, _dump_address)
POOL_FLAGS: Final = _Codec("B", _POOL_FLAGS.__getitem__)
TOKEN_STATE: Final = _Codec("B", _load_token_state)
OPTION_PUBKEY: Final = _Codec("", option=PUBKEY)
COPTION_PUBKEY: Final = _coption(PUBKEY)
COPTION_U64: Final = _coption(U64)
U64X4: Final = _fixed_array("Q", 4)

Layout = tuple[tuple[str, _Codec], ...]
_DECODED_CACHE_SIZE: Final = 1 << 12
"""Decoded accounts remembered per layout. A campaign re-reads unchanged accounts (mints, pools, the system
state, a trader's token accounts) between its operations: two reads in three find the bytes of a recent one."""
_LoadStep = tuple[int, int, Load, str, int]
"""First item, item count, conversion, field name, field offset within its run."""
_NO_FLAGS: Final = PoolFlag(0)


# ---------------------------------------------------------------------------------------------------------
# Compiled layouts


class _Run:
    """Consecutive fixed-size fields of one structure, read and written with a single `struct.Struct`.

    Decoding unpacks every item at once, converts in place the single-item fields that are not plain
    integers, then folds each multi-item field (COption, array) into its value, back to front so the item
    positions still to fold stay valid. Encoding mirrors it on the field values. Errors name the field
    and its offset (the run's offset plus the field's place in it)."""

    __slots__ = ("_dumps", "_folds", "_getter", "_layout", "_loads", "_spreads", "packer", "structure")

    def __init__(self, structure: str, layout: Layout) -> None:
        self.structure = structure
        self.packer = struct.Struct("<" + "".join(codec.fmt for _, codec in layout))
        self._layout = layout
        names = tuple(name for name, _ in layout)
        self._getter: Callable[[Any], tuple[Any, ...]] = (
            attrgetter(*names) if len(names) > 1 else lambda value: (getattr(value, names[0]),))
        loads: list[_LoadStep] = []
        folds: list[_LoadStep] = []
        dumps: list[tuple[int, Dump]] = []
        spreads: list[tuple[int, Dump]] = []
        item = offset = 0
        for index, (name, codec) in enumerate(layout):
            width = codec.width
            if codec.load is not None:
                (loads if width == 1 else folds).append((item, width, codec.load, name, offset))
            if codec.dump is not None:
                (dumps if width == 1 else spreads).append((index, codec.dump))
            item += width
            offset += codec.size
        self._loads = tuple((first, load, name, at) for first, _, load, name, at in loads)
        self._folds = tuple(reversed(folds))
        self._dumps = tuple(dumps)
        self._spreads = tuple(reversed(spreads))

    def load(self, data: bytes, start: int) -> list[Any]:
        """The run's field values, read from ``data`` at ``start``."""
        items = list(self.packer.unpack_from(data, start))
        for item, load, name, offset in self._loads:
            try:
                items[item] = load(items[item])
            except _FieldError as exc:
                raise DecodeError(f"{self.structure}.{name} at offset {start + offset}: {exc}") from None
        for item, width, fold, name, offset in self._folds:
            try:
                items[item:item + width] = (fold(*items[item:item + width]),)
            except _FieldError as exc:
                raise DecodeError(f"{self.structure}.{name} at offset {start + offset}: {exc}") from None
        return items

    def read(self, data: bytes, start: int, values: list[Any]) -> int:
        """Append the run's values read at ``start`` to ``values``; returns the offset after the run."""
        values += self.load(data, start)
        return start + self.packer.size

    def dump(self, value: AccountLayout) -> bytes:
        """The run's bytes for the fields of ``value``."""
        try:
            items = list(self._getter(value))
            for index, dump in self._dumps:
                items[index] = dump(items[index])
            for index, spread in self._spreads:
                items[index:index + 1] = spread(items[index])
            return self.packer.pack(*items)
        except (struct.error, TypeError, ValueError):
            self._blame(value)
            raise  # no single field fails on its own: a bug in the table, shown as it is

    def _blame(self, value: AccountLayout) -> None:
        """Encode field by field, raising `InvalidArgument` that names the field the whole run failed on."""
        for name, codec in self._layout:
            item = getattr(value, name)
            try:
                dumped = item if codec.dump is None else codec.dump(item)
                struct.pack("<" + codec.fmt, *(dumped if isinstance(dumped, tuple) else (dumped,)))
            except (struct.error, TypeError, ValueError) as exc:
                raise InvalidArgument(f"{self.structure}.{name}={item!r} cannot be encoded: {exc}") from None


class _Option:
    """A Borsh ``Option<T>`` field: a u8 tag, then T's bytes only when the tag is 1."""

    __slots__ = ("_value", "name", "structure")

    def __init__(self, structure: str, name: str, inner: _Codec) -> None:
        self.structure, self.name = structure, name
        self._value = _Run(structure, ((name, inner),))

    def read(self, data: bytes, start: int, values: list[Any]) -> int:
        """Append the option's value read at ``start`` to ``values``; returns the offset after it."""
        tag = data[start]
        if tag > 1:
            raise DecodeError(f"{self.structure}.{self.name} at offset {start}: Option tag {tag} (expected 0 "
                              f"or 1)")
        if not tag:
            values.append(None)
            return start + 1
        return self._value.read(data, start + 1, values)

    def dump(self, value: AccountLayout) -> bytes:
        return b"\0" if getattr(value, self.name) is None else b"\1" + self._value.dump(value)


def _compile(structure: str, layout: Layout) -> tuple[_Run | _Option, ...]:
    """Split ``layout`` into runs of fixed-size fields and the Borsh options between them."""
    parts: list[_Run | _Option] = []
    start = 0
    for index, (name, codec) in enumerate(layout):
        if codec.option is not None:
            if start < index:
                parts.append(_Run(structure, layout[start:index]))
            parts.append(_Option(structure, name, codec.option))
            start = index + 1
    if start < len(layout):
        parts.append(_Run(structure, layout[start:]))
    return tuple(parts)


class AccountLayout:
    """Base of the account dataclasses: `LAYOUT` lists the fields in byte order, `ACCOUNT_LEN` the size."""

    __slots__ = ()
    LAYOUT: ClassVar[Layout]
    ACCOUNT_LEN: ClassVar[int]
    VARIABLE_CONTENT: ClassVar[bool] = False
    """True when the content may end before ACCOUNT_LEN (the rest is stale and ignored)."""
    TRAILING_IGNORED: ClassVar[bool] = False
    """True when the program reads the account from the front and takes a longer one (the PoolState and
    SystemState of FRT, read with a tolerant Borsh `deserialize`): `decode_leading` reads it so."""
    _PARTS: ClassVar[tuple[_Run | _Option, ...]]
    """`LAYOUT` compiled (`_compile_layout`)."""
    _FIXED: ClassVar[_Run | None]
    """The one part of a fixed layout, which decodes and encodes without walking parts."""
    _DECODED: ClassVar[Callable[[bytes], Any]]
    """`_decode` behind a bounded cache keyed by the account bytes: the values are frozen, so equal bytes can
    share one."""

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> Self:
        decoded: Self = cls._DECODED(data if type(data) is bytes else bytes(data))
        return decoded

    @classmethod
    def _decode(cls, raw: bytes) -> Self:
        if len(raw) != cls.ACCOUNT_LEN:
            raise DecodeError(f"{cls.__name__}: expected {cls.ACCOUNT_LEN} bytes of account data, got {len(raw)}")
        fixed = cls._FIXED
        if fixed is not None:
            return cls(*fixed.load(raw, 0))
        values: list[Any] = []
        offset = 0
        for part in cls._PARTS:
            offset = part.read(raw, offset, values)
        return cls(*values)

    @classmethod
    def decode_leading(cls, data: bytes) -> Self:
        """The layout read from the front of `data`, as the program reads a `TRAILING_IGNORED` account of
        another length: bytes past the content are ignored, data that ends inside the content is refused."""
        decoded = cls.decode(data[:cls.ACCOUNT_LEN].ljust(cls.ACCOUNT_LEN, b"\0"))
        if decoded.content_length() > len(data):
            raise DecodeError(f"{cls.__name__}: {len(data)} bytes of account data end inside its "
                              f"{decoded.content_length()} bytes of content")
        return decoded

    def content_length(self) -> int:
        """How many bytes the fields take (less than ACCOUNT_LEN for a short variable content)."""
        if self._FIXED is not None:
            return self.ACCOUNT_LEN
        return sum(len(part.dump(self)) for part in self._PARTS)

    def encode(self) -> bytes:
        """Account data: the fields in layout order, zero-padded to ACCOUNT_LEN."""
        fixed = self._FIXED
        if fixed is not None:
            return fixed.dump(self)
        content = b"".join(part.dump(self) for part in self._PARTS)
        return content + bytes(self.ACCOUNT_LEN - len(content))


def _compile_layout(cls: type[AccountLayout]) -> None:
    """Import-time: check that the layout names exactly the dataclass fields, in declaration order, and fits
    the account (exactly, unless its content is variable), then compile it."""
    declared = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    listed = tuple(name for name, _ in cls.LAYOUT)
    if declared != listed:  # pragma: no cover - programming error caught on import
        raise AssertionError(f"{cls.__name__}: LAYOUT {listed} does not match fields {declared}")
    largest = sum(1 + codec.option.size if codec.option else codec.size for _, codec in cls.LAYOUT)
    variable = any(codec.option for _, codec in cls.LAYOUT)
    if variable != cls.VARIABLE_CONTENT or largest > cls.ACCOUNT_LEN or (  # pragma: no cover - as above
            largest != cls.ACCOUNT_LEN and not variable):
        raise AssertionError(f"{cls.__name__} layout covers up to {largest} bytes, account is {cls.ACCOUNT_LEN}")
    cls._PARTS = _compile(cls.__name__, cls.LAYOUT)
    only = cls._PARTS[0]
    cls._FIXED = only if len(cls._PARTS) == 1 and isinstance(only, _Run) else None
    cls._DECODED = lru_cache(maxsize=_DECODED_CACHE_SIZE)(cls._decode)


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
    TRAILING_IGNORED: ClassVar[bool] = True
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
    TRAILING_IGNORED: ClassVar[bool] = True
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
    _compile_layout(_cls)


def layout_for(owner: Address, size: int) -> type[AccountLayout] | None:
    """The layout an account's owner and data size say it has: SPL Token accounts and mints by owner and size,
    FRT accounts by size alone (the program may be deployed at any address)."""
    if owner == ids.TOKEN_PROGRAM_ID:
        return {ids.TOKEN_ACCOUNT_LEN: TokenAccount, ids.MINT_LEN: Mint}.get(size)
    return _FRT_LAYOUTS.get(size)


_FRT_LAYOUTS: Final[dict[int, type[AccountLayout]]] = {
    c.POOL_STATE_LEN: PoolState, c.MAIN_TREASURY_LEN: MainTreasuryState, c.SYSTEM_STATE_LEN: SystemState}
