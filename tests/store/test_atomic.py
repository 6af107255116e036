"""Atomic JSON persistence: round trips, permissions, backups and recovery from damaged files."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.store.atomic import StateFileError, atomic_write_json, backup_path, read_json

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(value=json_values)
def test_round_trip(tmp_path_factory: pytest.TempPathFactory, value: Any) -> None:
    path = tmp_path_factory.mktemp("store") / "state.json"
    atomic_write_json(path, value)
    assert read_json(path, default={"missing": True}) == value


def test_files_are_private_and_no_temporaries_remain(tmp_path: Path) -> None:
    path = tmp_path / "wallet.json"
    atomic_write_json(path, [1, 2, 3])
    atomic_write_json(path, [4, 5, 6])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(backup_path(path).stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wallet.json", "wallet.json.backup"]


def test_damaged_file_falls_back_to_the_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "threads.json"
    atomic_write_json(path, {"version": 1})
    atomic_write_json(path, {"version": 2})
    path.write_text('{"version": 3, "trunc')  # as a crash of a non-atomic writer would leave it
    assert read_json(path) == {"version": 1}
    assert json.loads(backup_path(path).read_text()) == {"version": 1}


def test_missing_and_unreadable_state_are_told_apart(tmp_path: Path) -> None:
    path = tmp_path / "pools.json"
    assert read_json(path, default=[]) == []
    with pytest.raises(StateFileError, match="does not exist"):
        read_json(path)
    path.write_text("not json")
    with pytest.raises(StateFileError, match="unreadable state file"):
        read_json(path, default=[])
