"""``frt-stress localnet``: one LiteSVM with the FRT program, served over HTTP as a Solana validator's JSON-RPC API.

Why: clients written for a real cluster (solana-py, the rpc target) can then be run and tested against the
in-process chain, at its speed and with its determinism, without a validator installed. The node's semantics
(slots, blockhashes, preflight, history) are `localnet_node`'s, the protocol `localnet_protocol`'s; this module is
the HTTP side: an aiohttp app (``POST /`` for JSON-RPC, ``GET /health`` as a validator has), the body limit, the
optional fault injection, and the entry points the CLI uses (`serving_localnet`, `run_localnet`).

The program is deployed at the same address at every start (`DEFAULT_PROGRAM`, from a documented seed), with a
known upgrade authority (`DEFAULT_UPGRADE_AUTHORITY`), so a client configured once keeps working across restarts
and can sign FRT's admin instructions. Both keys are public by construction: a local test cluster only.
The server binds 127.0.0.1 unless told otherwise; like a validator's RPC port it asks for no credentials.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.chain.localnet_node import LocalnetNode
from pytest_fixedratio.chain.localnet_protocol import Handler, answer
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.wire.jsonrpc import INVALID_REQUEST, error_response
from pytest_fixedratio.wire.serving import serving

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8899
"""A validator's RPC port: what solana-py and the Solana CLI call by default."""
PROGRAM_SEED: Final = hashlib.sha256(b"frt-stress localnet program").digest()
UPGRADE_AUTHORITY_SEED: Final = hashlib.sha256(b"frt-stress localnet upgrade authority").digest()
DEFAULT_PROGRAM: Final = Wallet.from_seed(PROGRAM_SEED)
"""The program keypair by default: ``Wallet.from_seed(sha256(b"frt-stress localnet program"))``."""
DEFAULT_UPGRADE_AUTHORITY: Final = Wallet.from_seed(UPGRADE_AUTHORITY_SEED)
"""The upgrade authority by default: ``Wallet.from_seed(sha256(b"frt-stress localnet upgrade authority"))``."""
MAX_BODY_BYTES: Final = 50 * 1024
"""A validator's request body limit (Agave's MAX_REQUEST_BODY_SIZE)."""


@dataclass(frozen=True, slots=True)
class Faults:
    """What goes wrong on purpose, per HTTP request, each with its probability (0: never, the default).

    A client meant for a real cluster must survive these, so its tests inject them: ``delay`` holds the answer
    back for a time drawn from ``delay_range`` (seconds); ``drop`` closes the connection before the request is
    served (nothing happened); ``rate_limit`` answers HTTP 429 as a public RPC endpoint does (nothing happened);
    ``lost_send`` serves a request that calls sendTransaction, then closes the connection without the answer (the
    transaction may have landed: the client must look). Draws come from ``random.Random(seed)``, so a run's
    faults repeat with its seed and order of requests.
    """

    seed: int = 0
    delay: float = 0.0
    delay_range: tuple[float, float] = (0.05, 0.5)
    drop: float = 0.0
    rate_limit: float = 0.0
    lost_send: float = 0.0

    def __post_init__(self) -> None:
        for name in ("delay", "drop", "rate_limit", "lost_send"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise InvalidArgument(f"Faults.{name} is a probability from 0 to 1, got {value!r}")
        low, high = self.delay_range
        if not (math.isfinite(high) and 0.0 <= low <= high):
            raise InvalidArgument(f"Faults.delay_range is (shortest, longest) seconds, got {self.delay_range!r}")

    def draw(self, rng: random.Random) -> FaultDraw:
        """This request's faults. Every draw is made whatever the probabilities, so one fault's probability does
        not change when the others happen."""
        delay, drop, limited, lost, pause = rng.random(), rng.random(), rng.random(), rng.random(), rng.random()
        low, high = self.delay_range
        return FaultDraw(low + pause * (high - low) if delay < self.delay else 0.0, drop < self.drop,
                         limited < self.rate_limit, lost < self.lost_send)


@dataclass(frozen=True, slots=True)
class FaultDraw:
    """What goes wrong with one request: the delay (0: none) and which of the other faults happen."""

    delay: float
    drop: bool
    rate_limit: bool
    lose_send: bool


METHODS: Final = web.AppKey("methods", dict[str, Handler])
FAULTS: Final = web.AppKey("faults", Faults)
RANDOM: Final = web.AppKey("random", random.Random)


def make_localnet_app(chain: LiteSvmChain, faults: Faults | None = None) -> web.Application:
    """The app serving ``chain``; it takes the chain over (see `LocalnetNode`: LiteSVM's blockhash check is
    switched off, the server checks blockhashes against its own history)."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[METHODS] = LocalnetNode(chain).methods()
    app[FAULTS] = faults or Faults()
    app[RANDOM] = random.Random(app[FAULTS].seed)
    app.router.add_post("/", _rpc)
    app.router.add_get("/health", _health)
    return app


async def _rpc(request: web.Request) -> web.StreamResponse:
    fault = request.app[FAULTS].draw(request.app[RANDOM])
    if fault.delay:
        await asyncio.sleep(fault.delay)
    if fault.drop:
        return _hang_up(request)
    if fault.rate_limit:
        return web.json_response(error_response(None, 429, "Too many requests"), status=429,
                                 headers={"Retry-After": "1"})
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return web.json_response(error_response(None, INVALID_REQUEST, f"Invalid request: the body is over "
                                                                       f"{MAX_BODY_BYTES} bytes"), status=413)
    methods = request.app[METHODS]
    reply = await answer(body, methods)
    if fault.lose_send and "sendTransaction" in reply.called:
        return _hang_up(request)
    if reply.body is None:
        return web.Response(status=204)
    return web.json_response(reply.body, dumps=_dumps)


def _hang_up(request: web.Request) -> web.StreamResponse:
    """Close the connection with no answer: the client sees a disconnect, as when a node or a proxy dies."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=503)  # never sent: the connection is gone


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


async def _health(_: web.Request) -> web.Response:
    return web.Response(text="ok")


@asynccontextmanager
async def serving_localnet(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, program_path: Path | None = None,
                           faults: Faults | None = None, *, program: Wallet = DEFAULT_PROGRAM,
                           upgrade_authority: Wallet = DEFAULT_UPGRADE_AUTHORITY
                           ) -> AsyncIterator[tuple[str, LiteSvmChain]]:
    """Serve a new chain running ``program_path`` (default: the bundled reference FRT build) on host:port (0: any
    free port) while the block runs; yields the URL clients call and the chain (for tests that look behind it)."""
    chain = LiteSvmChain(program_path, program=program, upgrade_authority=upgrade_authority)
    async with serving(make_localnet_app(chain, faults), host, port, option="--port") as bound:
        yield f"http://{f'[{host}]' if ':' in host else host}:{bound}", chain


async def run_localnet(host: str, port: int, program_path: Path | None, faults: Faults | None,
                       announce: Callable[[str], None]) -> None:
    """Serve until cancelled (Ctrl-C in the CLI); ``announce`` is told where, and which program, once serving."""
    async with serving_localnet(host, port, program_path, faults) as (url, chain):
        announce(f"localnet JSON-RPC on {url} (program {chain.program_id}, upgrade authority "
                 f"{chain.upgrade_authority.address}, a slot every 400 ms)")
        await asyncio.Event().wait()
