"""`client.events` with a live feed: `watch(after=...)`, sync and async.

`events:list(after, limit)` returns the events after a cursor. A live query of it
is re-run by the backend whenever an event is numbered, so `watch` subscribes
from the consumer's cursor, hands out the events that arrive in cursor order and,
after each batch, subscribes again from the last cursor it handed out (the
query's arguments are fixed per subscription). Store ``event.cursor`` once an
event is handled and pass it as ``after`` after a restart: cursors are durable
and strictly increasing, so nothing is missed or repeated (convex/model/events.ts).
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING

from ..resources import events
from ..resources._base import function_call
from ..types import FeedEvent
from ..types._args.events import EventsListArgs

if TYPE_CHECKING:
    from .._base_client import AsyncAPIClient, SyncAPIClient
    from .._subscriptions import AsyncSubscription, SyncSubscription

__all__ = ["AsyncEventWatch", "AsyncEvents", "EventWatch", "Events"]

# Events per subscription; the backend's default page of `events:list`.
WATCH_BATCH = 100


def _fresh(batch: list[FeedEvent], cursor: float) -> list[FeedEvent]:
    """The events past ``cursor``: a re-delivered value may still hold handled ones."""
    return [event for event in batch if event.cursor > cursor]


class EventWatch(Iterator[FeedEvent]):
    """``for event in client.events.watch(after=cursor)``: every event after ``cursor``, then each new one.

    Iteration blocks until the next event exists. Close it (``with``, or `close()`)
    to end the subscription.
    """

    def __init__(self, client: SyncAPIClient, after: float) -> None:
        self._client = client
        self._cursor = after
        self._pending: deque[FeedEvent] = deque()
        self._subscription: SyncSubscription | None = None

    @property
    def cursor(self) -> float:
        """The cursor of the last event handed out (where a restart resumes)."""
        return self._cursor

    def __iter__(self) -> EventWatch:
        return self

    def __next__(self) -> FeedEvent:
        while not self._pending:
            self._pending.extend(self._next_batch())
        event = self._pending.popleft()
        self._cursor = event.cursor
        return event

    def _next_batch(self) -> list[FeedEvent]:
        if self._subscription is None:
            call = function_call(EventsListArgs, after=self._cursor, limit=WATCH_BATCH)
            self._subscription = self._client._watch(call, cast_to=list[FeedEvent])
        fresh = _fresh(next(self._subscription), self._cursor)
        if fresh:
            self.close()
        return fresh

    def close(self) -> None:
        """Ends the current subscription (a later ``next()`` subscribes again from `cursor`)."""
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    def __enter__(self) -> EventWatch:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncEventWatch(AsyncIterator[FeedEvent]):
    """``async for event in client.events.watch(after=cursor)``: the async `EventWatch`."""

    def __init__(self, client: AsyncAPIClient, after: float) -> None:
        self._client = client
        self._cursor = after
        self._pending: deque[FeedEvent] = deque()
        self._subscription: AsyncSubscription | None = None

    @property
    def cursor(self) -> float:
        """The cursor of the last event handed out (where a restart resumes)."""
        return self._cursor

    def __aiter__(self) -> AsyncEventWatch:
        return self

    async def __anext__(self) -> FeedEvent:
        while not self._pending:
            self._pending.extend(await self._next_batch())
        event = self._pending.popleft()
        self._cursor = event.cursor
        return event

    async def _next_batch(self) -> list[FeedEvent]:
        if self._subscription is None:
            call = function_call(EventsListArgs, after=self._cursor, limit=WATCH_BATCH)
            self._subscription = self._client._watch(call, cast_to=list[FeedEvent])
        fresh = _fresh(await self._subscription.__anext__(), self._cursor)
        if fresh:
            await self.aclose()
        return fresh

    async def aclose(self) -> None:
        """Ends the current subscription (a later ``__anext__`` subscribes again from `cursor`)."""
        if self._subscription is not None:
            await self._subscription.aclose()
            self._subscription = None

    async def __aenter__(self) -> AsyncEventWatch:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class Events(events.Events):
    """`client.events`: the feed of domain changes, read by cursor or followed live."""

    def watch(self, *, after: float = 0) -> EventWatch:
        """Every event after cursor ``after`` (0: the oldest retained), then each new one, live.

        Save ``event.cursor`` after handling an event and resume with ``after=`` it: each
        event is seen exactly once across restarts. Calls `events:list` as a live query.
        """
        return EventWatch(self._client, after)


class AsyncEvents(events.AsyncEvents):
    """`client.events` of `AsyncDoctrina`."""

    def watch(self, *, after: float = 0) -> AsyncEventWatch:
        """The live feed of `Events.watch`: ``async for event in ...``.

        Calls `events:list` as a live query.
        """
        return AsyncEventWatch(self._client, after)
