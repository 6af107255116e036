"""Error tables and log-walking classification. Whether a failure was expected is no longer judged here: each
intent predicts its exact error (tests/intents/test_predictions.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt.errors import (
    CUSTOM,
    FRT_ERROR_CAUSES,
    PAYER_FUNDING_ERRORS,
    FrtErrorCode,
    Raiser,
    SplTokenError,
    SystemProgramError,
    TransactionFailure,
    classify,
    innermost_failing_program,
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


@pytest.mark.parametrize(("kind", "transient", "payer_funding"), [
    ("BlockhashNotFound", True, False), ("AccountInUse", True, False),
    ("InsufficientFundsForFee", False, True), ("InsufficientFundsForRent", False, True),
    ("AccountNotFound", False, True), ("SanitizeFailure", False, False), ("AlreadyProcessed", False, False),
])
def test_transaction_level_errors_are_transient_or_fixed_by_funding_the_payer(kind: str, transient: bool,
                                                                              payer_funding: bool) -> None:
    error = classify(TransactionFailure(kind), [], FRT)
    assert (error.raiser, error.transient, error.kind in PAYER_FUNDING_ERRORS) == (Raiser.RUNTIME, transient,
                                                                                   payer_funding)
    assert kind in error.label and error.instruction_index is None


def test_builtin_frt_errors_carry_their_typical_cause_and_cpi_errors_do_not() -> None:
    logs = [invoke(FRT, 1), f"Program {FRT} failed: arithmetic overflow"]
    frt = classify(TransactionFailure("ArithmeticOverflow", 1), logs, FRT)
    assert (frt.raiser, frt.instruction_index) == (Raiser.FRT, 1)
    assert "withdraw above tracked liquidity" in frt.cause
    token = classify(TransactionFailure("InvalidAccountData", 0),
                     [invoke(TOKEN, 1), f"Program {TOKEN} failed: invalid account data"], FRT)
    assert (token.raiser, token.cause) == (Raiser.SPL_TOKEN, "")
