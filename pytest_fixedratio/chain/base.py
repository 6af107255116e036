"""The one interface every chain target implements, and the values it returns.

The engine, the verifier and the tests talk to a chain only through `Chain`, so they run unchanged on the
in-process LiteSVM, the localnet endpoint or a real validator. Everything here is plain Python: addresses are
`sol.address.Address`, instructions `sol.instruction.Instruction`, failures `frt.errors.TransactionFailure`. A failed
transaction is a normal outcome of a stress run, so `send` *returns* it in the `Receipt`; only misuse (a
missing signer, a transaction too large to be sent) raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

from pytest_fixedratio.errors import FixedRatioError
from pytest_fixedratio.frt.errors import TransactionFailure
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction

if TYPE_CHECKING:
    from pytest_fixedratio.sol.keys import Wallet

MAX_COMPUTE_UNIT_LIMIT: Final = 1_400_000
"""The largest per-transaction compute budget Solana grants."""
PACKET_DATA_SIZE: Final = 1232
"""Largest serialized transaction a validator accepts (IPv6 MTU minus headers)."""
MS_PER_SLOT: Final = 400
"""Target slot duration: the virtual clock advances the slot at this rate."""


class ChainError(FixedRatioError):
    """The target itself failed (an airdrop refused, a deployment rejected), as opposed to a transaction."""


@dataclass(frozen=True, slots=True)
class AccountState:
    """One account as the chain stores it (rent epoch left out: rent collection is gone)."""

    lamports: int
    owner: Address
    data: bytes
    executable: bool = False


AccountMap = Mapping[Address, AccountState | None]
"""Accounts by address; None marks an address that holds no account."""
Announce = Callable[[str, int], None]
"""Told of a transaction just before it goes out: its signature, and the last block height at which it can still
land (its blockhash's lifetime). A chain that outlives the process calls it again for every new signature it
signs the same transaction with, once the earlier one can no longer land; a log written here names every
transaction that may have landed, whenever the process dies."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """What one sent (or simulated) transaction did.

    ``failure.instruction_index`` counts the caller's instructions: a compute-budget instruction the target
    prepends is not counted. ``fee`` is what the payer was actually charged (0 when the transaction was
    rejected before execution, e.g. an unknown payer); for a simulation it is the fee the runtime computed.
    ``before`` / ``after`` hold the accounts named in ``watch``; ``slot`` / ``unix_timestamp`` are the Clock
    sysvar the transaction executed under. ``contended``: on a chain others use, they touched the watched
    accounts between the reads around the transaction, so only the lamports and token amounts of ``before`` /
    ``after`` are exact (from the transaction's metadata, `chain.executed`); ``read_after`` is then the
    after-read as it was, consistent (one slot) but later than the transaction.
    """

    signature: str
    ok: bool
    failure: TransactionFailure | None
    logs: tuple[str, ...]
    compute_units: int
    fee: int
    before: AccountMap
    after: AccountMap
    slot: int
    unix_timestamp: int
    contended: bool = False
    read_after: AccountMap | None = None

    @property
    def consistent_after(self) -> AccountMap:
        """The watched accounts at one point in time after the transaction (`read_after` when contended)."""
        return self.after if self.read_after is None else self.read_after

    def lamport_change(self, address: Address) -> int:
        """After minus before, counting a missing account as 0 lamports (``address`` must be watched)."""
        return _lamports(self.after[address]) - _lamports(self.before[address])


def _lamports(account: AccountState | None) -> int:
    return 0 if account is None else account.lamports


@dataclass(frozen=True, slots=True)
class ProgramBuild:
    """Which FRT build a chain runs: where it came from and the sha256 of its ELF, so a summary says what it
    tested (two runs of one seed differ when their programs do)."""

    source: str
    sha256: str


class Chain(Protocol):
    """A Solana cluster with the FRT program deployed through the upgradeable loader."""

    @property
    def program_id(self) -> Address:
        """Address of the FRT program under test."""

    @property
    def upgrade_authority(self) -> Wallet:
        """The program's upgrade authority: the signer FRT's admin instructions check (ProgramData)."""

    @property
    def program_build(self) -> ProgramBuild:
        """The FRT build deployed at `program_id`."""

    async def send(self, instructions: Sequence[Instruction], signers: Sequence[Wallet], *,
                   payer: Wallet | None = None, compute_unit_limit: int | None = None,
                   watch: Iterable[Address] = (), announce: Announce | None = None) -> Receipt:
        """Execute one transaction; the payer defaults to the first signer.

        With ``compute_unit_limit`` a ComputeBudget SetComputeUnitLimit is prepended. A failing transaction
        gives ``Receipt(ok=False, failure=...)``; only misuse raises `InvalidArgument`. ``announce`` hears of
        every signature before it is sent (see `Announce`).
        """

    async def simulate(self, instructions: Sequence[Instruction], signers: Sequence[Wallet], *,
                       payer: Wallet | None = None, compute_unit_limit: int | None = None,
                       watch: Iterable[Address] = ()) -> Receipt:
        """Like `send`, without changing the chain: ``after`` is the state the transaction would leave."""

    async def get_account(self, address: Address) -> AccountState | None:
        """The account at ``address``, or None when there is none."""

    async def get_accounts(self, addresses: Iterable[Address]) -> dict[Address, AccountState | None]:
        """Several accounts read at one point in time, keyed in the order given."""

    async def get_balance(self, address: Address) -> int:
        """Lamports at ``address`` (0 when there is no account)."""

    async def now(self) -> int:
        """The Clock sysvar's unix timestamp, the time the program sees."""

    async def rent_exempt_minimum(self, data_len: int) -> int:
        """Lamports an account of ``data_len`` bytes needs to be rent exempt."""

    async def aclose(self) -> None:
        """Release connections; the chain is unusable afterwards."""

