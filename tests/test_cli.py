"""The frt-stress command line: argument parsing, a real short run, and clear errors for bad input."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.cli import main, parse_duration

UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


@given(value=st.integers(0, 10**6), unit=st.sampled_from([*UNITS, ""]))
def test_durations_parse_with_every_unit(value: int, unit: str) -> None:
    assert parse_duration(f"{value}{unit}") == pytest.approx(value * UNITS.get(unit, 1))


@pytest.mark.parametrize("text", ["", "1y", "5 parsecs", "ten", "1h30"])
def test_bad_durations_are_refused_by_name(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--duration", text])
    assert exit_info.value.code == 2
    assert f"{text!r} is not a duration" in capsys.readouterr().err


def test_a_short_run_prints_a_summary_and_writes_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    report = tmp_path / "summary.json"
    data_dir = tmp_path / "data"
    assert main(["run", "--duration", "20s", "--pools", "1", "--seed", "3", "--report", str(report),
                 "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "PASSED" in out and "seed 3: 20 s of chain time" in out
    summary = json.loads(report.read_text())
    assert summary["passed"] is True and summary["operations"]["deposit"]["ok"] > 0
    assert {w["kind"] for w in summary["per_worker"].values()} == {"deposit", "withdrawal", "swap"}
    assert stat.S_IMODE((data_dir / "core_wallet.json").stat().st_mode) == 0o600
    assert "secret" not in report.read_text() and "private" not in report.read_text()


def test_a_broken_program_is_a_clear_error_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    broken = tmp_path / "broken.so"
    broken.write_bytes(b"\x7fELF" + bytes(200))
    assert main(["run", "--duration", "1s", "--program", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("frt-stress: error: deploying the 204-byte program failed")
    with pytest.raises(SystemExit):
        main(["run", "--program", str(tmp_path / "missing.so")])
    assert "is not a file" in capsys.readouterr().err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "run" in capsys.readouterr().out
