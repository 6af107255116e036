"""JSON-RPC 2.0 as a Solana validator speaks it: positional parameters, its error codes, batches, notifications.

Why a module of its own: it is where the localnet meets arbitrary bytes from any client, so it is pure (bytes in, a
JSON value out) and fuzzed without a socket. Whatever arrives, the answer is a JSON-RPC 2.0 response or nothing (a
notification): -32700 for bytes that are not JSON, -32600 for a malformed request (a validator, unlike the control
port, insists on ``"jsonrpc": "2.0"``), -32601 for an unknown method, -32602 for bad parameters, -32603 for
anything the node did not expect (logged, never a dead server).

The envelope (codes, error answers, well-formed requests, batches) is `wire.jsonrpc`'s, shared with the control
port; this module holds what a validator does its own way: positional parameters, its codes and wording.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

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

SEND_TRANSACTION_PREFLIGHT_FAILURE: Final = -32002
"""sendTransaction's simulation failed; ``data`` is the simulation result (``err``, ``logs`` ...)."""
TRANSACTION_SIGNATURE_VERIFICATION_FAILURE: Final = -32003
UNSUPPORTED_TRANSACTION_VERSION: Final = -32015
MIN_CONTEXT_SLOT_NOT_REACHED: Final = -32016
MAX_BATCH: Final = 1000
"""Requests in one batch, at most: a batch is answered in full before the node serves anything else."""

_log = logging.getLogger(__name__)


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
    body_out = await answer_batch(payload, lambda item: _one(item, methods, called), max_batch=MAX_BATCH,
                                  invalid=lambda problem: f"Invalid request: {problem}")
    return Reply(body_out, frozenset(called))


async def _one(request: Any, methods: Mapping[str, Handler], called: set[str]) -> dict[str, Any] | None:
    problem = envelope_problem(request, version_required=True)
    if problem is not None:
        ident = request.get("id") if isinstance(request, dict) and valid_id(request.get("id")) else None
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
        reply = result_response(ident, result)
    return None if "id" not in request else reply
