"""The ``frt-stress`` command line."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar

from pytest_fixedratio.errors import FixedRatioError
from pytest_fixedratio.settings import OPLOG, REPORT, SETTINGS, Setting

if TYPE_CHECKING:
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
    sink = None if oplog is None else JsonlSink(oplog)
    printer = ProgressPrinter(sys.stderr)
    try:
        summary = asyncio.run(_until_signalled(config, sink, printer))
    except KeyboardInterrupt:  # a second Ctrl-C while the first one's summary was being made
        printer.close()
        print("frt-stress: interrupted twice: stopped without a summary", file=sys.stderr)
        return 130
    printer.close()
    print(summary.render())
    if report is not None:
        atomic_write_json(report, summary.to_dict(), mode=0o644)
    return 0 if summary.passed else 1


async def _until_signalled(config: CampaignConfig, sink: OperationSink | None,
                           printer: ProgressPrinter) -> CampaignSummary:
    """The campaign, ended early by the first SIGINT or SIGTERM with the summary of what ran; a second one is
    left to its default (Ctrl-C raises KeyboardInterrupt, SIGTERM ends the process)."""
    from pytest_fixedratio.engine.campaign import run_campaign
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
        return await run_campaign(config, sink=sink, stop=stop, progress=printer)
    finally:
        for sig in _STOP_SIGNALS:
            loop.remove_signal_handler(sig)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return _run(args)
    except FixedRatioError as exc:  # a bad setting or the harness's own, explained failure: no traceback, exit 2
        print(f"frt-stress: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
