"""The localnet's JSON-RPC without a socket: the protocol on its own with generated requests, then every method of
the node called with generated parameters, which must be answered or refused by name, never fail inside."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solders.keypair import Keypair
from solders.message import Message
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

from pytest_fixedratio.chain.convert import to_pubkey
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.chain.localnet import DEFAULT_PROGRAM, DEFAULT_UPGRADE_AUTHORITY
from pytest_fixedratio.chain.localnet_node import LocalnetNode
from pytest_fixedratio.chain.localnet_protocol import (
    MAX_BATCH,
    SEND_TRANSACTION_PREFLIGHT_FAILURE,
    TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
    Handler,
    Reply,
    answer,
)
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import b58encode
from pytest_fixedratio.wire.jsonrpc import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    RpcError,
)

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)


async def _echo(params: list[Any]) -> list[Any]:
    return params


async def _boom(_: list[Any]) -> None:
    raise ZeroDivisionError("a secret detail")


async def _refuse(_: list[Any]) -> None:
    raise RpcError(-32002, "Transaction simulation failed", {"err": "AccountNotFound"})


TOY: dict[str, Handler] = {"echo": _echo, "boom": _boom, "refuse": _refuse}
REQUEST = st.fixed_dictionaries({}, optional={
    "jsonrpc": st.sampled_from(["2.0", "1.0"]) | JSON, "method": st.sampled_from(["echo", "boom", "nope"]) | JSON,
    "params": st.lists(JSON, max_size=3) | JSON, "id": st.integers() | st.text(max_size=5) | JSON})
PAYLOAD = REQUEST | st.lists(REQUEST | JSON, max_size=5) | JSON


def _answer(payload: Any, methods: dict[str, Handler] = TOY) -> Reply:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return asyncio.run(answer(body, methods))


def assert_conformant(body: Any) -> None:
    """Nothing (only notifications), one JSON-RPC 2.0 response, or a non-empty list of them."""
    if body is None:
        return
    for item in body if isinstance(body, list) else [body]:
        assert item["jsonrpc"] == "2.0" and "id" in item and (("result" in item) != ("error" in item)), item
        if "error" in item:
            assert type(item["error"]["code"]) is int and isinstance(item["error"]["message"], str)
        json.dumps(item)
    assert body != []


def test_a_call_is_answered_with_its_id_and_positional_params() -> None:
    assert _answer({"jsonrpc": "2.0", "id": 7, "method": "echo", "params": [1, "a"]}).body == {
        "jsonrpc": "2.0", "result": [1, "a"], "id": 7}
    assert _answer({"jsonrpc": "2.0", "id": "x", "method": "echo"}).body["result"] == []


@pytest.mark.parametrize(("payload", "code", "ident"), [
    (b"{not json", PARSE_ERROR, None), (b"\xff\xfe", PARSE_ERROR, None), ([], INVALID_REQUEST, None),
    ({"method": "echo", "id": 1}, INVALID_REQUEST, 1), ({"jsonrpc": "2.0", "method": "echo", "id": True},
                                                         INVALID_REQUEST, None),
    ({"jsonrpc": "2.0", "method": "nope", "id": 2}, METHOD_NOT_FOUND, 2),
    ({"jsonrpc": "2.0", "method": "echo", "params": {"a": 1}, "id": 3}, INVALID_PARAMS, 3),
    ({"jsonrpc": "2.0", "method": "boom", "id": 4}, INTERNAL_ERROR, 4),
])
def test_each_kind_of_error_gets_its_code(payload: Any, code: int, ident: Any) -> None:
    body = _answer(payload).body
    assert body["error"]["code"] == code and body["id"] == ident
    assert "secret" not in json.dumps(body)  # what went wrong inside goes to the log, not to the client


def test_an_error_of_the_node_keeps_its_data_and_the_reply_says_what_was_called() -> None:
    reply = _answer([{"jsonrpc": "2.0", "method": "refuse", "id": 1}, {"jsonrpc": "2.0", "method": "echo"}])
    assert reply.body == [{"jsonrpc": "2.0", "error": {"code": -32002, "message": "Transaction simulation failed",
                                                       "data": {"err": "AccountNotFound"}}, "id": 1}]
    assert reply.called == {"refuse", "echo"}
    assert _answer({"jsonrpc": "2.0", "method": "echo"}).body is None  # a notification is not answered
    too_many = _answer([{"jsonrpc": "2.0", "method": "echo", "id": 1}] * (MAX_BATCH + 1))
    assert too_many.body["error"]["code"] == INVALID_REQUEST and too_many.called == set()


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PAYLOAD)
def test_generated_requests_always_get_a_conformant_answer(payload: Any) -> None:
    assert_conformant(_answer(payload).body)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_generated_bytes_always_get_a_conformant_answer(body: bytes) -> None:
    assert_conformant(_answer(body).body)


# -- the node's methods with generated parameters ----------------------------------------------------------


FRONT: dict[str, int] = {
    "getAccountInfo": 1, "getBalance": 1, "getBlockHeight": 0, "getHealth": 0, "getLatestBlockhash": 0,
    "getMinimumBalanceForRentExemption": 1, "getMultipleAccounts": 1, "getProgramAccounts": 1,
    "getSignatureStatuses": 1, "getSignaturesForAddress": 1, "getSlot": 0, "getTokenAccountBalance": 1,
    "getTransaction": 1, "getVersion": 0, "isBlockhashValid": 1, "requestAirdrop": 2, "sendTransaction": 1,
    "simulateTransaction": 1}
"""How many parameters each method takes before its config object."""


def _params(chain: LiteSvmChain, front: int) -> st.SearchStrategy[list[Any]]:
    """Positional parameters shaped as a method takes them: ``front`` values, then a config object of the names
    the methods read, each value right or wrong for the place it lands in (bad text first, then real keys,
    signatures and transactions, then any JSON)."""
    payer = Keypair()
    message = Message.new_with_blockhash([transfer(TransferParams(
        from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(), lamports=1_000_000))], payer.pubkey(),
        chain.svm.latest_blockhash())
    tx = bytes(VersionedTransaction(message, [payer]))
    keys = [str(k) for k in (payer.pubkey(), to_pubkey(chain.program_id), to_pubkey(ids.TOKEN_PROGRAM_ID),
                             to_pubkey(ids.SYSTEM_PROGRAM_ID), to_pubkey(ids.BPF_LOADER_UPGRADEABLE_ID))]
    text = (st.sampled_from(["é", "AA=", "0OIl", ""]) | st.sampled_from(
        [*keys, b58encode(tx), base64.b64encode(tx).decode(), b58encode(bytes(64)), str(chain.svm.latest_blockhash())])
        | st.text(max_size=6))
    number = st.sampled_from([-1, 2**64, 0, 1, 165, True]) | st.integers()
    value = text | number | JSON
    memcmp = st.fixed_dictionaries({"offset": number, "bytes": text}, optional={
        "encoding": st.sampled_from(["base64", "base58"]) | value})
    flag, commitment = st.booleans(), st.sampled_from(["processed", "max", "confirmed", "finalized"])
    named = {
        "encoding": st.sampled_from(["base64", "base58", "binary", "jsonParsed", "json"]),
        "skipPreflight": flag, "sigVerify": flag, "replaceRecentBlockhash": flag,
        "filters": st.lists(st.fixed_dictionaries({"memcmp": memcmp}) | st.fixed_dictionaries({"dataSize": number})
                            | JSON, max_size=5),
        "dataSlice": st.fixed_dictionaries({"offset": number, "length": number}),
        "accounts": st.fixed_dictionaries({"addresses": st.lists(text | value, max_size=4)}, optional={
            "encoding": st.sampled_from(["base58", "base64"])}),
        "commitment": commitment, "preflightCommitment": commitment, "withContext": flag, "sortResults": flag,
        "searchTransactionHistory": flag, "innerInstructions": flag, "minContextSlot": number, "limit": number,
        "maxRetries": number, "maxSupportedTransactionVersion": number, "before": text, "until": text,
        "recentBlockhash": text,
    }
    entry = st.one_of([st.tuples(st.just(name), strategy | value) for name, strategy in named.items()])
    config = st.lists(entry, min_size=1, max_size=3).map(dict)
    return st.tuples(*[text | st.lists(text, max_size=3) | number] * front, config).map(list)


@pytest.mark.asyncio
@pytest.mark.parametrize("method", sorted(FRONT))
async def test_each_method_answers_generated_params_or_refuses_them_by_name(method: str) -> None:
    chain = LiteSvmChain(program=DEFAULT_PROGRAM, upgrade_authority=DEFAULT_UPGRADE_AUTHORITY)
    methods = LocalnetNode(chain).methods()
    assert set(methods) == set(FRONT)
    drawn: list[list[Any]] = []

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(_params(chain, FRONT[method]))
    def collect(params: list[Any]) -> None:
        drawn.append(params)

    collect()
    for params in drawn:
        reply = await answer(json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode(),
                             methods)
        assert_conformant(reply.body)
        assert reply.body.get("error", {}).get("code") != INTERNAL_ERROR, (params, reply.body)


@pytest.mark.asyncio
async def test_mutated_transactions_are_run_or_refused_never_fail_inside() -> None:
    """Flipped bytes in a real, funded transfer reach past decoding: sanitising, signature checks, the blockhash
    and duplicate checks, LiteSVM itself."""
    chain = LiteSvmChain(program=DEFAULT_PROGRAM, upgrade_authority=DEFAULT_UPGRADE_AUTHORITY)
    methods = LocalnetNode(chain).methods()
    payer = Keypair()
    await methods["requestAirdrop"]([str(payer.pubkey()), 10**9])
    message = Message.new_with_blockhash([transfer(TransferParams(
        from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(), lamports=1_000_000))], payer.pubkey(),
        chain.svm.latest_blockhash())
    original = bytes(VersionedTransaction(message, [payer]))
    flips = st.lists(st.tuples(st.integers(0, len(original) - 1), st.integers(0, 255)), max_size=3)
    cut = st.none() | st.integers(0, len(original) + 8)  # None: the whole transaction, as most are
    flags = st.fixed_dictionaries({}, optional={name: st.booleans() for name in (
        "skipPreflight", "sigVerify", "replaceRecentBlockhash")})
    drawn: list[tuple[str, bytes, dict[str, Any]]] = []

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.sampled_from(["sendTransaction", "simulateTransaction"]), flips, cut, flags)
    def collect(method: str, changes: list[tuple[int, int]], length: int | None, config: dict[str, Any]) -> None:
        mutated = bytearray(original)
        for index, byte in changes:
            mutated[index] = byte
        if length is not None:
            mutated = mutated[:length] + bytes(max(0, length - len(mutated)))
        drawn.append((method, bytes(mutated), config))

    collect()
    outcomes = set()
    for method, raw, config in drawn:
        params = [base64.b64encode(raw).decode(), {**config, "encoding": "base64"}]
        reply = await answer(json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode(),
                             methods)
        assert_conformant(reply.body)
        outcomes.add(reply.body["error"]["code"] if "error" in reply.body else "result")
        assert outcomes.isdisjoint({INTERNAL_ERROR}), (method, raw.hex(), config, reply.body)
    assert {"result", INVALID_PARAMS, SEND_TRANSACTION_PREFLIGHT_FAILURE, TRANSACTION_SIGNATURE_VERIFICATION_FAILURE
            } <= outcomes  # every stage was reached
