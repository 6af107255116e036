"""JSON-RPC 2.0 as a Solana validator speaks it: positional parameters, its error codes, batches, notifications.

Why a module of its own: it is where the localnet meets arbitrary bytes from any client, so it is pure (bytes in, a
JSON value out) and fuzzed without a socket. Whatever arrives, the answer is a JSON-RPC 2.0 response or nothing (a
notification): -32700 for bytes that are not JSON, -32600 for a malformed request (a validator, unlike the control
port, insists on ``"jsonrpc": "2.0"``), -32601 for an unknown method, -32602 for bad parameters, -32603 for
anything the node did not expect (logged, never a dead server).

The control port has a protocol module of its own (``control.jsonrpc``); `chain/` sits below it in the layers and
the two APIs differ (by-name parameters there, positional here, other error codes), so none is shared.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

PARSE_ERROR: Final = -32700
INVALID_REQUEST: Final = -32600
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
INTERNAL_ERROR: Final = -32603
SEND_TRANSACTION_PREFLIGHT_FAILURE: Final = -32002
"""sendTransaction's simulation failed; ``data`` is the simulation result (``err``, ``logs`` ...)."""
TRANSACTION_SIGNATURE_VERIFICATION_FAILURE: Final = -32003
UNSUPPORTED_TRANSACTION_VERSION: Final = -32015
MIN_CONTEXT_SLOT_NOT_REACHED: Final = -32016
MAX_BATCH: Final = 1000
"""Requests in one batch, at most: a batch is answered in full before the node serves anything else."""

_MEMBERS: Final = frozenset({"jsonrpc", "method", "params", "id"})
_log = logging.getLogger(__name__)


class RpcError(Exception):
    """An error answer: a protocol code or one of the validator's own (-32002 ...), with optional ``data``."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


Handler = Callable[[list[Any]], Awaitable[Any]]
"""A method: called with its positional parameters (``[]`` when none were sent), returns the JSON result."""


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to one HTTP body (None: only notifications, nothing to send) and the methods it called, so the
    transport can tell a request that sent a transaction from one that only read."""

    body: Any
    called: frozenset[str]


async def answer(body: bytes, methods: Mapping[str, Handler]) -> Reply:
    """The reply to ``body``: one response, a list of them (a batch), or None."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return Reply(error_response(None, PARSE_ERROR, "Parse error"), frozenset())
    called: set[str] = set()
    if not isinstance(payload, list):
        return Reply(await _one(payload, methods, called), frozenset(called))
    if not payload:
        return Reply(error_response(None, INVALID_REQUEST, "Invalid request: an empty batch"), frozenset())
    if len(payload) > MAX_BATCH:
        return Reply(error_response(None, INVALID_REQUEST, f"Invalid request: a batch of {len(payload)} requests; "
                                                           f"at most {MAX_BATCH}"), frozenset())
    answers = [await _one(item, methods, called) for item in payload]
    return Reply([a for a in answers if a is not None] or None, frozenset(called))


async def _one(request: Any, methods: Mapping[str, Handler], called: set[str]) -> dict[str, Any] | None:
    problem = _request_problem(request)
    if problem is not None:
        ident = request.get("id") if isinstance(request, dict) and _valid_id(request.get("id")) else None
        return error_response(ident, INVALID_REQUEST, f"Invalid request: {problem}")
    ident = request.get("id")
    method = methods.get(request["method"])
    try:
        if method is None:
            raise RpcError(METHOD_NOT_FOUND, "Method not found")
        params = request.get("params")
        if params is not None and not isinstance(params, list):
            raise RpcError(INVALID_PARAMS, "Invalid params: pass them by position, as an array")
        called.add(request["method"])
        result = await method(params or [])
    except RpcError as exc:
        reply = error_response(ident, exc.code, exc.message, exc.data)
    except Exception:  # never a dead server nor an answer outside the protocol; the cause goes to the log
        _log.exception("%s raised", request["method"])
        reply = error_response(ident, INTERNAL_ERROR, "Internal error")
    else:
        reply = {"jsonrpc": "2.0", "result": result, "id": ident}
    return None if "id" not in request else reply


def error_response(ident: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "error": error, "id": ident}


def _valid_id(ident: Any) -> bool:
    return ident is None or isinstance(ident, str) or (isinstance(ident, int) and not isinstance(ident, bool))


def _request_problem(request: Any) -> str | None:
    if not isinstance(request, dict):
        return "a request is a JSON object"
    if request.get("jsonrpc") != "2.0":
        return 'jsonrpc must be "2.0"'
    if not isinstance(request.get("method"), str):
        return "method must be a string"
    if not _valid_id(request.get("id")):
        return "id must be a string, a whole number or null"
    unknown = set(request) - _MEMBERS
    if unknown:
        return f"unknown members {sorted(unknown)[:5]}"
    return None
