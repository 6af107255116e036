"""The plugin end to end, through pytester: options and ini keys, the header, the campaign fixtures, failing a
test on incidents, the terminal section and JSON report, and xdist workers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from pytest_fixedratio.chain.litesvm import BUNDLED_PROGRAM
from pytest_fixedratio.options import worker_seed

pytest_plugins = ["pytester"]

PASSING_CAMPAIGN = """
    import pytest

    @pytest.mark.asyncio
    @pytest.mark.frt_campaign(duration_s=30, pools=1)
    async def test_campaign(frt_campaign):
        summary = await frt_campaign()
        assert summary.passed and summary.operations["deposit"]["ok"] > 0
"""


def write_ini(pytester: pytest.Pytester, *lines: str) -> None:
    """The inner session's ini: strict warnings like ours, plus `lines` (frt_* keys)."""
    pytester.makeini("\n".join(["[pytest]", "asyncio_default_fixture_loop_scope = function",
                                "filterwarnings = error", *lines]))


def read_report(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text())
    return report


WORKERS = ("per side 2 depositors, 2 withdrawers (1 hoarding) and a swapper, adversaries per pool: 1 (rate 0.1), "
           "operator 60/h, probes on")


@pytest.mark.parametrize(("ini", "args", "header"), [
    ((), (), f"seed 7, 600 s on the virtual clock, 3 pools, {WORKERS}, verify every 1, program bundled reference, "
             f"report none"),
    (("frt_seed = 13", "frt_pools = 2"), (), "seed 13, 600 s on the virtual clock, 2 pools, *"),
    (("frt_seed = 13", "frt_clock = real"), ("--frt-seed", "21"), "seed 21, 600 s on the real clock, *"),
    ((), ("--frt-duration", "1h", "--frt-verify-every", "5", "--frt-report", "out.json"),
     f"seed 7, 3600 s on the virtual clock, 3 pools, {WORKERS}, verify every 5, program bundled reference, "
     f"report /*/out.json"),
    (("frt_depositors = 1", "frt_withdrawers = 3", "frt_swappers = no"), ("--frt-hoarding-withdrawers", "3"),
     "*, 3 pools, per side 1 depositors, 3 withdrawers (3 hoarding) and no swapper, *"),
    (("frt_swappers = yes",), ("--frt-no-swappers",), "*, 3 pools, per side 2 depositors, * and no swapper, *"),
    (("frt_adversary_rate = 0.5",), (), "* and a swapper, adversaries per pool: 10 (rate 0.5), *"),
    (("frt_adversary_rate = 0.5",), ("--frt-adversary-rate", "0"),
     "* and a swapper, adversaries per pool: 0 (rate 0), *"),
    (("frt_operator_rate = 120",), ("--frt-no-security-probes",), "*, operator 120/h, probes off, verify every 1, *"),
])
def test_the_header_shows_the_effective_configuration(pytester: pytest.Pytester, ini: tuple[str, ...],
                                                      args: tuple[str, ...], header: str) -> None:
    write_ini(pytester, *ini)
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest(*args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"fixedratio: {header}"])


def test_ini_paths_are_relative_to_the_ini_file(pytester: pytest.Pytester) -> None:
    shutil.copy(BUNDLED_PROGRAM, pytester.path / "mine.so")
    write_ini(pytester, "frt_program = mine.so", "frt_report = reports/session.json")
    pytester.makepyfile("def test_nothing(): pass")
    subdir = pytester.mkdir("elsewhere")
    result = pytester.runpytest("--rootdir", str(pytester.path), "-c", str(pytester.path / "tox.ini"),
                                str(pytester.path), f"--basetemp={subdir / 'tmp'}")
    result.stdout.fnmatch_lines([f"fixedratio: * program {pytester.path / 'mine.so'}, "
                                 f"report {pytester.path / 'reports' / 'session.json'}"])


@pytest.mark.parametrize(("args", "error"), [
    (("--frt-clock", "fast"), "--frt-clock: 'fast' is not a clock; choose one of: virtual, real"),
    (("--frt-pools", "0"), "--frt-pools: '0' is not a whole number >= 1"),
    (("--frt-depositors", "-1"), "--frt-depositors: '-1' is not a whole number >= 0"),
    (("--frt-verify-every", "often"), "--frt-verify-every: 'often' is not a whole number >= 1"),
    (("--frt-seed", "seven"), "--frt-seed: 'seven' is not a seed; pass a whole number such as 7"),
    (("--frt-duration", "5y"), "--frt-duration: '5y' is not a positive duration such as 90s, 15m, 1h or 3600"),
    (("--frt-duration", "0"), "--frt-duration: '0' is not a positive duration such as 90s, 15m, 1h or 3600"),
    (("--frt-program", "missing.so"), "--frt-program: 'missing.so' is not a file; pass the path of a built *"),
    (("--frt-withdrawers", "0"),
     "fixedratio options: hoarding_withdrawers_per_side: 1 must be at most withdrawers_per_side, 0"),
])
def test_bad_option_values_are_usage_errors(pytester: pytest.Pytester, args: tuple[str, ...], error: str) -> None:
    write_ini(pytester)
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {error}"])


@pytest.mark.parametrize(("ini", "error"), [
    ("frt_duration = forever", "ini frt_duration: 'forever' is not a positive duration such as *"),
    ("frt_pools = 0", "ini frt_pools: '0' is not a whole number >= 1"),
    ("frt_swappers = sometimes", "ini frt_swappers: 'sometimes' is not true or false"),
])
def test_bad_ini_values_are_usage_errors_naming_the_key(pytester: pytest.Pytester, ini: str, error: str) -> None:
    write_ini(pytester, ini)
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {error}"])


def test_the_command_line_wins_over_a_bad_ini_value(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "frt_pools = 0")
    pytester.makepyfile("def test_nothing(): pass")
    pytester.runpytest("--frt-pools", "2").stdout.fnmatch_lines(["fixedratio: *, 2 pools, *"])


def test_the_config_fixture_combines_options_and_markers(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    shutil.copy(BUNDLED_PROGRAM, pytester.path / "mine.so")
    pytester.makepyfile(dedent(f"""
        import pytest
        from pathlib import Path

        def test_options(frt_campaign_config):
            config = frt_campaign_config
            assert (config.seed, config.pools, config.duration_s, config.virtual_clock) == (5, 2, 90.0, False)
            assert config.program_path == Path({str(pytester.path / "mine.so")!r})

        @pytest.mark.frt_campaign(pools=1, seed=99)
        class TestMarked:
            @pytest.mark.frt_campaign(pools=4)
            def test_the_closest_marker_wins(self, frt_campaign_config):
                assert (frt_campaign_config.pools, frt_campaign_config.seed) == (4, 99)
                assert frt_campaign_config.duration_s == 90.0

        @pytest.mark.frt_campaign(pool=1)
        def test_unknown_setting(frt_campaign_config):
            pass

        @pytest.mark.frt_campaign(1)
        def test_positional_argument(frt_campaign_config):
            pass
    """))
    result = pytester.runpytest("--frt-seed", "5", "--frt-pools", "2", "--frt-duration", "90s", "--frt-clock", "real",
                                "--frt-program", "mine.so")
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines([
        "@pytest.mark.frt_campaign: unknown campaign setting(s) [[]'pool'[]]; use CampaignConfig fields: duration_s, *",
        "@pytest.mark.frt_campaign: frt_campaign takes keyword arguments only, got (1,)*",
    ])


BAD_OVERRIDES = """
    import pytest
    from pytest_fixedratio.errors import InvalidArgument

    @pytest.mark.frt_campaign(pools=0)
    def test_marker(frt_campaign_config):
        pass

    @pytest.mark.frt_campaign(pools=4)
    class TestMarked:
        @pytest.mark.frt_campaign(duration_s=-1)
        def test_the_closest_marker_is_checked_too(self, frt_campaign_config):
            pass

    @pytest.mark.asyncio
    async def test_fixture_call(frt_campaign):
        with pytest.raises(InvalidArgument, match="^verify_every: 0 must be a whole number >= 1$"):
            await frt_campaign(verify_every=0)
        await frt_campaign(depositors_per_side=-2)
"""


def test_bad_overrides_fail_the_test_naming_the_value(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(dedent(BAD_OVERRIDES))
    result = pytester.runpytest()
    result.assert_outcomes(failed=1, errors=2)
    result.stdout.fnmatch_lines([
        "*_ ERROR at setup of test_marker _*",
        "@pytest.mark.frt_campaign: pools: 0 must be a whole number >= 1",
        "*_ ERROR at setup of TestMarked.test_the_closest_marker_is_checked_too _*",
        "@pytest.mark.frt_campaign: duration_s: -1 must be a positive, finite number of seconds",
        "*_ test_fixture_call _*",
        "E *.InvalidArgument: depositors_per_side: -2 must be a whole number >= 0",
    ])
    assert "campaign(s)" not in result.stdout.str()  # no campaign ran


def test_a_campaign_passes_and_is_reported(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_ok=dedent(PASSING_CAMPAIGN))
    result = pytester.runpytest("--frt-report", "report.json")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*= fixedratio =*", "1 campaign(s), * operations, 0 incident(s), 0 failed"])
    report = read_report(pytester.path / "report.json")
    assert report["master_seed"] == 7
    [entry] = report["campaigns"]
    assert (entry["nodeid"], entry["worker"]) == ("test_ok.py::test_campaign", "main")
    assert entry["summary"]["seed"] == 7 and entry["summary"]["passed"] and entry["summary"]["pools"] == 1
    assert report["totals"]["operations"] > 100


TAMPERING = """
    from dataclasses import replace

    import pytest

    pytestmark = [pytest.mark.asyncio, pytest.mark.frt_campaign(duration_s=30, pools=1)]

    async def add_lamports_to_the_pool(campaign):
        [pool] = campaign.session.pools
        account = await campaign.chain.get_account(pool)
        campaign.chain.set_account(pool, replace(account, lamports=account.lamports + 1_000_000))

    async def test_the_body_does_not_look(frt_campaign):
        await frt_campaign(before_start=add_lamports_to_the_pool)

    async def test_incidents_allowed(frt_campaign):
        summary = await frt_campaign(before_start=add_lamports_to_the_pool, allow_incidents=True)
        assert any("[I8]" in detail for incident in summary.incidents for detail in incident["details"])
"""


def test_a_campaign_with_incidents_fails_its_test(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_tampered=dedent(TAMPERING))
    result = pytester.runpytest("--frt-seed", "3", "--frt-report", "report.json")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines([
        "*_ test_the_body_does_not_look _*",
        "frt_campaign: the campaign with seed 3 recorded * incident(s); replay it with",
        "  pytest test_tampered.py::test_the_body_does_not_look --frt-seed 3  (and this run's other --frt-* options)",
        "seed 3: 30 s of chain time*",
        "*[[]I8[]]*",  # fnmatch: brackets are escaped as [[] and []]
        "FAILED",
        "*= fixedratio =*",
        "2 campaign(s), * operations, * incident(s), 2 failed",
        "FAILED test_tampered.py::test_the_body_does_not_look on main: seed 3, * incident(s)",
        "FAILED test_tampered.py::test_incidents_allowed on main: seed 3, * incident(s)",
    ])
    assert read_report(pytester.path / "report.json")["totals"]["failed"] == 2


def test_xdist_workers_derive_their_seeds_and_the_controller_aggregates(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_ok=dedent(PASSING_CAMPAIGN))
    result = pytester.runpytest("-n", "2", "--dist", "each", "--frt-seed", "11", "--frt-report", "report.json")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["2 campaign(s), * operations, 0 incident(s), 0 failed"])
    report = read_report(pytester.path / "report.json")
    seeds = {entry["worker"]: entry["summary"]["seed"] for entry in report["campaigns"]}
    assert seeds == {"gw0": worker_seed(11, "gw0"), "gw1": worker_seed(11, "gw1")}
    assert len(set(seeds.values()) | {11}) == 3
    assert report["totals"]["campaigns"] == 2 and report["master_seed"] == 11
    # The session's coverage adds up the campaigns' on every worker, and the terminal summary prints it.
    counts = [entry["summary"]["coverage"]["counts"] for entry in report["campaigns"]]
    assert report["coverage"]["counts"]["deposit"]["success"] == sum(c["deposit"]["success"] for c in counts) > 0
    result.stdout.fnmatch_lines(["*= fixedratio =*", "*", "coverage (FRT instruction: outcome xcount):",
                                 "  initialize_program *"])


SHARED_CAMPAIGN = PASSING_CAMPAIGN.replace("duration_s=30", "duration_s=12")
"""Shorter: on a shared chain it runs in real time."""


def test_xdist_workers_on_the_localnet_target_share_one_chain_and_its_pools(pytester: pytest.Pytester) -> None:
    """`-n 2 --frt-target localnet`: the controller starts one chain, the first campaign creates the pool, the
    other joins it; both workers' operations are on that pool, and every check holds while they contend."""
    write_ini(pytester)
    pytester.makepyfile(test_shared=dedent(SHARED_CAMPAIGN))
    result = pytester.runpytest("-n", "2", "--dist", "each", "--frt-target", "localnet", "--frt-report",
                                "report.json")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*, target localnet (one chain and pools for every worker)",
                                 "2 campaign(s), * operations, 0 incident(s), 0 failed",
                                 "pool *: attempts gw0 *, gw1 *"])
    report = read_report(pytester.path / "report.json")
    [(pool, by_worker)] = report["pools"].items()
    assert set(by_worker) == {"gw0", "gw1"} and all(n > 0 for n in by_worker.values())
    for entry in report["campaigns"]:
        summary = entry["summary"]
        assert summary["provenance"]["target"] == "localnet" and summary["verification"]["violations"] == 0
        assert {w["pool"] for w in summary["per_worker"].values()} == {pool}


def test_the_rpc_target_without_a_url_is_a_usage_error(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_shared=dedent(SHARED_CAMPAIGN))
    result = pytester.runpytest("--frt-target", "rpc")
    result.stderr.fnmatch_lines(["*--frt-target rpc needs --frt-rpc-url*"])
    assert result.ret == pytest.ExitCode.USAGE_ERROR
