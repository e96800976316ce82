"""Retries over the real server: a response lost after the server committed.

An httpx transport wrapper forwards a request to the local backend, lets the server
process it, then throws the answer away and reports a broken connection, as a
network failure between commit and response would.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from integration_support import unique_email

import doctrina_sdk as sdk
from doctrina_sdk import Doctrina, LocalBackend


class LosesFirstResponse(httpx.BaseTransport):
    """Delivers every request; the response to the first ``path`` request never arrives."""

    def __init__(self, path: str) -> None:
        self._inner = httpx.HTTPTransport()
        self._path = path
        self.lost: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        response = self._inner.handle_request(request)
        if body["path"] == self._path and not self.lost:
            response.read()
            self.lost.append(json.loads(response.content))
            raise httpx.ReadError("connection reset after the server answered", request=request)
        return response

    def close(self) -> None:
        self._inner.close()


def client_losing_first(backend: LocalBackend, path: str) -> tuple[Doctrina, LosesFirstResponse]:
    transport = LosesFirstResponse(path)
    client = Doctrina(
        url=backend.url, admin_key=backend.admin_key, http_client=httpx.Client(transport=transport)
    )
    return client, transport


def test_lost_response_to_idempotent_mutation_applies_once(backend: LocalBackend) -> None:
    client, transport = client_losing_first(backend, "users:create")
    email = unique_email("lost")
    with client:
        user = client.users.create(first_name="Lost", last_name="Response", email=email)
        # The server did create the user the first time...
        assert transport.lost[0]["status"] == "success"
        assert transport.lost[0]["value"]["_id"] == user.id
        # ...and the retry, with the same key, got that user back instead of a second one
        # (a second create with this email would have been a CONFLICT).
        creates = [r for r in transport.requests if r["path"] == "users:create"]
        assert len(creates) == 2
        assert creates[0]["args"]["idempotencyKey"] == creates[1]["args"]["idempotencyKey"]
        found = client.users.get_by_email(email)
        assert found is not None
        assert found.id == user.id


def test_lost_response_to_plain_mutation_is_not_retried(backend: LocalBackend) -> None:
    client, transport = client_losing_first(backend, "users:update")
    with backend.client() as setup, client:
        user = setup.users.create(first_name="Plain", last_name="Update", email=unique_email("plain"))
        with pytest.raises(sdk.APIConnectionError) as info:
            client.users.update(user.id, first_name="Changed")
        assert info.value.request_sent is True
        assert [r["path"] for r in transport.requests].count("users:update") == 1
        # It did run: the caller learns the outcome is unknown, and can read it back.
        refreshed = setup.users.get(user.id)
        assert refreshed is not None
        assert refreshed.first_name == "Changed"


def test_lost_response_to_a_query_is_retried(backend: LocalBackend) -> None:
    client, transport = client_losing_first(backend, "users:getByEmail")
    with client:
        assert client.users.get_by_email(unique_email("q")) is None
    assert [r["path"] for r in transport.requests].count("users:getByEmail") == 2
