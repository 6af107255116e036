"""32-byte Solana addresses as plain bytes, with base58 text form.

Every layer names accounts with this one type, so it lives at the bottom: `frt/` builds and decodes with it
and `chain/` converts it to solders at its boundary. Keeping it free of solders lets encoders, PDAs and
math be reasoned about (and property-tested) as bytes and numbers. `Address` subclasses `bytes`, so
ordering is raw-byte lexicographic, exactly Rust's `Pubkey` order that FRT uses to sort mints.
"""

from __future__ import annotations

from pytest_fixedratio.errors import DecodeError

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
ADDRESS_LEN = 32


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
        value = bytes(raw)
        if len(value) != ADDRESS_LEN:
            raise DecodeError(f"an address is {ADDRESS_LEN} bytes, got {len(value)}: {value.hex()!r}")
        return super().__new__(cls, value)

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
        return b58encode(self)

    def __repr__(self) -> str:
        return f"Address({b58encode(self)!r})"


ZERO = Address(bytes(ADDRESS_LEN))
