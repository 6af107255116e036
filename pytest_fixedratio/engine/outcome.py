"""What executing one intent gave: the log record, the receipt and its verification, the latency."""

from __future__ import annotations

from dataclasses import dataclass

from pytest_fixedratio.chain.base import Receipt
from pytest_fixedratio.store.rows import OperationRecord
from pytest_fixedratio.verify.verifier import Verification


@dataclass(frozen=True, slots=True)
class Outcome:
    record: OperationRecord
    receipt: Receipt
    verification: Verification
    latency_ms: float

    @property
    def ok(self) -> bool:
        return self.receipt.ok

    @property
    def expected_failure(self) -> bool:
        return self.verification.expected_failure
