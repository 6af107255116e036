"""`sol/` stays the bottom layer: no FRT, chain, engine or store imports, no I/O, solders only for the keys."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pytest_fixedratio.sol

SOL = Path(pytest_fixedratio.sol.__file__).parent
MODULES = sorted(SOL.glob("*.py"))
ALLOWED_PROJECT = ("pytest_fixedratio.sol", "pytest_fixedratio.errors")
NO_IO = ("os", "io", "pathlib", "json", "socket", "shutil", "tempfile", "subprocess", "asyncio", "httpx")
SOLANA_LIBRARIES = ("solders", "solana", "spl")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            assert node.level == 0, f"{path.name}: relative import of {node.module}"
            names.add(node.module)
    return names


def _under(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_every_sol_module_is_checked() -> None:
    assert {p.stem for p in MODULES} >= {"__init__", "address", "ids", "instruction", "keys", "pda", "programs"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_sol_imports_only_itself_errors_and_the_standard_library(path: Path) -> None:
    imports = imported_modules(path)
    project = {name for name in imports if _under(name, ("pytest_fixedratio",))}
    assert all(_under(name, ALLOWED_PROJECT) for name in project), project
    assert not {name for name in imports if _under(name, NO_IO)}
    solana = {name for name in imports if _under(name, SOLANA_LIBRARIES)}
    assert solana == ({"solders.keypair"} if path.name == "keys.py" else set())
