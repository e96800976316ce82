"""The request loop every resource method goes through.

`BaseClient` holds everything the sync and async clients share: configuration and
turning a `FunctionCall` into a wire call (idempotency key, encoding); `_CallRun`
holds one call's retry plan, per-attempt timeouts, logging and typed result.
`SyncAPIClient` and `AsyncAPIClient` add only the I/O: the send loop, paging and
live queries.
"""

from __future__ import annotations

import abc
import logging
import time
import uuid
from dataclasses import replace
from typing import Any, Generic, Literal, TypeVar, overload

import httpx
from typing_extensions import Self

from ._config import Credentials, ResolvedConfig, resolve_config
from ._constants import (
    DEFAULT_CONNECTION_LIMITS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_PAGE_SIZE,
    DEFAULT_TIMEOUT,
)
from ._exceptions import APITimeoutError, ConfigurationError, DoctrinaError
from ._logs import function_logger, logger
from ._retry import Deadline, RetryPlan, should_retry
from ._subscriptions import AsyncSubscription, SyncSubscription
from ._transport import (
    AsyncHttpTransport,
    AsyncPooledClient,
    AsyncTransport,
    FunctionResult,
    HttpClientT,
    HttpTransport,
    PooledClient,
    SyncTransport,
    WireCall,
)
from ._transport_websocket import AsyncWebSocketTransport, WebSocketTransport
from ._types import FunctionCall
from ._values import cast_value, encode_args
from .pagination import AsyncCursorPage, PaginationOpts, SyncCursorPage

T = TypeVar("T")
TransportT = TypeVar("TransportT", SyncTransport, AsyncTransport)


class NotGiven:
    """Marks an option left out, where None is a meaningful value."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()

TimeoutTypes = float | httpx.Timeout
TransportName = Literal["http", "websocket"]


def as_timeout(timeout: TimeoutTypes) -> httpx.Timeout:
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)


class BaseClient(abc.ABC, Generic[HttpClientT, TransportT]):
    _transport: TransportT
    _url: str
    _credentials: Credentials
    _timeout: httpx.Timeout
    _max_retries: int
    _deadline: float | None
    # Clients derived with `with_options`/`acting_as` share their parent's connections
    # and leave closing them to the parent.
    _owns_transport: bool

    def __init__(
        self,
        *,
        url: str | None = None,
        admin_key: str | None = None,
        auth_token: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        deadline: float | None = None,
        transport: TransportName = "http",
        http_client: HttpClientT | None = None,
    ) -> None:
        if transport not in ("http", "websocket"):
            raise ConfigurationError(f"Unknown transport {transport!r}: use 'http' or 'websocket'")
        config = resolve_config(url=url, admin_key=admin_key, auth_token=auth_token)
        self._configure(
            url=config.url,
            credentials=config.credentials,
            timeout=timeout,
            max_retries=max_retries,
            deadline=deadline,
        )
        self._owns_transport = True
        self._transport = self._open_transport(config, transport, http_client)

    @abc.abstractmethod
    def _open_transport(
        self, config: ResolvedConfig, transport: TransportName, http_client: HttpClientT | None
    ) -> TransportT:
        """The transport (and connection pool, unless ``http_client`` is given) of a new client."""

    def _configure(
        self,
        *,
        url: str,
        credentials: Credentials,
        timeout: TimeoutTypes,
        max_retries: int,
        deadline: float | None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self._url = url
        self._credentials = credentials
        self._timeout = as_timeout(timeout)
        self._max_retries = max_retries
        self._deadline = deadline

    def _derive(
        self,
        *,
        credentials: Credentials | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> Self:
        # A fresh instance, not a copy: per-client caches (the resources) must not be shared.
        clone = object.__new__(type(self))
        clone._configure(
            url=self._url,
            credentials=credentials or self._credentials,
            timeout=self._timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=self._max_retries if isinstance(max_retries, NotGiven) else max_retries,
            deadline=self._deadline if isinstance(deadline, NotGiven) else deadline,
        )
        clone._owns_transport = False
        transport = self._transport
        clone._transport = transport if credentials is None else transport.with_credentials(credentials)
        return clone

    def with_options(
        self,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> Self:
        """The same client with other timeouts or retries, sharing its connections."""
        return self._derive(timeout=timeout, max_retries=max_retries, deadline=deadline)

    def acting_as(self, user_id: str) -> Self:
        """A client whose calls run as the user ``user_id`` (service clients only)."""
        return self._derive(credentials=self._credentials.acting_as(user_id))

    @property
    def url(self) -> str:
        """The deployment URL."""
        return self._url

    @property
    def timeout(self) -> httpx.Timeout:
        return self._timeout

    @property
    def max_retries(self) -> int:
        return self._max_retries

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self._url!r}, caller={self._credentials.kind!r})"

    def _prepare(self, call: FunctionCall) -> WireCall:
        """The wire form of ``call``: a fresh idempotency key unless the caller gave one."""
        args = call.args
        key: str | None = None
        if call.idempotent:
            key = args.get("idempotencyKey")
            if key is None:
                key = str(uuid.uuid4())
                args = {**args, "idempotencyKey": key}
        return WireCall(call.kind, call.path, encode_args(args, function_path=call.path), key)

    def _page_call(self, call: FunctionCall, opts: PaginationOpts) -> FunctionCall:
        return replace(call, args={**call.args, "paginationOpts": opts})

    @staticmethod
    def _page_options(call: FunctionCall, page_size: int | None) -> tuple[int, str | None]:
        given = call.args.get("paginationOpts") or {}
        size = page_size or given.get("numItems") or DEFAULT_PAGE_SIZE
        return int(size), given.get("cursor")


class SyncAPIClient(BaseClient[httpx.Client, SyncTransport]):
    def _open_transport(
        self, config: ResolvedConfig, transport: TransportName, http_client: httpx.Client | None
    ) -> SyncTransport:
        if transport == "websocket":
            return WebSocketTransport(config.url, config.credentials)
        http = http_client or PooledClient(limits=DEFAULT_CONNECTION_LIMITS, timeout=self._timeout)
        return HttpTransport(http, url=config.url, credentials=config.credentials)

    @overload
    def _request(self, call: FunctionCall, *, cast_to: type[T]) -> T: ...
    @overload
    def _request(self, call: FunctionCall, *, cast_to: Any) -> Any: ...
    def _request(self, call: FunctionCall, *, cast_to: Any) -> Any:
        """Sends ``call`` (retrying where that is safe) and returns its result as ``cast_to``."""
        run = _CallRun(self, call)
        try:
            try:
                result = self._transport.send(run.wire, timeout=run.start_attempt(1), retry_count=0)
            except DoctrinaError as error:
                if not run.may_retry(error):
                    raise
                result = self._retried(run, error)
        except DoctrinaError as error:
            run.failed(error)
            raise
        return run.succeeded(result, cast_to)

    def _retried(self, run: _CallRun, first_error: DoctrinaError) -> FunctionResult:
        """The retries of a call whose first attempt failed with ``first_error``.

        The retry machinery is set up only now, so a call that succeeds at once costs none
        of it. Its first attempt replays ``first_error`` (nothing is sent) so that its
        counting, waits and stop rules see the attempt that was made.
        """
        for attempt in run.plan().sync():
            with attempt:
                number = attempt.retry_state.attempt_number
                if number == 1:
                    raise first_error
                timeout = run.start_attempt(number)
                result = self._transport.send(run.wire, timeout=timeout, retry_count=run.retries)
        return result

    def _paginate(
        self, call: FunctionCall, *, item_type: type[T], page_size: int | None = None
    ) -> SyncCursorPage[T]:
        """A lazy pager over a paginated function (``paginationOpts`` in, a page out)."""
        size, cursor = self._page_options(call, page_size)
        return SyncCursorPage(
            lambda opts: self._request(self._page_call(call, opts), cast_to=object),
            item_type=item_type,
            page_size=size,
            cursor=cursor,
            function_path=call.path,
        )

    def _watch(self, call: FunctionCall, *, cast_to: Any) -> SyncSubscription:
        """The query's value now and after every change (a live query)."""
        return SyncSubscription(self._url, self._credentials, self._prepare(call), cast_to=cast_to)

    def close(self) -> None:
        """Closes this client's connections (shared with the clients derived from it)."""
        if self._owns_transport:
            self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncAPIClient(BaseClient[httpx.AsyncClient, AsyncTransport]):
    def _open_transport(
        self, config: ResolvedConfig, transport: TransportName, http_client: httpx.AsyncClient | None
    ) -> AsyncTransport:
        if transport == "websocket":
            return AsyncWebSocketTransport(config.url, config.credentials)
        http = http_client or AsyncPooledClient(limits=DEFAULT_CONNECTION_LIMITS, timeout=self._timeout)
        return AsyncHttpTransport(http, url=config.url, credentials=config.credentials)

    @overload
    async def _request(self, call: FunctionCall, *, cast_to: type[T]) -> T: ...
    @overload
    async def _request(self, call: FunctionCall, *, cast_to: Any) -> Any: ...
    async def _request(self, call: FunctionCall, *, cast_to: Any) -> Any:
        run = _CallRun(self, call)
        try:
            try:
                result = await self._transport.send(run.wire, timeout=run.start_attempt(1), retry_count=0)
            except DoctrinaError as error:
                if not run.may_retry(error):
                    raise
                result = await self._retried(run, error)
        except DoctrinaError as error:
            run.failed(error)
            raise
        return run.succeeded(result, cast_to)

    async def _retried(self, run: _CallRun, first_error: DoctrinaError) -> FunctionResult:
        """The retries of a failed first attempt; see `SyncAPIClient._retried`."""
        async for attempt in run.plan().asynchronous():
            with attempt:
                number = attempt.retry_state.attempt_number
                if number == 1:
                    raise first_error
                timeout = run.start_attempt(number)
                result = await self._transport.send(run.wire, timeout=timeout, retry_count=run.retries)
        return result

    def _paginate(
        self, call: FunctionCall, *, item_type: type[T], page_size: int | None = None
    ) -> AsyncCursorPage[T]:
        size, cursor = self._page_options(call, page_size)

        async def fetch(opts: PaginationOpts) -> Any:
            return await self._request(self._page_call(call, opts), cast_to=object)

        return AsyncCursorPage(
            fetch, item_type=item_type, page_size=size, cursor=cursor, function_path=call.path
        )

    def _watch(self, call: FunctionCall, *, cast_to: Any) -> AsyncSubscription:
        return AsyncSubscription(self._url, self._credentials, self._prepare(call), cast_to=cast_to)

    async def close(self) -> None:
        """Closes this client's connections (shared with the clients derived from it)."""
        if self._owns_transport:
            await self._transport.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class _CallRun:
    """One call on its way through the retries: what both request loops know about it.

    The sync and async loops differ only in how they wait; the wire form, the retry
    plan, the deadline, the retry count and the timing live here.
    """

    __slots__ = ("_client", "_deadline", "_started", "retries", "wire")

    def __init__(self, client: BaseClient[Any, Any], call: FunctionCall) -> None:
        self._client = client
        self.wire = client._prepare(call)
        self._deadline = Deadline.after(client._deadline)
        self._started = time.perf_counter()
        self.retries = 0

    def may_retry(self, error: DoctrinaError) -> bool:
        """Whether the first attempt's ``error`` leaves room for a retry (the plan decides when)."""
        return self._client._max_retries > 0 and should_retry(
            self.wire.kind, has_idempotency_key=self.wire.idempotency_key is not None, error=error
        )

    def plan(self) -> RetryPlan:
        return RetryPlan(
            kind=self.wire.kind,
            path=self.wire.path,
            has_idempotency_key=self.wire.idempotency_key is not None,
            max_retries=self._client._max_retries,
            deadline=self._deadline,
        )

    def start_attempt(self, number: int) -> httpx.Timeout:
        """Counts attempt ``number`` (1 is the first); its timeouts are the configured ones, cut
        to fit the deadline."""
        self.retries = number - 1
        configured = self._client._timeout
        remaining = self._deadline.remaining()
        if remaining is None:
            return configured
        if remaining <= 0:
            raise APITimeoutError(
                f"Deadline of {self._client._deadline}s exceeded calling {self.wire.path}",
                request_sent=False,
                function_path=self.wire.path,
            )
        return httpx.Timeout(
            connect=_shorter(configured.connect, remaining),
            read=_shorter(configured.read, remaining),
            write=_shorter(configured.write, remaining),
            pool=_shorter(configured.pool, remaining),
        )

    def succeeded(self, result: FunctionResult, cast_to: Any) -> Any:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s ok in %.1f ms (retries=%d)", *self._what(), self.retries)
        _log_function_lines(self.wire.path, result.log_lines)
        return cast_value(result.value, cast_to, function_path=self.wire.path)

    def failed(self, error: DoctrinaError) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s failed in %.1f ms (retries=%d): %r", *self._what(), self.retries, error)
        _log_function_lines(self.wire.path, error.log_lines)

    def _what(self) -> tuple[str, str, float]:
        """Kind, path and milliseconds so far, for the debug log."""
        return self.wire.kind, self.wire.path, (time.perf_counter() - self._started) * 1000


def _shorter(configured: float | None, remaining: float) -> float:
    return remaining if configured is None else min(configured, remaining)


def _log_function_lines(path: str, lines: list[str]) -> None:
    if lines and function_logger.isEnabledFor(logging.DEBUG):
        for line in lines:
            function_logger.debug("%s %s", path, line)
