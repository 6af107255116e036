"""The store's rows: what is written is read back as it was (u64 amounts included), a step lands whole or not
at all, errors are capped per worker, pending operations resolve once, and sessions list newest first."""

from __future__ import annotations

import dataclasses
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.sol.address import b58encode
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.store.database import Store
from pytest_fixedratio.store.rows import U64_MAX, ErrorRow, OperationRecord, SessionStatus, WorkerRow

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

texts = st.text(max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=10,
)
json_objects = st.dictionaries(texts, json_values, max_size=4)
addresses = st.binary(min_size=32, max_size=32).map(b58encode)
operations = st.builds(
    OperationRecord, number=st.integers(0, 2**62), at=st.floats(0, 1e9), actor=texts, kind=texts, pool=texts,
    amount=st.integers(0, U64_MAX), ok=st.booleans(), signature=texts, error=texts, expected_error=st.booleans(),
    findings=st.lists(texts, max_size=3).map(tuple), boundary=texts,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path) as store:
        yield store


def fresh_store(factory: pytest.TempPathFactory) -> Store:
    return Store.open(factory.mktemp("data"))


def op(number: int, actor: str = "dep_1", signature: str = "", amount: int = 5) -> OperationRecord:
    return OperationRecord(number, float(number), actor, "deposit", "pool1", amount, True, signature or f"sig{number}")


def worker(worker_id: str, initial_amount: int = 1000) -> WorkerRow:
    return WorkerRow(worker_id, "deposit", "pool1", "a", initial_amount, True, False, "created", T0)


def snapshot(store: Store, session_id: str) -> tuple[Any, ...]:
    return (store.load_operations(session_id), store.pending_operations(), store.load_stats(),
            store.load_errors("dep_1"), store.load_workers(include_deleted=True), store.load_worker_sessions("dep_1"))


# -- pools and meta --------------------------------------------------------------------------------------------


@given(pools=st.lists(st.tuples(addresses, json_objects), max_size=5, unique_by=lambda p: p[0]),
       again=st.lists(st.tuples(addresses, json_objects), max_size=5, unique_by=lambda p: p[0]))
def test_saving_pools_replaces_the_set(tmp_path_factory: pytest.TempPathFactory,
                                       pools: list[tuple[str, dict[str, Any]]],
                                       again: list[tuple[str, dict[str, Any]]]) -> None:
    with fresh_store(tmp_path_factory) as store:
        for batch in (pools, again):
            records = [{**fields, "pool": address} for address, fields in batch]
            store.save_pools(records)
            assert store.load_pools() == records


@pytest.mark.parametrize(("records", "problem"), [
    ([{"pool": "11111111111111111111111111111111"}, {"pool": "11111111111111111111111111111111"}],
     "pool 11111111111111111111111111111111 has two records"),
    ([{"address": "11111111111111111111111111111111"}], "keyed by its base58 'pool' address: found None"),
    ([{"pool": "1111"}], "keyed by its base58 'pool' address: '1111' decodes to 4 bytes"),
])
def test_pools_that_cannot_be_keyed_are_refused_and_the_saved_ones_kept(store: Store, records: list[dict[str, Any]],
                                                                        problem: str) -> None:
    kept = [{"pool": "11111111111111111111111111111112", "ratio_a": 1}]
    store.save_pools(kept)
    with pytest.raises(InvalidArgument, match=problem):
        store.save_pools(records)
    assert store.load_pools() == kept


def test_meta_values_are_replaced(store: Store) -> None:
    store.set_meta("core_wallet", "/a.json")
    store.set_meta("core_wallet", "/b.json")
    assert store.get_meta("core_wallet") == "/b.json"


# -- workers ---------------------------------------------------------------------------------------------------


@given(initial_amount=st.integers(0, U64_MAX), auto_refill=st.booleans(), share=st.booleans())
@example(initial_amount=U64_MAX, auto_refill=True, share=True)
def test_a_worker_round_trips_with_its_wallet(tmp_path_factory: pytest.TempPathFactory, initial_amount: int,
                                             auto_refill: bool, share: bool) -> None:
    row = WorkerRow("sw_1", "swap", "pool1", "b", initial_amount, auto_refill, share, "created",
                    T0 + timedelta(microseconds=1))
    wallet = Wallet.from_seed(bytes(range(32)))
    with fresh_store(tmp_path_factory) as store:
        path = store.save_worker(row, wallet)
        assert path == store.data_dir / "keys" / "sw_1.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert store.load_workers() == [row]
        assert store.load_worker_wallet("sw_1") == wallet


def test_worker_statuses_and_deletion(store: Store) -> None:
    for worker_id in ("dep_1", "wd_1", "sw_1"):
        store.save_worker(worker(worker_id), Wallet.generate())
    store.set_worker_status("wd_1", "running")
    store.mark_worker_deleted("dep_1", T0 + timedelta(hours=1))
    assert [(w.worker_id, w.status) for w in store.load_workers()] == [("wd_1", "running"), ("sw_1", "created")]
    assert store.load_workers(include_deleted=True)[0] == dataclasses.replace(
        worker("dep_1"), deleted_at=T0 + timedelta(hours=1))
    assert (store.data_dir / "keys" / "dep_1.json").exists(), "a deleted worker's wallet may still hold funds"
    with pytest.raises(InvalidArgument, match=r"no live workers \['dep_1'\] .* live ones are \['sw_1', 'wd_1'\]"):
        store.set_worker_status("dep_1", "running")
    with pytest.raises(InvalidArgument,
                       match=r"no live worker 'dep_1' to delete; the live ones are \['wd_1', 'sw_1'\]"):
        store.mark_worker_deleted("dep_1", T0)


def test_a_stored_worker_id_or_key_file_is_never_reused(store: Store) -> None:
    first = Wallet.from_seed(b"1" * 32)
    store.save_worker(worker("dep_1"), first)
    store.mark_worker_deleted("dep_1", T0)
    with pytest.raises(InvalidArgument, match="worker 'dep_1' is stored already"):
        store.save_worker(worker("dep_1"), Wallet.generate())
    (store.data_dir / "keys" / "dep_2.json").write_text("[]")
    with pytest.raises(InvalidArgument, match=r"dep_2\.json exists and may hold a funded wallet"):
        store.save_worker(worker("dep_2"), Wallet.generate())
    assert store.load_worker_wallet("dep_1") == first
    assert (store.data_dir / "keys" / "dep_2.json").read_text() == "[]"
    assert [w.worker_id for w in store.load_workers(include_deleted=True)] == ["dep_1"]


@pytest.mark.parametrize("worker_id", ["../escape", ".hidden", "a/b", ""])
def test_a_worker_id_that_is_no_file_name_is_refused(store: Store, worker_id: str) -> None:
    with pytest.raises(InvalidArgument, match="cannot name a key file"):
        store.save_worker(worker(worker_id), Wallet.generate())
    assert store.load_workers() == []


@pytest.mark.parametrize("amount", [-1, U64_MAX + 1])
def test_an_amount_beyond_u64_is_refused(store: Store, amount: int) -> None:
    with pytest.raises(InvalidArgument, match=f"initial amount {amount} is not a u64"):
        store.save_worker(worker("dep_1", initial_amount=amount), Wallet.generate())
    assert not (store.data_dir / "keys" / "dep_1.json").exists()
    session = store.open_session(T0, {})
    with pytest.raises(InvalidArgument, match=f"amount {amount} is not a u64"):
        store.append_operations(session, [op(1), op(2, amount=amount)])
    assert store.load_operations(session) == []


# -- operations ------------------------------------------------------------------------------------------------


@given(batches=st.lists(st.lists(operations, max_size=5), max_size=3))
def test_operations_round_trip_in_execution_order(tmp_path_factory: pytest.TempPathFactory,
                                                  batches: list[list[OperationRecord]]) -> None:
    with fresh_store(tmp_path_factory) as store:
        session = store.open_session(T0, {})
        for batch in batches:
            store.append_operations(session, batch)
        stored = [row for batch in batches for row in batch]
        assert store.load_operations(session) == sorted(stored, key=lambda row: row.number)


def test_the_engines_operation_records_are_stored(store: Store) -> None:
    record = OperationRecord(7, 1.5, "sw_1", "swap", "pool1", U64_MAX, False, "sig", "InsufficientFunds", True,
                             ("finding",), "limit")
    session = store.open_session(T0, {})
    store.append_operations(session, [record])
    assert store.load_operations(session) == [OperationRecord(**record.to_dict())]


def test_a_pending_operation_moves_to_its_new_signature_and_settles_once(store: Store) -> None:
    session = store.open_session(T0, {})
    row_id = store.log_pending(session, "sigA", "dep_1", "deposit", "pool1", U64_MAX, 1.0, 300)
    assert [(p.row_id, p.signature, p.amount, p.last_valid_height) for p in store.pending_operations()] == \
        [(row_id, "sigA", U64_MAX, 300)]
    assert store.load_operations(session) == [] and store.count_operations(session) == 0
    with pytest.raises(InvalidArgument, match=r"sigA is pending in session_\w+ already"):
        store.log_pending(session, "sigA", "dep_1", "deposit", "pool1", 1, 1.0, 300)
    assert store.log_pending(session, "sigB", "dep_1", "deposit", "pool1", U64_MAX, 1.0, 450, replaces=row_id) == row_id
    with pytest.raises(InvalidArgument, match=f"row {row_id + 1} is not pending in {session}"):
        store.log_pending(session, "sigC", "dep_1", "deposit", "pool1", 1, 1.0, 450, replaces=row_id + 1)
    assert [(p.signature, p.last_valid_height) for p in store.pending_operations()] == [("sigB", 450)]
    store.commit_step(session, [op(1), op(2)], {}, [], {})
    with pytest.raises(InvalidArgument, match=f"row {row_id} is not a pending operation with signature sigA"):
        store.settle_pending(row_id, op(0, signature="sigA"))
    store.settle_pending(row_id, op(0, signature="sigB"), {"counters": {"attempts": 3}})
    # settled as the session's last operation, with the actor's statistics in the same transaction
    assert store.load_operations(session) == [op(1), op(2), dataclasses.replace(op(0, signature="sigB"), number=3)]
    assert store.pending_operations() == [] and store.load_stats() == {"dep_1": {"counters": {"attempts": 3}}}
    with pytest.raises(InvalidArgument, match=f"row {row_id} is not a pending operation"):
        store.settle_pending(row_id, None)


def test_a_pending_operation_that_never_landed_goes(store: Store) -> None:
    session = store.open_session(T0, {})
    row_id = store.log_pending(session, "sigA", "dep_1", "deposit", "pool1", 7, 1.0, 300)
    store.end_session(session, T0, SessionStatus.INTERRUPTED, {})  # settled after its session was closed
    store.settle_pending(row_id, None)
    assert store.pending_operations() == [] and store.load_operations(session) == [] and store.load_stats() == {}


def test_a_step_resolves_the_pending_rows_of_its_operations(store: Store) -> None:
    session = store.open_session(T0, {})
    other = store.open_session(T0, {})
    store.log_pending(session, "sig1", "dep_1", "deposit", "pool1", 5, 0.5, 10)
    store.log_pending(other, "sig2", "dep_1", "deposit", "pool1", 5, 0.5, 10)
    store.commit_step(session, [op(1), op(2)], {"dep_1": {"ops": 2}}, [], {})
    assert store.load_operations(session) == [op(1), op(2)]
    assert [(p.session_id, p.signature) for p in store.pending_operations()] == [(other, "sig2")]


def test_a_pending_operation_needs_a_signature_and_an_open_session(store: Store) -> None:
    session = store.open_session(T0, {})
    with pytest.raises(InvalidArgument, match="needs the signature"):
        store.log_pending(session, "", "dep_1", "deposit", "pool1", 1, 0.0, 10)
    store.end_session(session, T0, SessionStatus.ENDED, {})
    with pytest.raises(InvalidArgument, match=f"session {session} is closed \\(ended\\)"):
        store.log_pending(session, "sig", "dep_1", "deposit", "pool1", 1, 0.0, 10)
    assert store.pending_operations() == []


# -- steps -----------------------------------------------------------------------------------------------------


def test_a_step_writes_operations_stats_errors_reports_and_statuses(store: Store) -> None:
    store.save_worker(worker("dep_1"), Wallet.generate())
    session = store.open_session(T0, {})
    error = ErrorRow("dep_1", 2.0, "SlippageExceeded", "deposit", "expected 5")
    first, second = ({"thread_id": "dep_1", "session_info": {"stop_reason": reason}} for reason in ("stopped", "end"))
    store.commit_step(session, [op(1), op(2)], {"dep_1": {"ops": 2, "fees": [1, 2]}}, [error], {"dep_1": "running"},
                      worker_sessions=[first])
    store.commit_step(session, [op(3)], {"dep_1": {"ops": 3}, "sw_1": {"ops": 0}}, [], {},
                      worker_sessions=[second, {"thread_id": "sw_1"}])
    assert store.load_operations(session) == [op(1), op(2), op(3)]
    assert store.count_operations(session) == 3
    assert store.load_stats() == {"dep_1": {"ops": 3}, "sw_1": {"ops": 0}}
    assert store.load_errors("dep_1") == [error]
    assert store.load_workers()[0].status == "running"
    assert store.load_worker_sessions("dep_1") == [second, first]
    assert store.load_worker_sessions("dep_1", limit=1) == [second]
    assert store.load_worker_sessions("sw_1") == [{"thread_id": "sw_1"}]


def test_a_step_of_1500_operations_is_one_transaction(store: Store) -> None:
    session = store.open_session(T0, {})
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    store.commit_step(session, [op(n) for n in range(1500)], {"dep_1": {"ops": 1500}}, [], {})
    store._db.set_trace_callback(None)
    assert [s for s in statements if s.split()[0] in ("BEGIN", "COMMIT", "ROLLBACK")] == ["BEGIN IMMEDIATE", "COMMIT"]
    assert len(store.load_operations(session)) == 1500


class Unserialisable:
    pass


@pytest.mark.parametrize(("stats", "reports", "statuses", "problem"), [
    ({"dep_1": {"ops": 3}}, [{"thread_id": "dep_1"}], {"dep_1": "running", "ghost": "running"},
     r"no live workers \['ghost'\]"),
    ({"dep_1": {"ops": 3}}, [{"thread_id": "dep_1"}, {"session_info": {}}], {}, "'thread_id'; this one has None"),
    ({"dep_1": {"ops": 3}, "wd_1": {"when": Unserialisable()}}, [], {}, "not JSON serializable"),
])
def test_a_step_that_fails_midway_leaves_nothing_behind(store: Store, stats: dict[str, Any],
                                                        reports: list[dict[str, Any]], statuses: dict[str, str],
                                                        problem: str) -> None:
    store.save_worker(worker("dep_1"), Wallet.generate())
    session = store.open_session(T0, {})
    store.log_pending(session, "sig3", "dep_1", "deposit", "pool1", 5, 2.5, 10)
    store.commit_step(session, [op(1)], {"dep_1": {"ops": 1}}, [ErrorRow("dep_1", 1.0, "E1", "deposit", "")], {})
    before = snapshot(store, session)
    # The operations (one resolving a pending row) are written before any of the failures, the stats, errors
    # and the first report before the last two.
    with pytest.raises((InvalidArgument, TypeError), match=problem):
        store.commit_step(session, [op(2), op(3, signature="sig3")], stats,
                          [ErrorRow("dep_1", 3.0, "E2", "deposit", "")], statuses, worker_sessions=reports)
    assert snapshot(store, session) == before
    assert not store._db.in_transaction


@given(kept=st.integers(0, 4), steps=st.lists(st.lists(st.sampled_from(["dep_1", "wd_1"]), max_size=6), max_size=4))
def test_each_worker_keeps_its_last_errors(tmp_path_factory: pytest.TempPathFactory, kept: int,
                                          steps: list[list[str]]) -> None:
    model: dict[str, list[ErrorRow]] = {"dep_1": [], "wd_1": []}
    with Store.open(tmp_path_factory.mktemp("data"), errors_kept=kept) as store:
        session = store.open_session(T0, {})
        for number, step in enumerate(steps):
            errors = [ErrorRow(worker_id, float(number), f"E{number}.{i}", "deposit", "") for i, worker_id
                      in enumerate(step)]
            store.commit_step(session, [], {}, errors, {})
            for error in errors:
                model[error.worker_id].append(error)
        for worker_id, errors in model.items():
            assert store.load_errors(worker_id) == (errors[-kept:] if kept else [])


def test_errors_kept_cannot_be_negative(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="errors_kept -1 is negative"):
        Store.open(tmp_path, errors_kept=-1)


# -- sessions --------------------------------------------------------------------------------------------------

REPORT = {
    "session_info": {"start_time": "t0", "end_time": "t1", "duration_seconds": 60, "stop_reason": "manual_stop"},
    "verification_totals": {"operation_counts": {"successful_deposits": 3, "total_attempts": 4},
                            "token_flows": {"tokens_deposited": "18446744073709551615"}},
    "pool_verification_data": {"expected_pool_token_increase": 12},
}


def test_a_session_is_opened_ended_and_read_back(store: Store) -> None:
    session = store.open_session(T0, {"seed": 7, "duration_s": 60})
    assert session.startswith("session_20250301T120000Z_")
    assert [s.session_id for s in store.open_sessions()] == [session]
    with pytest.raises(InvalidArgument, match=f"session {session} is still open"):
        store.get_session(session)
    store.end_session(session, T0 + timedelta(minutes=1), SessionStatus.ENDED, REPORT)
    assert store.open_sessions() == []
    assert store.get_session(session) == REPORT
    [row] = store.list_sessions()
    assert row.started_at == T0
    assert row.ended_at == T0 + timedelta(minutes=1)
    assert row.status is SessionStatus.ENDED
    assert row.settings == {"seed": 7, "duration_s": 60}
    assert row.summary == {"session_info": REPORT["session_info"],
                           "operation_counts": {"successful_deposits": 3, "total_attempts": 4}}
    with pytest.raises(InvalidArgument, match=f"session {session} is closed \\(ended\\)"):
        store.end_session(session, T0, SessionStatus.INTERRUPTED, {})
    assert store.get_session(session) == REPORT


def test_sessions_are_listed_newest_first(store: Store) -> None:
    ids = [store.open_session(T0 + timedelta(seconds=s), {}) for s in (0, 3, 1, 2, 2, 5, 4)]
    newest_first = [ids[i] for i in (5, 6, 1, 4, 3, 2, 0)]
    assert [s.session_id for s in store.list_sessions()] == newest_first
    assert [s.session_id for s in store.list_sessions(limit=2)] == newest_first[:2]
    assert [s.session_id for s in store.open_sessions()] == [ids[i] for i in (0, 2, 3, 4, 1, 6, 5)]
    assert len(set(ids)) == len(ids)
    with pytest.raises(InvalidArgument) as unknown:
        store.get_session("session_x")
    assert str(unknown.value) == f"no session 'session_x' in the store; the newest are {newest_first[:5]}"


def test_sessions_opened_in_one_second_get_distinct_ids(store: Store) -> None:
    assert len({store.open_session(T0, {}) for _ in range(1000)}) == 1000


def test_a_session_interrupted_by_a_crash_is_closed_at_the_next_start(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        session = store.open_session(T0, {})
        store.commit_step(session, [op(1)], {}, [], {})
    with Store.open(tmp_path) as store:
        [left] = store.open_sessions()
        store.end_session(left.session_id, T0 + timedelta(hours=1), SessionStatus.INTERRUPTED, {"note": "killed"})
        assert [(s.session_id, s.status) for s in store.list_sessions()] == [(session, SessionStatus.INTERRUPTED)]
        assert store.load_operations(session) == [op(1)]
        with pytest.raises(InvalidArgument, match="closed \\(interrupted\\)"):
            store.commit_step(session, [op(2)], {}, [], {})


def test_a_session_cannot_end_as_open(store: Store) -> None:
    session = store.open_session(T0, {})
    with pytest.raises(InvalidArgument, match="ends as ended or interrupted, not open"):
        store.end_session(session, T0, SessionStatus.OPEN, {})
    assert store.open_sessions()[0].session_id == session
