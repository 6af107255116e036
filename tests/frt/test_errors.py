"""Error tables, log-walking classification and expected/unexpected verdicts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as m
from pytest_fixedratio.frt.constants import PoolFlag
from pytest_fixedratio.frt.errors import (
    CUSTOM,
    FRT_ERROR_CAUSES,
    ClassifiedError,
    FrtErrorCode,
    OnChainError,
    Operation,
    OperationContext,
    Raiser,
    SplTokenError,
    SystemProgramError,
    TransactionFailure,
    classify,
    innermost_failing_program,
    judge,
)
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address

FRT = c.PROGRAM_ID_LOCALNET
TOKEN = ids.TOKEN_PROGRAM_ID
SYSTEM = ids.SYSTEM_PROGRAM_ID
ATA = ids.ASSOCIATED_TOKEN_PROGRAM_ID
BUDGET = ids.COMPUTE_BUDGET_PROGRAM_ID


def invoke(program: Address, depth: int) -> str:
    return f"Program {program} invoke [{depth}]"


def success(program: Address) -> str:
    return f"Program {program} success"


def failed(program: Address, code: int) -> str:
    return f"Program {program} failed: custom program error: {code:#x}"


def frt_failing_with(code: int) -> list[str]:
    """Compute budget ok, then FRT fails by itself after a successful token CPI."""
    return [invoke(BUDGET, 1), success(BUDGET), invoke(FRT, 1), "Program log: Instruction: Swap",
            invoke(TOKEN, 2), "Program log: Instruction: Transfer", success(TOKEN),
            f"Program {FRT} consumed 9000 of 200000 compute units", failed(FRT, code)]


def cpi_failing(callee: Address, code: int) -> list[str]:
    return [invoke(BUDGET, 1), success(BUDGET), invoke(FRT, 1), invoke(SYSTEM, 2), success(SYSTEM),
            invoke(callee, 2), "Program log: Error: insufficient funds", failed(callee, code), failed(FRT, code)]


def custom(code: int, index: int = 1) -> TransactionFailure:
    return TransactionFailure(CUSTOM, index, code)


# ---------------------------------------------------------------------------------------------------------
# Tables


def test_frt_table_has_every_appendix_b_code() -> None:
    codes = {1001, 1002, 1003, 1004, 1005, 1006, 1007, 1012, 1019, *range(1023, 1050), 3001, 4001}
    assert {int(code) for code in FrtErrorCode} == codes
    assert FrtErrorCode(1035).name == "PoolLiquidityPaused"
    assert FrtErrorCode["InvalidSystemStatePDA"] is FrtErrorCode(1035)  # alias, not a second member
    assert FrtErrorCode(1047).name == "AmountMismatch" and FrtErrorCode(1049).name == "UnsupportedRatioType"


def test_raised_codes_are_those_of_the_contract_table() -> None:
    raised = {1019, 1023, 1024, 1025, 1027, 1028, 1031, 1033, 1034, 1035, 1036, 1043, 1044, 1045, 1047, 1049,
              3001, 4001}
    assert {int(code) for code in FRT_ERROR_CAUSES} == raised


def test_spl_token_and_system_tables() -> None:
    assert [int(e) for e in SplTokenError] == list(range(20))
    assert (SplTokenError(1).name, SplTokenError(4).name, SplTokenError(17).name) == (
        "InsufficientFunds", "OwnerMismatch", "AccountFrozen")
    assert [int(e) for e in SystemProgramError] == list(range(9))
    assert SystemProgramError(1).name == "ResultWithNegativeLamports"


# ---------------------------------------------------------------------------------------------------------
# Classification


def test_frt_custom_error_is_named_from_the_frt_table() -> None:
    error = classify(custom(1047), frt_failing_with(1047), FRT)
    assert (error.raiser, error.name, error.program_id, error.instruction_index) == (
        Raiser.FRT, "AmountMismatch", FRT, 1)
    assert error.label == "FRT Custom(1047) AmountMismatch"
    assert "expected_amount_out" in str(error)


@pytest.mark.parametrize(("callee", "code", "raiser", "name"), [
    (TOKEN, 1, Raiser.SPL_TOKEN, "InsufficientFunds"),
    (TOKEN, 17, Raiser.SPL_TOKEN, "AccountFrozen"),
    (SYSTEM, 1, Raiser.SYSTEM, "ResultWithNegativeLamports"),
    (SYSTEM, 0, Raiser.SYSTEM, "AccountAlreadyInUse"),
    (ATA, 1, Raiser.OTHER, "Unknown(1)"),
])
def test_cpi_failure_is_attributed_to_the_innermost_failing_program(callee: Address, code: int, raiser: Raiser,
                                                                    name: str) -> None:
    error = classify(custom(code), cpi_failing(callee, code), FRT)
    assert (error.raiser, error.name, error.program_id) == (raiser, name, callee)


def test_same_custom_code_means_different_errors_per_program() -> None:
    spl = classify(custom(1), cpi_failing(TOKEN, 1), FRT)
    system = classify(custom(1), cpi_failing(SYSTEM, 1), FRT)
    assert spl.label == "SPL Token Custom(1) InsufficientFunds"
    assert system.label == "System Custom(1) ResultWithNegativeLamports"


def test_builtin_error_from_frt_gets_its_typical_cause() -> None:
    logs = [invoke(FRT, 1), f"Program {FRT} failed: insufficient funds"]
    error = classify(TransactionFailure("InsufficientFunds", 0), logs, FRT)
    assert (error.raiser, error.name, error.custom_code) == (Raiser.FRT, "InsufficientFunds", None)
    assert "tracked liquidity" in error.cause
    assert error.label == "FRT InsufficientFunds"


def test_frt_code_that_v017_never_raises_is_named_and_flagged() -> None:
    error = classify(custom(1001), frt_failing_with(1001), FRT)
    assert (error.name, error.cause) == ("InvalidTokenPair", "declared but never raised by FRT v0.17")


def test_unknown_code_from_frt() -> None:
    assert classify(custom(999), frt_failing_with(999), FRT).name == "Unknown(999)"


@pytest.mark.parametrize(("logs", "code", "raiser"), [
    ([], 1047, Raiser.FRT),                               # no logs: FRT owns the codes >= 1000
    ([], 1, Raiser.UNKNOWN),                              # no logs: a small code could be any CPI
    ([invoke(FRT, 1), "Log truncated"], 1, Raiser.UNKNOWN),  # FRT never raises codes < 1000 itself
    ([invoke(FRT, 1), "Log truncated"], 1035, Raiser.FRT),
    ([invoke(FRT, 1), invoke(TOKEN, 2), "Log truncated"], 1, Raiser.SPL_TOKEN),
])
def test_truncated_or_missing_logs(logs: list[str], code: int, raiser: Raiser) -> None:
    assert classify(custom(code), logs, FRT).raiser is raiser


def test_transaction_level_errors() -> None:
    error = classify(TransactionFailure("BlockhashNotFound"), [], FRT)
    assert (error.raiser, error.transient, error.label) == (Raiser.RUNTIME, True, "TransactionError BlockhashNotFound")
    assert not classify(TransactionFailure("InsufficientFundsForFee"), [], FRT).transient


programs = st.sampled_from([TOKEN, SYSTEM, ATA, BUDGET])


@given(chain=st.lists(programs, max_size=3), siblings=st.lists(programs, max_size=3), code=st.integers(0, 5000))
def test_log_walk_finds_the_innermost_failure_of_any_call_chain(chain: list[Address], siblings: list[Address],
                                                                code: int) -> None:
    """FRT calls `siblings` successfully, then the nested `chain`, whose deepest program fails."""
    path = [FRT, *chain]
    logs = [invoke(FRT, 1)]
    for sibling in siblings:
        logs += [invoke(sibling, 2), "Program log: ok", success(sibling)]
    logs += [invoke(program, depth) for depth, program in enumerate(path[1:], start=2)]
    logs += [failed(program, code) for program in reversed(path)]
    assert innermost_failing_program(logs) == (path[-1], True)
    assert innermost_failing_program(logs[:len(logs) - len(path)]) == (path[-1], False)  # failure lines lost


# ---------------------------------------------------------------------------------------------------------
# Verdicts


def _frt(code: int) -> ClassifiedError:
    return classify(custom(code), frt_failing_with(code), FRT)


def _builtin(kind: str) -> ClassifiedError:
    return classify(TransactionFailure(kind, 1), [invoke(FRT, 1), f"Program {FRT} failed: {kind}"], FRT)


def _cpi(callee: Address, code: int) -> ClassifiedError:
    return classify(custom(code), cpi_failing(callee, code), FRT)


SWAP, DEPOSIT, WITHDRAW, INIT = Operation.SWAP, Operation.DEPOSIT, Operation.WITHDRAW, Operation.INITIALIZE_POOL
OWNER_ONLY = PoolFlag.SWAP_FOR_OWNERS_ONLY

VERDICTS = [
    # error, context, expected
    (_builtin("InsufficientFunds"), OperationContext(SWAP, amount=10, expected_out=100, tracked_liquidity=50), True),
    (_builtin("InsufficientFunds"), OperationContext(SWAP, amount=10, expected_out=100, tracked_liquidity=100), False),
    (_builtin("InsufficientFunds"), OperationContext(SWAP, amount=10, expected_out=100), False),
    (_builtin("InsufficientFunds"), OperationContext(DEPOSIT, amount=10, user_balance=9), True),
    (_builtin("InvalidAccountData"), OperationContext(SWAP, amount=10, user_balance=9), True),
    (_builtin("InvalidAccountData"), OperationContext(SWAP, amount=10, user_balance=10), False),
    (_builtin("ArithmeticOverflow"), OperationContext(WITHDRAW, amount=10, tracked_liquidity=9), True),
    (_builtin("AccountAlreadyInitialized"), OperationContext(INIT, pool_exists=True), True),
    (_builtin("InvalidArgument"), OperationContext(SWAP, amount=1), False),
    (_builtin("InvalidArgument"), OperationContext(SWAP, amount=1, predicted=m.SwapZeroOutput.error), True),
    (_cpi(TOKEN, 1), OperationContext(WITHDRAW, amount=10, lp_balance=5, tracked_liquidity=100), True),
    (_cpi(TOKEN, 1), OperationContext(WITHDRAW, amount=10, lp_balance=50, tracked_liquidity=5), True),
    (_cpi(TOKEN, 1), OperationContext(WITHDRAW, amount=10, lp_balance=50, tracked_liquidity=50), False),
    (_cpi(TOKEN, 1), OperationContext(DEPOSIT, amount=10, lp_balance=5), False),
    (_cpi(TOKEN, 17), OperationContext(WITHDRAW, amount=10, lp_balance=5), False),
    (_cpi(SYSTEM, 1), OperationContext(INIT, payer_lamports=10**9, fee=m.pool_creation_cost()), True),
    (_cpi(SYSTEM, 1), OperationContext(INIT, payer_lamports=2 * 10**9, fee=m.pool_creation_cost()), False),
    (_frt(1023), OperationContext(DEPOSIT, system_paused=True), True),
    (_frt(1023), OperationContext(Operation.OTHER, system_paused=True), True),
    (_frt(1023), OperationContext(DEPOSIT, system_paused=False), False),
    (_frt(1027), OperationContext(SWAP, pool_flags=PoolFlag.SWAPS_PAUSED), True),
    (_frt(1027), OperationContext(DEPOSIT, pool_flags=PoolFlag.SWAPS_PAUSED), False),
    (_frt(1035), OperationContext(WITHDRAW, pool_flags=PoolFlag.LIQUIDITY_PAUSED | PoolFlag.SIMPLE_RATIO), True),
    (_frt(1035), OperationContext(DEPOSIT, pool_flags=PoolFlag.SWAPS_PAUSED), False),
    (_frt(1028), OperationContext(SWAP, pool_flags=OWNER_ONLY, signer_is_pool_owner=False), True),
    (_frt(1028), OperationContext(SWAP, pool_flags=OWNER_ONLY, signer_is_pool_owner=True), False),
    (_frt(1031), OperationContext(SWAP, payer_lamports=100, fee=271_500), True),
    (_frt(1031), OperationContext(SWAP, payer_lamports=271_500, fee=271_500), False),
    (_frt(1047), OperationContext(SWAP, expected_out=5, expected_from_math=True), False),
    (_frt(1047), OperationContext(SWAP, expected_out=5, expected_from_math=False), True),
    (_frt(1047), OperationContext(SWAP, expected_from_math=True, predicted=m.SwapAmountMismatch.error), True),
    (_frt(1033), OperationContext(SWAP), False),
    (_frt(1034), OperationContext(DEPOSIT), False),
    (_frt(4001), OperationContext(DEPOSIT), False),
    (_frt(1049), OperationContext(INIT), False),
    (_frt(999), OperationContext(SWAP), False),
]


@pytest.mark.parametrize(("error", "context", "expected"), VERDICTS)
def test_verdicts(error: ClassifiedError, context: OperationContext, expected: bool) -> None:
    verdict = judge(error, context)
    assert verdict.expected is expected, verdict.reason
    assert error.label in verdict.reason
    assert not verdict.transient and not verdict.critical


def test_lp_violation_is_critical_even_when_predicted() -> None:
    context = OperationContext(DEPOSIT, predicted=OnChainError(CUSTOM, 3001))
    verdict = judge(_frt(3001), context)
    assert (verdict.expected, verdict.critical) == (False, True)


def test_unexplained_error_says_what_would_have_explained_it() -> None:
    verdict = judge(_frt(1035), OperationContext(DEPOSIT))
    assert "expected only when the pool's liquidity is paused" in verdict.reason


def test_prediction_mismatch_is_reported() -> None:
    verdict = judge(_frt(1047), OperationContext(SWAP, expected_from_math=True, predicted=m.SwapZeroOutput.error))
    assert not verdict.expected
    assert "predicted InvalidArgument" in verdict.reason


def test_a_prediction_of_a_custom_code_needs_the_frt_program_to_raise_it() -> None:
    context = OperationContext(WITHDRAW, predicted=OnChainError(CUSTOM, 1))
    assert not judge(_cpi(TOKEN, 1), context).expected


def test_unknown_raiser_of_a_small_code_is_unexpected() -> None:
    error = classify(custom(1), [], FRT)
    assert not judge(error, OperationContext(WITHDRAW, amount=10, lp_balance=5)).expected


@pytest.mark.parametrize(("kind", "expected", "transient"), [
    ("BlockhashNotFound", True, True), ("AccountInUse", True, True),
    ("InsufficientFundsForFee", True, False), ("InsufficientFundsForRent", True, False),
    ("AccountNotFound", True, False), ("SanitizeFailure", False, False), ("AlreadyProcessed", False, False),
])
def test_transaction_level_verdicts(kind: str, expected: bool, transient: bool) -> None:
    verdict = judge(classify(TransactionFailure(kind), [], FRT), OperationContext(SWAP))
    assert (verdict.expected, verdict.transient) == (expected, transient)
    assert kind in verdict.reason
