"""`Chain` over a validator's JSON-RPC API: solana-test-validator, devnet, the localnet endpoint, any RPC URL.

Why each rule:
- Failing transactions must land, as they do in-process, so that their exact error and the fee they cost can
  be checked: every transaction is sent with preflight off, and its outcome is read from the transaction's
  metadata once it is confirmed at the chosen commitment.
- A transaction that may have landed is never sent blindly again: after a transport failure the signature is
  looked up first; it is signed anew (a new blockhash, a new signature) only once the old blockhash can no
  longer land it (block height past its last valid height) or the node said it never saw the blockhash.
- Only transient failures are retried, with exponential backoff, over the endpoint URLs in turn: timeouts,
  refused connections, rate limits (HTTP 429) and 5xx answers. An RPC error answer is not transient.
- Receipts carry the watched accounts read at the commitment before the send and after the confirmation: exact
  while this client is the only one touching them (the verifier's shared-chain mode, which must also use the
  metadata's pre/post balances, is a separate step).
- The program is deployed already: its build is identified by the sha256 of the ELF in its ProgramData account.
- A process may die between a send and its confirmation: every signature is announced before it goes out
  (`Announce`), and `fate` tells a later process whether it landed (waiting, if need be, until its blockhash has
  expired, after which it never can).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, TypeVar

import httpx2
from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Commitment
from solana.rpc.core import RPCException
from solana.rpc.models import TxOpts
from solders.hash import Hash
from solders.message import Message
from solders.signature import Signature
from solders.transaction import Transaction, VersionedTransaction

from pytest_fixedratio.chain.base import (
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
    to_solders_instruction,
    to_transaction_failure,
)
from pytest_fixedratio.chain.executed import Balances, as_executed
from pytest_fixedratio.chain.plan import TransactionPlan, caller_failure, plan_transaction
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.metrics.histogram import Histogram
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.keys import Wallet

T = TypeVar("T")
ACCOUNTS_PER_READ: Final = 100
"""getMultipleAccounts takes at most 100 addresses."""
PROGRAM_DATA_HEADER: Final = 45
"""ProgramData: a 4-byte tag, the 8-byte deployment slot, an optional 32-byte authority (1 + 32)."""
BLOCKHASH_MAX_AGE_S: Final = 20.0
"""A cached blockhash is refreshed after this long (one lives about 60-90 s on a validator)."""
LAMPORTS_PER_SIGNATURE: Final = 5_000
SIGNATURES_KEPT: Final = 100_000
"""More than a blockhash's lifetime of sends at any rate this harness reaches."""
RETRIES: Final = 5
BACKOFF_S: Final = 0.2
CONFIRM_POLL_S: Final = 0.25
FATE_WAIT_S: Final = 180.0
"""Longest wait for an announced transaction to land or expire: a blockhash lives 150 blocks, 60-90 s."""
TRANSIENT_STATUS: Final = frozenset({429, 500, 502, 503, 504})
_COMMITMENT_ORDER: Final = {"processed": 0, "confirmed": 1, "finalized": 2}


class TransientError(ChainError):
    """Every endpoint failed in a way that may pass (timeouts, rate limits) for all the retries allowed."""


def is_transient(exc: BaseException) -> bool:
    """A failure worth trying again: the request may not have arrived, or the node asked to slow down."""
    cause = exc.__cause__ if isinstance(exc, SolanaRpcException) and exc.__cause__ is not None else exc
    if isinstance(cause, httpx2.HTTPStatusError):
        return cause.response.status_code in TRANSIENT_STATUS
    return isinstance(cause, httpx2.TransportError | asyncio.TimeoutError | ConnectionError)


@dataclass
class Endpoints:
    """The endpoint URLs in turn: a transient failure moves the next call to the next URL."""

    clients: list[AsyncClient]
    current: int = 0
    latency: dict[str, Histogram] = field(default_factory=dict)
    """Milliseconds per RPC method, for the statistics."""

    async def call(self, method: str, request: Callable[[AsyncClient], Awaitable[T]]) -> T:
        """`request` on the current endpoint, retried with backoff on transient failures only."""
        for attempt in range(RETRIES):
            client = self.clients[self.current]
            started = time.perf_counter()
            try:
                result = await request(client)
            except Exception as exc:
                if not is_transient(exc) or attempt == RETRIES - 1:
                    if is_transient(exc):
                        raise TransientError(f"{method} failed {RETRIES} times over {len(self.clients)} "
                                             f"endpoint(s); last: {exc}") from exc
                    raise
                self.current = (self.current + 1) % len(self.clients)
                await asyncio.sleep(BACKOFF_S * 2 ** attempt)
                continue
            self.latency.setdefault(method, Histogram()).record((time.perf_counter() - started) * 1000)
            return result
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def aclose(self) -> None:
        for client in self.clients:
            await client.close()


class RpcChain:
    """`Chain` on a validator reached over JSON-RPC; build it with `RpcChain.connect`."""

    def __init__(self, endpoints: Endpoints, program_id: Address, upgrade_authority: Wallet,
                 build: ProgramBuild | None, *, commitment: str = "confirmed", confirm_timeout_s: float = 90.0,
                 urls: Sequence[str] = ()) -> None:
        """`build` None: not started yet (`start` identifies the program)."""
        self._rpc = endpoints
        self._urls = tuple(urls)
        self._program_id = program_id
        self._authority = upgrade_authority
        self._build = build
        self._commitment = Commitment(commitment)
        self._confirm_timeout_s = confirm_timeout_s
        self._blockhash: tuple[Hash, int, float] | None = None
        """(blockhash, its last valid block height, when it was fetched)."""
        self._rents: dict[int, int] = {}
        self._sending = asyncio.Lock()
        """One send at a time, reads around it included: the before and after states are exact while this
        process is the chain's only client. Many clients on one chain need the shared-chain verifier (the
        metadata's balances, checks ordered by slot), which is the next step of the rpc target."""
        self._sent: dict[Signature, None] = {}
        """Signatures sent lately, oldest first (`SIGNATURES_KEPT`): a repeat must be signed anew."""

    @classmethod
    async def connect(cls, urls: Sequence[str], program_id: Address, upgrade_authority: Wallet, *,
                      commitment: str = "confirmed", timeout_s: float = 30.0) -> RpcChain:
        """Reach the endpoints and identify the deployed program; a missing or non-upgradeable program, or an
        unreachable endpoint, is an error that says what to check."""
        chain = cls.unstarted(urls, program_id, upgrade_authority, commitment=commitment, timeout_s=timeout_s)
        try:
            await chain.start()
        except BaseException:
            await chain.aclose()
            raise
        return chain

    @classmethod
    def unstarted(cls, urls: Sequence[str], program_id: Address, upgrade_authority: Wallet, *,
                  commitment: str = "confirmed", timeout_s: float = 30.0) -> RpcChain:
        """A chain that has not reached its endpoints yet (no I/O here): `start` it before use."""
        if not urls:
            raise InvalidArgument("the rpc target needs at least one --rpc-url")
        if commitment not in _COMMITMENT_ORDER:
            raise InvalidArgument(f"commitment {commitment!r}; choose one of {sorted(_COMMITMENT_ORDER)}")
        endpoints = Endpoints([AsyncClient(url, commitment=Commitment(commitment), timeout=timeout_s)
                               for url in urls])
        return cls(endpoints, program_id, upgrade_authority, None, commitment=commitment, urls=urls)

    async def start(self) -> None:
        """Identify the deployed program (`program_build`)."""
        self._build = await _program_build(self._rpc, self._program_id, self._urls[0])

    @property
    def program_id(self) -> Address:
        return self._program_id

    @property
    def upgrade_authority(self) -> Wallet:
        return self._authority

    @property
    def program_build(self) -> ProgramBuild:
        if self._build is None:
            raise InvalidArgument("the rpc chain is not started: await chain.start() first")
        return self._build

    @property
    def latency(self) -> dict[str, Histogram]:
        """Milliseconds per RPC method so far."""
        return self._rpc.latency

    # -- transactions -----------------------------------------------------------------------------------
    async def send(self, instructions: Sequence[Instruction], signers: Sequence[Wallet], *,
                   payer: Wallet | None = None, compute_unit_limit: int | None = None,
                   watch: Iterable[Address] = (), announce: Announce | None = None) -> Receipt:
        plan = plan_transaction(instructions, signers, payer=payer, compute_unit_limit=compute_unit_limit)
        watched = tuple(watch)
        async with self._sending:  # no other send of this process between the reads around this one
            before = await self.get_accounts(watched)
            signature = await self._land(plan, announce)
            answer = await self._transaction(signature)
            after = await self.get_accounts(watched)
        executed = as_executed(_balances(answer), before, after)
        receipt = _receipt(plan.prepended, signature, answer, executed.before, executed.after)
        return replace(receipt, contended=True, read_after=after) if executed.contended else receipt

    async def fate(self, signature: str, last_valid_height: int) -> Receipt | None:
        """What became of a transaction announced earlier, perhaps by a process that died since: its receipt
        (no accounts watched) once it is confirmed, or None once the chain is past `last_valid_height` without
        it, after which it can never land."""
        landed = Signature.from_string(signature)
        if not await self._confirmed(landed, last_valid_height, time.monotonic() + FATE_WAIT_S):
            return None
        answer = await self._transaction(landed)
        return _receipt(_prepended(answer), landed, answer, {}, {})

    async def simulate(self, instructions: Sequence[Instruction], signers: Sequence[Wallet], *,
                       payer: Wallet | None = None, compute_unit_limit: int | None = None,
                       watch: Iterable[Address] = ()) -> Receipt:
        plan = plan_transaction(instructions, signers, payer=payer, compute_unit_limit=compute_unit_limit)
        watched = tuple(watch)
        before = await self.get_accounts(watched)
        tx, _ = await self._signed(plan)
        keys = [to_pubkey(a) for a in watched]
        versioned = VersionedTransaction.from_legacy(tx)  # what solana-py's simulate takes
        answer = (await self._rpc.call("simulateTransaction", lambda c: c.simulate_transaction(
            versioned, accounts_addresses=keys or None))).value
        fee = LAMPORTS_PER_SIGNATURE * len(plan.signers)  # the base fee: the harness sets no priority fee
        posted = answer.accounts or []
        after = dict(before)
        for address, account in zip(watched, posted, strict=False):
            after[address] = None if account is None or not account.lamports else to_account_state(account)
        failure = None if answer.err is None else caller_failure(to_transaction_failure(answer.err), plan.prepended)
        slot = (await self._rpc.call("getSlot", lambda c: c.get_slot())).value
        return Receipt(str(tx.signatures[0]), failure is None, failure, tuple(answer.logs or ()),
                       answer.units_consumed or 0, fee, before, after, slot, await self.now())

    async def _land(self, plan: TransactionPlan, announce: Announce | None) -> Signature:
        """Send until the transaction is confirmed; re-sign only when the last signature can no longer land."""
        deadline = time.monotonic() + self._confirm_timeout_s
        while time.monotonic() < deadline:
            tx, last_valid = await self._signed(plan)
            signature = tx.signatures[0]
            if announce is not None:
                announce(str(signature), last_valid)
            try:
                await self._send_raw(bytes(tx))
            except RPCException as exc:
                if "blockhash not found" not in str(exc).lower():
                    raise ChainError(f"the node refused the transaction: {exc}") from exc
                self._blockhash = None  # it never saw this blockhash: nothing can have landed
                continue
            except TransientError:
                pass  # it may have arrived: look it up below before anything else
            if await self._confirmed(signature, last_valid, deadline):
                return signature
            self._blockhash = None  # expired unseen: the old signature can no longer land
        raise ChainError(f"no transaction of {len(plan.instructions)} instructions confirmed at "
                         f"{self._commitment} within {self._confirm_timeout_s:.0f} s")

    async def _send_raw(self, raw: bytes) -> None:
        """Preflight off: a failing transaction lands, with its error and its fee, as it does in-process."""
        opts = TxOpts(skip_preflight=True, preflight_commitment=self._commitment)
        await self._rpc.call("sendTransaction", lambda c: c.send_raw_transaction(raw, opts=opts))

    async def _confirmed(self, signature: Signature, last_valid: int, deadline: float) -> bool:
        """True once `signature` is confirmed at the commitment; False once its blockhash expired unseen."""
        wanted = _COMMITMENT_ORDER[str(self._commitment)]
        while time.monotonic() < deadline:
            status = (await self._rpc.call("getSignatureStatuses", lambda c: c.get_signature_statuses(
                [signature], search_transaction_history=True))).value[0]
            if status is not None and status.confirmation_status is not None and \
                    _COMMITMENT_ORDER[str(status.confirmation_status).rsplit(".", 1)[-1].lower()] >= wanted:
                return True
            if status is None:
                height = (await self._rpc.call("getBlockHeight", lambda c: c.get_block_height())).value
                if height > last_valid:
                    return False
            await asyncio.sleep(CONFIRM_POLL_S)
        raise ChainError(f"transaction {signature} not confirmed at {self._commitment} within "
                         f"{self._confirm_timeout_s:.0f} s")

    async def _transaction(self, signature: Signature) -> Any:
        for _ in range(RETRIES * 4):  # a node may answer the status a moment before the transaction
            answer = (await self._rpc.call("getTransaction", lambda c: c.get_transaction(
                signature, encoding="json", max_supported_transaction_version=0))).value
            if answer is not None:
                return answer
            await asyncio.sleep(CONFIRM_POLL_S)
        raise ChainError(f"transaction {signature} is confirmed but the node does not return it")

    async def _signed(self, plan: TransactionPlan) -> tuple[Transaction, int]:
        """Signed with a recent blockhash, and never the same bytes as a transaction sent before: a node drops
        a repeat as already processed, and its status would then be the first one's (an identical operation,
        the same amount twice, is common in a stress run). A repeat waits for the next blockhash."""
        instructions = [to_solders_instruction(ix) for ix in plan.instructions]
        while True:
            blockhash, last_valid = await self._recent_blockhash()
            message = Message.new_with_blockhash(instructions, to_pubkey(plan.payer.address), blockhash)
            tx = Transaction([w.keypair for w in plan.signers], message, blockhash)
            if len(bytes(tx)) > PACKET_DATA_SIZE:
                raise InvalidArgument(f"the transaction is {len(bytes(tx))} bytes; a validator accepts at most "
                                      f"{PACKET_DATA_SIZE}: split the {len(plan.instructions)} instructions")
            if tx.signatures[0] not in self._sent:
                break
            await self._next_blockhash(blockhash)
        self._sent[tx.signatures[0]] = None
        if len(self._sent) > SIGNATURES_KEPT:
            del self._sent[next(iter(self._sent))]
        return tx, last_valid

    async def _recent_blockhash(self) -> tuple[Hash, int]:
        cached = self._blockhash
        if cached is None or time.monotonic() - cached[2] > BLOCKHASH_MAX_AGE_S:
            value = (await self._rpc.call("getLatestBlockhash", lambda c: c.get_latest_blockhash())).value
            cached = self._blockhash = (value.blockhash, value.last_valid_block_height, time.monotonic())
        return cached[0], cached[1]

    async def _next_blockhash(self, used: Hash) -> None:
        """Wait until the node gives a blockhash other than `used` (a slot lasts about 400 ms)."""
        while True:
            self._blockhash = None
            if (await self._recent_blockhash())[0] != used:
                return
            await asyncio.sleep(CONFIRM_POLL_S)

    # -- accounts and the rest --------------------------------------------------------------------------
    async def get_account(self, address: Address) -> AccountState | None:
        return (await self.get_accounts([address]))[address]

    async def get_accounts(self, addresses: Iterable[Address]) -> dict[Address, AccountState | None]:
        wanted = list(addresses)
        found: dict[Address, AccountState | None] = {}
        for start in range(0, len(wanted), ACCOUNTS_PER_READ):
            chunk = wanted[start:start + ACCOUNTS_PER_READ]
            keys = [to_pubkey(a) for a in chunk]
            accounts = (await self._rpc.call("getMultipleAccounts",
                                             lambda c, k=keys: c.get_multiple_accounts(k))).value  # type: ignore[misc]
            found.update((a, None if s is None else to_account_state(s)) for a, s in zip(chunk, accounts, strict=True))
        return {a: found[a] for a in wanted}

    async def get_balance(self, address: Address) -> int:
        return (await self._rpc.call("getBalance", lambda c: c.get_balance(to_pubkey(address)))).value

    async def now(self) -> int:
        """The Clock sysvar's unix_timestamp (bytes 32-40): exactly what the program reads, on any node."""
        clock = await self.get_account(ids.CLOCK_SYSVAR_ID)
        if clock is None:
            raise ChainError("the node has no Clock sysvar account")
        return int.from_bytes(clock.data[32:40], "little", signed=True)

    async def rent_exempt_minimum(self, data_len: int) -> int:
        if data_len not in self._rents:
            self._rents[data_len] = (await self._rpc.call(
                "getMinimumBalanceForRentExemption", lambda c: c.get_minimum_balance_for_rent_exemption(
                    data_len))).value
        return self._rents[data_len]

    async def airdrop(self, address: Address, lamports: int) -> None:
        """From the node's faucet (localnet, solana-test-validator, devnet with its limits), confirmed."""
        try:
            signature = (await self._rpc.call("requestAirdrop", lambda c: c.request_airdrop(
                to_pubkey(address), lamports))).value
        except RPCException as exc:
            raise ChainError(f"airdrop of {lamports} lamports to {address} refused: {exc}") from exc
        blockhash_height = (await self._rpc.call("getBlockHeight", lambda c: c.get_block_height())).value
        if not await self._confirmed(signature, blockhash_height + 150, time.monotonic() + self._confirm_timeout_s):
            raise ChainError(f"airdrop {signature} to {address} never landed")

    async def aclose(self) -> None:
        await self._rpc.aclose()


def _balances(answer: Any) -> Balances:
    """The lamports and token amounts getTransaction's (json) answer holds, before and after, and whether the
    transaction failed."""
    meta = answer.transaction.meta
    keys = [to_address(key) for key in answer.transaction.transaction.message.account_keys]
    if meta is None:
        raise ChainError("the node returned a transaction without its metadata: run it with transaction history "
                         "(a validator without --enable-rpc-transaction-history cannot serve the rpc target)")
    pre, post = meta.pre_token_balances or (), meta.post_token_balances or ()
    return Balances(keys, meta.pre_balances, meta.post_balances,
                    {b.account_index: int(b.ui_token_amount.amount) for b in pre},
                    {b.account_index: int(b.ui_token_amount.amount) for b in post},
                    {b.account_index: to_address(b.mint) for b in (*pre, *post)}, meta.err is not None)


def _prepended(answer: Any) -> int:
    """1 when the transaction in getTransaction's (json) answer starts with a compute-budget instruction, which
    the harness puts before the caller's: a transaction found by its signature alone comes without its plan."""
    message = answer.transaction.transaction.message
    if not message.instructions:
        return 0
    program = message.account_keys[message.instructions[0].program_id_index]
    return int(to_address(program) == ids.COMPUTE_BUDGET_PROGRAM_ID)


def _receipt(prepended: int, signature: Signature, answer: Any, before: AccountMap, after: AccountMap) -> Receipt:
    """From getTransaction's answer; `prepended`: instructions before the caller's (the compute budget)."""
    meta = answer.transaction.meta
    failure = None if meta is None or meta.err is None else caller_failure(to_transaction_failure(meta.err), prepended)
    return Receipt(str(signature), failure is None, failure, tuple(meta.log_messages or ()) if meta else (),
                   (meta.compute_units_consumed or 0) if meta else 0, meta.fee if meta else 0, before, after,
                   answer.slot, int(answer.block_time or 0))


async def _program_build(endpoints: Endpoints, program_id: Address, url: str) -> ProgramBuild:
    """The deployed program's identity: the sha256 of the ELF in its ProgramData account."""
    program = (await endpoints.call("getAccountInfo", lambda c: c.get_account_info(to_pubkey(program_id)))).value
    if program is None or not program.executable:
        raise InvalidArgument(f"no executable program at {program_id} on {url}: deploy the FRT build there "
                              f"(solana program deploy, or solana-test-validator --upgradeable-program), or pass "
                              f"its --program-id")
    if to_address(program.owner) != ids.BPF_LOADER_UPGRADEABLE_ID:
        raise InvalidArgument(f"program {program_id} on {url} is not upgradeable (owner {program.owner}); FRT's "
                              f"admin checks need the upgradeable loader (--upgradeable-program)")
    data_address = Address(bytes(program.data)[4:36])  # UpgradeableLoaderState::Program { programdata_address }
    data = (await endpoints.call("getAccountInfo", lambda c: c.get_account_info(to_pubkey(data_address)))).value
    if data is None:
        raise InvalidArgument(f"program {program_id} on {url} has no ProgramData account at {data_address}")
    elf = _elf(bytes(data.data)[PROGRAM_DATA_HEADER:])
    return ProgramBuild(f"{program_id} on {url}", hashlib.sha256(elf).hexdigest())


def _elf(space: bytes) -> bytes:
    """The ELF in a ProgramData account, which may be larger than it: the file ends with its section header
    table (e_shoff + e_shnum * e_shentsize, as linkers lay it out), so the sha256 matches the .so's."""
    if space[:4] != b"\x7fELF" or len(space) < 64:
        return space
    end = int.from_bytes(space[0x28:0x30], "little") + int.from_bytes(space[0x3A:0x3C], "little") * \
        int.from_bytes(space[0x3C:0x3E], "little")
    return space[:end] if 0 < end <= len(space) else space
