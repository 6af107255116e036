"""Outcome coverage: which documented outcomes of each FRT instruction a run produced, and which it never did.

Why: a run that passes says nothing about the checks it never reached. Counting every FRT transaction by
(instruction, outcome) and setting the counts against the outcomes frt-contract.md documents (sections 2.3
and 6) shows at a glance which checks of the program a run exercised, and which it could not on this target.

Outcome labels are the verifier's own (`ClassifiedError.label`) without the "FRT " prefix, since the table is
about FRT's checks: "success", "InvalidArgument" (a builtin error FRT returns), "Custom(1047) AmountMismatch"
(an FRT code), "SPL Token Custom(1) InsufficientFunds" and "System Custom(1) ResultWithNegativeLamports" (CPI
failures, named by the program that raised them), "TransactionError InsufficientFundsForFee" (the runtime).
So FRT's builtin ArithmeticOverflow and its Custom(1019) ArithmeticOverflow stay apart, as do FRT's
InsufficientFunds and SPL Token's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt.errors import (
    CUSTOM,
    ClassifiedError,
    FrtErrorCode,
    Raiser,
    SplTokenError,
    SystemProgramError,
)
from pytest_fixedratio.intents.adversary import ADVERSARY_PREFIX
from pytest_fixedratio.intents.expected import ExpectedError
from pytest_fixedratio.intents.forged import FORGED, NEEDS_ACCOUNT_WRITER
from pytest_fixedratio.intents.malformed import DECODE

SUCCESS: Final = "success"


def label(raiser: Raiser, kind: str, code: int | None, name: str) -> str:
    """The outcome label of an error (module docstring)."""
    if raiser is Raiser.FRT:
        return kind if kind != CUSTOM else f"Custom({code}) {name}"
    if raiser is Raiser.RUNTIME:
        return f"TransactionError {kind}"
    return f"{raiser} Custom({code}) {name}" if kind == CUSTOM else f"{raiser} {kind}"


def outcome_of(error: ClassifiedError | None) -> str:
    """The outcome label of a verified transaction: success, or its classified error."""
    if error is None:
        return SUCCESS
    return label(error.raiser, error.kind, error.custom_code, error.name)


@dataclass(frozen=True, slots=True)
class DocumentedOutcome:
    """An outcome the spec documents for an instruction. `unreachable` says why a run may not produce it ("" when
    every target can): one the harness cannot produce at all, or (`NEEDS_ACCOUNT_WRITER`) one only forged
    state gives, which the in-process target produces and a validator cannot."""

    label: str
    unreachable: str = ""


# Why an outcome cannot be produced here. A payer short of the fee and totals or ratios near u64::MAX exist only as
# forged state in a campaign (its pools, balances and amounts stay far from those edges). A paused system or pool
# and an owner-only pool are forged too, and the operator (`engine.operator`) makes them for real: a worker that
# races its pause gets the error, but a waiting worker does not try, so the count may stay 0.
_FORGED: Final = NEEDS_ACCOUNT_WRITER
_ADMIN_VARIANTS: Final = "needs adversarial variants of the admin instructions (the operator sends valid ones)"
_BROKEN: Final = "needs a program whose LP mint breaks the 1:1 deposit invariant (a contract bug)"
_EMPTY: Final = "only empty data gives it, and empty data names no instruction (sent as decode.empty)"


def _of(error: ExpectedError, unreachable: str = "") -> DocumentedOutcome:
    return DocumentedOutcome(label(error.raiser, error.kind, error.code, error.name), unreachable)


def _frt(name: str, unreachable: str = "") -> DocumentedOutcome:
    return _of(ExpectedError.frt_builtin(name), unreachable)


def _code(code: FrtErrorCode, unreachable: str = "") -> DocumentedOutcome:
    return _of(ExpectedError.frt(code), unreachable)


_OK: Final = DocumentedOutcome(SUCCESS)
_NEGATIVE_LAMPORTS: Final = ExpectedError.system(SystemProgramError.ResultWithNegativeLamports)
_BELOW_RENT: Final = _of(ExpectedError.runtime("InsufficientFundsForRent"), _FORGED)
"""The payer left above 0 and below rent-exempt by the fee (section 4.5): the runtime refuses the transaction."""

DOCUMENTED: Final[Mapping[str, tuple[DocumentedOutcome, ...]]] = {
    "initialize_program": (
        _OK, _frt("InvalidInstructionData", _EMPTY), _frt("BorshIoError"), _frt("InvalidAccountData"),
        _frt("InvalidArgument"), _frt("MissingRequiredSignature"), _frt("AccountAlreadyInitialized"),
        _of(_NEGATIVE_LAMPORTS),
    ),
    "initialize_pool": (
        _OK, _frt("InvalidInstructionData", _EMPTY), _frt("BorshIoError"), _frt("InvalidAccountData"),
        _frt("MissingRequiredSignature"), _frt("UninitializedAccount"), _code(FrtErrorCode.SystemPaused, _FORGED),
        _frt("InvalidArgument"), _frt("ProgramFailedToComplete"), _frt("IncorrectProgramId"),
        *(_code(code) for code in (
            FrtErrorCode.InsufficientFeeBalance, FrtErrorCode.TreasuryValidationFailed,
            FrtErrorCode.FeeValidationFailed)),
        _frt("AccountAlreadyInitialized"), _of(ExpectedError.system(SystemProgramError.AccountAlreadyInUse)),
        _of(_NEGATIVE_LAMPORTS), _code(FrtErrorCode.UnsupportedRatioType),
    ),
    "deposit": (
        _OK, _frt("InvalidInstructionData"), _frt("BorshIoError"), _frt("InvalidAccountData"),
        _frt("MissingRequiredSignature"), _frt("UninitializedAccount"), _frt("IncorrectProgramId"),
        _code(FrtErrorCode.SystemPaused, _FORGED), _frt("InvalidArgument"),
        _code(FrtErrorCode.TreasuryValidationFailed), _code(FrtErrorCode.PoolLiquidityPaused, _FORGED),
        _code(FrtErrorCode.MissingLpTokenAccount), _frt("InsufficientFunds"),
        _code(FrtErrorCode.InsufficientFeeBalance, _FORGED), _code(FrtErrorCode.FeeValidationFailed), _BELOW_RENT,
        _frt("ArithmeticOverflow", _FORGED), _code(FrtErrorCode.StrictLpMintViolation, _BROKEN),
    ),
    "withdraw": (
        _OK, _frt("InvalidInstructionData"), _frt("BorshIoError"), _frt("InvalidAccountData"),
        _frt("InvalidArgument"), _frt("MissingRequiredSignature"), _frt("UninitializedAccount"),
        _frt("IncorrectProgramId"), _code(FrtErrorCode.SystemPaused, _FORGED),
        _code(FrtErrorCode.TreasuryValidationFailed), _code(FrtErrorCode.PoolLiquidityPaused, _FORGED),
        _code(FrtErrorCode.InsufficientFeeBalance, _FORGED), _code(FrtErrorCode.FeeValidationFailed), _BELOW_RENT,
        _of(ExpectedError.token(SplTokenError.InsufficientFunds)), _frt("ArithmeticOverflow", _FORGED),
    ),
    "swap": (
        _OK, _frt("InvalidInstructionData"), _frt("BorshIoError"), _frt("InvalidAccountData"),
        _frt("InvalidArgument"), _frt("MissingRequiredSignature"), _frt("UninitializedAccount"),
        _frt("IncorrectProgramId"), _code(FrtErrorCode.SystemPaused, _FORGED),
        _code(FrtErrorCode.TreasuryValidationFailed), _code(FrtErrorCode.PoolSwapsPaused, _FORGED),
        _code(FrtErrorCode.SwapAccessRestricted, _FORGED), _code(FrtErrorCode.ArithmeticOverflow, _FORGED),
        _code(FrtErrorCode.AmountMismatch), _frt("InsufficientFunds"),
        _code(FrtErrorCode.InsufficientFeeBalance, _FORGED), _code(FrtErrorCode.FeeValidationFailed), _BELOW_RENT,
    ),
    "pause_system": (
        _OK, _frt("BorshIoError"), _code(FrtErrorCode.SystemAlreadyPaused, _ADMIN_VARIANTS),
        _frt("InvalidAccountData", _ADMIN_VARIANTS), _frt("MissingRequiredSignature", _ADMIN_VARIANTS),
    ),
    "unpause_system": (
        _OK, _frt("InvalidInstructionData"), _frt("BorshIoError"), _code(FrtErrorCode.SystemNotPaused, _ADMIN_VARIANTS),
        _frt("InvalidAccountData", _ADMIN_VARIANTS), _frt("NotEnoughAccountKeys", _ADMIN_VARIANTS),
    ),
    "pause_pool": (
        _OK, _frt("BorshIoError"), _code(FrtErrorCode.SystemPaused), _frt("InvalidAccountData", _ADMIN_VARIANTS),
    ),
    "unpause_pool": (
        _OK, _frt("BorshIoError"), _code(FrtErrorCode.SystemPaused), _frt("InvalidAccountData", _ADMIN_VARIANTS),
    ),
    "update_pool_fees": (
        _OK, _frt("BorshIoError"), _code(FrtErrorCode.SystemPaused),
        _code(FrtErrorCode.InvalidFeeUpdateFlags, _ADMIN_VARIANTS), _code(FrtErrorCode.InvalidLiquidityFee),
        _code(FrtErrorCode.InvalidSwapFee), _frt("NotEnoughAccountKeys", _ADMIN_VARIANTS),
    ),
    "set_swap_owner_only": (_OK, _frt("BorshIoError"), _code(FrtErrorCode.SystemPaused)),
    "donate_sol": (
        _OK, _frt("BorshIoError"), _code(FrtErrorCode.SystemPaused), _frt("InvalidArgument"),
        _frt("InsufficientFunds", _ADMIN_VARIANTS),
    ),
    "withdraw_treasury_fees": (
        _OK, _frt("BorshIoError"), _code(FrtErrorCode.SystemPaused), _frt("InvalidInstructionData"),
        _frt("InsufficientFunds"),
    ),
    "consolidate_pool_fees": (
        _OK, _frt("BorshIoError"), _frt("InvalidArgument", _ADMIN_VARIANTS),
        _frt("NotEnoughAccountKeys", _ADMIN_VARIANTS), _frt("ProgramFailedToComplete", _ADMIN_VARIANTS),
    ),
    "process_admin_change": (
        _OK, _frt("BorshIoError"), _code(FrtErrorCode.SystemPaused), _frt("InvalidAccountData", _ADMIN_VARIANTS),
        _frt("MissingRequiredSignature", _ADMIN_VARIANTS),
    ),
}
"""For each FRT instruction the harness sends, the outcomes frt-contract.md sections 2.3 and 6 document for it,
success first, then the errors roughly in the program's check order (the admin instructions: those the operator
sends or that its valid traffic can meet, and the admin check's). InitializeProgram's InvalidArgument is
section 6.2's "bad sysvar key"; InitializePool's ProgramFailedToComplete is its panic on a "mint" shorter than a
mint, which `Mint::unpack_from_slice` does in the Rust program and the reference build copies."""


@lru_cache(maxsize=1024)
def instruction_of(kind: str) -> str | None:
    """The FRT instruction an intent of `kind` sends: its own kind for an honest FRT operation, the part before
    the variant for an adversarial one ("forged.<kind>.<what>": that kind); None for every other transaction
    (transfers, mints, ATAs)."""
    instruction, _, variant = kind.removeprefix(ADVERSARY_PREFIX).partition(".")
    if instruction == DECODE:  # malformed data of a variant: "decode.InitializePool.long"
        instruction = re.sub(r"(?<!^)(?=[A-Z])", "_", variant.partition(".")[0]).lower()
    elif instruction == FORGED:
        instruction = variant.partition(".")[0]
    return instruction if instruction in DOCUMENTED else None


@dataclass
class Coverage:
    """How often each (instruction, outcome label) occurred; mergeable across workers and processes."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def record(self, kind: str, error: ClassifiedError | None) -> None:
        """Count one verified transaction of intent `kind` (a no-op unless it sends an FRT instruction)."""
        instruction = instruction_of(kind)
        if instruction is not None:
            self.counts[instruction, outcome_of(error)] += 1

    def merge(self, other: Coverage) -> None:
        self.counts.update(other.counts)

    def never_produced(self) -> list[tuple[str, DocumentedOutcome]]:
        """Every documented (instruction, outcome) this run did not produce, in `DOCUMENTED` order."""
        return [(instruction, outcome) for instruction, outcomes in DOCUMENTED.items() for outcome in outcomes
                if not self.counts[instruction, outcome.label]]

    def undocumented(self) -> list[tuple[str, str]]:
        """Produced outcomes the spec does not document for their instruction (worth a look in the spec)."""
        return sorted(key for key in self.counts if key[1] not in {o.label for o in DOCUMENTED[key[0]]})

    def to_dict(self) -> dict[str, dict[str, int]]:
        """Counts per instruction (in `DOCUMENTED` order), each by outcome, most frequent first."""
        table: dict[str, dict[str, int]] = {}
        for (instruction, outcome), n in sorted(self.counts.items(), key=lambda item: (-item[1], item[0])):
            table.setdefault(instruction, {})[outcome] = n
        return {instruction: table[instruction] for instruction in DOCUMENTED if instruction in table}

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, int]]) -> Coverage:
        unknown = set(data) - set(DOCUMENTED)
        if unknown:
            raise InvalidArgument(f"coverage of unknown instructions {sorted(unknown)}; known: {list(DOCUMENTED)}")
        return cls(Counter({(instruction, outcome): n for instruction, outcomes in data.items()
                            for outcome, n in outcomes.items()}))
