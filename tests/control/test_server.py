"""The control port over a real socket, on a real campaign that runs while it is steered: the methods, the
routes, the token, the body limit, and generated bad requests that never kill the server."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings

from pytest_fixedratio.control.jsonrpc import Dispatcher
from pytest_fixedratio.control.server import MAX_BODY_BYTES, Control, check_bind, make_app, serving
from pytest_fixedratio.control.service import ControlService
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.engine.commands import CommandQueue
from pytest_fixedratio.engine.progress import StopRequest
from pytest_fixedratio.errors import InvalidArgument
from tests.control.test_jsonrpc import PAYLOAD, assert_conformant

TOKEN = "t0ken-for-tests"


@dataclass
class Port:
    url: str
    http: aiohttp.ClientSession
    campaign: Campaign
    ids: int = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.ids += 1
        async with self.http.post(self.url + "/api/jsonrpc", json={"jsonrpc": "2.0", "method": method,
                                                                   "params": params, "id": self.ids}) as response:
            answer: dict[str, Any] = await response.json()
            return answer

    async def result(self, method: str, **params: Any) -> Any:
        answer = await self.call(method, **params)
        assert "error" not in answer, answer
        return answer["result"]


async def _serve(token: str = "") -> AsyncIterator[Port]:
    """A one-pool campaign running (virtual clock, a long duration) with its control port on a free port; the
    run is stopped when the test is done."""
    campaign = Campaign(CampaignConfig(duration_s=36_000, pools=1, seed=11))
    stop = StopRequest()
    control = Control("127.0.0.1", 0, token)
    bound: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    async with control.serve_during(campaign, lambda line: bound.set_result(line.rsplit(":", 1)[1])) as (hook,
                                                                                                         commands):
        run = asyncio.create_task(campaign.run(hook, stop=stop, commands=commands))
        port = (await bound).partition("/")[0]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with aiohttp.ClientSession(headers=headers) as http:
            yield Port(f"http://127.0.0.1:{port}", http, campaign)
        stop.request("test done")
        summary = await run
        assert summary.passed, summary.render()


@pytest_asyncio.fixture
async def port() -> AsyncIterator[Port]:
    async for served in _serve():
        yield served


@pytest.mark.asyncio
async def test_a_worker_is_created_started_seen_working_emptied_and_deleted(port: Port) -> None:
    pools = await port.result("list_pools")
    pool_id = pools["pools"][0]["pool_id"]
    assert pools["total_count"] == 1 and (await port.result("get_pool", pool_id=pool_id))["vault_a"]
    created = await port.result("create_deposit_thread", pool_id=pool_id, token_type="B", initial_amount=10**6,
                                auto_refill=True)
    thread = created["thread_id"]
    assert created["status"] == "created" and "private" not in json.dumps(created)
    assert (await port.result("start_thread", thread_id=thread))["status"] == "running"
    before = (await port.result("get_stats"))["total_operations"]
    for _ in range(200):  # the run goes on between calls: wait for the new worker's first deposits
        stats = await port.result("get_thread_stats", thread_id=thread)
        if stats["counters"]["successes"] >= 3:
            break
        await asyncio.sleep(0.01)
    assert stats["counters"]["successes"] >= 3
    assert (await port.result("get_stats"))["total_operations"] > before
    listed = await port.result("list_threads", pool_id=pool_id, thread_type="deposit")
    assert thread in [t["thread_id"] for t in listed["threads"]] and listed["total_count"] == 5
    assert (await port.result("stop_thread", thread_id=thread))["status"] == "stopped"
    emptied = await port.result("empty_thread", thread_id=thread)
    assert emptied["empty_operation"]["operation_successful"] is True
    assert (await port.result("delete_thread", thread_id=thread))["status"] == "deleted"
    gone = await port.call("get_thread", thread_id=thread)
    assert gone["error"]["code"] == -32602 and "no worker" in gone["error"]["message"]


@pytest.mark.asyncio
async def test_the_service_answers_its_application_errors(port: Port) -> None:
    pool_id = (await port.result("list_pools"))["pools"][0]["pool_id"]
    exists = await port.call("create_swap_thread", pool_id=pool_id, direction="a_to_b")
    assert exists["error"]["code"] == -1001
    bad = await port.call("create_deposit_thread", pool_id=pool_id, token_type="C", initial_amount=-1)
    assert bad["error"]["code"] == -32602
    assert {d["param"] for d in bad["error"]["data"]} == {"token_type", "initial_amount"}
    assert (await port.call("get_pool", pool_id="nope"))["error"]["message"].startswith("invalid params: pool_id")
    assert (await port.result("pause_run")) == {"paused": True} and (await port.result("get_stats"))["paused"]
    assert (await port.result("resume_run")) == {"paused": False}
    stopped = await port.result("stop_all_pool_threads", pool_id=pool_id)
    assert stopped["stopped"] == 9 and all(t.startswith(("dep", "wd", "adv")) for t in stopped["thread_ids"])
    discovered = await port.result("rpc.discover")
    names = {m["name"] for m in discovered["methods"]}  # OpenRPC leaves rpc.discover itself implicit
    assert len(names) == 19 and {"create_deposit_thread", "get_stats"} <= names and "rpc.discover" not in names


@pytest.mark.asyncio
async def test_routes_health_metrics_and_limits(port: Port) -> None:
    async with port.http.get(port.url + "/health/live") as live, port.http.get(port.url + "/health/ready") as ready:
        assert live.status == 200 and ready.status == 200 and (await ready.json())["total_threads"] == 11
    async with port.http.get(port.url + "/metrics") as metrics:
        text = await metrics.text()
    assert 'frt_operations_total{kind="deposit",outcome="ok"}' in text and "frt_incidents_total 0.0" in text
    async with port.http.post(port.url + "/rpc", data=io.BytesIO(b"x" * (MAX_BODY_BYTES + 1))) as huge:
        assert huge.status == 413 and (await huge.json())["error"]["code"] == -32600
    async with port.http.post(port.url + "/rpc", json={"method": "get_stats"}) as notification:
        assert notification.status == 204


@pytest.mark.asyncio
async def test_a_token_is_asked_for_on_every_route_but_liveness() -> None:
    async for served in _serve(TOKEN):
        assert (await served.result("list_pools"))["total_count"] == 1
        async with aiohttp.ClientSession() as stranger:
            async with stranger.post(served.url + "/rpc", json={"method": "list_pools", "id": 1}) as refused:
                assert refused.status == 401 and "unauthorized" in (await refused.json())["error"]["message"]
            async with stranger.get(served.url + "/metrics") as metrics:
                assert metrics.status == 401
            async with stranger.get(served.url + "/health/live") as live:
                assert live.status == 200


def test_an_address_reachable_from_elsewhere_needs_a_token() -> None:
    with pytest.raises(InvalidArgument, match=r"--control-host 0\.0\.0\.0 is reachable from other machines"):
        check_bind("0.0.0.0", "")
    check_bind("0.0.0.0", TOKEN)
    check_bind("127.0.0.1", "")
    check_bind("::1", "")


@pytest.mark.asyncio
async def test_a_command_after_the_run_ended_is_refused() -> None:
    campaign = Campaign(CampaignConfig.for_stepping(pools=1, seed=3))
    await campaign.setup()
    commands = CommandQueue()
    service = ControlService(campaign.session, commands, version="test")
    commands.close("the run has ended: it takes no more commands")
    app = make_app(Dispatcher(service.methods()), campaign.session)
    async with (serving(app, "127.0.0.1", 0) as bound, aiohttp.ClientSession() as http,
                http.post(f"http://127.0.0.1:{bound}/rpc", json={"method": "pause_run", "id": 1}) as response):
        assert (await response.json())["error"] == {"code": -32000, "message": "the run has ended: it takes no "
                                                                               "more commands"}


def _post_each(port: Port) -> Callable[[Any], Awaitable[None]]:
    async def post(payload: Any) -> None:
        async with port.http.post(port.url + "/api/jsonrpc", data=json.dumps(payload)) as response:
            body = await response.read()
            assert response.status in (200, 204)
            assert_conformant(json.loads(body) if body else None)

    return post


@pytest.mark.asyncio
async def test_generated_bad_requests_over_the_socket_never_kill_the_server(port: Port) -> None:
    """Hypothesis draws the payloads (examples collected first: its engine is synchronous), then each goes over
    the socket; the server must answer every one conformantly and still serve afterwards."""
    drawn: list[Any] = []

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(PAYLOAD)
    def collect(payload: Any) -> None:
        drawn.append(payload)

    collect()
    post = _post_each(port)
    for payload in drawn:
        await post(payload)
    assert (await port.result("list_pools"))["total_count"] == 1
