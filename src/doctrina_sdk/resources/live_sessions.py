"""`liveSessions`: scheduled live classes (convex/liveSessions.ts); joining is `sessionParticipants`."""

from __future__ import annotations

import time
from datetime import datetime

from ..types import CourseId, LiveSession, LiveSessionId, UserId
from ..types._args.live_sessions import (
    LiveSessionsCancelArgs,
    LiveSessionsCompleteArgs,
    LiveSessionsGetArgs,
    LiveSessionsListByInstructorArgs,
    LiveSessionsListLiveArgs,
    LiveSessionsListUpcomingArgs,
    LiveSessionsScheduleArgs,
    LiveSessionsStartArgs,
    LiveSessionsUpdateArgs,
)
from ._base import (
    AsyncAPIResource,
    Call,
    PageCall,
    SyncAPIResource,
    asynchronous,
    pages,
    returns,
    returns_optional,
    sync,
)
from .session_participants import _SessionParticipants

__all__ = ["AsyncLiveSessions", "LiveSessions"]


class _LiveSessions:
    @staticmethod
    def schedule(
        *,
        title: str,
        description: str,
        scheduled_for: datetime,
        duration: int,
        max_participants: int,
        is_recorded: bool | None = None,
        course_id: CourseId | None = None,
    ) -> Call[LiveSession]:
        """Schedules a session (instructors): in the future, ``duration`` in whole minutes.

        ``scheduled_for`` must be timezone-aware; ``course_id`` only for a course the caller
        teaches. Calls `liveSessions:schedule`.
        """
        return returns(
            LiveSession,
            LiveSessionsScheduleArgs,
            title=title,
            description=description,
            scheduled_for=scheduled_for,
            duration=duration,
            max_participants=max_participants,
            is_recorded=is_recorded,
            course_id=course_id,
        )

    @staticmethod
    def update(
        id: LiveSessionId,
        *,
        title: str | None = None,
        description: str | None = None,
        scheduled_for: datetime | None = None,
        duration: int | None = None,
        max_participants: int | None = None,
        is_recorded: bool | None = None,
        recording_url: str | None = None,
    ) -> Call[LiveSession]:
        """Changes details (owner, admins); what may change depends on the status.

        Calls `liveSessions:update`.
        """
        return returns(
            LiveSession,
            LiveSessionsUpdateArgs,
            id=id,
            title=title,
            description=description,
            scheduled_for=scheduled_for,
            duration=duration,
            max_participants=max_participants,
            is_recorded=is_recorded,
            recording_url=recording_url,
        )

    @staticmethod
    def start(id: LiveSessionId) -> Call[LiveSession]:
        """scheduled -> live. Calls `liveSessions:start`."""
        return returns(LiveSession, LiveSessionsStartArgs, id=id)

    @staticmethod
    def complete(id: LiveSessionId, *, recording_url: str | None = None) -> Call[LiveSession]:
        """live -> completed; everyone still present leaves. Calls `liveSessions:complete`."""
        return returns(LiveSession, LiveSessionsCompleteArgs, id=id, recording_url=recording_url)

    @staticmethod
    def cancel(id: LiveSessionId, *, reason: str | None = None) -> Call[LiveSession]:
        """scheduled -> cancelled; participants are notified. Calls `liveSessions:cancel`."""
        return returns(LiveSession, LiveSessionsCancelArgs, id=id, reason=reason)

    @staticmethod
    def get(id: LiveSessionId) -> Call[LiveSession | None]:
        """A session, or None. Calls `liveSessions:get`."""
        return returns_optional(LiveSession, LiveSessionsGetArgs, id=id)

    @staticmethod
    def list_upcoming(*, page_size: int | None = None) -> PageCall[LiveSession]:
        """Scheduled sessions not due before this minute, soonest first. Calls `liveSessions:listUpcoming`."""
        # The current minute, not the current ms: one cached result per minute on Convex.
        after = int(time.time() // 60) * 60_000
        return pages(LiveSession, LiveSessionsListUpcomingArgs, after=after, page_size=page_size)

    @staticmethod
    def list_live(*, page_size: int | None = None) -> PageCall[LiveSession]:
        """Sessions live now. Calls `liveSessions:listLive`."""
        return pages(LiveSession, LiveSessionsListLiveArgs, page_size=page_size)

    @staticmethod
    def list_by_instructor(instructor_id: UserId, *, page_size: int | None = None) -> PageCall[LiveSession]:
        """An instructor's sessions, latest first. Calls `liveSessions:listByInstructor`."""
        return pages(
            LiveSession, LiveSessionsListByInstructorArgs, page_size=page_size, instructor_id=instructor_id
        )


class LiveSessions(SyncAPIResource):
    """`client.live_sessions`: scheduling and running live classes, joining them."""

    schedule = sync(_LiveSessions.schedule)
    update = sync(_LiveSessions.update)
    start = sync(_LiveSessions.start)
    complete = sync(_LiveSessions.complete)
    cancel = sync(_LiveSessions.cancel)
    get = sync(_LiveSessions.get)
    list_upcoming = sync(_LiveSessions.list_upcoming)
    list_live = sync(_LiveSessions.list_live)
    list_by_instructor = sync(_LiveSessions.list_by_instructor)
    join = sync(_SessionParticipants.join)
    leave = sync(_SessionParticipants.leave)
    participants = sync(_SessionParticipants.list_by_session)


class AsyncLiveSessions(AsyncAPIResource):
    """`client.live_sessions` of `AsyncDoctrina`."""

    schedule = asynchronous(_LiveSessions.schedule)
    update = asynchronous(_LiveSessions.update)
    start = asynchronous(_LiveSessions.start)
    complete = asynchronous(_LiveSessions.complete)
    cancel = asynchronous(_LiveSessions.cancel)
    get = asynchronous(_LiveSessions.get)
    list_upcoming = asynchronous(_LiveSessions.list_upcoming)
    list_live = asynchronous(_LiveSessions.list_live)
    list_by_instructor = asynchronous(_LiveSessions.list_by_instructor)
    join = asynchronous(_SessionParticipants.join)
    leave = asynchronous(_SessionParticipants.leave)
    participants = asynchronous(_SessionParticipants.list_by_session)
