"""The fleet's directory and lock: the first campaign makes the pools and publishes them with its core wallet,
every later one waits for that and takes both; a campaign that fails before publishing lets the next one try."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest

from pytest_fixedratio.fleet import ROOT_ENV, Fleet
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.store.database import Store
from pytest_fixedratio.store.keyfile import load_wallet, save_wallet

POOL = {"pool": str(Wallet.from_seed(bytes(32)).address), "spec": {"rate": "1000"}}


@pytest.mark.asyncio
async def test_the_first_campaign_publishes_and_the_others_wait_and_join(tmp_path: Path) -> None:
    fleet = Fleet(tmp_path, ("http://127.0.0.1:1",))
    first_dir, second_dir = fleet.campaign_dir("gw0"), fleet.campaign_dir("gw1")
    core = Wallet.generate()
    events: list[str] = []
    with Store.open(first_dir) as first, Store.open(second_dir) as second:
        async def join() -> None:
            async with fleet.joined(second_dir, second) as publish:
                events.append(f"second joined, publishes: {publish is not None}")

        async with fleet.joined(first_dir, first) as publish:
            assert publish is not None
            waiting = asyncio.create_task(join())
            await asyncio.sleep(0.3)
            events.append("first set up")  # the second still waits on the lock
            save_wallet(core, first_dir / "core_wallet.json")
            first.save_pools([POOL])
            publish()
            await waiting
        assert second.load_pools() == [POOL]
    assert events == ["first set up", "second joined, publishes: False"]
    assert load_wallet(second_dir / "core_wallet.json").address == core.address
    assert stat.S_IMODE((tmp_path / "core_wallet.json").stat().st_mode) == 0o600


@pytest.mark.asyncio
async def test_a_campaign_that_fails_before_publishing_lets_the_next_make_the_pools(tmp_path: Path) -> None:
    fleet = Fleet(tmp_path, ("http://127.0.0.1:1",))
    with Store.open(fleet.campaign_dir("gw0")) as store:
        with pytest.raises(RuntimeError):
            async with fleet.joined(tmp_path, store):
                raise RuntimeError("set-up failed")
        async with fleet.joined(tmp_path, store) as publish:
            assert publish is not None


def test_a_shared_fleet_directory_is_used_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ROOT_ENV, str(tmp_path / "shared"))
    fleet = Fleet.create(("http://127.0.0.1:1",))
    assert fleet.root.parent == tmp_path / "shared" and not fleet.owned
    fleet.remove()
    assert fleet.root.exists()
    monkeypatch.delenv(ROOT_ENV)
    own = Fleet.create(("http://127.0.0.1:1",))
    assert own.owned and Fleet.from_input(own.to_input()) == Fleet(own.root, own.urls)
    own.remove()
    assert not own.root.exists()
