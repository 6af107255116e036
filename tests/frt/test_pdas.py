"""FRT's PDAs: the spec's vectors (frt-contract.md 2.1), mint order and the pool address set.

The generic derivation is tested against solders in tests/sol/test_pda.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address

A = Address.from_base58

# program: (system_state, bump), (main_treasury, bump), (programdata, bump)
GLOBAL_VECTORS = {
    "4aeVqtWhrUh6wpX8acNj2hpWXKEQwxjA3PYb2sHhNyCn": (
        ("7mJQU5YkXBeeYR44TFosU4YhCciRC5ierTN29fa7ia3D", 255),
        ("HBffTYMVJHgRYNCQ4opHrAVVeT1QPDtJLLDKki7mUp43", 255),
        ("2FXQ9r1d1bdhdUVTh735CeUEBEhQbZvCoTfdoyFVyrqD", 253),
    ),
    "9iqh69RqeG3RRrFBNZVoE77TMRvYboFUtC2sykaFVzB7": (
        ("3oh6Ryf8QerWPyM3C1GEA4jAQKBdSik2iy93NjqtkygG", 253),
        ("2Lgqn5GJBeRCveUybftTGt8cJdhqbrV9JUXFrVejzFa6", 254),
        ("6Ahzj8CBzfKxtSvmmxnTM4HJZi8mdTNSU2mh5Zm74qjP", 255),
    ),
    "quXSYkeZ8ByTCtYY1J1uxQmE36UZ3LmNGgE3CYMFixD": (
        ("Dkjm34MNnR7z8mZ1hohMu2D9WxePyjnJ58gahG8CthqL", 255),
        ("4LwioejiK9ML57kqm6K7b4FHtPAGz88to3b9j1cPiEeN", 252),
        ("3ZCrRh4nzEbn2Pww2hcB8W5rj2auCY1L7Sce83tH9QsK", 255),
    ),
}


@pytest.mark.parametrize("program", sorted(GLOBAL_VECTORS))
def test_global_pdas_match_the_spec_vectors(program: str) -> None:
    system, treasury, program_data = GLOBAL_VECTORS[program]
    pid = A(program)
    assert (str(pdas.system_state(pid)[0]), pdas.system_state(pid)[1]) == system
    assert (str(pdas.main_treasury(pid)[0]), pdas.main_treasury(pid)[1]) == treasury
    assert (str(pdas.program_data(pid)[0]), pdas.program_data(pid)[1]) == program_data


def test_wsol_usdc_pool_vector_sorts_by_bytes_not_by_text() -> None:
    usdc = A("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")
    # base58 text order puts USDC first; raw bytes put WSOL (0x06...) before USDC (0xC6...).
    assert str(usdc) < str(ids.NATIVE_MINT)
    pool = pdas.PoolAddresses.derive(c.PROGRAM_ID_LOCALNET, usdc, ids.NATIVE_MINT, 1_000_000_000, 160_000_000)
    assert pool.token_a_mint == ids.NATIVE_MINT and pool.token_b_mint == usdc
    assert (str(pool.pool), pool.pool_bump) == ("75QvP8uKKmgfmgBwviiGsNAupp2pM8TQK1aGPYYUptTK", 253)
    assert str(pool.token_a_vault) == "FAUqdjJL6eoTn9Qjct5jnHAne8tUjPvhzaPLvKhXouEF"
    assert str(pool.token_b_vault) == "EvvwR3dmNyQX9DfFEHZYZanjgcq212rCjbfNvNNB6vvS"
    assert str(pool.lp_a_mint) == "bux1ySmSAXH3kfWWfhUnv2fA9gWGmgqskoCcDuFcXTW"
    assert str(pool.lp_b_mint) == "5YD67B1YRf9m98XugohZ5FG8DFXEAHricS8Dpj21eRZ4"
    assert pool.mint(c.Side.A) == ids.NATIVE_MINT and pool.vault(c.Side.B) == pool.token_b_vault
    assert pool.lp_mint(c.Side.B) == pool.lp_b_mint


addresses = st.binary(min_size=32, max_size=32).map(Address)


@given(m1=addresses, m2=addresses)
def test_sort_mints_is_raw_byte_order_and_symmetric(m1: Address, m2: Address) -> None:
    a, b = pdas.sort_mints(m1, m2)
    assert bytes(a) <= bytes(b)
    assert pdas.sort_mints(m2, m1) == (a, b)


@given(program=addresses, m1=addresses, m2=addresses,
       ra=st.integers(1, 2**64 - 1), rb=st.integers(1, 2**64 - 1))
def test_pool_pda_does_not_depend_on_mint_argument_order(program: Address, m1: Address, m2: Address,
                                                         ra: int, rb: int) -> None:
    assert pdas.PoolAddresses.derive(program, m1, m2, ra, rb) == pdas.PoolAddresses.derive(program, m2, m1, ra, rb)
