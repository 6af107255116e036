"""Many processes, one chain: the campaigns of a pytest session on the localnet or rpc target share its pools.

The controller (or the only process) starts the chain (the localnet target: a `frt-stress localnet` of the
session's own) and makes the fleet's directory; xdist workers learn both from their workerinput, and execnet
`--tx` workers on other machines likewise (against a validator every machine reaches, with a directory they
share). Each campaign keeps its run in a data directory of its own there (a store belongs to one process).
The first campaign to take the fleet's lock creates the pools and publishes its core wallet (the mints'
authority, 0600) and the pool records; every later campaign, in any process, waits on the lock, takes both,
and runs its workers on those same pools, so the processes contend.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.store.atomic import atomic_write_json
from pytest_fixedratio.store.database import Store

WORKERINPUT_KEY: Final = "fixedratio_fleet"
CORE_WALLET: Final = "core_wallet.json"
POOLS: Final = "pools.json"
LOCK_WAIT_S: Final = 900.0
"""Longest wait for the campaign that creates the pools (its set-up: funding, the program, the pools)."""


ROOT_ENV: Final = "FRT_FLEET_DIR"
"""Where the fleet's directory is made (a directory every machine of the session mounts at the same path);
unset: a new temporary directory, removed at the end."""


@dataclass(frozen=True, slots=True)
class Fleet:
    root: Path
    urls: tuple[str, ...]
    owned: bool = False
    """True when the directory is the session's own temporary one (`remove` deletes it)."""

    @classmethod
    def create(cls, urls: tuple[str, ...]) -> Fleet:
        shared = os.environ.get(ROOT_ENV)
        if not shared:
            return cls(Path(tempfile.mkdtemp(prefix="frt-fleet-")), urls, owned=True)
        Path(shared).mkdir(mode=0o700, parents=True, exist_ok=True)
        return cls(Path(tempfile.mkdtemp(prefix="frt-fleet-", dir=shared)), urls)

    def to_input(self) -> dict[str, object]:
        """Plain values for an xdist worker's workerinput."""
        return {"root": str(self.root), "urls": list(self.urls)}

    @classmethod
    def from_input(cls, value: dict[str, object]) -> Fleet:
        urls = value["urls"]
        assert isinstance(urls, list)
        return cls(Path(str(value["root"])), tuple(str(u) for u in urls))

    def campaign_dir(self, worker: str) -> Path:
        """A new data directory for one campaign of `worker`."""
        (self.root / "campaigns").mkdir(mode=0o700, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{worker}-", dir=self.root / "campaigns"))

    @asynccontextmanager
    async def joined(self, data_dir: Path, store: Store) -> AsyncIterator[Callable[[], None] | None]:
        """Within the block, the campaign of `data_dir` (whose `store` is open) runs on the fleet's pools: when
        they exist, its core wallet and pool records are the fleet's already (yields None); else this campaign
        makes them, and the block calls what it yields once they exist (its campaign set up), which publishes
        them and lets the others in. Leaving the block without publishing lets the next campaign make them."""
        with _Lock(self.root / "pools.lock") as lock:
            await lock.acquire()
            published = self.root / POOLS
            if published.exists():
                shutil.copy2(self.root / CORE_WALLET, data_dir / CORE_WALLET)
                store.save_pools(json.loads(published.read_text()))
                lock.release()
                yield None
                return

            def publish() -> None:
                shutil.copy2(data_dir / CORE_WALLET, self.root / CORE_WALLET)
                atomic_write_json(published, store.load_pools())
                lock.release()

            yield publish

    def remove(self) -> None:
        """Delete the session's own temporary directory (a shared one is left for its owner to look at)."""
        if self.owned:
            shutil.rmtree(self.root, ignore_errors=True)


class _Lock:
    """An exclusive `flock` on a file, awaited without blocking the event loop; released at most once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._held = False

    async def acquire(self) -> None:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise InvalidArgument(f"waited {LOCK_WAIT_S:.0f} s for the campaign that creates the fleet's "
                                          f"pools ({self.path} is held); is a process of this session stuck?") from None
                await asyncio.sleep(0.1)
                continue
            self._held = True
            return

    def release(self) -> None:
        if self._held:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._held = False

    def __enter__(self) -> _Lock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        os.close(self._fd)
