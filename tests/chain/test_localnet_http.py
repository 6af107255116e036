"""The localnet over plain HTTP, as curl would call it: the protocol's answers and errors, the validator's own
error codes, generated junk that never kills the server, and the injected faults as a client meets them."""

from __future__ import annotations

import asyncio
import base64
import json
import random
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx2
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.chain.localnet import (
    DEFAULT_PROGRAM,
    DEFAULT_UPGRADE_AUTHORITY,
    MAX_BODY_BYTES,
    FaultDraw,
    Faults,
    run_localnet,
    serving_localnet,
)
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.sol.address import b58encode

SOL = 10**9
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)
ENVELOPE = st.fixed_dictionaries({}, optional={
    "jsonrpc": st.sampled_from(["2.0", "1.0"]) | JSON, "id": st.integers() | st.text(max_size=4) | JSON,
    "method": st.sampled_from(["getSlot", "getBalance", "getTransaction", "sendTransaction", "nope"]) | JSON,
    "params": st.lists(JSON, max_size=3) | JSON})
JUNK = ENVELOPE | st.lists(ENVELOPE | JSON, max_size=4) | JSON
JUNK_BODIES = st.binary(max_size=48) | JUNK.map(lambda payload: json.dumps(payload).encode())


@dataclass
class Port:
    url: str
    chain: LiteSvmChain
    http: aiohttp.ClientSession
    ids: int = 0

    async def post(self, body: bytes) -> tuple[int, Any]:
        async with self.http.post(self.url, data=body, headers={"Content-Type": "application/json"}) as response:
            return response.status, (await response.json() if response.status in (200, 413, 429) else None)

    async def call(self, method: str, *params: Any) -> dict[str, Any]:
        self.ids += 1
        async with self.http.post(self.url, json={"jsonrpc": "2.0", "id": self.ids, "method": method,
                                                  "params": list(params)}) as response:
            answer: dict[str, Any] = await response.json()
            assert answer["id"] == self.ids and answer["jsonrpc"] == "2.0"
            return answer

    async def result(self, method: str, *params: Any) -> Any:
        answer = await self.call(method, *params)
        assert "error" not in answer, answer
        return answer["result"]

    async def error(self, method: str, *params: Any) -> dict[str, Any]:
        answer = await self.call(method, *params)
        assert "result" not in answer, answer
        error: dict[str, Any] = answer["error"]
        return error


@pytest_asyncio.fixture
async def port() -> AsyncIterator[Port]:
    async with serving_localnet(port=0) as (url, chain), aiohttp.ClientSession() as http:
        yield Port(url, chain, http)


def assert_conformant(answer: Any) -> None:
    """One JSON-RPC 2.0 response, or a non-empty list of them."""
    for item in answer if isinstance(answer, list) else [answer]:
        assert item["jsonrpc"] == "2.0" and "id" in item and (("result" in item) != ("error" in item)), item
        if "error" in item:
            assert type(item["error"]["code"]) is int and isinstance(item["error"]["message"], str)
    assert answer != []


def _notifications_only(body: bytes) -> bool:
    """Whether a conformant server owes no answer: well-formed requests, none with an id."""
    try:
        payload = json.loads(body)
    except ValueError:
        return False
    requests = payload if isinstance(payload, list) and payload else [payload]
    return all(isinstance(r, dict) and "id" not in r and r.get("jsonrpc") == "2.0" and isinstance(r.get("method"), str)
               and set(r) <= {"jsonrpc", "method", "params"} for r in requests)


async def _airdropped(port: Port) -> Keypair:
    keypair = Keypair()
    await port.result("requestAirdrop", str(keypair.pubkey()), SOL)
    return keypair


def _transfer(sender: Keypair, lamports: int, blockhash: str) -> VersionedTransaction:
    message = Message.new_with_blockhash([transfer(TransferParams(
        from_pubkey=sender.pubkey(), to_pubkey=Keypair().pubkey(), lamports=lamports))], sender.pubkey(),
        Hash.from_string(blockhash))
    return VersionedTransaction(message, [sender])


# -- the protocol --------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_requests_batches_and_notifications(port: Port) -> None:
    slot = await port.result("getSlot")
    assert isinstance(slot, int) and await port.result("getHealth") == "ok"
    status, batch = await port.post(b'[{"jsonrpc":"2.0","id":1,"method":"getSlot"},'
                                    b'{"jsonrpc":"2.0","method":"getSlot"},'
                                    b'{"jsonrpc":"2.0","id":"b","method":"getHealth","params":[]},'
                                    b'{"jsonrpc":"2.0","id":3,"method":"nope"}]')
    assert status == 200 and [a["id"] for a in batch] == [1, "b", 3]  # the notification gets no answer
    assert batch[1]["result"] == "ok" and batch[2]["error"]["code"] == -32601
    assert (await port.post(b'{"jsonrpc":"2.0","method":"getSlot"}'))[0] == 204
    async with port.http.get(port.url + "/health") as health:
        assert health.status == 200 and await health.text() == "ok"


@pytest.mark.asyncio
@pytest.mark.parametrize(("body", "code"), [
    (b"{not json", -32700), (b"\xff\xfe", -32700), (b"[]", -32600), (b"5", -32600),
    (b'{"method":"getSlot","id":1}', -32600),  # a validator insists on "jsonrpc": "2.0"
    (b'{"jsonrpc":"2.0","method":7,"id":1}', -32600), (b'{"jsonrpc":"2.0","method":"getSlot","id":1,"x":1}', -32600),
    (b'{"jsonrpc":"2.0","method":"getBlock","id":1}', -32601),
    (b'{"jsonrpc":"2.0","method":"getBalance","params":{"pubkey":"x"},"id":1}', -32602),
])
async def test_malformed_requests_get_the_protocols_errors(port: Port, body: bytes, code: int) -> None:
    status, answer = await port.post(body)
    assert status == 200 and answer["error"]["code"] == code and answer["jsonrpc"] == "2.0"


@pytest.mark.asyncio
async def test_bad_parameters_are_named_in_a_32602(port: Port) -> None:
    wallet = str(Keypair().pubkey())
    cases: list[tuple[str, list[Any], str]] = [
        ("getBalance", [5], "pubkey"), ("getBalance", ["0OIl"], "pubkey"), ("getBalance", [], "1 to 2"),
        ("getBalance", [wallet, {}, 3], "1 to 2"), ("getBalance", [wallet, {"commitment": "max"}], "commitment"),
        ("getAccountInfo", [wallet, {"encoding": "base64+zstd"}], "encoding"),
        ("getAccountInfo", [wallet, {"dataSlice": {"offset": 1}}], "dataSlice"),
        ("getMultipleAccounts", [[wallet] * 101], "max 100"), ("getSignatureStatuses", [["x"]], "signature"),
        ("getProgramAccounts", [wallet, {"filters": [{"dataSize": "165"}]}], "dataSize"),
        ("getProgramAccounts", [wallet, {"filters": [{"memcmp": {"offset": 0, "bytes": "0"}}]}], "base58"),
        ("getProgramAccounts", [wallet, {"filters": [{"dataSize": 1}] * 5}], "max 4"),
        ("requestAirdrop", [wallet, 0], "lamports"), ("requestAirdrop", [wallet, True], "lamports"),
        ("sendTransaction", ["!!"], "base58"), ("sendTransaction", ["AAAA", {"encoding": "base64"}], "deserialize"),
        ("sendTransaction", ["A" * 2000, {"encoding": "base64"}], "at most 1644"),
        ("simulateTransaction", ["1", {"sigVerify": True, "replaceRecentBlockhash": True}], "deserialize"),
        ("getTransaction", [str(Signature.default()), {"commitment": "processed"}], "below `confirmed`"),
        ("getTransaction", [str(Signature.default()), {"encoding": "jsonParsed"}], "encoding"),
        ("getSignaturesForAddress", [wallet, {"limit": 1001}], "limit"),
        ("getMinimumBalanceForRentExemption", [-1], "data length"), ("getVersion", [1], "0 parameters"),
    ]
    for method, params, words in cases:
        error = await port.error(method, *params)
        assert error["code"] == -32602 and words in error["message"], (method, params, error)
    assert "Invalid param: could not find account" in (await port.error("getTokenAccountBalance", wallet))["message"]


@pytest.mark.asyncio
async def test_a_request_over_the_body_limit_is_refused(port: Port) -> None:
    status, answer = await port.post(b'{"jsonrpc":"2.0","id":1,"method":"getSlot","params":["' + b"x" * MAX_BODY_BYTES
                                     + b'"]}')
    assert status == 413 and answer["error"]["code"] == -32600
    assert isinstance(await port.result("getSlot"), int)


@pytest.mark.asyncio
async def test_context_slots_and_blockhash_validity(port: Port) -> None:
    latest = await port.result("getLatestBlockhash", {"commitment": "processed", "minContextSlot": None})
    slot = latest["context"]["slot"]
    assert (await port.result("isBlockhashValid", latest["value"]["blockhash"]))["value"] is True
    assert (await port.result("isBlockhashValid", str(Hash.new_unique())))["value"] is False
    ahead = await port.error("getSlot", {"minContextSlot": slot + 1000})
    assert ahead["code"] == -32016 and ahead["data"]["contextSlot"] >= slot


@pytest.mark.asyncio
async def test_transactions_in_base58_and_their_versions(port: Port) -> None:
    sender = await _airdropped(port)
    blockhash = (await port.result("getLatestBlockhash"))["value"]["blockhash"]
    legacy = _transfer(sender, 1_000_000, blockhash)
    signature = await port.result("sendTransaction", b58encode(bytes(legacy)))  # base58: a validator's default
    assert signature == str(legacy.signatures[0])
    found = await port.result("getTransaction", signature, {"encoding": "base58", "maxSupportedTransactionVersion": 0})
    assert found["version"] == "legacy" and found["transaction"] == [b58encode(bytes(legacy)), "base58"]
    assert found["meta"]["status"] == {"Ok": None} and found["meta"]["rewards"] == []
    assert (await port.result("getTransaction", signature, "base64"))["transaction"][1] == "base64"  # legacy form

    v0 = VersionedTransaction(MessageV0.try_compile(sender.pubkey(), [transfer(TransferParams(
        from_pubkey=sender.pubkey(), to_pubkey=Keypair().pubkey(), lamports=2_000_000))], [],
        Hash.from_string(blockhash)), [sender])
    v0_signature = await port.result("sendTransaction", base64.b64encode(bytes(v0)).decode(),
                                     {"encoding": "base64", "skipPreflight": False, "maxRetries": None})
    unsupported = await port.error("getTransaction", v0_signature)
    assert unsupported["code"] == -32015 and "maxSupportedTransactionVersion" in unsupported["message"]
    described = await port.result("getTransaction", v0_signature, {"maxSupportedTransactionVersion": 0})
    assert described["version"] == 0 and described["transaction"]["message"]["addressTableLookups"] == []

    statuses = await port.result("getSignatureStatuses", [signature, v0_signature, str(Signature.new_unique())])
    assert [s and s["confirmationStatus"] for s in statuses["value"]] == ["finalized", "finalized", None]


# -- junk never kills the server -------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_generated_junk_always_gets_a_json_rpc_answer_and_the_server_keeps_serving(port: Port) -> None:
    drawn: list[bytes] = []

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(JUNK_BODIES)
    def collect(body: bytes) -> None:
        drawn.append(body)

    collect()
    for body in drawn:
        status, answer = await port.post(body)
        if status == 204:
            assert _notifications_only(body), body
        else:
            assert status == 200, (body, status)
            assert_conformant(answer)
            assert not any(a.get("error", {}).get("code") == -32603 for a in
                           (answer if isinstance(answer, list) else [answer])), (body, answer)
    assert isinstance(await port.result("getSlot"), int)


# -- faults ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [{"delay": 1.5}, {"drop": -0.1}, {"rate_limit": float("nan")},
                                 {"delay_range": (0.5, 0.1)}, {"delay_range": (0.0, float("inf"))}])
def test_fault_probabilities_and_delays_are_checked(bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgument):
        Faults(**bad)


def test_faults_are_drawn_from_their_seed() -> None:
    faults = Faults(seed=7, delay=0.5, delay_range=(0.1, 0.2), drop=0.5, rate_limit=0.5, lost_send=0.5)
    first, second = random.Random(faults.seed), random.Random(faults.seed)
    draws = [faults.draw(first) for _ in range(50)]
    assert draws == [faults.draw(second) for _ in range(50)]
    assert {d.drop for d in draws} == {True, False} and all(d.delay == 0 or 0.1 <= d.delay <= 0.2 for d in draws)
    assert {Faults().draw(first) for _ in range(20)} == {FaultDraw(0.0, False, False, False)}  # off by default


@pytest.mark.asyncio
async def test_rate_limited_requests_get_http_429() -> None:
    async with serving_localnet(port=0, faults=Faults(rate_limit=1.0)) as (url, _), AsyncClient(url) as client:
        with pytest.raises(SolanaRpcException) as limited:
            await client.get_slot()
        cause = limited.value.__cause__
        assert isinstance(cause, httpx2.HTTPStatusError) and cause.response.status_code == 429
        async with aiohttp.ClientSession() as http, http.post(url, json={"jsonrpc": "2.0", "id": 1,
                                                                         "method": "getSlot"}) as response:
            assert response.status == 429 and (await response.json())["error"]["code"] == 429


@pytest.mark.asyncio
async def test_a_dropped_request_closes_the_connection_and_a_delayed_one_waits() -> None:
    async with serving_localnet(port=0, faults=Faults(drop=1.0)) as (url, _), aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            async with http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "getSlot"}):
                pass
    slow = Faults(delay=1.0, delay_range=(0.2, 0.2))
    async with serving_localnet(port=0, faults=slow) as (url, _), aiohttp.ClientSession() as http:
        started = time.monotonic()
        async with http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "getSlot"}) as response:
            assert isinstance((await response.json())["result"], int)
        assert time.monotonic() - started >= 0.2


@pytest.mark.asyncio
async def test_a_send_whose_answer_is_lost_has_still_landed() -> None:
    async with serving_localnet(port=0, faults=Faults(lost_send=1.0)) as (url, _), AsyncClient(url) as client:
        sender = Keypair()
        await client.request_airdrop(sender.pubkey(), SOL)
        latest = (await client.get_latest_blockhash()).value.blockhash
        tx = _transfer(sender, 7_000_000, str(latest))
        with pytest.raises(SolanaRpcException):  # solana-py retries once; that answer is lost too
            await client.send_transaction(tx)
        status = (await client.get_signature_statuses([tx.signatures[0]])).value[0]
        assert status is not None and status.err is None
        assert (await client.get_balance(sender.pubkey())).value == SOL - 7_000_000 - 5_000  # landed once


@pytest.mark.asyncio
async def test_run_localnet_announces_where_it_serves_and_stops_when_cancelled() -> None:
    announced: asyncio.Queue[str] = asyncio.Queue()
    served = asyncio.create_task(run_localnet("127.0.0.1", 0, None, None, announced.put_nowait))
    line = await asyncio.wait_for(announced.get(), 10)
    found = re.search(r"http://127\.0\.0\.1:\d+", line)
    assert found is not None
    url = found.group()
    assert str(DEFAULT_PROGRAM.address) in line and str(DEFAULT_UPGRADE_AUTHORITY.address) in line
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "getHealth"}) as response:
            assert (await response.json())["result"] == "ok"
        served.cancel()
        with pytest.raises(asyncio.CancelledError):
            await served
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "getHealth"})
