"""Integration tests: the SDK against the real local backend running convex/.

Client fixtures are parametrized over both transports, so every test runs once over
the HTTP API and once over the official `ConvexClient` WebSocket.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from doctrina_sdk import AsyncDoctrina, Doctrina, LocalBackend

pytestmark = pytest.mark.integration


@pytest.fixture(params=["http", "websocket"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def service(backend: LocalBackend, transport: str) -> Iterator[Doctrina]:
    with backend.client(transport=transport) as client:  # type: ignore[arg-type]
        yield client


@pytest.fixture
async def async_service(backend: LocalBackend, transport: str) -> AsyncIterator[AsyncDoctrina]:
    async with backend.async_client(transport=transport) as client:  # type: ignore[arg-type]
        yield client
