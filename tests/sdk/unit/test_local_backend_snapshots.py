"""Snapshot jobs against a server that does not answer: one typed error, within the timeout."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from doctrina_sdk import LocalBackend, LocalBackendError


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A loopback server that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


@pytest.fixture
def closed_url() -> str:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _backend(url: str, tmp_path: Path) -> LocalBackend:
    return LocalBackend(url=url, admin_key="key", data_dir=tmp_path)


def test_a_server_that_never_answers_ends_the_export_with_one_error(silent_url: str, tmp_path: Path) -> None:
    with pytest.raises(LocalBackendError, match=r"^Snapshot export failed: the local backend did not answer"):
        _backend(silent_url, tmp_path).export_snapshot(tmp_path / "out.zip", timeout=1)
    assert not (tmp_path / "out.zip").exists()


def test_a_server_that_is_gone_ends_the_import_with_one_error(closed_url: str, tmp_path: Path) -> None:
    with pytest.raises(LocalBackendError, match=r"^Snapshot import failed: .*ConnectError"):
        _backend(closed_url, tmp_path).import_snapshot(tmp_path / "in.zip", timeout=1)
