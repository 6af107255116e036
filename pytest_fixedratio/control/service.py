"""The methods of the control port, over a running `Session` (names and shapes of service-features.md section
1.3, snake_case, and never a private key).

Reads answer at once from what the session holds. Changes (create, start, stop, empty, delete, pause) go through
the run's `CommandQueue` and are applied between two steps of chain time, when every worker is parked; the call
returns when its command has run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

from pydantic import Field

from pytest_fixedratio.control.jsonrpc import (
    SERVICE_UNAVAILABLE,
    SWAP_WORKER_EXISTS,
    WORKER_IN_ERROR,
    Method,
    NoParams,
    Params,
    RpcError,
    open_rpc,
)
from pytest_fixedratio.engine.commands import CommandQueue, RunEnded
from pytest_fixedratio.engine.model import WorkerKind, WorkerStatus
from pytest_fixedratio.engine.pools import PoolHandle
from pytest_fixedratio.engine.runner import WorkerRunner
from pytest_fixedratio.engine.session import Session, SwapWorkerExists
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.metrics.histogram import Histogram
from pytest_fixedratio.sol.address import Address

T = TypeVar("T")
U64_MAX = 2**64 - 1
ThreadType = Literal["deposit", "withdrawal", "swap", "adversary"]


# ---------------------------------------------------------------------------------------------------------
# Parameters


class PoolParams(Params):
    pool_id: str = Field(description="the pool state address, base58")


class ThreadParams(Params):
    thread_id: str = Field(description="a worker id as list_threads gives it")


class ListThreadsParams(Params):
    pool_id: str | None = None
    thread_type: ThreadType | None = None


class CreateDepositParams(PoolParams):
    token_type: Literal["A", "B", "a", "b"] = "A"
    initial_amount: int = Field(0, ge=0, le=U64_MAX)
    auto_refill: bool = False
    share_lp_tokens: bool = True


class CreateWithdrawalParams(PoolParams):
    token_type: Literal["A", "B", "a", "b"] = "A"
    share_tokens: bool = False


class CreateSwapParams(PoolParams):
    direction: Literal["a_to_b", "b_to_a"] = "a_to_b"
    initial_amount: int = Field(0, ge=0, le=U64_MAX)


class StopAllParams(PoolParams):
    include_swaps: bool = False


# ---------------------------------------------------------------------------------------------------------
# The service


class ControlService:
    """The methods, bound to one session and the queue its run drains."""

    def __init__(self, session: Session, commands: CommandQueue, *, version: str) -> None:
        self.session = session
        self.commands = commands
        self.version = version

    def methods(self) -> list[Method]:
        methods = [
            Method("list_pools", NoParams, self.list_pools, "Pools this run manages."),
            Method("get_pool", PoolParams, self.get_pool, "One pool: addresses, decimals, ratio, state from the "
                                                          "chain."),
            Method("list_threads", ListThreadsParams, self.list_threads, "Workers, filtered by pool and type."),
            Method("get_all_threads", NoParams, self.get_all_threads, "Every worker with a summary of statuses."),
            Method("get_thread", ThreadParams, self.get_thread, "One worker: configuration and statistics."),
            Method("get_thread_status", ThreadParams, self.get_thread, "Alias of get_thread (the design's name)."),
            Method("get_thread_stats", ThreadParams, self.get_thread_stats, "One worker's statistics."),
            Method("create_deposit_thread", CreateDepositParams, self.create_deposit_thread,
                   "A deposit worker on one side of a pool (created, not started)."),
            Method("create_withdrawal_thread", CreateWithdrawalParams, self.create_withdrawal_thread,
                   "A withdrawal worker on one side of a pool (created, not started)."),
            Method("create_swap_thread", CreateSwapParams, self.create_swap_thread,
                   "The swap worker of a pool and direction (created, not started); -1001 if it exists."),
            Method("start_thread", ThreadParams, self.start_thread, "Start a created or stopped worker."),
            Method("stop_thread", ThreadParams, self.stop_thread, "Stop a worker after its cycle in flight."),
            Method("empty_thread", ThreadParams, self.empty_thread,
                   "Operate with everything, burn leftovers, return SOL; -1003 for a worker in error."),
            Method("delete_thread", ThreadParams, self.delete_thread,
                   "Stop, empty, close the worker's accounts, return its SOL, forget it."),
            Method("stop_all_pool_threads", StopAllParams, self.stop_all_pool_threads,
                   "Stop a pool's running workers (swap workers only with include_swaps)."),
            Method("pause_run", NoParams, self.pause_run, "Workers finish their cycle and take no new one."),
            Method("resume_run", NoParams, self.resume_run, "Workers go on after pause_run."),
            Method("core_wallet_status", NoParams, self.core_wallet_status, "The core wallet's address and SOL."),
            Method("get_stats", NoParams, self.get_stats,
                   "The run so far: operations by kind, errors, latency, verification totals, incidents."),
        ]
        return [*methods, Method("rpc.discover", NoParams, self._discover(methods),
                                 "This API as an OpenRPC document.")]

    def _discover(self, methods: list[Method]) -> Callable[[NoParams], Awaitable[dict[str, Any]]]:
        async def discover(_: NoParams) -> dict[str, Any]:
            return open_rpc(methods, title="frt-stress control", version=self.version)

        return discover

    async def _command(self, command: Callable[[Session], Awaitable[T]]) -> T:
        try:
            result: T = await self.commands.submit(command)
        except RunEnded as exc:
            raise RpcError(SERVICE_UNAVAILABLE, str(exc)) from None
        return result

    # -- lookups --------------------------------------------------------------------------------------
    def _pool(self, pool_id: str) -> PoolHandle:
        try:
            address = Address.from_base58(pool_id)
        except ValueError:
            address = None
        pool = None if address is None else self.session.pools.get(address)
        if pool is None:
            raise RpcError(-32602, f"invalid params: pool_id: no pool {pool_id!r} in this run; list_pools names "
                                   "them")
        return pool

    def _worker(self, thread_id: str) -> WorkerRunner:
        runner = self.session.workers.get(thread_id)
        if runner is None:
            raise RpcError(-32602, f"invalid params: thread_id: no worker {thread_id!r}; list_threads names them")
        return runner

    # -- pools ----------------------------------------------------------------------------------------
    async def list_pools(self, _: NoParams) -> dict[str, Any]:
        pools = [_pool_summary(p) for p in self.session.pools.values()]
        return {"pools": pools, "total_count": len(pools)}

    async def get_pool(self, params: PoolParams) -> dict[str, Any]:
        pool = await self.session.refresh_pool(self._pool(params.pool_id).address)
        state = pool.state
        addresses = pool.addresses
        return {**_pool_summary(pool), "vault_a": str(addresses.token_a_vault), "vault_b": str(addresses.token_b_vault),
                "lp_mint_a": str(addresses.lp_a_mint), "lp_mint_b": str(addresses.lp_b_mint),
                "flags": int(state.flags), "total_token_a_liquidity": state.total_token_a_liquidity,
                "total_token_b_liquidity": state.total_token_b_liquidity}

    # -- workers --------------------------------------------------------------------------------------
    async def list_threads(self, params: ListThreadsParams) -> dict[str, Any]:
        pool = None if params.pool_id is None else self._pool(params.pool_id).address
        threads = [_thread_summary(w) for w in self.session.workers.values()
                   if (pool is None or w.config.pool == pool)
                   and (params.thread_type is None or w.kind.value == params.thread_type)]
        return {"threads": threads, "total_count": len(threads),
                "filters_applied": {"pool_id": params.pool_id, "thread_type": params.thread_type}}

    async def get_all_threads(self, _: NoParams) -> dict[str, Any]:
        workers = list(self.session.workers.values())
        statuses = [w.status for w in workers]
        return {"threads": [_thread_summary(w) for w in workers],
                "summary": {"total_threads": len(workers),
                            "running_threads": statuses.count(WorkerStatus.RUNNING),
                            "stopped_threads": statuses.count(WorkerStatus.STOPPED),
                            "error_threads": statuses.count(WorkerStatus.ERROR),
                            "total_operations": self.session.tally.total}}

    async def get_thread(self, params: ThreadParams) -> dict[str, Any]:
        runner = self._worker(params.thread_id)
        return {"config": _thread_summary(runner),
                "statistics": runner.stats.to_dict(self.session.clock.now())}

    async def get_thread_stats(self, params: ThreadParams) -> dict[str, Any]:
        return self._worker(params.thread_id).stats.to_dict(self.session.clock.now())

    async def _create(self, kind: WorkerKind, pool_id: str, side: Side, *, initial_amount: int = 0,
                      auto_refill: bool = False, share: bool = True) -> dict[str, Any]:
        pool = self._pool(pool_id).address

        async def create(session: Session) -> dict[str, Any]:
            runner = session.add_worker(kind, pool, side, initial_amount=initial_amount, auto_refill=auto_refill,
                                        share=share)
            return {"thread_id": runner.worker_id, "wallet_address": str(runner.address), "status": "created"}

        try:
            return await self._command(create)
        except SwapWorkerExists as exc:
            raise RpcError(SWAP_WORKER_EXISTS, str(exc)) from None

    async def create_deposit_thread(self, params: CreateDepositParams) -> dict[str, Any]:
        return await self._create(WorkerKind.DEPOSIT, params.pool_id, Side(params.token_type.upper()),
                                  initial_amount=params.initial_amount, auto_refill=params.auto_refill,
                                  share=params.share_lp_tokens)

    async def create_withdrawal_thread(self, params: CreateWithdrawalParams) -> dict[str, Any]:
        return await self._create(WorkerKind.WITHDRAWAL, params.pool_id, Side(params.token_type.upper()),
                                  share=params.share_tokens)

    async def create_swap_thread(self, params: CreateSwapParams) -> dict[str, Any]:
        side = Side.A if params.direction == "a_to_b" else Side.B
        return await self._create(WorkerKind.SWAP, params.pool_id, side, initial_amount=params.initial_amount)

    async def start_thread(self, params: ThreadParams) -> dict[str, Any]:
        runner = self._worker(params.thread_id)
        if runner.running:
            raise RpcError(-32602, f"invalid params: thread_id: worker {params.thread_id} is running already")

        async def start(session: Session) -> None:
            session.start([runner.worker_id])

        await self._command(start)
        return {"thread_id": runner.worker_id, "status": runner.status.value}

    async def stop_thread(self, params: ThreadParams) -> dict[str, Any]:
        runner = self._worker(params.thread_id)
        await self._command(lambda session: session.stop([runner.worker_id]))
        return {"thread_id": runner.worker_id, "status": runner.status.value}

    async def empty_thread(self, params: ThreadParams) -> dict[str, Any]:
        runner = self._worker(params.thread_id)
        if runner.status is WorkerStatus.ERROR:
            raise RpcError(WORKER_IN_ERROR, f"worker {runner.worker_id} is in error ({runner.error_reason}): "
                                            "delete it instead")
        report = await self._command(lambda session: session.empty(runner.worker_id))
        return {"thread_id": runner.worker_id, "thread_type": runner.kind.value, "empty_operation": report}

    async def delete_thread(self, params: ThreadParams) -> dict[str, Any]:
        runner = self._worker(params.thread_id)
        report = await self._command(lambda session: session.delete_worker(runner.worker_id))
        return {**report, "thread_id": runner.worker_id, "status": "deleted"}

    async def stop_all_pool_threads(self, params: StopAllParams) -> dict[str, Any]:
        pool = self._pool(params.pool_id).address
        chosen = [w.worker_id for w in self.session.workers.values()
                  if w.config.pool == pool and w.running and (params.include_swaps or w.kind is not WorkerKind.SWAP)]
        await self._command(lambda session: session.stop(chosen))
        return {"pool_id": params.pool_id, "stopped": len(chosen), "thread_ids": chosen}

    # -- the run --------------------------------------------------------------------------------------
    async def pause_run(self, _: NoParams) -> dict[str, Any]:
        async def pause(session: Session) -> None:
            session.pause()

        await self._command(pause)
        return {"paused": True}

    async def resume_run(self, _: NoParams) -> dict[str, Any]:
        async def resume(session: Session) -> None:
            session.resume()

        await self._command(resume)
        return {"paused": False}

    async def core_wallet_status(self, _: NoParams) -> dict[str, Any]:
        core = self.session.core.address
        lamports = (await self.session.chain.get_balance(core))
        return {"public_key": str(core), "current_sol_balance_lamports": lamports,
                "current_sol_balance": lamports / 1e9}

    async def get_stats(self, _: NoParams) -> dict[str, Any]:
        session = self.session
        latency = Histogram()
        for stats in session.stats.values():
            latency.merge(stats.latency)
        log = session.verifier.log
        return {
            "chain_seconds": session.clock.now(), "paused": session.paused,
            "operations": {k: dict(v) for k, v in session.tally.operations.items()},
            "total_operations": session.tally.total, "errors": dict(session.tally.errors),
            "latency_ms": {"count": latency.count, "p50": latency.percentile(0.5), "p95": latency.percentile(0.95),
                           "p99": latency.percentile(0.99)},
            "verification": {"checks": log.total_checks, "violations": log.total_violations},
            "incidents": len(session.incidents),
            "workers": {status.value: sum(w.status is status for w in session.workers.values())
                        for status in WorkerStatus},
        }


def _pool_summary(pool: PoolHandle) -> dict[str, Any]:
    addresses = pool.addresses
    return {"pool_id": str(pool.address), "label": pool.label, "token_a_mint": str(addresses.token_a_mint),
            "token_b_mint": str(addresses.token_b_mint), "token_a_decimals": pool.decimals_a,
            "token_b_decimals": pool.decimals_b, "ratio_a_numerator": addresses.ratio_a,
            "ratio_b_denominator": addresses.ratio_b}


def _thread_summary(runner: WorkerRunner) -> dict[str, Any]:
    config = runner.config
    swap = runner.kind is WorkerKind.SWAP
    return {"thread_id": runner.worker_id, "thread_type": runner.kind.value, "pool_id": str(config.pool),
            "token_type": runner.side.value.lower(),
            "swap_direction": ("a_to_b" if runner.side is Side.A else "b_to_a") if swap else None,
            "status": runner.status.value, "error_reason": runner.error_reason or None,
            "initial_amount": config.initial_amount, "auto_refill": config.auto_refill, "share_tokens": config.share,
            "public_key": str(runner.address)}
