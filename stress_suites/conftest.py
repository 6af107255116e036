"""Stress suites run every test on every xdist worker (as ``--dist each``): each worker is one more client
with its own seed, so ``-n 4`` is four campaigns at once, contending on one chain with ``--frt-target
localnet``, rather than the suite's tests shared out."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import EachScheduling

    return EachScheduling(config, log)
