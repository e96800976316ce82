"""The official Python `ConvexHttpClient` (convex==0.8.1), unmodified, against the server."""

from __future__ import annotations

import pytest
from convex.http_client import ConvexExecutionError, ConvexHttpClient

from convex import ConvexError, ConvexInt64

from ._server import BackendProcess


def test_query_mutation_action(server: BackendProcess) -> None:
    client = ConvexHttpClient(server.url)
    before = client.query("counter:get")
    after = client.mutation("counter:increment", {"by": 2})
    assert after == before + 2
    assert isinstance(after, float)
    assert client.query("counter:get") == after
    assert client.action("actions:echo", {"x": "y"}) == {"x": "y"}


def test_values_keep_their_convex_types(server: BackendProcess) -> None:
    args = {"int": ConvexInt64(2**60), "bytes": b"\x00\x01", "float": 1.0, "nested": [{"a": None}]}
    assert ConvexHttpClient(server.url).query("values:echo", args) == args


def test_convex_error_carries_its_data(server: BackendProcess) -> None:
    client = ConvexHttpClient(server.url)
    with pytest.raises(ConvexError) as raised:
        client.mutation("errors:convexError")
    # convex 0.8.1 hands object data over as is and always says "Convex error" for it.
    assert raised.value.data == {"code": "NOT_FOUND", "message": "missing"}


def test_plain_errors_and_missing_functions(server: BackendProcess) -> None:
    client = ConvexHttpClient(server.url)
    with pytest.raises(ConvexExecutionError, match="Server Error"):
        client.mutation("errors:plain")
    with pytest.raises(ConvexExecutionError, match="Could not find public function"):
        client.query("nothing:here")
    with pytest.raises(ConvexExecutionError, match="Could not find public function"):
        client.query("secret:internalQuery")


def test_admin_and_user_auth(server: BackendProcess, dev_token: str) -> None:
    admin = ConvexHttpClient(server.url)
    admin.set_admin_auth(server.admin_key)
    assert admin.query("secret:internalQuery") == "secret"

    user = ConvexHttpClient(server.url)
    user.set_auth(dev_token)
    identity = user.query("auth:whoami")
    assert identity["subject"] == "conformance-user"
    assert identity["issuer"] == "https://dev.doctrina.local"
    assert identity["tokenIdentifier"] == "https://dev.doctrina.local|conformance-user"


def test_bad_token_is_a_401(server: BackendProcess) -> None:
    client = ConvexHttpClient(server.url)
    client.set_auth("not-a-token")
    with pytest.raises(Exception, match="401"):
        client.query("auth:whoami")
