"""The ``frt-stress`` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from pytest_fixedratio.errors import FixedRatioError
from pytest_fixedratio.settings import (
    CLOCK,
    COMMITMENT,
    CONTROL_HOST,
    CONTROL_PORT,
    DATA_DIR,
    LOCALNET_HOST,
    LOCALNET_PORT,
    OPLOG,
    PROGRAM,
    PROGRAM_ID,
    REPORT,
    RPC_URLS,
    SEED,
    SETTINGS,
    TARGET,
    UPGRADE_AUTHORITY,
    VERIFY_EVERY,
    Setting,
)

if TYPE_CHECKING:
    from pytest_fixedratio.control.server import Control
    from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
    from pytest_fixedratio.engine.progress import ProgressPrinter
    from pytest_fixedratio.engine.summary import CampaignSummary
    from pytest_fixedratio.store.database import Store

T = TypeVar("T")
_STOP_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)
SERVE_SETTINGS: Final[tuple[Setting[Any], ...]] = (CLOCK, SEED, PROGRAM, VERIFY_EVERY, TARGET, RPC_URLS, PROGRAM_ID,
                                                   UPGRADE_AUTHORITY, COMMITMENT, DATA_DIR, CONTROL_PORT, CONTROL_HOST)
SERVE_DEFAULTS: Final = {"clock": "real"}
"""A service runs in real time unless told otherwise: its users steer it by hand."""
SERVE_PORT: Final = 8080

DESCRIPTION = (
    "Stress-test the Fixed Ratio Trading (FRT) Solana program: concurrent deposits, withdrawals and swaps "
    "with every operation verified against the pool mathematics."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="frt-stress", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser("run", help="run a stress campaign on the embedded target (LiteSVM)",
                              description="Run a stress campaign on the embedded target and print a summary.")
    for setting in SETTINGS:
        run.add_argument(_option(setting), dest=setting.name, help=setting.option_help(setting.default),
                         **setting.option_kwargs(setting.default))
    serve = commands.add_parser("serve", help="run as a service steered over its control API; state is kept",
                                description="Run as a long-lived service: pools and workers are created, "
                                            "started and stopped over the JSON-RPC control API (frt-stress call), "
                                            "and kept in the data directory's store; a restart brings them back. "
                                            "SIGTERM or Ctrl-C stop the workers, store the session and exit 0.")
    for setting in SERVE_SETTINGS:
        default = SERVE_DEFAULTS.get(setting.name, setting.default)
        serve.add_argument(_option(setting), dest=setting.name, help=setting.option_help(default),
                           **setting.option_kwargs(default))
    localnet = commands.add_parser("localnet", help="serve one in-process chain over Solana's JSON-RPC API",
                                   description="Serve one LiteSVM with the FRT program deployed, over the part of "
                                               "Solana's JSON-RPC API that solana-py and the rpc target use, so "
                                               "several processes can share one chain. Ctrl-C or SIGTERM stop it.")
    for setting in (LOCALNET_PORT, LOCALNET_HOST, PROGRAM):
        localnet.add_argument(_option(setting), dest=setting.name, help=setting.option_help(setting.default),
                              **setting.option_kwargs(setting.default))
    report = commands.add_parser("report", help="list the stored sessions of a data directory, or print one",
                                 description="Without SESSION, list the sessions stored in the data directory, "
                                             "newest first; with it, print that session's report as JSON.")
    report.add_argument("session", metavar="SESSION", nargs="?")
    report.add_argument("--data-dir", default="", metavar="PATH",
                        help="the data directory (default $XDG_STATE_HOME/frt-stress)")
    report.add_argument("--limit", type=int, default=None, metavar="N", help="list the newest N only")
    call = commands.add_parser("call", help="call a method of a run's control API (JSON-RPC 2.0)",
                               description="Call METHOD of the control API of `frt-stress run --control-port` and "
                                           "print its result as JSON. Each PARAM is name=value; a value that "
                                           "reads as JSON (5, true, null, \"text\") is taken as such, any other "
                                           "as text. The bearer token, where the API needs one, comes from "
                                           "$FRT_STRESS_TOKEN.")
    call.add_argument("--url", default="http://127.0.0.1:8080/api/jsonrpc",
                      help="the API's address (default http://127.0.0.1:8080/api/jsonrpc)")
    call.add_argument("method", metavar="METHOD")
    call.add_argument("params", metavar="PARAM", nargs="*", help="name=value")
    return parser


def _option(setting: Setting[Any]) -> str:
    return "--" + setting.flag


def _run(args: argparse.Namespace) -> int:
    from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
    from pytest_fixedratio.engine.oplog import JsonlSink
    from pytest_fixedratio.engine.progress import ProgressPrinter
    from pytest_fixedratio.store.atomic import atomic_write_json

    def parse(setting: Setting[T]) -> T:
        return setting.parse(getattr(args, setting.name), _option(setting))

    config = CampaignConfig(**{s.field: parse(s) for s in SETTINGS if s.field is not None})
    report, oplog = parse(REPORT), parse(OPLOG)
    port, host = parse(CONTROL_PORT), parse(CONTROL_HOST)
    control = None
    if port is not None:
        from pytest_fixedratio.control.client import TOKEN_ENV
        from pytest_fixedratio.control.server import Control, check_bind

        control = Control(host, port, os.environ.get(TOKEN_ENV, ""))
        check_bind(host, control.token)
    sink = None if oplog is None else JsonlSink(oplog)
    printer = ProgressPrinter(sys.stderr)
    with _store(config.data_dir) as store, _localnet_started(config) as config:
        try:
            summary = asyncio.run(_until_signalled(lambda: Campaign(config, sink=sink, store=store), printer,
                                                   control))
        except KeyboardInterrupt:  # a second Ctrl-C while the first one's summary was being made
            printer.close()
            print("frt-stress: interrupted twice: stopped without a summary", file=sys.stderr)
            return 130
    printer.close()
    print(summary.render())
    if report is not None:
        atomic_write_json(report, summary.to_dict(), mode=0o644)
    return 0 if summary.passed else 1


@contextmanager
def _localnet_started(config: CampaignConfig) -> Iterator[CampaignConfig]:
    """The localnet target without --rpc-url: a `frt-stress localnet` of the run's own, stopped after it."""
    if config.target != "localnet" or config.rpc_urls:
        yield config
        return
    from pytest_fixedratio.chain.localnet_process import LocalnetProcess

    chain = LocalnetProcess.start(config.program_path)
    print(f"frt-stress: started frt-stress localnet at {chain.url} for this run", file=sys.stderr)
    try:
        yield replace(config, rpc_urls=(chain.url,))
    finally:
        chain.stop()


@contextmanager
def _store(data_dir: Path | None) -> Iterator[Store | None]:
    """The data directory's store, open (and locked) for the block, its notices said; None without one."""
    if data_dir is None:
        yield None
        return
    from pytest_fixedratio.store.database import Store

    with Store.open(data_dir) as store:
        for notice in store.notices:
            print(f"frt-stress: {notice}", file=sys.stderr)
        pending = len(store.pending_operations())
        if pending:  # settling one that never went out waits for its blockhash to expire
            print(f"frt-stress: {pending} transaction(s) a stopped process sent without seeing the end are settled "
                  f"first: this can take a blockhash's lifetime (about 60-90 s)", file=sys.stderr, flush=True)
        yield store


async def _until_signalled(make: Callable[[], Campaign], printer: ProgressPrinter, control: Control | None
                           ) -> CampaignSummary:
    """The campaign `make` gives, ended early by the first SIGINT or SIGTERM (or stop_service) with the summary
    of what ran; a second signal is left to its default (Ctrl-C raises KeyboardInterrupt, SIGTERM ends the
    process). With `control`, the control API serves from the end of the set-up to the end of the run."""
    from pytest_fixedratio.engine.progress import StopRequest

    loop, stop = asyncio.get_running_loop(), StopRequest()

    def on_signal(sig: signal.Signals) -> None:
        stop.request(sig.name)
        for handled in _STOP_SIGNALS:
            loop.remove_signal_handler(handled)
        printer.close()
        print(f"frt-stress: {sig.name}: stopping the workers and summarising the part that ran "
              "(once more to abort)", file=sys.stderr)

    for sig in _STOP_SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
    try:
        campaign = make()
        if control is None:
            return await campaign.run(_said(printer), stop=stop, progress=printer)
        async with control.serve_during(campaign, _announce(printer), stop) as (hook, commands):
            return await campaign.run(_said(printer, hook), stop=stop, progress=printer, commands=commands)
    finally:
        for sig in _STOP_SIGNALS:
            loop.remove_signal_handler(sig)


def _said(printer: ProgressPrinter, then: Callable[[Campaign], Awaitable[None]] | None = None
          ) -> Callable[[Campaign], Awaitable[None]]:
    """A `Campaign.run` hook: say what the set-up found in the store, then `then`."""
    async def said(campaign: Campaign) -> None:
        announce = _announce(printer)
        for line in campaign.restored:
            announce(line)
        if then is not None:
            await then(campaign)

    return said


def _announce(printer: ProgressPrinter) -> Callable[[str], None]:
    def announce(line: str) -> None:
        printer.close()
        print(f"frt-stress: {line}", file=sys.stderr, flush=True)

    return announce


def _serve(args: argparse.Namespace) -> int:
    from pytest_fixedratio.control.client import TOKEN_ENV
    from pytest_fixedratio.control.server import Control, check_bind
    from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
    from pytest_fixedratio.engine.progress import ProgressPrinter

    def parse(setting: Setting[T]) -> T:
        return setting.parse(getattr(args, setting.name), _option(setting))

    data_dir = parse(DATA_DIR) or default_data_dir()
    config = CampaignConfig.for_service(data_dir=data_dir, **{s.field: parse(s) for s in SERVE_SETTINGS
                                                               if s.field is not None and s is not DATA_DIR})
    host, port = parse(CONTROL_HOST), parse(CONTROL_PORT)
    control = Control(host, SERVE_PORT if port is None else port, os.environ.get(TOKEN_ENV, ""))
    check_bind(host, control.token)
    printer = ProgressPrinter(sys.stderr)
    with _store(data_dir) as store:
        print(f"frt-stress: serving from {data_dir}", file=sys.stderr)
        summary = asyncio.run(_until_signalled(lambda: Campaign(config, store=store, service=True), printer,
                                               control))
    printer.close()
    print(summary.render())
    return 0


def _localnet(args: argparse.Namespace) -> int:
    from pytest_fixedratio.chain.localnet import run_localnet

    port, host = LOCALNET_PORT.parse(args.port, "--port"), LOCALNET_HOST.parse(args.host, "--host")
    program = PROGRAM.parse(args.program, "--program")

    async def serve() -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for sig in _STOP_SIGNALS:
            loop.add_signal_handler(sig, task.cancel)
        try:
            await run_localnet(host, 8899 if port is None else port, program, None,
                               lambda line: print(f"frt-stress: {line}", file=sys.stderr, flush=True))
        except asyncio.CancelledError:
            print("frt-stress: localnet stopped", file=sys.stderr)

    asyncio.run(serve())
    return 0


def default_data_dir() -> Path:
    """Where a service keeps its state when not told: $XDG_STATE_HOME/frt-stress (~/.local/state/frt-stress)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "frt-stress"


def _report(args: argparse.Namespace) -> int:
    from pytest_fixedratio.store.database import Store

    data_dir = DATA_DIR.parse(args.data_dir, "--data-dir") or default_data_dir()
    with Store.open(data_dir, read_only=True) as store:
        if args.session is not None:
            print(json.dumps(store.get_session(args.session), indent=2))
            return 0
        rows = store.list_sessions(args.limit)
    if not rows:
        print(f"no sessions stored in {data_dir}")
    for row in rows:
        ended = "open" if row.ended_at is None else f"{row.status} {row.ended_at:%Y-%m-%d %H:%M:%S}"
        counts = row.summary.get("operation_counts", {})
        total = counts.get("total_operations") if isinstance(counts, dict) else None
        print(f"{row.session_id}  started {row.started_at:%Y-%m-%d %H:%M:%S}  {ended}"
              + ("" if total is None else f"  {total} operations"))
    return 0


def _call(args: argparse.Namespace) -> int:
    from pytest_fixedratio.control.client import TOKEN_ENV, call, parse_params

    answer = call(args.url, args.method, parse_params(args.params), token=os.environ.get(TOKEN_ENV, ""))
    if "error" in answer:
        error = answer["error"]
        print(f"frt-stress: error {error.get('code')}: {error.get('message')}", file=sys.stderr)
        return 1
    print(json.dumps(answer.get("result"), indent=2))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return {"call": _call, "serve": _serve, "report": _report, "localnet": _localnet}.get(args.command,
                                                                                                _run)(args)
    except FixedRatioError as exc:  # a bad setting or the harness's own, explained failure: no traceback, exit 2
        print(f"frt-stress: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `frt-stress call ... | head`: the reader has gone, as for any Unix tool
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 141


if __name__ == "__main__":
    sys.exit(main())
