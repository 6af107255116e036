"""The SQLite state of one data directory: ``<data_dir>/state.sqlite3``, owned by one process at a time.

Opening takes an exclusive `fcntl.flock` on ``<data_dir>/.lock`` (the kernel drops it when the process dies,
however it dies), checks the file (``PRAGMA quick_check``) before anything writes to it, refuses a schema newer
than this code, migrates an older one, and imports a ``pools.json`` left by the JSON pool book once. A damaged
database is reported and left exactly as it is, for a human to move aside or restore.

A `Store` is used from one thread (the asyncio loop's): its connection refuses calls from any other.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Final

from pytest_fixedratio.errors import FixedRatioError, InvalidArgument
from pytest_fixedratio.store import schema
from pytest_fixedratio.store.atomic import StateFileError, read_json
from pytest_fixedratio.store.rows import time_text
from pytest_fixedratio.store.tables import Tables, pool_rows

DATABASE_FILE: Final = "state.sqlite3"
LOCK_FILE: Final = ".lock"
POOLS_JSON: Final = "pools.json"
POOLS_JSON_VERSION: Final = 1
"""The ``schema_version`` of the pools.json files `engine.pool_book` wrote before the store held the pools."""
POOLS_IMPORTED_KEY: Final = "pools_json_imported"
ERRORS_KEPT: Final = 10
PRIVATE_FILE: Final = 0o600
"""The database holds wallet addresses, so it is its owner's only (SQLite gives its -wal and -shm files the
same mode)."""
PRIVATE_DIR: Final = 0o700
_PRAGMAS: Final = ("PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON")
"""WAL with synchronous=NORMAL: a commit is not fsynced, but a crash of the process never loses one and power
loss loses at most the last few, never the database's consistency."""


class StoreError(FixedRatioError):
    """A data directory's store cannot be opened; the message names the file and what to do."""


class StoreLocked(StoreError):
    """Another process (or another `Store` of this one) has the data directory open."""


class StoreCorrupt(StoreError):
    """The database file is not a readable SQLite database, or fails its integrity check."""


class StoreTooNew(StoreError):
    """The database was written by a newer pytest-fixedratio, with a schema this one does not know."""


class Store(Tables):
    """The state of one data directory; use it as ``with Store.open(data_dir) as store: ...``."""

    def __init__(self, db: sqlite3.Connection, data_dir: Path, lock_fd: int | None, errors_kept: int) -> None:
        """`lock_fd` None: a reader (`open(read_only=True)`), which holds no lock and writes nothing."""
        super().__init__(db, data_dir, errors_kept)
        self._lock_fd: int | None = lock_fd
        self._open = True
        self.notices: list[str] = []
        """What opening did that the user should hear of (an import of pools.json), for the CLI to print."""

    @property
    def path(self) -> Path:
        return self.data_dir / DATABASE_FILE

    @classmethod
    def open(cls, data_dir: Path, *, errors_kept: int = ERRORS_KEPT, read_only: bool = False) -> Store:
        """Open (creating it if need be) the store of `data_dir`, keeping the last `errors_kept` errors per
        worker. Raises `StoreLocked`, `StoreCorrupt`, `StoreTooNew`, or `StateFileError` for a pools.json to
        import that cannot be read. `read_only` opens an existing store to read it while its owner may be
        running (WAL lets a reader in beside the writer): no lock, no migration, no import."""
        if read_only:
            return cls(_connect_reader(data_dir / DATABASE_FILE), data_dir, None, errors_kept)
        if errors_kept < 0:
            raise InvalidArgument(f"errors_kept {errors_kept} is negative; pass how many errors to keep per worker")
        data_dir.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        lock_fd = _lock(data_dir)
        try:
            store = cls(_connect(data_dir / DATABASE_FILE), data_dir, lock_fd, errors_kept)
        except BaseException:
            _unlock(lock_fd)
            raise
        try:
            store._import_pools_json()
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        """Fold the write-ahead log into the database file and let another process open the directory."""
        if not self._open:
            return
        self._open = False
        if self._lock_fd is None:
            self._db.close()
            return
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()
        finally:
            _unlock(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def _import_pools_json(self) -> None:
        """Move the pool book's records into the store, once: the meta row that says so commits with them, and
        only then is the file renamed (a crash in between leaves it in place, and it is not read again)."""
        source = self.data_dir / POOLS_JSON
        if self.get_meta(POOLS_IMPORTED_KEY) is not None or not source.exists():
            return
        rows = _pool_book_rows(source)
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO pools (address, record, stored_at) VALUES (?, ?, ?)", rows)
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?)",
                       (POOLS_IMPORTED_KEY, f"{len(rows)} pools from {source} at {time_text(datetime.now(UTC))}"))
        imported = source.with_name(source.name + ".imported")
        source.rename(imported)
        self.notices.append(f"imported {len(rows)} saved pools from {source} into {self.path}; the file is now "
                            f"{imported}")


def _lock(data_dir: Path) -> int:
    path = data_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise StoreLocked(f"{data_dir} is in use by process {holder}; stop that process, or pass another "
                          f"--data-dir") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd


def _unlock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def _connect(path: Path) -> sqlite3.Connection:
    """A connection to the checked, migrated database at `path` (created empty, mode 0600, if missing)."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE))
    except OSError as exc:
        raise StoreError(f"cannot open {path}: {exc.strerror}; check that it is a file you may read and "
                         f"write") from None
    _check(path)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in _PRAGMAS:
            db.execute(pragma)
        schema.migrate(db)
    except BaseException:
        db.close()
        raise
    return db


def _connect_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection to the database at `path`, which must exist at this code's schema version."""
    if not path.is_file():
        raise StoreError(f"no store at {path}: nothing was kept in {path.parent} (pass the --data-dir a run or "
                         f"service used)")
    _check(path)
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    version = schema.user_version(db)
    if version != schema.SCHEMA_VERSION:
        db.close()
        raise StoreError(f"{path} has schema {version}, this pytest-fixedratio reads {schema.SCHEMA_VERSION}; "
                         f"open it once with frt-stress serve or run (which migrate it) before reading it")
    return db


def _check(path: Path) -> None:
    """Check the database on a read-only connection: closing a read-write one, SQLite would fold the log into
    a file it cannot read, or delete the log, which may hold the last commits."""
    check = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        problems = [problem for problem, in check.execute("PRAGMA quick_check")]
        version = schema.user_version(check)
    except sqlite3.OperationalError:  # "database is locked" and the like: nothing known about the file
        raise
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        problems, version = [str(exc)], 0
    finally:
        check.close()
    if problems != ["ok"]:
        raise StoreCorrupt(_corrupt(path, "; ".join(problems)))
    if version > schema.SCHEMA_VERSION:
        raise StoreTooNew(f"{path} was written by a newer pytest-fixedratio (schema {version}, this one knows "
                          f"{schema.SCHEMA_VERSION}); upgrade, or use another --data-dir")


def _corrupt(path: Path, problem: str) -> str:
    # The -wal file goes too: SQLite would replay it into an empty database created at the same path.
    moves = "; ".join(f"mv {p} {p}.broken" for p in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm")))
                      if p.exists())
    return (f"{path} is damaged ({problem}). Move it aside ({moves}) to start with an empty store, or restore it "
            f"from a backup")


def _pool_book_rows(path: Path) -> list[tuple[str, str, str]]:
    """The `pool_rows` of a pools.json (or of its .backup, when it is damaged)."""
    document = read_json(path)
    pools = document.get("pools") if isinstance(document, dict) else None
    version = document.get("schema_version") if isinstance(document, dict) else None
    fix = "fix it, or move it aside to start without saved pools"
    if version != POOLS_JSON_VERSION or not isinstance(pools, dict):
        raise StateFileError(f"{path} is not a pool book of schema {POOLS_JSON_VERSION} (an object with "
                             f"'schema_version' and 'pools' mapping each address to its record); {fix}")
    for key, record in pools.items():
        if not isinstance(record, dict) or record.get("pool") != key:
            raise StateFileError(f"{path}: pools[{key!r}] is not a record of pool {key}; {fix}")
    try:
        return pool_rows(pools.values())
    except InvalidArgument as exc:
        raise StateFileError(f"{path}: {exc}; {fix}") from None
