"""Serving an aiohttp application on a host and port for the length of a block."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from pytest_fixedratio.errors import InvalidArgument


@asynccontextmanager
async def serving(app: web.Application, host: str, port: int, *, option: str) -> AsyncIterator[int]:
    """Serve `app` on host:port (0: any free port) while the block runs; yields the port bound. A port that
    cannot be bound is an `InvalidArgument` naming `option` (the command-line option that chose it)."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            raise InvalidArgument(f"{option} {port}: cannot listen on {host}:{port}: {exc.strerror}") from None
        yield int(runner.addresses[0][1]) if runner.addresses else port
    finally:
        await runner.cleanup()
