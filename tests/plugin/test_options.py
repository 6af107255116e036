"""The session's options as plain functions: which settings a session offers, worker seeds and overrides (the
converters are tested with the table in test_settings.py, the plugin end to end in test_plugin.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.engine.campaign import CampaignConfig
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.options import SESSION_SETTINGS, WORKER_SEED_BITS, with_overrides, worker_seed
from pytest_fixedratio.settings import CONTROL_HOST, CONTROL_PORT, DATA_DIR, OPLOG, SETTINGS


def test_a_session_offers_every_setting_but_the_data_dir_the_operation_log_and_the_control_port() -> None:
    # xdist workers would share one core wallet file and pool book, write into one operation log and contend for
    # one port
    assert [s for s in SETTINGS if s not in SESSION_SETTINGS] == [OPLOG, DATA_DIR, CONTROL_PORT, CONTROL_HOST]


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


@pytest.mark.parametrize(("overrides", "error"), [
    ({"duration_s": 0}, "duration_s: 0 must be a positive, finite number of seconds"),
    ({"pools": 0}, "pools: 0 must be a whole number >= 1"),
    ({"withdrawers_per_side": 0}, "hoarding_withdrawers_per_side: 1 must be at most withdrawers_per_side, 0"),
    ({"virtual_clock": "real"}, "virtual_clock: 'real' must be True (the virtual clock) or False (the real clock)"),
])
def test_overrides_are_checked_like_every_config(overrides: dict[str, Any], error: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        with_overrides(CampaignConfig(), overrides)
    assert str(info.value) == error
