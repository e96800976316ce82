"""Fixtures of the conformance suite: real server processes, official clients."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from ._server import FIXTURE_FUNCTIONS, BackendProcess, running_backend


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    """One backend on local-backend/test/fixtures/convex, shared by the suite; tests use their own data."""
    with running_backend(tmp_path_factory.mktemp("conformance"), FIXTURE_FUNCTIONS) as backend:
        yield backend


@pytest.fixture
def http(server: BackendProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture
def admin_headers(server: BackendProcess) -> dict[str, str]:
    return {"Authorization": f"Convex {server.admin_key}"}


@pytest.fixture
def dev_token(http: httpx.Client, admin_headers: dict[str, str]) -> str:
    response = http.post("/_doctrina/dev_token", json={"subject": "conformance-user"}, headers=admin_headers)
    response.raise_for_status()
    token: str = response.json()["token"]
    return token


@pytest.fixture
def counter() -> dict[str, str]:
    """Arguments naming a counter no other test touches (`counter:get`, `counter:increment`)."""
    return {"name": f"counter-{uuid.uuid4()}"}
