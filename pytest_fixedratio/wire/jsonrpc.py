"""The JSON-RPC 2.0 envelope: codes, error answers, what makes a request well formed, and batches.

Pure (values in, values out), so both servers fuzz their protocol without a socket. The wording of messages is
each server's own (a validator capitalises them, the control port names every bad parameter); the rules are here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

PARSE_ERROR: Final = -32700
INVALID_REQUEST: Final = -32600
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
INTERNAL_ERROR: Final = -32603
MEMBERS: Final = frozenset({"jsonrpc", "method", "params", "id"})


class RpcError(Exception):
    """An error answer: a protocol code or an application's own, with optional ``data``."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


def error_response(ident: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "error": error, "id": ident}


def result_response(ident: Any, result: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "result": result, "id": ident}


def valid_id(ident: Any) -> bool:
    return ident is None or isinstance(ident, str) or (isinstance(ident, int) and not isinstance(ident, bool))


def envelope_problem(request: Any, *, version_required: bool) -> str | None:
    """What makes `request` not a JSON-RPC 2.0 request, or None. Without `version_required` a missing
    ``"jsonrpc"`` is let through (the original service's clients send none); any other value never is."""
    if not isinstance(request, dict):
        return "a request is a JSON object"
    if ("jsonrpc" in request or version_required) and request.get("jsonrpc") != "2.0":
        return 'jsonrpc must be "2.0"'
    if not isinstance(request.get("method"), str):
        return "method must be a string"
    if not valid_id(request.get("id")):
        return "id must be a string, a whole number or null"
    unknown = set(request) - MEMBERS
    if unknown:
        return f"unknown members {sorted(unknown)[:5]}"
    return None


async def answer_batch(batch: list[Any], one: Callable[[Any], Awaitable[dict[str, Any] | None]], *, max_batch: int,
                       invalid: Callable[[str], str]) -> Any:
    """The answer to a batch: each request's by `one` (notifications give none), or one error for an empty or
    oversized batch; None when only notifications came. `invalid` words an invalid-request message."""
    if not batch:
        return error_response(None, INVALID_REQUEST, invalid("an empty batch"))
    if len(batch) > max_batch:
        return error_response(None, INVALID_REQUEST, invalid(f"a batch of {len(batch)} requests; at most {max_batch}"))
    answers = [await one(item) for item in batch]
    return [a for a in answers if a is not None] or None
