"""Integration tests: the SDK against the real local backend running convex/.

Client fixtures are parametrized over both transports, so every test runs once over
the HTTP API and once over the official `ConvexClient` WebSocket.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import pytest

from doctrina_sdk import AsyncDoctrina, Doctrina, LocalBackend

pytestmark = pytest.mark.integration

# One service call over the official WebSocket client, in a child process: if the server
# rejects the service identity the official client retries forever, so only a process
# boundary can bound the wait.
_PROBE = """
import os
from doctrina_sdk import Doctrina
client = Doctrina(url=os.environ["PROBE_URL"], admin_key=os.environ["PROBE_KEY"], transport="websocket")
client.users.me()
"""


@pytest.fixture(scope="session")
def websocket_service_identity(backend: LocalBackend) -> bool:
    """Whether the server accepts the service identity over the sync protocol.

    The official Python client's `set_admin_auth` sends no acting-as identity, so the SDK
    sends ``<key>:<base64 identity>`` as the Admin token, the form the HTTP header uses.
    """
    env = {**os.environ, "PROBE_URL": backend.url, "PROBE_KEY": backend.admin_key}
    try:
        probe = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        return False
    return probe.returncode == 0


@pytest.fixture(params=["http", "websocket"])
def transport(request: pytest.FixtureRequest) -> str:
    if request.param == "websocket" and not request.getfixturevalue("websocket_service_identity"):
        pytest.skip("the local backend does not accept the service identity in the sync Admin token")
    return str(request.param)


@pytest.fixture
def service(backend: LocalBackend, transport: str) -> Iterator[Doctrina]:
    with backend.client(transport=transport) as client:  # type: ignore[arg-type]
        yield client


@pytest.fixture
async def async_service(backend: LocalBackend, transport: str) -> AsyncIterator[AsyncDoctrina]:
    async with backend.async_client(transport=transport) as client:  # type: ignore[arg-type]
        yield client
