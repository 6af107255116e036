"""Solders values in the JSON shapes a validator's RPC answers with: accounts, transactions, errors, token amounts.

A client (solana-py, whose parsers are solders', or a future rpc target) reads these exactly as it reads a
validator's answers, so the shapes follow Agave's serde forms: camelCase names, ``[data, "base64"]`` pairs,
transaction errors as ``"AccountNotFound"`` or ``{"InstructionError": [0, {"Custom": 1}]}``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, NamedTuple

from solders.account import Account
from solders.instruction import CompiledInstruction
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.rpc.responses import RpcSimulateTransactionResult
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import TransactionMetadata
from solders.transaction_status import (
    InstructionErrorCustom,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
    TransactionErrorType,
)

from pytest_fixedratio.chain.convert import to_pubkey
from pytest_fixedratio.chain.localnet_params import invalid
from pytest_fixedratio.errors import DecodeError
from pytest_fixedratio.frt.state import Mint, TokenAccount, TokenAccountState
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import b58encode

ACCOUNT_ENCODINGS: Final = ("binary", "base58", "base64", "jsonParsed")
"""Account data encodings served. ``binary`` (a validator's default) is a bare base58 string; ``jsonParsed``
falls back to base64, as a validator does for an account it has no parser for (deviation: it has parsers
for token, system and other accounts). ``base64+zstd`` is not served."""
MAX_BASE58_BYTES: Final = 128
"""A validator refuses to base58-encode more account data than this (base58 is quadratic)."""
TOKEN_PROGRAMS: Final = frozenset({to_pubkey(ids.TOKEN_PROGRAM_ID), to_pubkey(ids.TOKEN_2022_PROGRAM_ID)})
"""Owners of the token accounts a validator reports balances of; accounts of both programs are read in the
classic layout (165 and 82 bytes): Token-2022 accounts with extensions are not recognised."""

_TEXTS: Final = {
    "AccountNotFound": "Attempt to debit an account but found no record of a prior credit.",
    "AlreadyProcessed": "This transaction has already been processed",
    "BlockhashNotFound": "Blockhash not found",
    "InsufficientFundsForFee": "Insufficient funds for fee",
}
"""A validator's wording of the errors a preflight most often meets, by variant name (solders' fieldless errors
are not hashable)."""


def error_json(error: TransactionErrorType) -> Any:
    """The error as a validator serialises it. Solders writes that form only inside its RPC result types (its
    errors' own ``to_json`` drops the variant names), so the error is put in one and taken out again."""
    return json.loads(RpcSimulateTransactionResult(err=error).to_json())["err"]


def error_text(error: TransactionErrorType) -> str:
    """The validator's wording (its `Display`) for the common errors, the variant name for the others."""
    if isinstance(error, TransactionErrorInstructionError):
        detail = (f"custom program error: {error.err.code:#x}" if isinstance(error.err, InstructionErrorCustom)
                  else str(error.err).rsplit(".", 1)[-1])
        return f"Error processing Instruction {error.index}: {detail}"
    if isinstance(error, TransactionErrorFieldless):
        name = str(error).rsplit(".", 1)[-1]
        return _TEXTS.get(name, name)
    return type(error).__name__.removeprefix("TransactionError")


def status_json(error: TransactionErrorType | None) -> dict[str, Any]:
    """The deprecated ``status`` member validators still send beside ``err``."""
    return {"Ok": None} if error is None else {"Err": error_json(error)}


@dataclass(frozen=True, slots=True)
class DataSlice:
    offset: int
    length: int


def account_json(account: Account, encoding: str, data_slice: DataSlice | None = None) -> dict[str, Any]:
    data = account.data
    if data_slice is not None:
        data = data[data_slice.offset:data_slice.offset + data_slice.length]
    return {"lamports": account.lamports, "data": _data_json(data, encoding), "owner": str(account.owner),
            "executable": account.executable, "rentEpoch": account.rent_epoch, "space": len(account.data)}


def _data_json(data: bytes, encoding: str) -> str | list[str]:
    if encoding in ("binary", "base58"):
        if len(data) > MAX_BASE58_BYTES:
            raise invalid(f"Encoded binary (base 58) data should be less than {MAX_BASE58_BYTES} bytes, please use "
                          f"Base64 encoding.")
        return b58encode(data) if encoding == "binary" else [b58encode(data), "base58"]
    return [base64.b64encode(data).decode(), "base64"]


# -- tokens ------------------------------------------------------------------------------------------------


def token_account(account: Account | None) -> TokenAccount | None:
    """The account as an initialised SPL token account, or None when it is not one."""
    if account is None or account.owner not in TOKEN_PROGRAMS or len(account.data) != ids.TOKEN_ACCOUNT_LEN:
        return None
    try:
        decoded = TokenAccount.decode(account.data)
    except DecodeError:
        return None
    return None if decoded.state is TokenAccountState.UNINITIALIZED else decoded


def mint_decimals(account: Account | None) -> int | None:
    """The decimals of an initialised SPL mint, or None when the account is not one."""
    if account is None or account.owner not in TOKEN_PROGRAMS or len(account.data) != ids.MINT_LEN:
        return None
    try:
        mint = Mint.decode(account.data)
    except DecodeError:
        return None
    return mint.decimals if mint.is_initialized else None


def ui_token_amount(amount: int, decimals: int) -> dict[str, Any]:
    """Agave's UiTokenAmount: the raw amount as a string, and the amount in whole tokens as a float and as a
    string with trailing zeros trimmed (``1500`` at 3 decimals: ``"1.5"``)."""
    whole = Decimal(amount).scaleb(-decimals)
    text = f"{whole:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return {"amount": str(amount), "decimals": decimals, "uiAmount": amount / 10**decimals,
            "uiAmountString": text}


class TokenBalance(NamedTuple):
    """One entry of ``preTokenBalances`` / ``postTokenBalances``, kept compact: the history holds many."""

    account_index: int
    mint: Pubkey
    owner: Pubkey
    program_id: Pubkey
    amount: int
    decimals: int

    def to_json(self) -> dict[str, Any]:
        return {"accountIndex": self.account_index, "mint": str(self.mint), "owner": str(self.owner),
                "programId": str(self.program_id), "uiTokenAmount": ui_token_amount(self.amount, self.decimals)}


def token_balances(accounts: Sequence[Account | None], account_of: Callable[[Pubkey], Account | None]
                   ) -> tuple[TokenBalance, ...]:
    """The token accounts among a transaction's accounts (by index), with their mint's decimals read through
    ``account_of``; an account whose mint is gone is left out, as a validator does."""
    balances = []
    for index, account in enumerate(accounts):
        token = token_account(account)
        if token is None or account is None:
            continue
        mint = to_pubkey(token.mint)
        decimals = mint_decimals(account_of(mint))
        if decimals is not None:
            balances.append(TokenBalance(index, mint, to_pubkey(token.owner), account.owner, token.amount, decimals))
    return tuple(balances)


# -- transactions ------------------------------------------------------------------------------------------


def transaction_json(tx: VersionedTransaction, encoding: str) -> Any:
    """``transaction`` of getTransaction: ``json`` spells the message out, ``base64`` / ``base58`` give the wire
    bytes."""
    if encoding == "base64":
        return [base64.b64encode(bytes(tx)).decode(), "base64"]
    if encoding == "base58":
        return [b58encode(bytes(tx)), "base58"]
    message = tx.message
    header = message.header
    described: dict[str, Any] = {
        "accountKeys": [str(key) for key in message.account_keys],
        "header": {"numRequiredSignatures": header.num_required_signatures,
                   "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
                   "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts},
        "recentBlockhash": str(message.recent_blockhash),
        "instructions": [instruction_json(ix, None) for ix in message.instructions],
    }
    if isinstance(message, MessageV0):
        described["addressTableLookups"] = []
    return {"signatures": [str(s) for s in tx.signatures], "message": described}


def instruction_json(ix: CompiledInstruction, stack_height: int | None) -> dict[str, Any]:
    return {"programIdIndex": ix.program_id_index, "accounts": list(ix.accounts), "data": b58encode(ix.data),
            "stackHeight": stack_height}


def inner_instructions_json(meta: TransactionMetadata) -> list[dict[str, Any]]:
    """Instructions the programs invoked, grouped by the top-level instruction that invoked them (those that
    invoked none are left out)."""
    return [{"index": index, "instructions": [instruction_json(inner.instruction(), inner.stack_height())
                                             for inner in group]}
            for index, group in enumerate(meta.inner_instructions()) if group]


def return_data_json(meta: TransactionMetadata) -> dict[str, Any] | None:
    returned = meta.return_data()
    if not returned.data:
        return None
    return {"programId": str(returned.program_id), "data": [base64.b64encode(returned.data).decode(), "base64"]}
