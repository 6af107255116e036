"""Reading and writing the rows of the store's tables (the layout is `store.schema`'s).

Every method that writes more than one row does it in one transaction, so a crash leaves either all of it or
none. `commit_step` is the one the engine calls after each step: its operations, statistics, errors, worker session
reports and worker statuses land together, so the stored statistics always count exactly the stored operations.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from pytest_fixedratio.errors import DecodeError, InvalidArgument
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.store.keyfile import load_wallet, save_wallet
from pytest_fixedratio.store.rows import (
    ErrorRow,
    JsonObject,
    OperationRecord,
    PendingOperation,
    SessionRow,
    SessionStatus,
    WorkerRow,
    json_text,
    time_text,
    u64_text,
)

KEYS_DIR: Final = "keys"
SESSIONS_NAMED: Final = 5
"""How many of the newest sessions an unknown-session error lists."""
_WORKER_ID: Final = re.compile(r"[A-Za-z0-9_-]+")
"""A worker id names its key file, so it may not hold a path separator or a leading dot."""
_DONE_COLUMNS: Final = ("number, at, actor, kind, pool, amount, ok, signature, error, expected_error, findings, "
                        "boundary")
_INSERT_DONE: Final = (f"INSERT INTO oplog (session_id, {_DONE_COLUMNS}, state) "
                       f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'done')")
_DONE_SET: Final = ("at = ?, actor = ?, kind = ?, pool = ?, amount = ?, ok = ?, signature = ?, error = ?, "
                    "expected_error = ?, findings = ?, boundary = ?, state = 'done'")
"""The columns a finished operation sets, but its number (`_done_values` without its first value)."""
_RESOLVE: Final = f"UPDATE oplog SET number = ?, {_DONE_SET} WHERE id = ? AND state = 'pending'"
_SETTLE: Final = (f"UPDATE oplog SET number = (SELECT COALESCE(MAX(o.number), 0) + 1 FROM oplog o "
                  f"WHERE o.session_id = oplog.session_id), {_DONE_SET} WHERE id = ? AND state = 'pending' "
                  f"AND signature = ?")
"""A pending row settled after a crash: the last operation of its session."""


class Tables:
    """The row operations of a `store.database.Store`, on its connection (one thread only)."""

    def __init__(self, db: sqlite3.Connection, data_dir: Path, errors_kept: int) -> None:
        self._db = db
        self.data_dir = data_dir
        self.errors_kept = errors_kept

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock at BEGIN, so a transaction never fails half way for want of it.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- meta -----------------------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- pools ----------------------------------------------------------------------------------------------

    def load_pools(self) -> list[JsonObject]:
        """The saved pool records, in the order they were saved."""
        return [json.loads(text) for text, in self._db.execute("SELECT record FROM pools ORDER BY rowid")]

    def save_pools(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Replace the saved pools with `records` (each keyed by its "pool" address)."""
        rows = pool_rows(records)
        with self._transaction() as db:
            db.execute("DELETE FROM pools")
            db.executemany("INSERT INTO pools (address, record, stored_at) VALUES (?, ?, ?)", rows)

    # -- workers --------------------------------------------------------------------------------------------

    def save_worker(self, row: WorkerRow, wallet: Wallet) -> Path:
        """Store a new worker and its wallet's key file (mode 0600, ``keys/<worker_id>.json``); returns the file.

        A worker id is stored once, deleted or not, and a key file is never overwritten: either may belong to
        a wallet that still holds funds.
        """
        if not _WORKER_ID.fullmatch(row.worker_id):
            raise InvalidArgument(f"worker id {row.worker_id!r} cannot name a key file; use letters, digits, "
                                  f"'_' and '-'")
        if self._db.execute("SELECT 1 FROM workers WHERE worker_id = ?", (row.worker_id,)).fetchone():
            raise InvalidArgument(f"worker {row.worker_id!r} is stored already; give the new worker another id")
        key_path = Path(KEYS_DIR, f"{row.worker_id}.json")
        values = (row.worker_id, row.kind, row.pool, row.side, u64_text(row.initial_amount, "initial amount"),
                  row.auto_refill, row.share, str(key_path), row.status, time_text(row.created_at),
                  None if row.deleted_at is None else time_text(row.deleted_at))
        path = self.data_dir / key_path
        if path.exists():
            raise InvalidArgument(f"{path} exists and may hold a funded wallet; move it aside, or give the new "
                                  f"worker another id")
        path.parent.mkdir(mode=0o700, exist_ok=True)
        save_wallet(wallet, path)
        self._db.execute("INSERT INTO workers (worker_id, kind, pool, side, initial_amount, auto_refill, share, "
                         "key_path, status, created_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
        return path

    def set_worker_status(self, worker_id: str, status: str) -> None:
        _set_statuses(self._db, {worker_id: status})

    def mark_worker_deleted(self, worker_id: str, deleted_at: datetime) -> None:
        """Deleted workers keep their row, statistics and key file (its wallet may still hold funds)."""
        cursor = self._db.execute("UPDATE workers SET deleted_at = ? WHERE worker_id = ? AND deleted_at IS NULL",
                                  (time_text(deleted_at), worker_id))
        if cursor.rowcount != 1:
            raise InvalidArgument(f"no live worker {worker_id!r} to delete; the live ones are "
                                  f"{[w.worker_id for w in self.load_workers()]}")

    def load_workers(self, include_deleted: bool = False) -> list[WorkerRow]:
        """The workers in the order they were stored."""
        query = ("SELECT worker_id, kind, pool, side, initial_amount, auto_refill, share, status, created_at, "
                 "deleted_at FROM workers")
        if not include_deleted:
            query += " WHERE deleted_at IS NULL"
        return [WorkerRow(worker_id, kind, pool, side, int(amount), bool(auto_refill), bool(share), status,
                          datetime.fromisoformat(created), None if deleted is None else datetime.fromisoformat(deleted))
                for worker_id, kind, pool, side, amount, auto_refill, share, status, created, deleted
                in self._db.execute(query + " ORDER BY rowid")]

    def load_worker_wallet(self, worker_id: str) -> Wallet:
        row = self._db.execute("SELECT key_path FROM workers WHERE worker_id = ?", (worker_id,)).fetchone()
        if row is None:
            raise InvalidArgument(f"no worker {worker_id!r} is stored")
        return load_wallet(self.data_dir / row[0])

    # -- statistics and errors ------------------------------------------------------------------------------

    def load_stats(self) -> dict[str, JsonObject]:
        """The latest statistics of each actor, by actor."""
        rows = self._db.execute("SELECT worker_id, stats FROM worker_stats ORDER BY rowid")
        return {actor: json.loads(text) for actor, text in rows}

    def load_errors(self, worker_id: str) -> list[ErrorRow]:
        """The worker's last `errors_kept` errors, oldest first."""
        return [ErrorRow(worker_id, *row) for row in self._db.execute(
            "SELECT at, name, operation, detail FROM errors WHERE worker_id = ? ORDER BY id", (worker_id,))]

    # -- the operation log ----------------------------------------------------------------------------------

    def log_pending(self, session_id: str, signature: str, actor: str, kind: str, pool: str, amount: int,
                    at: float, last_valid_height: int, *, replaces: int | None = None) -> int:
        """Log a transaction about to be sent; returns its row id. With `replaces` (a row id this returned),
        the pending row of the same operation takes the new signature: the sender signed it anew because the
        old one can no longer land.

        A later `commit_step` or `append_operations` record with the same signature resolves the row; after a
        crash, `settle_pending` does.
        """
        if not signature:
            raise InvalidArgument("a pending operation needs the signature of its signed transaction")
        with self._transaction() as db:
            _require_open_session(db, session_id)
            try:
                if replaces is None:
                    cursor = db.execute(
                        "INSERT INTO oplog (session_id, signature, at, actor, kind, pool, amount, last_valid_height, "
                        "state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
                        (session_id, signature, at, actor, kind, pool, u64_text(amount, "amount"), last_valid_height))
                else:
                    cursor = db.execute("UPDATE oplog SET signature = ?, last_valid_height = ? "
                                        "WHERE id = ? AND session_id = ? AND state = 'pending'",
                                        (signature, last_valid_height, replaces, session_id))
                    if cursor.rowcount != 1:
                        raise InvalidArgument(f"row {replaces} is not pending in {session_id}: pass the id "
                                              f"log_pending returned for the operation")
            except sqlite3.IntegrityError:
                raise InvalidArgument(f"{signature} is pending in {session_id} already; resolve that row") from None
        return cursor.lastrowid if replaces is None else replaces  # type: ignore[return-value]

    def settle_pending(self, row_id: int, record: OperationRecord | None,
                       stats: Mapping[str, Any] | None = None) -> None:
        """After a crash, what became of the pending row `row_id`: `record` None, it never landed (the row
        goes); else it is logged done as the last operation of its session (its number the next free one),
        and the actor's `stats`, counting it, are stored in the same transaction."""
        with self._transaction() as db:
            if record is None:
                cursor = db.execute("DELETE FROM oplog WHERE id = ? AND state = 'pending'", (row_id,))
            else:
                cursor = db.execute(_SETTLE, (*_done_values(record)[1:], row_id, record.signature))
            if cursor.rowcount != 1:
                raise InvalidArgument(f"row {row_id} is not a pending operation"
                                      f"{'' if record is None else ' with signature ' + record.signature}; "
                                      f"pass one of pending_operations()")
            if record is not None and stats is not None:
                db.execute("INSERT OR REPLACE INTO worker_stats (worker_id, stats, updated_at) VALUES (?, ?, ?)",
                           (record.actor, json_text(stats), time_text(datetime.now(UTC))))

    def append_operations(self, session_id: str, records: Iterable[OperationRecord]) -> None:
        """Log a batch of finished operations in one transaction (resolving pending rows of the same signature)."""
        with self._transaction() as db:
            _require_open_session(db, session_id)
            _write_operations(db, session_id, records)

    def load_operations(self, session_id: str) -> list[OperationRecord]:
        """The finished operations of a session, in their order of execution."""
        return [OperationRecord(number, at, actor, kind, pool, int(amount), bool(ok), signature, error,
                             bool(expected), tuple(json.loads(findings)), boundary)
                for number, at, actor, kind, pool, amount, ok, signature, error, expected, findings, boundary
                in self._db.execute(f"SELECT {_DONE_COLUMNS} FROM oplog WHERE session_id = ? AND state = 'done' "
                                    f"ORDER BY number, id", (session_id,))]

    def count_operations(self, session_id: str) -> int:
        """How many finished operations the session logged."""
        count: int = self._db.execute("SELECT count(*) FROM oplog WHERE session_id = ? AND state = 'done'",
                                      (session_id,)).fetchone()[0]
        return count

    def pending_operations(self) -> list[PendingOperation]:
        """Every operation logged as sent and never resolved, oldest first."""
        return [PendingOperation(row_id, session_id, signature, at, actor, kind, pool, int(amount), last_valid)
                for row_id, session_id, signature, at, actor, kind, pool, amount, last_valid in self._db.execute(
                    "SELECT id, session_id, signature, at, actor, kind, pool, amount, "
                    "COALESCE(last_valid_height, 0) FROM oplog WHERE state = 'pending' ORDER BY id")]

    def commit_step(self, session_id: str, operations: Sequence[OperationRecord],
                    stats: Mapping[str, Mapping[str, Any]], errors: Sequence[ErrorRow],
                    workers_status: Mapping[str, str], *, worker_sessions: Sequence[Mapping[str, Any]] = ()) -> None:
        """Write one step in one transaction: its operations (resolving pending rows of the same signature),
        the actors' statistics (replacing theirs), their errors (keeping the last `errors_kept` per worker),
        the reports of the worker sessions that ended in it, and the workers' new statuses (workers that must
        be stored and alive)."""
        with self._transaction() as db:
            _require_open_session(db, session_id)
            _write_operations(db, session_id, operations)
            now = time_text(datetime.now(UTC))
            db.executemany("INSERT OR REPLACE INTO worker_stats (worker_id, stats, updated_at) VALUES (?, ?, ?)",
                           [(actor, json_text(values), now) for actor, values in stats.items()])
            _add_errors(db, errors, self.errors_kept)
            db.executemany("INSERT INTO worker_sessions (worker_id, session_id, report) VALUES (?, ?, ?)",
                           [(_thread_id(report), session_id, json_text(report)) for report in worker_sessions])
            _set_statuses(db, workers_status)

    def load_worker_sessions(self, worker_id: str, limit: int | None = None) -> list[JsonObject]:
        """The reports of the worker's finished sessions (service-features.md 6.3), newest first."""
        return [json.loads(text) for text, in self._db.execute(
            "SELECT report FROM worker_sessions WHERE worker_id = ? ORDER BY id DESC LIMIT ?",
            (worker_id, -1 if limit is None else limit))]

    # -- sessions -------------------------------------------------------------------------------------------

    def open_session(self, started_at: datetime, settings: Mapping[str, Any]) -> str:
        """Open a session; returns its id, ``session_<UTC start>_<4 hex digits>``."""
        with self._transaction() as db:
            while True:
                session_id = f"session_{started_at.astimezone(UTC):%Y%m%dT%H%M%SZ}_{secrets.token_hex(2)}"
                if db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
                    break
            db.execute("INSERT INTO sessions (id, started_at, status, settings) VALUES (?, ?, 'open', ?)",
                       (session_id, time_text(started_at), json_text(settings)))
        return session_id

    def end_session(self, session_id: str, ended_at: datetime, status: SessionStatus,
                    report: Mapping[str, Any]) -> None:
        """Close an open session with its report (service-features.md 6.3); a report, once written, stays."""
        if status is SessionStatus.OPEN:
            raise InvalidArgument(f"a session ends as {SessionStatus.ENDED} or {SessionStatus.INTERRUPTED}, "
                                  f"not {status}")
        with self._transaction() as db:
            _require_open_session(db, session_id)
            db.execute("UPDATE sessions SET ended_at = ?, status = ?, report = ? WHERE id = ?",
                       (time_text(ended_at), status.value, json_text(report), session_id))

    def list_sessions(self, limit: int | None = None) -> list[SessionRow]:
        """The sessions, newest first (all of them when `limit` is None)."""
        return _session_rows(self._db.execute(
            "SELECT id, started_at, ended_at, status, settings, report FROM sessions "
            "ORDER BY started_at DESC, rowid DESC LIMIT ?", (-1 if limit is None else limit,)))

    def open_sessions(self) -> list[SessionRow]:
        """Sessions still open, oldest first: at start-up, those a killed process left behind."""
        return _session_rows(self._db.execute(
            "SELECT id, started_at, ended_at, status, settings, report FROM sessions WHERE status = 'open' "
            "ORDER BY started_at, rowid"))

    def get_session(self, session_id: str) -> JsonObject:
        """The report of an ended session."""
        row = self._db.execute("SELECT report FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise InvalidArgument(_unknown_session(self._db, session_id))
        if row[0] is None:
            raise InvalidArgument(f"session {session_id} is still open: its report is written when it ends")
        report: JsonObject = json.loads(row[0])
        return report


def pool_rows(records: Iterable[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(address, JSON record, stored_at) rows of pool records, each keyed by a distinct "pool" address."""
    now = time_text(datetime.now(UTC))
    rows: dict[str, tuple[str, str, str]] = {}
    for record in records:
        address = record.get("pool")
        try:
            if not isinstance(address, str):
                raise DecodeError(f"found {address!r}")
            Address.from_base58(address)
        except DecodeError as exc:
            raise InvalidArgument(f"a pool record is keyed by its base58 'pool' address: {exc}") from None
        if address in rows:
            raise InvalidArgument(f"pool {address} has two records; pass one per pool")
        rows[address] = (address, json_text(record), now)
    return list(rows.values())


def _done_values(record: OperationRecord) -> tuple[object, ...]:
    return (record.number, record.at, record.actor, record.kind, record.pool, u64_text(record.amount, "amount"),
            record.ok, record.signature, record.error, record.expected_error, json_text(list(record.findings)),
            record.boundary)


def _write_operations(db: sqlite3.Connection, session_id: str, records: Iterable[OperationRecord]) -> None:
    """Insert finished operations; one whose signature is pending in the session resolves that row instead."""
    pending = dict(db.execute("SELECT signature, id FROM oplog WHERE session_id = ? AND state = 'pending'",
                              (session_id,)))
    inserts, resolutions = [], []
    for record in records:
        row_id = pending.pop(record.signature, None)
        if row_id is None:
            inserts.append((session_id, *_done_values(record)))
        else:
            resolutions.append((*_done_values(record), row_id))
    db.executemany(_RESOLVE, resolutions)
    db.executemany(_INSERT_DONE, inserts)


def _thread_id(report: Mapping[str, Any]) -> str:
    worker_id = report.get("thread_id")
    if not isinstance(worker_id, str):
        raise InvalidArgument(f"a worker session report names its worker in 'thread_id'; this one has {worker_id!r}")
    return worker_id


def _add_errors(db: sqlite3.Connection, errors: Sequence[ErrorRow], kept: int) -> None:
    db.executemany("INSERT INTO errors (worker_id, at, name, operation, detail) VALUES (?, ?, ?, ?, ?)",
                   [(e.worker_id, e.at, e.name, e.operation, e.detail) for e in errors])
    # Everything from the (kept + 1)-th newest error of the worker down; nothing when it has no more than kept.
    db.executemany("DELETE FROM errors WHERE worker_id = ? AND id <= (SELECT id FROM errors WHERE worker_id = ? "
                   "ORDER BY id DESC LIMIT 1 OFFSET ?)",
                   [(worker, worker, kept) for worker in dict.fromkeys(e.worker_id for e in errors)])


def _set_statuses(db: sqlite3.Connection, statuses: Mapping[str, str]) -> None:
    cursor = db.executemany("UPDATE workers SET status = ? WHERE worker_id = ? AND deleted_at IS NULL",
                            [(status, worker_id) for worker_id, status in statuses.items()])
    if cursor.rowcount != len(statuses):
        alive = {worker_id for worker_id, in db.execute("SELECT worker_id FROM workers WHERE deleted_at IS NULL")}
        raise InvalidArgument(f"no live workers {sorted(set(statuses) - alive)} to set the status of; the live "
                              f"ones are {sorted(alive)}")


def _require_open_session(db: sqlite3.Connection, session_id: str) -> None:
    row = db.execute("SELECT status FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None:
        raise InvalidArgument(_unknown_session(db, session_id))
    if row[0] != SessionStatus.OPEN:
        raise InvalidArgument(f"session {session_id} is closed ({row[0]}); open a new session for new operations")


def _unknown_session(db: sqlite3.Connection, session_id: str) -> str:
    newest = [sid for sid, in db.execute("SELECT id FROM sessions ORDER BY started_at DESC, rowid DESC LIMIT ?",
                                         (SESSIONS_NAMED,))]
    return f"no session {session_id!r} in the store; the newest are {newest}"


def _session_rows(rows: Iterable[tuple[str, str, str | None, str, str, str | None]]) -> list[SessionRow]:
    return [SessionRow(session_id, datetime.fromisoformat(started),
                       None if ended is None else datetime.fromisoformat(ended), SessionStatus(status),
                       json.loads(settings), {} if report is None else _summary(json.loads(report)))
            for session_id, started, ended, status, settings, report in rows]


def _summary(report: JsonObject) -> JsonObject:
    totals = report.get("verification_totals")
    found = {"session_info": report.get("session_info"),
             "operation_counts": totals.get("operation_counts") if isinstance(totals, dict) else None}
    return {key: value for key, value in found.items() if value is not None}
