"""Errors of the program tooling: a program that cannot be linked, or cannot be built at all."""

from __future__ import annotations

from pytest_fixedratio.errors import FixedRatioError


class LinkError(FixedRatioError):
    """The objects cannot form a loadable SBPFv0 program; the message names the symbol or section at fault."""


class BuildError(FixedRatioError):
    """The compiler is missing or rejected a source file; the message says what to install or fix."""
