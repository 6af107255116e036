"""The saved-pool book: the pools this harness created, kept in the data directory's store and reused only exactly.

The original service reused any saved pool with the same decimals whatever its ratio, called a pool alive when
*any* account sat at its address, and once deleted its records because an RPC call failed (service-features.md
4.3, 4.4, 10.2 items 1 and 15, commit d7fbbe1). Here a record is reused only when its spec asks for the same
decimals, rate and flags as the request, and the chain still holds that very pool: an account owned by the
program that decodes as PoolState with the record's mints, ratio, vaults, LP mints and creation flags, and two
mints of the recorded decimals. A record that fails this is stale: it leaves the book and is backed up under
``deleted/``. A chain that does not answer proves nothing about a pool, so its records stay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any, Final, Protocol, TypedDict, TypeVar

from pytest_fixedratio.chain.base import AccountState, ChainError
from pytest_fixedratio.engine.pool_factory import CreatedPool, PoolSpec, create_pool_signed
from pytest_fixedratio.engine.pools import PoolHandle
from pytest_fixedratio.engine.session import Session
from pytest_fixedratio.errors import DecodeError, InvalidArgument
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt.constants import PoolFlag, RatioType
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.frt.ratio import normalize_ratio, parse_rate
from pytest_fixedratio.frt.state import AccountLayout, Mint, PoolState
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import ZERO, Address
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.store.atomic import StateFileError, atomic_write_json
from pytest_fixedratio.store.keyfile import load_wallet, save_wallet

SCHEMA_VERSION: Final = 1
DELETED_DIR: Final = "deleted"
KEYS_DIR: Final = "keys"
IDENTITY_FLAGS: Final = PoolFlag.SIMPLE_RATIO | c.CREATION_FLAGS_MASK
"""Flags fixed when the pool is created; the others (pauses, withdrawal protection) change during its life."""
IDENTITY_FIELDS: Final = (
    "token_a_mint", "token_b_mint", "token_a_vault", "token_b_vault", "lp_token_a_mint", "lp_token_b_mint",
    "ratio_a_numerator", "ratio_b_denominator", "pool_authority_bump_seed", "token_a_vault_bump_seed",
    "token_b_vault_bump_seed", "lp_token_a_mint_bump_seed", "lp_token_b_mint_bump_seed",
)
"""PoolState fields InitializePool derives from the mints and ratio, and nothing changes afterwards."""
TOKEN_PROGRAMS: Final = (ids.TOKEN_PROGRAM_ID, ids.TOKEN_2022_PROGRAM_ID)
TRANSPORT_ERRORS: Final = (ChainError, OSError)
"""What a chain raises when it cannot be read (OSError covers timeouts and refused connections)."""

_Layout = TypeVar("_Layout", bound=AccountLayout)
_T = TypeVar("_T")


def utc_now() -> datetime:
    return datetime.now(UTC)


class AccountReader(Protocol):
    """The part of `chain.base.Chain` validation needs (a test can fake a chain that cannot be read)."""

    @property
    def program_id(self) -> Address: ...

    async def get_accounts(self, addresses: Iterable[Address]) -> dict[Address, AccountState | None]: ...


# ---------------------------------------------------------------------------------------------------------
# Records and their JSON form


class PoolSpecDict(TypedDict):
    decimals_1: int
    decimals_2: int
    rate: str
    flags: int


class PoolRecordDict(TypedDict):
    pool: str
    program_id: str
    token_a_mint: str
    token_b_mint: str
    decimals_a: int
    decimals_b: int
    ratio_a: int
    ratio_b: int
    flags: list[str]
    spec: PoolSpecDict
    creation_signature: str
    created_at: str
    last_validated: str | None


@dataclass(frozen=True, slots=True)
class PoolRecord:
    """A pool this harness created: its identity on chain and the `PoolSpec` it was made from.

    `flags` are the identity flags InitializePool set (`IDENTITY_FLAGS`); the spec's flags are the raw
    InitializePool argument byte, kept as the integer that was sent.
    """

    pool: Address
    program_id: Address
    token_a_mint: Address
    token_b_mint: Address
    decimals_a: int
    decimals_b: int
    ratio_a: int
    ratio_b: int
    flags: PoolFlag
    spec: PoolSpec
    creation_signature: str
    created_at: datetime
    last_validated: datetime | None = None

    @classmethod
    def created(cls, handle: PoolHandle, spec: PoolSpec, signature: str, at: datetime) -> PoolRecord:
        a = handle.addresses
        return cls(a.pool, a.program_id, a.token_a_mint, a.token_b_mint, handle.decimals_a, handle.decimals_b,
                   a.ratio_a, a.ratio_b, handle.state.flags & IDENTITY_FLAGS, spec, signature, at)

    def addresses(self) -> PoolAddresses:
        return PoolAddresses.derive(self.program_id, self.token_a_mint, self.token_b_mint, self.ratio_a,
                                    self.ratio_b)

    def serves(self, spec: PoolSpec) -> bool:
        """Whether `spec` asks for this pool's terms: the same decimals, rate and creation flags."""
        return _terms(self.spec) == _terms(spec)

    def inconsistencies(self) -> list[str]:
        """What in the record contradicts itself (a damaged or hand-edited record): its address is not the PDA
        of its mints and ratio, or its spec does not normalise to its decimals, ratio and flags."""
        problems = []
        derived = self.addresses()
        if (derived.token_a_mint, derived.pool) != (self.token_a_mint, self.pool):
            problems.append(f"{self.pool} is not the pool PDA of mints {self.token_a_mint}/{self.token_b_mint} "
                            f"in byte order and ratio {self.ratio_a}:{self.ratio_b} (that is {derived.pool})")
        if not self._made_from_spec(derived):
            problems.append(f"spec ({self.spec.label}) does not give decimals {self.decimals_a}/{self.decimals_b}, "
                            f"ratio {self.ratio_a}:{self.ratio_b} and flags {_flag_names(self.flags)}")
        return problems

    def _made_from_spec(self, derived: PoolAddresses) -> bool:
        # The spec names its tokens 1 and 2 before the byte sort, so either mint may have been token 1.
        terms = (self.token_a_mint, self.token_b_mint, self.decimals_a, self.decimals_b, self.ratio_a, self.ratio_b)
        for first, second in ((self.token_a_mint, self.token_b_mint), (self.token_b_mint, self.token_a_mint)):
            try:
                ratio = normalize_ratio(first, self.spec.decimals_1, second, self.spec.decimals_2, self.spec.rate)
            except InvalidArgument:
                continue
            flags = PoolState.created(derived, ZERO, simple_ratio=ratio.ratio_type is RatioType.SIMPLE,
                                      creation_flags=self.spec.flags).flags
            if tuple(ratio) == terms and flags == self.flags:
                return True
        return False

    def mismatches(self, state: PoolState) -> list[str]:
        """Where the decoded on-chain `state` differs from what InitializePool wrote for this record."""
        expected = PoolState.created(self.addresses(), state.owner, simple_ratio=PoolFlag.SIMPLE_RATIO in self.flags,
                                     creation_flags=self.flags)
        problems = [f"{name} is {getattr(state, name)} on chain, the record gives {getattr(expected, name)}"
                    for name in IDENTITY_FIELDS if getattr(state, name) != getattr(expected, name)]
        if state.flags & IDENTITY_FLAGS != self.flags:
            problems.append(f"flags are {_flag_names(state.flags & IDENTITY_FLAGS)} on chain, the record gives "
                            f"{_flag_names(self.flags)}")
        return problems

    def to_handle(self, state: PoolState) -> PoolHandle:
        return PoolHandle(self.addresses(), self.decimals_a, self.decimals_b, state)

    def to_dict(self) -> PoolRecordDict:
        spec = self.spec
        return {
            "pool": str(self.pool), "program_id": str(self.program_id),
            "token_a_mint": str(self.token_a_mint), "token_b_mint": str(self.token_b_mint),
            "decimals_a": self.decimals_a, "decimals_b": self.decimals_b,
            "ratio_a": self.ratio_a, "ratio_b": self.ratio_b, "flags": _flag_names(self.flags),
            "spec": {"decimals_1": spec.decimals_1, "decimals_2": spec.decimals_2, "rate": spec.rate,
                     "flags": spec.flags},
            "creation_signature": self.creation_signature,
            "created_at": _iso(self.created_at),
            "last_validated": None if self.last_validated is None else _iso(self.last_validated),
        }

    @classmethod
    def from_dict(cls, data: object) -> PoolRecord:
        """The record `to_dict` gave; `DecodeError` naming the field for anything missing, extra or mistyped."""
        record = _object(data, "pool record", PoolRecordDict.__annotations__)
        spec = _object(record["spec"], "spec", PoolSpecDict.__annotations__)
        rate = _field(spec, "rate", str)
        try:
            parse_rate(rate)
        except InvalidArgument as exc:
            raise DecodeError(f"spec.rate: {exc}") from None
        last_validated = record["last_validated"]
        return cls(
            _address(record, "pool"), _address(record, "program_id"),
            _address(record, "token_a_mint"), _address(record, "token_b_mint"),
            _field(record, "decimals_a", int), _field(record, "decimals_b", int),
            _field(record, "ratio_a", int), _field(record, "ratio_b", int), _flags(record, "flags"),
            PoolSpec(_field(spec, "decimals_1", int), _field(spec, "decimals_2", int), rate,
                     _field(spec, "flags", int)),
            _field(record, "creation_signature", str), _time(record, "created_at"),
            None if last_validated is None else _time(record, "last_validated"),
        )


def _terms(spec: PoolSpec) -> tuple[int, int, Fraction, int]:
    return spec.decimals_1, spec.decimals_2, parse_rate(spec.rate), spec.flags


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _flag_names(flags: PoolFlag) -> list[str]:
    return [str(flag.name) for flag in PoolFlag if flag in flags]


def _object(data: object, what: str, keys: Collection[str]) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise DecodeError(f"{what} must be a JSON object, got {type(data).__name__}")
    missing, extra = sorted(set(keys) - data.keys()), sorted(data.keys() - set(keys))
    if missing or extra:
        raise DecodeError(f"{what} has missing fields {missing} and unknown fields {extra}")
    return data


def _field(data: Mapping[str, Any], key: str, kind: type[_T]) -> _T:
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise DecodeError(f"{key} must be a JSON {kind.__name__}, got {value!r}")
    return value


def _address(data: Mapping[str, Any], key: str) -> Address:
    try:
        return Address.from_base58(_field(data, key, str))
    except DecodeError as exc:
        raise DecodeError(f"{key}: {exc}") from None


def _time(data: Mapping[str, Any], key: str) -> datetime:
    text = _field(data, key, str)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DecodeError(f"{key} {text!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise DecodeError(f"{key} {text!r} has no UTC offset")
    return moment


def _flags(data: Mapping[str, Any], key: str) -> PoolFlag:
    names = _field(data, key, list)
    flags = PoolFlag(0)
    for name in names:
        if not isinstance(name, str) or name not in PoolFlag.__members__:
            raise DecodeError(f"{key}: {name!r} is not one of {list(PoolFlag.__members__)}")
        flags |= PoolFlag[name]
    return flags


# ---------------------------------------------------------------------------------------------------------
# Validation against a chain


class Verdict(StrEnum):
    VALID = "valid"
    STALE = "stale"
    """The chain answered and the pool is not (or no longer) what the record says."""
    UNREACHABLE = "unreachable"
    """The chain could not be read: nothing is known about the pool."""


@dataclass(frozen=True, slots=True)
class Validation:
    record: PoolRecord
    verdict: Verdict
    reasons: tuple[str, ...] = ()
    state: PoolState | None = None
    mints: tuple[Mint, Mint] | None = None

    def usable_by(self, mint_authority: Address) -> bool:
        """Valid, and both mints mintable by `mint_authority` (workers are funded by minting)."""
        return self.mints is not None and all(m.mint_authority == mint_authority for m in self.mints)


def _decoded(account: AccountState | None, layout: type[_Layout], owners: tuple[Address, ...], what: str
             ) -> _Layout | str:
    """The account decoded as `layout`, or why it is not one (absent, foreign owner, wrong bytes)."""
    if account is None:
        return f"{what} has no account"
    if account.owner not in owners:
        return f"{what} is owned by {account.owner}, not {' or '.join(map(str, owners))}"
    try:
        return layout.decode(account.data)
    except DecodeError as exc:
        return f"{what} does not decode: {exc}"


def judge(record: PoolRecord, program_id: Address, accounts: Mapping[Address, AccountState | None]) -> Validation:
    """Compare `record` with the pool and mint accounts read from a chain running `program_id`."""
    reasons = record.inconsistencies()
    if record.program_id != program_id:
        reasons.append(f"recorded for program {record.program_id}, the chain runs {program_id}")
    state = _decoded(accounts.get(record.pool), PoolState, (program_id,), f"pool {record.pool}")
    if isinstance(state, PoolState):
        reasons.extend(record.mismatches(state))
    mints = []
    for side, mint, decimals in (("A", record.token_a_mint, record.decimals_a),
                                 ("B", record.token_b_mint, record.decimals_b)):
        decoded = _decoded(accounts.get(mint), Mint, TOKEN_PROGRAMS, f"token {side} mint {mint}")
        if isinstance(decoded, Mint) and decoded.decimals != decimals:
            decoded = f"token {side} mint {mint} has {decoded.decimals} decimals, the record gives {decimals}"
        mints.append(decoded)
    reasons.extend(problem for problem in (state, *mints) if isinstance(problem, str))
    if reasons or not isinstance(state, PoolState):
        return Validation(record, Verdict.STALE, tuple(reasons))
    mint_a, mint_b = (m for m in mints if isinstance(m, Mint))
    return Validation(record, Verdict.VALID, state=state, mints=(mint_a, mint_b))


async def inspect(chain: AccountReader, record: PoolRecord) -> Validation:
    """Read the pool and both mints at one point in time and judge them; a read that fails is UNREACHABLE."""
    try:
        accounts = await chain.get_accounts((record.pool, record.token_a_mint, record.token_b_mint))
    except TRANSPORT_ERRORS as exc:
        return Validation(record, Verdict.UNREACHABLE, (f"{type(exc).__name__}: {exc}",))
    return judge(record, chain.program_id, accounts)


# ---------------------------------------------------------------------------------------------------------
# The book


class PoolShelf(Protocol):
    """Where a book keeps its records: the data directory's store (`store.database.Store`)."""

    @property
    def data_dir(self) -> Path: ...

    def load_pools(self) -> list[dict[str, Any]]: ...

    def save_pools(self, records: Sequence[Mapping[str, Any]]) -> None: ...


class PoolBook:
    """The records of one data dir, kept in its store; every change is written through.

    One book per data dir and process (the store's lock sees to it); `lock` serialises its async users.
    """

    def __init__(self, shelf: PoolShelf, records: Iterable[PoolRecord] = (), *,
                 now: Callable[[], datetime] = utc_now) -> None:
        self.shelf = shelf
        self.data_dir = shelf.data_dir
        self.now = now
        self.lock = asyncio.Lock()
        self._records = {record.pool: record for record in records}

    @property
    def records(self) -> tuple[PoolRecord, ...]:
        return tuple(self._records.values())

    @classmethod
    def open(cls, shelf: PoolShelf, *, now: Callable[[], datetime] = utc_now) -> PoolBook:
        """The book kept in `shelf`. A record that does not decode raises `StateFileError` naming it; nothing
        is changed, for a human to look at."""
        records = []
        for entry in shelf.load_pools():
            try:
                records.append(PoolRecord.from_dict(entry))
            except DecodeError as exc:
                raise StateFileError(f"the store in {shelf.data_dir} holds a pool record that is not one: {exc}; "
                                     f"it was left as it is") from None
        return cls(shelf, records, now=now)

    def save(self) -> None:
        self.shelf.save_pools([r.to_dict() for r in self._records.values()])

    def add(self, record: PoolRecord, mint_keys: tuple[Wallet, Wallet] | None = None) -> None:
        """Keep `record` (and its mint keys, 0600, to make the pool again on a new in-process chain)."""
        if mint_keys is not None:
            self.keys_dir.mkdir(mode=0o700, exist_ok=True)
            for number, key in enumerate(mint_keys, 1):
                save_wallet(key, self._mint_key_path(record.pool, number))
        self._records[record.pool] = record
        self.save()

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / KEYS_DIR

    def _mint_key_path(self, pool: Address, number: int) -> Path:
        return self.keys_dir / f"pool_{pool}_mint{number}.json"

    def mint_keys(self, pool: Address) -> tuple[Wallet, Wallet] | None:
        """The keys of the pool's token 1 and token 2 mints (its spec's order), if kept."""
        paths = [self._mint_key_path(pool, number) for number in (1, 2)]
        if not all(path.exists() for path in paths):
            return None
        return load_wallet(paths[0]), load_wallet(paths[1])

    def matching(self, spec: PoolSpec) -> list[PoolRecord]:
        return [record for record in self._records.values() if record.serves(spec)]

    async def validate_all(self, chain: AccountReader) -> tuple[list[PoolRecord], list[PoolRecord]]:
        """Start-up check of every record: (kept, dropped), with the stale ones backed up and the book saved.

        One read per record, and none once the chain has failed to answer: the remaining records are kept
        unchecked rather than waiting out one timeout each.
        """
        kept: list[PoolRecord] = []
        dropped: list[PoolRecord] = []
        async with self.lock:
            reachable = True
            for record in self.records:
                if not reachable:
                    kept.append(record)
                    continue
                validation = await inspect(chain, record)
                reachable = validation.verdict is not Verdict.UNREACHABLE
                (dropped if validation.verdict is Verdict.STALE else kept).append(self._settle(validation))
            self.save()
        return kept, dropped

    async def reuse(self, chain: AccountReader, spec: PoolSpec, *, mint_authority: Address,
                    exclude: Collection[Address] = ()) -> PoolHandle | None:
        """A handle on a saved pool made from `spec` that validates now, is not in `exclude` and whose mints
        `mint_authority` can mint; None when there is none.

        Stale candidates are dropped on the way. Valid pools minted by someone else are kept and skipped; an
        unreachable chain ends the search (the record is kept).
        """
        async with self.lock:
            for record in self.matching(spec):
                if record.pool in exclude:
                    continue
                validation = await inspect(chain, record)
                self._settle(validation)
                self.save()
                if validation.verdict is Verdict.UNREACHABLE:
                    return None
                if validation.state is not None and validation.usable_by(mint_authority):
                    return record.to_handle(validation.state)
        return None

    def _settle(self, validation: Validation) -> PoolRecord:
        """Apply a validation in memory: a valid record is stamped, a stale one backed up and removed."""
        record = validation.record
        if validation.verdict is Verdict.VALID:
            record = replace(record, last_validated=self.now())
            self._records[record.pool] = record
        elif validation.verdict is Verdict.STALE:
            self._back_up(validation)
            del self._records[record.pool]
        return record

    def _back_up(self, validation: Validation) -> Path:
        moment = self.now()
        record = validation.record
        path = self.data_dir / DELETED_DIR / f"pool_{record.pool}_{moment:%Y-%m-%d_%H-%M-%S-%f}.json"
        atomic_write_json(path, {"schema_version": SCHEMA_VERSION, "dropped_at": _iso(moment),
                                 "reasons": list(validation.reasons), "record": record.to_dict()},
                          keep_backup=False)
        return path


# ---------------------------------------------------------------------------------------------------------
# The engine's entry point


async def create_and_record(session: Session, spec: PoolSpec, book: PoolBook | None) -> CreatedPool:
    """A new pool made from `spec` (never a saved one: asked for a pool, a user gets a new one), recorded in
    `book`, with its mint keys, when there is one."""
    created = await create_pool_signed(session, spec)
    if book is not None:
        book.add(PoolRecord.created(created.handle, spec, created.signature, book.now()), created.mint_keys)
    return created


async def recreate_pool(session: Session, record: PoolRecord, book: PoolBook) -> PoolHandle:
    """The recorded pool made again, at the same addresses, on a chain that is new (the in-process target of a
    service restarting): the same spec, mints from the kept keys, the same core wallet and program."""
    keys = book.mint_keys(record.pool)
    if keys is None:
        raise InvalidArgument(f"pool {record.pool} cannot be made again: its mint keys are not in "
                              f"{book.keys_dir}; it was made before they were kept")
    created = await create_pool_signed(session, record.spec, keys)
    if created.handle.address != record.pool:
        raise InvalidArgument(f"pool {record.pool} made again lands at {created.handle.address}: the program or "
                              "the core wallet differ from the ones that made it")
    book.add(replace(record, creation_signature=created.signature, created_at=book.now()))
    return created.handle


async def adopt_saved(session: Session, book: PoolBook) -> list[PoolRecord]:
    """Every saved pool that validates on the session's chain (one that outlives the service), managed by the
    session again; the stale ones dropped (backed up) and returned. An unreachable chain adopts nothing and
    drops nothing."""
    dropped = []
    async with book.lock:
        for record in book.records:
            validation = await inspect(session.chain, record)
            book._settle(validation)
            if validation.verdict is Verdict.UNREACHABLE:
                break
            if validation.verdict is Verdict.STALE:
                dropped.append(record)
            elif validation.state is not None:
                await session.track_pool(record.to_handle(validation.state))
        book.save()
    return dropped


async def get_or_create_pool(session: Session, spec: PoolSpec, book: PoolBook) -> PoolHandle:
    """A saved pool made from `spec` that still validates (and is not yet managed by `session`), else a new
    pool, recorded in `book` once InitializePool succeeded and its state read back as asked."""
    handle = await book.reuse(session.chain, spec, mint_authority=session.core.address, exclude=session.pools.keys())
    if handle is None:
        handle = (await create_and_record(session, spec, book)).handle
    else:
        await session.track_pool(handle)
    return handle
