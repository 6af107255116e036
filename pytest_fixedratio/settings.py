"""Every setting of a campaign, in one table that both front ends are built from.

`frt-stress run` (cli.py) and the pytest plugin (options.py) turn each `Setting` into an option; `CampaignConfig`
checks its fields against the same table, so a value is judged by one rule whether it arrives as text (an option,
an ini key) or already typed (a ``frt_campaign`` marker, a fixture call, a caller of the engine). This module is a
leaf: it imports neither front end nor the engine, so both can depend on it.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeGuard, TypeVar

from pytest_fixedratio.errors import InvalidArgument

T = TypeVar("T")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
_CLOCKS = {"virtual": True, "real": False}
_BOOLEANS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}
_SWITCHED_OFF = "false"
"""The text a switch option (``--no-swappers``) stores: what an ini key would hold to turn the setting off."""


def parse_duration(text: str) -> float:
    """'90', '90s', '15m', '1h', '1.5d' -> seconds. Zero parses: whether a duration is long enough is the
    setting's rule, not the syntax's."""
    match = _DURATION.match(text)
    if match is None:
        raise InvalidArgument(f"{text!r} is not a duration such as 90s, 15m, 1h or 3600")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def _is_int(value: object) -> TypeGuard[int]:
    # bool is an int subclass, but pools=True is a mistake, not one pool
    return isinstance(value, int) and not isinstance(value, bool)


def _is_seconds(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def _is_rate(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1


def _is_per_hour(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 3600


def _is_bool(value: object) -> bool:
    return isinstance(value, bool)


def _one_of(table: Mapping[str, bool]) -> Callable[[str], bool]:
    def lookup(text: str) -> bool:
        try:
            return table[text.strip().lower()]
        except KeyError:
            raise ValueError(text) from None

    return lookup


def _optional_path(text: str) -> Path | None:
    """Empty text is "none"; other paths are made absolute at once, so a later change of directory (a test's
    chdir, say) cannot redirect them."""
    return Path(text).expanduser().absolute() if text else None


def _is_optional_path(value: object) -> bool:
    return value is None or isinstance(value, Path)


def _is_optional_output(value: object) -> bool:
    """None, or a file that can be written: not a directory, and the nearest existing directory above it one
    this process may write to (missing directories are made when the file is written). Checked when the setting
    is read, so a report is not lost at the end of a run for a mistyped path."""
    if value is None:
        return True
    if not isinstance(value, Path) or value.is_dir() or (value.exists() and not os.access(value, os.W_OK)):
        return False
    folder = value.parent
    while not folder.exists():
        folder = folder.parent
    return folder.is_dir() and os.access(folder, os.W_OK)


def _optional_int(text: str) -> int | None:
    return int(text) if text.strip() else None


def _is_optional_port(value: object) -> bool:
    return value is None or (_is_int(value) and 0 <= value <= 65535)


def _is_host(value: object) -> bool:
    return isinstance(value, str) and bool(value) and not any(c.isspace() or c in "/@" for c in value)


def _is_optional_program(value: object) -> bool:
    return value is None or (isinstance(value, Path) and value.is_file())


def _urls(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _are_urls(value: object) -> bool:
    return isinstance(value, tuple) and all(isinstance(u, str) and re.match(r"^https?://[^\s]+$", u) for u in value)


def _is_address_text(value: object) -> bool:
    """Empty, or base58 of the length a 32-byte address has (the chain checks the bytes)."""
    return isinstance(value, str) and (not value or re.fullmatch(r"[1-9A-HJ-NP-Za-km-z]{32,44}", value) is not None)


@dataclass(frozen=True, slots=True)
class Kind(Generic[T]):
    """A space of values that settings share: how text becomes a value, which values belong, and how to say so."""

    from_text: Callable[[str], T]
    """Raises ValueError when the text does not even have the shape of a value."""
    accepts: Callable[[object], bool]
    """The rule, for parsed text and typed values alike."""
    text_hint: str
    """Completes "'<text>' is not ...": what the text should have been."""
    value_hint: str
    """Completes "<value> must be ...": what a typed value should have been."""
    is_path: bool = False
    """Text is a path, which an ini file means relative to itself."""


def choice(*names: str) -> Kind[str]:
    """One of `names`, as written."""
    hint = "one of: " + ", ".join(names)
    return Kind(str.strip, lambda value: value in names, hint, hint)


def whole_number(minimum: int) -> Kind[int]:
    hint = f"a whole number >= {minimum}"
    return Kind(int, lambda value: _is_int(value) and value >= minimum, hint, hint)


SECONDS = Kind(parse_duration, _is_seconds, "a positive duration such as 90s, 15m, 1h or 3600",
               "a positive, finite number of seconds")
RATE = Kind(float, _is_rate, "a share such as 0.1 (at least 0, below 1)", "a number at least 0 and below 1")
PER_HOUR = Kind(float, _is_per_hour, "a rate per hour such as 60 (0 to 3600)", "a number from 0 to 3600")
COUNT = whole_number(0)
POSITIVE_COUNT = whole_number(1)
SEED_NUMBER = Kind(int, _is_int, "a seed; pass a whole number such as 7", "a whole number")
CLOCK_MODE = Kind(_one_of(_CLOCKS), _is_bool, "a clock; choose one of: virtual, real",
                  "True (the virtual clock) or False (the real clock)")
BOOLEAN = Kind(_one_of(_BOOLEANS), _is_bool, "true or false", "True or False")
OPTIONAL_PATH = Kind(_optional_path, _is_optional_path, "a path", "None or a Path", is_path=True)
OUTPUT_FILE = Kind(_optional_path, _is_optional_output,
                   "a file this process can write (not a directory; under a directory it may write to)",
                   "None or the Path of a file this process can write (under a directory it may write to)",
                   is_path=True)
PORT = Kind(_optional_int, _is_optional_port, "a TCP port from 0 (any free one) to 65535, or empty for none",
            "None or a whole number from 0 to 65535")
URLS = Kind(_urls, _are_urls, "one or more http(s) URLs, separated by commas",
            "a tuple of http(s) URLs")
ADDRESS_TEXT = Kind(str.strip, _is_address_text, "a base58 address such as BPFLoaderUpgradeab1e11111111111111111111111",
                    "a base58 address text, or empty")
HOST = Kind(str.strip, _is_host, "a host address such as 127.0.0.1", "a host address such as 127.0.0.1")
PROGRAM_FILE = Kind(_optional_path, _is_optional_program,
                    "a file; pass the path of a built FRT program .so (or leave it empty for the bundled reference "
                    "program)", "None (the bundled reference program) or the Path of a built FRT program .so",
                    is_path=True)


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    """One setting. Its `name` gives ``--<name>`` on the command line, ``--frt-<name>`` and ``frt_<name>`` in
    pytest (underscores as dashes in options). A `BOOLEAN` setting is on by default and its option is a switch
    that turns it off (``--no-swappers``)."""

    name: str
    field: str | None
    """The `CampaignConfig` field it sets; None for a setting of the front end (the report file)."""
    kind: Kind[T]
    default: str
    """Text, converted like user input, so a default cannot escape the rule."""
    metavar: str
    help: str
    at_most: str | None = None
    """The field whose value bounds this one's (hoarding withdrawers are some of the withdrawers)."""
    session_default: str | None = None
    """The pytest default, where it differs: a campaign inside a test suite is shorter than the CLI's main job."""
    in_session: bool = True
    """Offered to pytest too. Not the data dir: xdist workers would share one core wallet file and pool book."""

    @property
    def switch(self) -> bool:
        return self.kind is BOOLEAN

    @property
    def flag(self) -> str:
        """The option's name without its leading dashes or front-end prefix."""
        return ("no-" if self.switch else "") + self.name.replace("_", "-")

    def option_kwargs(self, default: str | None) -> dict[str, Any]:
        """``add_argument`` keywords (pytest's ``addoption`` takes the same) for this setting's option, but for
        its help. The option stores text, converted later by `parse` like an ini value, so every source goes
        through one rule."""
        if self.switch:
            return {"action": "store_const", "const": _SWITCHED_OFF, "default": default}
        return {"default": default, "metavar": self.metavar}

    def option_help(self, default: str) -> str:
        """A switch says what it turns off; any other option its default."""
        return f"no {self.help}" if self.switch else f"{self.help} (default {default or 'none'})"

    def parse(self, text: str, source: str) -> T:
        """`text` from `source` (an option or ini key) as a value; InvalidArgument names both and what is valid."""
        try:
            value = self.kind.from_text(text)
        except ValueError:
            pass
        else:
            if self.kind.accepts(value):
                return value
        raise InvalidArgument(f"{source}: {text!r} is not {self.kind.text_hint}")


DURATION = Setting("duration", "duration_s", SECONDS, "1h", "DURATION",
                   "campaign length in chain time: 90s, 15m, 1h", session_default="10m")
CLOCK = Setting("clock", "virtual_clock", CLOCK_MODE, "virtual", "virtual|real",
                "virtual: pauses cost no wall time and a run replays from its seed")
POOLS = Setting("pools", "pools", POSITIVE_COUNT, "3", "N", "pools per campaign")
DEPOSITORS = Setting("depositors", "depositors_per_side", COUNT, "2", "N", "deposit workers per pool side")
WITHDRAWERS = Setting("withdrawers", "withdrawers_per_side", COUNT, "2", "N", "withdrawal workers per pool side")
HOARDING_WITHDRAWERS = Setting("hoarding_withdrawers", "hoarding_withdrawers_per_side", COUNT, "1", "N",
                               "of those withdrawers, how many keep their tokens rather than share them back",
                               at_most="withdrawers_per_side")
SWAPPERS = Setting("swappers", "swappers", BOOLEAN, "true", "true|false", "swap workers (one each way per pool)")
ADVERSARY_RATE = Setting("adversary_rate", "adversary_rate", RATE, "0.1", "SHARE",
                         "share of the pool operations that are adversarial variants the program must refuse "
                         "(0: no adversaries)")
OPERATOR_RATE = Setting("operator_rate", "operator_rate", PER_HOUR, "60", "PER_HOUR",
                        "admin actions per hour of chain time by the operator (pauses, fee changes, consolidation, "
                        "treasury withdrawals, donations, admin changes; 0: no operator)")
PROBES = Setting("security_probes", "security_probes", BOOLEAN, "true", "true|false",
                 "security probes at the start (the known findings of frt-contract.md section 8)")
FINDINGS_BASELINE = Setting("findings_baseline", "findings_baseline", OPTIONAL_PATH, "", "PATH",
                            "the accepted security findings (TOML, [[finding]] id = ...); none: the shipped "
                            "findings-baseline.toml. An unlisted finding fails the run")
SEED = Setting("seed", "seed", SEED_NUMBER, "7", "INT",
               "master seed of every random choice: the same seed replays the same run")
PROGRAM = Setting("program", "program_path", PROGRAM_FILE, "", "PATH",
                  "an FRT program .so to test instead of the bundled reference program")
VERIFY_EVERY = Setting("verify_every", "verify_every", POSITIVE_COUNT, "1", "N",
                       "check pool invariants after every N-th operation on a pool")
REPORT = Setting("report", None, OUTPUT_FILE, "", "PATH", "also write the campaign summaries as JSON to this file")
DATA_DIR = Setting("data_dir", "data_dir", OPTIONAL_PATH, "", "PATH",
                   "keep the run here: core wallet and worker keys (0600), pools, workers, statistics, the "
                   "operation log and sessions (one SQLite database); none keeps nothing",
                   in_session=False)
TARGET = Setting("target", "target", choice("litesvm", "localnet", "rpc"), "litesvm", "TARGET",
                 "the chain the campaign runs on: litesvm (in-process, the program deployed as on a validator), "
                 "localnet (a frt-stress localnet started for the run, which every xdist worker shares) or rpc (a "
                 "validator or frt-stress localnet, at --rpc-url)")
RPC_URLS = Setting("rpc_url", "rpc_urls", URLS, "", "URL[,URL]",
                   "the rpc target's JSON-RPC endpoints, used in turn when one fails")
PROGRAM_ID = Setting("program_id", "program_id", ADDRESS_TEXT, "", "ADDRESS",
                     "the rpc target's deployed FRT program (upgradeable)")
UPGRADE_AUTHORITY = Setting("upgrade_authority", "upgrade_authority", OPTIONAL_PATH, "", "PATH",
                            "the rpc target's program upgrade authority, a solana-keygen key file (for "
                            "InitializeProgram); none: the localnet's documented one")
COMMITMENT = Setting("commitment", "commitment", choice("processed", "confirmed", "finalized"), "confirmed",
                     "LEVEL", "the rpc target's commitment for confirmations and reads")
OPLOG = Setting("oplog", None, OUTPUT_FILE, "", "PATH",
                "append every operation to this file as JSON lines while the run goes on (memory stays flat)",
                in_session=False)
CONTROL_PORT = Setting("control_port", None, PORT, "", "PORT",
                       "serve the JSON-RPC 2.0 control API on this port while the run goes on (0: any free port)",
                       in_session=False)
CONTROL_HOST = Setting("control_host", None, HOST, "127.0.0.1", "HOST",
                       "the address the control API binds; any but a loopback one needs a token in $FRT_STRESS_TOKEN",
                       in_session=False)
LOCALNET_PORT = Setting("port", None, PORT, "8899", "PORT", "the localnet endpoint's port (0: any free one)",
                        in_session=False)
LOCALNET_HOST = Setting("host", None, HOST, "127.0.0.1", "HOST", "the address the localnet endpoint binds",
                        in_session=False)
"""`frt-stress localnet`'s own settings (not a campaign's)."""
SETTINGS: tuple[Setting[Any], ...] = (DURATION, CLOCK, POOLS, DEPOSITORS, WITHDRAWERS, HOARDING_WITHDRAWERS,
                                      SWAPPERS, ADVERSARY_RATE, OPERATOR_RATE, PROBES, FINDINGS_BASELINE, SEED,
                                      PROGRAM, VERIFY_EVERY, TARGET, RPC_URLS, PROGRAM_ID, UPGRADE_AUTHORITY,
                                      COMMITMENT, REPORT, OPLOG, DATA_DIR, CONTROL_PORT, CONTROL_HOST)


def check_campaign_fields(values: Mapping[str, Any]) -> None:
    """Check `CampaignConfig` field values (by field name) against the table; InvalidArgument names the first bad
    field and value and says what is valid. Fields missing from `values` are not checked."""
    for setting in SETTINGS:
        field, bound = setting.field, setting.at_most
        if field is None or field not in values:
            continue
        value = values[field]
        if not setting.kind.accepts(value):
            raise InvalidArgument(f"{field}: {value!r} must be {setting.kind.value_hint}")
        # the bound is checked already: the table lists it before the settings it bounds
        if bound is not None and bound in values and value > values[bound]:
            raise InvalidArgument(f"{field}: {value!r} must be at most {bound}, {values[bound]!r}")
