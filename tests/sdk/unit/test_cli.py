"""`doctrina run`, against respx; `doctrina dev` runs in tests/conformance against the real server."""

from __future__ import annotations

import json

import pytest
import respx
from unit_support import ADMIN_KEY, URL, failed, ok

from doctrina_sdk._cli import main


@pytest.fixture
def service_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCTRINA_URL", URL)
    monkeypatch.setenv("DOCTRINA_ADMIN_KEY", ADMIN_KEY)


def test_run_a_query(mock: respx.MockRouter, service_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    route = mock.post("/api/query").mock(return_value=ok({"_id": "u1", "n": 2.0, "b": {"$bytes": "AAE="}}))
    assert main(["run", "users:getByEmail", '{"email": "jane@clinic.example"}']) == 0
    assert json.loads(capsys.readouterr().out) == {"_id": "u1", "n": 2.0, "b": {"$bytes": "AAE="}}
    assert json.loads(route.calls[0].request.content)["args"] == {"email": "jane@clinic.example"}


def test_run_a_mutation_as_a_user(mock: respx.MockRouter, service_env: None) -> None:
    route = mock.post("/api/mutation").mock(return_value=ok(None))
    assert main(["run", "--kind", "mutation", "--as-user", "u7", "users:ensureCurrentUser"]) == 0
    assert route.call_count == 1


def test_run_reports_errors_without_secrets(
    mock: respx.MockRouter, service_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    mock.post("/api/query").mock(return_value=failed({"code": "FORBIDDEN", "message": "Admins only"}))
    assert main(["run", "users:listAdmins", "{}"]) == 1
    err = capsys.readouterr().err
    assert "[FORBIDDEN] Admins only (users:listAdmins)" in err
    assert ADMIN_KEY not in err


@pytest.mark.parametrize("args", ["not json", "[1, 2]"])
def test_run_needs_a_json_object(service_env: None, args: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "users:get", args]) == 1
    assert "JSON" in capsys.readouterr().err


def test_run_without_a_deployment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "users:me"]) == 1
    assert "DOCTRINA_URL" in capsys.readouterr().err
