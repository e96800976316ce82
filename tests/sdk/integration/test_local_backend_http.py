"""`LocalBackend` and HTTP actions: `site_url`, `env=`, `set_env`, `.env.local`, `/http/` of the URL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from doctrina_sdk import LocalBackend, LocalBackendError

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalBackend, Path]]:
    root = tmp_path_factory.mktemp("http-actions")
    env_file = root / ".env.local"
    env_file.write_text("KEEP=me\n")
    with LocalBackend.start(
        data_dir=root / "data",
        publish_env=env_file,
        env={"STRIPE_WEBHOOK_SECRET": "whsec_a"},
        startup_timeout=120,
    ) as backend:
        yield backend, env_file


def test_env_local_names_the_site_url(started: tuple[LocalBackend, Path]) -> None:
    backend, env_file = started
    lines = env_file.read_text().splitlines()
    assert "KEEP=me" in lines
    assert f"CONVEX_SITE_URL={backend.site_url}" in lines
    assert f"CONVEX_SELF_HOSTED_URL={backend.url}" in lines
    assert backend.site_url != backend.url


def test_the_webhook_answers_at_the_site_url_and_under_http(started: tuple[LocalBackend, Path]) -> None:
    backend, _ = started
    for url in (f"{backend.site_url}/stripe/webhook", f"{backend.url}/http/stripe/webhook"):
        response = httpx.post(url, content=b"{}")
        assert (response.status_code, response.json()) == (400, {"error": "Missing Stripe-Signature header"})
    missing = httpx.get(f"{backend.site_url}/nothing-here")
    assert (missing.status_code, missing.text) == (404, "No HttpAction routed for /nothing-here")


def test_no_cors_headers_unless_the_router_sets_them(started: tuple[LocalBackend, Path]) -> None:
    backend, _ = started
    preflight = httpx.options(
        f"{backend.site_url}/stripe/webhook",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 404
    assert "access-control-allow-origin" not in preflight.headers


def test_set_env_checks_every_change_with_convex_rules(started: tuple[LocalBackend, Path]) -> None:
    backend, _ = started
    with pytest.raises(LocalBackendError, match="EnvironmentVariableNameInvalid"):
        backend.set_env({"GOOD_NAME": "x", "1bad": "y"})
    env = (backend.data_dir / "env.json").read_text()
    assert "GOOD_NAME" not in env
    assert "whsec_a" in env
    backend.set_env({"STRIPE_WEBHOOK_SECRET": None})
    response = httpx.post(
        f"{backend.site_url}/stripe/webhook", content=b"{}", headers={"Stripe-Signature": "t=1"}
    )
    assert (response.status_code, response.json()) == (
        500,
        {"error": "STRIPE_WEBHOOK_SECRET is not set on this deployment"},
    )
    backend.set_env({"STRIPE_WEBHOOK_SECRET": "whsec_a"})


def test_set_env_refuses_to_unset_what_the_auth_config_reads(started: tuple[LocalBackend, Path]) -> None:
    backend, _ = started
    env = (backend.data_dir / "env.json").read_text()
    with pytest.raises(
        LocalBackendError,
        match="AuthConfigMissingEnvironmentVariable: Environment variable CLERK_JWT_ISSUER_DOMAIN is used",
    ):
        backend.set_env({"CLERK_JWT_ISSUER_DOMAIN": None})
    assert (backend.data_dir / "env.json").read_text() == env


def test_attaching_keeps_the_site_url(started: tuple[LocalBackend, Path]) -> None:
    backend, _ = started
    attached = LocalBackend.start(data_dir=backend.data_dir, attach=True)
    assert attached.site_url == backend.site_url
    assert attached.pid is None
