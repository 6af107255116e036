"""Option converters, worker seeds and overrides, as plain functions (the plugin's end-to-end behaviour is in
test_plugin.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.engine.campaign import CampaignConfig
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.options import (
    CLOCK,
    DURATION,
    POOLS,
    PROGRAM,
    REPORT,
    SEED,
    WORKER_SEED_BITS,
    ClockMode,
    with_overrides,
    worker_seed,
)

CLOCK_NAMES = [mode.value for mode in ClockMode]


@given(st.integers())
def test_any_integer_is_a_seed(seed: int) -> None:
    assert SEED.parse(str(seed), "--frt-seed") == seed


def _is_integer(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


@given(st.text().filter(lambda t: not _is_integer(t)))
def test_a_seed_that_is_not_an_integer_is_a_usage_error(text: str) -> None:
    with pytest.raises(pytest.UsageError, match="is not a seed") as info:
        SEED.parse(text, "--frt-seed")
    assert str(info.value).startswith(f"--frt-seed: {text!r}")


@given(st.integers(min_value=1))
def test_positive_counts_round_trip(count: int) -> None:
    assert POOLS.parse(str(count), "ini frt_pools") == count


@given(st.integers(max_value=0))
def test_counts_below_one_are_rejected(count: int) -> None:
    with pytest.raises(pytest.UsageError) as info:
        POOLS.parse(str(count), "ini frt_pools")
    assert str(info.value) == f"ini frt_pools: {str(count)!r} is not a whole number >= 1"


@given(st.sampled_from(CLOCK_NAMES))
def test_clock_names_parse_to_modes(name: str) -> None:
    assert CLOCK.parse(name, "--frt-clock") is ClockMode(name)


@given(st.text().filter(lambda t: t not in CLOCK_NAMES))
def test_other_clock_names_list_the_choices(text: str) -> None:
    with pytest.raises(pytest.UsageError) as info:
        CLOCK.parse(text, "--frt-clock")
    assert str(info.value) == f"--frt-clock: {text!r} is not a clock; choose one of: virtual, real"


@given(st.integers(min_value=1, max_value=10**6), st.sampled_from([("s", 1), ("m", 60), ("h", 3600)]))
def test_durations_take_a_unit(amount: int, unit: tuple[str, int]) -> None:
    assert DURATION.parse(f"{amount}{unit[0]}", "--frt-duration") == amount * unit[1]


@pytest.mark.parametrize("text", ["0s", "0", "5y", "soon", ""])
def test_empty_or_unknown_durations_are_rejected(text: str) -> None:
    with pytest.raises(pytest.UsageError, match=f"--frt-duration: {text!r} is not a (positive )?duration"):
        DURATION.parse(text, "--frt-duration")


def test_a_program_must_be_an_existing_file(tmp_path: Path) -> None:
    program = tmp_path / "frt.so"
    program.write_bytes(b"\x7fELF")
    assert PROGRAM.parse(str(program), "--frt-program") == program
    assert PROGRAM.parse("", "ini frt_program") is None
    for missing in (tmp_path / "missing.so", tmp_path):
        with pytest.raises(pytest.UsageError, match=f"--frt-program: {str(missing)!r} is not a file"):
            PROGRAM.parse(str(missing), "--frt-program")


def test_a_report_path_need_not_exist_yet(tmp_path: Path) -> None:
    assert REPORT.parse(str(tmp_path / "new" / "report.json"), "--frt-report") == tmp_path / "new" / "report.json"
    assert REPORT.parse("", "ini frt_report") is None


@given(st.integers(min_value=0, max_value=2**64), st.integers(min_value=0, max_value=63))
def test_workers_derive_distinct_reproducible_seeds(master: int, worker: int) -> None:
    assert worker_seed(master, None) == master
    seed = worker_seed(master, f"gw{worker}")
    assert seed == worker_seed(master, f"gw{worker}")
    assert 0 <= seed < 2**WORKER_SEED_BITS
    assert seed != worker_seed(master, f"gw{worker + 1}")
    assert seed != worker_seed(master + 1, f"gw{worker}")


def test_overrides_replace_fields_and_reject_unknown_names() -> None:
    base = CampaignConfig(pools=3, seed=7)
    assert with_overrides(base, {"pools": 1, "duration_s": 30.0}) == CampaignConfig(pools=1, seed=7, duration_s=30.0)
    with pytest.raises(InvalidArgument, match=r"unknown campaign setting\(s\) \['pool'\]; use CampaignConfig fields: "
                                              r"duration_s, virtual_clock, pools,"):
        with_overrides(base, {"pool": 1})
