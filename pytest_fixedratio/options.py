"""The plugin's command-line options and ini keys, parsed into one typed `FrtOptions`.

Every setting is a command-line option whose default is None and an ini key that holds the real default, so
precedence is plain: the command line, else the ini file, else the ini default. Both sources go through the
same converter, and a bad value is a `pytest.UsageError` that names the source, the value and what is valid.
"""

from __future__ import annotations

import argparse
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

import pytest

from pytest_fixedratio.cli import parse_duration
from pytest_fixedratio.engine.campaign import CampaignConfig
from pytest_fixedratio.engine.decisions import Decisions
from pytest_fixedratio.errors import InvalidArgument

T = TypeVar("T")

WORKER_SEED_BITS = 32
"""Derived worker seeds stay short enough to type into ``--frt-seed`` when replaying a failure."""


class ClockMode(enum.Enum):
    VIRTUAL = "virtual"
    REAL = "real"


# Paths are made absolute when parsed (relative to the directory pytest was invoked from, or for ini keys to
# the ini file's), so a test that changes directory cannot redirect them.
def _program(text: str) -> Path | None:
    if not text:
        return None
    path = Path(text).expanduser().absolute()
    if not path.is_file():
        raise ValueError(f"{text!r} is not a file; pass the path of a built FRT program .so "
                         f"(or leave it empty for the bundled reference program)")
    return path


def _report(text: str) -> Path | None:
    return Path(text).expanduser().absolute() if text else None


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a seed; pass a whole number such as 7") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{text!r} is not a whole number >= 1")
    return value


def _duration(text: str) -> float:
    try:
        seconds = parse_duration(text)
    except argparse.ArgumentTypeError as exc:
        raise ValueError(str(exc)) from None
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a positive duration such as 90s, 15m or 1h")
    return seconds


def _clock(text: str) -> ClockMode:
    try:
        return ClockMode(text)
    except ValueError:
        choices = ", ".join(mode.value for mode in ClockMode)
        raise ValueError(f"{text!r} is not a clock; choose one of: {choices}") from None


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    """One setting: ``--frt-<name>`` on the command line, ``frt_<name>`` in the ini file."""

    name: str
    convert: Callable[[str], T]
    """Text to value; raises ValueError saying what the text should have been."""
    default: str
    metavar: str
    help: str
    is_path: bool = False

    @property
    def option(self) -> str:
        return "--frt-" + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        return "frt_" + self.name

    @property
    def dest(self) -> str:
        return "frt_" + self.name

    def parse(self, text: str, source: str) -> T:
        try:
            return self.convert(text)
        except ValueError as exc:
            raise pytest.UsageError(f"{source}: {exc}") from None

    def parse_option(self, text: str) -> T:
        """The ``type=`` of the command-line option."""
        return self.parse(text, self.option)


PROGRAM = Setting("program", _program, "", "PATH", "an FRT program .so to test instead of the bundled one",
                  is_path=True)
SEED = Setting("seed", _seed, "7", "INT", "master seed; each xdist worker derives its own from it")
DURATION = Setting("duration", _duration, "10m", "DURATION", "campaign length in chain time: 90s, 15m, 1h")
CLOCK = Setting("clock", _clock, ClockMode.VIRTUAL.value, "virtual|real",
                "virtual: pauses cost no wall time and a run replays from its seed")
POOLS = Setting("pools", _positive, "3", "N", "pools per campaign")
VERIFY_EVERY = Setting("verify_every", _positive, "1", "N", "check pool invariants after every N-th operation")
REPORT = Setting("report", _report, "", "PATH", "write the session's campaign summaries to this JSON file",
                 is_path=True)
SETTINGS: tuple[Setting[Any], ...] = (PROGRAM, SEED, DURATION, CLOCK, POOLS, VERIFY_EVERY, REPORT)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("fixedratio", "Fixed Ratio Trading stress harness")
    for setting in SETTINGS:
        group.addoption(setting.option, dest=setting.dest, default=None, type=setting.parse_option,
                        metavar=setting.metavar, help=f"{setting.help} (ini {setting.ini}, default "
                        f"{setting.default or 'none'!r})")
        parser.addini(setting.ini, f"{setting.help} (fixedratio)", default=setting.default)


def _resolve(config: pytest.Config, setting: Setting[T]) -> T:
    value: T | None = config.getoption(setting.dest)
    if value is not None:
        return value
    text = str(config.getini(setting.ini))
    if setting.is_path and text:
        text = str((config.inipath.parent if config.inipath else config.rootpath) / text)
    return setting.parse(text, f"ini {setting.ini}")


@dataclass(frozen=True, slots=True)
class FrtOptions:
    """The effective configuration of the session (command line over ini over defaults)."""

    program: Path | None
    seed: int
    duration_s: float
    clock: ClockMode
    pools: int
    verify_every: int
    report: Path | None

    @classmethod
    def from_config(cls, config: pytest.Config) -> FrtOptions:
        return cls(_resolve(config, PROGRAM), _resolve(config, SEED), _resolve(config, DURATION),
                   _resolve(config, CLOCK), _resolve(config, POOLS), _resolve(config, VERIFY_EVERY),
                   _resolve(config, REPORT))

    def describe(self) -> str:
        program = self.program or "bundled reference"
        return (f"fixedratio: seed {self.seed}, {self.duration_s:g} s on the {self.clock.value} clock, "
                f"{self.pools} pools, verify every {self.verify_every}, program {program}, "
                f"report {self.report or 'none'}")

    def campaign_config(self, seed: int) -> CampaignConfig:
        return CampaignConfig(duration_s=self.duration_s, virtual_clock=self.clock is ClockMode.VIRTUAL,
                              pools=self.pools, seed=seed, program_path=self.program,
                              verify_every=self.verify_every)


def worker_seed(master: int, worker_id: str | None) -> int:
    """The seed a process uses: the master seed itself, or on an xdist worker one derived from it, so workers
    run different campaigns and each stays reproducible."""
    if worker_id is None:
        return master
    return Decisions(master, f"xdist/{worker_id}").integer(0, 2**WORKER_SEED_BITS - 1)


def with_overrides(config: CampaignConfig, overrides: Mapping[str, Any]) -> CampaignConfig:
    """`config` with some `CampaignConfig` fields replaced (from a marker or a fixture call)."""
    names = [f.name for f in fields(CampaignConfig)]
    unknown = sorted(set(overrides) - set(names))
    if unknown:
        raise InvalidArgument(f"unknown campaign setting(s) {unknown!r}; use CampaignConfig fields: "
                              + ", ".join(names))
    return replace(config, **overrides)
