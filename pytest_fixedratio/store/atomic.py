"""The one way this project writes and reads its JSON files.

A crash or kill at any moment must leave the stored state readable: the new content goes to a temporary file
in the target's own directory (same filesystem, so the rename is atomic), is flushed and fsynced, and then
replaces the target with `os.replace`. The previous version is kept as ``<name>.backup`` so a reader can fall
back to it when the main file is unreadable for any reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from pytest_fixedratio.errors import FixedRatioError

_REPLACE_ATTEMPTS = 3
_REPLACE_BACKOFF_S = 0.05


class StateFileError(FixedRatioError):
    """A state file and its backup are both missing or unreadable."""


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".backup")


def atomic_write_json(path: Path, obj: Any, *, mode: int = 0o600, keep_backup: bool = True) -> None:
    """Write `obj` as sorted, indented JSON to `path` atomically, with file permissions `mode`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(obj, sort_keys=True, indent=2) + "\n"
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if keep_backup and path.exists():
            _replace(_copy_for_backup(path, mode), backup_path(path))
        _replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _copy_for_backup(path: Path, mode: int) -> Path:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".bak.tmp")
    os.fchmod(fd, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(path.read_bytes())
        handle.flush()
        os.fsync(handle.fileno())
    return Path(name)


def _replace(src: Path, dst: Path) -> None:
    # Retried briefly: a concurrent reader on some filesystems can make the rename fail transiently.
    for attempt in range(_REPLACE_ATTEMPTS):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if attempt == _REPLACE_ATTEMPTS - 1:
                raise
            time.sleep(_REPLACE_BACKOFF_S)


def read_json(path: Path, default: Any = None) -> Any:
    """Read a JSON state file; fall back to its backup when the main file is damaged.

    A missing file (and no backup) gives `default` when one is given; a file that exists but neither it nor its
    backup parses raises `StateFileError`, so damaged state is never silently replaced by an empty one.
    """
    candidates = [p for p in (path, backup_path(path)) if p.exists()]
    if not candidates:
        if default is not None:
            return default
        raise StateFileError(f"{path} does not exist (and has no backup); create it first")
    problems = []
    for candidate in candidates:
        try:
            return json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(f"{candidate}: {exc}")
    raise StateFileError("unreadable state file: " + "; ".join(problems))
