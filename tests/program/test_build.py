"""The build command: finding clang-19, compiling and linking reproducibly, and --check.

Tests that compile are marked ``needs_clang`` and skipped when clang-19 is not installed.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Final

import pytest
from elftools.elf.elffile import ELFFile

from pytest_fixedratio.program import REFERENCE_PROGRAM
from pytest_fixedratio.program.build import (
    SOURCE_DIR,
    build,
    check,
    clang_path,
    compile_and_link,
    compile_object,
    main,
)
from pytest_fixedratio.program.errors import BuildError
from pytest_fixedratio.program.linker import link_files

DATA: Final = Path(__file__).with_name("data")


def _section_contents(path: Path) -> dict[str, bytes]:
    elf = ELFFile(io.BytesIO(path.read_bytes()))
    return {section.name: section.data() for section in elf.iter_sections() if section.name != ".comment"}


def _source_dir(parent: Path, *names: str) -> Path:
    parent.mkdir(parents=True)
    for name in names:
        shutil.copy(DATA / name, parent / name)
    return parent


def test_without_clang_the_build_fails_with_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert clang_path() is None
    output = tmp_path / "out.so"
    assert main(["--output", str(output)]) == 1
    assert "apt-get install clang-19" in capsys.readouterr().err
    assert not output.exists()


def test_clang_is_looked_up_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "clang-19"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert clang_path() == fake


def test_a_directory_without_sources_is_a_build_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no C sources"):
        build(tmp_path / "out.so", source_dir=tmp_path)


@pytest.mark.needs_clang
@pytest.mark.skipif(clang_path() is None, reason="clang-19 is not installed (apt-get install clang-19)")
class TestWithClang:
    def test_the_build_matches_the_committed_object_in_any_directory(self, tmp_path: Path) -> None:
        """Same bytes from two checkouts at different absolute paths, and the same as linking hello.o."""
        near = _source_dir(tmp_path / "a", "hello.c")
        far = _source_dir(tmp_path / "somewhere" / "much" / "deeper" / "checkout", "hello.c")
        build(tmp_path / "near.so", source_dir=near)
        build(tmp_path / "far.so", source_dir=far)
        assert (tmp_path / "near.so").read_bytes() == (tmp_path / "far.so").read_bytes()
        assert (tmp_path / "near.so").read_bytes() == link_files([DATA / "hello.o"])

    @pytest.mark.parametrize("source", sorted(DATA.glob("*.c")), ids=lambda path: path.name)
    def test_committed_test_objects_match_their_sources(self, source: Path, tmp_path: Path) -> None:
        """Compared section by section, leaving out .comment (clang's exact version string)."""
        clang = clang_path()
        assert clang is not None
        fresh = compile_object(clang, source, tmp_path / source.with_suffix(".o").name)
        assert _section_contents(fresh) == _section_contents(source.with_suffix(".o"))

    def test_compile_errors_name_the_file_and_show_clang_output(self, tmp_path: Path) -> None:
        broken = tmp_path / "broken.c"
        broken.write_text("int entrypoint(void) { return undeclared; }\n")
        with pytest.raises(BuildError, match=r"(?s)clang-19 failed on .*broken\.c.*undeclared"):
            compile_and_link([broken])

    def test_link_errors_fail_the_command(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        sources = _source_dir(tmp_path / "src", "mutable_global.c")
        assert main(["--source-dir", str(sources), "--output", str(tmp_path / "out.so")]) == 1
        assert "variable 'call_count'" in capsys.readouterr().err
        assert not (tmp_path / "out.so").exists()

    def test_check_accepts_the_current_build_and_rejects_any_other(self, tmp_path: Path) -> None:
        sources = _source_dir(tmp_path / "src", "hello.c")
        output = tmp_path / "program.so"
        arguments = ["--source-dir", str(sources), "--output", str(output)]
        assert main(arguments) == 0
        assert main([*arguments, "--check"]) == 0
        output.write_bytes(output.read_bytes()[:-1] + bytes([output.read_bytes()[-1] ^ 1]))
        assert main([*arguments, "--check"]) == 1
        assert "does not match its sources" in (check(output, source_dir=sources) or "")
        assert "does not exist" in (check(tmp_path / "missing.so", source_dir=sources) or "")

    def test_committed_program_matches_source(self) -> None:
        assert check(REFERENCE_PROGRAM, source_dir=SOURCE_DIR) is None
