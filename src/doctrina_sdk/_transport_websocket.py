"""The alternative transport: the official `convex.ConvexClient` over a WebSocket.

What it gives and costs (measured in docs/transports.md): one persistent connection
and the official sync protocol, but no timeouts (a call waits until the server
answers, reconnecting forever), blocking calls hold the GIL (no other thread runs
meanwhile), and a mutation in flight during a reconnect is sent again under a new
session, so it can run twice unless it carries an idempotency key.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from typing_extensions import Self

from convex import ConvexClient, ConvexError

from ._config import Credentials
from ._exceptions import APIConnectionError, APITimeoutError, DoctrinaError, function_error
from ._transport import FunctionResult, WireCall
from ._values import decode_value

# What the official client raises when its worker stops (e.g. the server went away
# for good); everything else it raises is a function's failure.
_CLOSED_CHANNEL = "channel closed"


def official_client(url: str, credentials: Credentials) -> Any:
    """A `convex.ConvexClient` presenting ``credentials``.

    The Python binding's ``set_admin_auth`` takes no acting-as identity, so the admin
    key goes with its identity in the ``<key>:<base64 identity>`` form that
    ``Authorization: Convex ...`` uses.
    """
    client = ConvexClient(url)
    if credentials.admin_key is not None:
        client.set_admin_auth(credentials.admin_value())
    elif credentials.auth_token is not None:
        client.set_auth(credentials.auth_token)
    return client


def call_error(exc: Exception, path: str) -> DoctrinaError:
    """The SDK error for what the official client raised."""
    if isinstance(exc, ConvexError):
        return function_error(str(exc), error_data=exc.data, function_path=path)
    if str(exc) == _CLOSED_CHANNEL:
        return APIConnectionError(f"Connection closed calling {path}", request_sent=True, function_path=path)
    return function_error(str(exc), error_data=None, function_path=path)


class _OfficialClientTransport:
    """What both websocket transports share: one official client per caller."""

    def __init__(self, url: str, credentials: Credentials) -> None:
        self._url = url
        self._client = official_client(url, credentials)

    def with_credentials(self, credentials: Credentials) -> Self:
        # Credentials belong to a connection: another caller needs its own.
        return type(self)(self._url, credentials)

    def _drop(self) -> None:
        # The official client has no close(); its connection ends when it is dropped.
        self._client = None


class WebSocketTransport(_OfficialClientTransport):
    """Sync transport over the official client (``transport="websocket"``)."""

    def send(self, call: WireCall, *, timeout: httpx.Timeout, retry_count: int) -> FunctionResult:
        method = getattr(self._client, call.kind)
        try:
            value = method(call.path, decode_value(call.args))
        except Exception as exc:
            raise call_error(exc, call.path) from None
        return FunctionResult(value, [])

    def close(self) -> None:
        self._drop()


class AsyncWebSocketTransport(_OfficialClientTransport):
    """Async transport over the official client.

    Queries await the first value of a subscription: once the connection is up, that
    wait leaves the GIL and the event loop free, and the read timeout applies.
    Connecting, mutations and actions have no async form in the official client and
    block the event loop (GIL held) until the server answers.
    """

    async def send(self, call: WireCall, *, timeout: httpx.Timeout, retry_count: int) -> FunctionResult:
        args = decode_value(call.args)
        try:
            if call.kind == "query":
                value = await self._first_value(call, args, timeout.read)
            else:
                value = getattr(self._client, call.kind)(call.path, args)
        except DoctrinaError:
            raise
        except Exception as exc:
            raise call_error(exc, call.path) from None
        return FunctionResult(value, [])

    async def _first_value(self, call: WireCall, args: Any, timeout: float | None) -> Any:
        subscription = self._client.subscribe(call.path, args)
        try:
            return await asyncio.wait_for(subscription.__anext__(), timeout)
        except asyncio.TimeoutError:
            raise APITimeoutError(
                f"Timed out calling {call.path}", request_sent=True, function_path=call.path
            ) from None
        finally:
            subscription.unsubscribe()

    async def close(self) -> None:
        self._drop()
