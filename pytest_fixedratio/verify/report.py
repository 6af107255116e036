"""What the verifier found: violations as values, and a mergeable log of checks and violations.

Every check function in `verify/` returns a `CheckOutcome` (which checks ran, which failed) instead of raising,
so a stress run can keep going and count, while a pytest test turns the log into one failure at the end
(`VerificationLog.raise_if_violated`). The log is plain counters plus the first few violations as JSON-able
dicts, so per-process logs merge across xdist workers (style rule 6).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any, Final, TypedDict

from pytest_fixedratio.errors import FixedRatioError

MAX_KEPT_VIOLATIONS: Final = 50
"""A broken program violates the same invariant on every operation; the first few say everything."""


class Check(StrEnum):
    """Identifier of one kind of check: frt-contract.md section 5 ids, plus the ledger's own ones."""

    I1 = "I1"
    I2 = "I2"
    I6 = "I6"
    I7 = "I7"
    I8 = "I8"
    I9 = "I9"
    I10 = "I10"
    G1 = "G1"
    G2 = "G2"
    G3 = "G3"
    G4 = "G4"
    DELTA = "delta"
    """A successful transaction left a watched account different from the ledger's prediction (covers I3-I5
    and every other operation the ledger models)."""
    ACCEPT = "accept"
    """A transaction succeeded although the contract says it must fail (zero amount, wrong expected out ...)."""
    OUTCOME = "outcome"
    """The transaction failed although its intent predicts success (an unexpected error)."""
    ERROR = "error"
    """The transaction failed as predicted, but with another error or at another instruction than the check
    order of frt-contract.md section 2.3 gives."""
    LOGS = "logs"
    """A successful transaction did not print the success log line clients read."""
    CONTINUITY = "continuity"
    """A pool account changed between two transactions the harness saw, by something that was none of them
    (a third party, a buggy program, a tampering test). Meaningful where transactions execute one at a time."""


class ContextDict(TypedDict):
    operation: str | None
    signature: str | None
    seed: int | None
    operation_number: int | None
    pool: str | None


@dataclass(frozen=True, slots=True)
class ViolationContext:
    """Where a violation was seen. Each layer fills what it knows: the ledger the operation and signature,
    the engine the seed and operation number."""

    operation: str | None = None
    signature: str | None = None
    seed: int | None = None
    operation_number: int | None = None
    pool: str | None = None

    def filled_from(self, outer: ViolationContext) -> ViolationContext:
        """This context with its unset fields taken from `outer` (what is already known wins)."""
        return ViolationContext(**{f.name: (getattr(self, f.name) if getattr(self, f.name) is not None
                                            else getattr(outer, f.name)) for f in fields(self)})

    def to_dict(self) -> ContextDict:
        return ContextDict(operation=self.operation, signature=self.signature, seed=self.seed,
                           operation_number=self.operation_number, pool=self.pool)

    @classmethod
    def from_dict(cls, raw: ContextDict) -> ViolationContext:
        return cls(**raw)


class ViolationDict(TypedDict):
    check: str
    message: str
    context: ContextDict
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Violation:
    """One failed check. `message` names the predicted (or required) and the observed value; `details`
    holds JSON-able evidence, typically the accounts before / predicted / observed as decoded dicts."""

    check: Check
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)
    context: ViolationContext = ViolationContext()

    def in_context(self, outer: ViolationContext) -> Violation:
        return replace(self, context=self.context.filled_from(outer))

    def to_dict(self) -> ViolationDict:
        return ViolationDict(check=self.check.value, message=self.message, context=self.context.to_dict(),
                             details=dict(self.details))

    @classmethod
    def from_dict(cls, raw: ViolationDict) -> Violation:
        return cls(Check(raw["check"]), raw["message"], dict(raw["details"]),
                   ViolationContext.from_dict(raw["context"]))

    def __str__(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.context.to_dict().items() if v is not None)
        return f"[{self.check.value}] {self.message}" + (f" ({where})" if where else "")


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """The result of running some checks: the ids evaluated (each counts once) and the violations found."""

    checked: tuple[Check, ...] = ()
    violations: tuple[Violation, ...] = ()

    @classmethod
    def of(cls, check: Check, violations: Iterable[Violation] = ()) -> CheckOutcome:
        return cls((check,), tuple(violations))

    @classmethod
    def combine(cls, outcomes: Iterable[CheckOutcome]) -> CheckOutcome:
        checked: list[Check] = []
        found: list[Violation] = []
        for outcome in outcomes:
            checked.extend(outcome.checked)
            found.extend(outcome.violations)
        return cls(tuple(checked), tuple(found))

    @property
    def ok(self) -> bool:
        return not self.violations

    def __add__(self, other: CheckOutcome) -> CheckOutcome:
        return CheckOutcome(self.checked + other.checked, self.violations + other.violations)

    def in_context(self, outer: ViolationContext) -> CheckOutcome:
        return replace(self, violations=tuple(v.in_context(outer) for v in self.violations))

    def ids(self) -> set[Check]:
        """The ids that were violated (what a test usually asserts on)."""
        return {v.check for v in self.violations}


class VerificationFailed(FixedRatioError, AssertionError):
    """Raised at the end of a test whose verification log holds violations; the message lists them."""


class VerificationLogDict(TypedDict):
    checks: dict[str, int]
    violations: dict[str, int]
    examples: list[ViolationDict]


class VerificationLog:
    """Counts checks and violations by id and keeps the first `MAX_KEPT_VIOLATIONS` violations."""

    __slots__ = ("checks", "examples", "violations")

    def __init__(self) -> None:
        self.checks: Counter[str] = Counter()
        self.violations: Counter[str] = Counter()
        self.examples: list[Violation] = []

    def record(self, outcome: CheckOutcome) -> CheckOutcome:
        """Count `outcome` and return it unchanged, so a caller can record and inspect in one line."""
        self.checks.update(c.value for c in outcome.checked)
        self.violations.update(v.check.value for v in outcome.violations)
        self._keep(outcome.violations)
        return outcome

    def _keep(self, found: Iterable[Violation]) -> None:
        room = MAX_KEPT_VIOLATIONS - len(self.examples)
        if room > 0:
            self.examples.extend(list(found)[:room])

    @property
    def total_checks(self) -> int:
        return sum(self.checks.values())

    @property
    def total_violations(self) -> int:
        return sum(self.violations.values())

    @property
    def ok(self) -> bool:
        return self.total_violations == 0

    def merge(self, other: VerificationLog) -> None:
        self.checks.update(other.checks)
        self.violations.update(other.violations)
        self._keep(other.examples)

    def to_dict(self) -> VerificationLogDict:
        return VerificationLogDict(checks=dict(self.checks), violations=dict(self.violations),
                                   examples=[v.to_dict() for v in self.examples])

    @classmethod
    def from_dict(cls, raw: VerificationLogDict) -> VerificationLog:
        log = cls()
        log.checks.update(raw["checks"])
        log.violations.update(raw["violations"])
        log._keep(Violation.from_dict(v) for v in raw["examples"])
        return log

    def reset(self) -> VerificationLogDict:
        """Report what was recorded so far and start again from zero (one report per window)."""
        report = self.to_dict()
        self.checks.clear()
        self.violations.clear()
        self.examples.clear()
        return report

    def summary(self) -> str:
        counts = ", ".join(f"{k}: {self.violations[k]}/{n}" for k, n in sorted(self.checks.items())
                           if self.violations[k])
        return (f"{self.total_violations} violation(s) in {self.total_checks} checks"
                + (f" (violated/checked by id: {counts})" if counts else ""))

    def raise_if_violated(self) -> None:
        """Raise `VerificationFailed` listing the kept violations, if any were recorded."""
        if self.ok:
            return
        shown = "\n".join(f"  {v}" for v in self.examples)
        more = self.total_violations - len(self.examples)
        tail = f"\n  ... and {more} more" if more > 0 else ""
        raise VerificationFailed(f"{self.summary()}:\n{shown}{tail}")
