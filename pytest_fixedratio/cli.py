"""The ``frt-stress`` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar

from pytest_fixedratio.errors import FixedRatioError
from pytest_fixedratio.settings import CONTROL_HOST, CONTROL_PORT, OPLOG, REPORT, SETTINGS, Setting

if TYPE_CHECKING:
    from pytest_fixedratio.control.server import Control
    from pytest_fixedratio.engine.campaign import CampaignConfig
    from pytest_fixedratio.engine.oplog import OperationSink
    from pytest_fixedratio.engine.progress import ProgressPrinter
    from pytest_fixedratio.engine.summary import CampaignSummary

T = TypeVar("T")
_STOP_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)

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
    from pytest_fixedratio.engine.campaign import CampaignConfig
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
    try:
        summary = asyncio.run(_until_signalled(config, sink, printer, control))
    except KeyboardInterrupt:  # a second Ctrl-C while the first one's summary was being made
        printer.close()
        print("frt-stress: interrupted twice: stopped without a summary", file=sys.stderr)
        return 130
    printer.close()
    print(summary.render())
    if report is not None:
        atomic_write_json(report, summary.to_dict(), mode=0o644)
    return 0 if summary.passed else 1


async def _until_signalled(config: CampaignConfig, sink: OperationSink | None, printer: ProgressPrinter,
                           control: Control | None) -> CampaignSummary:
    """The campaign, ended early by the first SIGINT or SIGTERM with the summary of what ran; a second one is
    left to its default (Ctrl-C raises KeyboardInterrupt, SIGTERM ends the process). With `control`, the control
    API serves from the end of the set-up to the end of the run."""
    from pytest_fixedratio.engine.campaign import Campaign
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
        campaign = Campaign(config, sink=sink)
        if control is None:
            return await campaign.run(stop=stop, progress=printer)
        async with control.serve_during(campaign, _announce(printer), stop) as (hook, commands):
            return await campaign.run(hook, stop=stop, progress=printer, commands=commands)
    finally:
        for sig in _STOP_SIGNALS:
            loop.remove_signal_handler(sig)


def _announce(printer: ProgressPrinter) -> Callable[[str], None]:
    def announce(line: str) -> None:
        printer.close()
        print(f"frt-stress: {line}", file=sys.stderr, flush=True)

    return announce


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
        return _call(args) if args.command == "call" else _run(args)
    except FixedRatioError as exc:  # a bad setting or the harness's own, explained failure: no traceback, exit 2
        print(f"frt-stress: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
