"""The ``frt-stress`` command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import Any, TypeVar

from pytest_fixedratio.errors import FixedRatioError
from pytest_fixedratio.settings import OPLOG, REPORT, SETTINGS, Setting

T = TypeVar("T")

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
    from pytest_fixedratio.engine.campaign import CampaignConfig, run_campaign
    from pytest_fixedratio.engine.oplog import JsonlSink
    from pytest_fixedratio.store.atomic import atomic_write_json

    def parse(setting: Setting[T]) -> T:
        return setting.parse(getattr(args, setting.name), _option(setting))

    config = CampaignConfig(**{s.field: parse(s) for s in SETTINGS if s.field is not None})
    report, oplog = parse(REPORT), parse(OPLOG)
    sink = None if oplog is None else JsonlSink(oplog)
    summary = asyncio.run(run_campaign(config, sink=sink))
    print(summary.render())
    if report is not None:
        atomic_write_json(report, summary.to_dict(), mode=0o644)
    return 0 if summary.passed else 1


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
