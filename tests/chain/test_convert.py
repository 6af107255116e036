"""The solders border: addresses, instructions and accounts keep every field; errors keep Solana's names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from solders.account import Account
from solders.pubkey import Pubkey
from solders.transaction_status import (
    InstructionErrorCustom,
    InstructionErrorFieldless,
    TransactionErrorDuplicateInstruction,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
    TransactionErrorInsufficientFundsForRent,
    TransactionErrorType,
)

from pytest_fixedratio.chain.base import AccountState
from pytest_fixedratio.chain.convert import (
    to_account_state,
    to_address,
    to_pubkey,
    to_solders_instruction,
    to_transaction_failure,
)
from pytest_fixedratio.frt.errors import TransactionFailure
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import AccountMeta, Instruction
from tests.frt.strategies import addresses, u32s, u64s

account_metas = st.builds(AccountMeta, addresses(), st.booleans(), st.booleans())


@given(addresses())
def test_address_round_trips_through_pubkey(address: Address) -> None:
    assert str(to_pubkey(address)) == str(address)
    assert to_address(to_pubkey(address)) == address
    assert type(to_address(Pubkey(bytes(address)))) is Address
    assert to_pubkey(Address(bytes(address))) is to_pubkey(address)  # remembered for equal addresses


@given(addresses(), st.lists(account_metas, max_size=6), st.binary(max_size=64))
def test_instruction_keeps_program_metas_and_data(program: Address, metas: list[AccountMeta], data: bytes
                                                  ) -> None:
    converted = to_solders_instruction(Instruction(program, tuple(metas), data))
    assert to_address(converted.program_id) == program
    assert bytes(converted.data) == data
    assert [(to_address(m.pubkey), m.is_signer, m.is_writable) for m in converted.accounts] == [
        (m.address, m.is_signer, m.is_writable) for m in metas]


@given(u64s(), addresses(), st.binary(max_size=200), st.booleans())
def test_account_keeps_every_field(lamports: int, owner: Address, data: bytes, executable: bool) -> None:
    account = Account(lamports, data, to_pubkey(owner), executable)
    assert to_account_state(account) == AccountState(lamports, owner, data, executable)


@given(st.integers(min_value=0, max_value=255), u32s())
def test_custom_instruction_error_keeps_index_and_code(index: int, code: int) -> None:
    error = TransactionErrorInstructionError(index, InstructionErrorCustom(code))
    assert to_transaction_failure(error) == TransactionFailure("Custom", index, code)


@pytest.mark.parametrize(("error", "expected"), [
    (TransactionErrorInstructionError(2, InstructionErrorFieldless.InvalidAccountData),
     TransactionFailure("InvalidAccountData", 2)),
    (TransactionErrorInstructionError(0, InstructionErrorFieldless.ArithmeticOverflow),
     TransactionFailure("ArithmeticOverflow", 0)),
    (TransactionErrorInstructionError(1, InstructionErrorFieldless.BorshIoError),
     TransactionFailure("BorshIoError", 1)),
    (TransactionErrorFieldless.InsufficientFundsForFee, TransactionFailure("InsufficientFundsForFee")),
    (TransactionErrorFieldless.AccountNotFound, TransactionFailure("AccountNotFound")),
    (TransactionErrorFieldless.BlockhashNotFound, TransactionFailure("BlockhashNotFound")),
    (TransactionErrorDuplicateInstruction(3), TransactionFailure("DuplicateInstruction", None, None,
                                                                  "instruction 3")),
    (TransactionErrorInsufficientFundsForRent(1), TransactionFailure("InsufficientFundsForRent", None, None,
                                                                      "account_index 1")),
])
def test_errors_keep_solanas_variant_names(error: TransactionErrorType, expected: TransactionFailure) -> None:
    assert to_transaction_failure(error) == expected
