"""The official Python `ConvexClient` (the Rust sync client) against the server.

Its blocking calls hold the GIL, so subscriptions are read with `async for`
(`__anext__` releases it) and the server always runs in another process.
"""

from __future__ import annotations

import base64
import json

import pytest
from convex.http_client import ConvexHttpClient

from convex import ConvexClient, ConvexError, ConvexInt64

from ._server import BackendProcess
from ._subscriptions import next_value, value_matching


def test_query_mutation_action(server: BackendProcess, counter: dict[str, str]) -> None:
    client = ConvexClient(server.url)
    assert client.query("counter:get", counter) is None
    assert client.mutation("counter:increment", counter) == 1
    assert client.query("counter:get", counter) == 1
    value = {"n": ConvexInt64(7), "b": b"\x01"}
    assert client.action("protocol:echoAction", {"value": value}) == value


def test_errors(server: BackendProcess) -> None:
    client = ConvexClient(server.url)
    with pytest.raises(ConvexError) as raised:
        client.mutation("protocol:failWithData", {"code": "NOT_FOUND"})
    assert raised.value.data == {"code": "NOT_FOUND", "message": "failed with NOT_FOUND"}
    with pytest.raises(ConvexError) as from_query:
        client.query("errors:convexError", {"code": "FORBIDDEN"})
    assert from_query.value.data["code"] == "FORBIDDEN"
    with pytest.raises(ConvexError) as from_action:
        client.action("protocol:failInAction")
    assert from_action.value.data["code"] == "ACTION_FAILED"
    with pytest.raises(Exception, match="boom"):
        client.mutation("protocol:failPlainly")
    with pytest.raises(Exception, match="Could not find public function"):
        client.query("protocol:internalRead")


async def test_subscription_receives_another_clients_mutation(
    server: BackendProcess, counter: dict[str, str]
) -> None:
    watcher = ConvexClient(server.url)
    subscription = watcher.subscribe("counter:get", counter)
    assert await next_value(subscription) is None
    written = ConvexHttpClient(server.url).mutation("counter:increment", counter)
    assert await value_matching(subscription, lambda value: value == written) == 1
    ws_written = ConvexClient(server.url).mutation("counter:increment", counter)
    assert await value_matching(subscription, lambda value: value == ws_written) == 2
    subscription.unsubscribe()


def test_set_auth_with_a_development_token(server: BackendProcess, dev_token: str) -> None:
    client = ConvexClient(server.url)
    assert client.query("protocol:whoami") is None
    client.set_auth(dev_token)
    assert client.query("protocol:whoami")["subject"] == "conformance-user"
    assert client.action("protocol:whoamiAction")["subject"] == "conformance-user"
    client.clear_auth()
    assert client.query("protocol:whoami") is None


def test_set_admin_auth_opens_internal_functions(server: BackendProcess, counter: dict[str, str]) -> None:
    client = ConvexClient(server.url)
    client.set_admin_auth(server.admin_key)
    assert client.query("protocol:internalRead") == "internal only"
    client.mutation("protocol:internalWrite", counter)
    assert client.query("counter:get", counter) == 1


def test_set_admin_auth_acting_as_an_identity(server: BackendProcess) -> None:
    # The binding's set_admin_auth has no acting-as parameter; the SDK passes the header form.
    identity = base64.b64encode(
        json.dumps({"issuer": "https://service.doctrina.invalid", "subject": "svc"}).encode()
    )
    client = ConvexClient(server.url)
    client.set_admin_auth(f"{server.admin_key}:{identity.decode()}")
    assert client.query("protocol:whoami")["tokenIdentifier"] == "https://service.doctrina.invalid|svc"
    assert client.query("protocol:internalRead") == "internal only"
