"""The official Python `ConvexClient` (the Rust sync client) against the server.

Its blocking calls hold the GIL, so subscriptions are read with `async for`
(`__anext__` releases it) and the server always runs in another process.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from convex.http_client import ConvexHttpClient

from convex import ConvexClient, ConvexError, ConvexInt64

from ._server import BackendProcess

UPDATE_TIMEOUT_S = 10


async def next_value(subscription: Any) -> Any:
    return await asyncio.wait_for(subscription.__anext__(), UPDATE_TIMEOUT_S)


async def value_matching(subscription: Any, predicate: Any) -> Any:
    """The Rust client re-delivers current values on every Transition: skip until it matches."""
    while True:
        value = await next_value(subscription)
        if predicate(value):
            return value


def test_query_mutation_action(server: BackendProcess) -> None:
    client = ConvexClient(server.url)
    before = client.query("counter:get")
    assert client.mutation("counter:increment", {}) == before + 1
    assert client.query("counter:get") == before + 1
    assert client.action("actions:echo", {"n": ConvexInt64(7)}) == {"n": ConvexInt64(7)}


def test_errors(server: BackendProcess) -> None:
    client = ConvexClient(server.url)
    with pytest.raises(ConvexError) as raised:
        client.mutation("errors:convexError")
    assert raised.value.data == {"code": "NOT_FOUND", "message": "missing"}
    with pytest.raises(ConvexError) as from_query:
        client.query("errors:queryConvexError")
    assert from_query.value.data["code"] == "FORBIDDEN"
    with pytest.raises(Exception, match="boom"):
        client.mutation("errors:plain")
    with pytest.raises(Exception, match="Could not find public function"):
        client.query("secret:internalQuery")


async def test_subscription_receives_another_clients_mutation(server: BackendProcess) -> None:
    watcher = ConvexClient(server.url)
    subscription = watcher.subscribe("counter:get", {})
    first = await next_value(subscription)
    written = ConvexHttpClient(server.url).mutation("counter:increment", {})
    assert written == first + 1
    assert await value_matching(subscription, lambda value: value == written) == written
    ws_written = ConvexClient(server.url).mutation("counter:increment", {})
    assert await value_matching(subscription, lambda value: value == ws_written) == ws_written
    subscription.unsubscribe()


def test_set_auth_with_a_development_token(server: BackendProcess, dev_token: str) -> None:
    client = ConvexClient(server.url)
    assert client.query("auth:whoami") is None
    client.set_auth(dev_token)
    assert client.query("auth:whoami")["subject"] == "conformance-user"
    client.clear_auth()
    assert client.query("auth:whoami") is None


def test_set_admin_auth_opens_internal_functions(server: BackendProcess) -> None:
    client = ConvexClient(server.url)
    client.set_admin_auth(server.admin_key)
    assert client.query("secret:internalQuery") == "secret"
    assert client.mutation("secret:internalMutation") == "done"
