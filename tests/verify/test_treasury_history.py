"""G1 over the treasury's flows: exact on a chain the harness owns alone, and in its safe form on a shared chain,
where other clients create pools, donate, consolidate and withdraw too (their withdrawals are in the treasury's own
total_withdrawn)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt.state import MainTreasuryState, SystemState
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.verify.invariants import TreasuryHistory
from pytest_fixedratio.verify.report import Check
from pytest_fixedratio.verify.snapshot import GlobalSnapshot
from pytest_fixedratio.verify.verifier import Verifier

RENT = 1_837_440
PROGRAM = Address(bytes(range(32)))
lamports = st.integers(0, 10**12)


def _snapshot(pools: int, donations: int, consolidated: int, withdrawn: int) -> GlobalSnapshot:
    treasury = MainTreasuryState(pool_creation_count=pools, total_pool_creation_fees=c.REGISTRATION_FEE * pools,
                                 total_withdrawn=withdrawn, total_donations=donations)
    balance = RENT + c.REGISTRATION_FEE * pools + donations + consolidated - withdrawn
    return GlobalSnapshot(treasury, balance, SystemState(False, 0, 0, PROGRAM, None, 0), {})


def _g1(verifier: Verifier, snapshot: GlobalSnapshot) -> list[str]:
    return [str(v) for v in verifier.check_program(snapshot, treasury_rent=RENT) if v.check is Check.G1]


@given(st.integers(0, 5), lamports, lamports, st.integers(0, 5), lamports, lamports, lamports)
def test_a_shared_chain_keeps_g1_whatever_other_clients_add_or_withdraw(
        ours: int, donated: int, consolidated: int, theirs: int, their_donations: int, their_consolidations: int,
        withdrawn: int) -> None:
    verifier = Verifier(PROGRAM, shared=True)
    verifier.treasury = TreasuryHistory(ours, donated, consolidated, 0)
    total = RENT + c.REGISTRATION_FEE * (ours + theirs) + donated + their_donations + consolidated \
        + their_consolidations
    withdrawn = min(withdrawn, total - RENT)
    snapshot = _snapshot(ours + theirs, donated + their_donations, consolidated + their_consolidations, withdrawn)
    assert _g1(verifier, snapshot) == []


@given(st.integers(0, 5), lamports, lamports, st.integers(1, 10**9))
def test_a_shared_chain_still_finds_lamports_missing_from_the_treasury(ours: int, donated: int, consolidated: int,
                                                                       missing: int) -> None:
    verifier = Verifier(PROGRAM, shared=True)
    verifier.treasury = TreasuryHistory(ours, donated, consolidated, 0)
    snapshot = _snapshot(ours, donated, consolidated, 0)
    short = replace(snapshot, treasury_lamports=snapshot.treasury_lamports - missing)
    assert _g1(verifier, short)


@given(st.integers(0, 5), lamports, lamports, st.integers(1, 10**9))
def test_an_exclusive_chain_holds_the_treasury_to_the_harnesss_own_flows_exactly(
        pools: int, donated: int, consolidated: int, other: int) -> None:
    verifier = Verifier(PROGRAM)
    verifier.treasury = TreasuryHistory(pools, donated, consolidated, 0)
    snapshot = _snapshot(pools, donated, consolidated, 0)
    assert _g1(verifier, snapshot) == []
    assert _g1(verifier, replace(snapshot, treasury_lamports=snapshot.treasury_lamports + other))
