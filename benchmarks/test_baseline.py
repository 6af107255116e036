"""pytest-benchmark form of the raw LiteSVM baseline (benchmarks/baseline.py): rounds of pre-signed FRT
swaps or deposits; each round gets fresh, never-sent transactions from the untimed setup."""

from __future__ import annotations

import itertools

import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from solders.litesvm import LiteSVM
from solders.transaction import Transaction

from benchmarks.baseline import OPERATIONS, BaselineMarket, Operation, compute_units, send_all

TRANSACTIONS_PER_ROUND = 1_000
ROUNDS = 5


@pytest.fixture(scope="module")
def baseline_market() -> BaselineMarket:
    return BaselineMarket.open()


@pytest.mark.parametrize("operation", OPERATIONS)
def test_raw_litesvm_throughput(benchmark: BenchmarkFixture, baseline_market: BaselineMarket,
                                operation: Operation) -> None:
    first_amounts = itertools.count(1, TRANSACTIONS_PER_ROUND)

    def fresh_round() -> tuple[tuple[LiteSVM, list[Transaction]], dict[str, object]]:
        transactions = baseline_market.signed(operation, TRANSACTIONS_PER_ROUND, next(first_amounts))
        return (baseline_market.svm, transactions), {}

    results = benchmark.pedantic(send_all, setup=fresh_round, rounds=ROUNDS, iterations=1)  # type: ignore[no-untyped-call]
    units = compute_units(results)
    assert len(units) == TRANSACTIONS_PER_ROUND
    mean_seconds = benchmark.stats.stats.mean  # type: ignore[union-attr]
    benchmark.extra_info.update(transactions_per_round=TRANSACTIONS_PER_ROUND,
                                tx_per_s=TRANSACTIONS_PER_ROUND / mean_seconds,
                                compute_units=sum(units) / len(units))
