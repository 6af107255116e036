"""The frt-stress command line: argument parsing, a real short run, and clear errors for bad input."""

from __future__ import annotations

import json
import stat
import subprocess
import sysconfig
from pathlib import Path

import pytest

from pytest_fixedratio.cli import main
from pytest_fixedratio.settings import SETTINGS

FRT_STRESS = Path(sysconfig.get_path("scripts")) / "frt-stress"


@pytest.mark.parametrize(("args", "error"), [
    (["--duration", "0"], "--duration: '0' is not a positive duration such as 90s, 15m, 1h or 3600"),
    (["--duration", "1h30"], "--duration: '1h30' is not a positive duration such as 90s, 15m, 1h or 3600"),
    (["--pools", "0"], "--pools: '0' is not a whole number >= 1"),
    (["--depositors", "-1"], "--depositors: '-1' is not a whole number >= 0"),
    (["--withdrawers", "two"], "--withdrawers: 'two' is not a whole number >= 0"),
    (["--verify-every", "0"], "--verify-every: '0' is not a whole number >= 1"),
    (["--clock", "fast"], "--clock: 'fast' is not a clock; choose one of: virtual, real"),
    (["--seed", "7.5"], "--seed: '7.5' is not a seed; pass a whole number such as 7"),
    (["--program", "missing.so"], "--program: 'missing.so' is not a file; pass the path of a built FRT program .so"),
    (["--withdrawers", "1", "--hoarding-withdrawers", "2"],
     "hoarding_withdrawers_per_side: 2 must be at most withdrawers_per_side, 1"),
])
def test_bad_settings_are_refused_by_name_with_exit_status_2(args: list[str], error: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", *args]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"frt-stress: error: {error}") and not captured.out


def test_the_installed_command_refuses_a_zero_duration() -> None:
    result = subprocess.run([str(FRT_STRESS), "run", "--duration", "0"], capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 2
    assert "--duration: '0' is not a positive duration" in result.stderr and "Traceback" not in result.stderr


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
    assert {w["kind"] for w in summary["per_worker"].values()} == {"deposit", "withdrawal", "swap", "adversary"}
    assert all(counts["failed"] == counts["expected"] and (not counts["ok"] or kind.startswith("adversary:forged."))
               for kind, counts in summary["operations"].items() if kind.startswith("adversary:"))
    assert stat.S_IMODE((data_dir / "core_wallet.json").stat().st_mode) == 0o600
    assert "secret" not in report.read_text() and "private" not in report.read_text()


def test_worker_settings_shape_the_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "summary.json"
    assert main(["run", "--duration", "10s", "--pools", "1", "--depositors", "1", "--withdrawers", "1",
                 "--hoarding-withdrawers", "0", "--no-swappers", "--clock", "virtual", "--verify-every", "3",
                 "--adversary-rate", "0.5", "--report", str(report)]) == 0
    workers = json.loads(report.read_text())["per_worker"].values()
    assert sorted((w["kind"], w["side"]) for w in workers) == [("adversary", "A"), ("adversary", "A"),
                                                                ("adversary", "B"), ("adversary", "B"),
                                                                ("deposit", "A"), ("deposit", "B"),
                                                                ("withdrawal", "A"), ("withdrawal", "B")]


def test_a_broken_program_is_a_clear_error_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    broken = tmp_path / "broken.so"
    broken.write_bytes(b"\x7fELF" + bytes(200))
    assert main(["run", "--duration", "1s", "--program", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("frt-stress: error: deploying the 204-byte program failed")


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "run" in capsys.readouterr().out


def test_run_offers_every_setting(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # argparse wraps help to the terminal's width
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert all(f"--{setting.flag}" in out for setting in SETTINGS)
    assert "--no-swappers" in out and "--duration DURATION" in out and "(default 1h)" in out


def test_the_operation_log_streams_every_operation_as_a_json_line(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    log, report = tmp_path / "ops.jsonl", tmp_path / "summary.json"
    assert main(["run", "--duration", "20s", "--pools", "1", "--oplog", str(log), "--report", str(report)]) == 0
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    summary = json.loads(report.read_text(encoding="utf-8"))
    assert len(records) == sum(c["ok"] + c["failed"] for c in summary["operations"].values()) > 100
    assert [r["number"] for r in records] == list(range(1, len(records) + 1))
    assert {r["kind"] for r in records} >= {"initialize_pool", "deposit", "withdraw", "swap", "share_lp"}
    assert all(len(r["signature"]) > 60 for r in records)


def test_an_operation_log_that_cannot_be_written_is_refused_before_the_run(capsys: pytest.CaptureFixture[str]
                                                                           ) -> None:
    assert main(["run", "--duration", "20s", "--oplog", "/nonexistent/dir/ops.jsonl"]) == 2
    captured = capsys.readouterr()
    assert "cannot write the operation log /nonexistent/dir/ops.jsonl" in captured.err and captured.out == ""
