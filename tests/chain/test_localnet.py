"""The localnet as solana-py sees it: its real `AsyncClient` over a real socket calls the served LiteSVM as it would
call a validator, with transactions built and signed with solders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import pytest
import pytest_asyncio
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.core import RPCException
from solana.rpc.models import MemcmpOpts, TxOpts
from solders.hash import Hash
from solders.instruction import Instruction as SoldersInstruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.errors import RpcCustomErrorFieldless, SendTransactionPreflightFailureMessage
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_status import (
    InstructionErrorCustom,
    TransactionConfirmationStatus,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
)

from pytest_fixedratio.chain.convert import to_address, to_pubkey, to_solders_instruction
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.chain.loader import decode_program_account
from pytest_fixedratio.chain.localnet import DEFAULT_PROGRAM, DEFAULT_UPGRADE_AUTHORITY, serving_localnet
from pytest_fixedratio.chain.localnet_history import MAX_PROCESSING_AGE
from pytest_fixedratio.chain.localnet_node import SOLANA_CORE_VERSION, STATUS_CACHE_SLOTS
from pytest_fixedratio.sol import ids, programs
from pytest_fixedratio.sol.keys import Wallet

pytestmark = pytest.mark.asyncio

SOL = ids.LAMPORTS_PER_SOL
FEE = ids.LAMPORTS_PER_SIGNATURE
SYSTEM_PROGRAM = to_pubkey(ids.SYSTEM_PROGRAM_ID)
LOADER = to_pubkey(ids.BPF_LOADER_UPGRADEABLE_ID)


@dataclass
class Node:
    url: str
    chain: LiteSvmChain
    client: AsyncClient

    async def funded(self, lamports: int = SOL) -> Keypair:
        keypair = Keypair()
        airdrop = (await self.client.request_airdrop(keypair.pubkey(), lamports)).value
        await self.client.confirm_transaction(airdrop)
        return keypair

    async def blockhash(self) -> Hash:
        return (await self.client.get_latest_blockhash()).value.blockhash


@pytest_asyncio.fixture
async def node() -> AsyncIterator[Node]:
    async with serving_localnet(port=0) as (url, chain), AsyncClient(url) as client:
        yield Node(url, chain, client)


def _signed(instructions: Sequence[SoldersInstruction], signers: Sequence[Keypair], blockhash: Hash
            ) -> VersionedTransaction:
    """A legacy transaction (solana-py's `send_transaction` is typed for the versioned wrapper, whose wire form of a
    legacy message is the same bytes)."""
    legacy = Transaction(list(signers), Message(list(instructions), signers[0].pubkey()), blockhash)
    return VersionedTransaction.from_legacy(legacy)


def _transfer(sender: Keypair, to: Pubkey, lamports: int, blockhash: Hash) -> VersionedTransaction:
    return _signed([transfer(TransferParams(from_pubkey=sender.pubkey(), to_pubkey=to, lamports=lamports))],
                   [sender], blockhash)


async def test_it_answers_as_a_validator_with_the_frt_program_deployed(node: Node) -> None:
    version = (await node.client.get_version()).value
    assert version.solana_core == SOLANA_CORE_VERSION and isinstance(version.feature_set, int)
    assert await node.client.is_connected()  # getHealth
    latest = await node.client.get_latest_blockhash()
    assert latest.context.api_version == SOLANA_CORE_VERSION
    assert latest.value.last_valid_block_height == latest.context.slot + MAX_PROCESSING_AGE
    assert (await node.client.get_block_height()).value == (await node.client.get_slot()).value

    assert node.chain.program_id == DEFAULT_PROGRAM.address
    assert node.chain.upgrade_authority.address == DEFAULT_UPGRADE_AUTHORITY.address
    program = (await node.client.get_account_info(to_pubkey(node.chain.program_id))).value
    assert program is not None and program.executable and program.owner == LOADER
    program_data = to_pubkey(decode_program_account(program.data))
    missing = Keypair().pubkey()
    accounts = (await node.client.get_multiple_accounts([to_pubkey(node.chain.program_id), program_data,
                                                         missing])).value
    assert accounts[0] == program and accounts[2] is None
    assert accounts[1] is not None and accounts[1].owner == LOADER and not accounts[1].executable
    assert len(accounts[1].data) > 40_000  # the ELF, after the ProgramData header


async def test_the_program_id_is_the_same_at_every_start(node: Node) -> None:
    async with serving_localnet(port=0) as (url, chain), AsyncClient(url) as client:
        assert chain.program_id == node.chain.program_id == DEFAULT_PROGRAM.address
        assert (await client.get_account_info(to_pubkey(chain.program_id))).value is not None
    other = Wallet.generate()
    async with serving_localnet(port=0, program=other) as (_, chain):
        assert chain.program_id == other.address


async def test_an_airdrop_is_confirmed_and_credited(node: Node) -> None:
    keypair = Keypair()
    airdrop = (await node.client.request_airdrop(keypair.pubkey(), 2 * SOL)).value
    confirmed = (await node.client.confirm_transaction(airdrop)).value[0]
    assert confirmed is not None and confirmed.err is None
    assert confirmed.confirmation_status == TransactionConfirmationStatus.Finalized
    assert (await node.client.get_balance(keypair.pubkey())).value == 2 * SOL
    again = (await node.client.request_airdrop(keypair.pubkey(), 2 * SOL)).value
    assert again != airdrop  # the same airdrop in the same slot is a new transaction, not a duplicate
    assert (await node.client.get_balance(keypair.pubkey())).value == 4 * SOL
    shown = (await node.client.get_transaction(airdrop)).value
    assert shown is not None and shown.transaction.meta is not None
    assert shown.transaction.meta.post_balances[1] - shown.transaction.meta.pre_balances[1] == 2 * SOL


async def test_old_statuses_are_found_only_when_the_history_is_searched(node: Node) -> None:
    airdrop = (await node.client.request_airdrop(Keypair().pubkey(), SOL)).value
    await node.chain.advance_clock((STATUS_CACHE_SLOTS + 1) * 0.4)  # out of a validator's status cache
    assert (await node.client.get_signature_statuses([airdrop])).value == [None]
    searched = (await node.client.get_signature_statuses([airdrop], search_transaction_history=True)).value[0]
    assert searched is not None and searched.confirmation_status == TransactionConfirmationStatus.Finalized


async def test_rent_exemption_is_the_chains(node: Node) -> None:
    for size in (0, 165, 10_000):
        answered = (await node.client.get_minimum_balance_for_rent_exemption(size)).value
        assert answered == await node.chain.rent_exempt_minimum(size)


async def test_slots_and_blockhashes_move_with_wall_time_and_old_hashes_stay_valid_for_a_while(node: Node) -> None:
    sender = await node.funded()
    slot, old = (await node.client.get_slot()).value, await node.blockhash()
    await asyncio.sleep(0.45)
    assert (await node.client.get_slot()).value > slot
    assert await node.blockhash() != old
    recent = await node.client.send_transaction(_transfer(sender, Keypair().pubkey(), 1_000_000, old))
    status = (await node.client.get_signature_statuses([recent.value])).value[0]
    assert status is not None and status.err is None

    await node.chain.advance_clock(MAX_PROCESSING_AGE * 0.4 + 1)  # a minute on: the hash has expired
    expired = _transfer(sender, Keypair().pubkey(), 1_000_000, old)
    with pytest.raises(RPCException) as refused:
        await node.client.send_transaction(expired)
    failure = refused.value.args[0]
    assert isinstance(failure, SendTransactionPreflightFailureMessage)
    assert failure.message == "Transaction simulation failed: Blockhash not found"
    assert failure.data.err == TransactionErrorFieldless.BlockhashNotFound
    dropped = await node.client.send_transaction(expired, TxOpts(skip_preflight=True))
    assert dropped.value == expired.signatures[0]  # answered as a validator does, but it never lands
    assert (await node.client.get_signature_statuses([dropped.value], True)).value == [None]


async def test_a_transfer_lands_with_its_balances_and_a_repeat_is_already_processed(node: Node) -> None:
    sender, receiver = await node.funded(), Keypair().pubkey()
    latest = (await node.client.get_latest_blockhash()).value
    tx = _transfer(sender, receiver, 12_345_678, latest.blockhash)
    sent = await node.client.send_transaction(tx, TxOpts(  # confirmed by polling statuses and getBlockHeight
        skip_confirmation=False, preflight_commitment=Confirmed,
        last_valid_block_height=latest.last_valid_block_height))
    assert sent.value == tx.signatures[0]
    status = (await node.client.get_signature_statuses([sent.value])).value[0]
    assert status is not None and status.err is None
    assert status.confirmation_status == TransactionConfirmationStatus.Finalized

    found = (await node.client.get_transaction(sent.value)).value
    assert found is not None and found.slot == status.slot and found.block_time is not None
    meta = found.transaction.meta
    assert meta is not None and meta.err is None and meta.fee == FEE
    assert meta.pre_balances == [SOL, 0, 1] and meta.post_balances == [SOL - 12_345_678 - FEE, 12_345_678, 1]
    assert meta.log_messages == [f"Program {SYSTEM_PROGRAM} invoke [1]", f"Program {SYSTEM_PROGRAM} success"]
    assert meta.compute_units_consumed is not None and meta.compute_units_consumed > 0
    assert meta.pre_token_balances == meta.post_token_balances == [] and meta.inner_instructions == []
    assert found.transaction.transaction.signatures == [sent.value]  # the "json" encoding: a UiTransaction
    wire = (await node.client.get_transaction(sent.value, encoding="base64")).value
    assert wire is not None and wire.transaction.transaction == tx
    assert (await node.client.get_balance(receiver)).value == 12_345_678

    with pytest.raises(RPCException) as repeated:
        await node.client.send_transaction(tx)
    assert repeated.value.args[0].data.err == TransactionErrorFieldless.AlreadyProcessed
    assert (await node.client.get_balance(receiver)).value == 12_345_678


async def test_a_failing_transfer_lands_without_preflight_and_is_refused_with_it(node: Node) -> None:
    sender = await node.funded()
    overdraft = _transfer(sender, Keypair().pubkey(), 2 * SOL, await node.blockhash())
    insufficient = TransactionErrorInstructionError(0, InstructionErrorCustom(1))
    with pytest.raises(RPCException) as refused:
        await node.client.send_transaction(overdraft)
    failure = refused.value.args[0]
    assert isinstance(failure, SendTransactionPreflightFailureMessage)
    assert failure.message == ("Transaction simulation failed: Error processing Instruction 0: custom program "
                               "error: 0x1")
    assert failure.data.err == insufficient and failure.data.logs is not None
    assert any("insufficient lamports" in line for line in failure.data.logs)
    assert (await node.client.get_balance(sender.pubkey())).value == SOL  # a refused preflight costs nothing

    landed = (await node.client.send_transaction(overdraft, TxOpts(skip_preflight=True))).value
    status = (await node.client.get_signature_statuses([landed])).value[0]
    assert status is not None and status.err == insufficient
    found = (await node.client.get_transaction(landed)).value
    assert found is not None and found.transaction.meta is not None
    assert found.transaction.meta.err == insufficient and found.transaction.meta.fee == FEE
    assert found.transaction.meta.post_balances[0] == SOL - FEE  # the fee is paid, nothing else moved
    assert (await node.client.get_balance(sender.pubkey())).value == SOL - FEE


async def test_a_simulation_shows_logs_and_accounts_and_changes_nothing(node: Node) -> None:
    sender, receiver = await node.funded(), Keypair().pubkey()
    tx = _transfer(sender, receiver, 5_000_000, await node.blockhash())
    simulated = (await node.client.simulate_transaction(tx, sig_verify=True, accounts_addresses=[receiver])).value
    assert simulated.err is None and simulated.logs is not None and simulated.logs[-1].endswith("success")
    assert simulated.units_consumed is not None and simulated.units_consumed > 0
    assert simulated.accounts is not None and simulated.accounts[0] is not None
    assert simulated.accounts[0].lamports == 5_000_000
    assert (await node.client.get_balance(receiver)).value == 0

    stale = _transfer(sender, receiver, 5_000_000, Hash.new_unique())
    unknown_hash = (await node.client.simulate_transaction(stale)).value
    assert unknown_hash.err == TransactionErrorFieldless.BlockhashNotFound
    replaced = (await node.client.simulate_transaction(stale, replace_recent_blockhash=True)).value
    assert replaced.err is None and replaced.replacement_blockhash is not None
    assert replaced.replacement_blockhash.blockhash == await node.blockhash()

    forged = VersionedTransaction.populate(tx.message, [Signature.new_unique()])
    assert (await node.client.simulate_transaction(forged)).value.err is None  # sigVerify is off by default
    with pytest.raises(RPCException) as refused:  # -32003, which solders parses to a fieldless error
        await node.client.simulate_transaction(forged, sig_verify=True)
    assert refused.value.args[0] == RpcCustomErrorFieldless.TransactionSignatureVerificationFailure


async def test_token_accounts_are_found_by_filters_and_their_balances_read(node: Node) -> None:
    payer, owner = await node.funded(5 * SOL), Wallet.generate()
    mint, first, second = Wallet.generate(), Wallet.generate(), Wallet.generate()
    other_mint, elsewhere = Wallet.generate(), Wallet.generate()
    rent_mint = await node.chain.rent_exempt_minimum(ids.MINT_LEN)
    rent_account = await node.chain.rent_exempt_minimum(ids.TOKEN_ACCOUNT_LEN)
    payer_address = to_address(payer.pubkey())
    instructions = []
    for created_mint in (mint, other_mint):
        instructions += [programs.create_account(payer_address, created_mint.address, rent_mint, ids.MINT_LEN,
                                                 ids.TOKEN_PROGRAM_ID),
                         programs.initialize_mint2(created_mint.address, 6, payer_address)]
    for account, its_mint in ((first, mint), (second, mint), (elsewhere, other_mint)):
        instructions += [programs.create_account(payer_address, account.address, rent_account,
                                                 ids.TOKEN_ACCOUNT_LEN, ids.TOKEN_PROGRAM_ID),
                         programs.initialize_account3(account.address, its_mint.address, owner.address)]
    signers = [payer] + [w.keypair for w in (mint, other_mint, first, second, elsewhere)]
    setup = _signed([to_solders_instruction(ix) for ix in instructions], signers, await node.blockhash())
    await node.client.send_transaction(setup)
    minted = _signed([to_solders_instruction(programs.mint_to(mint.address, first.address, payer_address,
                                                              2_500_000))], [payer], await node.blockhash())
    await node.client.send_transaction(minted)
    moved = _signed([to_solders_instruction(programs.transfer(first.address, second.address, owner.address,
                                                              1_000_000))], [payer, owner.keypair],
                    await node.blockhash())
    sent = (await node.client.send_transaction(moved)).value

    token_program = to_pubkey(ids.TOKEN_PROGRAM_ID)
    everything = (await node.client.get_program_accounts(token_program, encoding="base64")).value
    by_size = (await node.client.get_program_accounts(token_program, encoding="base64",
                                                      filters=[ids.TOKEN_ACCOUNT_LEN])).value
    of_mint = (await node.client.get_program_accounts(token_program, encoding="base64", filters=[
        ids.TOKEN_ACCOUNT_LEN, MemcmpOpts(offset=0, bytes=str(mint.address))])).value
    assert len(everything) == 5 and len(by_size) == 3
    assert sorted(str(a.pubkey) for a in of_mint) == sorted([str(first.address), str(second.address)])
    assert all(a.account.owner == token_program and len(a.account.data) == 165 for a in of_mint)

    balance = (await node.client.get_token_account_balance(to_pubkey(first.address))).value
    assert (balance.amount, balance.decimals, balance.ui_amount, balance.ui_amount_string) == (
        "1500000", 6, 1.5, "1.5")
    found = (await node.client.get_transaction(sent)).value
    assert found is not None and found.transaction.meta is not None
    pre, post = found.transaction.meta.pre_token_balances, found.transaction.meta.post_token_balances
    assert pre is not None and post is not None
    keys = moved.message.account_keys
    at_first, at_second = keys.index(to_pubkey(first.address)), keys.index(to_pubkey(second.address))
    assert {(b.account_index, str(b.mint), str(b.owner), str(b.program_id), b.ui_token_amount.amount)
            for b in post} == {(at_first, str(mint.address), str(owner.address), str(token_program), "1500000"),
                               (at_second, str(mint.address), str(owner.address), str(token_program), "1000000")}
    assert {(b.account_index, b.ui_token_amount.amount) for b in pre} == {(at_first, "2500000"), (at_second, "0")}
    with pytest.raises(RPCException, match="not a Token account"):
        await node.client.get_token_account_balance(payer.pubkey())


async def test_signatures_for_an_address_come_newest_first_and_page(node: Node) -> None:
    sender = await node.funded()
    sent = []
    for lamports in range(1, 6):
        tx = _transfer(sender, Keypair().pubkey(), lamports * 1_000_000, await node.blockhash())
        sent.append((await node.client.send_transaction(tx)).value)
    newest_first = (await node.client.get_signatures_for_address(sender.pubkey())).value
    assert [s.signature for s in newest_first[:5]] == sent[::-1] and len(newest_first) == 6  # and the airdrop
    assert all(s.err is None and s.confirmation_status == TransactionConfirmationStatus.Finalized
               for s in newest_first)
    page = (await node.client.get_signatures_for_address(sender.pubkey(), before=sent[3], limit=2)).value
    assert [s.signature for s in page] == [sent[2], sent[1]]
    until = (await node.client.get_signatures_for_address(sender.pubkey(), until=sent[2])).value
    assert [s.signature for s in until] == [sent[4], sent[3]]
    assert (await node.client.get_signatures_for_address(Keypair().pubkey())).value == []


async def test_account_data_comes_in_the_encoding_asked(node: Node) -> None:
    program = to_pubkey(node.chain.program_id)
    base64_data = (await node.client.get_account_info(program, encoding="base64")).value
    base58_data = (await node.client.get_account_info(program, encoding="base58")).value
    assert base64_data is not None and base58_data is not None and base64_data.data == base58_data.data
    program_data = to_pubkey(decode_program_account(base64_data.data))
    with pytest.raises(RPCException, match="less than 128 bytes"):
        await node.client.get_account_info(program_data, encoding="base58")
    unparsed = (await node.client.get_account_info_json_parsed(program)).value  # no parser: base64, as a validator
    assert unparsed is not None and unparsed.data == base64_data.data
