"""A validator's RPC methods answered from one `LiteSvmChain`: the node behind the localnet server.

What makes LiteSVM look like a validator from the outside:

- Slots follow wall time, 400 ms each, through the chain's clock (`LiteSvmChain.advance_clock`), caught up at each
  call. Each new slot gets a new blockhash (LiteSVM's ``expire_blockhash``), and a hash stays valid for
  `MAX_PROCESSING_AGE` slots, so a transaction signed with a slightly old blockhash still lands.
- LiteSVM itself accepts only its latest blockhash. The server cannot re-sign a transaction (it holds no keys), so
  LiteSVM's check is switched off (``with_blockhash_check(False)``: the chain's own sends, signed with the latest
  hash, are unaffected) and the node checks the hash against its own history instead, with the validator's
  answer, BlockhashNotFound, for an unknown or expired one.
- A signature the node has seen is AlreadyProcessed, as in a validator's status cache; the node remembers
  `HISTORY_CAPACITY` transactions (LiteSVM's own history holds a few dozen).
- Like a validator, sendTransaction simulates first (preflight) and answers -32002 when that fails; with
  ``skipPreflight`` it answers the signature whatever happens next. A transaction that fails in execution lands
  (its fee is paid) and is then in getSignatureStatuses / getTransaction with its ``err``; one refused before
  execution (expired blockhash, duplicate, bad signature, a fee payer that cannot pay) is dropped and never shows,
  as on a validator.
- Airdrops are transfers from a faucet keypair of the node's, sent like any transaction (a validator's faucet
  does the same), so they show in the history too.

Deviations: every landed transaction is "finalized" at once (one node, no votes); block height equals the slot
(no skipped slots); durable-nonce transactions are refused as BlockhashNotFound (their nonce is not checked);
transactions with address lookup tables are refused (their loaded addresses are not resolved for the metadata);
``jsonParsed`` is not served (account data falls back to base64, getTransaction refuses it).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from array import array
from collections.abc import Callable
from typing import Any, Final

from solders.account import Account
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.solders import FeatureSet
from solders.system_program import TransferParams, transfer
from solders.transaction import SanitizeError, VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata, SimulatedTransactionInfo
from solders.transaction_status import TransactionErrorFieldless, TransactionErrorType

from pytest_fixedratio.chain.base import PACKET_DATA_SIZE, ChainError
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.chain.localnet_encode import (
    ACCOUNT_ENCODINGS,
    DataSlice,
    account_json,
    error_json,
    error_text,
    inner_instructions_json,
    mint_decimals,
    return_data_json,
    status_json,
    token_account,
    token_balances,
    transaction_json,
    ui_token_amount,
)
from pytest_fixedratio.chain.localnet_history import Blockhashes, History, Landed
from pytest_fixedratio.chain.localnet_params import (
    Config,
    blockhash,
    encoded_bytes,
    integer,
    invalid,
    items,
    positional,
    pubkey,
    signature,
)
from pytest_fixedratio.chain.localnet_protocol import (
    MIN_CONTEXT_SLOT_NOT_REACHED,
    SEND_TRANSACTION_PREFLIGHT_FAILURE,
    TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
    UNSUPPORTED_TRANSACTION_VERSION,
    Handler,
)
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.wire.jsonrpc import INVALID_PARAMS, RpcError

SOLANA_CORE_VERSION: Final = "4.1.2"
"""getVersion's ``solana-core``: the Agave release whose runtime crates LiteSVM (in solders 0.29) is built from."""
FAUCET_FUNDS: Final = 10**17
"""Lamports the node's faucet starts with (10^8 SOL), out of LiteSVM's airdrop account."""
STATUS_CACHE_SLOTS: Final = 300
"""Slots a validator's status cache covers: getSignatureStatuses without ``searchTransactionHistory`` finds
only the transactions that landed this recently."""
MAX_BASE58_TRANSACTION: Final = 1683
MAX_BASE64_TRANSACTION: Final = 1644
"""The longest encoded transaction a validator decodes (the text of `PACKET_DATA_SIZE` bytes)."""
MAX_FILTERS: Final = 4
MAX_MEMCMP_BYTES: Final = 128
MAX_MEMCMP_TEXT: Final = {"base58": 175, "base64": 172}
MAX_MULTIPLE_ACCOUNTS: Final = 100
MAX_SIGNATURE_STATUSES: Final = 256
MAX_SIGNATURES_FOR_ADDRESS: Final = 1000
MAX_ACCOUNT_DATA: Final = 10 * 1024 * 1024
"""Largest account a program may allocate (MAX_PERMITTED_DATA_LENGTH): the rent-exemption query's limit."""

_US_PER_S: Final = 1_000_000


def _feature_set_id() -> int:
    """A validator's ``feature-set``: the first four bytes (little-endian) of the sha256 of every feature id the
    runtime knows, in order; LiteSVM's runtime knows those of ``FeatureSet.all_enabled()``."""
    known = sorted(bytes(feature) for feature in FeatureSet.all_enabled().active)
    return int.from_bytes(hashlib.sha256(b"".join(known)).digest()[:4], "little")


class LocalnetNode:
    """The methods of a validator's JSON-RPC API that solana-py's client uses, over one `LiteSvmChain`.

    Calls are served one at a time (an `asyncio.Lock`): each first brings the slot up to wall time, then runs
    LiteSVM synchronously, so a call sees one consistent chain.
    """

    def __init__(self, chain: LiteSvmChain) -> None:
        self._chain = chain
        self._svm = chain.svm.with_blockhash_check(False)
        self._started = time.monotonic()
        self._elapsed_us = 0
        self._lock = asyncio.Lock()
        self._history = History()
        self._blockhashes = Blockhashes()
        self._slot = self._svm.get_clock().slot
        self._blockhashes.add(self._svm.latest_blockhash(), self._slot)
        self._faucet = Wallet.generate()
        funded = self._svm.airdrop(Pubkey.from_bytes(self._faucet.address), FAUCET_FUNDS)
        if isinstance(funded, FailedTransactionMetadata):
            raise ChainError(f"funding the localnet faucet failed: {funded.err()}")
        self._feature_set = _feature_set_id()

    def methods(self) -> dict[str, Handler]:
        table: dict[str, Callable[[list[Any]], Any]] = {
            "getAccountInfo": self.get_account_info, "getBalance": self.get_balance,
            "getBlockHeight": self.get_slot, "getHealth": self.get_health,
            "getLatestBlockhash": self.get_latest_blockhash,
            "getMinimumBalanceForRentExemption": self.get_minimum_balance_for_rent_exemption,
            "getMultipleAccounts": self.get_multiple_accounts, "getProgramAccounts": self.get_program_accounts,
            "getSignatureStatuses": self.get_signature_statuses,
            "getSignaturesForAddress": self.get_signatures_for_address, "getSlot": self.get_slot,
            "getTokenAccountBalance": self.get_token_account_balance, "getTransaction": self.get_transaction,
            "getVersion": self.get_version, "isBlockhashValid": self.is_blockhash_valid,
            "requestAirdrop": self.request_airdrop, "sendTransaction": self.send_transaction,
            "simulateTransaction": self.simulate_transaction,
        }
        return {name: self._serialised(method) for name, method in table.items()}

    def _serialised(self, method: Callable[[list[Any]], Any]) -> Handler:
        async def call(params: list[Any]) -> Any:
            async with self._lock:
                await self._tick()
                return method(params)

        return call

    # -- time and blockhashes ----------------------------------------------------------------------------

    async def _tick(self) -> None:
        """Bring the chain's clock up to wall time (whole microseconds, so nothing drifts); a new slot gets a new
        blockhash."""
        elapsed_us = int((time.monotonic() - self._started) * _US_PER_S)
        if elapsed_us > self._elapsed_us:
            await self._chain.advance_clock((elapsed_us - self._elapsed_us) / _US_PER_S)
            self._elapsed_us = elapsed_us
        slot = self._svm.get_clock().slot
        if slot != self._slot:
            self._slot = slot
            self._new_blockhash()

    def _new_blockhash(self) -> None:
        self._svm.expire_blockhash()
        self._blockhashes.add(self._svm.latest_blockhash(), self._slot)

    def _context(self, value: Any) -> dict[str, Any]:
        return {"context": {"slot": self._slot, "apiVersion": SOLANA_CORE_VERSION}, "value": value}

    def _read_config(self, value: Any, *, confirmed: bool = False) -> Config:
        """The config object with its commitment and minContextSlot checked; ``confirmed``: the method, like
        getTransaction on a validator, serves no commitment below "confirmed"."""
        config = Config(value)
        if config.commitment() == "processed" and confirmed:
            raise RpcError(INVALID_PARAMS, "Method does not support commitment below `confirmed`")
        least = config.integer("minContextSlot")
        if least is not None and least > self._slot:
            raise RpcError(MIN_CONTEXT_SLOT_NOT_REACHED, "Minimum context slot has not been reached",
                           {"contextSlot": self._slot})
        return config

    def get_slot(self, params: list[Any]) -> int:
        """getSlot, and getBlockHeight: every slot has a block here."""
        [config] = positional(params, 1)
        self._read_config(config)
        return self._slot

    def get_latest_blockhash(self, params: list[Any]) -> dict[str, Any]:
        [config] = positional(params, 1)
        self._read_config(config)
        latest = self._svm.latest_blockhash()
        return self._context({"blockhash": str(latest),
                              "lastValidBlockHeight": self._blockhashes.last_valid_height(latest, self._slot)})

    def is_blockhash_valid(self, params: list[Any]) -> dict[str, Any]:
        value, config = positional(params, 2, 1)
        self._read_config(config)
        return self._context(self._blockhashes.last_valid_height(blockhash(value), self._slot) is not None)

    def get_version(self, params: list[Any]) -> dict[str, Any]:
        positional(params, 0)
        return {"solana-core": SOLANA_CORE_VERSION, "feature-set": self._feature_set}

    def get_health(self, params: list[Any]) -> str:
        positional(params, 0)
        return "ok"

    # -- accounts --------------------------------------------------------------------------------------

    def _account(self, key: Pubkey) -> Account | None:
        return self._svm.get_account(key)

    def _account_config(self, value: Any) -> tuple[Config, str, DataSlice | None]:
        config = self._read_config(value)
        encoding = config.choice("encoding", ACCOUNT_ENCODINGS, "binary")
        section = config.section("dataSlice")
        if config.get("dataSlice") is None:
            return config, encoding, None
        offset, length = section.integer("offset"), section.integer("length")
        if offset is None or length is None:
            raise invalid("config.dataSlice: offset and length are both required")
        return config, encoding, DataSlice(offset, length)

    def _encoded(self, account: Account | None, encoding: str, data_slice: DataSlice | None
                 ) -> dict[str, Any] | None:
        return None if account is None else account_json(account, encoding, data_slice)

    def get_account_info(self, params: list[Any]) -> dict[str, Any]:
        key, config = positional(params, 2, 1)
        _, encoding, data_slice = self._account_config(config)
        return self._context(self._encoded(self._account(pubkey(key)), encoding, data_slice))

    def get_multiple_accounts(self, params: list[Any]) -> dict[str, Any]:
        keys, config = positional(params, 2, 1)
        addresses = [pubkey(key, "pubkeys[]") for key in items(keys, "pubkeys", MAX_MULTIPLE_ACCOUNTS)]
        _, encoding, data_slice = self._account_config(config)
        return self._context([self._encoded(self._account(key), encoding, data_slice) for key in addresses])

    def get_balance(self, params: list[Any]) -> dict[str, Any]:
        key, config = positional(params, 2, 1)
        self._read_config(config)
        return self._context(self._svm.get_balance(pubkey(key)) or 0)

    def get_minimum_balance_for_rent_exemption(self, params: list[Any]) -> int:
        length, config = positional(params, 2, 1)
        self._read_config(config)
        return self._svm.minimum_balance_for_rent_exemption(integer(length, "data length", 0, MAX_ACCOUNT_DATA))

    def get_program_accounts(self, params: list[Any]) -> Any:
        program, config = positional(params, 2, 1)
        owner = pubkey(program, "program id")
        settings, encoding, data_slice = self._account_config(config)
        filters = [_data_filter(f) for f in items(settings.get("filters") or [], "filters", MAX_FILTERS)]
        settings.flag("sortResults")  # checked only: the accounts always come in address order
        found = sorted(((key, account) for key, account in self._svm.get_program_accounts(owner)
                        if all(matches(account.data) for matches in filters)), key=lambda pair: bytes(pair[0]))
        listed = [{"pubkey": str(key), "account": account_json(account, encoding, data_slice)}
                  for key, account in found]
        return self._context(listed) if settings.flag("withContext") else listed

    def get_token_account_balance(self, params: list[Any]) -> dict[str, Any]:
        key, config = positional(params, 2, 1)
        self._read_config(config)
        account = self._account(pubkey(key))
        if account is None:
            raise RpcError(INVALID_PARAMS, "Invalid param: could not find account")
        token = token_account(account)
        if token is None:
            raise RpcError(INVALID_PARAMS, "Invalid param: not a Token account")
        decimals = mint_decimals(self._account(Pubkey.from_bytes(token.mint)))
        if decimals is None:
            raise RpcError(INVALID_PARAMS, "Invalid param: could not find mint")
        return self._context(ui_token_amount(token.amount, decimals))

    # -- transactions ----------------------------------------------------------------------------------

    def _decoded(self, value: Any, config: Config) -> VersionedTransaction:
        encoding = config.choice("encoding", ("base58", "base64"), "base58")
        most = MAX_BASE58_TRANSACTION if encoding == "base58" else MAX_BASE64_TRANSACTION
        raw = encoded_bytes(value, encoding, "transaction", most)
        if len(raw) > PACKET_DATA_SIZE:
            raise invalid(f"decoded VersionedTransaction too large: {len(raw)} bytes (max: {PACKET_DATA_SIZE} "
                          f"bytes)")
        try:
            tx = VersionedTransaction.from_bytes(raw)
            tx.sanitize()
        except ValueError as exc:
            raise invalid(f"failed to deserialize VersionedTransaction: {exc}") from None
        except SanitizeError as exc:
            raise invalid(f"invalid transaction: {exc}") from None
        message = tx.message
        if isinstance(message, MessageV0) and message.address_table_lookups:
            raise invalid("address lookup tables are not supported by this localnet")
        if not isinstance(message, Message | MessageV0):
            raise invalid(f"unsupported transaction version {tx.version()}")
        return tx

    def _verify(self, tx: VersionedTransaction) -> None:
        if not all(tx.verify_with_results()):
            raise RpcError(TRANSACTION_SIGNATURE_VERIFICATION_FAILURE, "Transaction signature verification failure")

    def _refusal(self, tx: VersionedTransaction, *, check_age: bool = True) -> TransactionErrorType | None:
        """Why a validator would not execute ``tx`` now (its blockhash, its signature), before running it."""
        if check_age and self._blockhashes.last_valid_height(tx.message.recent_blockhash, self._slot) is None:
            return TransactionErrorFieldless.BlockhashNotFound
        if self._history.get(tx.signatures[0]) is not None:
            return TransactionErrorFieldless.AlreadyProcessed
        return None

    def _execute(self, tx: VersionedTransaction) -> None:
        """Run ``tx`` and remember it if it landed (executed, fee paid, failed or not)."""
        if self._refusal(tx) is not None:
            return
        keys = tx.message.account_keys
        before = [self._account(key) for key in keys]
        pre_tokens = token_balances(before, self._account)
        result = self._svm.send_transaction(tx)
        if self._svm.get_transaction(tx.signatures[0]) is None:
            return
        error, meta = (result.err(), result.meta()) if isinstance(result, FailedTransactionMetadata) else (None, result)
        after = [self._account(key) for key in keys]
        self._history.add(Landed(
            self._history.landed, tx, self._slot, self._svm.get_clock().unix_timestamp, error, meta,
            _balances(before), _balances(after), pre_tokens, token_balances(after, self._account)))

    def _simulation(self, tx: VersionedTransaction, *, check_age: bool = True, addresses: tuple[Pubkey, ...] = (),
                    inner: bool = False) -> tuple[TransactionErrorType | None, dict[str, Any]]:
        """``tx`` run without committing (signatures not checked: the caller does when asked): its error and
        the simulation result a validator answers, with the accounts at ``addresses`` as they would end."""
        error = self._refusal(tx, check_age=check_age)
        logs: list[str] = []
        units, returned, invoked, accounts = 0, None, None, None
        if error is None:
            self._svm.with_sigverify(False)
            try:
                result = self._svm.simulate_transaction(tx)
            finally:
                self._svm.with_sigverify(True)
            meta = result.meta()
            logs, units, returned = meta.logs(), meta.compute_units_consumed(), return_data_json(meta)
            invoked = inner_instructions_json(meta) if inner else None
            if isinstance(result, SimulatedTransactionInfo):
                posted = dict(result.post_accounts())
                accounts = [self._encoded(_existing(posted[key]) if key in posted else self._account(key),
                                          "base64", None) for key in addresses] if addresses else None
            else:
                error = result.err()
        return error, {"err": None if error is None else error_json(error), "logs": logs, "accounts": accounts,
                       "unitsConsumed": units, "returnData": returned, "innerInstructions": invoked,
                       "replacementBlockhash": None}

    def send_transaction(self, params: list[Any]) -> str:
        value, config = positional(params, 2, 1)
        settings = self._read_config(config)
        tx = self._decoded(value, settings)
        settings.commitment("preflightCommitment")
        settings.integer("maxRetries")  # checked only: a transaction is executed at once, never retried
        if not settings.flag("skipPreflight"):
            self._verify(tx)
            error, simulated = self._simulation(tx)
            if error is not None:
                raise RpcError(SEND_TRANSACTION_PREFLIGHT_FAILURE,
                               f"Transaction simulation failed: {error_text(error)}", simulated)
        self._execute(tx)
        return str(tx.signatures[0])

    def simulate_transaction(self, params: list[Any]) -> dict[str, Any]:
        value, config = positional(params, 2, 1)
        settings = self._read_config(config)
        tx = self._decoded(value, settings)
        verify, replace = settings.flag("sigVerify"), settings.flag("replaceRecentBlockhash")
        if verify and replace:
            raise invalid("sigVerify may not be used with replaceRecentBlockhash")
        wanted = settings.section("accounts")
        wanted.choice("encoding", ("base64", "jsonParsed"), "base64")
        addresses = tuple(pubkey(key, "accounts.addresses[]") for key in items(
            wanted.get("addresses") or [], "accounts.addresses", len(tx.message.account_keys)))
        if verify:
            self._verify(tx)
        _, simulated = self._simulation(tx, check_age=not replace, addresses=addresses,
                                        inner=settings.flag("innerInstructions"))
        if replace:
            # LiteSVM does not check blockhashes here, so the transaction runs as it is; only the answer names
            # the blockhash it was given.
            latest = self._svm.latest_blockhash()
            simulated["replacementBlockhash"] = {
                "blockhash": str(latest), "lastValidBlockHeight": self._blockhashes.last_valid_height(
                    latest, self._slot)}
        return self._context(simulated)

    def request_airdrop(self, params: list[Any]) -> str:
        key, lamports, config = positional(params, 3, 2)
        recipient, amount = pubkey(key), integer(lamports, "lamports", 1)
        settings = self._read_config(config)
        if settings.get("recentBlockhash") is not None:
            blockhash(settings.get("recentBlockhash"), "config.recentBlockhash")
        tx = self._faucet_transfer(recipient, amount)
        if self._history.get(tx.signatures[0]) is not None:  # the same airdrop in this slot: a new blockhash
            self._new_blockhash()
            tx = self._faucet_transfer(recipient, amount)
        self._execute(tx)
        return str(tx.signatures[0])

    def _faucet_transfer(self, recipient: Pubkey, lamports: int) -> VersionedTransaction:
        faucet = Pubkey.from_bytes(self._faucet.address)
        message = Message.new_with_blockhash([transfer(TransferParams(
            from_pubkey=faucet, to_pubkey=recipient, lamports=lamports))], faucet, self._svm.latest_blockhash())
        return VersionedTransaction(message, [self._faucet.keypair])

    # -- history ---------------------------------------------------------------------------------------

    def get_signature_statuses(self, params: list[Any]) -> dict[str, Any]:
        wanted, config = positional(params, 2, 1)
        signatures = [signature(s, "signatures[]") for s in items(wanted, "signatures", MAX_SIGNATURE_STATUSES)]
        search = Config(config).flag("searchTransactionHistory")
        statuses: list[dict[str, Any] | None] = []
        for sig in signatures:
            landed = self._history.get(sig)
            if landed is None or (not search and self._slot - landed.slot > STATUS_CACHE_SLOTS):
                statuses.append(None)
                continue
            statuses.append({"slot": landed.slot, "confirmations": None, "err": _err(landed),
                             "status": status_json(landed.err), "confirmationStatus": "finalized"})
        return self._context(statuses)

    def get_transaction(self, params: list[Any]) -> dict[str, Any] | None:
        value, config = positional(params, 2, 1)
        sig = signature(value)
        settings = self._read_config({"encoding": config} if isinstance(config, str) else config, confirmed=True)
        encoding = settings.choice("encoding", ("json", "base64", "base58"), "json")
        max_version = settings.integer("maxSupportedTransactionVersion", 0, 255)
        landed = self._history.get(sig)
        if landed is None:
            return None
        version: str | int = "legacy" if isinstance(landed.transaction.message, Message) else 0
        if version == 0 and max_version is None:
            raise RpcError(UNSUPPORTED_TRANSACTION_VERSION, "Transaction version (0) is not supported by the "
                           "requesting client. Please try the request again with the following configuration "
                           "parameter: \"maxSupportedTransactionVersion\": 0")
        meta = landed.meta
        described: dict[str, Any] = {
            "err": _err(landed), "status": status_json(landed.err), "fee": meta.fee(),
            "preBalances": list(landed.pre_balances), "postBalances": list(landed.post_balances),
            "innerInstructions": inner_instructions_json(meta), "logMessages": meta.logs(),
            "preTokenBalances": [b.to_json() for b in landed.pre_token_balances],
            "postTokenBalances": [b.to_json() for b in landed.post_token_balances], "rewards": [],
            "loadedAddresses": {"writable": [], "readonly": []},
            "computeUnitsConsumed": meta.compute_units_consumed()}
        returned = return_data_json(meta)
        if returned is not None:
            described["returnData"] = returned
        found = {"slot": landed.slot, "blockTime": landed.block_time,
                 "transaction": transaction_json(landed.transaction, encoding), "meta": described}
        if max_version is not None:
            found["version"] = version
        return found

    def get_signatures_for_address(self, params: list[Any]) -> list[dict[str, Any]]:
        value, config = positional(params, 2, 1)
        address = pubkey(value, "address")
        settings = self._read_config(config, confirmed=True)
        limit = settings.integer("limit", 1, MAX_SIGNATURES_FOR_ADDRESS) or MAX_SIGNATURES_FOR_ADDRESS
        before, until = (None if settings.get(name) is None else signature(settings.get(name), f"config.{name}")
                         for name in ("before", "until"))
        newest = self._history.landed
        if before is not None:
            # As a validator does: a `before` it does not know leaves nothing to list.
            anchor = self._history.get(before)
            newest = -1 if anchor is None else anchor.sequence
        oldest = -1
        if until is not None:
            anchor = self._history.get(until)
            oldest = -1 if anchor is None else anchor.sequence
        listed: list[dict[str, Any]] = []
        for landed in self._history.newest_first(address):
            if landed.sequence <= oldest or len(listed) == limit:
                break
            if landed.sequence < newest:
                listed.append({"signature": str(landed.signature), "slot": landed.slot, "err": _err(landed),
                               "memo": None, "blockTime": landed.block_time, "confirmationStatus": "finalized"})
        return listed


def _balances(accounts: list[Account | None]) -> array[int]:
    return array("Q", (0 if account is None else account.lamports for account in accounts))


def _existing(account: Account) -> Account | None:
    """A simulated account left with no lamports: deleted when the transaction would commit."""
    return account if account.lamports else None


def _err(landed: Landed) -> Any:
    return None if landed.err is None else error_json(landed.err)


def _data_filter(value: Any) -> Callable[[bytes], bool]:
    """A getProgramAccounts filter: ``{"dataSize": n}`` or ``{"memcmp": {"offset", "bytes", "encoding"}}``."""
    if isinstance(value, dict) and set(value) == {"dataSize"}:
        size = integer(value["dataSize"], "filters[].dataSize")
        return lambda data: len(data) == size
    if isinstance(value, dict) and set(value) == {"memcmp"}:
        memcmp = Config(value["memcmp"], "filters[].memcmp")
        offset = integer(memcmp.get("offset"), "filters[].memcmp.offset")
        encoding = memcmp.choice("encoding", ("base58", "base64"), "base58")
        wanted = encoded_bytes(memcmp.get("bytes"), encoding, "filters[].memcmp.bytes", MAX_MEMCMP_TEXT[encoding])
        if len(wanted) > MAX_MEMCMP_BYTES:
            raise invalid(f"filters[].memcmp.bytes: {len(wanted)} bytes; at most {MAX_MEMCMP_BYTES}")
        return lambda data: data[offset:offset + len(wanted)] == wanted
    raise invalid("filters[]: each filter is {\"dataSize\": n} or {\"memcmp\": {...}}")

