"""The methods of the control port, over a running `Session` (names and shapes of service-features.md section
1.3, snake_case, and never a private key).

Reads answer at once from what the session holds. Changes (create, start, stop, empty, delete, pause) go through
the run's `CommandQueue` and are applied between two steps of chain time, when every worker is parked; the call
returns when its command has run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol, TypeVar

from pydantic import Field

from pytest_fixedratio.control.jsonrpc import (
    POOL_NOT_FOUND,
    SERVICE_UNAVAILABLE,
    SWAP_WORKER_EXISTS,
    WORKER_IN_ERROR,
    Method,
    NoParams,
    Params,
    open_rpc,
)
from pytest_fixedratio.engine.commands import CommandQueue, RunEnded
from pytest_fixedratio.engine.model import WorkerKind, WorkerStatus
from pytest_fixedratio.engine.outcome import Outcome
from pytest_fixedratio.engine.pool_book import PoolBook, create_and_record
from pytest_fixedratio.engine.pool_factory import PoolSpec, random_spec
from pytest_fixedratio.engine.pools import PoolHandle
from pytest_fixedratio.engine.progress import StopRequest
from pytest_fixedratio.engine.runner import WorkerRunner
from pytest_fixedratio.engine.session import Session, SwapWorkerExists
from pytest_fixedratio.engine.summary import endpoint_latency
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.state import TokenAccount
from pytest_fixedratio.metrics.histogram import Histogram
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.ids import LAMPORTS_PER_SOL
from pytest_fixedratio.sol.pda import associated_token_address
from pytest_fixedratio.wire.jsonrpc import RpcError

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


class ThreadSessionsParams(ThreadParams):
    limit: int | None = Field(None, ge=1, le=1000, description="the newest N; all kept when omitted")


class WorkerSessionSource(Protocol):
    def recent(self, worker_id: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Finished worker-session reports of `worker_id`, newest first."""


class CreatePoolParams(Params):
    ratio: str = Field(description='"1:X" or "X:1" in display units: 1 token A = X token B, or X token A = 1 token B '
                                   '(whole numbers, one side 1)', pattern=r"^\s*[0-9]+\s*:\s*[0-9]+\s*$")
    token_a_decimals: int = Field(9, ge=0, le=9)
    token_b_decimals: int = Field(6, ge=0, le=9)


class AirdropParams(Params):
    lamports: int | None = Field(None, ge=1, le=U64_MAX)
    sol_amount: float | None = Field(None, gt=0, le=U64_MAX / LAMPORTS_PER_SOL)


class FundParams(ThreadParams):
    funding_type: Literal["sol", "token_a", "token_b", "lp_tokens"]
    amount: int = Field(ge=1, le=U64_MAX)


class MintAndSendParams(PoolParams):
    token_type: Literal["A", "B", "a", "b"]
    recipient_address: str = Field(description="a wallet address, base58; its token account is created if missing")
    amount: int = Field(ge=1, le=U64_MAX)


# ---------------------------------------------------------------------------------------------------------
# The service


class ControlService:
    """The methods, bound to one session and the queue its run drains."""

    def __init__(self, session: Session, commands: CommandQueue, *, version: str, stop: StopRequest | None = None,
                 book: PoolBook | None = None, worker_sessions: WorkerSessionSource | None = None) -> None:
        """`stop` is what stop_service requests; `book` records the pools created here (a data directory's);
        `worker_sessions` answers get_thread_sessions."""
        self.session = session
        self.worker_sessions = worker_sessions
        self.commands = commands
        self.version = version
        self.stop = stop
        self.book = book
        self._pool_specs = session.decisions.child("control-pools")

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
            Method("get_thread_sessions", ThreadSessionsParams, self.get_thread_sessions,
                   "A worker's sessions (each start to stop): verification totals, balances, pool data."),
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
            Method("create_pool", CreatePoolParams, self.create_pool,
                   "A new pool with two new mints (the core wallet their authority), managed by this run."),
            Method("create_pool_random", NoParams, self.create_pool_random,
                   "A new pool of random decimals (0-9) and whole-number ratio, tradable both ways."),
            Method("fund_thread", FundParams, self.fund_thread,
                   "Give a worker SOL, tokens (minted) or LP tokens (deposited by the core wallet for it)."),
            Method("mint_and_send_tokens", MintAndSendParams, self.mint_and_send_tokens,
                   "Mint a pool's token A or B to any address; -1002 for a pool this run does not manage."),
            Method("airdrop_sol", AirdropParams, self.airdrop_sol,
                   "SOL for the core wallet from the target's faucet (lamports or sol_amount; 1 SOL by default)."),
            Method("stop_service", NoParams, self.stop_service,
                   "Stop the run: workers stop gracefully, the summary is written, the process exits 0."),
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

    async def create_pool(self, params: CreatePoolParams) -> dict[str, Any]:
        return await self._create_pool(_spec_of(params))

    async def create_pool_random(self, _: NoParams) -> dict[str, Any]:
        return await self._create_pool(random_spec(self._pool_specs))

    async def _create_pool(self, spec: PoolSpec) -> dict[str, Any]:
        created = await self._command(lambda session: create_and_record(session, spec, self.book))
        return {**_pool_summary(created.handle), "ratio_display": spec.label,
                "creation_signature": created.signature, "status": "created"}

    async def mint_and_send_tokens(self, params: MintAndSendParams) -> dict[str, Any]:
        try:
            pool = self._pool(params.pool_id)
        except RpcError:
            raise RpcError(POOL_NOT_FOUND, f"pool {params.pool_id} not found: list_pools names the pools of this "
                                           "run") from None
        recipient = _address(params.recipient_address, "recipient_address")
        mint = pool.addresses.mint(Side(params.token_type.upper()))
        outcome = await self._command(lambda session: session.core.mint_to(mint, recipient, params.amount,
                                                                           kind="mint_and_send", pool=pool.address))
        return {"transaction_signature": outcome.receipt.signature, "pool_id": params.pool_id,
                "token_mint": str(mint), "token_type": params.token_type.upper(),
                "recipient_address": str(recipient), "amount_minted": params.amount,
                "network_fee_paid": outcome.receipt.fee}

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

    async def get_thread_sessions(self, params: ThreadSessionsParams) -> dict[str, Any]:
        reports = [] if self.worker_sessions is None else self.worker_sessions.recent(params.thread_id, params.limit)
        if not reports:
            self._worker(params.thread_id)  # an unknown id is an error; a worker never stopped has none yet
        return {"thread_id": params.thread_id, "sessions": [_session_entry(r) for r in reports]}

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

    async def fund_thread(self, params: FundParams) -> dict[str, Any]:
        runner = self._worker(params.thread_id)
        pool = self.session.pools[runner.config.pool].addresses
        owner, amount = runner.address, params.amount
        if params.funding_type == "sol":
            async def fund(session: Session) -> tuple[Outcome, int]:
                outcome = await session.core.send_sol(owner, amount, kind="fund_sol")
                return outcome, await session.chain.get_balance(owner)
        elif params.funding_type == "lp_tokens":
            side, mint = runner.side, pool.lp_mint(runner.side)

            async def fund(session: Session) -> tuple[Outcome, int]:
                outcome = await session.core.fund_lp(pool, side, owner, amount)
                return outcome, await _token_balance(session, associated_token_address(owner, mint))
        else:
            mint = pool.mint(Side(params.funding_type[-1].upper()))

            async def fund(session: Session) -> tuple[Outcome, int]:
                outcome = await session.core.mint_to(mint, owner, amount, kind="fund_token", pool=pool.pool)
                return outcome, await _token_balance(session, associated_token_address(owner, mint))

        outcome, balance = await self._command(fund)
        return {"thread_id": runner.worker_id, "funding_type": params.funding_type, "amount": amount,
                "signature": outcome.receipt.signature, "new_balance": balance}

    # -- the service ----------------------------------------------------------------------------------
    async def airdrop_sol(self, params: AirdropParams) -> dict[str, Any]:
        if params.lamports is not None and params.sol_amount is not None:
            raise RpcError(-32602, "invalid params: lamports, sol_amount: give one of them, not both")
        lamports = params.lamports if params.lamports is not None else \
            LAMPORTS_PER_SOL if params.sol_amount is None else round(params.sol_amount * LAMPORTS_PER_SOL)
        if lamports < 1:
            raise RpcError(-32602, f"invalid params: sol_amount: {params.sol_amount} SOL is less than one lamport")
        core = self.session.core.address
        balance = await self._command(lambda session: session.airdrop_core(lamports))
        return {"wallet_address": str(core), "lamports": lamports, "sol_amount": lamports / LAMPORTS_PER_SOL,
                "new_balance_lamports": balance, "status": "success"}

    async def stop_service(self, _: NoParams) -> dict[str, Any]:
        if self.stop is None:
            raise RpcError(SERVICE_UNAVAILABLE, "this run was not started with a way to stop it over the API")
        self.stop.request("stop_service")
        return {"message": "stopping: workers finish their cycle, then the summary is written and the process "
                           "exits", "status": "acknowledged"}

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
            "by_kind": session.by_kind.to_dict(),
            "endpoint_latency_ms": endpoint_latency(session.chain),
            "verification": {"checks": log.total_checks, "violations": log.total_violations},
            "incidents": len(session.incidents),
            "workers": {status.value: sum(w.status is status for w in session.workers.values())
                        for status in WorkerStatus},
        }


def _session_entry(report: dict[str, Any]) -> dict[str, Any]:
    """One worker session as get_thread_sessions lists it (service-features.md 1.4), with the full report."""
    info, totals = report["session_info"], report["verification_totals"]
    return {"start_time": info["start_time"], "end_time": info["end_time"],
            "duration_seconds": info["duration_seconds"],
            "verification_summary": {
                "successful_operations": totals["operation_counts"]["successes"],
                "total_tokens_processed": totals["token_flows"]["tokens_in"],
                "total_fees_paid": totals["fee_tracking"]["total_sol_spent"],
                "pool_verification_passed": report["pool_verification_data"]["pool_verification_passed"]},
            "report": report}


def _spec_of(params: CreatePoolParams) -> PoolSpec:
    """The pool "1:X" or "X:1" asks for: whole numbers, one side 1 (service-features.md 1.3)."""
    left, right = (int(part) for part in params.ratio.split(":"))
    if 1 not in (left, right) or 0 in (left, right):
        raise RpcError(-32602, f"invalid params: ratio: {params.ratio!r} must be \"1:X\" or \"X:1\" with X a "
                               "whole number of at least 1")
    return PoolSpec(params.token_a_decimals, params.token_b_decimals, f"{left}:{right}")


def _address(text: str, name: str) -> Address:
    try:
        return Address.from_base58(text)
    except ValueError:
        raise RpcError(-32602, f"invalid params: {name}: {text!r} is not a base58 address of 32 bytes") from None


async def _token_balance(session: Session, account: Address) -> int:
    state = await session.chain.get_account(account)
    return 0 if state is None else TokenAccount.decode(state.data).amount


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
