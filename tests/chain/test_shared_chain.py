"""Two clients on one chain, contending on the same pool: the rpc target's receipts are set right from the
transactions' metadata where another client touched the accounts between the reads around them, and the shared
verifier finds no violation where there is none."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pytest_fixedratio.chain.base import AccountState
from pytest_fixedratio.chain.executed import Balances, as_executed
from pytest_fixedratio.chain.localnet import serving_localnet
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.engine.summary import CampaignSummary
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.store.database import Store

ADDRESSES = [Address(bytes([i]) * 32) for i in range(1, 5)]
MINT = Address(bytes([9]) * 32)
amounts = st.integers(0, 2**64 - 1)


def _token(lamports: int, amount: int) -> AccountState:
    return AccountState(lamports, ids.TOKEN_PROGRAM_ID, bytes(64) + amount.to_bytes(8, "little") + bytes(93))


def _mint(lamports: int, supply: int) -> AccountState:
    return AccountState(lamports, ids.TOKEN_PROGRAM_ID, bytes(36) + supply.to_bytes(8, "little") + bytes(38))


def _balances(keys: list[Address], pre: list[tuple[int, int]], post: list[tuple[int, int]], *,
              failed: bool = False) -> Balances:
    """Token accounts of `MINT` (amounts from `pre` / `post`) at `keys`."""
    return Balances(keys, [p[0] for p in pre], [p[0] for p in post], {i: p[1] for i, p in enumerate(pre)},
                    {i: p[1] for i, p in enumerate(post)}, dict.fromkeys(range(len(keys)), MINT), failed)


@given(pre=st.lists(st.tuples(st.integers(1, 10**12), amounts), min_size=4, max_size=4),
       post=st.lists(st.tuples(st.integers(1, 10**12), amounts), min_size=4, max_size=4),
       drift=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=4, max_size=4),
       in_message=st.integers(1, 4))
def test_reads_are_set_right_by_the_metadata_where_they_disagree(
        pre: list[tuple[int, int]], post: list[tuple[int, int]], drift: list[tuple[int, int]],
        in_message: int) -> None:
    """Token accounts, the first `in_message` of them in the transaction's message, the reads off by `drift`:
    lamports and amounts come out as the metadata says, the rest of each account as read, an account outside the
    message unchanged, and the receipt contended exactly when some read was off."""
    keys = ADDRESSES[:in_message]
    before = {a: _token(pre[i][0] + drift[i][0], pre[i][1]) for i, a in enumerate(ADDRESSES)}
    after = {a: _token(post[i][0], (post[i][1] + drift[i][1]) % 2**64) for i, a in enumerate(ADDRESSES)}
    executed = as_executed(_balances(keys, pre[:in_message], post[:in_message]), before, after)
    expected_before = {a: _token(*pre[i]) if i < in_message else before[a] for i, a in enumerate(ADDRESSES)}
    expected_after = {a: _token(*post[i]) if i < in_message else before[a] for i, a in enumerate(ADDRESSES)}
    assert (executed.before, executed.after) == (expected_before, expected_after)
    assert executed.contended == ((expected_before, expected_after) != (before, after))
    if not executed.contended:
        assert executed.before is before and executed.after is after


@given(supply=amounts, minted=st.integers(-10, 10**9), others=st.integers(-10**9, 10**9))
def test_a_mint_moves_by_what_the_transaction_minted_whatever_others_did(supply: int, minted: int,
                                                                          others: int) -> None:
    """A mint in the message, and a token account of it that got `minted`: the mint's supply after is its
    supply before plus `minted`, even when others minted `others` between the reads."""
    assume(0 <= supply + minted < 2**64 and 0 <= supply + minted + others < 2**64 and minted >= -10)
    account, mint = ADDRESSES[0], MINT
    balances = Balances([account, mint], [5, 7], [5, 7], {0: 10}, {0: 10 + minted}, {0: mint}, False)
    before = {account: _token(5, 10), mint: _mint(7, supply)}
    after = {account: _token(5, 10 + minted), mint: _mint(7, supply + minted + others)}
    executed = as_executed(balances, before, after)
    assert executed.after[mint] == _mint(7, supply + minted) and executed.contended == (others != 0)


def test_a_failed_transaction_changes_nothing_but_lamports_whatever_the_reads_say() -> None:
    account, mint = ADDRESSES[0], MINT
    balances = Balances([account, mint], [5, 7], [3, 7], {0: 10}, {0: 10}, {0: mint}, True)
    executed = as_executed(balances, {account: _token(5, 10), mint: _mint(7, 100)},
                           {account: _token(5, 10), mint: _mint(7, 140)})  # another client minted 40
    assert executed.after == {account: _token(3, 10), mint: _mint(7, 100)} and executed.contended


def test_an_account_another_client_closed_or_made_in_between_is_taken_from_the_metadata() -> None:
    made, closed = ADDRESSES[:2]
    balances = Balances([made, closed], [0, 5], [7, 0], {}, {}, {}, False)
    state = AccountState(9, ids.SYSTEM_PROGRAM_ID, b"")
    executed = as_executed(balances, {made: None, closed: None}, {made: None, closed: state})
    # `made` existed at neither read: nothing to build it from; `closed` was seen after, so it is rebuilt
    assert executed.before == {made: None, closed: AccountState(5, ids.SYSTEM_PROGRAM_ID, b"")}
    assert executed.after == {made: None, closed: None} and executed.contended


def _config(url: str, data_dir: Path, seconds: float) -> CampaignConfig:
    return CampaignConfig(duration_s=seconds, virtual_clock=False, pools=1, depositors_per_side=1,
                          withdrawers_per_side=1, hoarding_withdrawers_per_side=0, target="rpc", rpc_urls=(url,),
                          data_dir=data_dir)


@pytest.mark.asyncio
async def test_two_clients_contend_on_one_pool_and_every_check_holds(tmp_path: Path) -> None:
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    async with serving_localnet(port=0) as (url, _):
        with Store.open(first_dir) as first_store, Store.open(second_dir) as second_store:
            first = Campaign(_config(url, first_dir, 20), store=first_store)
            second = Campaign(_config(url, second_dir, 15), store=second_store)
            joined: list[asyncio.Task[CampaignSummary]] = []

            async def share_the_pool(ready: Campaign) -> None:
                """The second client joins with the first's core wallet (the mints' authority) and pool."""
                shutil.copy(first_dir / "core_wallet.json", second_dir / "core_wallet.json")
                second_store.save_pools(first_store.load_pools())
                joined.append(asyncio.create_task(second.run()))

            summaries = [await first.run(before_start=share_the_pool), await joined[0]]
    pools = [{w["pool"] for w in s.per_worker.values()} for s in summaries]
    assert pools[0] == pools[1] and len(pools[0]) == 1
    for summary in summaries:
        assert summary.passed, summary.render()
        assert summary.operations["deposit"]["ok"] > 0 and summary.operations["withdraw"]["ok"] > 0
    contended = [s.verification["contended"] for s in summaries]
    assert sum(contended) > 0, "the clients did contend"
    print(f"operations {[s.total_operations for s in summaries]}, contended {contended}")
