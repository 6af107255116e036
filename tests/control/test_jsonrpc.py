"""The JSON-RPC 2.0 protocol on its own (no socket): each error class, batches, notifications, strict named
parameters, and generated garbage that never gets an answer outside the protocol."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fixedratio.control.jsonrpc import (
    MAX_BATCH,
    Dispatcher,
    Method,
    NoParams,
    Params,
    open_rpc,
)
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.wire.jsonrpc import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    RpcError,
)


class AddParams(Params):
    a: int
    b: int = 0


async def _add(params: AddParams) -> int:
    return params.a + params.b


async def _boom(_: NoParams) -> None:
    raise ZeroDivisionError("secret detail")


async def _unknown(_: NoParams) -> None:
    raise InvalidArgument("no worker 'x'")


async def _custom(_: NoParams) -> None:
    raise RpcError(-1001, "exists already")


METHODS = [Method("add", AddParams, _add, "a + b"), Method("boom", NoParams, _boom, "raises"),
           Method("unknown", NoParams, _unknown, "an engine error"), Method("custom", NoParams, _custom, "-1001")]
DISPATCHER = Dispatcher(METHODS)


def answer(payload: Any) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return asyncio.run(DISPATCHER.handle(body))


def test_a_call_gets_its_result_with_its_id() -> None:
    assert answer({"jsonrpc": "2.0", "method": "add", "params": {"a": 2, "b": 3}, "id": 7}) == {
        "jsonrpc": "2.0", "result": 5, "id": 7}
    assert answer({"method": "add", "params": {"a": 1}, "id": "x"})["result"] == 1  # "jsonrpc" may be left out


@pytest.mark.parametrize(("payload", "code", "message"), [
    (b"{not json", PARSE_ERROR, "parse error: "),
    (b"\xff\xfe", PARSE_ERROR, "parse error: "),
    ([], INVALID_REQUEST, "invalid request: an empty batch"),
    (5, INVALID_REQUEST, "invalid request: a request is a JSON object"),
    ({"jsonrpc": "1.0", "method": "add", "id": 1}, INVALID_REQUEST, 'invalid request: jsonrpc must be "2.0"'),
    ({"jsonrpc": "2.0", "method": 3, "id": 1}, INVALID_REQUEST, "invalid request: method must be a string"),
    ({"jsonrpc": "2.0", "method": "add", "id": True}, INVALID_REQUEST, "invalid request: id must be"),
    ({"jsonrpc": "2.0", "method": "add", "id": 1, "extra": 1}, INVALID_REQUEST, "invalid request: unknown members"),
    ({"jsonrpc": "2.0", "method": "nope", "id": 1}, METHOD_NOT_FOUND, "method not found: 'nope'"),
    ({"jsonrpc": "2.0", "method": "add", "params": [1, 2], "id": 1}, INVALID_PARAMS,
     "invalid params: pass them by name, as an object"),
    ({"jsonrpc": "2.0", "method": "add", "params": {}, "id": 1}, INVALID_PARAMS, "invalid params: a: Field required"),
    ({"jsonrpc": "2.0", "method": "add", "params": {"a": "5"}, "id": 1}, INVALID_PARAMS,
     "invalid params: a: Input should be a valid integer"),
    ({"jsonrpc": "2.0", "method": "add", "params": {"a": 1, "c": 2}, "id": 1}, INVALID_PARAMS,
     "invalid params: c: unknown parameter"),
    ({"jsonrpc": "2.0", "method": "unknown", "id": 1}, INVALID_PARAMS, "invalid params: no worker 'x'"),
    ({"jsonrpc": "2.0", "method": "boom", "id": 1}, INTERNAL_ERROR, "internal error in boom: ZeroDivisionError"),
    ({"jsonrpc": "2.0", "method": "custom", "id": 1}, -1001, "exists already"),
])
def test_each_kind_of_bad_request_gets_its_error(payload: Any, code: int, message: str) -> None:
    response = answer(payload)
    assert response["jsonrpc"] == "2.0" and "result" not in response
    assert response["error"]["code"] == code and response["error"]["message"].startswith(message)
    assert "secret detail" not in json.dumps(response)


def test_every_invalid_parameter_is_named() -> None:
    data = answer({"method": "add", "params": {"a": 1.5, "b": "x", "z": 0}, "id": 1})["error"]["data"]
    assert sorted(item["param"] for item in data) == ["a", "b", "z"]


def test_a_batch_answers_its_calls_in_order_and_leaves_notifications_out() -> None:
    batch = [{"method": "add", "params": {"a": 1}, "id": 1}, {"method": "add", "params": {"a": 2}},
             {"method": "nope", "id": 2}, 7]
    assert answer(batch) == [{"jsonrpc": "2.0", "result": 1, "id": 1},
                             {"jsonrpc": "2.0", "error": {"code": METHOD_NOT_FOUND, "message": "method not found: "
                                                                                               "'nope'"}, "id": 2},
                             {"jsonrpc": "2.0", "error": {"code": INVALID_REQUEST, "message": "invalid request: a "
                                                          "request is a JSON object"}, "id": None}]
    assert answer([{"method": "add", "params": {"a": 1}}, {"method": "nope"}]) is None  # only notifications
    assert answer([{"method": "add", "params": {"a": 1}, "id": i} for i in range(MAX_BATCH + 1)])["error"][
        "code"] == INVALID_REQUEST


def test_the_openrpc_document_comes_from_the_parameter_models() -> None:
    document = open_rpc(METHODS, title="t", version="1")
    add = next(m for m in document["methods"] if m["name"] == "add")
    assert [(p["name"], p["required"], p["schema"]["type"]) for p in add["params"]] == [("a", True, "integer"),
                                                                                        ("b", False, "integer")]


def assert_conformant(response: Any) -> None:
    """None (nothing to send), one response, or a non-empty list of them; each exactly as JSON-RPC 2.0 says."""
    if response is None:
        return
    for item in response if isinstance(response, list) else [response]:
        assert item["jsonrpc"] == "2.0" and "id" in item and (("result" in item) != ("error" in item))
        if "error" in item:
            assert type(item["error"]["code"]) is int and isinstance(item["error"]["message"], str)
        json.dumps(item)
    assert response != []


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)
REQUEST = st.fixed_dictionaries({}, optional={
    "jsonrpc": st.sampled_from(["2.0", "1.0", 2]) | JSON, "method": st.sampled_from(["add", "boom", "nope"]) | JSON,
    "params": st.fixed_dictionaries({}, optional={"a": JSON, "b": JSON, "c": JSON}) | JSON,
    "id": st.integers() | st.text(max_size=5) | JSON})
PAYLOAD = REQUEST | st.lists(REQUEST | JSON, max_size=5) | JSON


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PAYLOAD)
def test_generated_requests_always_get_a_conformant_answer(payload: Any) -> None:
    assert_conformant(answer(payload))


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
def test_generated_bytes_always_get_a_conformant_answer(body: bytes) -> None:
    assert_conformant(answer(body))
