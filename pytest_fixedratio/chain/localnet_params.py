"""Reading a Solana RPC method's positional parameters and its config object, each misfit a -32602 naming it.

A validator's configs ignore names they do not know and take ``null`` for "not given" (solana-py sends
``"minContextSlot": null`` and the like in every call), so `Config` does the same; a value of the wrong type or
out of range is refused, never coerced (``"5"`` is not 5, ``true`` is not 1).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, Final

from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.signature import Signature

from pytest_fixedratio.errors import DecodeError
from pytest_fixedratio.sol.address import b58decode
from pytest_fixedratio.wire.jsonrpc import INVALID_PARAMS, RpcError

U64_MAX: Final = 2**64 - 1
COMMITMENTS: Final = ("processed", "confirmed", "finalized")
_HASH_LEN: Final = 32
_SIGNATURE_LEN: Final = 64


def invalid(message: str) -> RpcError:
    return RpcError(INVALID_PARAMS, f"Invalid params: {message}")


def positional(params: list[Any], most: int, least: int = 0) -> list[Any]:
    """``params`` padded with None to ``most`` entries; more than ``most``, or fewer than ``least``, is an error."""
    if not least <= len(params) <= most:
        expected = f"{least} to {most}" if least != most else str(most)
        raise invalid(f"expected {expected} parameters, got {len(params)}")
    return [*params, *[None] * (most - len(params))]


def text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise invalid(f"{what}: expected a string")
    return value


def integer(value: Any, what: str, least: int = 0, most: int = U64_MAX) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise invalid(f"{what}: expected a whole number from {least} to {most}")
    return value


def items(value: Any, what: str, most: int) -> list[Any]:
    if not isinstance(value, list):
        raise invalid(f"{what}: expected an array")
    if len(value) > most:
        raise invalid(f"Too many inputs provided; max {most}")
    return value


def base58(value: Any, what: str, length: int) -> bytes:
    raw = text(value, what)
    if len(raw) > 2 * length:  # base58 of n bytes is at most ~1.37 n characters: refuse before decoding
        raise invalid(f"{what}: not base58 of {length} bytes")
    try:
        decoded = b58decode(raw)
    except DecodeError:
        raise invalid(f"{what}: not base58") from None
    if len(decoded) != length:
        raise invalid(f"{what}: not base58 of {length} bytes")
    return decoded


def pubkey(value: Any, what: str = "pubkey") -> Pubkey:
    return Pubkey.from_bytes(base58(value, what, 32))


def signature(value: Any, what: str = "signature") -> Signature:
    return Signature.from_bytes(base58(value, what, _SIGNATURE_LEN))


def blockhash(value: Any, what: str = "blockhash") -> Hash:
    return Hash(base58(value, what, _HASH_LEN))


def encoded_bytes(value: Any, encoding: str, what: str, most: int) -> bytes:
    """``value`` decoded as ``encoding`` ("base58" or "base64"); at most ``most`` characters."""
    raw = text(value, what)
    if len(raw) > most:
        raise invalid(f"{what}: {encoding} text of {len(raw)} characters; at most {most}")
    try:
        return b58decode(raw) if encoding == "base58" else base64.b64decode(raw, validate=True)
    except ValueError:  # DecodeError, binascii.Error, and base64's refusal of text that is not ASCII
        raise invalid(f"{what}: not {encoding}") from None


class Config:
    """A method's optional config object: each getter gives the default when the name is absent or null."""

    __slots__ = ("_values", "_what")

    def __init__(self, value: Any, what: str = "config") -> None:
        if value is not None and not isinstance(value, dict):
            raise invalid(f"{what}: expected an object")
        self._values: dict[str, Any] = value or {}
        self._what = what

    def get(self, name: str) -> Any:
        return self._values.get(name)

    def flag(self, name: str) -> bool:
        value = self._values.get(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise invalid(f"{self._what}.{name}: expected true or false")
        return value

    def integer(self, name: str, least: int = 0, most: int = U64_MAX) -> int | None:
        value = self._values.get(name)
        return None if value is None else integer(value, f"{self._what}.{name}", least, most)

    def choice(self, name: str, choices: Sequence[str], default: str) -> str:
        value = self._values.get(name)
        if value is None:
            return default
        if value not in choices:
            raise invalid(f"{self._what}.{name}: expected one of {', '.join(choices)}")
        return str(value)

    def commitment(self, name: str = "commitment") -> str:
        return self.choice(name, COMMITMENTS, "finalized")

    def section(self, name: str) -> Config:
        return Config(self._values.get(name), f"{self._what}.{name}")
