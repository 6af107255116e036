"""The in-process target against a real LiteSVM: loader deployment, receipts, fees, failures, clock, tokens."""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from pathlib import Path

import pytest
from solders.hash import Hash
from solders.message import Message
from solders.transaction import Transaction

from pytest_fixedratio.chain.abilities import AccountWriter, Faucet, TimeTravel
from pytest_fixedratio.chain.base import PACKET_DATA_SIZE, AccountState, Chain, ChainError, Receipt
from pytest_fixedratio.chain.convert import to_pubkey, to_solders_instruction
from pytest_fixedratio.chain.litesvm import GENESIS_UNIX_TIMESTAMP, LiteSvmChain
from pytest_fixedratio.chain.loader import ProgramData, decode_program_account
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt import builders, pdas
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt.errors import SplTokenError, SystemProgramError, TransactionFailure
from pytest_fixedratio.intents.expected import ExpectedError
from pytest_fixedratio.intents.intent import Intent
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.intents.wallet_ops import SolTransfer, TokenTransfer
from pytest_fixedratio.sol import ids, programs
from pytest_fixedratio.sol.address import b58decode
from pytest_fixedratio.sol.instruction import Instruction, signer
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.sol.pda import associated_token_address
from pytest_fixedratio.verify.verifier import Verification, Verifier

pytestmark = pytest.mark.asyncio

SOL = ids.LAMPORTS_PER_SOL
FEE = ids.LAMPORTS_PER_SIGNATURE
SLOTS_PER_HOUR = 3600 * 1000 // 400


async def _funded(chain: Chain, lamports: int = SOL) -> Wallet:
    """Typed with the protocol, so mypy checks that `LiteSvmChain` implements `Chain`; funding is the optional
    `Faucet` ability."""
    assert isinstance(chain, Faucet)
    wallet = Wallet.generate()
    await chain.airdrop(wallet.address, lamports)
    return wallet


async def _verified(chain: Chain, ops: Sequence[Op], signers: Sequence[Wallet]) -> tuple[Receipt, Verification]:
    """Send one intent's transaction and verify its receipt against the intent's prediction."""
    intent = Intent("test", "test", tuple(ops), tuple(signers))
    receipt = await chain.send(intent.instructions(), intent.signers, watch=intent.watch())
    return receipt, Verifier(chain.program_id).verify(intent, receipt)


async def _slot(chain: Chain) -> int:
    clock = await chain.get_account(ids.CLOCK_SYSVAR_ID)
    assert clock is not None
    return int(struct.unpack_from("<Q", clock.data)[0])


# -- deployment ------------------------------------------------------------------------------------------


async def test_the_in_process_chain_has_every_optional_ability(chain: LiteSvmChain) -> None:
    assert isinstance(chain, Faucet) and isinstance(chain, TimeTravel) and isinstance(chain, AccountWriter)


async def test_deploy_creates_program_and_program_data_owned_by_the_authority(
        chain: LiteSvmChain, token_program_so: Path) -> None:
    program = await chain.get_account(chain.program_id)
    assert program is not None and program.executable and program.owner == ids.BPF_LOADER_UPGRADEABLE_ID
    program_data_address = decode_program_account(program.data)
    assert program_data_address == pdas.program_data(chain.program_id)[0]
    program_data = await chain.get_account(program_data_address)
    assert program_data is not None and program_data.owner == ids.BPF_LOADER_UPGRADEABLE_ID
    decoded = ProgramData.decode(program_data.data)
    assert decoded.upgrade_authority == chain.upgrade_authority.address
    assert decoded.elf == token_program_so.read_bytes()
    assert await _slot(chain) == decoded.slot + 1  # invoked from the slot after deployment


async def test_the_redeployed_program_runs(chain: LiteSvmChain) -> None:
    """The redeployed SPL Token ELF initializes a mint it owns at the new program id."""
    alice, mint = await _funded(chain), Wallet.generate()
    rent = await chain.rent_exempt_minimum(ids.MINT_LEN)
    create = programs.create_account(alice.address, mint.address, rent, ids.MINT_LEN, chain.program_id)
    initialize = programs.initialize_mint2(mint.address, 9, alice.address, token_program=chain.program_id)
    receipt = await chain.send([create, initialize], [alice, mint], watch=[mint.address])
    assert receipt.ok, receipt.logs
    assert f"Program {chain.program_id} success" in receipt.logs
    state = receipt.after[mint.address]
    assert state is not None and state.owner == chain.program_id
    assert state.data[44:46] == bytes([9, 1])  # decimals, is_initialized


async def test_seeded_wallets_give_the_same_program_id(token_program_so: Path) -> None:
    program, authority = Wallet.from_seed(b"s" * 32), Wallet.from_seed(b"t" * 32)
    first = LiteSvmChain(token_program_so, program=program, upgrade_authority=authority)
    second = LiteSvmChain(token_program_so, program=program, upgrade_authority=authority)
    assert first.program_id == second.program_id == program.address
    assert first.upgrade_authority == second.upgrade_authority == authority
    later = LiteSvmChain(token_program_so, program=program, unix_timestamp=2_000_000_000)
    assert later.program_id == program.address and later.upgrade_authority != authority
    assert await later.now() == 2_000_000_000


async def test_the_bundled_program_deploys_by_default_and_sees_its_upgrade_authority() -> None:
    chain = LiteSvmChain()
    stranger = await _funded(chain, 10 * SOL)
    refused = await chain.send([builders.initialize_program(chain.program_id, stranger.address)], [stranger])
    assert refused.failure == TransactionFailure("InvalidAccountData", 0)
    admin = chain.upgrade_authority
    accepted = await chain.send([builders.initialize_program(chain.program_id, admin.address)], [admin])
    assert accepted.ok, accepted.logs


async def test_an_invalid_elf_fails_the_loaders_deploy_checks(tmp_path: Path) -> None:
    path = tmp_path / "broken.so"
    path.write_bytes(b"\x7fELF" + bytes(2000))
    with pytest.raises(ChainError, match="deploying the 2004-byte program failed"):
        LiteSvmChain(path)


async def test_a_missing_program_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"absent\.so"):
        LiteSvmChain(tmp_path / "absent.so")


# -- receipts --------------------------------------------------------------------------------------------


async def test_a_transfer_receipt_has_fee_logs_units_and_account_diffs(chain: LiteSvmChain) -> None:
    alice, bob = await _funded(chain), Wallet.generate()
    receipt = await chain.send([programs.system_transfer(alice.address, bob.address, 2_000_000)], [alice],
                               watch=[alice.address, bob.address])
    assert receipt.ok and receipt.failure is None
    assert len(b58decode(receipt.signature)) == 64
    assert receipt.fee == FEE
    assert receipt.before[bob.address] is None
    assert receipt.lamport_change(bob.address) == 2_000_000
    assert receipt.lamport_change(alice.address) == -(2_000_000 + receipt.fee)
    assert await chain.get_balance(alice.address) == SOL - 2_000_000 - FEE
    assert receipt.logs[-1] == f"Program {ids.SYSTEM_PROGRAM_ID} success"
    assert receipt.compute_units > 0
    assert (receipt.slot, receipt.unix_timestamp) == (await _slot(chain), GENESIS_UNIX_TIMESTAMP)


async def test_a_failing_transfer_is_returned_with_its_error_and_still_pays_the_fee(chain: LiteSvmChain) -> None:
    alice, bob = await _funded(chain), Wallet.generate()
    receipt = await chain.send([programs.system_transfer(alice.address, bob.address, 10 * SOL)], [alice],
                               watch=[alice.address, bob.address])
    assert not receipt.ok
    assert receipt.failure == TransactionFailure("Custom", 0, 1)  # SystemError::ResultWithNegativeLamports
    assert any("insufficient lamports" in line for line in receipt.logs)
    assert receipt.fee == FEE == -receipt.lamport_change(alice.address)
    assert receipt.after[bob.address] is None


async def test_failure_index_counts_the_callers_instructions_not_the_compute_budget(chain: LiteSvmChain) -> None:
    alice, bob = await _funded(chain), Wallet.generate()
    receipt = await chain.send([programs.system_transfer(alice.address, bob.address, SOL // 2),
                                programs.system_transfer(alice.address, bob.address, SOL)],
                               [alice], compute_unit_limit=50_000)
    assert receipt.failure == TransactionFailure("Custom", 1, 1)
    assert receipt.logs[0] == f"Program {ids.COMPUTE_BUDGET_PROGRAM_ID} invoke [1]"


async def test_the_compute_unit_limit_is_enforced(chain: LiteSvmChain) -> None:
    alice, bob = await _funded(chain), Wallet.generate()
    transfer = [programs.system_transfer(alice.address, bob.address, SOL // 10)]
    starved = await chain.send(transfer, [alice], compute_unit_limit=200)
    assert starved.failure == TransactionFailure("ComputationalBudgetExceeded", 0)
    assert starved.compute_units == 200
    assert (await chain.send(transfer, [alice], compute_unit_limit=10_000)).ok


async def test_a_payer_without_an_account_is_rejected_and_charged_nothing(chain: LiteSvmChain) -> None:
    ghost = Wallet.generate()
    receipt = await chain.send([programs.system_transfer(ghost.address, ghost.address, 1)], [ghost],
                               watch=[ghost.address])
    assert receipt.failure == TransactionFailure("AccountNotFound")
    assert receipt.fee == 0
    assert receipt.after[ghost.address] is None


async def test_the_verifier_accepts_a_payer_without_an_account(chain: LiteSvmChain) -> None:
    ghost = Wallet.generate()
    receipt, verification = await _verified(chain, [SolTransfer(ghost.address, ghost.address, 1)], [ghost])
    assert receipt.failure == TransactionFailure("AccountNotFound")
    assert verification.findings == () and verification.expected_failure


async def test_receipts_of_system_and_token_transfers_match_the_intents_predictions(chain: LiteSvmChain) -> None:
    """Success, System's ResultWithNegativeLamports, the runtime's rent check and SPL Token's InsufficientFunds:
    each as its intent predicts, on the real runtime."""
    alice, bob = await _funded(chain), Wallet.generate()
    landed, verification = await _verified(chain, [SolTransfer(alice.address, bob.address, 2_000_000)], [alice])
    assert landed.ok and verification.findings == ()
    overdraw, verification = await _verified(chain, [SolTransfer(alice.address, bob.address, 10 * SOL)], [alice])
    assert overdraw.failure == TransactionFailure("Custom", 0, 1)
    assert verification.prediction.error == ExpectedError.system(SystemProgramError.ResultWithNegativeLamports).at(0)
    assert verification.findings == () and verification.expected_failure
    below_rent = await chain.get_balance(alice.address) - FEE - 1_000
    short, verification = await _verified(chain, [SolTransfer(alice.address, bob.address, below_rent)], [alice])
    assert short.failure is not None and short.failure.kind == "InsufficientFundsForRent"
    assert verification.prediction.error == ExpectedError.runtime("InsufficientFundsForRent")
    assert verification.findings == () and verification.expected_failure

    mint, rent = Wallet.generate(), await chain.rent_exempt_minimum(ids.MINT_LEN)
    alice_ata = associated_token_address(alice.address, mint.address)
    bob_ata = associated_token_address(bob.address, mint.address)
    setup = await chain.send([
        programs.create_account(alice.address, mint.address, rent, ids.MINT_LEN, ids.TOKEN_PROGRAM_ID),
        programs.initialize_mint2(mint.address, 6, alice.address),
        programs.create_associated_token_account(alice.address, alice.address, mint.address),
        programs.create_associated_token_account(alice.address, bob.address, mint.address),
        programs.mint_to(mint.address, alice_ata, alice.address, 1_000),
    ], [alice, mint])
    assert setup.ok, setup.logs
    moved, verification = await _verified(chain, [TokenTransfer(alice_ata, bob_ata, alice.address, 300)], [alice])
    assert moved.ok and verification.findings == ()
    refused, verification = await _verified(chain, [TokenTransfer(alice_ata, bob_ata, alice.address, 701)], [alice])
    assert refused.failure == TransactionFailure("Custom", 0, 1)
    assert verification.prediction.error == ExpectedError.token(SplTokenError.InsufficientFunds).at(0)
    assert verification.findings == () and verification.expected_failure


async def test_identical_back_to_back_transactions_both_land(chain: LiteSvmChain) -> None:
    alice, bob = await _funded(chain), Wallet.generate()
    transfer = [programs.system_transfer(alice.address, bob.address, 1_000_000)]
    first = await chain.send(transfer, [alice])
    second = await chain.send(transfer, [alice])
    assert first.ok and second.ok
    assert first.signature != second.signature
    assert await chain.get_balance(bob.address) == 2_000_000


async def test_an_oversized_transaction_is_refused_before_sending(chain: LiteSvmChain) -> None:
    alice = await _funded(chain)
    memo = Instruction(ids.SYSTEM_PROGRAM_ID, (signer(alice.address),), bytes(PACKET_DATA_SIZE))
    with pytest.raises(InvalidArgument, match="at most 1232"):
        await chain.send([memo], [alice])
    assert await chain.get_balance(alice.address) == SOL


async def test_the_size_limit_counts_every_byte_of_the_signed_transaction(chain: LiteSvmChain) -> None:
    alice = await _funded(chain)

    def memo(length: int) -> Instruction:
        return Instruction(ids.SYSTEM_PROGRAM_ID, (signer(alice.address),), bytes(length))

    blockhash = Hash.default()
    message = Message.new_with_blockhash([to_solders_instruction(memo(200))], to_pubkey(alice.address), blockhash)
    largest = 200 + PACKET_DATA_SIZE - len(bytes(Transaction([alice.keypair], message, blockhash)))
    receipt = await chain.send([memo(largest)], [alice])
    assert receipt.failure == TransactionFailure("MissingAccount", 0)  # sent: zeros are a CreateAccount
    with pytest.raises(InvalidArgument, match=f"is {PACKET_DATA_SIZE + 1} bytes"):
        await chain.send([memo(largest + 1)], [alice])


async def test_transactions_are_signed_exactly_as_solders_signs_them(chain: LiteSvmChain) -> None:
    """Every signer's signature in the message's order (LiteSVM verifies them all), the same bytes as
    solders' `Transaction` constructor: a seeded run keeps its signatures."""
    wallets = [await _funded(chain) for _ in range(3)]
    sink = Wallet.generate().address
    transfers = [programs.system_transfer(w.address, sink, 1_000_000 + i) for i, w in enumerate(wallets)]
    instructions = [to_solders_instruction(ix) for ix in transfers]
    blockhash = chain.svm.latest_blockhash()
    expected = Transaction([w.keypair for w in wallets],
                           Message.new_with_blockhash(instructions, to_pubkey(wallets[1].address), blockhash),
                           blockhash)
    by_key = {to_pubkey(w.address): w for w in wallets}
    payer, first, second = (by_key[key] for key in expected.message.account_keys[:3])
    receipt = await chain.send(transfers, [second, first], payer=payer)  # not in the message's order
    assert receipt.ok, receipt.logs
    assert receipt.signature == str(expected.signatures[0])


async def test_simulate_predicts_the_effect_without_applying_it(chain: LiteSvmChain) -> None:
    alice, bob = await _funded(chain), Wallet.generate()
    transfer = [programs.system_transfer(alice.address, bob.address, 3_000_000)]
    watch = [alice.address, bob.address]
    predicted = await chain.simulate(transfer, [alice], watch=watch)
    assert predicted.ok and predicted.fee == FEE
    assert await chain.get_balance(bob.address) == 0
    actual = await chain.send(transfer, [alice], watch=watch)
    assert predicted.after == actual.after
    failing = await chain.simulate([programs.system_transfer(alice.address, bob.address, 10 * SOL)], [alice],
                                   watch=watch)
    assert failing.failure == TransactionFailure("Custom", 0, 1)
    assert failing.after == failing.before == await chain.get_accounts(watch)


async def test_simulate_shows_an_emptied_account_as_gone_like_send(chain: LiteSvmChain) -> None:
    alice, bob = await _funded(chain), await _funded(chain)
    drain = [programs.system_transfer(bob.address, alice.address, SOL)]
    predicted = await chain.simulate(drain, [alice, bob], watch=[bob.address])
    actual = await chain.send(drain, [alice, bob], watch=[bob.address])
    assert predicted.after == actual.after == {bob.address: None}


# -- faucet, accounts, rent ------------------------------------------------------------------------------


async def test_repeated_identical_airdrops_all_arrive(chain: LiteSvmChain) -> None:
    wallet = Wallet.generate()
    for _ in range(3):
        await chain.airdrop(wallet.address, SOL)
    assert await chain.get_balance(wallet.address) == 3 * SOL


async def test_airdrop_refusals_raise(chain: LiteSvmChain) -> None:
    with pytest.raises(ChainError, match="refused"):
        await chain.airdrop(Wallet.generate().address, 1_000)  # a new account below the rent-exempt minimum
    with pytest.raises(InvalidArgument):
        await chain.airdrop(Wallet.generate().address, 0)


async def test_accounts_and_rent(chain: LiteSvmChain) -> None:
    alice, ghost = await _funded(chain), Wallet.generate()
    accounts = await chain.get_accounts([ghost.address, alice.address])
    assert list(accounts) == [ghost.address, alice.address]
    assert accounts[ghost.address] is None and await chain.get_balance(ghost.address) == 0
    alice_state = accounts[alice.address]
    assert alice_state is not None and alice_state.owner == ids.SYSTEM_PROGRAM_ID and alice_state.lamports == SOL
    for size in (0, ids.TOKEN_ACCOUNT_LEN, c.POOL_STATE_LEN):
        assert await chain.rent_exempt_minimum(size) == (ids.ACCOUNT_STORAGE_OVERHEAD + size) * 6960


# -- SPL Token through frt.spl ---------------------------------------------------------------------------


def _token_amount(state: AccountState | None) -> int:
    assert state is not None and len(state.data) == ids.TOKEN_ACCOUNT_LEN
    return int(struct.unpack_from("<Q", state.data, 64)[0])  # after mint and owner


async def test_spl_token_mint_and_transfer_between_associated_accounts(chain: LiteSvmChain) -> None:
    alice, bob, mint = await _funded(chain), await _funded(chain), Wallet.generate()
    alice_ata = associated_token_address(alice.address, mint.address)
    bob_ata = associated_token_address(bob.address, mint.address)
    rent = await chain.rent_exempt_minimum(ids.MINT_LEN)
    setup = await chain.send([
        programs.create_account(alice.address, mint.address, rent, ids.MINT_LEN, ids.TOKEN_PROGRAM_ID),
        programs.initialize_mint2(mint.address, 6, alice.address),
        programs.create_associated_token_account(alice.address, alice.address, mint.address),
        programs.create_associated_token_account(alice.address, bob.address, mint.address, idempotent=True),
        programs.mint_to(mint.address, alice_ata, alice.address, 1_000),
    ], [alice, mint])
    assert setup.ok, setup.logs
    receipt = await chain.send([programs.transfer(alice_ata, bob_ata, alice.address, 300)], [alice],
                               watch=[alice_ata, bob_ata, mint.address])

    assert receipt.ok
    assert [_token_amount(receipt.before[a]) for a in (alice_ata, bob_ata)] == [1_000, 0]
    assert [_token_amount(receipt.after[a]) for a in (alice_ata, bob_ata)] == [700, 300]
    assert receipt.before[mint.address] == receipt.after[mint.address]  # a transfer leaves the supply alone
    overdraw = await chain.send([programs.transfer(alice_ata, bob_ata, alice.address, 701)], [alice])
    assert overdraw.failure == TransactionFailure("Custom", 0, 1)  # TokenError::InsufficientFunds


# -- virtual clock ---------------------------------------------------------------------------------------


async def test_advance_clock_moves_the_clock_sysvar_timestamp_and_slot(chain: LiteSvmChain) -> None:
    start_slot = await _slot(chain)
    assert await chain.now() == GENESIS_UNIX_TIMESTAMP
    await chain.advance_clock(3600)
    clock = await chain.get_account(ids.CLOCK_SYSVAR_ID)
    assert clock is not None
    slot, _, _, _, unix_timestamp = struct.unpack("<QqQQq", clock.data)
    assert unix_timestamp == await chain.now() == GENESIS_UNIX_TIMESTAMP + 3600
    assert slot == start_slot + SLOTS_PER_HOUR
    alice = await _funded(chain)
    receipt = await chain.send([programs.system_transfer(alice.address, alice.address, 1)], [alice])
    assert (receipt.slot, receipt.unix_timestamp) == (slot, unix_timestamp)


async def test_fractional_advances_accumulate_without_drift(chain: LiteSvmChain) -> None:
    start_slot = await _slot(chain)
    for _ in range(10):
        await chain.advance_clock(0.1)
    assert await chain.now() == GENESIS_UNIX_TIMESTAMP + 1
    assert await _slot(chain) == start_slot + 2  # 1000 ms at 400 ms per slot
    for _ in range(4):
        await chain.advance_clock(0.75)
    await chain.advance_clock(0)
    assert await chain.now() == GENESIS_UNIX_TIMESTAMP + 4
    assert await _slot(chain) == start_slot + 10


@pytest.mark.parametrize("seconds", [-1, -0.5, math.nan, math.inf])
async def test_the_clock_only_moves_forward_by_finite_steps(chain: LiteSvmChain, seconds: float) -> None:
    with pytest.raises(InvalidArgument, match="forward"):
        await chain.advance_clock(seconds)
    assert await chain.now() == GENESIS_UNIX_TIMESTAMP
