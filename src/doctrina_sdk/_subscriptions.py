"""Live queries over the official `convex.ConvexClient` subscription.

The official client reconnects and resubscribes by itself. Its async iterator
(``__anext__``) waits without holding the GIL; its blocking iterator holds the GIL
while it waits, stalling every other thread (local-backend-notes.md). So the async
subscription awaits directly, and the sync one runs the async one on an event loop
of its own thread, one value per ``next()``. The official client re-delivers a
subscriber's current value on every server transition; unchanged values are
skipped here.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Any

from ._config import Credentials
from ._exceptions import DoctrinaError
from ._transport import WireCall
from ._transport_websocket import call_error, end_subscription, official_client
from ._values import cast_value, decode_value

_NOTHING = object()
# How long `SyncSubscription.close()` waits for the subscription and its thread to end.
_CLOSE_SECONDS = 10.0


class AsyncSubscription(AsyncIterator[Any]):
    """``async for value in subscription``: the query's value now and after each change."""

    def __init__(self, url: str, credentials: Credentials, call: WireCall, *, cast_to: Any) -> None:
        self._url = url
        self._credentials = credentials
        self._call = call
        self._cast_to = cast_to
        self._client: Any = None
        self._subscription: Any = None
        self._last: Any = _NOTHING
        self._closed = False

    def __aiter__(self) -> AsyncSubscription:
        return self

    async def __anext__(self) -> Any:
        if self._closed:
            raise StopAsyncIteration
        subscription = self._subscribe()
        while True:
            try:
                raw = await subscription.__anext__()
            except Exception as exc:
                raise call_error(exc, self._call.path) from None
            if raw != self._last:
                self._last = raw
                return cast_value(raw, self._cast_to, function_path=self._call.path)

    def _subscribe(self) -> Any:
        if self._subscription is None:
            self._client = official_client(self._url, self._credentials)
            self._subscription = self._client.subscribe(self._call.path, decode_value(self._call.args))
        return self._subscription

    async def aclose(self) -> None:
        """Ends the subscription and its connection."""
        self._closed = True
        if self._subscription is not None:
            end_subscription(self._subscription)
        self._subscription = self._client = None

    async def __aenter__(self) -> AsyncSubscription:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class SyncSubscription(Iterator[Any]):
    """``for value in subscription``, with the waiting done on a thread that leaves the GIL free.

    The thread runs an event loop that awaits the official subscription only while a
    ``next()`` asks for a value. So a subscription closed between values has no wait
    pending in the official client, and ends without cancelling one: a cancelled wait
    finishes later on one of the official client's own threads, which takes the GIL
    to see the cancellation and can race with interpreter shutdown (a crash at exit).
    """

    def __init__(self, url: str, credentials: Credentials, call: WireCall, *, cast_to: Any) -> None:
        self._inner = AsyncSubscription(url, credentials, call, cast_to=cast_to)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._waiting: concurrent.futures.Future[Any] | None = None
        self._done = False

    def __iter__(self) -> SyncSubscription:
        return self

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        self._waiting = asyncio.run_coroutine_threadsafe(self._inner.__anext__(), self._running_loop())
        try:
            return self._waiting.result()
        except (StopAsyncIteration, concurrent.futures.CancelledError):
            self._done = True
            raise StopIteration from None
        except DoctrinaError:
            self._done = True
            raise
        finally:
            self._waiting = None

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="doctrina-live-query", daemon=True
            )
            self._thread.start()
        return self._loop

    def close(self) -> None:
        """Ends the subscription; a ``next()`` waiting on another thread raises StopIteration."""
        self._done = True
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        waiting = self._waiting
        if waiting is not None:
            waiting.cancel()  # only when another thread is inside next()
        self._loop = self._thread = None
        deadline = time.monotonic() + _CLOSE_SECONDS
        ended = asyncio.run_coroutine_threadsafe(self._inner.aclose(), loop)
        try:
            ended.result(timeout=_CLOSE_SECONDS)
        except concurrent.futures.TimeoutError:
            ended.cancel()  # close stays bounded; the stuck daemon thread ends with the process
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=max(deadline - time.monotonic(), 0.0))
        if not thread.is_alive():
            loop.close()

    def __enter__(self) -> SyncSubscription:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
