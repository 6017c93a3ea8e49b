from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from intake.sla import SlaClock, is_working_day, sla_clock

_CST = ZoneInfo("Asia/Shanghai")


def _china(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=_CST)


def _end_of(year: int, month: int, day: int) -> datetime:
    """The UTC moment a China-time day ends (its next midnight, UTC+8)."""
    return datetime(year, month, day, 16, tzinfo=UTC)


class TestIsWorkingDay:
    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            pytest.param(date(2025, 3, 10), (True, True), id="ordinary-monday"),
            pytest.param(date(2025, 3, 15), (False, True), id="ordinary-saturday"),
            pytest.param(date(2025, 10, 1), (False, True), id="national-day-2025"),
            pytest.param(date(2025, 10, 11), (True, True), id="make-up-saturday-2025"),
            pytest.param(date(2025, 9, 28), (True, True), id="make-up-sunday-2025"),
            pytest.param(date(2026, 2, 17), (False, True), id="spring-festival-2026"),
            pytest.param(date(2031, 10, 1), (True, False), id="uncovered-weekday"),
            pytest.param(date(2031, 10, 4), (False, False), id="uncovered-saturday"),
        ],
    )
    def test_classifies_day(self, day: date, expected: tuple[bool, bool]) -> None:
        assert is_working_day(day) == expected


class TestSlaClock:
    def test_monday_is_due_at_end_of_wednesday(self) -> None:
        clock = sla_clock(_china(2025, 3, 10))

        assert clock == SlaClock(
            due_at=_end_of(2025, 3, 12), working_days=2, calendar_complete=True
        )

    def test_friday_is_due_at_end_of_tuesday(self) -> None:
        assert sla_clock(_china(2025, 3, 14)).due_at == _end_of(2025, 3, 18)

    def test_saturday_counts_from_monday(self) -> None:
        assert sla_clock(_china(2025, 3, 15)).due_at == _end_of(2025, 3, 18)

    def test_skips_national_day_holiday(self) -> None:
        # Official 2025 calendar: Oct 1-8 off, so Oct 9 and Oct 10 are days 1 and 2.
        clock = sla_clock(_china(2025, 9, 30))

        assert clock.due_at == _end_of(2025, 10, 10)
        assert clock.calendar_complete

    def test_submission_during_holiday_counts_from_first_day_back(self) -> None:
        assert sla_clock(_china(2025, 10, 3)).due_at == _end_of(2025, 10, 10)

    def test_counts_make_up_saturday(self) -> None:
        # Saturday Oct 11 2025 is a working day in exchange for the National Day break.
        assert sla_clock(_china(2025, 10, 9)).due_at == _end_of(2025, 10, 11)

    def test_counts_make_up_sunday(self) -> None:
        # Sunday Sep 28 2025 is day 1, Monday Sep 29 day 2.
        assert sla_clock(_china(2025, 9, 26)).due_at == _end_of(2025, 9, 29)

    def test_spring_festival_2026(self) -> None:
        # Saturday Feb 14 2026 is a make-up day; Feb 15-23 are off.
        clock = sla_clock(_china(2026, 2, 13))

        assert clock.due_at == _end_of(2026, 2, 24)
        assert clock.calendar_complete

    def test_uncovered_year_falls_back_to_weekends_only(self) -> None:
        # Oct 1 2031 will surely be a holiday, but the package has no 2031 data,
        # so the fallback counts Thursday and Friday.
        clock = sla_clock(_china(2031, 10, 1))

        assert clock.due_at == _end_of(2031, 10, 3)
        assert not clock.calendar_complete

    def test_span_reaching_into_uncovered_year_is_incomplete(self) -> None:
        # Dec 31 2026 is covered; Jan 1 2027 is not, and weekends-only counts it.
        clock = sla_clock(_china(2026, 12, 31))

        assert clock.due_at == _end_of(2027, 1, 4)
        assert not clock.calendar_complete

    def test_span_ending_in_covered_year_is_complete(self) -> None:
        assert sla_clock(_china(2026, 12, 28)).calendar_complete

    def test_custom_length(self) -> None:
        clock = sla_clock(_china(2025, 3, 14), working_days=1)

        assert clock.due_at == _end_of(2025, 3, 17)
        assert clock.working_days == 1

    def test_rejects_length_below_one(self) -> None:
        with pytest.raises(ValueError, match="at least 1"):
            sla_clock(_china(2025, 3, 10), working_days=0)


class TestTimezones:
    def test_late_utc_evening_is_next_day_in_china(self) -> None:
        # 16:00 UTC Monday is 00:00 Tuesday in China: due end of Thursday.
        assert sla_clock(datetime(2025, 3, 10, 16, tzinfo=UTC)).due_at == _end_of(2025, 3, 13)

    def test_last_minute_of_china_day_stays_on_that_day(self) -> None:
        assert sla_clock(datetime(2025, 3, 10, 15, 59, tzinfo=UTC)).due_at == _end_of(2025, 3, 12)

    def test_utc_sunday_evening_is_monday_in_china(self) -> None:
        assert sla_clock(datetime(2025, 3, 9, 17, tzinfo=UTC)).due_at == _end_of(2025, 3, 12)

    def test_naive_input_is_taken_as_utc(self) -> None:
        naive = datetime(2025, 3, 10, 16)  # noqa: DTZ001 - the naive case is under test

        assert sla_clock(naive).due_at == _end_of(2025, 3, 13)

    def test_due_at_is_utc_whatever_the_input_zone(self) -> None:
        # Noon in New York on Monday is already Tuesday in China.
        submitted_at = datetime(2025, 3, 10, 12, tzinfo=ZoneInfo("America/New_York"))

        due_at = sla_clock(submitted_at).due_at

        assert due_at.tzinfo is UTC
        assert due_at == _end_of(2025, 3, 13)


class TestRemainingAndOverdue:
    clock = SlaClock(due_at=_end_of(2025, 3, 12), working_days=2, calendar_complete=True)

    def test_before_due(self) -> None:
        now = _end_of(2025, 3, 12) - timedelta(hours=1)

        assert self.clock.remaining(now) == timedelta(hours=1)
        assert not self.clock.overdue(now)

    def test_overdue_at_the_due_moment(self) -> None:
        now = _end_of(2025, 3, 12)

        assert self.clock.remaining(now) == timedelta(0)
        assert self.clock.overdue(now)

    def test_remaining_goes_negative_after_due(self) -> None:
        now = _end_of(2025, 3, 13)

        assert self.clock.remaining(now) == timedelta(days=-1)
        assert self.clock.overdue(now)

    def test_accepts_other_zones_and_naive_utc(self) -> None:
        in_china = datetime(2025, 3, 12, 23, tzinfo=_CST)
        naive_utc = datetime(2025, 3, 12, 15)  # noqa: DTZ001 - the naive case is under test

        assert self.clock.remaining(in_china) == timedelta(hours=1)
        assert self.clock.remaining(naive_utc) == timedelta(hours=1)
