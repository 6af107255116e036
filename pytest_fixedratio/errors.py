"""The project's exception root.

Every error the harness raises on purpose derives from `FixedRatioError`, so a caller can catch the
harness's own failures without also catching bugs (TypeError, KeyError ...).
"""


class FixedRatioError(Exception):
    """Root of every error raised on purpose by pytest-fixedratio."""


class InvalidArgument(FixedRatioError, ValueError):
    """A caller passed a value the harness cannot use; the message names it and says what to pass."""


class DecodeError(FixedRatioError, ValueError):
    """Bytes that do not decode as the structure they were read as (wrong length, bad tag ...)."""
