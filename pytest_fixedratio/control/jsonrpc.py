"""JSON-RPC 2.0 over any byte transport: requests, batches and notifications in, conformant answers out.

Why a module of its own: the protocol is where a control port meets arbitrary input, so it is pure (bytes in, a
JSON value out) and fuzzed on its own, without a socket (`tests/control/test_jsonrpc.py`). Whatever arrives, the
answer is a JSON-RPC 2.0 response or nothing (a notification): a parse error is -32700, a malformed request
-32600, an unknown method -32601, a bad parameter -32602 naming each parameter, anything the harness did not
expect -32603. Parameters are by name only (objects), checked by a pydantic model per method with no
coercion ("5" is not 5) and no unknown names, so a typo is an error and not a silently ignored key.

Following the original service (service-features.md section 1.1), a request without ``"jsonrpc"`` is accepted;
one with any other value than ``"2.0"`` is not.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ValidationError

from pytest_fixedratio.errors import FixedRatioError, InvalidArgument
from pytest_fixedratio.wire.jsonrpc import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    RpcError,
    answer_batch,
    envelope_problem,
    error_response,
    result_response,
    valid_id,
)

SERVICE_UNAVAILABLE: Final = -32000
"""The run cannot take the command now (it has ended, or is not set up)."""
SWAP_WORKER_EXISTS: Final = -1001
"""create_swap_thread for a pool and direction that has a swap worker already (service-features.md 1.2)."""
POOL_NOT_FOUND: Final = -1002
"""mint_and_send_tokens for a pool this run does not manage."""
WORKER_IN_ERROR: Final = -1003
"""empty_thread on a worker in error state."""
MAX_BATCH: Final = 100
"""Requests in one batch, at most: a batch is answered in full before anything else."""

_log = logging.getLogger(__name__)


class Params(BaseModel):
    """Base of every method's parameters: by name, typed strictly, no unknown names, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class NoParams(Params):
    pass


Handler = Callable[[Any], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    params: type[Params]
    handler: Handler
    """Called with a validated `params` instance; returns the JSON-able result."""
    summary: str


class Dispatcher:
    """Answers JSON-RPC payloads with the methods it was given."""

    def __init__(self, methods: Iterable[Method]) -> None:
        self.methods: dict[str, Method] = {}
        for method in methods:
            if method.name in self.methods:
                raise InvalidArgument(f"two methods named {method.name!r}")
            self.methods[method.name] = method

    async def handle(self, body: bytes | str) -> Any:
        """The response to `body`: an object, a list (a batch), or None when nothing is to be sent back (only
        notifications)."""
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            return error_response(None, PARSE_ERROR, f"parse error: {_first_line(exc)}")
        if isinstance(payload, list):
            return await answer_batch(payload, self._one, max_batch=MAX_BATCH,
                                      invalid=lambda problem: f"invalid request: {problem}")
        return await self._one(payload)

    async def _one(self, request: Any) -> dict[str, Any] | None:
        problem = envelope_problem(request, version_required=False)
        if problem is not None:
            ident = request.get("id") if isinstance(request, dict) and valid_id(request.get("id")) else None
            return error_response(ident, INVALID_REQUEST, f"invalid request: {problem}")
        ident = request.get("id")
        try:
            result = await self._call(request["method"], request.get("params"))
        except RpcError as exc:
            answer = error_response(ident, exc.code, exc.message, exc.data)
        else:
            answer = result_response(ident, result)
        return None if "id" not in request else answer

    async def _call(self, name: str, params: Any) -> Any:
        method = self.methods.get(name)
        if method is None:
            raise RpcError(METHOD_NOT_FOUND, f"method not found: {name!r}")
        if params is not None and not isinstance(params, dict):
            raise RpcError(INVALID_PARAMS, "invalid params: pass them by name, as an object")
        try:
            validated = method.params.model_validate(params or {})
        except ValidationError as exc:
            raise RpcError(INVALID_PARAMS, "invalid params: " + "; ".join(_described(e) for e in exc.errors()),
                           [{"param": _location(e), "problem": e["msg"]} for e in exc.errors()]) from None
        try:
            return await method.handler(validated)
        except RpcError:
            raise
        except InvalidArgument as exc:  # a value that names nothing (an unknown worker), said by the engine
            raise RpcError(INVALID_PARAMS, f"invalid params: {exc}") from None
        except FixedRatioError as exc:
            raise RpcError(INTERNAL_ERROR, f"{name} failed: {exc}") from None
        except Exception as exc:  # never a dead server or a non-JSON-RPC answer; the cause goes to the log
            _log.exception("%s raised", name)
            raise RpcError(INTERNAL_ERROR, f"internal error in {name}: {type(exc).__name__}") from None


def _location(error: Mapping[str, Any]) -> str:
    return ".".join(str(part) for part in error["loc"]) or "params"


def _described(error: Mapping[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return f"{_location(error)}: unknown parameter"
    return f"{_location(error)}: {error['msg']}"


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def open_rpc(methods: Iterable[Method], *, title: str, version: str) -> dict[str, Any]:
    """The OpenRPC document of `methods` (what ``rpc.discover`` answers), from the same parameter models that
    check the calls, so the description cannot drift from the behaviour."""
    described = []
    for method in methods:
        schema = method.params.model_json_schema()
        required = set(schema.get("required", ()))
        described.append({
            "name": method.name, "summary": method.summary, "paramStructure": "by-name",
            "params": [{"name": name, "required": name in required, "schema": prop}
                       for name, prop in schema.get("properties", {}).items()],
            "result": {"name": "result", "schema": {}},
        })
    return {"openrpc": "1.2.6", "info": {"title": title, "version": version}, "methods": described}
