"""The ``frt-stress`` command line."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from pytest_fixedratio.errors import FixedRatioError

DESCRIPTION = (
    "Stress-test the Fixed Ratio Trading (FRT) Solana program: concurrent deposits, withdrawals and swaps "
    "with every operation verified against the pool mathematics."
)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def parse_duration(text: str) -> float:
    """'90', '90s', '15m', '1h', '1.5d' -> seconds."""
    match = _DURATION.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 90s, 15m, 1h or 3600")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return value


def _program_file(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text!r} is not a file; pass the path of a built FRT program (.so)")
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="frt-stress", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser("run", help="run a stress campaign on the embedded target (LiteSVM)",
                              description="Run a stress campaign on the embedded target and print a summary.")
    run.add_argument("--duration", type=parse_duration, default=parse_duration("1h"),
                     help="campaign length in chain time, e.g. 90s, 15m, 1h (default 1h)")
    run.add_argument("--clock", choices=("virtual", "real"), default="virtual",
                     help="virtual: pauses cost no wall time and the run is reproducible (default)")
    run.add_argument("--pools", type=_positive_int, default=3, help="number of pools (default 3)")
    run.add_argument("--depositors", type=int, default=2, help="deposit workers per pool side (default 2)")
    run.add_argument("--withdrawers", type=int, default=2, help="withdrawal workers per pool side (default 2)")
    run.add_argument("--no-swappers", action="store_true", help="no swap workers")
    run.add_argument("--seed", type=int, default=7, help="master seed of every random choice (default 7)")
    run.add_argument("--program", type=_program_file, default=None,
                     help="an FRT program .so to test instead of the bundled reference program")
    run.add_argument("--verify-every", type=_positive_int, default=1,
                     help="check pool invariants after every N-th operation on a pool (default 1)")
    run.add_argument("--report", type=Path, default=None, help="also write the summary as JSON to this file")
    run.add_argument("--data-dir", type=Path, default=None,
                     help="keep the core wallet (mode 0600) and the saved-pool book here (default: keep nothing)")
    return parser


def _run(args: argparse.Namespace) -> int:
    from pytest_fixedratio.engine.campaign import CampaignConfig, run_campaign
    from pytest_fixedratio.store.atomic import atomic_write_json

    config = CampaignConfig(
        duration_s=args.duration, virtual_clock=args.clock == "virtual", pools=args.pools,
        depositors_per_side=args.depositors, withdrawers_per_side=args.withdrawers, swappers=not args.no_swappers,
        seed=args.seed, program_path=args.program, verify_every=args.verify_every, data_dir=args.data_dir,
    )
    summary = asyncio.run(run_campaign(config))
    print(summary.render())
    if args.report is not None:
        atomic_write_json(args.report, summary.to_dict(), mode=0o644)
    return 0 if summary.passed else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return _run(args)
    except FixedRatioError as exc:  # the harness's own, explained failures: no traceback, exit 2
        print(f"frt-stress: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
