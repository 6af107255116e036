"""Builds of the reference program with one check removed: how the adversary's bug-finding power is shown.

Each mutant is the bundled C source with one textual change (a check deleted or weakened). Their builds are
committed next to this file (`mutants/<name>.so`), so the campaign tests run without clang; whenever clang-19 is
installed a test rebuilds each one and compares the bytes. Regenerate with
``python -m tests.program.mutants`` after changing the C source.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pytest_fixedratio.program.build import SOURCE_DIR, build

MUTANTS_DIR: Final = Path(__file__).with_name("mutants")


@dataclass(frozen=True, slots=True)
class Mutant:
    """`file` of the C source with `original` (found exactly once) replaced by `mutated`; `caught_by` names the
    adversarial variants (intent kinds without the "adversary:" prefix) that must expose it."""

    name: str
    file: str
    original: str
    mutated: str
    caught_by: frozenset[str]

    @property
    def program(self) -> Path:
        return MUTANTS_DIR / f"{self.name}.so"

    def patch(self, source_dir: Path) -> None:
        path = source_dir / self.file
        text = path.read_text(encoding="utf-8")
        if text.count(self.original) != 1:
            raise AssertionError(f"{self.name}: {self.original!r} is not in {self.file} exactly once; "
                                 "update the mutant")
        path.write_text(text.replace(self.original, self.mutated), encoding="utf-8")

    def build_bytes(self) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "c"
            shutil.copytree(SOURCE_DIR, source)
            self.patch(source)
            output = Path(tmp) / f"{self.name}.so"
            build(output, source)
            return output.read_bytes()


MUTANTS: Final = (
    Mutant("deposit_without_signer_check", "liquidity.c",
           "    uint64_t err = check_signer_and_pause(params);\n    if (err != SUCCESS) {\n        return err;\n"
           "    }\n    if (amount == 0) {",
           "    uint64_t err = check_system_not_paused(&params->ka[ACC_SYSTEM_STATE], params->program_id);\n"
           "    if (err != SUCCESS) {\n        return err;\n    }\n    if (amount == 0) {",
           frozenset({"deposit.missing_signer"})),
    Mutant("swap_without_balance_check", "swap.c",
           "    if (token_amount_of(input) < amount_in) {\n"
           "        return FAIL(ERR_INVALID_ACCOUNT_DATA, \"Insufficient balance in the user input token account\");\n"
           "    }\n",
           "",
           frozenset({"swap.over_balance"})),
    Mutant("decoder_accepting_a_trailing_byte", "entrypoint.c",
           "    if (len != VARIANT_LEN[variant]) {",
           "    if (len < VARIANT_LEN[variant]) {",
           frozenset({"deposit.data_long", "withdraw.data_long", "swap.data_long", "decode.Deposit.long",
                      "decode.Withdraw.long", "decode.Swap.long"})),
    Mutant("pool_creation_without_treasury_check", "pool.c",
           "    if (!pubkey_eq(treasury->key, &expected.key)) {\n"
           "        return FAIL(ERR_TREASURY_VALIDATION_FAILED, \"Main treasury PDA mismatch\");\n    }\n",
           "",
           frozenset({"initialize_pool.treasury_wrong"})),
    Mutant("pool_creation_accepting_a_zero_ratio", "pool.c",
           "    if (init->ratio_a == 0 || init->ratio_b == 0) {",
           "    if (init->ratio_a == 0 && init->ratio_b == 0) {",
           frozenset({"initialize_pool.zero_ratio_a", "initialize_pool.zero_ratio_b"})),
    Mutant("program_initialization_by_anyone", "system.c",
           "    if (!pubkey_eq(authority->key, (const SolPubkey *)(d + PROGRAM_DATA_AUTHORITY))) {",
           "    if (false) {",
           frozenset({"initialize_program.not_upgrade_authority"})),
    Mutant("swap_without_vault_key_check", "swap.c",
           "    if (!pubkey_eq(vault_a->key, (const SolPubkey *)(d + POOL_TOKEN_A_VAULT)) ||\n"
           "        !pubkey_eq(vault_b->key, (const SolPubkey *)(d + POOL_TOKEN_B_VAULT))) {",
           "    if (false) {",
           frozenset({"swap.fake_vault"})),
    Mutant("deposit_without_lp_mint_key_check", "liquidity.c",
           "    if (!pubkey_eq(side->lp_mint->key, side->lp_mint_key)) {\n"
           "        return FAIL(ERR_INVALID_ACCOUNT_DATA, \"LP token mint PDA mismatch\");\n    }\n",
           "",
           frozenset({"deposit.fake_lp_mint", "deposit.lp_mints_swapped"})),
    Mutant("system_pause_ignored", "common.c",
           "    if (account->data[SYSTEM_IS_PAUSED]) {",
           "    if (false) {",
           frozenset({"forged.deposit.system_paused", "forged.withdraw.system_paused", "forged.swap.system_paused",
                      "forged.initialize_pool.system_paused",
                      # the operator's admin actions under its own system pause (G5)
                      "pause_pool", "update_pool_fees", "set_swap_owner_only", "withdraw_treasury_fees", "donate_sol",
                      "process_admin_change"})),
    Mutant("swap_without_owner_only_check", "swap.c",
           "    if ((d[POOL_FLAGS] & POOL_FLAG_SWAP_FOR_OWNERS_ONLY) &&\n"
           "        !pubkey_eq(user->key, (const SolPubkey *)(d + POOL_OWNER))) {\n"
           "        return FAIL(ERR_SWAP_ACCESS_RESTRICTED, \"Swaps restricted to the pool owner\");\n"
           "    }\n",
           "",
           frozenset({"forged.swap.owner_only"})),
    Mutant("delegation_allowance_off_by_one", "token.c",
           "load_u64(d + TOKEN_ACCOUNT_DELEGATED_AMOUNT) > 0",
           "load_u64(d + TOKEN_ACCOUNT_DELEGATED_AMOUNT) > 1",
           frozenset({"forged.deposit.source_delegated", "forged.deposit.lp_account_delegated",
                      "forged.withdraw.lp_account_delegated", "forged.withdraw.destination_delegated",
                      "forged.swap.input_delegated", "forged.swap.output_delegated"})),
)
"""The first eight are caught by adversarial variants; the others only by forged-state scenarios (a paused system,
an owner-only pool and a delegation exist on chain only as forged state)."""


FIXES: Final = {
    "admin-check-bypass": Mutant(
        "admin_check_bypass_fixed", "system.c",
        '        MSG("\\xe2\\x9a\\xa0\\xef\\xb8\\x8f  Program data account not owned by upgradeable loader");\n'
        "        return SUCCESS;\n",
        '        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Program data account not owned by upgradeable loader");\n',
        frozenset()),
    "consolidation-residue": Mutant(
        "consolidation_residue_fixed", "consolidation.c", "#define POOL_STATE_IN_MEMORY_LEN 440",
        "#define POOL_STATE_IN_MEMORY_LEN 438", frozenset()),
    "lp-decimals-as-passed": Mutant(
        "lp_decimals_sorted_fixed", "pool.c", "        err = create_pool_accounts(&init, decimals7, decimals8);",
        "        err = create_pool_accounts(&init, seven_is_a ? decimals7 : decimals8, seven_is_a ? decimals8 : "
        "decimals7);", frozenset()),
}
"""Builds with one known finding (`engine.findings.CATALOGUE`) fixed, by its id: what a user testing their own
fixed build runs. The probes must show the finding gone, and the run stay green."""


def main() -> int:
    MUTANTS_DIR.mkdir(exist_ok=True)
    for mutant in (*MUTANTS, *FIXES.values()):
        mutant.program.write_bytes(mutant.build_bytes())
        print(f"{mutant.program}: {mutant.program.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
