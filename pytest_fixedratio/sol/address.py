"""32-byte Solana addresses as plain bytes, with base58 text form.

Every layer names accounts with this one type, so it lives at the bottom: `frt/` builds and decodes with it
and `chain/` converts it to solders at its boundary. Keeping it free of solders lets encoders, PDAs and
math be reasoned about (and property-tested) as bytes and numbers. `Address` subclasses `bytes`, so
ordering is raw-byte lexicographic, exactly Rust's `Pubkey` order that FRT uses to sort mints.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial
from typing import Final

from pytest_fixedratio.errors import DecodeError

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
ADDRESS_LEN = 32
_CACHE_SIZE: Final = 1 << 14
"""Addresses (and their base58 texts) remembered: a campaign uses a few thousand distinct addresses, over
and over."""


def b58encode(raw: bytes) -> str:
    """Bitcoin-alphabet base58, leading zero bytes as '1' (Solana's text form)."""
    n = int.from_bytes(raw, "big")
    out = []
    while n:
        n, rem = divmod(n, 58)
        out.append(_ALPHABET[rem])
    pad = len(raw) - len(raw.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Inverse of `b58encode`; raises `DecodeError` naming the first character outside the alphabet."""
    n = 0
    for ch in text:
        digit = _INDEX.get(ch)
        if digit is None:
            raise DecodeError(f"{ch!r} in {text!r} is not a base58 character")
        n = n * 58 + digit
    pad = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * pad + body


class Address(bytes):
    """A 32-byte public key or program address; `str()` gives base58."""

    __slots__ = ()

    def __new__(cls, raw: bytes | bytearray | memoryview) -> Address:
        # Plain bytes (the common case) is measured as is; anything else is copied to bytes first, so a
        # memoryview of wider items is sized in bytes.
        value = raw if type(raw) is bytes else bytes(raw)
        if len(value) != ADDRESS_LEN:
            raise DecodeError(f"an address is {ADDRESS_LEN} bytes, got {len(value)}: {value.hex()!r}")
        return bytes.__new__(cls, value)

    @classmethod
    def from_base58(cls, text: str) -> Address:
        raw = b58decode(text)
        if len(raw) != ADDRESS_LEN:
            raise DecodeError(f"{text!r} decodes to {len(raw)} bytes; an address is {ADDRESS_LEN}")
        return cls(raw)

    @classmethod
    def coerce(cls, value: Address | bytes | str) -> Address:
        """Accept an Address, 32 raw bytes or base58 text (anything with ``bytes(x)`` of 32 bytes too)."""
        if isinstance(value, Address):
            return value
        if isinstance(value, str):
            return cls.from_base58(value)
        return cls(bytes(value))

    def __str__(self) -> str:
        return _text(self)

    def __repr__(self) -> str:
        return f"Address({_text(self)!r})"


_text: Final[Callable[[Address], str]] = lru_cache(maxsize=_CACHE_SIZE)(b58encode)
"""`b58encode` remembered per address: encoding costs ~40 bignum divisions, a hit one dictionary lookup."""

unchecked_address: Final[Callable[[bytes], Address]] = lru_cache(maxsize=_CACHE_SIZE)(
    partial(bytes.__new__, Address))
"""The Address of plain bytes whose length is already known to be 32 (a struct ``32s`` item, a Pubkey's
bytes), for decoders. It skips `Address.__new__`'s check and Python frame, and hands back the Address
made last time for the same bytes: building a bytes subclass costs several times a cache hit, and the
same few thousand addresses are decoded over and over. Anything else must go through `Address(...)`."""

ZERO = Address(bytes(ADDRESS_LEN))
