"""The localnet's memory and value shapes on their own: the bounded transaction history and its address index, the
blockhash window, token amounts and transaction errors as a validator writes them."""

from __future__ import annotations

from array import array
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from solders.hash import Hash
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import TransactionMetadata
from solders.transaction_status import (
    InstructionErrorCustom,
    InstructionErrorFieldless,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
    TransactionErrorInsufficientFundsForRent,
)

from pytest_fixedratio.chain.localnet_encode import error_json, error_text, ui_token_amount
from pytest_fixedratio.chain.localnet_history import MAX_PROCESSING_AGE, Blockhashes, History, Landed


def _metadata() -> TransactionMetadata:
    svm = LiteSVM()
    result = svm.airdrop(Keypair().pubkey(), 10**9)
    assert isinstance(result, TransactionMetadata)
    return result


def _landed(sequence: int, payer: Keypair, to: Pubkey, meta: TransactionMetadata) -> Landed:
    sent = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=to, lamports=sequence + 1))
    message = Message.new_with_blockhash([sent], payer.pubkey(), Hash.default())
    return Landed(sequence, VersionedTransaction(message, [payer]), sequence, 0, None, meta, array("Q", [0, 0, 1]),
                  array("Q", [0, 0, 1]), (), ())


def test_the_history_forgets_its_oldest_transactions_everywhere() -> None:
    meta, payer, alone, shared = _metadata(), Keypair(), Keypair().pubkey(), Keypair().pubkey()
    history = History(capacity=3)
    landed = [_landed(0, payer, alone, meta)] + [_landed(n, payer, shared, meta) for n in range(1, 5)]
    for each in landed:
        history.add(each)
    assert history.landed == 5
    assert [history.get(each.signature) for each in landed] == [None, None, *landed[2:]]
    assert list(history.newest_first(shared)) == landed[:1:-1]
    assert list(history.newest_first(payer.pubkey())) == landed[:1:-1]
    assert list(history.newest_first(alone)) == []  # its only transaction is forgotten, and so is it


def test_a_blockhash_is_valid_for_its_window_and_the_latest_always() -> None:
    hashes = Blockhashes()
    first, second = Hash.new_unique(), Hash.new_unique()
    hashes.add(first, 100)
    hashes.add(second, 101)
    assert hashes.last_valid_height(first, 100 + MAX_PROCESSING_AGE) == 100 + MAX_PROCESSING_AGE
    assert hashes.last_valid_height(first, 101 + MAX_PROCESSING_AGE) is None
    assert hashes.last_valid_height(Hash.new_unique(), 100) is None
    latest = Hash.new_unique()
    hashes.add(latest, 1000)  # the old ones are forgotten, the latest is kept
    assert hashes.last_valid_height(second, 101) is None
    assert hashes.last_valid_height(latest, 1000) == 1000 + MAX_PROCESSING_AGE


@given(st.integers(0, 2**64 - 1), st.integers(0, 20))
def test_a_token_amount_reads_as_whole_tokens(amount: int, decimals: int) -> None:
    shown = ui_token_amount(amount, decimals)
    assert shown["amount"] == str(amount) and shown["decimals"] == decimals
    text = shown["uiAmountString"]
    assert Decimal(text) == Decimal(amount).scaleb(-decimals)
    assert not ("." in text and text.endswith(("0", "."))) and "E" not in text
    assert shown["uiAmount"] == amount / 10**decimals


def test_token_amounts_as_a_validator_writes_them() -> None:
    assert ui_token_amount(1_500_000, 6)["uiAmountString"] == "1.5"
    assert ui_token_amount(0, 9)["uiAmountString"] == "0"
    assert ui_token_amount(120, 0)["uiAmountString"] == "120"
    assert ui_token_amount(5, 3)["uiAmountString"] == "0.005"


def test_transaction_errors_as_a_validator_writes_them() -> None:
    custom = TransactionErrorInstructionError(0, InstructionErrorCustom(1))
    assert error_json(custom) == {"InstructionError": [0, {"Custom": 1}]}
    assert error_text(custom) == "Error processing Instruction 0: custom program error: 0x1"
    invalid = TransactionErrorInstructionError(2, InstructionErrorFieldless.InvalidAccountData)
    assert error_json(invalid) == {"InstructionError": [2, "InvalidAccountData"]}
    assert error_text(invalid) == "Error processing Instruction 2: InvalidAccountData"
    assert error_json(TransactionErrorFieldless.BlockhashNotFound) == "BlockhashNotFound"
    assert error_text(TransactionErrorFieldless.AlreadyProcessed) == "This transaction has already been processed"
    assert error_text(TransactionErrorFieldless.SignatureFailure) == "SignatureFailure"
    rent = TransactionErrorInsufficientFundsForRent(1)
    assert error_json(rent) == {"InsufficientFundsForRent": {"account_index": 1}}
    assert error_text(rent) == "InsufficientFundsForRent"
