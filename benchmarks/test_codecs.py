"""Micro-benchmarks of account decoding, the most frequent call of a verified campaign (about ten per
transaction, mostly token accounts), and of encoding. Each decoder is grouped with its floor measured in the
same run: the bare `struct.unpack` of the same bytes, which no decoder that returns the fields can beat.
Decoding is measured twice: the work done on bytes not seen recently (`_decode`), and `decode` of bytes a
recent call already decoded (remembered; fresh bytes each call, as LiteSVM returns them, so hashed anew)."""

from __future__ import annotations

import struct

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from pytest_fixedratio.frt.constants import PoolFlag
from pytest_fixedratio.frt.state import AccountLayout, PoolState, TokenAccount, TokenAccountState
from pytest_fixedratio.sol.address import Address

_KEYS = [Address(bytes([i + 1]) * 32) for i in range(8)]
SAMPLES: dict[str, AccountLayout] = {
    "PoolState": PoolState(_KEYS[0], _KEYS[1], _KEYS[2], _KEYS[3], _KEYS[4], _KEYS[5], _KEYS[6], 1_000_000,
                           2_000_000, total_token_b_liquidity=10**15, flags=PoolFlag.SIMPLE_RATIO,
                           collected_fees_token_a=7, reserved=(1, 2, 3, 4)),
    "TokenAccount": TokenAccount(_KEYS[0], _KEYS[1], 123_456, _KEYS[2], TokenAccountState.INITIALIZED, None, 5,
                                 _KEYS[3]),
}
FLOORS = {"PoolState": "<" + "32s" * 7 + "4Q" + "6B" + "9Q" + "q" + "8Q" + "4Q",
          "TokenAccount": "<32s32sQI32sBIQQI32s"}


@pytest.mark.parametrize("name", SAMPLES)
def test_decode_new_bytes(benchmark: BenchmarkFixture, name: str) -> None:
    benchmark.group = f"decode {name}"
    sample = SAMPLES[name]
    assert benchmark(type(sample)._decode, sample.encode()) == sample


@pytest.mark.parametrize("name", SAMPLES)
def test_decode_recently_seen_bytes(benchmark: BenchmarkFixture, name: str) -> None:
    benchmark.group = f"decode {name}"
    sample = SAMPLES[name]
    assert benchmark(type(sample).decode, memoryview(sample.encode())) == sample


@pytest.mark.parametrize("name", SAMPLES)
def test_decode_floor_bare_struct_unpack(benchmark: BenchmarkFixture, name: str) -> None:
    benchmark.group = f"decode {name}"
    sample = SAMPLES[name]
    packer = struct.Struct(FLOORS[name])
    assert packer.size == sample.ACCOUNT_LEN
    benchmark(packer.unpack, sample.encode())


@pytest.mark.parametrize("name", SAMPLES)
def test_encode(benchmark: BenchmarkFixture, name: str) -> None:
    benchmark.group = f"encode {name}"
    sample = SAMPLES[name]
    assert type(sample).decode(benchmark(sample.encode)) == sample
