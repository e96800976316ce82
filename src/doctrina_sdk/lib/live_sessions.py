"""`client.live_sessions` whose `list_upcoming` reads the clock on the client, not in the query."""

from __future__ import annotations

import time

from ..pagination import AsyncCursorPage, SyncCursorPage
from ..resources import live_sessions
from ..types import LiveSession

__all__ = ["AsyncLiveSessions", "LiveSessions"]

_MINUTE_MS = 60_000


def current_minute_ms() -> float:
    """Now, rounded down to the minute: one cached query result per minute, not per call."""
    return float(int(time.time() * 1000) // _MINUTE_MS * _MINUTE_MS)


class LiveSessions(live_sessions.LiveSessions):
    """`client.live_sessions`: upcoming sessions default to those not started by the current minute."""

    def list_upcoming(
        self, *, after: float | None = None, page_size: int | None = None
    ) -> SyncCursorPage[LiveSession]:
        """Scheduled sessions from `after` (Unix ms; default: the current minute) on, soonest first. Anyone.

        Calls `liveSessions:listUpcoming`.
        """
        return super().list_upcoming(
            after=current_minute_ms() if after is None else after, page_size=page_size
        )


class AsyncLiveSessions(live_sessions.AsyncLiveSessions):
    """`client.live_sessions` of `AsyncDoctrina`."""

    def list_upcoming(
        self, *, after: float | None = None, page_size: int | None = None
    ) -> AsyncCursorPage[LiveSession]:
        """Scheduled sessions from `after` (Unix ms; default: the current minute) on, soonest first. Anyone.

        Calls `liveSessions:listUpcoming`.
        """
        return super().list_upcoming(
            after=current_minute_ms() if after is None else after, page_size=page_size
        )
