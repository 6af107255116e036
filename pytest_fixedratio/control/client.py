"""`frt-stress call`: one JSON-RPC 2.0 call from the shell, with the standard library's HTTP client.

Why not the server's aiohttp: a shell client starts, sends one request and exits, so it should import little.
"""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any, Final

from pytest_fixedratio.errors import InvalidArgument

TOKEN_ENV: Final = "FRT_STRESS_TOKEN"
"""The control API's bearer token, for the server and this client (an environment variable: a command line
shows in ps)."""
TIMEOUT_S: Final = 60.0
"""A command waits for the next step of the run; an empty or a delete sends transactions."""
_ids = itertools.count(1)


def parse_params(pairs: Sequence[str]) -> dict[str, Any]:
    """name=value pairs; a value that reads as JSON is taken as such ("5", "true", "null", '"5"'), any other
    as text, so pool_id=Abc... needs no quotes."""
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise InvalidArgument(f"parameter {pair!r} is not name=value")
        if name in params:
            raise InvalidArgument(f"parameter {name!r} is given twice")
        try:
            params[name] = json.loads(text)
        except ValueError:
            params[name] = text
    return params


def call(url: str, method: str, params: dict[str, Any], *, token: str = "") -> dict[str, Any]:
    """The JSON-RPC answer (with "result" or "error"); transport failures are InvalidArgument naming the URL."""
    body = json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": next(_ids)}).encode()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:  # 401, 413: the body is a JSON-RPC error too
        try:
            answer = json.loads(exc.read())
        except ValueError:
            raise InvalidArgument(f"{url} answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InvalidArgument(f"cannot reach the control API at {url}: {reason} (is `frt-stress run "
                              "--control-port` running?)") from None
    if not isinstance(answer, dict):
        raise InvalidArgument(f"{url} did not answer with a JSON-RPC response: {str(answer)[:200]}")
    return answer
