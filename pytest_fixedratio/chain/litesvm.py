"""The in-process target: a `solders.litesvm.LiteSVM` with the FRT program deployed as on a validator.

LiteSVM is synchronous and takes about 0.1 ms per transaction, so the async methods do the work inline
(no threads, no executor): awaiting them never suspends, which keeps a seeded run's order of operations
fixed. Time is virtual: the Clock sysvar moves only through `advance_clock`.

Differences from a validator that the harness relies on or works around:
- LiteSVM rejects a transaction whose signature it has recently seen (AlreadyProcessed) even when the caller
  means to repeat it, so an identical repeat gets a fresh blockhash (`expire_blockhash`) and a new signature.
- LiteSVM reports a fee even for transactions it never committed; the receipt counts the fee only when the
  transaction landed (it is in LiteSVM's transaction history), which is what the payer actually paid.

Building and signing a transaction costs about as much as LiteSVM executing it, so `_sign` does the least
work that gives the same bytes: instructions converted once per send, the size checked on the message
before anything is signed, one ed25519 signature per signer and nothing else (see `_signed`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

from solders.litesvm import LiteSVM
from solders.message import Message
from solders.transaction import Transaction
from solders.transaction_metadata import (
    FailedTransactionMetadata,
    SimulatedTransactionInfo,
    TransactionMetadata,
)
from solders.transaction_status import TransactionErrorFieldless

from pytest_fixedratio.chain.base import (
    MS_PER_SLOT,
    PACKET_DATA_SIZE,
    AccountMap,
    AccountState,
    Announce,
    ChainError,
    ProgramBuild,
    Receipt,
)
from pytest_fixedratio.chain.convert import (
    to_account_state,
    to_address,
    to_pubkey,
    to_solders_account,
    to_solders_instruction,
    to_transaction_failure,
)
from pytest_fixedratio.chain.loader import BUFFER_METADATA_LEN, PROGRAM_ACCOUNT_LEN, Deployment
from pytest_fixedratio.chain.plan import TransactionPlan, caller_failure, plan_transaction
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt.errors import TransactionFailure
from pytest_fixedratio.program import REFERENCE_PROGRAM
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.keys import Wallet

BUNDLED_PROGRAM: Final = REFERENCE_PROGRAM
"""The reference FRT program built by `make program`; the default program under test."""
GENESIS_UNIX_TIMESTAMP: Final = 1_735_689_600
"""Clock at start (2025-01-01T00:00:00Z). LiteSVM starts at 0, which no real cluster shows, and FRT
compares timestamps with 0-initialised fields (treasury rate limit), so a realistic, fixed start is used."""
FAUCET_LAMPORTS: Final = 10**18
"""The airdrop account's balance: enough for any soak run (LiteSVM's default is 1M SOL)."""
AUTHORITY_FUNDING: Final = 100 * ids.LAMPORTS_PER_SOL
"""Airdropped to the upgrade authority: pays the deployment and, later, the admin's transactions."""

_NO_PROGRAM = ("the bundled reference program {path} has not been built: run `make program`, or pass "
               "program_path= (for example a fixed_ratio_trading.so from cargo build-sbf)")
_ALREADY_PROCESSED = TransactionErrorFieldless.AlreadyProcessed
_US_PER_S = 1_000_000
_SIGNATURE_LEN = 64
_Result = TransactionMetadata | FailedTransactionMetadata | SimulatedTransactionInfo


class LiteSvmChain:
    """`Chain` on an embedded LiteSVM, with an FRT build deployed through the upgradeable loader."""

    ephemeral = True
    """It lives in this process: new at every start (`abilities.Ephemeral`)."""

    def __init__(self, program_path: Path | None = None, *, program: Wallet | None = None,
                 upgrade_authority: Wallet | None = None, unix_timestamp: int = GENESIS_UNIX_TIMESTAMP
                 ) -> None:
        """Deploy ``program_path`` (default `BUNDLED_PROGRAM`) at ``program``'s address (default random),
        owned by ``upgrade_authority`` (default random); pass seeded wallets for a reproducible run."""
        path = BUNDLED_PROGRAM if program_path is None else Path(program_path)
        if not path.is_file():
            raise FileNotFoundError(_NO_PROGRAM.format(path=path) if program_path is None else
                                    f"no program at {path}; pass the path of a built .so")
        self._svm = LiteSVM().with_lamports(FAUCET_LAMPORTS)
        self._program = program or Wallet.generate()
        self._authority = upgrade_authority or Wallet.generate()
        self._genesis_slot = 0
        self._genesis_timestamp = unix_timestamp
        self._elapsed_us = 0
        self._set_clock(self._svm.get_clock().slot, unix_timestamp)
        self._airdrop(self._authority.address, AUTHORITY_FUNDING)
        elf = path.read_bytes()
        self._build = ProgramBuild(str(path), hashlib.sha256(elf).hexdigest())
        self._deploy(elf)

    @property
    def program_id(self) -> Address:
        return self._program.address

    @property
    def upgrade_authority(self) -> Wallet:
        return self._authority

    @property
    def program_build(self) -> ProgramBuild:
        return self._build

    @property
    def svm(self) -> LiteSVM:
        """The underlying LiteSVM, for other `chain/` code (the localnet server) and tests."""
        return self._svm

    async def send(self, instructions: Sequence[Instruction], signers: Sequence[Wallet], *,
                   payer: Wallet | None = None, compute_unit_limit: int | None = None,
                   watch: Iterable[Address] = (), announce: Announce | None = None) -> Receipt:
        plan = plan_transaction(instructions, signers, payer=payer, compute_unit_limit=compute_unit_limit)
        return self._execute(plan, tuple(watch), announce=announce)

    async def simulate(self, instructions: Sequence[Instruction], signers: Sequence[Wallet], *,
                       payer: Wallet | None = None, compute_unit_limit: int | None = None,
                       watch: Iterable[Address] = ()) -> Receipt:
        plan = plan_transaction(instructions, signers, payer=payer, compute_unit_limit=compute_unit_limit)
        return self._execute(plan, tuple(watch), simulate=True)

    async def get_account(self, address: Address) -> AccountState | None:
        return self._account(address)

    async def get_accounts(self, addresses: Iterable[Address]) -> dict[Address, AccountState | None]:
        return self._snapshot(addresses)

    async def get_balance(self, address: Address) -> int:
        return self._svm.get_balance(to_pubkey(address)) or 0

    async def airdrop(self, address: Address, lamports: int) -> None:
        self._airdrop(address, lamports)

    async def now(self) -> int:
        return self._svm.get_clock().unix_timestamp

    async def advance_clock(self, seconds: float) -> None:
        """Move the Clock sysvar: the timestamp by whole elapsed seconds, the slot at one per 400 ms.

        Elapsed time is kept in whole microseconds, so fractions accumulate without float drift (ten
        0.1 s steps make exactly one second)."""
        if not math.isfinite(seconds) or seconds < 0:
            raise InvalidArgument(f"the clock only moves forward: seconds must be >= 0, got {seconds!r}")
        self._elapsed_us += round(seconds * _US_PER_S)
        slot = self._genesis_slot + self._elapsed_us // (MS_PER_SLOT * 1000)
        self._set_clock(slot, self._genesis_timestamp + self._elapsed_us // _US_PER_S)

    async def rent_exempt_minimum(self, data_len: int) -> int:
        return self._svm.minimum_balance_for_rent_exemption(data_len)

    async def aclose(self) -> None:
        """Nothing to release: the LiteSVM lives as long as this object."""

    # -- deployment -------------------------------------------------------------------------------------

    def _deploy(self, elf: bytes) -> None:
        """Deploy through the upgradeable loader, then start the next slot (a program deployed in slot N
        may be invoked from slot N + 1 on a validator)."""
        deployment = Deployment(elf, self._program, self._authority, self._authority, Wallet.generate())
        rent = self._svm.minimum_balance_for_rent_exemption
        steps = deployment.steps(buffer_rent=rent(BUFFER_METADATA_LEN + len(elf)),
                                 program_rent=rent(PROGRAM_ACCOUNT_LEN))
        for step in steps:
            receipt = self._execute(plan_transaction(step.instructions, step.signers), ())
            if not receipt.ok:
                raise ChainError(f"deploying the {len(elf)}-byte program failed: {receipt.failure}; logs: "
                                 + " | ".join(receipt.logs[-8:]))
        self._genesis_slot = self._svm.get_clock().slot + 1
        self._set_clock(self._genesis_slot, self._genesis_timestamp)

    # -- transactions -----------------------------------------------------------------------------------

    def _execute(self, plan: TransactionPlan, watch: tuple[Address, ...], *, simulate: bool = False,
                 announce: Announce | None = None) -> Receipt:
        tx = self._sign(plan)
        clock = self._svm.get_clock()
        if announce is not None:  # in-process a transaction lands at once or never: its last chance is now
            announce(str(tx.signatures[0]), clock.slot)
        before = self._snapshot(watch)
        result: _Result = self._svm.simulate_transaction(tx) if simulate else self._svm.send_transaction(tx)
        signature = tx.signatures[0]
        if isinstance(result, FailedTransactionMetadata):
            meta, failure = result.meta(), self._failure(plan, result)
            after = before if simulate else self._snapshot(watch)
        elif isinstance(result, SimulatedTransactionInfo):
            meta, failure = result.meta(), None
            after = {**before, **self._posted(result, before)}
        else:
            meta, failure, after = result, None, self._snapshot(watch)
        landed = simulate or self._svm.get_transaction(signature) is not None
        return Receipt(str(signature), failure is None, failure, tuple(meta.logs()),
                       meta.compute_units_consumed(), meta.fee() if landed else 0, before, after,
                       clock.slot, clock.unix_timestamp)

    def _sign(self, plan: TransactionPlan) -> Transaction:
        """Sign with the latest blockhash; a repeat of a recent transaction gets a new blockhash first.

        An oversized transaction is refused before it is signed: its size is the message's plus the
        signatures', and a new blockhash does not change it."""
        instructions = [to_solders_instruction(ix) for ix in plan.instructions]
        payer = to_pubkey(plan.payer.address)
        message = Message.new_with_blockhash(instructions, payer, self._svm.latest_blockhash())
        size = _transaction_size(message)
        if size > PACKET_DATA_SIZE:
            raise InvalidArgument(f"the transaction is {size} bytes; a validator accepts at most "
                                  f"{PACKET_DATA_SIZE}: split the {len(plan.instructions)} instructions")
        tx = _signed(message, plan.signers)
        if self._svm.get_transaction(tx.signatures[0]) is not None:
            self._svm.expire_blockhash()
            tx = _signed(Message.new_with_blockhash(instructions, payer, self._svm.latest_blockhash()),
                         plan.signers)
        return tx

    @staticmethod
    def _failure(plan: TransactionPlan, result: FailedTransactionMetadata) -> TransactionFailure:
        return caller_failure(to_transaction_failure(result.err()), plan.prepended)

    @staticmethod
    def _posted(result: SimulatedTransactionInfo, watched: AccountMap) -> AccountMap:
        posted = ((to_address(key), account) for key, account in result.post_accounts())
        # An account left with 0 lamports is deleted when the transaction commits.
        return {address: to_account_state(account) if account.lamports else None
                for address, account in posted if address in watched}

    # -- accounts, faucet, clock ------------------------------------------------------------------------

    def _account(self, address: Address) -> AccountState | None:
        account = self._svm.get_account(to_pubkey(address))
        return None if account is None else to_account_state(account)

    def _snapshot(self, addresses: Iterable[Address]) -> dict[Address, AccountState | None]:
        return {address: self._account(address) for address in addresses}

    def _airdrop(self, address: Address, lamports: int) -> None:
        if isinstance(lamports, bool) or not isinstance(lamports, int) or lamports <= 0:
            raise InvalidArgument(f"airdrop a positive integer number of lamports, got {lamports!r}")
        result = self._svm.airdrop(to_pubkey(address), lamports)
        if isinstance(result, FailedTransactionMetadata) and result.err() == _ALREADY_PROCESSED:
            self._svm.expire_blockhash()  # the same airdrop as a recent one: same signature
            result = self._svm.airdrop(to_pubkey(address), lamports)
        if isinstance(result, FailedTransactionMetadata):
            raise ChainError(f"airdrop of {lamports} lamports to {address} refused: "
                             f"{to_transaction_failure(result.err())} (below the rent-exempt minimum of "
                             f"{self._svm.minimum_balance_for_rent_exemption(0)} for a new account?)")

    def set_account(self, address: Address, state: AccountState) -> None:
        """Overwrite an account as it is, outside any transaction: how tests fake a third party or a fault
        (a drained vault, a changed ratio). Not part of `Chain`: only an in-process chain can do this."""
        self._svm.set_account(to_pubkey(address), to_solders_account(state))

    def _set_clock(self, slot: int, unix_timestamp: int) -> None:
        clock = self._svm.get_clock()
        clock.slot = slot
        clock.unix_timestamp = unix_timestamp
        self._svm.set_clock(clock)


def _transaction_size(message: Message) -> int:
    """Bytes of the signed legacy transaction: a compact-u16 signature count, the signatures, the message."""
    signatures = message.header.num_required_signatures
    count_len = 1 if signatures < 0x80 else 2 if signatures < 0x4000 else 3
    return count_len + _SIGNATURE_LEN * signatures + len(bytes(message))


def _signed(message: Message, signers: Sequence[Wallet]) -> Transaction:
    """The transaction `Transaction(keypairs, message, blockhash)` builds, byte for byte (ed25519 signatures
    are deterministic), in half the time with solders 0.29: each signer signs the message bytes once, in the
    order the message lists the signers, and `Transaction.populate` assembles the result; the constructor
    spends as long again matching keypairs to signer positions. ``signers`` are exactly the message's
    signers, as `plan_transaction` guarantees."""
    data = bytes(message)
    keypairs = {to_pubkey(wallet.address): wallet.keypair for wallet in signers}
    required = message.account_keys[:message.header.num_required_signatures]
    return Transaction.populate(message, [keypairs[key].sign_message(data) for key in required])
