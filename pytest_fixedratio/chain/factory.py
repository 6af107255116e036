"""`make_chain`: the one place that turns a target name into a `Chain`."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from pytest_fixedratio.chain.base import Chain
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.sol.keys import Wallet

TARGETS: Final = ("litesvm",)
"""Targets this build can make; the rpc and localnet targets are the subject of their own issue."""


def make_chain(target: str = "litesvm", *, program_path: Path | None = None, program: Wallet | None = None,
               upgrade_authority: Wallet | None = None) -> Chain:
    """A chain of `target` running the FRT build at `program_path` (default: the bundled reference program),
    deployed at `program`'s address with `upgrade_authority` (seeded wallets make a reproducible run)."""
    if target == "litesvm":
        from pytest_fixedratio.chain.litesvm import LiteSvmChain

        return LiteSvmChain(program_path, program=program, upgrade_authority=upgrade_authority)
    raise InvalidArgument(f"unknown chain target {target!r}; this build knows: {', '.join(TARGETS)}")
