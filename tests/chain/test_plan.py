"""Transaction layout shared by every target: payer, signer set, compute budget, and the misuse it rejects."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.chain.base import MAX_COMPUTE_UNIT_LIMIT
from pytest_fixedratio.chain.plan import plan_transaction
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.sol import programs
from pytest_fixedratio.sol.keys import Wallet

ALICE, BOB, CAROL = (Wallet.from_seed(bytes([n]) * 32) for n in (1, 2, 3))
PAY_BOB = programs.system_transfer(ALICE.address, BOB.address, 5)
BOB_PAYS_CAROL = programs.system_transfer(BOB.address, CAROL.address, 7)


def test_without_a_limit_the_instructions_go_unchanged_and_the_first_signer_pays() -> None:
    plan = plan_transaction([PAY_BOB], [ALICE])
    assert plan.instructions == (PAY_BOB,)
    assert plan.payer == ALICE
    assert plan.signers == (ALICE,)
    assert plan.caller_index(0) == 0


@given(st.integers(min_value=1, max_value=MAX_COMPUTE_UNIT_LIMIT))
def test_a_limit_prepends_set_compute_unit_limit_and_shifts_reported_indices(limit: int) -> None:
    plan = plan_transaction([PAY_BOB, BOB_PAYS_CAROL], [ALICE, BOB], compute_unit_limit=limit)
    assert plan.instructions == (programs.set_compute_unit_limit(limit), PAY_BOB, BOB_PAYS_CAROL)
    assert [plan.caller_index(i) for i in (1, 2, None)] == [0, 1, None]


def test_an_explicit_payer_comes_first_and_duplicates_are_dropped() -> None:
    plan = plan_transaction([PAY_BOB], [ALICE, ALICE], payer=CAROL)
    assert plan.payer == CAROL
    assert plan.signers == (CAROL, ALICE)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: plan_transaction([], [ALICE]), "non-empty"),
    (lambda: plan_transaction(PAY_BOB, [ALICE]), "non-empty"),  # type: ignore[arg-type]
    (lambda: plan_transaction([PAY_BOB], []), "fee payer"),
    (lambda: plan_transaction([PAY_BOB, BOB_PAYS_CAROL], [ALICE]), str(BOB.address)),
    (lambda: plan_transaction([PAY_BOB], [ALICE, CAROL]), "not signers of any instruction"),
    (lambda: plan_transaction([PAY_BOB], [ALICE], compute_unit_limit=0), "compute_unit_limit"),
    (lambda: plan_transaction([PAY_BOB], [ALICE], compute_unit_limit=MAX_COMPUTE_UNIT_LIMIT + 1),
     "compute_unit_limit"),
    (lambda: plan_transaction([PAY_BOB], [ALICE], compute_unit_limit=True), "compute_unit_limit"),
    (lambda: plan_transaction([programs.set_compute_unit_limit(9), PAY_BOB], [ALICE], compute_unit_limit=10),
     "one or the other"),
])
def test_misuse_raises_invalid_argument_naming_the_problem(call: Callable[[], object], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        call()
