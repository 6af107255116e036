"""Malformed instruction data, for every FRT variant: the bundled program refuses each exactly as the decoding
rules predict (the error, at the instruction, with nothing but the network fee charged)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.frt import instruction_data as ixd
from pytest_fixedratio.intents.intent import Intent
from pytest_fixedratio.intents.malformed import MALFORMED, MalformedData, sample
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.verify.verifier import Verifier

ADDRESS = Address(bytes(range(32)))


def test_every_variant_is_broken_both_ways_and_the_special_encodings_too() -> None:
    names = {cls.__name__ for cls in ixd.INSTRUCTION_TYPES}
    assert {f"{n}.short" for n in names} | {f"{n}.long" for n in names} <= set(MALFORMED)
    assert {"empty", "unknown_variant", "SetSwapOwnerOnly.bool_2", "DonateSol.invalid_utf8",
            "DonateSol.length_past_end"} <= set(MALFORMED)


@pytest.mark.parametrize("cls", ixd.INSTRUCTION_TYPES, ids=lambda cls: cls.__name__)
def test_the_samples_are_well_formed(cls: type[ixd.InstructionData]) -> None:
    assert isinstance(ixd.decode_instruction(sample(cls, ADDRESS)), cls)


@given(st.sampled_from(sorted(MALFORMED)), st.binary(min_size=32, max_size=32))
def test_every_malformed_encoding_is_refused_while_decoding(name: str, raw: bytes) -> None:
    data = MALFORMED[name](Address(raw))
    with pytest.raises(ixd.InstructionDecodeError) as refused:
        ixd.decode_instruction(data)
    # only empty data (also what is left of a variant without fields, one byte short) is InvalidInstructionData
    assert (refused.value.kind == "InvalidInstructionData") == (data == b""), (name, data.hex())


@pytest.mark.asyncio
async def test_the_bundled_program_refuses_each_as_predicted() -> None:
    chain = LiteSvmChain(program=Wallet.from_seed(b"p" * 32), upgrade_authority=Wallet.from_seed(b"a" * 32))
    payer = Wallet.generate()
    await chain.airdrop(payer.address, 10 * ids.LAMPORTS_PER_SOL)
    verifier = Verifier(chain.program_id)
    errors = {}
    for name, build in MALFORMED.items():
        intent = Intent(f"adversary:decode.{name}", "test", (MalformedData(name, chain.program_id, build(ADDRESS)),),
                        (payer,))
        receipt = await chain.send(intent.instructions(), intent.signers, watch=intent.watch())
        verification = verifier.verify(intent, receipt)
        assert verification.expected_failure and verification.findings == (), (name, verification.findings)
        assert verification.error is not None
        errors[name] = verification.error.name
    assert set(errors.values()) == {"BorshIoError", "InvalidInstructionData"}
    assert errors["empty"] == "InvalidInstructionData" and errors["Deposit.long"] == "BorshIoError"
