"""Data flows down the layers of docs/architecture.md: each package imports only the packages below it, and no
two modules of the package import each other in a circle (imports under ``TYPE_CHECKING`` do not run and are
left out)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import pytest_fixedratio

ROOT = Path(pytest_fixedratio.__file__).parent
BELOW: dict[str, frozenset[str]] = {
    "errors": frozenset(),
    "sol": frozenset({"errors"}),
    "program": frozenset({"errors"}),
    "metrics": frozenset({"errors"}),
    "wire": frozenset({"errors"}),
    "frt": frozenset({"errors", "sol"}),
    "store": frozenset({"errors", "sol"}),
    "chain": frozenset({"errors", "sol", "frt", "program", "store", "metrics", "wire"}),
    "intents": frozenset({"errors", "sol", "frt", "chain"}),
    "verify": frozenset({"errors", "sol", "frt", "chain", "intents"}),
    "settings": frozenset({"errors"}),
    "engine": frozenset({"errors", "sol", "frt", "chain", "intents", "verify", "store", "metrics", "settings"}),
    "control": frozenset({"errors", "sol", "frt", "engine", "metrics", "wire"}),
    "options": frozenset({"errors", "settings", "engine"}),
    "fleet": frozenset({"errors", "store"}),
    "plugin": frozenset({"errors", "settings", "options", "fleet", "engine", "store", "chain"}),
    "cli": frozenset({"errors", "settings", "engine", "store", "control", "chain"}),
}
"""What each top-level package or module may import (besides itself)."""


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(node) for branch in ast.walk(tree) if isinstance(branch, ast.If)
               and "TYPE_CHECKING" in ast.unparse(branch.test) for node in ast.walk(branch)}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


MODULES = {_module(path): path for path in sorted(ROOT.rglob("*.py"))}
GRAPH = {name: {i for i in _runtime_imports(path) if i in MODULES and i not in (name, ROOT.name)}
         for name, path in MODULES.items()}


def _package(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def test_every_package_has_a_place_in_the_layers() -> None:
    assert {_package(m) for m in MODULES} - {""} == set(BELOW)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if "." in m))
def test_a_module_imports_only_its_own_package_and_the_layers_below(module: str) -> None:
    package = _package(module)
    upward = sorted(i for i in GRAPH[module] if _package(i) not in BELOW[package] | {package})
    assert upward == [], f"{module} imports {upward}, above or beside its layer"


def test_no_import_cycle() -> None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*stack[stack.index(target):], target]))
            if target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)
