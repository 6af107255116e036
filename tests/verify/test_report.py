"""Violations and the verification log: round trips, merging, context and the end-of-test failure."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.verify.report import (
    MAX_KEPT_VIOLATIONS,
    Check,
    CheckOutcome,
    VerificationFailed,
    VerificationLog,
    Violation,
    ViolationContext,
)

_small_text = st.text(max_size=20)
_maybe_int = st.none() | st.integers(min_value=0, max_value=2**63)


def contexts() -> st.SearchStrategy[ViolationContext]:
    return st.builds(ViolationContext, operation=st.none() | _small_text, signature=st.none() | _small_text,
                     seed=_maybe_int, operation_number=_maybe_int, pool=st.none() | _small_text)


def violations() -> st.SearchStrategy[Violation]:
    details = st.dictionaries(_small_text, st.integers() | _small_text | st.none(), max_size=3)
    return st.builds(Violation, st.sampled_from(Check), _small_text, details, contexts())


def outcomes() -> st.SearchStrategy[CheckOutcome]:
    def with_checks(found: list[Violation]) -> st.SearchStrategy[CheckOutcome]:
        ids = tuple(dict.fromkeys(v.check for v in found))
        return st.lists(st.sampled_from(Check), max_size=4).map(
            lambda extra: CheckOutcome(ids + tuple(extra), tuple(found)))
    return st.lists(violations(), max_size=4).flatmap(with_checks)


@given(violations())
def test_violation_round_trips_through_json(violation: Violation) -> None:
    assert Violation.from_dict(json.loads(json.dumps(violation.to_dict()))) == violation


@given(st.lists(outcomes(), max_size=8), st.integers(min_value=0, max_value=8))
def test_merging_two_logs_equals_recording_into_one(found: list[CheckOutcome], split: int) -> None:
    whole, left, right = VerificationLog(), VerificationLog(), VerificationLog()
    for i, outcome in enumerate(found):
        whole.record(outcome)
        (left if i < split else right).record(outcome)
    left.merge(right)
    assert left.to_dict() == whole.to_dict()


@given(st.lists(outcomes(), max_size=8))
def test_log_round_trips_through_json(found: list[CheckOutcome]) -> None:
    log = VerificationLog()
    for outcome in found:
        log.record(outcome)
    restored = VerificationLog.from_dict(json.loads(json.dumps(log.to_dict())))
    assert restored.to_dict() == log.to_dict()
    assert restored.total_checks == sum(len(o.checked) for o in found)
    assert restored.total_violations == sum(len(o.violations) for o in found)


def test_log_keeps_only_the_first_violations_but_counts_all() -> None:
    log = VerificationLog()
    many = tuple(Violation(Check.I1, f"v{i}") for i in range(MAX_KEPT_VIOLATIONS + 5))
    log.record(CheckOutcome((Check.I1,), many))
    assert log.violations["I1"] == MAX_KEPT_VIOLATIONS + 5
    assert [v.message for v in log.examples] == [f"v{i}" for i in range(MAX_KEPT_VIOLATIONS)]


def test_reset_reports_and_clears() -> None:
    log = VerificationLog()
    log.record(CheckOutcome.of(Check.I2, [Violation(Check.I2, "S fell")]))
    report = log.reset()
    assert report["violations"] == {"I2": 1} and report["checks"] == {"I2": 1}
    assert log.total_checks == 0 and log.ok and not log.examples


def test_raise_if_violated_lists_the_violations_with_context() -> None:
    log = VerificationLog()
    log.record(CheckOutcome.of(Check.I8))
    log.raise_if_violated()
    context = ViolationContext(operation="Deposit(A, 5)", signature="abc", seed=7, operation_number=3)
    log.record(CheckOutcome.of(Check.DELTA, [Violation(Check.DELTA, "vault A amount predicted 5, observed 6")])
               .in_context(context))
    with pytest.raises(VerificationFailed) as info:
        log.raise_if_violated()
    text = str(info.value)
    assert "1 violation(s) in 2 checks" in text and "delta: 1/1" in text
    assert "[delta] vault A amount predicted 5, observed 6" in text
    assert "seed=7" in text and "operation_number=3" in text and "signature=abc" in text
    assert isinstance(info.value, AssertionError)


@given(contexts(), contexts())
def test_context_keeps_what_is_known_and_fills_the_rest(inner: ViolationContext, outer: ViolationContext) -> None:
    merged = Violation(Check.I1, "x", context=inner).in_context(outer).context
    for f in fields(ViolationContext):
        known = getattr(inner, f.name)
        assert getattr(merged, f.name) == (known if known is not None else getattr(outer, f.name))


def test_outcomes_add_and_report_the_violated_ids() -> None:
    a = CheckOutcome.of(Check.I1)
    b = CheckOutcome.of(Check.I7, [Violation(Check.I7, "fees moved")])
    total = a + b
    assert total.checked == (Check.I1, Check.I7) and total.ids() == {Check.I7} and not total.ok
    assert CheckOutcome.combine([a, b]) == total
