"""Account state codecs: round trips, byte offsets checked against hand-packed data, strict rejections."""

from __future__ import annotations

import struct
from dataclasses import dataclass, fields, replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.errors import DecodeError, InvalidArgument
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import state as s
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from tests.frt.strategies import addresses, u8s, u64s

I64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_CODEC_STRATEGIES: dict[s._Codec, st.SearchStrategy[Any]] = {
    s.U8: u8s(),
    s.U64: u64s(),
    s.I64: I64,
    s.BOOL: st.booleans(),
    s.PUBKEY: addresses(),
    s.POOL_FLAGS: u8s().map(PoolFlag),
    s.TOKEN_STATE: st.sampled_from(s.TokenAccountState),
    s.OPTION_PUBKEY: st.none() | addresses(),
    s.COPTION_PUBKEY: st.none() | addresses(),
    s.COPTION_U64: st.none() | u64s(),
    s.U64X4: st.tuples(u64s(), u64s(), u64s(), u64s()),
}
LAYOUTS: tuple[type[s.AccountLayout], ...] = (s.PoolState, s.SystemState, s.MainTreasuryState, s.TokenAccount,
                                              s.Mint)


def states_of(cls: type[s.AccountLayout]) -> st.SearchStrategy[Any]:
    return st.builds(cls, **{name: _CODEC_STRATEGIES[codec] for name, codec in cls.LAYOUT})


def _key(i: int) -> Address:
    return Address(bytes([i]) * 32)


def _pool(ratio_a: int = 1, ratio_b: int = 1, **changes: Any) -> s.PoolState:
    """A pool whose seven addresses are _key(0).._key(6), with `changes` applied."""
    k = [_key(i) for i in range(7)]
    return replace(s.PoolState(k[0], k[1], k[2], k[3], k[4], k[5], k[6], ratio_a, ratio_b), **changes)


@pytest.mark.parametrize("cls", LAYOUTS, ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_encode_decode_round_trip(cls: type[s.AccountLayout], data: st.DataObject) -> None:
    value = data.draw(states_of(cls))
    raw = value.encode()
    assert len(raw) == cls.ACCOUNT_LEN
    assert cls.decode(raw) == value


# -- the compiled layouts against the field tables ------------------------------------------------------
# A reference reading of each LAYOUT: field after field at running offsets, each with its own codec's struct
# format. The compiled fast path (one struct per run, conversions in place) must give the same values and
# bytes, and keep every byte the program reads.

_TAG_VALUES: dict[s._Codec, tuple[str, tuple[int, ...]]] = {
    s.BOOL: ("<B", (0, 1)),
    s.TOKEN_STATE: ("<B", (0, 1, 2)),
    s.COPTION_PUBKEY: ("<I", (0, 1)),
    s.COPTION_U64: ("<I", (0, 1)),
}


@dataclass(frozen=True)
class Drawn:
    """Account bytes with valid tags, where the tags are, and which bytes the program ignores."""

    raw: bytes
    tags: tuple[tuple[str, int, str], ...]
    """(field, offset, struct format of the tag)"""
    ignored: frozenset[int]


@st.composite
def decodable(draw: st.DrawFn, cls: type[s.AccountLayout]) -> Drawn:
    """Random bytes, with every tag (bool, COption, Option, token state) set to a value the decoder accepts."""
    raw = bytearray(draw(st.binary(min_size=cls.ACCOUNT_LEN, max_size=cls.ACCOUNT_LEN)))
    tags: list[tuple[str, int, str]] = []
    ignored: set[int] = set()
    offset = 0
    for name, codec in cls.LAYOUT:
        if codec.option is not None:
            tags.append((name, offset, "<B"))
            raw[offset] = present = draw(st.sampled_from((0, 1)))
            offset += 1
            if not present:
                continue
            codec = codec.option
        if codec in _TAG_VALUES:
            fmt, values = _TAG_VALUES[codec]
            tags.append((name, offset, fmt))
            tag = draw(st.sampled_from(values))
            struct.pack_into(fmt, raw, offset, tag)
            if fmt == "<I" and not tag:  # COption None: SPL Token ignores the value bytes
                ignored.update(range(offset + 4, offset + codec.size))
        offset += codec.size
    ignored.update(range(offset, cls.ACCOUNT_LEN))  # past SystemState's content: stale
    return Drawn(bytes(raw), tuple(tags), frozenset(ignored))


def _reference_decode(cls: type[s.AccountLayout], raw: bytes) -> s.AccountLayout:
    values: dict[str, Any] = {}
    offset = 0
    for name, codec in cls.LAYOUT:
        if codec.option is not None:
            offset += 1
            if not raw[offset - 1]:
                values[name] = None
                continue
            codec = codec.option
        items = struct.unpack_from("<" + codec.fmt, raw, offset)
        values[name] = items[0] if codec.load is None else codec.load(*items)
        offset += codec.size
    return cls(**values)


def _reference_encode(value: s.AccountLayout) -> bytes:
    content = b""
    for name, codec in value.LAYOUT:
        item = getattr(value, name)
        if codec.option is not None:
            content += b"\0" if item is None else b"\1"
            if item is None:
                continue
            codec = codec.option
        dumped = item if codec.dump is None else codec.dump(item)
        content += struct.pack("<" + codec.fmt, *(dumped if isinstance(dumped, tuple) else (dumped,)))
    return content + bytes(value.ACCOUNT_LEN - len(content))


@pytest.mark.parametrize("cls", LAYOUTS, ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_the_compiled_layout_agrees_with_the_field_table(cls: type[s.AccountLayout], data: st.DataObject
                                                         ) -> None:
    drawn = data.draw(decodable(cls))
    assert cls.decode(drawn.raw) == _reference_decode(cls, drawn.raw)
    value = data.draw(states_of(cls))
    assert value.encode() == _reference_encode(value)


@pytest.mark.parametrize("cls", LAYOUTS, ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_decode_encode_round_trip_keeps_every_byte_the_program_reads(cls: type[s.AccountLayout],
                                                                     data: st.DataObject) -> None:
    drawn = data.draw(decodable(cls))
    decoded = cls.decode(drawn.raw)
    again = decoded.encode()
    assert [b for i, b in enumerate(again) if i not in drawn.ignored] == [
        b for i, b in enumerate(drawn.raw) if i not in drawn.ignored]
    assert all(again[i] == 0 for i in drawn.ignored)
    assert cls.decode(again) == decoded


@pytest.mark.parametrize("cls", [s.SystemState, s.TokenAccount, s.Mint], ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_any_bad_tag_is_rejected_naming_structure_field_and_offset(cls: type[s.AccountLayout],
                                                                   data: st.DataObject) -> None:
    drawn = data.draw(decodable(cls))
    name, offset, fmt = data.draw(st.sampled_from(drawn.tags))
    limit = 2 if (name, fmt) != ("state", "<B") else 3
    raw = bytearray(drawn.raw)
    struct.pack_into(fmt, raw, offset, data.draw(st.integers(limit, 255 if fmt == "<B" else 2**32 - 1)))
    with pytest.raises(DecodeError, match=rf"^{cls.__name__}\.{name} at offset {offset}: "):
        cls.decode(raw)


@pytest.mark.parametrize("cls", LAYOUTS, ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_any_buffer_decodes_and_equal_bytes_share_one_value(cls: type[s.AccountLayout], data: st.DataObject
                                                             ) -> None:
    raw = data.draw(decodable(cls)).raw
    first = cls.decode(raw)
    assert cls.decode(bytearray(raw)) is cls.decode(memoryview(raw)) is first  # frozen, so safely shared


@pytest.mark.parametrize("cls", LAYOUTS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("delta", [-1, 1])
def test_wrong_length_is_rejected_naming_the_structure(cls: type[s.AccountLayout], delta: int) -> None:
    with pytest.raises(DecodeError, match=rf"{cls.__name__}: expected {cls.ACCOUNT_LEN} bytes.*got "
                                          rf"{cls.ACCOUNT_LEN + delta}"):
        cls.decode(bytes(cls.ACCOUNT_LEN + delta))


def _flatten(value: s.AccountLayout) -> tuple[object, ...]:
    out: list[object] = []
    for f in fields(value):  # type: ignore[arg-type]
        item = getattr(value, f.name)
        out.extend(bytes(x) if isinstance(x, Address) else int(x) for x in
                   (item if isinstance(item, tuple) else (item,)))
    return tuple(out)


# The spec's own struct formats (frt-contract.md §3.1, §3.3), read independently of our layout tables.
POOL_STATE_SPEC_FORMAT = "<" + "32s" * 7 + "QQQQ" + "B" * 6 + "QQ" + "QQQQ" + "QQQ" + "qQQ" + "Q" * 6 + "4Q"
TREASURY_SPEC_FORMAT = "<QQQQQQQQQQQQqQqQQ"


@pytest.mark.parametrize(("cls", "fmt"), [(s.PoolState, POOL_STATE_SPEC_FORMAT),
                                          (s.MainTreasuryState, TREASURY_SPEC_FORMAT)])
@given(data=st.data())
def test_fixed_layouts_agree_with_the_spec_struct_format(cls: type[s.AccountLayout], fmt: str,
                                                         data: st.DataObject) -> None:
    assert struct.calcsize(fmt) == cls.ACCOUNT_LEN
    raw = data.draw(st.binary(min_size=cls.ACCOUNT_LEN, max_size=cls.ACCOUNT_LEN))
    decoded = cls.decode(raw)
    assert _flatten(decoded) == struct.unpack_from(fmt, raw)
    assert decoded.encode() == raw


def test_pool_state_reads_fields_at_the_spec_offsets() -> None:
    raw = bytearray(c.POOL_STATE_LEN)
    raw[0:32] = _key(1)
    raw[32:64] = _key(2)
    raw[192:224] = _key(7)
    struct.pack_into("<QQQQ", raw, 224, 1_000_000_000, 160_000_000, 5, 6)
    struct.pack_into("<BB", raw, 256, 253, 251)
    raw[261] = PoolFlag.SIMPLE_RATIO | PoolFlag.EXACT_EXCHANGE_REQUIRED
    struct.pack_into("<QQ", raw, 262, 13_000_000, 271_500)
    struct.pack_into("<QQQ", raw, 310, 26_000_000, 543_000, 27_000_000)
    struct.pack_into("<qQQ", raw, 334, -7, 3, 500_000)
    struct.pack_into("<Q", raw, 358, 11)
    struct.pack_into("<4Q", raw, 406, 1, 2, 3, 2**64 - 1)
    pool = s.PoolState.decode(raw)
    assert (pool.owner, pool.token_a_mint, pool.lp_token_b_mint) == (_key(1), _key(2), _key(7))
    assert (pool.ratio_a_numerator, pool.ratio_b_denominator) == (1_000_000_000, 160_000_000)
    assert (pool.total_token_a_liquidity, pool.total_token_b_liquidity) == (5, 6)
    assert (pool.pool_authority_bump_seed, pool.token_a_vault_bump_seed) == (253, 251)
    assert pool.flags == PoolFlag.SIMPLE_RATIO | PoolFlag.EXACT_EXCHANGE_REQUIRED
    assert (pool.contract_liquidity_fee, pool.swap_contract_fee) == (13_000_000, 271_500)
    assert (pool.collected_liquidity_fees, pool.collected_swap_contract_fees) == (26_000_000, 543_000)
    assert pool.total_sol_fees_collected == 27_000_000
    assert (pool.last_consolidation_timestamp, pool.total_consolidations) == (-7, 3)
    assert pool.total_fees_consolidated == 500_000
    assert pool.max_swap_amount == 11
    assert pool.reserved == (1, 2, 3, 2**64 - 1)
    assert pool.pending_sol_fees == 26_500_000


def test_treasury_reads_fields_at_the_spec_offsets() -> None:
    raw = bytearray(c.MAIN_TREASURY_LEN)
    struct.pack_into("<Q", raw, 24, 4)
    struct.pack_into("<Q", raw, 64, 4 * c.REGISTRATION_FEE)
    struct.pack_into("<q", raw, 96, 1_700_000_000)
    struct.pack_into("<Q", raw, 104, 9)
    struct.pack_into("<q", raw, 112, -1)
    struct.pack_into("<Q", raw, 128, 10**8)
    treasury = s.MainTreasuryState.decode(raw)
    assert treasury.pool_creation_count == 4
    assert treasury.total_pool_creation_fees == 4 * c.REGISTRATION_FEE
    assert treasury.last_update_timestamp == 1_700_000_000
    assert treasury.total_consolidations_performed == 9
    assert treasury.last_withdrawal_timestamp == -1
    assert treasury.total_donations == 10**8


def _system_state_bytes(tag: int, tail: bytes) -> bytearray:
    raw = bytearray(c.SYSTEM_STATE_LEN)
    raw[0] = 1
    struct.pack_into("<qB", raw, 1, 1_700_000_123, 15)
    raw[10:42] = _key(9)
    raw[42] = tag
    raw[43:] = tail[:c.SYSTEM_STATE_LEN - 43]
    return raw


@given(stale=st.binary(min_size=40, max_size=40))
def test_system_state_none_reads_the_timestamp_at_43_and_ignores_stale_bytes(stale: bytes) -> None:
    raw = _system_state_bytes(0, struct.pack("<q", 42) + stale)
    state = s.SystemState.decode(raw)
    assert state == s.SystemState(True, 1_700_000_123, 15, _key(9), None, 42)
    assert state.encode()[:51] == raw[:51]


def test_system_state_some_reads_pending_at_43_and_the_timestamp_at_75() -> None:
    raw = _system_state_bytes(1, bytes(_key(3)) + struct.pack("<q", -5))
    state = s.SystemState.decode(raw)
    assert (state.pending_admin_authority, state.admin_change_timestamp) == (_key(3), -5)
    assert state.encode() == bytes(raw)


@pytest.mark.parametrize("tag", [2, 255])
def test_system_state_rejects_a_bad_option_tag(tag: int) -> None:
    with pytest.raises(DecodeError, match=rf"SystemState.pending_admin_authority at offset 42: Option tag {tag}"):
        s.SystemState.decode(_system_state_bytes(tag, bytes(40)))


def test_system_state_rejects_a_non_boolean_pause_byte() -> None:
    raw = _system_state_bytes(0, bytes(40))
    raw[0] = 2
    with pytest.raises(DecodeError, match=r"SystemState.is_paused at offset 0: bool tag 2"):
        s.SystemState.decode(raw)


def test_token_account_reads_fields_at_the_spec_offsets() -> None:
    raw = bytearray(ids.TOKEN_ACCOUNT_LEN)
    raw[0:32], raw[32:64] = _key(1), _key(2)
    struct.pack_into("<Q", raw, 64, 123_456)
    struct.pack_into("<I", raw, 72, 1)
    raw[76:108] = _key(3)
    raw[108] = s.TokenAccountState.FROZEN
    struct.pack_into("<IQ", raw, 109, 1, 2_039_280)
    struct.pack_into("<Q", raw, 121, 77)
    account = s.TokenAccount.decode(raw)
    assert account == s.TokenAccount(_key(1), _key(2), 123_456, _key(3), s.TokenAccountState.FROZEN, 2_039_280,
                                      77, None)
    assert account.is_frozen
    assert account.encode() == bytes(raw)


@pytest.mark.parametrize(("offset", "value", "message"), [
    (72, b"\2\0\0\0", r"TokenAccount.delegate at offset 72: COption tag 2"),
    (109, b"\0\0\1\0", r"TokenAccount.is_native at offset 109: COption tag 65536"),
    (129, b"\1\1\0\0", r"TokenAccount.close_authority at offset 129: COption tag 257"),
    (108, b"\3", r"TokenAccount.state at offset 108: account state 3"),
])
def test_token_account_rejects_bad_tags(offset: int, value: bytes, message: str) -> None:
    raw = bytearray(s.TokenAccount(_key(1), _key(2), 5).encode())
    raw[offset:offset + len(value)] = value
    with pytest.raises(DecodeError, match=message):
        s.TokenAccount.decode(raw)


def test_mint_reads_fields_at_the_spec_offsets() -> None:
    raw = bytearray(ids.MINT_LEN)
    struct.pack_into("<I", raw, 0, 1)
    raw[4:36] = _key(5)
    struct.pack_into("<QBB", raw, 36, 10**15, 9, 1)
    mint = s.Mint.decode(raw)
    assert mint == s.Mint(_key(5), 10**15, 9, True, None)
    raw[45] = 2
    with pytest.raises(DecodeError, match=r"Mint.is_initialized at offset 45: bool tag 2"):
        s.Mint.decode(raw)


def test_coption_none_ignores_leftover_value_bytes_like_spl_token() -> None:
    raw = bytearray(s.Mint(None, 1, 6, True, None).encode())
    raw[4:36] = _key(8)  # tag stays 0
    assert s.Mint.decode(raw).mint_authority is None


@pytest.mark.parametrize(("field", "value"), [("ratio_a_numerator", 2**64), ("pool_authority_bump_seed", 256),
                                              ("owner", b"short"), ("reserved", (1, 2, 3))])
def test_encoding_an_out_of_range_value_names_the_field(field: str, value: Any) -> None:
    pool = _pool(**{field: value})
    with pytest.raises(InvalidArgument, match=rf"PoolState\.{field}="):
        pool.encode()


def test_pending_sol_fees_saturates_at_zero() -> None:
    pool = _pool(total_sol_fees_collected=5, total_fees_consolidated=9)
    assert pool.pending_sol_fees == 0


def test_created_state_keeps_only_the_creation_flag_bits_and_the_derived_addresses() -> None:
    addrs = PoolAddresses.derive(c.PROGRAM_ID_LOCALNET, ids.NATIVE_MINT,
                                 Address.from_base58("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"),
                                 1_000_000_000, 160_000_000)
    pool = s.PoolState.created(addrs, _key(4), simple_ratio=True, creation_flags=0xFF)
    assert pool.flags == PoolFlag.SIMPLE_RATIO | PoolFlag.SWAP_FOR_OWNERS_ONLY | PoolFlag.EXACT_EXCHANGE_REQUIRED
    assert s.PoolState.created(addrs, _key(4), simple_ratio=False, creation_flags=0x1F).flags == PoolFlag(0)
    assert (pool.contract_liquidity_fee, pool.swap_contract_fee) == (c.DEPOSIT_WITHDRAWAL_FEE, c.SWAP_CONTRACT_FEE)
    assert pool.pool_authority_bump_seed == addrs.pool_bump == 253
    for side in Side:
        assert (pool.mint(side), pool.vault(side), pool.lp_mint(side)) == (
            addrs.mint(side), addrs.vault(side), addrs.lp_mint(side))
        assert pool.side_of(pool.mint(side)) is side
    assert (pool.ratio(Side.A), pool.ratio(Side.B)) == (1_000_000_000, 160_000_000)


def test_side_helpers_read_the_matching_fields() -> None:
    pool = _pool(3, 4, total_token_a_liquidity=10, total_token_b_liquidity=20)
    assert (pool.liquidity(Side.A), pool.liquidity(Side.B)) == (10, 20)
    with pytest.raises(InvalidArgument, match=r"neither token A .* nor token B"):
        pool.side_of(_key(99))
