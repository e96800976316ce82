"""Transports: how one attempt of a function call reaches the server.

The default is the Convex HTTP API over pooled ``httpx`` connections
(``POST /api/query|mutation|action``). `_transport_websocket.py` holds the
alternative over the official `convex.ConvexClient`. A transport sends one attempt
and returns the decoded result or raises; retries belong to the client.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, get_args

import httpx
from typing_extensions import Self

from ._config import Credentials
from ._constants import CLIENT_HEADER_VALUE, RETRY_COUNT_HEADER
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    ResponseValidationError,
    function_error,
    status_error,
)
from ._types import FunctionKind
from ._values import decode_value

# Status 560 is the legacy "function failed" status; official clients read it like 200.
_RESULT_STATUSES = (200, 560)
# Timeouts during which no request bytes can have reached the server.
_UNSENT_TIMEOUTS = (httpx.ConnectTimeout, httpx.PoolTimeout)

HttpClientT = TypeVar("HttpClientT", httpx.Client, httpx.AsyncClient)


@dataclass(frozen=True)
class WireCall:
    """A call ready to send: arguments convex-encoded, idempotency key (if any) included."""

    kind: FunctionKind
    path: str
    args: dict[str, Any]
    idempotency_key: str | None = None


@dataclass(frozen=True)
class FunctionResult:
    value: Any
    log_lines: list[str]


class SyncTransport(Protocol):
    def send(self, call: WireCall, *, timeout: httpx.Timeout, retry_count: int) -> FunctionResult: ...

    def with_credentials(self, credentials: Credentials) -> SyncTransport: ...

    def close(self) -> None: ...


class AsyncTransport(Protocol):
    async def send(self, call: WireCall, *, timeout: httpx.Timeout, retry_count: int) -> FunctionResult: ...

    def with_credentials(self, credentials: Credentials) -> AsyncTransport: ...

    async def close(self) -> None: ...


def base_headers(credentials: Credentials) -> dict[str, str]:
    headers = {"Convex-Client": CLIENT_HEADER_VALUE}
    authorization = credentials.authorization()
    if authorization is not None:
        headers["Authorization"] = authorization
    return headers


def connection_error(exc: httpx.TransportError, call: WireCall) -> APIConnectionError:
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"Timed out calling {call.path}: {type(exc).__name__}",
            request_sent=not isinstance(exc, _UNSENT_TIMEOUTS),
            function_path=call.path,
        )
    return APIConnectionError(
        f"Connection failed calling {call.path}: {type(exc).__name__}: {exc}",
        request_sent=not isinstance(exc, httpx.ConnectError),
        function_path=call.path,
    )


def parse_response(response: httpx.Response, call: WireCall) -> FunctionResult:
    """The function's result, or the error its response stands for."""
    body = _json_or_text(response)
    if response.status_code not in _RESULT_STATUSES:
        raise status_error(response.status_code, headers=response.headers, body=body, function_path=call.path)
    if not isinstance(body, dict) or body.get("status") not in ("success", "error"):
        raise ResponseValidationError(
            f"Unexpected response to {call.path}: HTTP {response.status_code}", function_path=call.path
        )
    log_lines = list(body.get("logLines") or ())
    if body["status"] == "error":
        error_data = body.get("errorData")
        raise function_error(
            str(body.get("errorMessage", "")),
            error_data=None if error_data is None else decode_value(error_data),
            function_path=call.path,
            log_lines=log_lines,
        )
    return FunctionResult(decode_value(body.get("value")), log_lines)


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


class PooledClient(httpx.Client):
    """The SDK's own connection pool: closed when collected, so a client nobody closed
    (``service = backend.client()`` in a function) leaves no open socket behind."""

    def __del__(self) -> None:
        if not self.is_closed:
            with contextlib.suppress(Exception):
                self.close()


class AsyncPooledClient(httpx.AsyncClient):
    """Async twin of `PooledClient`; closing needs the event loop, so it is scheduled there."""

    def __del__(self) -> None:
        if not self.is_closed:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().create_task(self.aclose())


class _HttpTransport(Generic[HttpClientT]):
    """What the sync and async HTTP transports share: the pool, the URL, the caller's headers.

    Clients derived with other credentials share the pool.
    """

    def __init__(self, http: HttpClientT, *, url: str, credentials: Credentials) -> None:
        self._http: HttpClientT = http
        self._url = url
        self._headers = base_headers(credentials)
        # Parsed once: parsing the URL is a good part of building a request.
        self._endpoints = {kind: httpx.URL(f"{url}/api/{kind}") for kind in get_args(FunctionKind)}

    def with_credentials(self, credentials: Credentials) -> Self:
        return type(self)(self._http, url=self._url, credentials=credentials)

    def _build(self, call: WireCall, timeout: httpx.Timeout, retry_count: int) -> httpx.Request:
        """The POST of one attempt (what ``post()`` would build)."""
        return self._http.build_request(
            "POST",
            self._endpoints[call.kind],
            json={"path": call.path, "args": call.args, "format": "convex_encoded_json"},
            headers={**self._headers, RETRY_COUNT_HEADER: str(retry_count)},
            timeout=timeout,
        )


class HttpTransport(_HttpTransport[httpx.Client]):
    """Sync HTTP transport."""

    def send(self, call: WireCall, *, timeout: httpx.Timeout, retry_count: int) -> FunctionResult:
        try:
            response = self._http.send(self._build(call, timeout, retry_count))
        except httpx.TransportError as exc:
            raise connection_error(exc, call) from exc
        return parse_response(response, call)

    def close(self) -> None:
        self._http.close()


class AsyncHttpTransport(_HttpTransport[httpx.AsyncClient]):
    """Async twin of `HttpTransport`."""

    async def send(self, call: WireCall, *, timeout: httpx.Timeout, retry_count: int) -> FunctionResult:
        try:
            response = await self._http.send(self._build(call, timeout, retry_count))
        except httpx.TransportError as exc:
            raise connection_error(exc, call) from exc
        return parse_response(response, call)

    async def close(self) -> None:
        await self._http.aclose()
