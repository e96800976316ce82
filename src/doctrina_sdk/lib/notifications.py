"""`client.notifications` with a live query: `watch_unread`."""

from __future__ import annotations

from ..resources import notifications
from ..resources._base import AsyncLiveQuery, LiveQuery, function_call
from ..types import Notification
from ..types._args.notifications import NotificationsListUnreadArgs

__all__ = ["AsyncNotifications", "Notifications"]


class Notifications(notifications.Notifications):
    """`client.notifications`: a user's in-app notifications, and a live view of the unread ones."""

    def watch_unread(self) -> LiveQuery[list[Notification]]:
        """The caller's newest 100 unread notifications now, and again after every change (live query).

        Iterate it; the subscription lasts while you do (close it, or ``with``, to end it
        early). Calls `notifications:listUnread` as a live query.
        """
        return self._client._watch(function_call(NotificationsListUnreadArgs), cast_to=list[Notification])


class AsyncNotifications(notifications.AsyncNotifications):
    """`client.notifications` of `AsyncDoctrina`."""

    def watch_unread(self) -> AsyncLiveQuery[list[Notification]]:
        """The live query of `Notifications.watch_unread`: ``async for unread in ...``.

        Calls `notifications:listUnread` as a live query.
        """
        return self._client._watch(function_call(NotificationsListUnreadArgs), cast_to=list[Notification])
