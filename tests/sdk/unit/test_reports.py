"""`client.reports.revenue(since=...)`: a calendar day is its first moment in UTC."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from doctrina_sdk.lib.reports import day_start
from doctrina_sdk.types._args.reports import ReportsRevenueArgs


def test_a_date_is_its_first_moment_in_utc() -> None:
    assert day_start(date(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=timezone.utc)
    args = ReportsRevenueArgs(since=day_start(date(2026, 1, 1)))
    assert args.to_wire() == {"since": 1_767_225_600_000.0}


def test_a_datetime_stays_itself() -> None:
    moment = datetime(2026, 3, 5, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    assert day_start(moment) is moment
