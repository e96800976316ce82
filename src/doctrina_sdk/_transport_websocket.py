"""The alternative transport: the official `convex.ConvexClient` over a WebSocket.

What it gives and costs (measured in docs/transports.md): one persistent connection
and the official sync protocol. The official client has no timeouts: refused
credentials make it reconnect forever, and its blocking calls hold the GIL (no
other thread runs meanwhile). So this transport checks the credentials over HTTP
once (401 at once, as `AuthenticationError`) and refuses a token past its `exp`
before handing the client a call, and runs queries as the first value of a
subscription, whose wait leaves the GIL free and honours the deadline. Mutations and
actions run in a child process (`_official_process.py`), which is killed at the
deadline, since the official client's blocking call cannot be interrupted in this
one. A mutation in flight during
a reconnect is sent again under a new session, so it can run twice unless it
carries an idempotency key.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import binascii
import concurrent.futures
import contextlib
import functools
import json
import sys
import threading
import time
from typing import Any

import httpx
from typing_extensions import Self

from convex import ConvexClient, ConvexError

from ._config import Credentials
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    DoctrinaError,
    function_error,
    status_error,
)
from ._official_process import OfficialCallProcess
from ._transport import FunctionResult, WireCall, base_headers, connection_error
from ._values import decode_value

# Convex accepts a token up to this long after its `exp` (clock skew); so does the check here.
_EXPIRY_LEEWAY_SECONDS = 5.0
# A cheap query every caller may run: one HTTP call of it tells whether the server
# accepts the credentials (it answers 401 where the official client would hang).
_CREDENTIAL_PROBE = WireCall(kind="query", path="users:me", args={})

# What the official client raises when its worker stops (e.g. the server went away
# for good); everything else it raises is a function's failure.
_CLOSED_CHANNEL = "channel closed"
# How long the exit hook waits for the official client's threads to leave Python.
_EXIT_WAIT_SECONDS = 2.0


def official_client(url: str, credentials: Credentials) -> Any:
    """A `convex.ConvexClient` presenting ``credentials``.

    The Python binding's ``set_admin_auth`` takes no acting-as identity, so the admin
    key goes with its identity in the ``<key>:<base64 identity>`` form that
    ``Authorization: Convex ...`` uses.
    """
    _wait_for_official_threads_at_exit()
    client = ConvexClient(url)
    if credentials.admin_key is not None:
        client.set_admin_auth(credentials.admin_value())
    elif credentials.auth_token is not None:
        client.set_auth(credentials.auth_token)
    return client


@functools.cache
def _wait_for_official_threads_at_exit() -> None:
    """Registers, once, an exit hook that lets the official client's threads leave Python first.

    The official client completes each wait from a thread of its own (pyo3's runtime), which
    runs Python code to hand the value over and may give up the GIL inside it. If the
    interpreter starts shutting down before that thread got the GIL back, the thread's return
    aborts the process ("PyGILState_Release ... finalizing"). Such a thread is one that
    `threading` does not know and that has a Python frame; the hook waits (bounded) until none
    has, which is the moment it holds the GIL to the end of its hand-over.
    """
    atexit.register(_await_foreign_python_frames, _EXIT_WAIT_SECONDS)


def _await_foreign_python_frames(timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        known = {thread.ident for thread in threading.enumerate()}
        if all(ident in known for ident in sys._current_frames()):
            return
        time.sleep(0.002)


def call_error(exc: Exception, path: str) -> DoctrinaError:
    """The SDK error for what the official client raised."""
    if isinstance(exc, ConvexError):
        return function_error(str(exc), error_data=exc.data, function_path=path)
    if str(exc) == _CLOSED_CHANNEL:
        return APIConnectionError(f"Connection closed calling {path}", request_sent=True, function_path=path)
    return function_error(str(exc), error_data=None, function_path=path)


def token_expiry(token: str | None) -> float | None:
    """The ``exp`` claim (Unix seconds) of a JWT, read without verifying it; None if it has none."""
    if token is None:
        return None
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return None  # not a JWT the SDK can read: the server's check decides
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, (int, float)) else None


def probe_failure(response: httpx.Response) -> DoctrinaError | None:
    """The error for a refused credential probe, or None when the server accepted the caller."""
    if response.status_code < 400:
        return None
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return status_error(response.status_code, headers=response.headers, body=body, function_path=None)


class _OfficialClientTransport:
    """What both websocket transports share: one official client per caller, credentials checked first."""

    def __init__(self, url: str, credentials: Credentials) -> None:
        self._url = url
        self._credentials = credentials
        self._headers = base_headers(credentials)
        self._expires_at = token_expiry(credentials.auth_token)
        self._credentials_accepted = False
        self._client = official_client(url, credentials)
        self._calls = OfficialCallProcess(url, credentials)

    def with_credentials(self, credentials: Credentials) -> Self:
        # Credentials belong to a connection: another caller needs its own.
        return type(self)(self._url, credentials)

    def _refuse_expired(self, call: WireCall) -> None:
        # The server would send AuthError, and the official client would retry forever.
        if self._expires_at is not None and time.time() >= self._expires_at + _EXPIRY_LEEWAY_SECONDS:
            raise AuthenticationError("The auth token has expired", function_path=call.path)

    def _probe_request(self) -> dict[str, Any]:
        body = {"path": _CREDENTIAL_PROBE.path, "args": {}, "format": "convex_encoded_json"}
        return {"url": f"{self._url}/api/query", "json": body, "headers": self._headers}

    def _drop(self) -> None:
        # The official client has no close(); its connection ends when it is dropped.
        self._client = None
        self._calls.close()


class WebSocketTransport(_OfficialClientTransport):
    """Sync transport over the official client (``transport="websocket"``)."""

    def __init__(self, url: str, credentials: Credentials) -> None:
        super().__init__(url, credentials)
        # Queries wait on their own event loop, on this thread, which leaves the caller's free.
        self._waiter = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="doctrina-ws-query")

    def send(self, call: WireCall, *, timeout: httpx.Timeout, retry_count: int) -> FunctionResult:
        self._check_credentials(call, timeout)
        args = decode_value(call.args)
        try:
            if call.kind == "query":
                wait = first_value(self._client, call, args, timeout.read)
                value = self._waiter.submit(asyncio.run, wait).result()
            else:
                value = self._calls.call(call.kind, call.path, call.args, timeout.read)
        except DoctrinaError:
            raise
        except Exception as exc:
            raise call_error(exc, call.path) from None
        return FunctionResult(value, [])

    def _check_credentials(self, call: WireCall, timeout: httpx.Timeout) -> None:
        self._refuse_expired(call)
        if self._credentials_accepted:
            return
        try:
            response = httpx.post(**self._probe_request(), timeout=timeout)
        except httpx.TransportError as exc:
            raise connection_error(exc, call) from exc
        failure = probe_failure(response)
        if failure is not None:
            raise failure
        self._credentials_accepted = True

    def close(self) -> None:
        self._drop()
        self._waiter.shutdown(wait=False, cancel_futures=True)


class AsyncWebSocketTransport(_OfficialClientTransport):
    """Async transport over the official client.

    Queries await the first value of a subscription: once the connection is up, that
    wait leaves the GIL and the event loop free, and the read timeout applies.
    Mutations and actions wait on the child process from a worker thread, which leaves
    the event loop free too.
    """

    async def send(self, call: WireCall, *, timeout: httpx.Timeout, retry_count: int) -> FunctionResult:
        await self._check_credentials(call, timeout)
        args = decode_value(call.args)
        try:
            if call.kind == "query":
                value = await first_value(self._client, call, args, timeout.read)
            else:
                value = await asyncio.to_thread(
                    self._calls.call, call.kind, call.path, call.args, timeout.read
                )
        except DoctrinaError:
            raise
        except Exception as exc:
            raise call_error(exc, call.path) from None
        return FunctionResult(value, [])

    async def _check_credentials(self, call: WireCall, timeout: httpx.Timeout) -> None:
        self._refuse_expired(call)
        if self._credentials_accepted:
            return
        try:
            async with httpx.AsyncClient(timeout=timeout) as http:
                response = await http.post(**self._probe_request())
        except httpx.TransportError as exc:
            raise connection_error(exc, call) from exc
        failure = probe_failure(response)
        if failure is not None:
            raise failure
        self._credentials_accepted = True

    async def close(self) -> None:
        self._drop()


async def first_value(client: Any, call: WireCall, args: Any, timeout: float | None) -> Any:
    """The first value of a subscription to ``call``: a query whose wait honours ``timeout``."""
    subscription = client.subscribe(call.path, args)
    try:
        return await asyncio.wait_for(subscription.__anext__(), timeout)
    except asyncio.TimeoutError:
        raise APITimeoutError(
            f"Timed out calling {call.path}", request_sent=True, function_path=call.path
        ) from None
    finally:
        end_subscription(subscription)


def end_subscription(subscription: Any) -> None:
    """Unsubscribes without the official client's "Retarting subscription" warning.

    A cancelled wait drops the official subscription's inner half, and its
    `unsubscribe()` then subscribes again (logging that warning) only to unsubscribe.
    """
    # The client behind it may be gone already (closed transport): nothing is left to end then.
    with contextlib.suppress(Exception):
        if subscription.inner.exists():
            subscription.inner.unsubscribe()
    subscription.invalidated = True
