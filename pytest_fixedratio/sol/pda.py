"""Solana's program-derived addresses, for any program: the derivation and the associated token account.

Programs key their accounts this way (a program's own state, the upgradeable loader's program data, SPL's
associated token accounts), so the derivation lives below `frt/` and `chain/`, in pure Python that Hypothesis can
check against solders. It is sha256(seeds || bump || program_id || "ProgramDerivedAddress"), accepted when
the hash is *not* a valid compressed ed25519 point. The on-curve test mirrors curve25519-dalek's
`CompressedEdwardsY::decompress` (high bit ignored, y not required canonical, x recovered iff
(y^2 - 1) / (d y^2 + 1) is a square mod p).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address

_P = 2**255 - 19
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_PDA_MARKER = b"ProgramDerivedAddress"
MAX_SEEDS = 16
MAX_SEED_LEN = 32


def is_on_curve(raw: bytes) -> bool:
    """True when the 32 bytes decompress to an ed25519 point (such bytes cannot be a PDA)."""
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    y2 = y * y % _P
    u = (y2 - 1) % _P
    v = (_D * y2 + 1) % _P
    # v is never 0 (-1/d is not a square); u/v is a square iff u*v is (Euler's criterion).
    return pow(u * v % _P, (_P - 1) // 2, _P) in (0, 1)


def create_program_address(seeds: tuple[bytes, ...], program_id: Address) -> Address | None:
    """The address for these seeds (bump included), or None when it falls on the curve."""
    if len(seeds) > MAX_SEEDS or any(len(s) > MAX_SEED_LEN for s in seeds):
        raise InvalidArgument(f"at most {MAX_SEEDS} seeds of at most {MAX_SEED_LEN} bytes each, got {seeds!r}")
    digest = hashlib.sha256(b"".join(seeds) + bytes(program_id) + _PDA_MARKER).digest()
    return None if is_on_curve(digest) else Address(digest)


@lru_cache(maxsize=65_536)
def find_program_address(seeds: tuple[bytes, ...], program_id: Address) -> tuple[Address, int]:
    """The canonical (highest-bump) PDA for the seeds, as `Pubkey::find_program_address` returns it."""
    for bump in range(255, -1, -1):
        address = create_program_address((*seeds, bytes([bump])), program_id)
        if address is not None:
            return address, bump
    raise InvalidArgument(f"no viable bump for seeds {seeds!r}")  # pragma: no cover - probability 2**-256


@lru_cache(maxsize=1 << 14)
def associated_token_address(owner: Address, mint: Address,
                             token_program: Address = ids.TOKEN_PROGRAM_ID) -> Address:
    """The associated token account (ATA) of `owner` for `mint` (remembered: a run asks for the same few thousand
    over and over, and each costs a sha256 search)."""
    seeds = (bytes(owner), bytes(token_program), bytes(mint))
    return find_program_address(seeds, ids.ASSOCIATED_TOKEN_PROGRAM_ID)[0]
