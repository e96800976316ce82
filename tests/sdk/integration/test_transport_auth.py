"""Refused credentials on every transport: an `AuthenticationError` within the deadline, nothing written.

A query, a mutation and an action each, sync and async.

Each call runs in a child process with a hard timeout: the official client's blocking
calls hold the GIL, so a call that hangs would hang an in-process test for good.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from integration_support import unique_email

from doctrina_sdk import LocalBackend

_CALL = """
import asyncio, os, sys
import doctrina_sdk as sdk
action = sdk.FunctionCall("action", "users:me", {})  # no public action in convex/: refused before any runs
kw = dict(
    url=os.environ["URL"], auth_token=os.environ["TOKEN"], transport=os.environ["TRANSPORT"], timeout=5.0
)
def outcome(call):
    try:
        call()
    except sdk.AuthenticationError:
        return "AuthenticationError"
    except Exception as exc:
        return type(exc).__name__
    return "ok"
if os.environ["FLAVOUR"] == "sync":
    with sdk.Doctrina(**kw) as client:
        print(
            outcome(client.users.me),
            outcome(client.users.ensure_current),
            outcome(lambda: client._request(action, cast_to=object)),
        )
else:
    async def main():
        async with sdk.AsyncDoctrina(**kw) as client:
            async def run(method):
                try:
                    await method()
                except sdk.AuthenticationError:
                    return "AuthenticationError"
                except Exception as exc:
                    return type(exc).__name__
                return "ok"
            print(
                await run(client.users.me),
                await run(client.users.ensure_current),
                await run(lambda: client._request(action, cast_to=object)),
            )
    asyncio.run(main())
"""


def run_script(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script], env={**os.environ, **env}, capture_output=True, text=True, timeout=60
    )


# Past its exp and the 5 s of clock skew Convex accepts after it.
_EXPIRED_AFTER_SECONDS = 1 + 5 + 1


@pytest.fixture(scope="module")
def expired_token(backend: LocalBackend) -> tuple[str, str]:
    email = unique_email("expired")
    token = backend.dev_token(email, claims={"email": email}, expires_in=1)
    time.sleep(_EXPIRED_AFTER_SECONDS)
    return email, token


def forged(token: str) -> str:
    header, payload, signature = token.split(".")
    return f"{header}.{payload}.{signature[:-4]}{'AAAA' if not signature.endswith('AAAA') else 'BBBB'}"


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize("via", ["http", "websocket"])
@pytest.mark.parametrize("kind", ["forged", "expired"])
def test_refused_token_raises_authentication_error_and_writes_nothing(
    backend: LocalBackend, expired_token: tuple[str, str], via: str, flavour: str, kind: str
) -> None:
    if kind == "forged":
        email = unique_email(f"forged-{via}-{flavour}")
        token = forged(backend.dev_token(email, claims={"email": email}))
    else:
        email, token = expired_token
    result = run_script(_CALL, URL=backend.url, TOKEN=token, TRANSPORT=via, FLAVOUR=flavour)
    assert result.stdout.split() == ["AuthenticationError"] * 3, result.stderr
    with backend.client() as service:
        assert service.users.get_by_email(email) is None


_LIVE_QUERY = """
import os
import doctrina_sdk as sdk
with sdk.Doctrina(url=os.environ["URL"], auth_token=os.environ["TOKEN"]) as client:
    client.users.ensure_current()
    with client.notifications.watch_unread() as updates:
        print(next(updates))
"""


def test_closing_a_sync_live_query_prints_no_official_client_warning(backend: LocalBackend) -> None:
    email = unique_email("live-close")
    env = {**os.environ, "URL": backend.url, "TOKEN": backend.dev_token(email, claims={"email": email})}
    result = subprocess.run(
        [sys.executable, "-c", _LIVE_QUERY], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert "Retarting subscription" not in result.stderr
