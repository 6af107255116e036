"""Symbol resolution: every symbol a relocation names becomes an output location or a syscall.

Global definitions are shared by all objects and must be unique; weak symbols get no special treatment, as
the program is one closed set of sources where a second definition is a mistake. An undefined symbol that no
object defines must be a known syscall, or one of the compiler's own helpers that maps to a syscall
(``__bpf_trap`` -> ``abort``). Unresolvable names are collected and reported together, each with the objects
that reference it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pytest_fixedratio.program.errors import LinkError
from pytest_fixedratio.program.layout import Layout, Location
from pytest_fixedratio.program.objects import InputSymbol, ObjectFile, SectionRole
from pytest_fixedratio.program.sbpf import ENTRYPOINT_SYMBOL, INSTRUCTION_SIZE, SYMBOL_ALIASES, SYSCALLS

UNDEFINED_MESSAGE = (
    "undefined symbols (neither defined by any object nor a known Solana syscall): {names}. "
    "Define the function in C, or fix the syscall's name (see pytest_fixedratio/program/sbpf.py)."
)
NO_ENTRYPOINT_MESSAGE = (
    "no object defines the function {name!r} in .text; the program's entry point must be "
    "`uint64_t {name}(const uint8_t *input)`"
)


@dataclass(frozen=True, slots=True)
class Syscall:
    """A call the loader resolves by the murmur3 hash of ``name``."""

    name: str


Target = Location | Syscall


@dataclass(frozen=True, slots=True)
class _Definition:
    location: Location
    object_name: str


class SymbolResolver:
    """Resolves (object number, symbol index) pairs against the merged layout."""

    def __init__(self, objects: Sequence[ObjectFile], layout: Layout) -> None:
        self._objects = objects
        self._layout = layout
        self._globals: dict[str, _Definition] = {}
        for number, obj in enumerate(objects):
            for symbol in obj.symbols:
                location = self._placed(number, symbol)
                if not symbol.is_local and location is not None:
                    self._define(symbol, location, obj.name)

    def resolve(self, object_number: int, symbol_index: int) -> Target:
        """The output location, or syscall, that symbol ``symbol_index`` of object ``object_number`` means."""
        obj = self._objects[object_number]
        symbol = obj.symbols[symbol_index]
        if symbol.section is not None:
            return self._defined_location(object_number, symbol)
        definition = self._globals.get(symbol.name)
        if definition is not None:
            return definition.location
        name = SYMBOL_ALIASES.get(symbol.name, symbol.name)
        if name in SYSCALLS:
            return Syscall(name)
        raise LinkError(UNDEFINED_MESSAGE.format(names=f"{symbol.name!r} (referenced by {obj.name})"))

    def check_all_resolved(self) -> None:
        """Raise one error listing every undefined, non-syscall symbol referenced by a relocation."""
        missing: dict[str, set[str]] = {}
        for obj in self._objects:
            for symbol in _referenced_symbols(obj):
                if symbol.section is None and not self._is_resolvable(symbol.name):
                    missing.setdefault(symbol.name, set()).add(obj.name)
        if missing:
            names = "; ".join(
                f"{name!r} (referenced by {', '.join(sorted(users))})" for name, users in sorted(missing.items())
            )
            raise LinkError(UNDEFINED_MESSAGE.format(names=names))

    def entrypoint(self) -> int:
        """Offset in .text of the global ``entrypoint`` function."""
        definition = self._globals.get(ENTRYPOINT_SYMBOL)
        if definition is None or definition.location.role is not SectionRole.TEXT:
            raise LinkError(NO_ENTRYPOINT_MESSAGE.format(name=ENTRYPOINT_SYMBOL))
        if definition.location.offset % INSTRUCTION_SIZE:
            raise LinkError(f"{ENTRYPOINT_SYMBOL!r} in {definition.object_name} is not 8-byte aligned")
        return definition.location.offset

    def _is_resolvable(self, name: str) -> bool:
        return name in self._globals or SYMBOL_ALIASES.get(name, name) in SYSCALLS

    def _define(self, symbol: InputSymbol, location: Location, obj_name: str) -> None:
        existing = self._globals.get(symbol.name)
        if existing is not None:
            raise LinkError(
                f"symbol {symbol.name!r} is defined in both {existing.object_name} and {obj_name}; "
                "make one of them static"
            )
        self._globals[symbol.name] = _Definition(location, obj_name)

    def _placed(self, object_number: int, symbol: InputSymbol) -> Location | None:
        if symbol.section is None:
            return None
        start = self._layout.placements.get((object_number, symbol.section))
        return None if start is None else Location(start.role, start.offset + symbol.value)

    def _defined_location(self, object_number: int, symbol: InputSymbol) -> Location:
        location = self._placed(object_number, symbol)
        if location is None:
            raise LinkError(
                f"{self._objects[object_number].name}: symbol {symbol.name!r} is defined in a section that is "
                "not part of the program (neither .text* nor .rodata*)"
            )
        return location


def _referenced_symbols(obj: ObjectFile) -> Iterable[InputSymbol]:
    return (obj.symbols[relocation.symbol] for relocation in obj.relocations)
