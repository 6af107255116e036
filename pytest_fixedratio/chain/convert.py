"""The border between the project's plain values and solders: the only place both kinds meet.

Addresses, instructions and accounts cross in both directions; transaction errors cross one way, into
`TransactionFailure`, keeping Solana's variant names (``"Custom"``, ``"InvalidAccountData"``,
``"InsufficientFundsForFee"`` ...) so the error table in `frt/` can classify them on any target.

Every transaction and every account read crosses here (a campaign reads ~20 accounts per transaction), while
the addresses involved are a few thousand at most: their conversions are remembered in bounded caches.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Final

from solders.account import Account
from solders.instruction import AccountMeta as SoldersAccountMeta
from solders.instruction import Instruction as SoldersInstruction
from solders.pubkey import Pubkey
from solders.transaction_status import (
    InstructionErrorCustom,
    InstructionErrorFieldless,
    InstructionErrorType,
    TransactionErrorDuplicateInstruction,
    TransactionErrorInstructionError,
    TransactionErrorInsufficientFundsForRent,
    TransactionErrorProgramExecutionTemporarilyRestricted,
    TransactionErrorType,
)

from pytest_fixedratio.chain.base import AccountState
from pytest_fixedratio.frt.errors import TransactionFailure
from pytest_fixedratio.sol.address import Address, unchecked_address
from pytest_fixedratio.sol.instruction import Instruction

_CACHE_SIZE: Final = 1 << 14
"""Entries per cache: more than the distinct addresses of any campaign, a few MB at most."""


def _to_pubkey(address: Address) -> Pubkey:
    return Pubkey.from_bytes(address)


def _to_address(pubkey: Pubkey) -> Address:
    return unchecked_address(bytes(pubkey))  # a Pubkey is always 32 bytes


def _to_account_meta(address: Address, is_signer: bool, is_writable: bool) -> SoldersAccountMeta:
    return SoldersAccountMeta(to_pubkey(address), is_signer, is_writable)


to_pubkey: Final[Callable[[Address], Pubkey]] = lru_cache(maxsize=_CACHE_SIZE)(_to_pubkey)
to_address: Final[Callable[[Pubkey], Address]] = lru_cache(maxsize=_CACHE_SIZE)(_to_address)
_account_meta: Final[Callable[[Address, bool, bool], SoldersAccountMeta]] = lru_cache(maxsize=_CACHE_SIZE)(
    _to_account_meta)


def to_solders_instruction(instruction: Instruction) -> SoldersInstruction:
    metas = [_account_meta(m.address, m.is_signer, m.is_writable) for m in instruction.accounts]
    return SoldersInstruction(to_pubkey(instruction.program_id), instruction.data, metas)


def to_solders_account(state: AccountState) -> Account:
    return Account(state.lamports, state.data, to_pubkey(state.owner), state.executable)


def to_account_state(account: Account) -> AccountState:
    """``account.data`` is already a fresh `bytes`, so it is taken as it is."""
    return AccountState(account.lamports, to_address(account.owner), account.data, account.executable)


def _variant_name(error: InstructionErrorFieldless | object) -> str:
    """``InstructionErrorFieldless.InvalidArgument`` -> ``"InvalidArgument"`` (the Rust variant name)."""
    return str(error).rsplit(".", 1)[-1]


def _instruction_failure(index: int, error: InstructionErrorType) -> TransactionFailure:
    # BorshIoError carries no text since Agave 2 (solders 0.29 cannot even build the tagged form).
    if isinstance(error, InstructionErrorCustom):
        return TransactionFailure("Custom", index, error.code)
    return TransactionFailure(_variant_name(error), index)


def to_transaction_failure(error: TransactionErrorType) -> TransactionFailure:
    """Solana's `TransactionError` as data; account and instruction positions go to ``detail``."""
    if isinstance(error, TransactionErrorInstructionError):
        return _instruction_failure(error.index, error.err)
    if isinstance(error, TransactionErrorDuplicateInstruction):
        return TransactionFailure("DuplicateInstruction", detail=f"instruction {error.index}")
    if isinstance(error, TransactionErrorInsufficientFundsForRent):
        return TransactionFailure("InsufficientFundsForRent", detail=f"account_index {error.account_index}")
    if isinstance(error, TransactionErrorProgramExecutionTemporarilyRestricted):
        return TransactionFailure("ProgramExecutionTemporarilyRestricted",
                                  detail=f"account_index {error.account_index}")
    return TransactionFailure(_variant_name(error))
