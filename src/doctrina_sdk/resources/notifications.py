"""`notifications`: what happened for a user, live (convex/notifications.ts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..types import BatchResult, Notification, NotificationId, NotificationType, UserId
from ..types._args.notifications import (
    NotificationsArchiveOldArgs,
    NotificationsListArgs,
    NotificationsListUnreadArgs,
    NotificationsMarkAllReadArgs,
    NotificationsMarkAllReadBatchArgs,
    NotificationsMarkReadArgs,
    NotificationsSendArgs,
    NotificationsUnreadCountArgs,
)
from ._base import (
    AsyncAPIResource,
    Call,
    PageCall,
    SyncAPIResource,
    WatchCall,
    asynchronous,
    pages,
    returns,
    returns_list,
    returns_nothing,
    sync,
    watch_list,
)

__all__ = ["AsyncNotifications", "Notifications"]


class _Notifications:
    @staticmethod
    def list_unread() -> Call[list[Notification]]:
        """The caller's newest 100 unread notifications. Calls `notifications:listUnread`."""
        return returns_list(Notification, NotificationsListUnreadArgs)

    @staticmethod
    def watch_unread() -> WatchCall[list[Notification]]:
        """The caller's newest 100 unread notifications now, and again after every change (live query).

        Iterate it (``for``, or ``async for`` on `AsyncDoctrina`); the subscription lasts
        while you do. Calls `notifications:listUnread` as a live query.
        """
        return watch_list(Notification, NotificationsListUnreadArgs)

    @staticmethod
    def unread_count() -> Call[int]:
        """How many unread notifications the caller has (counted up to 1000).

        Calls `notifications:unreadCount`.
        """
        return returns(int, NotificationsUnreadCountArgs)

    @staticmethod
    def mark_read(id: NotificationId) -> Call[None]:
        """Marks one of the caller's notifications read. Calls `notifications:markRead`."""
        return returns_nothing(NotificationsMarkReadArgs, id=id)

    @staticmethod
    def mark_all_read() -> Call[int]:
        """Marks all of the caller's notifications read; returns how many this call marked.

        Beyond one batch the rest follow in the background. Calls `notifications:markAllRead`.
        """
        return returns(int, NotificationsMarkAllReadArgs)

    @staticmethod
    def mark_all_read_batch(*, user_id: UserId, before: datetime) -> Call[BatchResult]:
        """Service: continues `mark_all_read` for notifications created before ``before``.

        Calls `notifications:markAllReadBatch`.
        """
        return returns(BatchResult, NotificationsMarkAllReadBatchArgs, user_id=user_id, before=before)

    @staticmethod
    def send(
        *,
        user_id: UserId,
        type: NotificationType,
        title: str,
        description: str,
        link: str | None = None,
        metadata: Any = None,
    ) -> Call[Notification]:
        """Service: sends a user a notification (announcements, messages). Calls `notifications:send`."""
        return returns(
            Notification,
            NotificationsSendArgs,
            user_id=user_id,
            type=type,
            title=title,
            description=description,
            link=link,
            metadata=metadata,
        )

    @staticmethod
    def archive_old(*, batch_size: int | None = None, cutoff: datetime | None = None) -> Call[BatchResult]:
        """Service: moves notifications older than ``cutoff`` (default 90 days) to the archive.

        One batch here; later batches continue in the background (the daily cron's work).
        Calls `notifications:archiveOld`.
        """
        return returns(BatchResult, NotificationsArchiveOldArgs, batch_size=batch_size, cutoff=cutoff)

    # Defined last: from here on, `list` in this class body is the method, not the builtin.
    @staticmethod
    def list(*, unread_only: bool | None = None, page_size: int | None = None) -> PageCall[Notification]:
        """The caller's notifications, newest first, fetched lazily. Calls `notifications:list`."""
        return pages(Notification, NotificationsListArgs, page_size=page_size, unread_only=unread_only)


class Notifications(SyncAPIResource):
    """`client.notifications`: the caller's notifications, also as a live query."""

    list = sync(_Notifications.list)
    list_unread = sync(_Notifications.list_unread)
    watch_unread = sync(_Notifications.watch_unread)
    unread_count = sync(_Notifications.unread_count)
    mark_read = sync(_Notifications.mark_read)
    mark_all_read = sync(_Notifications.mark_all_read)
    mark_all_read_batch = sync(_Notifications.mark_all_read_batch)
    send = sync(_Notifications.send)
    archive_old = sync(_Notifications.archive_old)


class AsyncNotifications(AsyncAPIResource):
    """`client.notifications` of `AsyncDoctrina`."""

    list = asynchronous(_Notifications.list)
    list_unread = asynchronous(_Notifications.list_unread)
    watch_unread = asynchronous(_Notifications.watch_unread)
    unread_count = asynchronous(_Notifications.unread_count)
    mark_read = asynchronous(_Notifications.mark_read)
    mark_all_read = asynchronous(_Notifications.mark_all_read)
    mark_all_read_batch = asynchronous(_Notifications.mark_all_read_batch)
    send = asynchronous(_Notifications.send)
    archive_old = asynchronous(_Notifications.archive_old)
