"""`make_chain`: the one place that turns a target name into a `Chain`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pytest_fixedratio.chain.base import Chain
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.store.keyfile import load_wallet

TARGETS: Final = ("litesvm", "localnet", "rpc")


@dataclass(frozen=True, slots=True)
class RpcSettings:
    """What the rpc target needs: endpoints, the deployed program, its upgrade authority's key file (None: the
    localnet's documented one), the commitment."""

    urls: tuple[str, ...] = ()
    program_id: str = ""
    upgrade_authority: Path | None = None
    commitment: str = "confirmed"


def make_chain(target: str = "litesvm", *, program_path: Path | None = None, program: Wallet | None = None,
               upgrade_authority: Wallet | None = None, rpc: RpcSettings = RpcSettings()) -> Chain:
    """A chain of `target`. litesvm: the FRT build at `program_path` (default: the bundled reference program),
    deployed at `program`'s address with `upgrade_authority` (seeded wallets make a reproducible run). rpc: the
    program already deployed at `rpc.program_id`, reached at `rpc.urls` (started by the campaign). localnet: the
    rpc target on a `frt-stress localnet` that `frt-stress run` or the pytest plugin started for the run, at
    `rpc.urls`."""
    if target == "litesvm":
        from pytest_fixedratio.chain.litesvm import LiteSvmChain

        return LiteSvmChain(program_path, program=program, upgrade_authority=upgrade_authority)
    if target in ("rpc", "localnet"):
        from pytest_fixedratio.chain.localnet import DEFAULT_PROGRAM, DEFAULT_UPGRADE_AUTHORITY
        from pytest_fixedratio.chain.rpc import RpcChain

        if not rpc.urls:
            raise InvalidArgument("the rpc target needs --rpc-url (a validator's, or frt-stress localnet's)"
                                  if target == "rpc" else "the localnet target's chain is started by frt-stress run "
                                  "and by the pytest plugin; elsewhere pass --rpc-url of a running frt-stress localnet")
        program_id = Address.from_base58(rpc.program_id) if rpc.program_id else DEFAULT_PROGRAM.address
        authority = DEFAULT_UPGRADE_AUTHORITY if rpc.upgrade_authority is None else load_wallet(rpc.upgrade_authority)
        return RpcChain.unstarted(rpc.urls, program_id, authority, commitment=rpc.commitment)
    raise InvalidArgument(f"unknown chain target {target!r}; this build knows: {', '.join(TARGETS)}")
