"""The saved-pool book on the real session and LiteSVM: exact reuse, start-up validation, stale-pool backups."""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_fixedratio.chain.abilities import AccountWriter
from pytest_fixedratio.chain.base import AccountState, ChainError
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.engine.oplog import MemorySink
from pytest_fixedratio.engine.pool_book import (
    DELETED_DIR,
    PoolBook,
    PoolRecord,
    create_and_record,
    get_or_create_pool,
    recreate_pool,
)
from pytest_fixedratio.engine.pool_factory import EXTREME_SPECS, PoolSpec
from pytest_fixedratio.engine.session import Session
from pytest_fixedratio.errors import DecodeError, InvalidArgument
from pytest_fixedratio.frt.constants import PoolFlag, RatioType
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.frt.ratio import normalize_ratio, parse_rate
from pytest_fixedratio.frt.state import Mint, PoolState
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import ZERO, Address
from pytest_fixedratio.store.atomic import StateFileError
from pytest_fixedratio.store.database import Store
from pytest_fixedratio.store.rows import OperationRecord
from tests.frt.strategies import addresses, u8s, u64s

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DEFAULT_SPEC = EXTREME_SPECS[1]  # 9/6 decimals, 1:1000
EXACT = int(PoolFlag.EXACT_EXCHANGE_REQUIRED)


class Ticks:
    """A wall clock for the book that moves one second per reading, so every stamp is distinct and known."""

    def __init__(self) -> None:
        self.readings = 0

    def __call__(self) -> datetime:
        self.readings += 1
        return START + timedelta(seconds=self.readings)


class UnreadableChain:
    """A chain whose reads fail in transport: a fault LiteSVM cannot produce. Counts the reads it refused."""

    def __init__(self, program_id: Address, error: Exception) -> None:
        self._program_id = program_id
        self.error = error
        self.reads = 0

    @property
    def program_id(self) -> Address:
        return self._program_id

    async def get_accounts(self, addresses: Iterable[Address]) -> dict[Address, AccountState | None]:
        self.reads += 1
        raise self.error


async def _campaign(seed: int = 1) -> Campaign:
    """A funded core wallet and an initialised program on a fresh LiteSVM chain, no pools yet."""
    campaign = Campaign(CampaignConfig.for_stepping(pools=0, seed=seed), sink=MemorySink())
    await campaign.setup()
    return campaign


def _writer(campaign: Campaign) -> AccountWriter:
    assert isinstance(campaign.chain, AccountWriter)
    return campaign.chain


def _restarted(session: Session) -> Session:
    """The same chain and core wallet with nothing in memory: what a new run against a persistent chain sees
    (it shares the first session's operation log, so `_pools_created` counts both)."""
    core = session.core
    return Session(session.chain, session.clock, session.decisions, seed=session.seed, core_wallet=core.wallet,
                   core_decisions=core.decisions, rents=core.rents, sink=session.sink)


def _log(session: Session) -> list[OperationRecord]:
    assert isinstance(session.sink, MemorySink)
    return session.sink.records


def _pools_created(session: Session) -> int:
    return sum(1 for r in _log(session) if r.kind == "initialize_pool" and r.ok)


def _backups(data_dir: Path) -> list[Any]:
    return [json.loads(p.read_text()) for p in sorted((data_dir / DELETED_DIR).glob("pool_*.json"))]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path) as opened:
        yield opened


async def _book_with_pools(store: Store, session: Session, *specs: PoolSpec) -> PoolBook:
    book = PoolBook.open(store, now=Ticks())
    for spec in specs:
        await get_or_create_pool(session, spec, book)
    return book


# ---------------------------------------------------------------------------------------------------- reuse


@pytest.mark.asyncio
async def test_saved_pools_are_validated_and_reused_on_the_same_chain(store: Store) -> None:
    campaign = await _campaign()
    session = campaign.session
    book = await _book_with_pools(store, session, EXTREME_SPECS[0], DEFAULT_SPEC)
    created = {r.spec: r for r in book.records}
    assert _pools_created(session) == 2 and set(created) == {EXTREME_SPECS[0], DEFAULT_SPEC}
    saved = {entry["pool"]: entry for entry in store.load_pools()}
    entry = saved[str(created[DEFAULT_SPEC].pool)]
    assert entry["spec"] == {"decimals_1": 9, "decimals_2": 6, "rate": "1000", "flags": 0}
    assert entry["flags"] == ["SIMPLE_RATIO"] and entry["last_validated"] is None
    assert {entry["decimals_a"], entry["decimals_b"]} == {9, 6}
    initialize = next(r for r in _log(session) if r.kind == "initialize_pool" and r.pool == entry["pool"])
    assert entry["creation_signature"] == initialize.signature

    reloaded = PoolBook.open(store, now=Ticks())
    kept, dropped = await reloaded.validate_all(campaign.chain)
    assert dropped == [] and {r.pool for r in kept} == {r.pool for r in created.values()}
    assert all(r.last_validated is not None for r in PoolBook.open(store).records)  # persisted

    again = _restarted(session)
    for spec, record in created.items():
        handle = await get_or_create_pool(again, spec, reloaded)
        assert handle.address == record.pool and again.pools[record.pool] is handle
        assert (handle.decimals_a, handle.decimals_b) == (record.decimals_a, record.decimals_b)
        assert handle.state == await handle.refresh(campaign.chain)
    assert _pools_created(session) == 2  # no new InitializePool


@pytest.mark.asyncio
async def test_a_pool_already_managed_is_not_handed_out_twice(store: Store) -> None:
    campaign = await _campaign()
    book = await _book_with_pools(store, campaign.session, DEFAULT_SPEC, DEFAULT_SPEC)
    assert _pools_created(campaign.session) == 2 and len(book.records) == 2


@pytest.mark.asyncio
@pytest.mark.parametrize("other", [
    PoolSpec(6, 6, "1000"),              # other decimals
    PoolSpec(6, 9, "1000"),              # decimals the other way round
    PoolSpec(9, 6, "100"),               # other rate
    PoolSpec(9, 6, "1000:1"),            # the inverse rate
    PoolSpec(9, 6, "1000", flags=EXACT),  # other creation flags
], ids=lambda spec: spec.label)
async def test_a_spec_with_other_terms_gets_a_new_pool(store: Store, other: PoolSpec) -> None:
    campaign = await _campaign()
    book = await _book_with_pools(store, campaign.session, DEFAULT_SPEC)
    saved = book.records[0]
    again = _restarted(campaign.session)
    handle = await get_or_create_pool(again, other, book)
    assert handle.address != saved.pool and _pools_created(campaign.session) == 2
    assert {r.spec for r in PoolBook.open(store).records} == {DEFAULT_SPEC, other}
    assert (await get_or_create_pool(again, DEFAULT_SPEC, book)).address == saved.pool
    assert _pools_created(campaign.session) == 2


@pytest.mark.asyncio
async def test_the_same_rate_written_another_way_reuses_the_pool(store: Store) -> None:
    campaign = await _campaign()
    book = await _book_with_pools(store, campaign.session, DEFAULT_SPEC)
    handle = await get_or_create_pool(_restarted(campaign.session), PoolSpec(9, 6, "1:1000"), book)
    assert handle.address == book.records[0].pool and _pools_created(campaign.session) == 1


@pytest.mark.asyncio
async def test_a_pool_whose_mints_another_wallet_controls_is_kept_but_not_reused(store: Store) -> None:
    campaign = await _campaign()
    book = await _book_with_pools(store, campaign.session, DEFAULT_SPEC)
    saved = book.records[0]
    assert await book.reuse(campaign.chain, DEFAULT_SPEC, mint_authority=ZERO) is None
    assert book.records == PoolBook.open(store).records and book.records[0].pool == saved.pool
    assert not (store.data_dir / DELETED_DIR).exists()


# ---------------------------------------------------------------------------------------------------- stale pools


@pytest.mark.asyncio
@pytest.mark.parametrize(("seed", "reason"), [
    (1, "has no account"),              # the same program id, a chain that never saw the pools
    (2, "recorded for program"),        # another program id
])
async def test_a_fresh_chain_drops_and_backs_up_every_saved_pool(store: Store, seed: int, reason: str) -> None:
    first = await _campaign(1)
    await _book_with_pools(store, first.session, EXTREME_SPECS[0], DEFAULT_SPEC, EXTREME_SPECS[4])
    saved = PoolBook.open(store).records
    fresh = await _campaign(seed)
    book = PoolBook.open(store, now=Ticks())
    kept, dropped = await book.validate_all(fresh.chain)
    assert kept == [] and sorted(dropped, key=_by_pool) == sorted(saved, key=_by_pool)
    assert PoolBook.open(store).records == ()
    backups = _backups(store.data_dir)
    assert sorted(b["record"]["pool"] for b in backups) == sorted(str(r.pool) for r in saved)
    assert all(any(reason in why for why in b["reasons"]) for b in backups)
    files = list((store.data_dir / DELETED_DIR).iterdir())
    assert sorted(p.name for p in files) == sorted(
        f"pool_{r.pool}_{START + timedelta(seconds=tick):%Y-%m-%d_%H-%M-%S}-000000.json"
        for tick, r in enumerate(dropped, start=1))
    assert all(os.stat(p).st_mode & 0o777 == 0o600 for p in files)


@pytest.mark.asyncio
async def test_a_new_in_process_chain_gets_the_recorded_pools_again_at_the_same_addresses(store: Store) -> None:
    first = await _campaign(1)
    book = PoolBook.open(store, now=Ticks())
    made = [await create_and_record(first.session, spec, book) for spec in (EXTREME_SPECS[0], EXTREME_SPECS[2])]
    keys = sorted((store.data_dir / "keys").iterdir())
    assert len(keys) == 4 and all(os.stat(p).st_mode & 0o777 == 0o600 for p in keys)
    again = await _campaign(1)  # the same program and core wallet, a chain that never saw the pools
    reloaded = PoolBook.open(store, now=Ticks())
    handles = [await recreate_pool(again.session, record, reloaded) for record in reloaded.records]
    by_address = {m.handle.address: m.handle.state for m in made}
    assert {h.address: h.state for h in handles} == by_address
    assert set(again.session.pools) == {m.handle.address for m in made}
    other = await _campaign(2)  # another program id: the pool cannot land where it was
    with pytest.raises(InvalidArgument, match="lands at"):
        await recreate_pool(other.session, reloaded.records[0], reloaded)
    for path in keys:
        path.unlink()
    with pytest.raises(InvalidArgument, match="mint keys are not in"):
        await recreate_pool((await _campaign(1)).session, reloaded.records[0], reloaded)


def _by_pool(record: PoolRecord) -> bytes:
    return bytes(record.pool)


Tamper = Callable[[Campaign, PoolRecord], Awaitable[PoolRecord]]


async def _record_ratio(campaign: Campaign, record: PoolRecord) -> PoolRecord:
    return replace(record, ratio_b=record.ratio_b + 1)


async def _record_mint(campaign: Campaign, record: PoolRecord) -> PoolRecord:
    return replace(record, token_b_mint=await campaign.session.core.create_mint(record.decimals_b))


async def _rewrite_pool(campaign: Campaign, record: PoolRecord, **changes: Any) -> PoolRecord:
    account = await campaign.chain.get_account(record.pool)
    assert account is not None
    state = replace(PoolState.decode(account.data), **changes)
    _writer(campaign).set_account(record.pool, replace(account, data=state.encode()))
    return record


async def _chain_ratio(campaign: Campaign, record: PoolRecord) -> PoolRecord:
    return await _rewrite_pool(campaign, record, ratio_b_denominator=record.ratio_b * 2)


async def _chain_mint(campaign: Campaign, record: PoolRecord) -> PoolRecord:
    return await _rewrite_pool(campaign, record, token_a_mint=record.token_b_mint)


async def _chain_flags(campaign: Campaign, record: PoolRecord) -> PoolRecord:
    return await _rewrite_pool(campaign, record, flags=PoolFlag.SIMPLE_RATIO | PoolFlag.EXACT_EXCHANGE_REQUIRED)


async def _chain_paused(campaign: Campaign, record: PoolRecord) -> PoolRecord:
    return await _rewrite_pool(campaign, record, flags=record.flags | PoolFlag.SWAPS_PAUSED)


async def _chain_decimals(campaign: Campaign, record: PoolRecord) -> PoolRecord:
    account = await campaign.chain.get_account(record.token_a_mint)
    assert account is not None
    mint = replace(Mint.decode(account.data), decimals=record.decimals_a + 1)
    _writer(campaign).set_account(record.token_a_mint, replace(account, data=mint.encode()))
    return record


async def _chain_owner(campaign: Campaign, record: PoolRecord) -> PoolRecord:
    account = await campaign.chain.get_account(record.pool)
    assert account is not None
    _writer(campaign).set_account(record.pool, replace(account, owner=ids.SYSTEM_PROGRAM_ID))
    return record


async def _chain_garbage(campaign: Campaign, record: PoolRecord) -> PoolRecord:
    account = await campaign.chain.get_account(record.pool)
    assert account is not None
    _writer(campaign).set_account(record.pool, replace(account, data=account.data[:-1]))
    return record


@pytest.mark.asyncio
@pytest.mark.parametrize(("tamper", "reason"), [
    (_record_ratio, "is not the pool PDA"),
    (_record_mint, "is not the pool PDA"),
    (_chain_ratio, "ratio_b_denominator is"),
    (_chain_mint, "token_a_mint is"),
    (_chain_flags, "flags are ['SIMPLE_RATIO', 'EXACT_EXCHANGE_REQUIRED'] on chain"),
    (_chain_decimals, "decimals, the record gives"),
    (_chain_owner, f"is owned by {ids.SYSTEM_PROGRAM_ID}"),
    (_chain_garbage, "does not decode"),
], ids=lambda value: getattr(value, "__name__", "reason"))
async def test_a_record_the_chain_contradicts_is_dropped(store: Store, tamper: Tamper, reason: str) -> None:
    campaign = await _campaign()
    await _book_with_pools(store, campaign.session, DEFAULT_SPEC, EXTREME_SPECS[0])
    book = PoolBook.open(store, now=Ticks())
    target, other = sorted(book.records, key=lambda r: r.spec != DEFAULT_SPEC)
    tampered = await tamper(campaign, target)
    book = PoolBook(store, [tampered, other], now=Ticks())
    kept, dropped = await book.validate_all(campaign.chain)
    assert [r.pool for r in kept] == [other.pool] and dropped == [tampered]
    [backup] = _backups(store.data_dir)
    assert backup["record"] == tampered.to_dict()
    assert any(reason in why for why in backup["reasons"]), backup["reasons"]
    assert [r.pool for r in PoolBook.open(store).records] == [other.pool]


@pytest.mark.asyncio
async def test_a_paused_pool_is_still_the_same_pool(store: Store) -> None:
    campaign = await _campaign()
    book = await _book_with_pools(store, campaign.session, DEFAULT_SPEC)
    await _chain_paused(campaign, book.records[0])
    kept, dropped = await book.validate_all(campaign.chain)
    assert dropped == [] and len(kept) == 1


@pytest.mark.asyncio
async def test_a_stale_candidate_is_dropped_when_reuse_finds_it(store: Store) -> None:
    campaign = await _campaign()
    book = await _book_with_pools(store, campaign.session, DEFAULT_SPEC)
    stale = await _chain_ratio(campaign, book.records[0])
    handle = await get_or_create_pool(_restarted(campaign.session), DEFAULT_SPEC, book)
    assert handle.address != stale.pool and _pools_created(campaign.session) == 2
    assert [r.pool for r in PoolBook.open(store).records] == [handle.address]
    assert [b["record"]["pool"] for b in _backups(store.data_dir)] == [str(stale.pool)]


# ---------------------------------------------------------------------------------------------------- transport


@pytest.mark.asyncio
@pytest.mark.parametrize("error", [ChainError("rpc down"), ConnectionRefusedError(111, "refused"),
                                   TimeoutError("timed out")], ids=lambda e: type(e).__name__)
async def test_an_unreadable_chain_keeps_every_record(store: Store, error: Exception) -> None:
    campaign = await _campaign()
    await _book_with_pools(store, campaign.session, EXTREME_SPECS[0], DEFAULT_SPEC)
    before = PoolBook.open(store).records
    unreadable = UnreadableChain(campaign.chain.program_id, error)
    book = PoolBook.open(store, now=Ticks())
    kept, dropped = await book.validate_all(unreadable)
    assert dropped == [] and kept == list(before) and unreadable.reads == 1  # asked once, not once per record
    assert await book.reuse(unreadable, DEFAULT_SPEC, mint_authority=campaign.session.core.address) is None
    assert PoolBook.open(store).records == before and not (store.data_dir / DELETED_DIR).exists()
    kept, dropped = await book.validate_all(campaign.chain)
    assert dropped == [] and len(kept) == 2


@pytest.mark.asyncio
async def test_a_bug_in_the_chain_is_not_taken_for_an_outage(store: Store) -> None:
    campaign = await _campaign()
    await _book_with_pools(store, campaign.session, DEFAULT_SPEC)
    book = PoolBook.open(store)
    with pytest.raises(KeyError):
        await book.validate_all(UnreadableChain(campaign.chain.program_id, KeyError("bug")))
    assert PoolBook.open(store).records == book.records


# ---------------------------------------------------------------------------------------------------- the file


def _record(program: Address, mint1: Address, mint2: Address, spec: PoolSpec) -> PoolRecord:
    """The record `get_or_create_pool` would write for `spec` on mints 1 and 2, built without a chain."""
    ratio = normalize_ratio(mint1, spec.decimals_1, mint2, spec.decimals_2, spec.rate)
    addrs = PoolAddresses.derive(program, ratio.token_a, ratio.token_b, ratio.ratio_a, ratio.ratio_b)
    flags = PoolState.created(addrs, ZERO, simple_ratio=ratio.ratio_type is RatioType.SIMPLE,
                              creation_flags=spec.flags).flags
    return PoolRecord(addrs.pool, program, ratio.token_a, ratio.token_b, ratio.decimals_a, ratio.decimals_b,
                      ratio.ratio_a, ratio.ratio_b, flags, spec, "sig", START)


OFFLINE = _record(Address(b"p" * 32), Address(b"\x01" * 32), Address(b"\x02" * 32), DEFAULT_SPEC)


def test_an_empty_store_is_an_empty_book(store: Store) -> None:
    assert PoolBook.open(store).records == ()
    PoolBook(store, [OFFLINE]).save()
    assert PoolBook.open(store).records == (OFFLINE,)


def _entry(**changes: object) -> dict[str, object]:
    return {**OFFLINE.to_dict(), **changes}


@pytest.mark.parametrize(("entry", "complaint"), [
    (_entry(ratio_a=True), "ratio_a must be a JSON int"),
    (_entry(flags=["PAUSED"]), "'PAUSED' is not one of"),
    (_entry(created_at="2025-03-01T12:00:00"), "no UTC"),
    (_entry(poolId="x"), "unknown fields ['poolId']"),
], ids=lambda value: value if isinstance(value, str) else "")
def test_a_stored_record_that_is_not_one_raises_and_is_left_alone(store: Store, entry: dict[str, object],
                                                                   complaint: str) -> None:
    store.save_pools([entry])
    with pytest.raises(StateFileError, match="holds a pool record that is not one") as raised:
        PoolBook.open(store)
    assert complaint in str(raised.value) and store.load_pools() == [entry]


# ---------------------------------------------------------------------------------------------------- properties


def _rates() -> st.SearchStrategy[str]:
    return st.integers(1, 10**6).flatmap(lambda n: st.sampled_from([str(n), f"{n}:1", f"1:{n}"]))


def _specs() -> st.SearchStrategy[PoolSpec]:
    return st.builds(PoolSpec, st.integers(0, 9), st.integers(0, 9), _rates(), u8s())


def _records() -> st.SearchStrategy[PoolRecord]:
    times = st.datetimes(timezones=st.just(UTC))
    return st.builds(PoolRecord, addresses(), addresses(), addresses(), addresses(), u8s(), u8s(), u64s(), u64s(),
                     st.integers(0, 127).map(PoolFlag), _specs(), st.text(), times, st.none() | times)


@given(_records())
def test_a_record_survives_its_json_form(record: PoolRecord) -> None:
    assert PoolRecord.from_dict(json.loads(json.dumps(record.to_dict()))) == record


@given(_records(), st.data())
def test_a_record_missing_or_mistyping_any_field_is_refused(record: PoolRecord, data: st.DataObject) -> None:
    entry = dict(record.to_dict())
    key = data.draw(st.sampled_from(sorted(entry)))
    with pytest.raises(DecodeError, match=key):
        PoolRecord.from_dict({k: v for k, v in entry.items() if k != key})
    with pytest.raises(DecodeError):
        PoolRecord.from_dict({**entry, key: 1.5})


@settings(max_examples=40)
@given(addresses(), st.lists(addresses(), min_size=2, max_size=2, unique=True), _specs())
def test_a_record_is_consistent_exactly_with_its_own_terms(program: Address, mints: list[Address],
                                                           spec: PoolSpec) -> None:
    record = _record(program, mints[0], mints[1], spec)
    rate = parse_rate(spec.rate)
    assert record.inconsistencies() == [] and record.serves(spec)
    assert record.serves(replace(spec, rate=f"{2 * rate.denominator}:{2 * rate.numerator}"))  # the same rate
    assert not record.serves(replace(spec, rate=f"{rate.denominator}:{2 * rate.numerator}"))
    assert not record.serves(replace(spec, decimals_1=spec.decimals_1 + 1))
    assert not record.serves(replace(spec, flags=spec.flags ^ EXACT))
    assert "not the pool PDA" in " ".join(replace(record, ratio_a=record.ratio_a + 1).inconsistencies())
    assert "does not give" in " ".join(replace(record, spec=replace(spec, decimals_2=10)).inconsistencies())
