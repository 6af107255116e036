"""pytest entry point (``pytest11: fixedratio``): options, the ``frt_campaign`` fixtures and thin hooks.

A test runs campaigns through `frt_campaign`. Whatever its body asserts, a campaign that recorded an
incident (an unexpected error, a verification violation, a crash) fails the test right after its call phase,
with the rendered summary and the seed that replays it. Every campaign's summary is also kept for the
session: the terminal shows a short "fixedratio" section and ``--frt-report`` writes them all as JSON. Under
xdist each worker derives its seed from the master seed and sends its summaries to the controller as plain
JSON (``workeroutput``), where they are merged. On the localnet and rpc targets every campaign of the session,
on every worker, runs on one chain and the same pools (`fleet`): the controller starts the chain and tells the
workers where it is.
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypedDict

import pytest

from pytest_fixedratio import options
from pytest_fixedratio.chain.localnet_process import LocalnetProcess
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.engine.summary import CampaignSummary, coverage_report, merged_coverage, render_coverage
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.fleet import WORKERINPUT_KEY as FLEET_KEY
from pytest_fixedratio.fleet import Fleet
from pytest_fixedratio.options import FrtOptions
from pytest_fixedratio.store.atomic import atomic_write_json
from pytest_fixedratio.store.database import Store

if TYPE_CHECKING:
    from pytest_fixedratio.verify.coverage import Coverage

BeforeStart = Callable[[Campaign], Awaitable[None]]
"""Called with a campaign that is set up (chain, wallets, pools, workers) but whose workers have not started."""

WORKEROUTPUT_KEY = "fixedratio"
MARKER = ("frt_campaign(**overrides): CampaignConfig fields for this test's campaigns, "
          "e.g. @pytest.mark.frt_campaign(duration_s=60, pools=1)")
_INCIDENTS = ("frt_campaign: the campaign with seed {seed} recorded {count} incident(s); replay it with\n"
              "  pytest {nodeid} {xdist}--frt-seed {seed}  (and this run's other --frt-* options)\n{summary}")


class CampaignEntry(TypedDict):
    """One campaign of the session, as plain JSON: it crosses the xdist process boundary."""

    nodeid: str
    worker: str
    summary: dict[str, Any]


class Totals(TypedDict):
    campaigns: int
    failed: int
    operations: int
    incidents: int


@dataclass
class SessionRecord:
    """The plugin's state for one session (in ``config.stash``): its options and the campaigns run so far."""

    options: FrtOptions
    worker_id: str | None
    """The xdist worker this process is (gw0, ...), or None on the controller or without xdist."""
    campaigns: list[CampaignEntry] = field(default_factory=list)
    fleet: Fleet | None = None
    """The one chain and pools of the session's campaigns (localnet and rpc targets)."""

    @property
    def seed(self) -> int:
        return options.worker_seed(self.options.seed, self.worker_id)

    def add(self, nodeid: str, summary: CampaignSummary) -> None:
        plain = summary.to_dict()
        self.campaigns.append(CampaignEntry(nodeid=nodeid, worker=self.worker_id or "main", summary=plain))

    def totals(self) -> Totals:
        summaries = [entry["summary"] for entry in self.campaigns]
        return Totals(campaigns=len(summaries), failed=sum(not s["passed"] for s in summaries),
                      operations=sum(c["ok"] + c["failed"] for s in summaries for c in s["operations"].values()),
                      incidents=sum(len(s["incidents"]) for s in summaries))

    def coverage(self) -> Coverage:
        """The outcome coverage of every campaign of the session together: what the whole session exercised (a
        check one campaign never reached may be reached by another, on another worker)."""
        return merged_coverage(entry["summary"] for entry in self.campaigns)

    def pools(self) -> dict[str, dict[str, int]]:
        """Attempts by pool and by xdist worker: on a shared chain, who contended where."""
        attempts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for entry in self.campaigns:
            for worker in entry["summary"]["per_worker"].values():
                attempts[worker["pool"]][entry["worker"]] += worker["stats"]["counters"]["attempts"]
        return {pool: dict(by_worker) for pool, by_worker in attempts.items()}

    def report(self) -> dict[str, Any]:
        return {"master_seed": self.options.seed, "totals": self.totals(), "coverage": coverage_report(self.coverage()),
                "pools": self.pools(), "campaigns": self.campaigns}

    def summary_lines(self) -> list[str]:
        totals = self.totals()
        lines = [f"{totals['campaigns']} campaign(s), {totals['operations']} operations, "
                 f"{totals['incidents']} incident(s), {totals['failed']} failed"]
        lines.extend(f"FAILED {e['nodeid']} on {e['worker']}: seed {e['summary']['seed']}, "
                     f"{len(e['summary']['incidents'])} incident(s)"
                     for e in self.campaigns if not e["summary"]["passed"])
        if self.fleet is not None:
            lines.extend(f"pool {pool}: attempts " + ", ".join(f"{w} {n}" for w, n in sorted(by_worker.items()))
                         for pool, by_worker in self.pools().items())
        lines.extend(render_coverage(self.coverage()))
        return lines


SESSION_KEY = pytest.StashKey[SessionRecord]()
MUST_PASS_KEY = pytest.StashKey[list[CampaignSummary]]()
"""Per test: the summaries of its campaigns that fail the test if they recorded incidents."""


class CampaignRunner:
    """What `frt_campaign` gives a test: ``summary = await frt_campaign(**overrides)`` runs one campaign."""

    def __init__(self, config: CampaignConfig, nodeid: str, record: SessionRecord,
                 must_pass: list[CampaignSummary]) -> None:
        self.config = config
        self._nodeid = nodeid
        self._record = record
        self._must_pass = must_pass

    async def __call__(self, *, before_start: BeforeStart | None = None, allow_incidents: bool = False,
                       **overrides: Any) -> CampaignSummary:
        """Run a campaign of `config` with `overrides` (CampaignConfig fields) and return its summary.

        `before_start` acts on the set-up campaign before its workers start (to fake a fault, for instance).
        A campaign with incidents fails the test unless `allow_incidents` (for tests of the verifier itself).
        """
        config = options.with_overrides(self.config, overrides)
        fleet = self._record.fleet
        summary = await (Campaign(config).run(before_start) if fleet is None
                         else self._run_in(fleet, config, before_start))
        self._record.add(self._nodeid, summary)
        if not allow_incidents:
            self._must_pass.append(summary)
        return summary


    async def _run_in(self, fleet: Fleet, config: CampaignConfig, before_start: BeforeStart | None
                      ) -> CampaignSummary:
        """On the fleet's chain and pools, in real time, keeping the run in a data directory of its own."""
        data_dir = fleet.campaign_dir(self._record.worker_id or "main")
        config = replace(config, rpc_urls=fleet.urls, virtual_clock=False, data_dir=data_dir)
        with Store.open(data_dir) as store:
            async with fleet.joined(data_dir, store) as publish:
                async def started(campaign: Campaign) -> None:
                    if publish is not None:
                        publish()
                    if before_start is not None:
                        await before_start(campaign)

                return await Campaign(config, store=store).run(started)


class FleetHost:
    """On the controller of a session on a shared chain: starts the chain (localnet target), tells each xdist
    worker where it and the fleet's directory are, and stops and removes them at the end."""

    def __init__(self, fleet: Fleet, localnet: LocalnetProcess | None) -> None:
        self.fleet = fleet
        self.localnet = localnet

    @pytest.hookimpl(optionalhook=True)  # an xdist hook: without xdist there are no workers to tell
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[FLEET_KEY] = self.fleet.to_input()

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self.localnet is not None:
            self.localnet.stop()
        self.fleet.remove()


class XdistAggregator:
    """Registered on the xdist controller only: collects the campaigns each worker sends when it finishes."""

    def __init__(self, record: SessionRecord) -> None:
        self._record = record

    def pytest_testnodedown(self, node: object, error: object) -> None:
        output: dict[str, Any] = getattr(node, "workeroutput", {})  # absent when the worker crashed
        self._record.campaigns.extend(output.get(WORKEROUTPUT_KEY, []))


# ---------------------------------------------------------------------------------------------------- hooks


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)
    # workerinput, not PYTEST_XDIST_WORKER: the variable leaks into nested runs (pytester inside a worker).
    worker_id: str | None = getattr(config, "workerinput", {}).get("workerid")
    record = SessionRecord(FrtOptions.from_config(config), worker_id)
    config.stash[SESSION_KEY] = record
    if worker_id is None and config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(XdistAggregator(record), "fixedratio-xdist-aggregator")
    _join_fleet(config, record)


def _join_fleet(config: pytest.Config, record: SessionRecord) -> None:
    """On the localnet and rpc targets: the controller (or the only process) sets up the fleet, a worker joins
    the one its workerinput names."""
    campaign = record.options.campaign
    if campaign.target == "litesvm":
        return
    given: dict[str, object] | None = getattr(config, "workerinput", {}).get(FLEET_KEY)
    if given is not None:
        record.fleet = Fleet.from_input(given)
        return
    if campaign.target == "rpc" and not campaign.rpc_urls:
        raise pytest.UsageError("--frt-target rpc needs --frt-rpc-url (a validator's, or frt-stress localnet's)")
    localnet = LocalnetProcess.start(campaign.program_path) if campaign.target == "localnet" else None
    record.fleet = Fleet.create(campaign.rpc_urls if localnet is None else (localnet.url,))
    config.pluginmanager.register(FleetHost(record.fleet, localnet), "fixedratio-fleet-host")


def pytest_report_header(config: pytest.Config) -> str:
    return config.stash[SESSION_KEY].options.describe()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    yield
    failed = [summary for summary in item.stash.get(MUST_PASS_KEY, []) if not summary.passed]
    if failed:
        xdist = "-n 0 " if item.config.stash[SESSION_KEY].worker_id else ""
        pytest.fail("\n\n".join(
            _INCIDENTS.format(seed=s.seed, count=len(s.incidents), nodeid=shlex.quote(item.nodeid), xdist=xdist,
                              summary=s.render())
            for s in failed), pytrace=False)


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    record = config.stash[SESSION_KEY]
    if record.worker_id is not None:
        config.workeroutput[WORKEROUTPUT_KEY] = record.campaigns  # type: ignore[attr-defined]
    elif record.options.report is not None:
        atomic_write_json(record.options.report, record.report(), mode=0o644)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    record = config.stash[SESSION_KEY]
    if record.worker_id is None and record.campaigns:
        terminalreporter.section("fixedratio")
        for line in record.summary_lines():
            terminalreporter.write_line(line)


# ---------------------------------------------------------------------------------------------------- fixtures


@pytest.fixture
def frt_campaign_config(request: pytest.FixtureRequest) -> CampaignConfig:
    """This test's CampaignConfig: the session's options and seed, then ``frt_campaign`` marker overrides
    (the marker closest to the test wins)."""
    record = request.config.stash[SESSION_KEY]
    try:
        return options.with_overrides(record.options.campaign_config(record.seed), _marker_overrides(request.node))
    except InvalidArgument as exc:  # the test's own marker is wrong: the harness's traceback would only distract
        message = f"@pytest.mark.frt_campaign: {exc}"
    pytest.fail(message, pytrace=False)


def _marker_overrides(node: pytest.Item) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for marker in reversed(list(node.iter_markers("frt_campaign"))):
        if marker.args:
            raise InvalidArgument(f"frt_campaign takes keyword arguments only, got {marker.args!r}; "
                                  f"write e.g. @pytest.mark.frt_campaign(duration_s=60)")
        overrides.update(marker.kwargs)
    return overrides


@pytest.fixture
def frt_campaign(request: pytest.FixtureRequest, frt_campaign_config: CampaignConfig) -> CampaignRunner:
    """Runs campaigns of `frt_campaign_config` (``await frt_campaign(**overrides)``); any incident in them fails
    the test, with the seed to replay it."""
    must_pass = request.node.stash.setdefault(MUST_PASS_KEY, [])
    return CampaignRunner(frt_campaign_config, request.node.nodeid, request.config.stash[SESSION_KEY], must_pass)
