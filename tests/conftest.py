"""Fixtures shared by every Python test suite.

`backend`: one embedded local backend for the whole pytest session, started through
`LocalBackend.start` on a free loopback port with its data in a temporary directory,
and stopped (no process left behind) when the session ends. Tests that use it
create their own data (e.g. users with unique emails) instead of assuming an empty
database.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from doctrina_sdk import LocalBackend


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackend]:
    with LocalBackend.start(
        data_dir=tmp_path_factory.mktemp("doctrina-backend"), startup_timeout=120
    ) as started:
        yield started
