"""`frt-stress localnet` in a process of its own, for a run (or a pytest session and all its xdist workers)
that shares one chain: the chain gets a core of its own, and outlives any client that is killed.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Final

from pytest_fixedratio.chain.base import ChainError

ANNOUNCED: Final = re.compile(r"localnet JSON-RPC on (http://\S+) ")
STARTUP_S: Final = 60.0
STOP_S: Final = 30.0


class LocalnetProcess:
    """A running `frt-stress localnet --port 0`: its URL; `stop` ends it (SIGTERM, then SIGKILL)."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: IO[bytes]) -> None:
        self.process = process
        self.url = url
        self._log = log

    @classmethod
    def start(cls, program_path: Path | None = None, *, host: str = "127.0.0.1") -> LocalnetProcess:
        """Start it on a free port of `host` and wait until it serves; a chain that does not come up is a
        `ChainError` with what it printed."""
        log = tempfile.TemporaryFile()  # noqa: SIM115  kept open for the process's life, closed by `stop`
        program = [] if program_path is None else ["--program", str(program_path)]
        process = subprocess.Popen([sys.executable, "-m", "pytest_fixedratio.cli", "localnet", "--port", "0",
                                    "--host", host, *program], stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            said = _read(log)
            found = ANNOUNCED.search(said)
            if found:
                return cls(process, found.group(1), log)
            if process.poll() is not None:
                break
            time.sleep(0.05)
        process.kill()
        process.wait()
        said = _read(log)
        log.close()
        raise ChainError(f"frt-stress localnet did not start within {STARTUP_S:.0f} s; it said: {said[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def _read(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")
