"""`sessionParticipants`: who joins live sessions (convex/sessionParticipants.ts)."""

from __future__ import annotations

from ..types import LiveSessionId, SessionParticipant
from ..types._args.session_participants import (
    SessionParticipantsJoinArgs,
    SessionParticipantsLeaveArgs,
    SessionParticipantsListBySessionArgs,
    SessionParticipantsListMineArgs,
)
from ._base import (
    AsyncAPIResource,
    Call,
    PageCall,
    SyncAPIResource,
    asynchronous,
    pages,
    returns,
    returns_nothing,
    sync,
)

__all__ = ["AsyncSessionParticipants", "SessionParticipants"]


class _SessionParticipants:
    @staticmethod
    def join(session_id: LiveSessionId) -> Call[SessionParticipant]:
        """Joins a scheduled or live session (`LimitExceededError` when full; joining twice is a no-op).

        Calls `sessionParticipants:join`.
        """
        return returns(SessionParticipant, SessionParticipantsJoinArgs, session_id=session_id)

    @staticmethod
    def leave(session_id: LiveSessionId) -> Call[None]:
        """Leaves a session the caller joined. Calls `sessionParticipants:leave`."""
        return returns_nothing(SessionParticipantsLeaveArgs, session_id=session_id)

    @staticmethod
    def list_by_session(
        session_id: LiveSessionId, *, page_size: int | None = None
    ) -> PageCall[SessionParticipant]:
        """A session's participants, present and past, in the order they joined.

        Its owner, admins and participants. Calls `sessionParticipants:listBySession`.
        """
        return pages(
            SessionParticipant,
            SessionParticipantsListBySessionArgs,
            page_size=page_size,
            session_id=session_id,
        )

    @staticmethod
    def list_mine(*, page_size: int | None = None) -> PageCall[SessionParticipant]:
        """The sessions the caller joined, latest first. Calls `sessionParticipants:listMine`."""
        return pages(SessionParticipant, SessionParticipantsListMineArgs, page_size=page_size)


class SessionParticipants(SyncAPIResource):
    """`client.session_participants` (also reachable as `live_sessions.join/leave/participants`)."""

    join = sync(_SessionParticipants.join)
    leave = sync(_SessionParticipants.leave)
    list_by_session = sync(_SessionParticipants.list_by_session)
    list_mine = sync(_SessionParticipants.list_mine)


class AsyncSessionParticipants(AsyncAPIResource):
    """`client.session_participants` of `AsyncDoctrina`."""

    join = asynchronous(_SessionParticipants.join)
    leave = asynchronous(_SessionParticipants.leave)
    list_by_session = asynchronous(_SessionParticipants.list_by_session)
    list_mine = asynchronous(_SessionParticipants.list_mine)
