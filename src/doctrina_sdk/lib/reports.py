"""`client.reports` whose `revenue` takes a calendar day (`date`) as well as a moment."""

from __future__ import annotations

from datetime import date, datetime, timezone

from ..pagination import AsyncCursorPage, SyncCursorPage
from ..resources import reports
from ..types import RevenueRow

__all__ = ["AsyncReports", "Reports"]


def day_start(since: date | datetime) -> datetime:
    """A `date` is its first moment in UTC (the report counts whole UTC days); a `datetime` stays itself."""
    if isinstance(since, datetime):
        return since
    return datetime(since.year, since.month, since.day, tzinfo=timezone.utc)


class Reports(reports.Reports):
    """`client.reports`: rosters, CE transcripts, revenue and quiz statistics, as pages."""

    def revenue(self, since: date | datetime, *, page_size: int | None = None) -> SyncCursorPage[RevenueRow]:
        """Per course: completed purchases and refunds (USD cents) from the UTC day of
        `since` on, and the net; courses without either are left out. Admins and the service.

        Calls `reports:revenue`.
        """
        return super().revenue(day_start(since), page_size=page_size)


class AsyncReports(reports.AsyncReports):
    """`client.reports` of `AsyncDoctrina`."""

    def revenue(self, since: date | datetime, *, page_size: int | None = None) -> AsyncCursorPage[RevenueRow]:
        """Per course: completed purchases and refunds (USD cents) from the UTC day of
        `since` on, and the net; courses without either are left out. Admins and the service.

        Calls `reports:revenue`.
        """
        return super().revenue(day_start(since), page_size=page_size)
