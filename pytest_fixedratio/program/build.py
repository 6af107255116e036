"""``python -m pytest_fixedratio.program.build``: compile the reference program's C sources and link them.

Every ``c/*.c`` is compiled by Debian's clang-19 with the flags of sbf-toolchain.md, in sorted order, and the
objects are linked by the project's linker into ``frt_reference.so``. The build is reproducible: no debug
information, sources compiled by relative name from their own directory, objects linked in name order, so the
same sources give the same bytes on any machine and in any checkout directory. ``--check`` uses that to
verify that the committed program matches its sources.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from pytest_fixedratio.program import REFERENCE_PROGRAM
from pytest_fixedratio.program.errors import BuildError, LinkError
from pytest_fixedratio.program.linker import link_files

CLANG: Final = "clang-19"
CLANG_FLAGS: Final = (
    "-target", "bpf", "-mcpu=v2", "-O2", "-fno-builtin", "-ffreestanding", "-ffunction-sections",
    "-fdata-sections", "-mllvm", "-bpf-stack-size=4096", "-Wall", "-Werror",
)  # fmt: skip
"""-mcpu=v2: v3/v4 emit JMP32 and other opcodes the SBPFv0 verifier rejects; the 4096-byte stack is SBPF's."""
SOURCE_DIR: Final = Path(__file__).with_name("c")
OUTPUT_MODE: Final = 0o644
"""The temporary file the program is written through is private (0600); the program is not."""

MISSING_CLANG_MESSAGE: Final = (
    f"{CLANG} was not found on PATH; it compiles the reference program. Install it with: apt-get install {CLANG}"
)
NO_SOURCES_MESSAGE: Final = "no C sources (*.c) in {directory}; nothing to build"
OUT_OF_DATE_MESSAGE: Final = (
    "{path} does not match its sources (rebuilt {rebuilt} bytes, committed {committed}); "
    "run `make program` and commit the result"
)


def clang_path() -> Path | None:
    """Where clang-19 is installed, or None when it is not."""
    found = shutil.which(CLANG)
    return None if found is None else Path(found)


def compile_and_link(sources: Sequence[Path]) -> bytes:
    """Compile ``sources`` (sorted by name) with clang-19 and link them into an SBPFv0 program."""
    clang = clang_path()
    if clang is None:
        raise BuildError(MISSING_CLANG_MESSAGE)
    with tempfile.TemporaryDirectory(prefix="frt-build-") as scratch:
        objects = [
            compile_object(clang, source, Path(scratch, str(number), f"{source.stem}.o"))
            for number, source in enumerate(sorted(sources, key=lambda path: path.name))
        ]
        return link_files(objects)


def compile_object(clang: Path, source: Path, output: Path) -> Path:
    """Compile one C file to a BPF object; headers are looked up next to the source."""
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [str(clang), *CLANG_FLAGS, "-I", ".", "-c", source.name, "-o", str(output.resolve())]
    completed = subprocess.run(command, cwd=source.parent, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BuildError(f"{CLANG} failed on {source}:\n{completed.stderr.strip()}")
    return output


def build(output: Path, source_dir: Path = SOURCE_DIR) -> None:
    """Build every ``source_dir/*.c`` into the program at ``output`` (replaced atomically)."""
    _replace(output, _build_bytes(source_dir))


def _build_bytes(source_dir: Path) -> bytes:
    sources = sorted(source_dir.glob("*.c"))
    if not sources:
        raise BuildError(NO_SOURCES_MESSAGE.format(directory=source_dir))
    return compile_and_link(sources)


def _replace(output: Path, data: bytes) -> None:
    """Write next to the target then rename, so a reader never sees a half-written program."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=output.parent, prefix=f".{output.name}.", delete=False) as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(handle.name, OUTPUT_MODE)
    os.replace(handle.name, output)


def check(committed: Path, source_dir: Path = SOURCE_DIR) -> str | None:
    """None when ``committed`` is exactly what the sources build to, else the reason it is not."""
    rebuilt = _build_bytes(source_dir)
    if not committed.is_file():
        return f"{committed} does not exist; run `make program`"
    existing = committed.read_bytes()
    if existing == rebuilt:
        return None
    return OUT_OF_DATE_MESSAGE.format(path=committed, rebuilt=len(rebuilt), committed=len(existing))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_fixedratio.program.build", description=__doc__)
    parser.add_argument("--output", type=Path, default=REFERENCE_PROGRAM, help="where to write the .so")
    parser.add_argument("--source-dir", type=Path, default=SOURCE_DIR, help="directory of the *.c to build")
    parser.add_argument("--check", action="store_true", help="rebuild in memory and fail if the --output file differs")
    args = parser.parse_args(argv)
    try:
        if args.check:
            problem = check(args.output, args.source_dir)
            if problem is not None:
                print(problem, file=sys.stderr)
                return 1
            print(f"{args.output} is up to date")
        else:
            build(args.output, args.source_dir)
            print(f"wrote {args.output} ({args.output.stat().st_size} bytes)")
    except (BuildError, LinkError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
