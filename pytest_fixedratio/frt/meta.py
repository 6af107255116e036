"""Chain-neutral instruction values: what every encoder in `frt/` returns and `chain/` sends.

Kept free of solders so `frt/` stays bytes and numbers; `chain/` converts these at its boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_fixedratio.frt.address import Address


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
