"""Chain-neutral instruction values: what every encoder (`sol.programs`, `frt/`) returns and `chain/` sends.

Any program's instruction is a program id, ordered account metas and data bytes, so the type belongs below
both the encoders and the chain. Kept free of solders; `chain/` converts these at its boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_fixedratio.sol.address import Address


@dataclass(frozen=True, slots=True)
class AccountMeta:
    """One account of an instruction, in order, with its signer and writable marks."""

    address: Address
    is_signer: bool = False
    is_writable: bool = False


@dataclass(frozen=True, slots=True)
class Instruction:
    """A program id, its ordered account metas and its data bytes."""

    program_id: Address
    accounts: tuple[AccountMeta, ...]
    data: bytes


def ro(address: Address) -> AccountMeta:
    """Read-only, non-signer."""
    return AccountMeta(address, False, False)


def rw(address: Address) -> AccountMeta:
    """Writable, non-signer."""
    return AccountMeta(address, False, True)


def signer(address: Address, *, writable: bool = True) -> AccountMeta:
    """Signer (writable unless told otherwise: a payer must be)."""
    return AccountMeta(address, True, writable)
