"""`frt-stress serve` as users run it: a real subprocess steered with `frt-stress call` over a real socket,
stopped with SIGTERM and started again, and killed with SIGKILL at random moments under load.

The service runs on the virtual clock here, so a few wall seconds hold minutes of chain time.
"""

from __future__ import annotations

import json
import random
import re
import signal
import sqlite3
import subprocess
import sysconfig
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pytest_fixedratio.chain.localnet import DEFAULT_UPGRADE_AUTHORITY
from pytest_fixedratio.engine.stats import POOL_KINDS
from pytest_fixedratio.store.database import DATABASE_FILE, Store
from pytest_fixedratio.store.keyfile import load_wallet

FRT_STRESS = Path(sysconfig.get_path("scripts")) / "frt-stress"
STARTUP_S = 60.0
SETTLE_S = 120.0
"""More a restart on a chain that outlives it may take: waiting out the blockhash of a transaction never sent."""
ANNOUNCED = re.compile(r"control API on (http://127\.0\.0\.1:\d+/api/jsonrpc)")


@dataclass
class Service:
    process: subprocess.Popen[str]
    url: str
    log: Path

    def call(self, method: str, **params: Any) -> Any:
        """`frt-stress call METHOD name=value ...`: the result, parsed; a failed call fails the test."""
        args = [f"{name}={json.dumps(value) if not isinstance(value, str) else value}"
                for name, value in params.items()]
        done = subprocess.run([str(FRT_STRESS), "call", "--url", self.url, method, *args], capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def stop(self) -> tuple[int, str]:
        """SIGTERM, as systemd stops it: (exit status, what it printed on stdout)."""
        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=120)
        return self.process.returncode, out


def start(data_dir: Path, log: Path, started: list[Service], *, rpc_url: str | None = None) -> Service:
    """`frt-stress serve` on a free port, once it answers (kept in `started`): on the in-process target in
    virtual time, or on the rpc target at `rpc_url` in real time."""
    target = ["--clock", "virtual"] if rpc_url is None else ["--target", "rpc", "--rpc-url", rpc_url]
    with log.open("w") as err:
        process = subprocess.Popen([str(FRT_STRESS), "serve", "--data-dir", str(data_dir), "--control-port", "0",
                                    *target], stdout=subprocess.PIPE, stderr=err, text=True)
    # on a chain that outlives it, a start first settles what the killed process left pending: a transaction that
    # never went out is known lost only once its blockhash expires (150 slots, 60 s on localnet)
    waited = STARTUP_S if rpc_url is None else STARTUP_S + SETTLE_S
    deadline = time.monotonic() + waited
    while time.monotonic() < deadline:
        found = ANNOUNCED.search(log.read_text())
        if found:
            started.append(Service(process, found.group(1), log))
            return started[-1]
        assert process.poll() is None, log.read_text()
        time.sleep(0.05)
    process.kill()
    process.communicate(timeout=30)  # reaped, its pipe closed
    raise AssertionError(f"no control API within {waited} s: {log.read_text()}")


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[Service]]:
    """The services a test started: any still running when it ends is killed."""
    services: list[Service] = []
    yield services
    for service in services:
        if service.process.poll() is None:
            service.process.kill()
        service.process.communicate(timeout=30)  # reaps it and closes its pipe


def _ids(service: Service) -> dict[str, str]:
    return {t["thread_id"]: t["status"] for t in service.call("get_all_threads")["threads"]}


def test_a_scripted_session_survives_a_restart(started: list[Service], tmp_path: Path) -> None:
    service_dir = tmp_path / "data"
    first = start(service_dir, tmp_path / "first.log", started)
    pool = first.call("create_pool", ratio="1:1000", token_a_decimals=9, token_b_decimals=6)["pool_id"]
    created = [first.call("create_deposit_thread", pool_id=pool, initial_amount=10**12, auto_refill=True),
               first.call("create_withdrawal_thread", pool_id=pool, token_type="A"),
               first.call("create_swap_thread", pool_id=pool, direction="b_to_a", initial_amount=10**9)]
    ids = [c["thread_id"] for c in created]
    for thread in ids:
        assert first.call("start_thread", thread_id=thread)["status"] == "running"
    before = first.call("get_stats")["total_operations"]
    for _ in range(100):
        stats = first.call("get_stats")
        if stats["operations"].get("withdraw", {}).get("ok", 0) and stats["total_operations"] > before:
            break
    assert stats["total_operations"] > before and stats["operations"]["deposit"]["ok"] > 0
    spare = first.call("create_deposit_thread", pool_id=pool, token_type="B", initial_amount=10**6)["thread_id"]
    first.call("start_thread", thread_id=spare)
    for _ in range(100):
        if first.call("get_thread_stats", thread_id=spare)["counters"]["successes"]:
            break
    first.call("stop_thread", thread_id=spare)
    emptied = first.call("empty_thread", thread_id=spare)["empty_operation"]
    assert emptied["kind"] == "deposit_empty" and emptied["post_empty_balances"]["sol"] < 10**9
    assert first.call("delete_thread", thread_id=spare)["status"] == "deleted"
    counts = {t: first.call("get_thread_stats", thread_id=t)["counters"]["attempts"] for t in ids}
    status, out = first.stop()
    assert status == 0 and "PASSED" in out
    assert "SIGTERM" in first.log.read_text()

    second = start(service_dir, tmp_path / "second.log", started)
    said = second.log.read_text()
    assert "making the 1 stored pool(s) again at their addresses" in said
    assert "3 stored worker(s) back, 3 running again" in said
    assert [p["pool_id"] for p in second.call("list_pools")["pools"]] == [pool]
    assert _ids(second) == dict.fromkeys(ids, "running")
    for thread in ids:
        again = second.call("get_thread_stats", thread_id=thread)["counters"]["attempts"]
        assert again >= counts[thread] > 0  # kept, and growing again
        [window, *_] = second.call("get_thread_sessions", thread_id=thread)["sessions"]
        assert window["report"]["session_info"]["stop_reason"].startswith("run ended (SIGTERM)")
        assert window["verification_summary"]["pool_verification_passed"] is True
    while_serving = subprocess.run([str(FRT_STRESS), "report", "--data-dir", str(service_dir)], capture_output=True,
                                   text=True, timeout=60, check=True).stdout  # a reader beside the running owner
    assert "  open" in while_serving.splitlines()[0] and " ended " in while_serving.splitlines()[1]
    status, _ = second.stop()
    assert status == 0
    listed = subprocess.run([str(FRT_STRESS), "report", "--data-dir", str(service_dir)], capture_output=True,
                            text=True, timeout=60, check=True).stdout.splitlines()
    assert len(listed) == 2 and all(" ended " in line for line in listed)
    newest = listed[0].split()[0]
    shown = json.loads(subprocess.run([str(FRT_STRESS), "report", "--data-dir", str(service_dir), newest],
                                      capture_output=True, text=True, timeout=60, check=True).stdout)
    assert shown["session_info"]["stop_reason"] == "SIGTERM" and shown["pool_verification_data"][
        "pool_verification_passed"] is True


def test_report_on_a_directory_without_a_store_says_so(tmp_path: Path) -> None:
    done = subprocess.run([str(FRT_STRESS), "report", "--data-dir", str(tmp_path)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 2 and f"no store at {tmp_path}/state.sqlite3" in done.stderr


def _reconcile(data_dir: Path) -> dict[str, int]:
    """Each stored worker's attempts against the operation log: a pool operation that succeeded, or any of its
    transactions that failed, is one attempt (`Session._account`). Returns the attempts by worker."""
    with Store.open(data_dir) as store:
        stats = store.load_stats()
        workers = [w.worker_id for w in store.load_workers()]
    db = sqlite3.connect(data_dir / DATABASE_FILE)
    try:
        logged = dict(db.execute(
            f"SELECT actor, SUM(CASE WHEN ok = 0 OR kind IN ({','.join('?' * len(POOL_KINDS))}) THEN 1 ELSE 0 END) "
            "FROM oplog WHERE state = 'done' GROUP BY actor", sorted(POOL_KINDS)))
        # Not the signature: on the in-process chain the blockhash does not move, so an identical operation of a
        # worker has an identical signature. A record is its session and number.
        doubled = db.execute("SELECT COUNT(*) FROM (SELECT 1 FROM oplog WHERE state = 'done' "
                             "GROUP BY session_id, number HAVING COUNT(*) > 1)").fetchone()[0]
    finally:
        db.close()
    assert doubled == 0
    attempts = {w: stats[w]["counters"]["attempts"] if w in stats else 0 for w in workers}
    assert attempts == {w: logged.get(w, 0) for w in workers}
    return attempts


def _load(service: Service) -> None:
    """A pool with a deposit, a withdrawal and a swap worker, all running."""
    pool = service.call("create_pool", ratio="1:1000")["pool_id"]
    for create in (dict(method="create_deposit_thread", initial_amount=10**12, auto_refill=True),
                   dict(method="create_withdrawal_thread"), dict(method="create_swap_thread", initial_amount=10**9)):
        params = {k: v for k, v in create.items() if k != "method"}
        thread = service.call(str(create["method"]), pool_id=pool, **params)["thread_id"]
        service.call("start_thread", thread_id=thread)


def test_kill_9_under_load_leaves_a_store_that_opens_and_reconciles(started: list[Service], tmp_path: Path) -> None:
    """20 times: start (bringing back the workers, running), let it work for a random moment, SIGKILL. After
    each, the store opens (locks released, nothing torn) and every worker's statistics count exactly its
    operations in the log, none twice; attempts never go down across kills."""
    chooser = random.Random(20261205)
    service_dir = tmp_path / "data"
    service = start(service_dir, tmp_path / "0.log", started)
    _load(service)
    previous: dict[str, int] = {}
    for kill in range(20):
        time.sleep(chooser.uniform(0.0, 1.5))
        service.process.kill()
        service.process.communicate(timeout=30)
        attempts = _reconcile(service_dir)
        assert all(attempts[w] >= n for w, n in previous.items()), (kill, previous, attempts)
        previous = attempts
        service = start(service_dir, tmp_path / f"{kill + 1}.log", started)
    assert sum(previous.values()) > 0
    status, _ = service.stop()
    assert status == 0
    _reconcile(service_dir)
    with Store.open(service_dir) as store:
        sessions = store.list_sessions()
    assert len(sessions) == 21 and sum(s.status == "interrupted" for s in sessions) == 20


def _rpc(url: str, method: str, *params: Any) -> Any:
    """One plain JSON-RPC request, as curl sends it: the result (an error answer fails the test)."""
    request = urllib.request.Request(url, data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                                                           "params": list(params)}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        reply = json.loads(answer.read())
    assert "result" in reply, reply
    return reply["result"]


@pytest.fixture
def localnet(tmp_path: Path) -> Iterator[str]:
    """`frt-stress localnet --port 0`, a chain in a process of its own: its URL, once announced. SIGTERM at the
    end must stop it with exit status 0."""
    log = tmp_path / "localnet.log"
    with log.open("w") as err:
        process = subprocess.Popen([str(FRT_STRESS), "localnet", "--port", "0"], stderr=err, text=True)
    try:
        deadline = time.monotonic() + STARTUP_S
        while not (found := re.search(r"localnet JSON-RPC on (http://127\.0\.0\.1:\d+)", log.read_text())):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield found.group(1)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    assert "localnet stopped" in log.read_text()


def test_localnet_serves_solana_json_rpc_until_sigterm(localnet: str) -> None:
    """A plain JSON-RPC request gets the validator's answer."""
    assert _rpc(localnet, "getHealth") == "ok"


def _landed(url: str, address: str) -> set[str]:
    """Every transaction that landed mentioning `address` (getSignaturesForAddress, page by page)."""
    found: list[str] = []
    while True:
        config = {"limit": 1000, **({"before": found[-1]} if found else {})}
        page = _rpc(url, "getSignaturesForAddress", address, config)
        found.extend(entry["signature"] for entry in page)
        if len(page) < 1000:
            return set(found)


def _fee_payer(url: str, signature: str) -> str:
    answer = _rpc(url, "getTransaction", signature, {"encoding": "json", "maxSupportedTransactionVersion": 0})
    payer: str = answer["transaction"]["message"]["accountKeys"][0]
    return payer


def test_kill_9_on_a_chain_that_outlives_the_service_leaves_every_landed_transaction_logged_once(
        started: list[Service], localnet: str, tmp_path: Path) -> None:
    """The rpc target on `frt-stress localnet`, a chain that lives on while the service is killed 20 times at
    random moments: each signature was logged before it went out, each restart settles what its predecessor
    left pending, so in the end every transaction of the harness's wallets that landed is in the log exactly
    once, the log holds nothing that did not land, and the statistics reconcile with it."""
    chooser = random.Random(20261206)
    service_dir = tmp_path / "data"
    service = start(service_dir, tmp_path / "0.log", started, rpc_url=localnet)
    _load(service)
    settled = 0
    for kill in range(20):
        time.sleep(chooser.uniform(0.2, 2.0))
        service.process.kill()
        service.process.communicate(timeout=30)
        _reconcile(service_dir)
        service = start(service_dir, tmp_path / f"{kill + 1}.log", started, rpc_url=localnet)
        said = service.log.read_text()
        settled += "transaction(s) a stopped process had sent without seeing the end" in said
        assert ("are settled first" in said) == ("had sent without seeing the end" in said), said
    status, _ = service.stop()
    assert status == 0
    attempts = _reconcile(service_dir)
    assert sum(attempts.values()) > 0
    with Store.open(service_dir) as store:
        assert store.pending_operations() == []
        wallets = [store.load_worker_wallet(w.worker_id).address for w in store.load_workers(include_deleted=True)]
        logged = Counter(r.signature for s in store.list_sessions() for r in store.load_operations(s.session_id))
    ours = {str(load_wallet(service_dir / "core_wallet.json").address), str(DEFAULT_UPGRADE_AUTHORITY.address),
            *map(str, wallets)}
    landed = set().union(*(_landed(localnet, address) for address in ours))
    assert [s for s, n in logged.items() if n > 1] == []
    assert set(logged) - landed == set(), "the log holds only what landed"
    unlogged = landed - set(logged)
    assert all(_fee_payer(localnet, s) not in ours for s in unlogged), "only the faucet's airdrops are not ours"
    assert len(unlogged) == 21, "one airdrop to the core wallet per start"
    print(f"{len(logged)} transactions logged, {settled} restarts settled pending ones")
