"""Opening a data directory's store: one owner process, private files, damaged and foreign databases refused
and left untouched, migrations all or nothing, and the one-time import of the JSON pool book."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import struct
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pytest_fixedratio.engine.pool_book import PoolRecord
from pytest_fixedratio.engine.pool_factory import PoolSpec
from pytest_fixedratio.frt.constants import PoolFlag
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.store import schema
from pytest_fixedratio.store.atomic import StateFileError, atomic_write_json, backup_path
from pytest_fixedratio.store.database import DATABASE_FILE, Store, StoreCorrupt, StoreLocked, StoreTooNew
from pytest_fixedratio.store.rows import WorkerRow

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

HOLD = """
import sys
from pathlib import Path
from pytest_fixedratio.store.database import Store
with Store.open(Path(sys.argv[1])):
    print("open", flush=True)
    sys.stdin.read()
"""
"""Holds the store of the directory argv[1] open until its stdin closes."""

TRY = """
import sys
from pathlib import Path
from pytest_fixedratio.store.database import Store, StoreLocked
try:
    Store.open(Path(sys.argv[1])).close()
except StoreLocked as exc:
    sys.exit(str(exc))
"""
"""Opens and closes the store of argv[1]; exits with StoreLocked's message when it is held."""


def record(n: int) -> PoolRecord:
    return PoolRecord(Address(bytes([n]) * 32), Address(b"p" * 32), Address(b"a" * 32), Address(b"b" * 32), 6, 9,
                      1, 1000 + n, PoolFlag.SIMPLE_RATIO, PoolSpec(6, 9, "1:1000", 0), f"sig{n}", T0)


def write_pool_book(data_dir: Path, records: list[PoolRecord]) -> None:
    """pools.json as the JSON pool book wrote it, before the store kept the pools (with its .backup)."""
    atomic_write_json(data_dir / "pools.json",
                      {"schema_version": 1, "pools": {str(r.pool): r.to_dict() for r in records}})


def python(script: str, data_dir: Path, *, stdin: int | None = None, stdout: int | None = None,
           stderr: int | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, str(data_dir)], text=True, stdin=stdin, stdout=stdout,
                            stderr=stderr)


def test_a_new_store_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with Store.open(data_dir) as store:
        store.save_worker(WorkerRow("dep_1", "deposit", "pool", "a", 10, True, True, "created", T0),
                          Wallet.from_seed(bytes(32)))
        wal = data_dir / (DATABASE_FILE + "-wal")
        assert wal.exists()
        files = [data_dir / DATABASE_FILE, wal, data_dir / ".lock", data_dir / "keys" / "dep_1.json"]
        assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == dict.fromkeys((f.name for f in files), 0o600)
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE((data_dir / "keys").stat().st_mode) == 0o700
        assert store.notices == []
    assert not wal.exists(), "close folds the log into the database"
    db = sqlite3.connect(data_dir / DATABASE_FILE)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert schema.user_version(db) == schema.SCHEMA_VERSION
    db.close()


def test_what_was_written_is_there_after_reopening(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.set_meta("core_wallet", "/keys/core.json")
    with Store.open(tmp_path) as store:
        assert store.get_meta("core_wallet") == "/keys/core.json"
        assert store.get_meta("absent") is None


def test_a_version_1_database_is_migrated_with_its_operations(tmp_path: Path) -> None:
    """A store written before pending rows kept their last valid height opens, rows intact; such a row (none
    was ever written: nothing logged pending then) would read as expired."""
    tmp_path.chmod(0o700)
    db = sqlite3.connect(tmp_path / DATABASE_FILE, isolation_level=None)
    schema.migrate(db, schema.MIGRATIONS[:1])
    db.execute("INSERT INTO sessions (id, started_at, status, settings) VALUES ('s1', '2025-01-01', 'open', '{}')")
    db.execute("INSERT INTO oplog (session_id, at, actor, kind, pool, amount, signature, state) "
               "VALUES ('s1', 1.0, 'dep_1', 'deposit', 'p', '5', 'sigA', 'pending')")
    db.close()
    (tmp_path / DATABASE_FILE).chmod(0o600)
    with Store.open(tmp_path) as store:
        assert [(p.session_id, p.signature, p.amount, p.last_valid_height) for p in store.pending_operations()] \
            == [("s1", "sigA", 5, 0)]
    db = sqlite3.connect(tmp_path / DATABASE_FILE)
    assert schema.user_version(db) == schema.SCHEMA_VERSION == 2
    db.close()


def test_a_second_store_of_the_same_directory_in_one_process_is_refused(tmp_path: Path) -> None:
    with Store.open(tmp_path), pytest.raises(StoreLocked, match=f"in use by process {os.getpid()}"):
        Store.open(tmp_path)
    Store.open(tmp_path).close()


def test_another_process_cannot_open_a_directory_this_one_holds(tmp_path: Path) -> None:
    with Store.open(tmp_path):
        child = python(TRY, tmp_path, stderr=subprocess.PIPE)
        _, stderr = child.communicate(timeout=30)
        assert child.returncode == 1
        assert stderr.strip() == (f"{tmp_path} is in use by process {os.getpid()}; stop that process, or pass "
                                  f"another --data-dir")
    child = python(TRY, tmp_path, stderr=subprocess.PIPE)
    _, stderr = child.communicate(timeout=30)
    assert (child.returncode, stderr) == (0, "")


def test_this_process_cannot_open_a_directory_another_one_holds(tmp_path: Path) -> None:
    holder = python(HOLD, tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        with pytest.raises(StoreLocked) as locked:
            Store.open(tmp_path)
        assert str(locked.value) == (f"{tmp_path} is in use by process {holder.pid}; stop that process, or pass "
                                     f"another --data-dir")
    finally:
        holder.communicate(timeout=30)
    assert holder.returncode == 0
    Store.open(tmp_path).close()


def damage_freelist_count(path: Path) -> None:
    """Make the header's free-page count (offset 36) disagree with the file: readable, but quick_check fails."""
    with path.open("r+b") as handle:
        handle.seek(36)
        handle.write(struct.pack(">I", 3))


def truncate_half(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 40)


def follow_the_advice(message: str) -> None:
    """Run the ``mv`` commands a StoreCorrupt message gives."""
    advice = re.search(r"Move it aside \((.*)\) to start with an empty store, or restore it from a backup$", message)
    assert advice is not None, message
    for command in advice[1].split("; "):
        mv, source, target = command.split(" ")
        assert mv == "mv"
        Path(source).rename(target)


@pytest.mark.parametrize("damage", [garbage, truncate_half, damage_freelist_count])
def test_a_damaged_database_is_refused_named_and_left_as_it_is(tmp_path: Path,
                                                               damage: Callable[[Path], None]) -> None:
    with Store.open(tmp_path) as store:
        store.save_pools([record(n).to_dict() for n in range(1, 200)])  # a database of many pages
    path = tmp_path / DATABASE_FILE
    damage(path)
    damaged = path.read_bytes()
    with pytest.raises(StoreCorrupt) as corrupt:
        Store.open(tmp_path)
    assert str(corrupt.value).startswith(f"{path} is damaged (")
    assert f"(mv {path} {path}.broken" in str(corrupt.value)
    assert path.read_bytes() == damaged
    follow_the_advice(str(corrupt.value))
    assert (tmp_path / f"{DATABASE_FILE}.broken").read_bytes() == damaged
    with Store.open(tmp_path) as store:  # the lock was let go, and the advice works
        assert store.load_pools() == []


def test_the_write_ahead_log_of_a_damaged_database_is_kept_and_moved_aside_too(tmp_path: Path) -> None:
    path = tmp_path / DATABASE_FILE
    garbage(path)
    Path(f"{path}-wal").write_bytes(b"frames")
    with pytest.raises(StoreCorrupt, match=f"mv {path} {path}.broken; mv {path}-wal {path}-wal.broken"):
        Store.open(tmp_path)
    assert Path(f"{path}-wal").read_bytes() == b"frames"


def test_a_database_of_a_newer_schema_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    path = tmp_path / DATABASE_FILE
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreTooNew) as too_new:
        Store.open(tmp_path)
    assert str(too_new.value) == (f"{path} was written by a newer pytest-fixedratio (schema "
                                  f"{schema.SCHEMA_VERSION + 1}, this one knows {schema.SCHEMA_VERSION}); upgrade, "
                                  f"or use another --data-dir")
    assert path.read_bytes() == before
    with pytest.raises(StoreTooNew):  # not StoreLocked: the failed open let its lock go
        Store.open(tmp_path)


def test_a_failing_migration_leaves_the_database_at_the_version_before_it(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    migrations = ("CREATE TABLE one (x);", "CREATE TABLE two (x); INSERT INTO one VALUES (1); SELECT nonsense(1);")
    with pytest.raises(sqlite3.OperationalError, match="nonsense"):
        schema.migrate(db, migrations)
    assert schema.user_version(db) == 1
    assert [name for name, in db.execute("SELECT name FROM sqlite_schema")] == ["one"]
    assert db.execute("SELECT count(*) FROM one").fetchone() == (0,)
    assert not db.in_transaction
    schema.migrate(db, migrations[:1])  # up to date: nothing to do
    assert schema.user_version(db) == 1
    db.close()


def test_the_pool_book_is_imported_once(tmp_path: Path) -> None:
    records = [record(1), record(2)]
    write_pool_book(tmp_path, records)
    with Store.open(tmp_path) as store:
        assert [PoolRecord.from_dict(r) for r in store.load_pools()] == records
        assert store.notices == [f"imported 2 saved pools from {tmp_path / 'pools.json'} into "
                                 f"{tmp_path / DATABASE_FILE}; the file is now {tmp_path / 'pools.json.imported'}"]
        store.save_pools([record(3).to_dict()])
    assert not (tmp_path / "pools.json").exists()
    imported = json.loads((tmp_path / "pools.json.imported").read_text())
    assert [PoolRecord.from_dict(r) for r in imported["pools"].values()] == records
    write_pool_book(tmp_path, [record(4)])  # written by an old harness after the import: not read again
    with Store.open(tmp_path) as store:
        assert store.load_pools() == [record(3).to_dict()]
        assert store.notices == []
    assert (tmp_path / "pools.json").exists()


def test_a_damaged_pool_book_is_imported_from_its_backup(tmp_path: Path) -> None:
    write_pool_book(tmp_path, [record(1)])
    write_pool_book(tmp_path, [record(1), record(2)])
    (tmp_path / "pools.json").write_text('{"schema_version": 1, "po')
    with Store.open(tmp_path) as store:
        assert store.load_pools() == [record(1).to_dict()]
    assert backup_path(tmp_path / "pools.json").exists()


@pytest.mark.parametrize(("content", "problem"), [
    ("not json", "unreadable state file: .*pools.json"),
    ('{"schema_version": 2, "pools": {}}', "pools.json is not a pool book of schema 1"),
    ('{"schema_version": 1, "pools": {"x": {"pool": "y"}}}', r"pools.json: pools\['x'\] is not a record of pool x"),
    ('{"schema_version": 1, "pools": {"0OIl": {"pool": "0OIl"}}}', "pools.json: a pool record is keyed by its "
                                                                  "base58 'pool' address: '0'"),
])
def test_a_pool_book_that_cannot_be_read_is_an_error_naming_it(tmp_path: Path, content: str, problem: str) -> None:
    (tmp_path / "pools.json").write_text(content)
    with pytest.raises(StateFileError, match=problem):
        Store.open(tmp_path)
    assert (tmp_path / "pools.json").read_text() == content
    (tmp_path / "pools.json").unlink()
    with Store.open(tmp_path) as store:  # the failed open let its lock go, and left no half-import behind
        assert store.load_pools() == []
        assert store.get_meta("pools_json_imported") is None
