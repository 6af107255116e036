"""The bundled reference FRT program and the tooling that builds it.

The program is C (``c/``), compiled by Debian's ``clang-19 -target bpf`` and linked into an SBPFv0 shared
object by this package's own linker (``linker``), because the official Solana toolchain cannot be installed
here (see sbf-toolchain.md). ``build`` is the command that ties the two together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

REFERENCE_PROGRAM: Final = Path(__file__).with_name("frt_reference.so")
"""The committed build of the reference program, as ``python -m pytest_fixedratio.program.build`` writes it."""
