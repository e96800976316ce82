"""The official Python `ConvexHttpClient` (convex==0.8.1), unmodified, against the server."""

from __future__ import annotations

import pytest
from convex.http_client import ConvexExecutionError, ConvexHttpClient

from convex import ConvexError, ConvexInt64

from ._server import BackendProcess


def test_query_mutation_action(server: BackendProcess, counter: dict[str, str]) -> None:
    client = ConvexHttpClient(server.url)
    assert client.query("counter:get", counter) is None
    after = client.mutation("counter:increment", {**counter, "by": 2})
    assert after == 2
    assert isinstance(after, float)
    assert client.mutation("counter.js:increment", counter) == 3
    assert client.query("counter:get", counter) == 3
    assert client.action("protocol:echoAction", {"value": {"x": "y"}}) == {"x": "y"}


def test_values_keep_their_convex_types(server: BackendProcess) -> None:
    value = {"int": ConvexInt64(2**60), "bytes": b"\x00\x01", "float": 1.0, "nested": [{"a": None}]}
    assert ConvexHttpClient(server.url).query("protocol:echo", {"value": value}) == value


def test_convex_error_carries_its_data(server: BackendProcess) -> None:
    client = ConvexHttpClient(server.url)
    with pytest.raises(ConvexError) as raised:
        client.mutation("protocol:failWithData", {"code": "NOT_FOUND"})
    # convex 0.8.1 hands object data over as is and always says "Convex error" for it.
    assert raised.value.data == {"code": "NOT_FOUND", "message": "failed with NOT_FOUND"}
    with pytest.raises(ConvexError) as from_action:
        client.action("protocol:failInAction")
    assert from_action.value.data["code"] == "ACTION_FAILED"


def test_plain_errors_and_missing_functions(server: BackendProcess) -> None:
    client = ConvexHttpClient(server.url)
    with pytest.raises(ConvexExecutionError, match="boom"):
        client.mutation("protocol:failPlainly")
    with pytest.raises(ConvexExecutionError, match="Could not find public function"):
        client.query("nothing:here")
    with pytest.raises(ConvexExecutionError, match="Could not find public function"):
        client.query("protocol:internalRead")


def test_admin_and_user_auth(server: BackendProcess, dev_token: str) -> None:
    admin = ConvexHttpClient(server.url)
    admin.set_admin_auth(server.admin_key)
    assert admin.query("protocol:internalRead") == "internal only"

    user = ConvexHttpClient(server.url)
    user.set_auth(dev_token)
    identity = user.query("protocol:whoami")
    assert identity["subject"] == "conformance-user"
    assert identity["issuer"] == "https://dev.doctrina.local"
    assert identity["tokenIdentifier"] == "https://dev.doctrina.local|conformance-user"
    assert user.action("protocol:whoamiAction")["subject"] == "conformance-user"


def test_bad_token_is_a_401(server: BackendProcess) -> None:
    client = ConvexHttpClient(server.url)
    client.set_auth("not-a-token")
    with pytest.raises(Exception, match="401"):
        client.query("protocol:whoami")
