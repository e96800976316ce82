"""Fixtures shared by every Python test suite.

`wait_gone(pid)`: polls (no psutil) until a process has exited, for tests that check no
process is left behind.

`backend`: one embedded local backend for the whole pytest session, started through
`LocalBackend.start` on a free loopback port with its data in a temporary directory,
and stopped (no process left behind) when the session ends. Tests that use it
create their own data (e.g. users with unique emails) instead of assuming an empty
database.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from doctrina_sdk import LocalBackend


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackend]:
    with LocalBackend.start(
        data_dir=tmp_path_factory.mktemp("doctrina-backend"), startup_timeout=120
    ) as started:
        yield started


def _process_gone(pid: int) -> bool:
    """True once ``pid`` has exited; a zombie nobody has reaped yet counts as exited."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"


@pytest.fixture
def wait_gone() -> Callable[..., bool]:
    def wait(pid: int, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while not _process_gone(pid):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    return wait
