"""pytest entry point (``pytest11``) of pytest-fixedratio.

Options, fixtures and hooks land here as the engine grows; this module stays a thin layer over
`pytest_fixedratio.engine` and `pytest_fixedratio.chain`.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the plugin's option group (options are added as features land)."""
    parser.getgroup("fixedratio", "Fixed Ratio Trading stress harness")
