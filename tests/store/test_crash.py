"""kill -9 at any moment of a run leaves a store that opens, whose statistics count exactly its operations."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pytest_fixedratio.store.database import Store
from pytest_fixedratio.store.rows import SessionStatus

KILLS = 20
ACTORS = ("dep_1", "wd_1", "sw_1")

RUN = f"""
import itertools, random, sys
from datetime import UTC, datetime
from pathlib import Path
from pytest_fixedratio.store.database import Store
from pytest_fixedratio.store.rows import ErrorRow, OperationRecord

actors = {ACTORS!r}
with Store.open(Path(sys.argv[1])) as store:
    ops = {{actor: stats["ops"] for actor, stats in store.load_stats().items()}}
    session = store.open_session(datetime.now(UTC), {{}})
    print("running", flush=True)
    for step in itertools.count():
        batch = [OperationRecord(step * 1000 + i, float(step), random.choice(actors), "deposit", "pool1", 2**64 - 1,
                              True, f"sig{{step}}.{{i}}") for i in range(random.randrange(1, 500))]
        for row in batch:
            ops[row.actor] = ops.get(row.actor, 0) + 1
        store.commit_step(session, batch, {{actor: {{"ops": n}} for actor, n in ops.items()}},
                          [ErrorRow(batch[0].actor, float(step), "E", "deposit", "")], {{}})
"""
"""Commits steps of random operations for ever; each actor's stats count its operations over all sessions."""


def test_statistics_reconcile_with_the_operation_log_after_any_kill(tmp_path: Path) -> None:
    rng = random.Random(1)
    for _ in range(KILLS):
        child = subprocess.Popen([sys.executable, "-c", RUN, str(tmp_path)], stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline() == "running\n"
        time.sleep(rng.uniform(0, 0.05))
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL
        with Store.open(tmp_path) as store:
            for session in store.open_sessions():
                store.end_session(session.session_id, datetime.now(UTC), SessionStatus.INTERRUPTED, {})
            logged = Counter(row.actor for session in store.list_sessions()
                             for row in store.load_operations(session.session_id))
            assert {actor: stats["ops"] for actor, stats in store.load_stats().items()} == dict(logged)
            assert all(len(store.load_errors(actor)) <= 10 for actor in ACTORS)
    assert logged.total() > KILLS, "the children committed steps before they were killed"
