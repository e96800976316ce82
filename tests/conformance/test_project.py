"""The project's own convex/ functions served by the backend, called the three ways the
SDK calls them: a signed-in user (dev token), the service (admin key acting as the service
identity), and anonymous."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
from convex.http_client import ConvexHttpClient

from convex import ConvexClient, ConvexError

from ._server import PROJECT_FUNCTIONS, BackendProcess, running_backend

SERVICE_IDENTITY = {"issuer": "https://service.doctrina.invalid", "subject": "service"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    with running_backend(tmp_path_factory.mktemp("project"), PROJECT_FUNCTIONS) as backend:
        yield backend


def service_headers(backend: BackendProcess) -> dict[str, str]:
    identity = base64.b64encode(json.dumps(SERVICE_IDENTITY).encode()).decode()
    return {"Authorization": f"Convex {backend.admin_key}:{identity}"}


def mint(backend: BackendProcess, subject: str, claims: dict[str, object]) -> str:
    response = httpx.post(
        f"{backend.url}/_doctrina/dev_token",
        json={"subject": subject, "claims": claims},
        headers={"Authorization": f"Convex {backend.admin_key}"},
    )
    response.raise_for_status()
    token: str = response.json()["token"]
    return token


def test_a_signed_in_user_over_both_transports(project: BackendProcess) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    token = mint(
        project, f"clerk_{uuid.uuid4().hex}", {"email": email, "given_name": "Ada", "family_name": "L"}
    )
    ws = ConvexClient(project.url)
    assert ws.query("users:me") is None
    ws.set_auth(token)
    user = ws.mutation("users:ensureCurrentUser")
    assert (user["email"], user["firstName"], user["lastName"]) == (email, "Ada", "L")
    http = ConvexHttpClient(project.url)
    http.set_auth(token)
    assert http.query("users:me")["_id"] == user["_id"]


def test_the_service_acting_as_itself(project: BackendProcess) -> None:
    email = f"svc-{uuid.uuid4().hex[:8]}@example.com"
    body = {"path": "users:create", "args": {"firstName": "S", "lastName": "V", "email": email}}
    created = httpx.post(f"{project.url}/api/mutation", json=body, headers=service_headers(project)).json()
    assert created["status"] == "success", created
    lookup = {"path": "users:getByEmail", "args": {"email": email}, "format": "json"}
    found = httpx.post(f"{project.url}/api/query", json=lookup, headers=service_headers(project)).json()
    assert found["value"]["_id"] == created["value"]["_id"]


def test_anonymous_callers_get_the_project_errors(project: BackendProcess) -> None:
    client = ConvexHttpClient(project.url)
    with pytest.raises(ConvexError) as raised:
        client.query("users:getByEmail", {"email": "nobody@example.com"})
    assert raised.value.data["code"] == "UNAUTHENTICATED"
    body = {"path": "users:createMany", "args": {"rows": []}}
    refused = httpx.post(f"{project.url}/api/mutation", json=body).json()
    assert "Could not find public function" in refused["errorMessage"]
