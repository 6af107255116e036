"""The operation log: one record per transaction, streamed to a sink as it happens, and tallied.

A session keeps only counters (`Tally`: per kind and outcome, errors by name); whole records go to a sink, so a
run of any length holds constant memory. `JsonlSink` appends them to a file (flushed per record, so Ctrl-C or
kill -9 loses at most the line being written), `MemorySink` keeps them for tests that compare logs.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from pytest_fixedratio.chain.base import Announce
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.store.rows import OperationRecord


class OperationSink(Protocol):
    def write(self, record: OperationRecord) -> None:
        """Take one record (called in execution order)."""

    def close(self) -> None:
        """No more records."""


class SendJournal(Protocol):
    """Where a session logs each transaction before it goes out, on a chain that outlives the process: after a
    crash, the log names every transaction that may have landed, for the next start to settle."""

    def announcer(self, actor: str, kind: str, pool: str, amount: int, at: float) -> Announce:
        """What the chain calls with the operation's signature before each send (`chain.base.Announce`)."""


class NullSink:
    def write(self, record: OperationRecord) -> None:
        pass

    def close(self) -> None:
        pass


class FanOut:
    """Several sinks as one (a JSONL file and the store, say); none is a `NullSink`."""

    def __init__(self, sinks: list[OperationSink]) -> None:
        self.sinks = sinks

    def write(self, record: OperationRecord) -> None:
        for sink in self.sinks:
            sink.write(record)

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()


@dataclass
class MemorySink:
    """Every record in memory: for tests and short runs only."""

    records: list[OperationRecord] = field(default_factory=list)

    def write(self, record: OperationRecord) -> None:
        self.records.append(record)

    def close(self) -> None:
        pass


class JsonlSink:
    """Records appended to `path` as JSON lines (the file is created 0644 with any missing directory, appended
    to if it exists)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file: IO[str] | None = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise InvalidArgument(f"cannot write the operation log {path}: {exc.strerror}; pass a writable "
                                  f"file path") from None

    def write(self, record: OperationRecord) -> None:
        if self._file is not None:
            self._file.write(json.dumps(record.to_dict(), separators=(",", ":")) + "\n")
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


@dataclass
class Tally:
    """Counts of the records so far: per kind ok / failed / expected / unexpected, the same per boundary amount
    ("swap.over_liquidity"), and errors by name."""

    operations: dict[str, Counter[str]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    boundaries: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, record: OperationRecord) -> None:
        _count(self.operations, record.kind, record)
        if record.boundary:
            _count(self.boundaries, f"{record.kind}.{record.boundary}", record)
        if not record.ok:
            self.errors[record.error] += 1

    @property
    def total(self) -> int:
        return sum(c["ok"] + c["failed"] for c in self.operations.values())

    def ok(self, kind: str) -> int:
        counts = self.operations.get(kind)
        return 0 if counts is None else counts["ok"]


def _count(table: dict[str, Counter[str]], key: str, record: OperationRecord) -> None:
    """One more `record` under `key`: ok, or failed and expected / unexpected."""
    counts = table.get(key)
    if counts is None:
        counts = table[key] = Counter(ok=0, failed=0, expected=0, unexpected=0)
    if record.ok:
        counts["ok"] += 1
    else:
        counts["failed"] += 1
        counts["expected" if record.expected_error else "unexpected"] += 1
