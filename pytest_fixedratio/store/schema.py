"""The database's tables, as the list of migrations that build them.

The schema version is SQLite's ``PRAGMA user_version``: migration N (1-based) takes a database from version
N-1 to N, in one transaction together with the version bump, so a crash or a failing statement leaves the
database at the version before it, never half migrated. A change to the schema is a new migration appended
to `MIGRATIONS`; a released one is never edited, since databases written by it exist.

Amounts are u64, which SQLite's signed 64-bit INTEGER cannot hold, so they are stored as decimal TEXT.
JSON columns hold what the store does not interpret (pool records, statistics, reports). The statistics and
errors of a worker do not reference `workers`: they are kept for every actor that has them, including runs
that store no worker key files.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Final

_V1: Final = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE pools (
    address TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    stored_at TEXT NOT NULL
);

CREATE TABLE workers (
    worker_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    pool TEXT NOT NULL,
    side TEXT NOT NULL,
    initial_amount TEXT NOT NULL CHECK (typeof(initial_amount) = 'text'),
    auto_refill INTEGER NOT NULL CHECK (auto_refill IN (0, 1)),
    share INTEGER NOT NULL CHECK (share IN (0, 1)),
    key_path TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    deleted_at TEXT
);

CREATE TABLE worker_stats (
    worker_id TEXT PRIMARY KEY,
    stats TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE errors (
    id INTEGER PRIMARY KEY,
    worker_id TEXT NOT NULL,
    at REAL NOT NULL,
    name TEXT NOT NULL,
    operation TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX errors_by_worker ON errors (worker_id, id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'ended', 'interrupted')),
    settings TEXT NOT NULL,
    report TEXT,
    CHECK ((status = 'open') = (ended_at IS NULL))
);

CREATE TABLE worker_sessions (
    id INTEGER PRIMARY KEY,
    worker_id TEXT NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    report TEXT NOT NULL
);
CREATE INDEX worker_sessions_by_worker ON worker_sessions (worker_id, id);

CREATE TABLE oplog (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    number INTEGER,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    pool TEXT NOT NULL,
    amount TEXT NOT NULL CHECK (typeof(amount) = 'text'),
    ok INTEGER CHECK (ok IN (0, 1)),
    signature TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    expected_error INTEGER NOT NULL DEFAULT 0 CHECK (expected_error IN (0, 1)),
    findings TEXT NOT NULL DEFAULT '[]',
    boundary TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    CHECK ((state = 'done') = (number IS NOT NULL AND ok IS NOT NULL))
);
CREATE INDEX oplog_by_session ON oplog (session_id, number);
CREATE UNIQUE INDEX oplog_pending ON oplog (session_id, signature) WHERE state = 'pending';
"""

_V2: Final = """
ALTER TABLE oplog ADD COLUMN last_valid_height INTEGER;
"""
"""A pending transaction's last chance to land (its blockhash's last valid block height): past it, a restart
knows the transaction never landed without waiting any longer."""

MIGRATIONS: Final[tuple[str, ...]] = (_V1, _V2)
"""SQL scripts; the one at index i takes the schema from version i to i + 1."""

SCHEMA_VERSION: Final = len(MIGRATIONS)


def user_version(db: sqlite3.Connection) -> int:
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(db: sqlite3.Connection, migrations: Sequence[str] = MIGRATIONS) -> None:
    """Apply the migrations `db` has not had yet, each in its own transaction (`db` in autocommit mode)."""
    for version in range(user_version(db), len(migrations)):
        try:
            db.executescript(f"BEGIN IMMEDIATE;\n{migrations[version]}\nPRAGMA user_version = {version + 1};\n"
                             f"COMMIT;")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
