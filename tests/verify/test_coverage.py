"""Outcome coverage: intents mapped to their FRT instruction, errors to their labels, counts merged and sent as
plain data."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt.errors import ClassifiedError, Raiser
from pytest_fixedratio.intents.adversary import ADVERSARY_PREFIX, VARIANTS
from pytest_fixedratio.intents.forged import FORGED, NEEDS_ACCOUNT_WRITER, SCENARIOS
from pytest_fixedratio.verify.coverage import DOCUMENTED, SUCCESS, Coverage, instruction_of, outcome_of


@pytest.mark.parametrize(("kind", "instruction"), [
    ("deposit", "deposit"), ("withdraw", "withdraw"), ("swap", "swap"), ("initialize_pool", "initialize_pool"),
    ("initialize_program", "initialize_program"), ("adversary:deposit.missing_signer", "deposit"),
    ("adversary:swap.expected_plus_one", "swap"), ("adversary:withdraw.data_empty", "withdraw"),
    ("adversary:forged.deposit.system_paused", "deposit"),
    ("adversary:forged.initialize_pool.system_paused", "initialize_pool"), ("adversary:forged.", None),
    ("share_lp", None), ("forward_output", None), ("sol_topup", None), ("create_ata", None), ("adversary:", None),
])
def test_an_intent_kind_maps_to_the_frt_instruction_it_sends(kind: str, instruction: str | None) -> None:
    assert instruction_of(kind) == instruction


def test_every_adversarial_variant_maps_to_its_honest_instruction() -> None:
    for name in VARIANTS:
        assert instruction_of(ADVERSARY_PREFIX + name) == name.partition(".")[0]
    for name in SCENARIOS:
        assert instruction_of(f"{ADVERSARY_PREFIX}{FORGED}.{name}") == name.partition(".")[0]


@pytest.mark.parametrize(("error", "label"), [
    (None, SUCCESS),
    (ClassifiedError("InvalidArgument", "InvalidArgument", Raiser.FRT), "InvalidArgument"),
    (ClassifiedError("Custom", "AmountMismatch", Raiser.FRT, 1047), "Custom(1047) AmountMismatch"),
    (ClassifiedError("Custom", "ArithmeticOverflow", Raiser.FRT, 1019), "Custom(1019) ArithmeticOverflow"),
    (ClassifiedError("InsufficientFunds", "InsufficientFunds", Raiser.FRT), "InsufficientFunds"),
    (ClassifiedError("Custom", "InsufficientFunds", Raiser.SPL_TOKEN, 1), "SPL Token Custom(1) InsufficientFunds"),
    (ClassifiedError("Custom", "ResultWithNegativeLamports", Raiser.SYSTEM, 1),
     "System Custom(1) ResultWithNegativeLamports"),
    (ClassifiedError("InsufficientFundsForFee", "InsufficientFundsForFee", Raiser.RUNTIME),
     "TransactionError InsufficientFundsForFee"),
])
def test_an_outcome_is_labelled_as_the_verifier_names_it_without_the_frt_prefix(
        error: ClassifiedError | None, label: str) -> None:
    assert outcome_of(error) == label
    assert error is None or error.label.removeprefix("FRT ") == label


def test_the_documented_outcomes_start_with_success_and_name_each_outcome_once() -> None:
    assert set(DOCUMENTED) == {"initialize_program", "initialize_pool", "deposit", "withdraw", "swap",
                               "pause_system", "unpause_system", "pause_pool", "unpause_pool", "update_pool_fees",
                               "set_swap_owner_only", "donate_sol", "withdraw_treasury_fees",
                               "consolidate_pool_fees", "process_admin_change"}
    for outcomes in DOCUMENTED.values():
        labels = [o.label for o in outcomes]
        assert labels[0] == SUCCESS and not outcomes[0].unreachable
        assert len(set(labels)) == len(labels)
    deposit = {o.label: o.unreachable for o in DOCUMENTED["deposit"]}
    # forged state pauses the system for the one transaction it is sent in; the operator's pauses, a waiting
    # worker never meets
    assert deposit["Custom(1023) SystemPaused"] == NEEDS_ACCOUNT_WRITER
    assert "contract bug" in deposit["Custom(3001) StrictLpMintViolation"]
    assert deposit["Custom(4001) MissingLpTokenAccount"] == ""


def test_only_frt_transactions_are_counted() -> None:
    coverage = Coverage()
    coverage.record("deposit", None)
    coverage.record("adversary:deposit.zero_amount", ClassifiedError("InvalidArgument", "InvalidArgument", Raiser.FRT))
    coverage.record("share_lp", None)
    assert coverage.counts == Counter({("deposit", SUCCESS): 1, ("deposit", "InvalidArgument"): 1})


counts = st.dictionaries(
    st.tuples(st.sampled_from(list(DOCUMENTED)), st.sampled_from(
        [SUCCESS, "InvalidArgument", "Custom(1047) AmountMismatch", "SPL Token Custom(1) InsufficientFunds"])),
    st.integers(1, 10**9), max_size=12)


@given(a=counts, b=counts)
def test_merge_adds_the_counts(a: dict[tuple[str, str], int], b: dict[tuple[str, str], int]) -> None:
    merged = Coverage(Counter(a))
    merged.merge(Coverage(Counter(b)))
    assert merged.counts == Counter(a) + Counter(b)


@given(data=counts)
def test_dict_round_trip_through_json(data: dict[tuple[str, str], int]) -> None:
    coverage = Coverage(Counter(data))
    plain = json.loads(json.dumps(coverage.to_dict()))
    assert list(plain) == [i for i in DOCUMENTED if i in plain]
    assert Coverage.from_dict(plain) == coverage


def test_coverage_of_an_unknown_instruction_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="unknown instructions"):
        Coverage.from_dict({"get_pool_info": {SUCCESS: 1}})
