"""SPL Token, ATA, System and ComputeBudget encoders: cross-checked against solders and solana-py builders,
then executed on LiteSVM so the bytes are proven against the real programs, not only against another
client library."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from solders import compute_budget
from solders import system_program as sp
from solders.instruction import AccountMeta as SoldersMeta
from solders.instruction import Instruction as SoldersInstruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata
from spl.token import instructions as token_py
from spl.token import models as token_models

from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.sol import ids, programs
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.pda import associated_token_address
from tests.frt.strategies import addresses, u8s, u32s, u64s

Flat = tuple[bytes, tuple[tuple[bytes, bool, bool], ...], bytes]
token_programs = st.sampled_from([ids.TOKEN_PROGRAM_ID, ids.TOKEN_2022_PROGRAM_ID])


def pk(address: Address) -> Pubkey:
    return Pubkey(bytes(address))


def ours(instruction: Instruction) -> Flat:
    metas = tuple((bytes(m.address), m.is_signer, m.is_writable) for m in instruction.accounts)
    return bytes(instruction.program_id), metas, instruction.data


def theirs(instruction: SoldersInstruction) -> Flat:
    metas = tuple((bytes(m.pubkey), m.is_signer, m.is_writable) for m in instruction.accounts)
    return bytes(instruction.program_id), metas, bytes(instruction.data)


def to_solders(instruction: Instruction) -> SoldersInstruction:
    metas = [SoldersMeta(pk(m.address), m.is_signer, m.is_writable) for m in instruction.accounts]
    return SoldersInstruction(pk(instruction.program_id), instruction.data, metas)


# -- cross-checks against solders / solana-py ---------------------------------------------------------


@given(payer=addresses(), new=addresses(), owner=addresses(), lamports=u64s(), space=u64s())
def test_create_account_matches_solders(payer: Address, new: Address, owner: Address, lamports: int,
                                        space: int) -> None:
    expected = sp.create_account(sp.CreateAccountParams(
        from_pubkey=pk(payer), to_pubkey=pk(new), lamports=lamports, space=space, owner=pk(owner)))
    assert ours(programs.create_account(payer, new, lamports, space, owner)) == theirs(expected)
    assert len(programs.create_account(payer, new, lamports, space, owner).data) == 52


@given(source=addresses(), destination=addresses(), lamports=u64s())
def test_system_transfer_matches_solders(source: Address, destination: Address, lamports: int) -> None:
    expected = sp.transfer(sp.TransferParams(from_pubkey=pk(source), to_pubkey=pk(destination),
                                             lamports=lamports))
    assert ours(programs.system_transfer(source, destination, lamports)) == theirs(expected)


@given(units=u32s(), price=u64s())
def test_compute_budget_matches_solders(units: int, price: int) -> None:
    assert ours(programs.set_compute_unit_limit(units)) == theirs(compute_budget.set_compute_unit_limit(units))
    assert ours(programs.set_compute_unit_price(price)) == theirs(compute_budget.set_compute_unit_price(price))


@given(mint=addresses(), authority=addresses(), freeze=addresses(), decimals=u8s(), program=token_programs)
def test_initialize_mint2_matches_solana_py(mint: Address, authority: Address, freeze: Address, decimals: int,
                                            program: Address) -> None:
    def reference(freeze_authority: Pubkey | None) -> Flat:
        return theirs(token_py.initialize_mint2(token_models.InitializeMint2Params(
            decimals=decimals, program_id=pk(program), mint=pk(mint), mint_authority=pk(authority),
            freeze_authority=freeze_authority)))

    assert ours(programs.initialize_mint2(mint, decimals, authority, freeze, token_program=program)) == reference(
        pk(freeze))
    # Without a freeze authority SPL Token's own packer writes COption::None as one 0 byte; solana-py pads
    # 32 zero bytes after it, which the token program ignores. Both are the same instruction.
    no_freeze = reference(None)
    program_id, metas, data = ours(programs.initialize_mint2(mint, decimals, authority, token_program=program))
    assert (program_id, metas) == no_freeze[:2]
    assert data == bytes([20, decimals]) + authority + b"\x00"
    assert no_freeze[2] == data + bytes(32)


@given(mint=addresses(), authority=addresses(), freeze=addresses(), decimals=u8s())
def test_initialize_mint_with_rent_sysvar_matches_solana_py(mint: Address, authority: Address,
                                                            freeze: Address, decimals: int) -> None:
    expected = token_py.initialize_mint(token_models.InitializeMintParams(
        decimals=decimals, program_id=pk(ids.TOKEN_PROGRAM_ID), mint=pk(mint), mint_authority=pk(authority),
        freeze_authority=pk(freeze)))
    assert ours(programs.initialize_mint(mint, decimals, authority, freeze)) == theirs(expected)


@given(account=addresses(), mint=addresses(), owner=addresses(), program=token_programs)
def test_initialize_account3_matches_solana_py(account: Address, mint: Address, owner: Address,
                                               program: Address) -> None:
    expected = token_py.initialize_account3(token_models.InitializeAccount3Params(
        program_id=pk(program), account=pk(account), mint=pk(mint), owner=pk(owner)))
    assert ours(programs.initialize_account3(account, mint, owner, token_program=program)) == theirs(expected)


@given(a=addresses(), b=addresses(), mint=addresses(), owner=addresses(), amount=u64s(), decimals=u8s(),
       program=token_programs)
def test_token_movements_match_solana_py(a: Address, b: Address, mint: Address, owner: Address, amount: int,
                                         decimals: int, program: Address) -> None:
    m = token_models
    p = pk(program)
    pairs = [
        (programs.transfer(a, b, owner, amount, token_program=program),
         token_py.transfer(m.TransferParams(program_id=p, source=pk(a), dest=pk(b), owner=pk(owner),
                                            amount=amount))),
        (programs.transfer_checked(a, mint, b, owner, amount, decimals, token_program=program),
         token_py.transfer_checked(m.TransferCheckedParams(
             program_id=p, source=pk(a), mint=pk(mint), dest=pk(b), owner=pk(owner), amount=amount,
             decimals=decimals))),
        (programs.mint_to(mint, b, owner, amount, token_program=program),
         token_py.mint_to(m.MintToParams(program_id=p, mint=pk(mint), dest=pk(b), mint_authority=pk(owner),
                                         amount=amount))),
        (programs.burn(a, mint, owner, amount, token_program=program),
         token_py.burn(m.BurnParams(program_id=p, account=pk(a), mint=pk(mint), owner=pk(owner),
                                    amount=amount))),
        (programs.close_account(a, b, owner, token_program=program),
         token_py.close_account(m.CloseAccountParams(program_id=p, account=pk(a), dest=pk(b),
                                                     owner=pk(owner)))),
    ]
    for mine, reference in pairs:
        assert ours(mine) == theirs(reference)


@given(payer=addresses(), owner=addresses(), mint=addresses(), program=token_programs)
def test_associated_token_account_matches_solana_py(payer: Address, owner: Address, mint: Address,
                                                    program: Address) -> None:
    """solana-py appends the rent sysvar to Create (a legacy extra the ATA program ignores) and encodes
    Create as empty data, the legacy equivalent of [0]; everything else must agree."""
    for idempotent, reference, tag in (
        (False, token_py.create_associated_token_account, 0),
        (True, token_py.create_idempotent_associated_token_account, 1),
    ):
        expected_id, expected_metas, expected_data = theirs(
            reference(pk(payer), pk(owner), pk(mint), pk(program)))
        program_id, metas, data = ours(programs.create_associated_token_account(
            payer, owner, mint, idempotent=idempotent, token_program=program))
        assert (program_id, metas) == (expected_id, expected_metas[:6])
        assert expected_metas[6:] in ((), ((bytes(ids.RENT_SYSVAR_ID), False, False),))
        assert data == bytes([tag])
        assert expected_data in (b"", data)
        assert metas[1][0] == associated_token_address(owner, mint, program)


@pytest.mark.parametrize("build", [
    lambda: programs.set_compute_unit_limit(2**32),
    lambda: programs.set_compute_unit_price(-1),
    lambda: programs.transfer(ids.NATIVE_MINT, ids.NATIVE_MINT, ids.NATIVE_MINT, 2**64),
    lambda: programs.transfer_checked(ids.NATIVE_MINT, ids.NATIVE_MINT, ids.NATIVE_MINT, ids.NATIVE_MINT, 1, 256),
    lambda: programs.initialize_mint2(ids.NATIVE_MINT, True, ids.NATIVE_MINT),
])
def test_out_of_range_arguments_are_refused(build: object) -> None:
    with pytest.raises(InvalidArgument):
        build()  # type: ignore[operator]


# -- execution on LiteSVM's real SPL Token / ATA / System programs -------------------------------------


class Ledger:
    """A LiteSVM with one funded payer that sends our chain-neutral instructions."""

    def __init__(self) -> None:
        self.svm = LiteSVM()
        self.payer = Keypair()
        self.svm.airdrop(self.payer.pubkey(), 100 * ids.LAMPORTS_PER_SOL)

    @property
    def payer_address(self) -> Address:
        return Address(bytes(self.payer.pubkey()))

    def send(self, *instructions: Instruction, signers: tuple[Keypair, ...] = ()) -> None:
        message = Message([to_solders(i) for i in instructions], self.payer.pubkey())
        tx = Transaction([self.payer, *signers], message, self.svm.latest_blockhash())
        result = self.svm.send_transaction(tx)
        assert not isinstance(result, FailedTransactionMetadata), result.err()
        self.svm.expire_blockhash()

    def fails(self, *instructions: Instruction) -> bool:
        message = Message([to_solders(i) for i in instructions], self.payer.pubkey())
        tx = Transaction([self.payer], message, self.svm.latest_blockhash())
        failed = isinstance(self.svm.send_transaction(tx), FailedTransactionMetadata)
        self.svm.expire_blockhash()
        return failed

    def data(self, address: Address) -> bytes:
        account = self.svm.get_account(pk(address))
        assert account is not None, f"{address} does not exist"
        return bytes(account.data)

    def exists(self, address: Address) -> bool:
        return self.svm.get_account(pk(address)) is not None

    def lamports(self, address: Address) -> int:
        return self.svm.get_balance(pk(address)) or 0

    def token_amount(self, account: Address) -> int:
        return int.from_bytes(self.data(account)[64:72], "little")

    def supply(self, mint: Address) -> int:
        return int.from_bytes(self.data(mint)[36:44], "little")

    def new_account(self, space: int, owner: Address) -> tuple[Keypair, Instruction]:
        key = Keypair()
        rent = self.svm.minimum_balance_for_rent_exemption(space)
        return key, programs.create_account(self.payer_address, Address(bytes(key.pubkey())), rent, space, owner)


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    yield Ledger()


def test_token_lifecycle_runs_on_the_real_programs(ledger: Ledger) -> None:
    me = ledger.payer_address
    mint_key, create_mint = ledger.new_account(ids.MINT_LEN, ids.TOKEN_PROGRAM_ID)
    mint = Address(bytes(mint_key.pubkey()))
    ledger.send(programs.set_compute_unit_limit(400_000), programs.set_compute_unit_price(1), create_mint,
                programs.initialize_mint2(mint, 6, me), signers=(mint_key,))
    mint_data = ledger.data(mint)
    assert mint_data[0:4] == b"\x01\x00\x00\x00" and mint_data[4:36] == me  # COption::Some(authority)
    assert mint_data[44:46] == b"\x06\x01"  # decimals 6, initialized
    assert mint_data[46:50] == bytes(4)  # no freeze authority

    ata = associated_token_address(me, mint)
    ledger.send(programs.create_associated_token_account(me, me, mint, idempotent=True))
    ledger.send(programs.create_associated_token_account(me, me, mint, idempotent=True))
    assert ledger.fails(programs.create_associated_token_account(me, me, mint))  # plain Create refuses a second time

    other = Keypair()
    other_address = Address(bytes(other.pubkey()))
    account_key, create_token_account = ledger.new_account(ids.TOKEN_ACCOUNT_LEN, ids.TOKEN_PROGRAM_ID)
    account = Address(bytes(account_key.pubkey()))
    ledger.send(create_token_account, programs.initialize_account3(account, mint, other_address),
                signers=(account_key,))
    assert ledger.data(account)[0:64] == mint + other_address

    ledger.send(programs.mint_to(mint, ata, me, 1_000))
    ledger.send(programs.transfer(ata, account, me, 300))
    ledger.send(programs.transfer_checked(ata, mint, account, me, 200, 6))
    assert ledger.fails(programs.transfer_checked(ata, mint, account, me, 1, 9))  # wrong decimals refused
    assert (ledger.token_amount(ata), ledger.token_amount(account)) == (500, 500)

    ledger.send(programs.burn(ata, mint, me, 500))
    assert (ledger.token_amount(ata), ledger.supply(mint)) == (0, 500)

    destination = Address(bytes(Keypair().pubkey()))
    rent = ledger.lamports(ata)
    ledger.send(programs.close_account(ata, destination, me))
    assert not ledger.exists(ata)
    assert ledger.lamports(destination) == rent

    ledger.send(programs.system_transfer(me, destination, 1_000_000))
    assert ledger.lamports(destination) == rent + 1_000_000


def test_initialize_mint_with_freeze_authority_runs_on_the_real_program(ledger: Ledger) -> None:
    me = ledger.payer_address
    freeze = Address(bytes(Keypair().pubkey()))
    mint_key, create_mint = ledger.new_account(ids.MINT_LEN, ids.TOKEN_PROGRAM_ID)
    mint = Address(bytes(mint_key.pubkey()))
    ledger.send(create_mint, programs.initialize_mint(mint, 9, me, freeze), signers=(mint_key,))
    data = ledger.data(mint)
    assert data[44] == 9
    assert data[46:82] == b"\x01\x00\x00\x00" + freeze
