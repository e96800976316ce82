"""Unit tests: no server. `respx` answers the client's HTTP requests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import respx
from unit_support import URL

from doctrina_sdk import _retry


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=URL, assert_all_called=False) as router:
        yield router


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry pauses, recorded instead of slept."""
    recorded: list[float] = []

    async def async_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(_retry, "_sleep", recorded.append)
    monkeypatch.setattr(_retry, "_async_sleep", async_sleep)
    return recorded


@pytest.fixture(autouse=True)
def no_deployment_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Unit tests never see the developer's environment or .env.local."""
    for name in (
        "DOCTRINA_URL",
        "CONVEX_URL",
        "CONVEX_SELF_HOSTED_URL",
        "DOCTRINA_ADMIN_KEY",
        "CONVEX_SELF_HOSTED_ADMIN_KEY",
        "CONVEX_DEPLOY_KEY",
        "DOCTRINA_AUTH_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
