"""The settings table: the duration syntax, each value space for text and for typed values, and the table's fit
with `CampaignConfig` (whose own checks are the table's; the front ends are tested in test_cli.py and plugin/)."""

from __future__ import annotations

import math
import re
from dataclasses import fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.engine.campaign import CampaignConfig
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.settings import (
    ADVERSARY_RATE,
    CLOCK,
    DEPOSITORS,
    DURATION,
    HOARDING_WITHDRAWERS,
    OPERATOR_RATE,
    POOLS,
    PROGRAM,
    REPORT,
    SEED,
    SETTINGS,
    SWAPPERS,
    VERIFY_EVERY,
    WITHDRAWERS,
    Setting,
    parse_duration,
)

UNITS = {"ms": Decimal("0.001"), "s": Decimal(1), "m": Decimal(60), "h": Decimal(3600), "d": Decimal(86400)}
DURATION_SYNTAX = re.compile(r"\s*\d+(\.\d+)?\s*(ms|s|m|h|d)?\s*")
ANY_VALUE = st.one_of(st.integers(), st.floats(), st.booleans(), st.none(), st.text(), st.builds(Path, st.text()))
COUNTS = [(POOLS, 1), (VERIFY_EVERY, 1), (DEPOSITORS, 0), (WITHDRAWERS, 0), (HOARDING_WITHDRAWERS, 0)]


def _is_whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_integer_text(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


@given(amount=st.decimals(min_value=0, max_value=10**9, places=3), unit=st.sampled_from([*UNITS, ""]),
       space=st.sampled_from(["", " "]))
def test_durations_round_trip(amount: Decimal, unit: str, space: str) -> None:
    text = f"{space}{amount}{space}{unit}{space}"
    assert parse_duration(text) == pytest.approx(float(amount * UNITS.get(unit, 1)))


@given(st.text().filter(lambda text: DURATION_SYNTAX.fullmatch(text) is None))
def test_anything_else_is_not_a_duration_and_the_message_quotes_it(text: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        parse_duration(text)
    assert str(info.value) == f"{text!r} is not a duration such as 90s, 15m, 1h or 3600"


@pytest.mark.parametrize("text", ["0", "0s", "0.0h", "9" * 400])  # the last is 1e400 seconds: infinite
def test_a_duration_setting_must_be_positive_and_finite(text: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        DURATION.parse(text, "--duration")
    assert str(info.value) == f"--duration: {text!r} is not a positive duration such as 90s, 15m, 1h or 3600"


@pytest.mark.parametrize(("setting", "minimum"), COUNTS, ids=[s.name for s, _ in COUNTS])
@given(number=st.integers())
def test_counts_take_whole_numbers_from_their_minimum(setting: Setting[int], minimum: int, number: int) -> None:
    if number >= minimum:
        assert setting.parse(f" {number} ", "--x") == number
    else:
        with pytest.raises(InvalidArgument) as info:
            setting.parse(str(number), "--x")
        assert str(info.value) == f"--x: {str(number)!r} is not a whole number >= {minimum}"


@given(st.text().filter(lambda text: not _is_integer_text(text)))
def test_text_that_is_no_integer_is_no_count_and_no_seed(text: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        POOLS.parse(text, "ini frt_pools")
    assert str(info.value) == f"ini frt_pools: {text!r} is not a whole number >= 1"
    with pytest.raises(InvalidArgument) as info:
        SEED.parse(text, "--seed")
    assert str(info.value) == f"--seed: {text!r} is not a seed; pass a whole number such as 7"


@given(st.integers())
def test_any_integer_is_a_seed(seed: int) -> None:
    assert SEED.parse(str(seed), "--seed") == seed


@given(st.sampled_from(["virtual", "real"]), st.booleans())
def test_clock_names_set_the_virtual_clock_flag(name: str, upper: bool) -> None:
    assert CLOCK.parse(name.upper() if upper else name, "--clock") is (name == "virtual")


@given(st.text().filter(lambda text: text.strip().lower() not in ("virtual", "real")))
def test_other_clock_names_list_the_choices(text: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        CLOCK.parse(text, "--clock")
    assert str(info.value) == f"--clock: {text!r} is not a clock; choose one of: virtual, real"


@pytest.mark.parametrize(("text", "value"), [("true", True), ("Yes", True), ("1", True), ("on", True),
                                             ("false", False), ("NO", False), ("0", False), ("off", False)])
def test_booleans_read_like_pytest_ini_booleans(text: str, value: bool) -> None:
    assert SWAPPERS.parse(text, "ini frt_swappers") is value


def test_a_program_must_be_an_existing_file_and_empty_means_the_bundled_one(tmp_path: Path) -> None:
    program = tmp_path / "frt.so"
    program.write_bytes(b"\x7fELF")
    assert PROGRAM.parse(str(program), "--program") == program
    assert PROGRAM.parse("", "ini frt_program") is None
    for missing in (tmp_path / "missing.so", tmp_path):
        with pytest.raises(InvalidArgument, match=f"^--program: {re.escape(repr(str(missing)))} is not a file; "):
            PROGRAM.parse(str(missing), "--program")
    with pytest.raises(InvalidArgument, match=r"^program_path: PosixPath\(.*\) must be None \(the bundled"):
        CampaignConfig(program_path=tmp_path / "missing.so")


def test_paths_are_made_absolute_and_need_not_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert REPORT.parse("new/report.json", "--report") == tmp_path / "new" / "report.json"
    assert REPORT.parse("", "ini frt_report") is None


# ---------------------------------------------------------------------------------------------- typed values


@given(ANY_VALUE)
def test_pools_accept_whole_numbers_from_one_and_nothing_else(value: object) -> None:
    if _is_whole_number(value) and value >= 1:  # type: ignore[operator]
        assert CampaignConfig(pools=value).pools == value  # type: ignore[arg-type]
    else:
        with pytest.raises(InvalidArgument) as info:
            CampaignConfig(pools=value)  # type: ignore[arg-type]
        assert str(info.value) == f"pools: {value!r} must be a whole number >= 1"


@given(ANY_VALUE)
def test_durations_accept_positive_finite_seconds_and_nothing_else(value: object) -> None:
    valid = (isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
             and value > 0)
    if valid:
        assert CampaignConfig(duration_s=value).duration_s == value  # type: ignore[arg-type]
    else:
        with pytest.raises(InvalidArgument) as info:
            CampaignConfig(duration_s=value)  # type: ignore[arg-type]
        assert str(info.value) == f"duration_s: {value!r} must be a positive, finite number of seconds"


@given(ANY_VALUE)
def test_seeds_are_any_whole_number(value: object) -> None:
    if _is_whole_number(value):
        assert CampaignConfig(seed=value).seed == value  # type: ignore[arg-type]
    else:
        with pytest.raises(InvalidArgument, match=f"^seed: {re.escape(repr(value))} must be a whole number$"):
            CampaignConfig(seed=value)  # type: ignore[arg-type]


@given(ANY_VALUE)
def test_adversary_rates_are_shares_from_zero_up_to_but_not_including_one(value: object) -> None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1:
        assert CampaignConfig(adversary_rate=value).adversary_rate == value
    else:
        with pytest.raises(InvalidArgument) as info:
            CampaignConfig(adversary_rate=value)  # type: ignore[arg-type]
        assert str(info.value) == f"adversary_rate: {value!r} must be a number at least 0 and below 1"


@pytest.mark.parametrize(("text", "value"), [("0", 0.0), (" 0.1 ", 0.1), ("0.999", 0.999), ("1e-3", 0.001)])
def test_an_adversary_rate_reads_as_a_share(text: str, value: float) -> None:
    assert ADVERSARY_RATE.parse(text, "--adversary-rate") == value


@pytest.mark.parametrize("text", ["1", "1.5", "-0.1", "nan", "ten percent", ""])
def test_other_adversary_rates_say_what_a_share_is(text: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        ADVERSARY_RATE.parse(text, "--adversary-rate")
    assert str(info.value) == f"--adversary-rate: {text!r} is not a share such as 0.1 (at least 0, below 1)"


@given(ANY_VALUE)
def test_operator_rates_are_per_hour_from_zero_to_one_a_second(value: object) -> None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 3600:
        assert CampaignConfig(operator_rate=value).operator_rate == value
    else:
        with pytest.raises(InvalidArgument) as info:
            CampaignConfig(operator_rate=value)  # type: ignore[arg-type]
        assert str(info.value) == f"operator_rate: {value!r} must be a number from 0 to 3600"


@pytest.mark.parametrize("text", ["-1", "3600.5", "nan", "inf", "hourly", ""])
def test_other_operator_rates_say_what_a_rate_is(text: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        OPERATOR_RATE.parse(text, "--operator-rate")
    assert str(info.value) == f"--operator-rate: {text!r} is not a rate per hour such as 60 (0 to 3600)"


@given(withdrawers=st.integers(0, 50), hoarding=st.integers(0, 50))
def test_hoarding_withdrawers_are_some_of_the_withdrawers(withdrawers: int, hoarding: int) -> None:
    if hoarding <= withdrawers:
        CampaignConfig(withdrawers_per_side=withdrawers, hoarding_withdrawers_per_side=hoarding)
    else:
        with pytest.raises(InvalidArgument) as info:
            CampaignConfig(withdrawers_per_side=withdrawers, hoarding_withdrawers_per_side=hoarding)
        assert str(info.value) == (f"hoarding_withdrawers_per_side: {hoarding} must be at most "
                                   f"withdrawers_per_side, {withdrawers}")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("duration_s", -1.5, "duration_s: -1.5 must be a positive, finite number of seconds"),
    ("virtual_clock", "real", "virtual_clock: 'real' must be True (the virtual clock) or False (the real clock)"),
    ("pools", 0, "pools: 0 must be a whole number >= 1"),
    ("depositors_per_side", -1, "depositors_per_side: -1 must be a whole number >= 0"),
    ("withdrawers_per_side", 2.0, "withdrawers_per_side: 2.0 must be a whole number >= 0"),
    ("hoarding_withdrawers_per_side", None, "hoarding_withdrawers_per_side: None must be a whole number >= 0"),
    ("swappers", 0, "swappers: 0 must be True or False"),
    ("adversary_rate", 1, "adversary_rate: 1 must be a number at least 0 and below 1"),
    ("seed", "7", "seed: '7' must be a whole number"),
    ("program_path", "frt.so", "program_path: 'frt.so' must be None (the bundled reference program) or the Path "
                               "of a built FRT program .so"),
    ("verify_every", 0, "verify_every: 0 must be a whole number >= 1"),
    ("data_dir", "data", "data_dir: 'data' must be None or a Path"),
])
def test_every_field_is_checked(field: str, value: Any, message: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        CampaignConfig(**{field: value})
    assert str(info.value) == message


# ---------------------------------------------------------------------------------------------- the table


def test_the_table_sets_every_campaign_field_once() -> None:
    table_fields = [s.field for s in SETTINGS if s.field is not None]
    assert sorted(table_fields) == sorted(f.name for f in fields(CampaignConfig))


@pytest.mark.parametrize("session", [False, True], ids=["cli", "pytest"])
def test_the_defaults_make_a_valid_campaign(session: bool) -> None:
    def default(setting: Setting[Any]) -> str:
        return setting.session_default if session and setting.session_default is not None else setting.default

    values: dict[str, Any] = {s.field: s.parse(default(s), "default") for s in SETTINGS if s.field is not None}
    assert CampaignConfig(**values).duration_s == (600 if session else 3600)


def test_the_bound_comes_before_the_setting_it_bounds() -> None:
    fields_in_order = [s.field for s in SETTINGS]
    assert HOARDING_WITHDRAWERS.at_most in fields_in_order[:fields_in_order.index(HOARDING_WITHDRAWERS.field)]


def test_a_stepped_config_may_have_no_duration_and_no_pools_but_checks_the_rest() -> None:
    stepped = CampaignConfig.for_stepping(pools=0, seed=3)
    assert (stepped.duration_s, stepped.pools, stepped.seed) == (0, 0, 3)
    assert replace(stepped, seed=4).pools == 0  # still stepped after replace (as overrides use it)
    with pytest.raises(InvalidArgument, match=r"^verify_every: 0 must be"):
        replace(stepped, verify_every=0)
    with pytest.raises(InvalidArgument, match=r"^duration_s: 0 must be"):
        CampaignConfig(duration_s=0)
