"""Live queries over the official `convex.ConvexClient` subscription.

The official client reconnects and resubscribes by itself. Its async iterator
(``__anext__``) waits without holding the GIL; its blocking iterator holds the GIL
while it waits, stalling every other thread (local-backend-notes.md). So the async
subscription awaits directly, and the sync one runs the async one on a thread of
its own and hands values over through a queue. The official client re-delivers a
subscriber's current value on every server transition; unchanged values are
skipped here.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
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
# How long `SyncSubscription.close()` waits for its thread to end.
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
    """``for value in subscription``, with the waiting done on a thread that leaves the GIL free."""

    def __init__(self, url: str, credentials: Credentials, call: WireCall, *, cast_to: Any) -> None:
        self._inner = AsyncSubscription(url, credentials, call, cast_to=cast_to)
        self._values: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = threading.Event()
        self._done = False

    def __iter__(self) -> SyncSubscription:
        return self

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="doctrina-live-query", daemon=True)
            self._thread.start()
        kind, payload = self._values.get()
        if kind == "value":
            return payload
        self._done = True
        if kind == "error":
            raise payload
        raise StopIteration

    def _run(self) -> None:
        asyncio.run(self._pump())

    async def _pump(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._started.set()
        try:
            async for value in self._inner:
                self._values.put(("value", value))
        except asyncio.CancelledError:
            pass
        except DoctrinaError as error:
            self._values.put(("error", error))
        finally:
            await self._inner.aclose()
            self._values.put(("end", None))

    def close(self) -> None:
        """Ends the subscription; a pending ``next()`` raises StopIteration."""
        thread = self._thread
        if thread is None:
            self._done = True
            return
        deadline = time.monotonic() + _CLOSE_SECONDS
        if self._started.wait(_CLOSE_SECONDS) and self._loop is not None and self._task is not None:
            # A RuntimeError means the loop already ended: the subscription is over.
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._task.cancel)
        thread.join(timeout=max(deadline - time.monotonic(), 0.0))

    def __enter__(self) -> SyncSubscription:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
