"""The frt-stress command line: argument parsing, a real short run, and clear errors for bad input."""

from __future__ import annotations

import hashlib
import json
import signal
import stat
import subprocess
import sysconfig
from importlib.metadata import version
from pathlib import Path

import pytest

from pytest_fixedratio.chain.litesvm import BUNDLED_PROGRAM
from pytest_fixedratio.cli import main
from pytest_fixedratio.settings import SETTINGS
from pytest_fixedratio.store.database import Store

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
    assert {w["kind"] for w in summary["per_worker"].values()} == {"deposit", "withdrawal", "swap", "adversary",
                                                                          "operator"}
    assert all(counts["failed"] == counts["expected"] and (not counts["ok"] or kind.startswith("adversary:forged."))
               for kind, counts in summary["operations"].items() if kind.startswith("adversary:"))
    assert stat.S_IMODE((data_dir / "core_wallet.json").stat().st_mode) == 0o600
    program = summary["provenance"]
    assert program["program"] == str(BUNDLED_PROGRAM) and summary["interrupted"] is None
    assert program["program_sha256"] == hashlib.sha256(BUNDLED_PROGRAM.read_bytes()).hexdigest()
    assert program["tool"] == f"pytest-fixedratio {version('pytest-fixedratio')}" and program["seed"] == 3
    assert program["settings"]["duration_s"] == 20 and program["settings"]["data_dir"] == str(data_dir)
    assert out.startswith(f"{program['tool']} on target litesvm, program {BUNDLED_PROGRAM} "
                          f"(sha256 {program['program_sha256']})\nsettings: duration_s 20.0, ")
    assert "secret" not in report.read_text() and "private" not in report.read_text()


def test_worker_settings_shape_the_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "summary.json"
    assert main(["run", "--duration", "10s", "--pools", "1", "--depositors", "1", "--withdrawers", "1",
                 "--hoarding-withdrawers", "0", "--no-swappers", "--clock", "virtual", "--verify-every", "3",
                 "--adversary-rate", "0.5", "--report", str(report)]) == 0
    workers = json.loads(report.read_text())["per_worker"].values()
    assert sorted((w["kind"], w["side"]) for w in workers) == [("adversary", "A"), ("adversary", "A"),
                                                                ("adversary", "B"), ("adversary", "B"),
                                                                ("deposit", "A"), ("deposit", "B"), ("operator", "A"),
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


@pytest.mark.parametrize("option", ["--oplog", "--report"])
@pytest.mark.parametrize("where", ["a_file/out.json", "."])
def test_an_output_file_that_cannot_be_written_is_refused_before_the_run(option: str, where: str, tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A mistyped report path is found before an hour of running, not after it (the run would be lost)."""
    (tmp_path / "a_file").write_text("")
    path = tmp_path / where
    assert main(["run", "--duration", "1h", option, str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err == (f"frt-stress: error: {option}: {str(path)!r} is not a file this process can write (not a "
                            "directory; under a directory it may write to)\n") and captured.out == ""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_ends_the_run_with_the_summary_of_what_ran(sig: signal.Signals, tmp_path: Path) -> None:
    """Ctrl-C or SIGTERM during a long run: the workers stop, the partial summary is printed and the report
    written, and the exit status says whether it passed; progress lines came before, on stderr."""
    report, data_dir = tmp_path / "summary.json", tmp_path / "data"
    run = subprocess.Popen([str(FRT_STRESS), "run", "--duration", "10h", "--pools", "1", "--report", str(report),
                            "--data-dir", str(data_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert run.stderr is not None
    first = run.stderr.readline()  # the first progress line comes after the first step of chain time
    run.send_signal(sig)
    out, err = run.communicate(timeout=120)
    assert first.startswith("progress: 1/36000 s chain time (0%), ") and first.endswith(" 0 incidents\n")
    assert run.returncode == 0 and "Traceback" not in err
    assert f"frt-stress: {sig.name}: stopping the workers and summarising the part that ran" in err
    assert f"PASSED (interrupted by {sig.name} after " in out
    summary = json.loads(report.read_text())
    assert summary["interrupted"] == sig.name and 1 <= summary["virtual_seconds"] < 36000
    assert summary["operations"]["deposit"]["ok"] > 0
    with Store.open(data_dir, read_only=True) as store:  # the session is stored too, with every operation
        [session] = store.list_sessions()
        stored = store.get_session(session.session_id)
        operations = store.count_operations(session.session_id)
    assert session.status == "ended" and stored["session_info"]["stop_reason"] == sig.name
    assert operations == stored["verification_totals"]["operation_counts"]["total_operations"] > 0


def test_call_steers_a_run_through_its_control_port() -> None:
    """`frt-stress run --control-port 0` announces its port; `frt-stress call` creates a worker in it, gets its
    errors as text with exit status 1, and the run ends on SIGTERM with the worker in its summary."""
    run = subprocess.Popen([str(FRT_STRESS), "run", "--duration", "10h", "--pools", "1", "--control-port", "0"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert run.stderr is not None
    announced = run.stderr.readline()
    assert announced.startswith("frt-stress: control API on http://127.0.0.1:")
    url = announced.split(" on ", 1)[1].strip()

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(FRT_STRESS), "call", "--url", url, *args], capture_output=True, text=True,
                              timeout=60, check=False)

    pool = json.loads(call("list_pools").stdout)["pools"][0]["pool_id"]
    created = call("create_withdrawal_thread", f"pool_id={pool}", "token_type=B", "share_tokens=true")
    thread = json.loads(created.stdout)["thread_id"]
    assert created.returncode == 0 and thread.startswith("wd-")
    refused = call("get_pool", "pool_id=nope")
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("frt-stress: error -32602: invalid params: pool_id: no pool 'nope'")
    run.send_signal(signal.SIGTERM)
    out, _ = run.communicate(timeout=120)
    assert run.returncode == 0 and "'withdrawal': 5" in out and "interrupted by SIGTERM" in out
    unreachable = call("list_pools")
    assert unreachable.returncode == 2 and "cannot reach the control API at" in unreachable.stderr


def test_a_control_port_open_to_other_machines_needs_a_token(capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRT_STRESS_TOKEN", raising=False)
    assert main(["run", "--control-port", "0", "--control-host", "0.0.0.0"]) == 2
    assert capsys.readouterr().err.startswith("frt-stress: error: --control-host 0.0.0.0 is reachable from other "
                                              "machines: set a bearer token (FRT_STRESS_TOKEN) or bind 127.0.0.1")
    assert main(["run", "--control-port", "70000"]) == 2
    assert "--control-port: '70000' is not a TCP port" in capsys.readouterr().err


def test_a_reader_that_goes_away_is_no_error(tmp_path: Path) -> None:
    """`frt-stress report SESSION | true`: the reader is gone before anything is written (a 55 kB report); no
    traceback, and the Unix status for SIGPIPE."""
    data_dir = tmp_path / "data"
    assert main(["run", "--duration", "2s", "--pools", "1", "--data-dir", str(data_dir)]) == 0
    with Store.open(data_dir, read_only=True) as store:
        [session] = store.list_sessions()
    done = subprocess.run(["bash", "-c", f"'{FRT_STRESS}' report --data-dir '{data_dir}' {session.session_id} | true;"
                                         " echo ${PIPESTATUS[0]}"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert "Traceback" not in done.stderr and done.stdout == "141\n"
