"""The building blocks of intents: one operation each, with its instructions and its effect.

An `Op` yields the instructions it sends and edits a `Book` as the chain must, raising `Fails` with the exact
error at the first check that refuses it. Intents (`intents.intent.Intent`) are transactions made of ops.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from pytest_fixedratio.intents.book import Book
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction


class Op(ABC):
    """One thing a transaction does: its instructions, the accounts it touches and its effect on them."""

    __slots__ = ()

    @abstractmethod
    def instructions(self) -> tuple[Instruction, ...]:
        """What goes into the transaction, in order."""

    @abstractmethod
    def labels(self) -> dict[Address, str]:
        """Every account the operation reads or changes, named for reports."""

    @abstractmethod
    def apply(self, book: Book) -> None:
        """Edit `book` as the chain must; raise `Fails` with the error of the first check that refuses it."""
