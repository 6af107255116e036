"""What a transaction must end in: success, or the exact error the program (or SPL Token, System, the runtime)
must return. One rule set for the whole harness: the intents raise `Fails` in the check order of
frt-contract.md section 2.3, and the verifier compares the receipt's classified error with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from pytest_fixedratio.frt.errors import (
    CUSTOM,
    ClassifiedError,
    FrtErrorCode,
    Raiser,
    SplTokenError,
    SystemProgramError,
)


@dataclass(frozen=True, slots=True)
class ExpectedError:
    """An error as the receipt must show it: who raises it, the variant, the custom code for ``Custom``, and the
    index of the failing instruction among the caller's instructions (None: any)."""

    raiser: Raiser
    kind: str
    code: int | None = None
    instruction: int | None = None

    @classmethod
    def frt(cls, code: FrtErrorCode) -> ExpectedError:
        return cls(Raiser.FRT, CUSTOM, int(code))

    @classmethod
    def frt_builtin(cls, kind: str) -> ExpectedError:
        """A builtin `InstructionError` (InvalidArgument, InsufficientFunds ...) returned by FRT itself."""
        return cls(Raiser.FRT, kind)

    @classmethod
    def token(cls, code: SplTokenError) -> ExpectedError:
        return cls(Raiser.SPL_TOKEN, CUSTOM, int(code))

    @classmethod
    def token_builtin(cls, kind: str) -> ExpectedError:
        return cls(Raiser.SPL_TOKEN, kind)

    @classmethod
    def system(cls, code: SystemProgramError) -> ExpectedError:
        return cls(Raiser.SYSTEM, CUSTOM, int(code))

    @classmethod
    def runtime(cls, kind: str) -> ExpectedError:
        """A transaction-level error (InsufficientFundsForRent ...): no instruction index."""
        return cls(Raiser.RUNTIME, kind)

    def at(self, instruction: int) -> ExpectedError:
        return self if self.raiser is Raiser.RUNTIME else ExpectedError(self.raiser, self.kind, self.code, instruction)

    def matches(self, error: ClassifiedError) -> bool:
        return (error.raiser is self.raiser and error.kind == self.kind
                and (self.kind != CUSTOM or error.custom_code == self.code)
                and (self.instruction is None or error.instruction_index == self.instruction))

    @property
    def name(self) -> str:
        """The table name, as `ClassifiedError.name` gives it (for coverage tables and reports)."""
        if self.kind != CUSTOM or self.code is None:
            return self.kind
        table: type[IntEnum] | None = {
            Raiser.FRT: FrtErrorCode, Raiser.SPL_TOKEN: SplTokenError, Raiser.SYSTEM: SystemProgramError,
        }.get(self.raiser)
        try:
            return table(self.code).name if table is not None else f"Unknown({self.code})"
        except ValueError:
            return f"Unknown({self.code})"

    def __str__(self) -> str:
        where = "" if self.instruction is None else f" at instruction {self.instruction}"
        body = f"Custom({self.code}) {self.name}" if self.kind == CUSTOM else self.kind
        return f"{self.raiser} {body}{where}"


class Fails(Exception):
    """Control-flow signal inside a prediction: the transaction must fail with `error` (None: it must fail,
    but the model does not know the error the chain gives, e.g. an account the harness never expects)."""

    def __init__(self, error: ExpectedError | None, reason: str) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason
