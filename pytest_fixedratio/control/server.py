"""The control port: an aiohttp application serving JSON-RPC 2.0, health and Prometheus metrics.

Routes: ``POST /api/jsonrpc`` and ``POST /rpc`` (the original's path and the design's), ``GET /health/live``,
``GET /health/ready`` and ``GET /metrics``. It binds 127.0.0.1 unless told otherwise; any other address needs a
bearer token, without which it refuses to start, and then every route but liveness asks for it. Bodies are
limited in size and calls in number at once, so a client cannot exhaust the run that it steers.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from pytest_fixedratio.control.client import TOKEN_ENV
from pytest_fixedratio.control.jsonrpc import Dispatcher
from pytest_fixedratio.control.service import ControlService
from pytest_fixedratio.engine.campaign import Campaign, tool_version
from pytest_fixedratio.engine.commands import CommandQueue
from pytest_fixedratio.engine.model import WorkerStatus
from pytest_fixedratio.engine.progress import StopRequest
from pytest_fixedratio.engine.session import Session
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.wire.jsonrpc import INVALID_REQUEST, error_response
from pytest_fixedratio.wire.serving import serving

MAX_BODY_BYTES: Final = 1 << 20
MAX_CONCURRENT_CALLS: Final = 16

DISPATCHER: Final = web.AppKey("dispatcher", Dispatcher)
SESSION: Final = web.AppKey("session", Session)
TOKEN: Final = web.AppKey("token", str)
CALLS: Final = web.AppKey("calls", asyncio.Semaphore)
REGISTRY: Final = web.AppKey("registry", CollectorRegistry)


def make_app(dispatcher: Dispatcher, session: Session, *, token: str = "") -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[_authorized])
    app[DISPATCHER], app[SESSION], app[TOKEN] = dispatcher, session, token
    app[CALLS] = asyncio.Semaphore(MAX_CONCURRENT_CALLS)
    registry = app[REGISTRY] = CollectorRegistry(auto_describe=True)
    registry.register(SessionCollector(session))
    app.router.add_post("/api/jsonrpc", _jsonrpc)
    app.router.add_post("/rpc", _jsonrpc)
    app.router.add_get("/health/live", _live)
    app.router.add_get("/health/ready", _ready)
    app.router.add_get("/metrics", _metrics)
    return app


@web.middleware
async def _authorized(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                      ) -> web.StreamResponse:
    token = request.app[TOKEN]
    if token and request.path != "/health/live":
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
            return web.json_response(error_response(None, INVALID_REQUEST, "unauthorized: send the bearer token"),
                                     status=401, headers={"WWW-Authenticate": "Bearer"})
    return await handler(request)


async def _jsonrpc(request: web.Request) -> web.Response:
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return web.json_response(error_response(None, INVALID_REQUEST, f"invalid request: the body is over "
                                                                       f"{MAX_BODY_BYTES} bytes"), status=413)
    async with request.app[CALLS]:
        answer = await request.app[DISPATCHER].handle(body)
    if answer is None:
        return web.Response(status=204)
    return web.json_response(answer, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


async def _live(_: web.Request) -> web.Response:
    return web.json_response({"status": "live"})


async def _ready(request: web.Request) -> web.Response:
    """Ready while the run has workers and at most half of them are in error (the original's rule)."""
    workers = list(request.app[SESSION].workers.values())
    errors = sum(w.status is WorkerStatus.ERROR for w in workers)
    running = sum(w.running for w in workers)
    ready = not workers or errors * 2 <= len(workers)
    return web.json_response({"status": "ready" if ready else "unhealthy", "total_threads": len(workers),
                              "running_threads": running, "error_threads": errors}, status=200 if ready else 503)


async def _metrics(request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(request.app[REGISTRY]), headers={"Content-Type": CONTENT_TYPE_LATEST})


class SessionCollector(Collector):
    """The session's figures at scrape time (nothing is counted twice: they are read from the session)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def collect(self) -> Any:
        session = self.session
        operations = CounterMetricFamily("frt_operations", "Transactions sent, by kind and outcome",
                                         labels=["kind", "outcome"])
        for kind, counts in session.tally.operations.items():
            operations.add_metric([kind, "ok"], counts["ok"])
            operations.add_metric([kind, "expected_failure"], counts["expected"])
            operations.add_metric([kind, "unexpected_failure"], counts["unexpected"])
        yield operations
        yield CounterMetricFamily("frt_incidents", "Incidents found", value=len(session.incidents))
        yield CounterMetricFamily("frt_verification_checks", "Checks run", value=session.verifier.log.total_checks)
        workers = GaugeMetricFamily("frt_workers", "Workers by status", labels=["status"])
        for status in WorkerStatus:
            workers.add_metric([status.value], sum(w.status is status for w in session.workers.values()))
        yield workers
        yield GaugeMetricFamily("frt_chain_seconds", "Chain time since the run started", value=session.clock.now())


def check_bind(host: str, token: str) -> None:
    """A port reachable from elsewhere than this machine needs a token."""
    if not _loopback(host) and not token:
        raise InvalidArgument(f"--control-host {host} is reachable from other machines: set a bearer token "
                              f"({TOKEN_ENV}) or bind 127.0.0.1")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Control:
    """Where a run's control API listens, and its token ("" on a loopback address: none asked)."""

    host: str
    port: int
    token: str

    @asynccontextmanager
    async def serve_during(self, campaign: Campaign, announce: Callable[[str], None], stop: StopRequest
                           ) -> AsyncIterator[tuple[Callable[[Campaign], Awaitable[None]], CommandQueue]]:
        """(a `Campaign.run` hook that starts serving once the session is set up, the queue of its commands); the
        port closes when the block ends. stop_service requests `stop`."""
        commands = CommandQueue()
        async with AsyncExitStack() as stack:
            async def start(running: Campaign) -> None:
                service = ControlService(running.session, commands, version=tool_version(), stop=stop,
                                         book=running.book,
                                         worker_sessions=running.recorder or running.worker_sessions)
                app = make_app(Dispatcher(service.methods()), running.session, token=self.token)
                port = await stack.enter_async_context(serving(app, self.host, self.port, option="--control-port"))
                announce(f"control API on http://{self.host}:{port}/api/jsonrpc")

            yield start, commands
