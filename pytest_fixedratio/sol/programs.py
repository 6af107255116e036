"""Chain-neutral encoders for Solana's own programs, which every client calls around its program's instructions.

SPL Token (classic; Token-2022 shares these layouts, pass `token_program` to target it), the Associated
Token Account program, the System program and ComputeBudget. They are not FRT's, and `chain/` needs them
as much as `frt/` does, so they live at the bottom. Kept as bytes, so nothing above needs solders and every
layout is visible in one place; the tests cross-check each one against solders and solana-py builders.
"""

from __future__ import annotations

import struct
from enum import IntEnum

from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import AccountMeta, Instruction, ro, rw, signer
from pytest_fixedratio.sol.pda import associated_token_address

_U8_MAX = 0xFF
_U32_MAX = 2**32 - 1
_U64_MAX = 2**64 - 1


class TokenInstruction(IntEnum):
    """SPL Token instruction tags (first data byte) this module encodes."""

    INITIALIZE_MINT = 0
    INITIALIZE_ACCOUNT = 1
    TRANSFER = 3
    MINT_TO = 7
    BURN = 8
    CLOSE_ACCOUNT = 9
    TRANSFER_CHECKED = 12
    INITIALIZE_ACCOUNT3 = 18
    INITIALIZE_MINT2 = 20


class SystemInstruction(IntEnum):
    """System program instruction tags (a little-endian u32)."""

    CREATE_ACCOUNT = 0
    TRANSFER = 2


class AtaInstruction(IntEnum):
    CREATE = 0
    CREATE_IDEMPOTENT = 1


class ComputeBudgetInstruction(IntEnum):
    SET_COMPUTE_UNIT_LIMIT = 2
    SET_COMPUTE_UNIT_PRICE = 3


def _checked(name: str, value: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise InvalidArgument(f"{name} must be an integer in [0, {maximum}], got {value!r}")
    return value


def _u8(name: str, value: int) -> bytes:
    return struct.pack("<B", _checked(name, value, _U8_MAX))


def _u32(name: str, value: int) -> bytes:
    return struct.pack("<I", _checked(name, value, _U32_MAX))


def _u64(name: str, value: int) -> bytes:
    return struct.pack("<Q", _checked(name, value, _U64_MAX))


def _token(token_program: Address, tag: TokenInstruction, body: bytes, *accounts: AccountMeta) -> Instruction:
    return Instruction(token_program, accounts, bytes([tag]) + body)


def _mint_args(decimals: int, mint_authority: Address, freeze_authority: Address | None) -> bytes:
    """InitializeMint(2) arguments; the freeze authority is SPL Token's instruction-data `COption<Pubkey>`:
    tag 0 alone, or tag 1 followed by the key."""
    freeze = b"\x00" if freeze_authority is None else b"\x01" + bytes(freeze_authority)
    return _u8("decimals", decimals) + bytes(mint_authority) + freeze


# ---------------------------------------------------------------------------------------------------------
# SPL Token


def initialize_mint2(mint: Address, decimals: int, mint_authority: Address,
                     freeze_authority: Address | None = None, *,
                     token_program: Address = ids.TOKEN_PROGRAM_ID) -> Instruction:
    """Initialize a created mint account; no rent sysvar needed. No freeze authority unless one is given
    (whoever holds it can freeze any account of the mint)."""
    body = _mint_args(decimals, mint_authority, freeze_authority)
    return _token(token_program, TokenInstruction.INITIALIZE_MINT2, body, rw(mint))


def initialize_mint(mint: Address, decimals: int, mint_authority: Address,
                    freeze_authority: Address | None = None, *,
                    token_program: Address = ids.TOKEN_PROGRAM_ID) -> Instruction:
    """The original form of `initialize_mint2`, reading the rent sysvar account."""
    body = _mint_args(decimals, mint_authority, freeze_authority)
    return _token(token_program, TokenInstruction.INITIALIZE_MINT, body, rw(mint), ro(ids.RENT_SYSVAR_ID))


def initialize_account3(account: Address, mint: Address, owner: Address, *,
                        token_program: Address = ids.TOKEN_PROGRAM_ID) -> Instruction:
    """Initialize a created token account for `owner`; the owner does not sign."""
    return _token(token_program, TokenInstruction.INITIALIZE_ACCOUNT3, bytes(owner), rw(account), ro(mint))


def transfer(source: Address, destination: Address, owner: Address, amount: int, *,
             token_program: Address = ids.TOKEN_PROGRAM_ID) -> Instruction:
    return _token(token_program, TokenInstruction.TRANSFER, _u64("amount", amount),
                  rw(source), rw(destination), signer(owner, writable=False))


def transfer_checked(source: Address, mint: Address, destination: Address, owner: Address, amount: int,
                     decimals: int, *, token_program: Address = ids.TOKEN_PROGRAM_ID) -> Instruction:
    """`transfer` that the token program rejects unless `mint` and `decimals` match the accounts."""
    body = _u64("amount", amount) + _u8("decimals", decimals)
    return _token(token_program, TokenInstruction.TRANSFER_CHECKED, body,
                  rw(source), ro(mint), rw(destination), signer(owner, writable=False))


def mint_to(mint: Address, destination: Address, mint_authority: Address, amount: int, *,
            token_program: Address = ids.TOKEN_PROGRAM_ID) -> Instruction:
    return _token(token_program, TokenInstruction.MINT_TO, _u64("amount", amount),
                  rw(mint), rw(destination), signer(mint_authority, writable=False))


def burn(account: Address, mint: Address, owner: Address, amount: int, *,
         token_program: Address = ids.TOKEN_PROGRAM_ID) -> Instruction:
    """Burn from `account`, lowering the mint's supply (unlike a transfer to a dead address)."""
    return _token(token_program, TokenInstruction.BURN, _u64("amount", amount),
                  rw(account), rw(mint), signer(owner, writable=False))


def close_account(account: Address, destination: Address, owner: Address, *,
                  token_program: Address = ids.TOKEN_PROGRAM_ID) -> Instruction:
    """Close an empty token account, sending its rent lamports to `destination`."""
    return _token(token_program, TokenInstruction.CLOSE_ACCOUNT, b"",
                  rw(account), rw(destination), signer(owner, writable=False))


# ---------------------------------------------------------------------------------------------------------
# Associated Token Account program


def create_associated_token_account(payer: Address, owner: Address, mint: Address, *,
                                    idempotent: bool = False,
                                    token_program: Address = ids.TOKEN_PROGRAM_ID) -> Instruction:
    """Create `owner`'s ATA for `mint`, paid by `payer`. The idempotent form succeeds when the ATA already
    exists with the right owner and mint, which is what concurrent workers need."""
    ata = associated_token_address(owner, mint, token_program)
    tag = AtaInstruction.CREATE_IDEMPOTENT if idempotent else AtaInstruction.CREATE
    accounts = (signer(payer), rw(ata), ro(owner), ro(mint), ro(ids.SYSTEM_PROGRAM_ID), ro(token_program))
    return Instruction(ids.ASSOCIATED_TOKEN_PROGRAM_ID, accounts, bytes([tag]))


# ---------------------------------------------------------------------------------------------------------
# System program


def create_account(payer: Address, new_account: Address, lamports: int, space: int, owner: Address
                   ) -> Instruction:
    """Allocate `space` bytes owned by `owner`; both the payer and the new account sign."""
    data = (_u32("tag", SystemInstruction.CREATE_ACCOUNT) + _u64("lamports", lamports) + _u64("space", space)
            + bytes(owner))
    return Instruction(ids.SYSTEM_PROGRAM_ID, (signer(payer), signer(new_account)), data)


def system_transfer(source: Address, destination: Address, lamports: int) -> Instruction:
    data = _u32("tag", SystemInstruction.TRANSFER) + _u64("lamports", lamports)
    return Instruction(ids.SYSTEM_PROGRAM_ID, (signer(source), rw(destination)), data)


# ---------------------------------------------------------------------------------------------------------
# ComputeBudget


def set_compute_unit_limit(units: int) -> Instruction:
    """The transaction's compute unit limit; heavy instructions need more than the 200K-per-instruction default."""
    data = bytes([ComputeBudgetInstruction.SET_COMPUTE_UNIT_LIMIT]) + _u32("units", units)
    return Instruction(ids.COMPUTE_BUDGET_PROGRAM_ID, (), data)


def set_compute_unit_price(micro_lamports: int) -> Instruction:
    """Priority fee per compute unit, in micro-lamports."""
    data = bytes([ComputeBudgetInstruction.SET_COMPUTE_UNIT_PRICE]) + _u64("micro_lamports", micro_lamports)
    return Instruction(ids.COMPUTE_BUDGET_PROGRAM_ID, (), data)
