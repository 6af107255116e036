"""How a transaction failed, as data: the raw failure reported by a chain target.

`chain/` fills `TransactionFailure` from whatever its backend reports (LiteSVM's `FailedTransactionMetadata`,
an RPC error object); the classifier in this module turns it, with the logs, into a named, typed error and an
expected/unexpected verdict.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TransactionFailure:
    """The structured error of one failed transaction.

    ``kind`` is the variant name: for an instruction error (``instruction_index`` set) it is the
    ``InstructionError`` variant (``"Custom"``, ``"InvalidArgument"``, ``"InsufficientFunds"``,
    ``"BorshIoError"`` ...); for a transaction-level error (index None) it is the ``TransactionError``
    variant (``"InsufficientFundsForFee"``, ``"BlockhashNotFound"``, ``"AccountNotFound"`` ...).
    ``custom_code`` is set only for ``kind == "Custom"``.
    """

    kind: str
    instruction_index: int | None = None
    custom_code: int | None = None
    detail: str = ""
