"""The verifier's only I/O: read the accounts a snapshot needs from a `Chain`, at one point in time."""

from __future__ import annotations

from pytest_fixedratio.chain.base import Chain
from pytest_fixedratio.frt.pdas import PoolAddresses, pool_watch_list
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.verify.snapshot import (
    GlobalSnapshot,
    PoolSnapshot,
    global_snapshot,
    global_watch_list,
    pool_snapshot,
)


async def read_pool(chain: Chain, addresses: PoolAddresses) -> PoolSnapshot:
    """A fresh snapshot of one pool; `SnapshotError` if its accounts do not form one."""
    return pool_snapshot(addresses, await chain.get_accounts(pool_watch_list(addresses)))


async def read_global(chain: Chain, program_id: Address | None = None) -> GlobalSnapshot:
    """A fresh snapshot of the program's SystemState and MainTreasury (default: the chain's program)."""
    pid = chain.program_id if program_id is None else program_id
    return global_snapshot(pid, await chain.get_accounts(global_watch_list(pid)))
