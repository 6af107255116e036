"""The security suite as a user runs it (stress_suites/test_security.py, through pytester): green with the shipped
baseline, and failing, naming the finding, when the baseline no longer lists one the probes show."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from pytest_fixedratio.engine.findings import CATALOGUE, DEFAULT_BASELINE

pytest_plugins = ["pytester"]

SUITE = Path(__file__).resolve().parents[2] / "stress_suites" / "test_security.py"


def _suite(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    shutil.copy(SUITE, pytester.path / "test_security.py")


def _baseline_without(path: Path, removed: str) -> None:
    """The shipped baseline with one [[finding]] left out (written back in the shipped file's own format)."""
    entries = tomllib.loads(DEFAULT_BASELINE.read_text(encoding="utf-8"))["finding"]
    kept = [e for e in entries if e["id"] != removed]
    assert len(kept) == len(entries) - 1, f"{removed} is not in the shipped baseline"
    path.write_text("".join(f'[[finding]]\nid = "{e["id"]}"\nreason = "{e["reason"]}"\n\n' for e in kept),
                    encoding="utf-8")


def test_the_shipped_baseline_lists_every_finding_of_the_reference_program() -> None:
    listed = {e["id"] for e in tomllib.loads(DEFAULT_BASELINE.read_text(encoding="utf-8"))["finding"]}
    assert listed == set(CATALOGUE)


def test_the_suite_passes_with_the_shipped_baseline_and_lists_the_findings_as_known(
        pytester: pytest.Pytester) -> None:
    _suite(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["security findings (baseline *): 3 known, 0 new, 0 gone"])
    for finding, kind in CATALOGUE.items():
        result.stdout.fnmatch_lines([f"  known: {finding} (frt-contract.md {kind.section}): *"])


@pytest.mark.parametrize("removed", sorted(CATALOGUE))
def test_removing_a_baseline_entry_fails_the_suite_naming_the_finding(pytester: pytest.Pytester,
                                                                       removed: str) -> None:
    _suite(pytester)
    _baseline_without(pytester.path / "baseline.toml", removed)
    result = pytester.runpytest("-p", "no:cacheprovider", "--frt-findings-baseline",
                                str(pytester.path / "baseline.toml"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"  NEW, not in the baseline: {removed} (frt-contract.md *"])
