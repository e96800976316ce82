"""Authentication and authorization at the protocol layer (convex-protocol.md §1.4, §6)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from ._server import BackendProcess

DEV_ISSUER = "https://dev.doctrina.local"


def whoami(http: httpx.Client, authorization: str) -> httpx.Response:
    return http.post(
        "/api/query", json={"path": "protocol:whoami", "args": {}}, headers={"Authorization": authorization}
    )


def dev_key(server: BackendProcess) -> tuple[Any, str]:
    jwk = (server.data_dir / "dev_issuer_key.json").read_text()
    return ECAlgorithm.from_jwk(jwk), json.loads(jwk)["kid"]


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": DEV_ISSUER, "aud": "convex", "sub": "u1", "iat": now, "exp": now + 600, **overrides}


def test_internal_function_needs_the_admin_key(http: httpx.Client, admin_headers: dict[str, str]) -> None:
    body = {"path": "protocol:internalRead", "args": {}}
    refused = http.post("/api/query", json=body).json()
    assert refused["status"] == "error"
    assert "Could not find public function for 'protocol:internalRead'" in refused["errorMessage"]
    assert http.post("/api/query", json=body, headers=admin_headers).json() == {
        "status": "success",
        "value": "internal only",
    }
    run = http.post("/api/run/protocol/internalRead", json={"args": {}}, headers=admin_headers)
    assert run.json()["value"] == "internal only"


def test_api_function_is_admin_only(http: httpx.Client, admin_headers: dict[str, str]) -> None:
    body = {
        "path": "protocol:internalWrite",
        "args": {"name": "api-function"},
        "format": "convex_encoded_json",
    }
    assert http.post("/api/function", json=body).status_code == 403
    assert http.post("/api/function", json=body, headers={"Authorization": "Convex nope"}).status_code == 401
    assert http.post("/api/function", json=body, headers=admin_headers).json()["status"] == "success"


def test_wrong_admin_key_is_401(http: httpx.Client) -> None:
    response = http.post(
        "/api/query", json={"path": "protocol:whoami", "args": {}}, headers={"Authorization": "Convex x"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "BadAdminKey"


def test_dev_token_identity(http: httpx.Client, admin_headers: dict[str, str]) -> None:
    minted = http.post(
        "/_doctrina/dev_token",
        json={"subject": "u42", "claims": {"email": "u42@example.com"}, "expiresInSeconds": 60},
        headers=admin_headers,
    )
    assert http.post("/_doctrina/dev_token", json={"subject": "u42"}).status_code == 403
    identity = whoami(http, f"Bearer {minted.json()['token']}").json()["value"]
    assert identity == {
        "tokenIdentifier": f"{DEV_ISSUER}|u42",
        "subject": "u42",
        "issuer": DEV_ISSUER,
        "email": "u42@example.com",
    }


def test_token_signed_with_the_dev_key_is_accepted(http: httpx.Client, server: BackendProcess) -> None:
    key, kid = dev_key(server)
    token = jwt.encode(claims(sub="signed-by-test"), key, algorithm="ES256", headers={"kid": kid})
    assert whoami(http, f"Bearer {token}").json()["value"]["subject"] == "signed-by-test"


def test_token_signed_by_another_key_is_refused(http: httpx.Client, server: BackendProcess) -> None:
    _, kid = dev_key(server)
    other = ec.generate_private_key(ec.SECP256R1())
    forged = jwt.encode(claims(), other, algorithm="ES256", headers={"kid": kid})
    response = whoami(http, f"Bearer {forged}")
    assert response.status_code == 401
    assert response.json()["code"] == "Unauthenticated"


def test_expired_token_is_refused(http: httpx.Client, server: BackendProcess) -> None:
    key, kid = dev_key(server)
    expired = jwt.encode(claims(exp=int(time.time()) - 60), key, algorithm="ES256", headers={"kid": kid})
    response = whoami(http, f"Bearer {expired}")
    assert response.status_code == 401
    assert response.json()["code"] == "IdTokenExpired"


def signed(**overrides: Any) -> Any:
    return lambda key, kid: jwt.encode(claims(**overrides), key, algorithm="ES256", headers={"kid": kid})


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda _key, _kid: jwt.encode(claims(), None, algorithm="none"), id="unsigned"),
        pytest.param(signed(aud="someone-else"), id="wrong audience"),
        pytest.param(signed(iss="https://evil.example"), id="unknown issuer"),
        pytest.param(lambda _key, _kid: "not.a.token", id="garbage"),
    ],
)
def test_invalid_tokens_are_refused(http: httpx.Client, server: BackendProcess, make_token: Any) -> None:
    assert whoami(http, f"Bearer {make_token(*dev_key(server))}").status_code == 401


def test_acting_as_identity(http: httpx.Client, server: BackendProcess) -> None:
    identity = {"issuer": "https://service.doctrina.invalid", "subject": "service"}
    encoded = base64.b64encode(json.dumps(identity).encode()).decode()
    value = whoami(http, f"Convex {server.admin_key}:{encoded}").json()["value"]
    assert value["tokenIdentifier"] == "https://service.doctrina.invalid|service"
