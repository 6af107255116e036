"""Every transaction the engine sends goes through one `Operator`.

It watches the accounts the checks name, sends, runs the checks on the receipt (the verifier predicts, the
chain reports, the operator compares), has a failure classified and judged, and appends one record to the
operation log. Keeping this in one place means no transaction of a run escapes verification or the log, and
the log of a seeded in-process run is what the reproducibility test compares.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pytest_fixedratio.chain.base import Chain, Receipt
from pytest_fixedratio.engine.clock import Clock
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.keys import Wallet


class Finding(Protocol):
    """One verification failure (the verifier's `Violation` satisfies this)."""

    @property
    def check(self) -> str: ...

    @property
    def message(self) -> str: ...


class Check(Protocol):
    """A prediction about one transaction: which accounts to watch and how to judge the receipt."""

    def watch(self) -> Iterable[Address]: ...

    def verify(self, receipt: Receipt) -> Sequence[Finding]: ...


@dataclass(frozen=True, slots=True)
class Judgement:
    """A failed transaction, classified: its error name and whether the harness expected it."""

    error: str
    expected: bool
    reason: str
    critical: bool = False


Judge = Callable[[Receipt], Judgement]
"""Classifies a failed receipt in the light of what the caller knew when it sent the transaction."""


@dataclass(frozen=True, slots=True)
class OperationRecord:
    """One line of the operation log (plain data: it is compared across runs and written as JSONL)."""

    number: int
    at: float
    actor: str
    kind: str
    pool: str
    amount: int
    ok: bool
    signature: str
    error: str = ""
    expected_error: bool = False
    findings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class Outcome:
    record: OperationRecord
    receipt: Receipt
    findings: tuple[Finding, ...]
    verdict: Judgement | None
    latency_ms: float

    @property
    def ok(self) -> bool:
        return self.receipt.ok


@dataclass
class OperationLog:
    """All operations of a run, in the order they executed."""

    records: list[OperationRecord] = field(default_factory=list)
    listeners: list[Callable[[Outcome], None]] = field(default_factory=list)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_number(self) -> int:
        return next(self._numbers)

    def append(self, outcome: Outcome) -> None:
        self.records.append(outcome.record)
        for listener in self.listeners:
            listener(outcome)


def _unexpected(receipt: Receipt) -> Judgement:
    failure = receipt.failure
    name = "unknown" if failure is None else failure.kind
    return Judgement(name, False, "no judge was given for this operation")


class Operator:
    def __init__(self, chain: Chain, clock: Clock, log: OperationLog) -> None:
        self.chain = chain
        self.clock = clock
        self.log = log

    async def execute(self, *, actor: str, kind: str, instructions: Sequence[Instruction], signers: Sequence[Wallet],
                      pool: str = "", amount: int = 0, compute_unit_limit: int | None = None,
                      checks: Sequence[Check] = (), judge: Judge = _unexpected) -> Outcome:
        watch = list(dict.fromkeys(a for check in checks for a in check.watch()))
        started = time.perf_counter()
        receipt = await self.chain.send(instructions, signers, compute_unit_limit=compute_unit_limit, watch=watch)
        latency_ms = (time.perf_counter() - started) * 1000
        findings = tuple(f for check in checks for f in check.verify(receipt))
        verdict = None if receipt.ok else judge(receipt)
        record = OperationRecord(
            number=self.log.next_number(), at=self.clock.now(), actor=actor, kind=kind, pool=pool, amount=amount,
            ok=receipt.ok, signature=receipt.signature, error="" if verdict is None else verdict.error,
            expected_error=verdict is not None and verdict.expected,
            findings=tuple(f"{f.check}: {f.message}" for f in findings),
        )
        outcome = Outcome(record, receipt, findings, verdict, latency_ms)
        self.log.append(outcome)
        return outcome
