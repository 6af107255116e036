"""The plugin's command-line options and ini keys, built from the settings table and parsed into one `FrtOptions`.

Every setting in a session is a command-line option whose default is None and an ini key that holds the real
default, so precedence is plain: the command line, else the ini file, else the ini default. Both sources go through
the setting's one converter, and a bad value is a `pytest.UsageError` that names the source, the value and what is
valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, TypeVar

import pytest

from pytest_fixedratio.engine.campaign import CampaignConfig
from pytest_fixedratio.engine.decisions import Decisions
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.settings import REPORT, SETTINGS, Setting

T = TypeVar("T")

WORKER_SEED_BITS = 32
"""Derived worker seeds stay short enough to type into ``--frt-seed`` when replaying a failure."""
SESSION_SETTINGS = tuple(setting for setting in SETTINGS if setting.in_session)


def _option(setting: Setting[Any]) -> str:
    return "--frt-" + setting.flag


def _key(setting: Setting[Any]) -> str:
    """The ini key, and the option's dest."""
    return "frt_" + setting.name


def _default(setting: Setting[Any]) -> str:
    return setting.default if setting.session_default is None else setting.session_default


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("fixedratio", "Fixed Ratio Trading stress harness")
    for setting in SESSION_SETTINGS:
        group.addoption(_option(setting), dest=_key(setting),
                        help=f"{setting.option_help(_default(setting))}; ini {_key(setting)}",
                        **setting.option_kwargs(None))
        parser.addini(_key(setting), f"{setting.help} (fixedratio, {setting.metavar})", default=_default(setting))


def _resolve(config: pytest.Config, setting: Setting[T]) -> T:
    """The command line's text, else the ini file's (paths there relative to the ini file), converted."""
    text: str | None = config.getoption(_key(setting))
    source = _option(setting)
    if text is None:
        text, source = str(config.getini(_key(setting))), f"ini {_key(setting)}"
        if setting.kind.is_path and text:
            text = str((config.inipath.parent if config.inipath else config.rootpath) / text)
    try:
        return setting.parse(text, source)
    except InvalidArgument as exc:
        raise pytest.UsageError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class FrtOptions:
    """The effective configuration of the session (command line over ini over defaults)."""

    campaign: CampaignConfig
    """Every test's campaign before its own seed and overrides; its seed is the master seed."""
    report: Path | None

    @classmethod
    def from_config(cls, config: pytest.Config) -> FrtOptions:
        values = {s.field: _resolve(config, s) for s in SESSION_SETTINGS if s.field is not None}
        try:
            campaign = CampaignConfig(**values)
        except InvalidArgument as exc:  # settings valid one by one but not together
            raise pytest.UsageError(f"fixedratio options: {exc}") from None
        return cls(campaign, _resolve(config, REPORT))

    @property
    def seed(self) -> int:
        return self.campaign.seed

    def describe(self) -> str:
        c = self.campaign
        clock = "virtual" if c.virtual_clock and c.target == "litesvm" else "real"  # a shared chain: real time
        swappers = "a swapper" if c.swappers else "no swapper"
        return (f"fixedratio: seed {c.seed}, {c.duration_s:g} s on the {clock} clock, {c.pools} pools, per side "
                f"{c.depositors_per_side} depositors, {c.withdrawers_per_side} withdrawers "
                f"({c.hoarding_withdrawers_per_side} hoarding) and {swappers}, adversaries per pool: "
                f"{c.adversaries_per_pool} (rate {c.adversary_rate:g}), operator {c.operator_rate:g}/h, "
                f"probes {'on' if c.security_probes else 'off'}, verify every {c.verify_every}, "
                f"program {c.program_path or 'bundled reference'}, report {self.report or 'none'}"
                + ("" if c.target == "litesvm" else f", target {c.target} (one chain and pools for every worker)"))

    def campaign_config(self, seed: int) -> CampaignConfig:
        return replace(self.campaign, seed=seed)


def worker_seed(master: int, worker_id: str | None) -> int:
    """The seed a process uses: the master seed itself, or on an xdist worker one derived from it, so workers
    run different campaigns and each stays reproducible."""
    if worker_id is None:
        return master
    return Decisions(master, f"xdist/{worker_id}").integer(0, 2**WORKER_SEED_BITS - 1)


def with_overrides(config: CampaignConfig, overrides: Mapping[str, Any]) -> CampaignConfig:
    """`config` with some `CampaignConfig` fields replaced (from a marker or a fixture call); `CampaignConfig`
    checks the new values."""
    names = [f.name for f in fields(CampaignConfig)]
    unknown = sorted(set(overrides) - set(names))
    if unknown:
        raise InvalidArgument(f"unknown campaign setting(s) {unknown!r}; use CampaignConfig fields: "
                              + ", ".join(names))
    return replace(config, **overrides)
