"""Security findings: what the probes showed, set against a baseline of known, accepted findings.

Why: the program has known issues (frt-contract.md section 8) that a team may accept for now. A run must not fail
on those every time, yet must fail the day a new one appears, and must say when a known one is gone (a fixed
build). A finding has a stable id; the baseline file lists accepted ids. Listed and shown: known, the run stays
green. Shown and not listed: new, the run fails naming it. Listed and shown absent: gone (fixed). Listed and not
shown either way: not probed (the probe could not tell on this run).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from pytest_fixedratio.errors import InvalidArgument

DEFAULT_BASELINE: Final = Path(__file__).resolve().parent.parent / "findings-baseline.toml"
"""The baseline shipped with the package: upstream v0.17's known findings."""

Status = Literal["present", "absent"]


@dataclass(frozen=True, slots=True)
class FindingKind:
    """A finding a probe can show: its stable id, the spec section that documents it and what it means."""

    id: str
    section: str
    title: str


ADMIN_CHECK_BYPASS: Final = "admin-check-bypass"
CONSOLIDATION_RESIDUE: Final = "consolidation-residue"
LP_DECIMALS_AS_PASSED: Final = "lp-decimals-as-passed"

CATALOGUE: Final = {kind.id: kind for kind in (
    FindingKind(ADMIN_CHECK_BYPASS, "8.3",
                "any signer passes the admin check by passing an account not owned by the upgradeable loader as "
                "\"program data\""),
    FindingKind(CONSOLIDATION_RESIDUE, "8.7",
                "consolidation keeps the rent of 440 bytes in a 438-byte pool: 13,920 lamports of fees per pool "
                "can never be consolidated"),
    FindingKind(LP_DECIMALS_AS_PASSED, "8.2",
                "InitializePool takes the LP mints' decimals from the mint accounts as passed, not as sorted: "
                "passed in reverse, LP-A carries token B's decimals"),
)}


@dataclass(frozen=True, slots=True)
class Observation:
    """One probe transaction's verdict on a finding, with the evidence (the operation and its signature)."""

    finding: str
    status: Status
    evidence: str


@dataclass
class FindingsLog:
    """What the probes of a run showed, by finding id (the first conclusive observation of each is kept)."""

    observed: dict[str, Observation] = field(default_factory=dict)

    def observe(self, observation: Observation) -> None:
        self.observed.setdefault(observation.finding, observation)

    def merge(self, other: FindingsLog) -> None:
        for observation in other.observed.values():
            self.observe(observation)

    def to_list(self) -> list[dict[str, str]]:
        return [{"finding": o.finding, "status": o.status, "evidence": o.evidence} for o in self.observed.values()]

    @classmethod
    def from_list(cls, items: list[dict[str, str]]) -> FindingsLog:
        log = cls()
        for item in items:
            if item["status"] not in ("present", "absent"):
                raise InvalidArgument(f"finding {item['finding']!r}: status {item['status']!r} is not present|absent")
            log.observe(Observation(item["finding"], item["status"], item["evidence"]))  # type: ignore[arg-type]
        return log


@dataclass(frozen=True, slots=True)
class Baseline:
    """The accepted findings, by id, with the reason each is accepted (from the baseline file)."""

    path: Path
    accepted: dict[str, str]

    @classmethod
    def load(cls, path: Path | None = None) -> Baseline:
        """Read `path` (TOML: `[[finding]]` tables with `id` and `reason`); None reads the shipped baseline."""
        path = DEFAULT_BASELINE if path is None else path
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InvalidArgument(f"findings baseline {path}: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise InvalidArgument(f"findings baseline {path} is not TOML: {exc}") from None
        entries = data.get("finding", [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("id"), str)
                                                    for e in entries):
            raise InvalidArgument(f"findings baseline {path}: each [[finding]] needs an id (a string)")
        return cls(path, {e["id"]: str(e.get("reason", "")) for e in entries})


@dataclass(frozen=True, slots=True)
class FindingsReport:
    """A run's findings against a baseline (see the module's docstring)."""

    baseline: str
    known: list[Observation]
    new: list[Observation]
    gone: list[Observation]
    not_probed: list[str]

    @property
    def failed(self) -> bool:
        return bool(self.new)

    @classmethod
    def judge(cls, log: FindingsLog, baseline: Baseline) -> FindingsReport:
        shown = [o for o in log.observed.values() if o.status == "present"]
        return cls(str(baseline.path),
                   [o for o in shown if o.finding in baseline.accepted],
                   [o for o in shown if o.finding not in baseline.accepted],
                   [o for o in log.observed.values() if o.status == "absent" and o.finding in baseline.accepted],
                   sorted(set(baseline.accepted) - set(log.observed)))

    def to_dict(self) -> dict[str, Any]:
        def items(observations: list[Observation]) -> list[dict[str, str]]:
            return [{"finding": o.finding, "section": _section(o.finding), "title": _title(o.finding),
                     "evidence": o.evidence} for o in observations]
        return {"baseline": self.baseline, "known": items(self.known), "new": items(self.new),
                "gone": items(self.gone), "not_probed": self.not_probed}


def _section(finding: str) -> str:
    kind = CATALOGUE.get(finding)
    return "" if kind is None else f"frt-contract.md {kind.section}"


def _title(finding: str) -> str:
    kind = CATALOGUE.get(finding)
    return finding if kind is None else kind.title
