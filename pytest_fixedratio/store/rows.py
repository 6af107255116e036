"""The rows the store hands out and takes in, and the conversions of their values to SQLite's.

The store sits below the engine (docs/architecture.md), so it cannot name the engine's types: worker kinds,
sides and statuses are the engine's enum values as plain text. The operation log's record is defined here, and
the engine writes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from pytest_fixedratio.errors import InvalidArgument

U64_MAX: Final = 2**64 - 1

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class OperationRecord:
    """One line of the operation log: one transaction the harness sent and how it ended (plain data, compared
    across runs, streamed by the engine's sinks, stored and read back here)."""

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
    boundary: str = ""
    """The boundary amount (`engine.boundaries`) the amount is: "limit", "over_liquidity" ...; "" if drawn uniformly."""

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class PendingOperation:
    """A transaction logged as sent and not yet resolved: after a crash, what a restart must look up by
    signature to learn whether it landed."""

    row_id: int
    session_id: str
    signature: str
    at: float
    actor: str
    kind: str
    pool: str
    amount: int
    last_valid_height: int
    """The block height after which the transaction can no longer land."""


@dataclass(frozen=True, slots=True)
class WorkerRow:
    """A worker as stored: what it is bound to, its status, and when it was created and deleted. Its wallet
    lives in a key file beside the database, not in a row."""

    worker_id: str
    kind: str
    pool: str
    side: str
    initial_amount: int
    auto_refill: bool
    share: bool
    status: str
    created_at: datetime
    deleted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ErrorRow:
    """One failure of a worker; `at` is in chain seconds, like the operation log's times."""

    worker_id: str
    at: float
    name: str
    operation: str
    detail: str


class SessionStatus(StrEnum):
    OPEN = "open"
    ENDED = "ended"
    INTERRUPTED = "interrupted"
    """Found open by a later start: its process died without ending it (kill -9, power loss)."""


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A session as `list_sessions` shows it; `summary` holds the report's `session_info` and
    `verification_totals.operation_counts`, when it has them (the full report is `get_session`'s)."""

    session_id: str
    started_at: datetime
    ended_at: datetime | None
    status: SessionStatus
    settings: JsonObject
    summary: JsonObject


def u64_text(value: int, what: str) -> str:
    """A u64 as SQLite text: its INTEGER is signed 64-bit, so u64::MAX would not fit."""
    if not 0 <= value <= U64_MAX:
        raise InvalidArgument(f"{what} {value} is not a u64 (0 to {U64_MAX}); pass an amount an instruction can carry")
    return str(value)


def time_text(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds always written, so the texts sort as the times do."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def json_text(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))
