"""How a transaction failed, as data: the raw failure reported by a chain target, named and judged.

`chain/` fills `TransactionFailure` from whatever its backend reports (LiteSVM's `FailedTransactionMetadata`,
an RPC error object). `classify` turns it, with the transaction's logs, into a `ClassifiedError` that names
the error and the program that raised it. Whether a failure was expected is not decided here: each intent
(`pytest_fixedratio.intents`) predicts the exact error from the state before the transaction.

Why the logs: a CPI failure is reported as `Custom(n)` at the FRT instruction's index, and `Custom(1)` means
InsufficientFunds from SPL Token but ResultWithNegativeLamports from the System program. Only the
"Program <id> failed: ..." log lines tell which program raised it (frt-contract.md §6.3).

Tables: FRT codes from the program's `src/error.rs` v0.17.1070 (service-features.md Appendix B,
frt-contract.md §6.1), builtin `InstructionError` variants (§6.2), spl-token 3.5 `TokenError` and the
System program's `SystemError` (§6.3).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from functools import lru_cache
from typing import Final

from pytest_fixedratio.errors import DecodeError
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address


@dataclass(frozen=True, slots=True)
class TransactionFailure:
    """The structured error of one failed transaction.

    ``kind`` is the variant name: for an instruction error (``instruction_index`` set) it is the
    ``InstructionError`` variant (``"Custom"``, ``"InvalidArgument"``, ``"InsufficientFunds"``,
    ``"BorshIoError"`` ...); for a transaction-level error (index None) it is the ``TransactionError``
    variant (``"InsufficientFundsForFee"``, ``"BlockhashNotFound"``, ``"AccountNotFound"`` ...).
    ``custom_code`` is set only for ``kind == "Custom"``.
    """

    kind: str
    instruction_index: int | None = None
    custom_code: int | None = None
    detail: str = ""


CUSTOM: Final = "Custom"


@dataclass(frozen=True, slots=True)
class OnChainError:
    """An instruction error as the program returns it: the variant and, for Custom, the code.

    Used for predictions: `frt.math` raises exceptions carrying the `OnChainError` the program would
    return, and a client that sends a transaction it expects to fail passes that prediction to `judge`.
    """

    kind: str
    custom_code: int | None = None

    def __str__(self) -> str:
        return f"{self.kind}({self.custom_code})" if self.kind == CUSTOM else self.kind


# ---------------------------------------------------------------------------------------------------------
# Error tables


class FrtErrorCode(IntEnum):
    """`PoolError` codes of FRT v0.17 (`src/error.rs`), plus the raw codes 3001 and 4001.

    1035 is assigned twice upstream; `InvalidSystemStatePDA` is an alias here because only
    `PoolLiquidityPaused` is raised.
    """

    InvalidTokenPair = 1001
    InvalidRatio = 1002
    InsufficientFunds = 1003
    InvalidTokenAccount = 1004
    InvalidSwapAmount = 1005
    RentExemptError = 1006
    PoolPaused = 1007
    Unauthorized = 1012
    ArithmeticOverflow = 1019
    SystemPaused = 1023
    SystemAlreadyPaused = 1024
    SystemNotPaused = 1025
    UnauthorizedAccess = 1026
    PoolSwapsPaused = 1027
    SwapAccessRestricted = 1028
    PoolSwapsAlreadyPaused = 1029
    PoolSwapsNotPaused = 1030
    InsufficientFeeBalance = 1031
    FeeCollectionFailed = 1032
    FeeValidationFailed = 1033
    TreasuryValidationFailed = 1034
    PoolLiquidityPaused = 1035
    InvalidSystemStatePDA = 1035
    InvalidSystemStateDeserialization = 1036
    ConsolidationFailed = 1037
    InvalidConsolidationBatch = 1038
    PoolNotEligibleForConsolidation = 1039
    ConsolidationRaceCondition = 1040
    NoPoolsEligibleForConsolidation = 1041
    UnauthorizedFeeUpdate = 1042
    InvalidFeeUpdateFlags = 1043
    InvalidLiquidityFee = 1044
    InvalidSwapFee = 1045
    FeeUpdateValidationFailed = 1046
    AmountMismatch = 1047
    UnsafeRatioValues = 1048
    UnsupportedRatioType = 1049
    StrictLpMintViolation = 3001
    MissingLpTokenAccount = 4001


FRT_ERROR_CAUSES: Final[Mapping[FrtErrorCode, str]] = {
    FrtErrorCode.ArithmeticOverflow: "swap result above u64::MAX",
    FrtErrorCode.SystemPaused: "pause-checked operation while SystemState.is_paused",
    FrtErrorCode.SystemAlreadyPaused: "PauseSystem while paused",
    FrtErrorCode.SystemNotPaused: "UnpauseSystem while not paused",
    FrtErrorCode.PoolSwapsPaused: "swap on a pool with flag 4 (swaps paused)",
    FrtErrorCode.SwapAccessRestricted: "swap on an owner-only pool (flag 32) by a signer other than pool.owner",
    FrtErrorCode.InsufficientFeeBalance: "payer lamports below the fee",
    FrtErrorCode.FeeValidationFailed: "PoolState (or treasury in InitializePool) passed read-only",
    FrtErrorCode.TreasuryValidationFailed: "PoolState key differs from the instruction's pool_id",
    FrtErrorCode.PoolLiquidityPaused: "deposit/withdraw on a pool with flag 2 (liquidity paused)",
    FrtErrorCode.InvalidSystemStateDeserialization: "consolidation mode check could not decode SystemState",
    FrtErrorCode.InvalidFeeUpdateFlags: "UpdatePoolFees flags not 1, 2 or 3",
    FrtErrorCode.InvalidLiquidityFee: "liquidity fee outside [100000, 100000000]",
    FrtErrorCode.InvalidSwapFee: "swap fee outside [10000, 10000000]",
    FrtErrorCode.AmountMismatch: "swap output differs from expected_amount_out, or exact-exchange remainder",
    FrtErrorCode.UnsupportedRatioType: "InitializePool with an EngineeringRatio",
    FrtErrorCode.StrictLpMintViolation: "deposit minted LP different from the amount (contract invariant broken)",
    FrtErrorCode.MissingLpTokenAccount: "deposit without a valid user LP token account",
}
"""Codes v0.17 processors actually raise; every other `FrtErrorCode` is declared but never raised."""


class SplTokenError(IntEnum):
    """spl-token 3.5 `TokenError`, reported as Custom(n) by the Tokenkeg program."""

    NotRentExempt = 0
    InsufficientFunds = 1
    InvalidMint = 2
    MintMismatch = 3
    OwnerMismatch = 4
    FixedSupply = 5
    AlreadyInUse = 6
    InvalidNumberOfProvidedSigners = 7
    InvalidNumberOfRequiredSigners = 8
    UninitializedState = 9
    NativeNotSupported = 10
    NonNativeHasBalance = 11
    InvalidInstruction = 12
    InvalidState = 13
    Overflow = 14
    AuthorityTypeNotSupported = 15
    MintCannotFreeze = 16
    AccountFrozen = 17
    MintDecimalsMismatch = 18
    NonNativeNotSupported = 19


class SystemProgramError(IntEnum):
    """`SystemError` of the System program, reported as Custom(n)."""

    AccountAlreadyInUse = 0
    ResultWithNegativeLamports = 1
    InvalidProgramId = 2
    InvalidAccountDataLength = 3
    MaxSeedLengthExceeded = 4
    AddressWithSeedMismatch = 5
    NonceNoRecentBlockhashes = 6
    NonceBlockhashNotExpired = 7
    NonceUnexpectedBlockhashValue = 8


BUILTIN_ERROR_CAUSES: Final[Mapping[str, str]] = {
    "InvalidArgument": "zero amount or swap output, zero ratio, same mint, mint not in pool, bad count/donation",
    "InvalidInstructionData": "empty data, mint mismatch on deposit/withdraw, treasury withdrawal rules",
    "InvalidAccountData": "wrong account count, PDA/vault/LP mismatch, user token account checks, "
                          "swap input balance below amount_in, admin check failed",
    "InsufficientFunds": "deposit balance short, swap output above tracked liquidity, treasury short",
    "ArithmeticOverflow": "withdraw above tracked liquidity (vault held extra tokens), u64 overflow of totals",
    "IncorrectProgramId": "account not owned by the expected program, wrong token/system program",
    "MissingRequiredSignature": "required signer missing",
    "AccountAlreadyInitialized": "pool or SystemState already exists",
    "UninitializedAccount": "program not initialized, user token account without data",
    "NotEnoughAccountKeys": "too few accounts (UnpauseSystem, ConsolidatePoolFees, UpdatePoolFees)",
    "BorshIoError": "malformed or trailing instruction data, treasury with an old layout",
    "ProgramFailedToComplete": "program panic (too few accounts for some admin instructions)",
    "ComputationalBudgetExceeded": "compute unit limit too low for the instruction",
}
"""Builtin `InstructionError` variants FRT v0.17 returns, with their typical causes (§6.2)."""

TRANSIENT_TRANSACTION_ERRORS: Final = frozenset({
    "BlockhashNotFound", "AccountInUse", "ClusterMaintenance", "WouldExceedMaxBlockCostLimit",
    "WouldExceedMaxAccountCostLimit", "WouldExceedAccountDataBlockLimit", "WouldExceedMaxVoteCostLimit",
    "WouldExceedAccountDataTotalLimit", "ProgramExecutionTemporarilyRestricted", "ProgramCacheHitMaxLimit",
})
"""Transaction-level errors that say nothing about the transaction itself: rebuild and resend."""

PAYER_FUNDING_ERRORS: Final = frozenset({"InsufficientFundsForFee", "InsufficientFundsForRent", "AccountNotFound"})
"""Transaction-level errors fixed by topping up the fee payer (AccountNotFound: it was never funded)."""


# ---------------------------------------------------------------------------------------------------------
# Classification


class Raiser(StrEnum):
    """Which program raised an instruction error (RUNTIME: a transaction-level error)."""

    FRT = "FRT"
    SPL_TOKEN = "SPL Token"
    SYSTEM = "System"
    OTHER = "other program"
    UNKNOWN = "unknown program"
    RUNTIME = "runtime"


@dataclass(frozen=True, slots=True)
class ClassifiedError:
    """A named failure: `name` is the variant or the table name of the custom code.

    ``program_id`` is the innermost program the logs show failing (or, when the failure lines were
    truncated away, still running); None when the logs show neither.
    """

    kind: str
    name: str
    raiser: Raiser
    custom_code: int | None = None
    program_id: Address | None = None
    instruction_index: int | None = None
    cause: str = ""
    detail: str = ""

    @property
    def on_chain(self) -> OnChainError:
        return OnChainError(self.kind, self.custom_code)

    @property
    def transient(self) -> bool:
        return self.raiser is Raiser.RUNTIME and self.kind in TRANSIENT_TRANSACTION_ERRORS

    @property
    def label(self) -> str:
        if self.raiser is Raiser.RUNTIME:
            return f"TransactionError {self.kind}"
        if self.kind == CUSTOM:
            return f"{self.raiser} Custom({self.custom_code}) {self.name}"
        return f"{self.raiser} {self.kind}"

    def __str__(self) -> str:
        return self.label + (f": {self.cause}" if self.cause else "")


_EVENT = re.compile(r"Program (\S+) (?:(?P<failed>failed): |invoke \[\d+\]$|(?P<success>success)$)")
"""A program's failure, invocation or success line; one pattern, so each log line is matched once."""
_NO_EVENT = ("Program log: ", "Program data: ", "Program return: ")
"""What a program prints itself, the bulk of the logs: never an event, skipped without a match."""


@lru_cache(maxsize=64)
def _address(text: str) -> Address | None:
    """The program of a log line (a handful of programs log, over and over: decoded once each)."""
    try:
        return Address.from_base58(text)
    except DecodeError:
        return None


def innermost_failing_program(logs: Iterable[str]) -> tuple[Address | None, bool]:
    """(program, certain) for the program whose failure aborted the transaction.

    The first "Program <id> failed: ..." line is the innermost failure (callers log their own failure after
    their callee's). Without one (logs truncated at 10 KB), fall back to the deepest program invoked and
    not yet returned, which is uncertain: a CPI started after the truncation point is invisible.
    """
    stack: list[Address] = []
    for line in logs:
        if line.startswith(_NO_EVENT) or (event := _EVENT.match(line)) is None:
            continue
        program = _address(event.group(1))
        if program is None:
            continue
        if event.group("failed"):
            return program, True
        if not event.group("success"):
            stack.append(program)
        elif stack and program == stack[-1]:
            stack.pop()
    return (stack[-1] if stack else None), False


def _raiser(program: Address | None, program_id: Address) -> Raiser:
    if program is None:
        return Raiser.UNKNOWN
    return {program_id: Raiser.FRT, ids.TOKEN_PROGRAM_ID: Raiser.SPL_TOKEN,
            ids.SYSTEM_PROGRAM_ID: Raiser.SYSTEM}.get(program, Raiser.OTHER)


def _custom_raiser(code: int, program: Address | None, certain: bool, program_id: Address) -> Raiser:
    """Raiser of a Custom code: FRT's own codes are >= 1000, so a smaller one it seemingly raised is a CPI
    whose log lines were truncated away; a code >= 1000 with no log evidence is taken as FRT's."""
    raiser = _raiser(program, program_id)
    if not certain and raiser in (Raiser.FRT, Raiser.UNKNOWN):
        return Raiser.FRT if code >= 1000 else Raiser.UNKNOWN
    return raiser


def _custom_name(raiser: Raiser, code: int) -> tuple[str, str]:
    """(name, cause) of a custom code in the table of the program that raised it."""
    table: type[IntEnum] | None = {Raiser.FRT: FrtErrorCode, Raiser.SPL_TOKEN: SplTokenError,
                                   Raiser.SYSTEM: SystemProgramError}.get(raiser)
    try:
        member = table(code) if table is not None else None
    except ValueError:
        member = None
    if member is None:
        return f"Unknown({code})", ""
    if isinstance(member, FrtErrorCode):
        return member.name, FRT_ERROR_CAUSES.get(member, "declared but never raised by FRT v0.17")
    return member.name, ""


def classify(failure: TransactionFailure, logs: Iterable[str], program_id: Address) -> ClassifiedError:
    """Name `failure` and find which program raised it; `program_id` is the FRT program's address."""
    if failure.instruction_index is None:
        return ClassifiedError(failure.kind, failure.kind, Raiser.RUNTIME, detail=failure.detail)
    program, certain = innermost_failing_program(logs)
    if failure.kind == CUSTOM and failure.custom_code is not None:
        raiser = _custom_raiser(failure.custom_code, program, certain, program_id)
        name, cause = _custom_name(raiser, failure.custom_code)
    else:
        raiser = _raiser(program, program_id)
        name = failure.kind
        cause = BUILTIN_ERROR_CAUSES.get(failure.kind, "") if raiser is Raiser.FRT else ""
    return ClassifiedError(failure.kind, name, raiser, failure.custom_code, program,
                           failure.instruction_index, cause, failure.detail)
