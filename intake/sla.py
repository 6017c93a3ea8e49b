"""The reviewers' SLA clock: a filing is reviewed within two working days.

Working days follow China's official calendar as published by the State
Council each year: weekends and statutory holidays are days off, and the
make-up working days (调休, a Saturday or Sunday worked in exchange for a
longer holiday) count as working days. The calendar data comes from the
``chinese_calendar`` package, which covers a fixed range of years. For a day
outside that range we fall back to weekends only (Monday to Friday are working
days) and record it, so a page can say that the due moment may be off by the
holidays the package does not know yet.

Pure: the current time is an argument, never read from a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = [
    "CHINA_TZ",
    "REVIEW_SLA_WORKING_DAYS",
    "SlaClock",
    "is_working_day",
    "sla_clock",
]

CHINA_TZ: Final = ZoneInfo("Asia/Shanghai")
"""The time zone in which the official calendar's days begin and end."""

REVIEW_SLA_WORKING_DAYS: Final = 2
"""How many working days reviewers have, counted after the submission day."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaClock:
    """When a filing's review falls due.

    Attributes:
        due_at: The moment the SLA ends, tz-aware UTC.
        working_days: The SLA length the clock was computed with.
        calendar_complete: ``False`` when at least one day in the counted span
            lies in a year the official calendar does not cover, so that day
            was judged by weekends only and a holiday may have been missed.
    """

    due_at: datetime
    working_days: int
    calendar_complete: bool

    def remaining(self, now: datetime) -> timedelta:
        """Time left until the SLA ends.

        Args:
            now: The current time; a naive value is taken as UTC.

        Returns:
            ``due_at - now``: negative once the SLA has ended.
        """
        return self.due_at - _as_utc(now)

    def overdue(self, now: datetime) -> bool:
        """Tell whether the SLA has ended at ``now`` (the due moment included).

        Args:
            now: The current time; a naive value is taken as UTC.
        """
        return self.remaining(now) <= timedelta(0)


def is_working_day(day: date) -> tuple[bool, bool]:
    """Tell whether ``day`` is a working day in mainland China.

    Args:
        day: A calendar day, as seen in China time.

    Returns:
        ``(is_working, official)``. ``official`` is ``True`` when the official
        calendar covers the day's year; otherwise ``is_working`` is the
        weekends-only fallback (Monday to Friday).
    """
    try:
        # The package raises NotImplementedError for a year outside its data.
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


def sla_clock(submitted_at: datetime, *, working_days: int = REVIEW_SLA_WORKING_DAYS) -> SlaClock:
    """Compute when the review of a filing submitted at ``submitted_at`` falls due.

    The rule: take the submission's calendar day in China time. The review is
    due at the end of the ``working_days``-th working day strictly after that
    day, that is at midnight (China time) starting the following day. The
    submission day itself never counts, whether or not it is a working day, so
    a filing submitted on a Saturday or during a holiday starts counting from
    the next working day as day 1. For example, a filing submitted on an
    ordinary Monday is due at the end of Wednesday, one submitted on a Friday
    at the end of the next Tuesday.

    Args:
        submitted_at: When the filing was submitted; a naive value is taken as UTC.
        working_days: The SLA length in working days, at least 1.

    Returns:
        The clock, with ``due_at`` in UTC.

    Raises:
        ValueError: ``working_days`` is less than 1.
    """
    if working_days < 1:
        raise ValueError(f"working_days must be at least 1, got {working_days}")
    day = _as_utc(submitted_at).astimezone(CHINA_TZ).date()
    counted = 0
    complete = True
    while counted < working_days:
        day += timedelta(days=1)
        working, official = is_working_day(day)
        complete = complete and official
        if working:
            counted += 1
    end_of_day = datetime.combine(day + timedelta(days=1), time(), tzinfo=CHINA_TZ)
    return SlaClock(
        due_at=end_of_day.astimezone(UTC),
        working_days=working_days,
        calendar_complete=complete,
    )


def _as_utc(moment: datetime) -> datetime:
    """Return ``moment`` in UTC, taking a naive value as already UTC."""
    if moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
