"""A server restart on the same data directory and port: the official WebSocket client
reconnects by itself, re-subscribes, and sees writes made after the restart."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from convex.http_client import ConvexHttpClient

from convex import ConvexClient

from ._server import free_port, running_backend

# The Rust client backs off up to 15 s (with jitter) between reconnect attempts.
RECONNECT_TIMEOUT_S = 45


async def test_subscription_survives_a_server_restart(tmp_path: Path) -> None:
    port = ("--port", str(free_port()))
    counter = {"name": f"restart-{uuid.uuid4()}"}
    with running_backend(tmp_path / "data", extra_args=port) as first:
        ConvexHttpClient(first.url).mutation("counter:increment", counter)
        subscription = ConvexClient(first.url).subscribe("counter:get", counter)
        assert await asyncio.wait_for(subscription.__anext__(), 10) == 1
    with running_backend(tmp_path / "data", extra_args=port) as second:
        assert ConvexHttpClient(second.url).mutation("counter:increment", counter) == 2

        async def updated() -> None:
            while await subscription.__anext__() != 2:
                pass

        await asyncio.wait_for(updated(), RECONNECT_TIMEOUT_S)
    subscription.unsubscribe()
