"""The reference implementation itself, on cases worked out by hand from SEMANTICS.md.

The property tests trust ``slaclock.testing.reference`` as the oracle, so it
gets its own checks here. Every expected value below was computed by hand from
the contract and the zones' published offsets, never by running code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import MONTHLY, rrule

from slaclock.calendars import Calendar
from slaclock.testing import reference

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
US = timedelta(microseconds=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


class TestDstInNewYork:
    """SEMANTICS "Calendars": span edges are wall times, never moved."""

    def test_a_span_across_the_spring_gap_is_open_for_thirty_minutes(self) -> None:
        cal = Calendar.weekly("America/New_York", "Daily 02:30-03:30")
        day = datetime(2024, 3, 10, tzinfo=NY)
        assert reference.elapsed(cal, day, day + timedelta(days=1)) == 30 * MINUTE
        # 03:00-03:30 EDT is 07:00-07:30 UTC
        assert reference.open_intervals(cal, day, day + timedelta(days=1)) == [
            (utc(2024, 3, 10, 7), utc(2024, 3, 10, 7, 30))
        ]

    def test_a_span_ending_inside_the_spring_gap_is_open_for_sixty_minutes(self) -> None:
        cal = Calendar.weekly("America/New_York", "Daily 01:00-02:30")
        day = datetime(2024, 3, 10, tzinfo=NY)
        assert reference.elapsed(cal, day, day + timedelta(days=1)) == 60 * MINUTE

    def test_a_span_inside_the_repeated_hour_is_open_twice(self) -> None:
        cal = Calendar.weekly("America/New_York", "Daily 01:15-01:45")
        day = datetime(2024, 11, 3, tzinfo=NY)
        assert reference.elapsed(cal, day, day + timedelta(days=1)) == 60 * MINUTE
        # 01:15 EDT = 05:15 UTC, then 01:15 EST = 06:15 UTC
        assert reference.open_intervals(cal, day, day + timedelta(days=1)) == [
            (utc(2024, 11, 3, 5, 15), utc(2024, 11, 3, 5, 45)),
            (utc(2024, 11, 3, 6, 15), utc(2024, 11, 3, 6, 45)),
        ]

    def test_the_transitions_of_2024_are_found_to_the_second(self) -> None:
        found = reference.zone_transitions(NY, utc(2024, 1, 1), utc(2025, 1, 1))
        assert found == [utc(2024, 3, 10, 7), utc(2024, 11, 3, 6)]


class TestOddZones:
    def test_lord_howe_fall_back_repeats_half_an_hour(self) -> None:
        # 2024-04-07 02:00 +11:00 (15:00 UTC on 04-06) becomes 01:30 +10:30:
        # 01:00-02:00 DST (1 h), then 01:30-03:00 standard (1.5 h).
        cal = Calendar.weekly("Australia/Lord_Howe", "Daily 01:00-03:00")
        local_day = (utc(2024, 4, 6, 13), utc(2024, 4, 7, 13, 30))
        assert reference.elapsed(cal, *local_day) == 150 * MINUTE

    def test_lord_howe_spring_forward_skips_half_an_hour(self) -> None:
        # 2024-10-06 02:00 +10:30 (15:30 UTC on 10-05) becomes 02:30 +11:00.
        cal = Calendar.weekly("Australia/Lord_Howe", "Daily 01:00-03:00")
        local_day = (utc(2024, 10, 5, 13, 30), utc(2024, 10, 6, 13))
        assert reference.elapsed(cal, *local_day) == 90 * MINUTE

    def test_kathmandu_opens_at_a_quarter_past_the_utc_hour(self) -> None:
        cal = Calendar.weekly("Asia/Kathmandu", "Mon-Fri 09:00-17:00")
        # Monday 2024-01-15 09:00 +05:45 is 03:15 UTC
        assert not reference.is_open(cal, utc(2024, 1, 15, 3, 15) - US)
        assert reference.is_open(cal, utc(2024, 1, 15, 3, 15))
        assert reference.due(cal, utc(2024, 1, 15), HOUR) == utc(2024, 1, 15, 4, 15)

    def test_apias_skipped_date_is_never_open(self) -> None:
        # 2011-12-29 was at -10:00, 2011-12-31 at +14:00; 2011-12-30 does not exist.
        cal = Calendar.weekly("Pacific/Apia", "Daily 09:00-17:00")
        assert reference.elapsed(cal, utc(2011, 12, 29, 10), utc(2011, 12, 31, 10)) == 16 * HOUR
        assert not reference.is_business_day(cal, date(2011, 12, 30))
        assert reference.is_business_day(cal, date(2011, 12, 29))
        assert reference.is_business_day(cal, date(2011, 12, 31))


class TestSpansOfADate:
    def test_a_dated_override_beats_a_recurring_one_which_beats_a_holiday(self) -> None:
        cal = Calendar.weekly(
            "UTC",
            "Mon-Fri 09:00-17:00",
            holidays=[date(2024, 1, 15), date(2024, 1, 16), date(2024, 1, 17)],
            overrides={
                date(2024, 1, 16): ["10:00-12:00"],
                rrule(MONTHLY, dtstart=datetime(2024, 1, 1), bymonthday=(16, 17)): ["13:00-14:00"],  # noqa: DTZ001 - rrule wall dates
            },
        )
        h = 3_600_000_000
        assert reference.spans_on(cal, date(2024, 1, 15)) == ()
        assert reference.spans_on(cal, date(2024, 1, 16)) == ((10 * h, 12 * h),)
        assert reference.spans_on(cal, date(2024, 1, 17)) == ((13 * h, 14 * h),)
        assert reference.spans_on(cal, date(2024, 1, 18)) == ((9 * h, 17 * h),)

    def test_the_after_midnight_piece_belongs_to_the_next_date(self) -> None:
        cal = Calendar.weekly("UTC", "Sun 22:00-06:00", holidays=[date(2024, 1, 15)])
        # Monday 2024-01-15 is a holiday: its 00:00-06:00 piece is gone, Sunday's stays.
        assert reference.open_intervals(cal, utc(2024, 1, 14), utc(2024, 1, 16)) == [
            (utc(2024, 1, 14, 22), utc(2024, 1, 15))
        ]


class TestClock:
    cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")

    def test_eight_hours_from_monday_nine_is_due_at_monday_five(self) -> None:
        cal = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")
        start = datetime(2024, 3, 11, 9, tzinfo=NY)
        assert reference.due(cal, start, 8 * HOUR) == datetime(2024, 3, 11, 17, tzinfo=NY)

    def test_due_of_zero_is_the_start_even_when_closed(self) -> None:
        assert reference.due(self.cal, utc(2024, 1, 13, 3), timedelta(0)) == utc(2024, 1, 13, 3)

    def test_a_pause_pushes_due_by_its_open_length(self) -> None:
        pause = (utc(2024, 1, 15, 10), utc(2024, 1, 15, 11))
        assert reference.due(self.cal, utc(2024, 1, 15, 9), 2 * HOUR, [pause]) == utc(
            2024, 1, 15, 12
        )
        assert reference.elapsed(self.cal, utc(2024, 1, 15), utc(2024, 1, 16), [pause]) == 7 * HOUR

    def test_touching_pauses_are_accepted_and_overlapping_ones_rejected(self) -> None:
        a, b = utc(2024, 1, 15, 9), utc(2024, 1, 15, 17)
        touching = [
            (utc(2024, 1, 15, 11), utc(2024, 1, 15, 12)),
            (utc(2024, 1, 15, 10), utc(2024, 1, 15, 11)),
        ]
        assert reference.elapsed(self.cal, a, b, touching) == 6 * HOUR
        overlapping = [
            (utc(2024, 1, 15, 10), utc(2024, 1, 15, 12)),
            (utc(2024, 1, 15, 11), utc(2024, 1, 15, 13)),
        ]
        with pytest.raises(ValueError, match="overlapping"):
            reference.elapsed(self.cal, a, b, overlapping)

    def test_subtract_walks_back_over_the_weekend(self) -> None:
        assert reference.subtract(self.cal, utc(2024, 1, 15, 10), 2 * HOUR) == utc(2024, 1, 12, 16)

    def test_next_open_and_next_close(self) -> None:
        assert reference.next_open(self.cal, utc(2024, 1, 13, 12)) == utc(2024, 1, 15, 9)
        assert reference.next_open(self.cal, utc(2024, 1, 15, 12)) == utc(2024, 1, 15, 12)
        assert reference.next_close(self.cal, utc(2024, 1, 15, 12)) == utc(2024, 1, 15, 17)
        assert reference.next_close(self.cal, utc(2024, 1, 15, 17)) == utc(2024, 1, 15, 17)

    def test_the_night_shift_closes_after_midnight(self) -> None:
        cal = Calendar.weekly("Europe/Berlin", "Sun 22:00-06:00")
        sunday_23 = datetime(2024, 1, 14, 23, tzinfo=BERLIN)
        assert reference.next_close(cal, sunday_23) == datetime(2024, 1, 15, 6, tzinfo=BERLIN)

    def test_a_calendar_that_never_closes_makes_the_search_give_up(self) -> None:
        with pytest.raises(reference.ReferenceSearchError):
            reference.next_close(Calendar.always_open("UTC"), utc(2024, 1, 1))

    def test_naive_input_and_reversed_ranges_are_errors(self) -> None:
        with pytest.raises(ValueError, match="no time zone"):
            reference.is_open(self.cal, datetime(2024, 1, 15, 9))  # noqa: DTZ001 - the point of the test
        with pytest.raises(ValueError, match="before"):
            reference.elapsed(self.cal, utc(2024, 1, 2), utc(2024, 1, 1))
        with pytest.raises(ValueError, match="negative"):
            reference.due(self.cal, utc(2024, 1, 2), -US)


class TestCombined:
    ny = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")
    london = Calendar.weekly("Europe/London", "Mon-Fri 09:00-17:00")

    def test_and_is_open_where_both_are(self) -> None:
        # January: New York 14:00-22:00 UTC, London 09:00-17:00 UTC.
        got = reference.open_intervals(self.ny & self.london, utc(2024, 1, 15), utc(2024, 1, 16))
        assert got == [(utc(2024, 1, 15, 14), utc(2024, 1, 15, 17))]

    def test_or_is_open_where_either_is(self) -> None:
        got = reference.open_intervals(self.ny | self.london, utc(2024, 1, 15), utc(2024, 1, 16))
        assert got == [(utc(2024, 1, 15, 9), utc(2024, 1, 15, 22))]

    def test_business_days_use_the_left_zone(self) -> None:
        # Friday 2024-01-19 20:00 New York is Saturday 01:00 UTC: the next New
        # York date is Monday, closing at 17:00 New York = 22:00 UTC.
        cal = self.ny | Calendar.weekly("UTC", "Sat 00:00-02:00")
        friday_evening = datetime(2024, 1, 19, 20, tzinfo=NY)
        # Saturday UTC 00:00-02:00 is Friday 19:00-21:00 in New York: Friday is
        # the start's own date, Saturday New York has no open time.
        assert reference.due_business_days(cal, friday_evening, 1) == utc(2024, 1, 22, 22)


class TestBusinessDays:
    def test_two_business_days_from_monday_are_due_at_wednesdays_close(self) -> None:
        cal = Calendar.weekly("Europe/Berlin", "Mon-Fri 09:00-17:00")
        monday = datetime(2024, 1, 15, 10, tzinfo=BERLIN)
        assert reference.due_business_days(cal, monday, 2) == datetime(
            2024, 1, 17, 17, tzinfo=BERLIN
        )

    def test_the_night_shift_closes_a_date_at_its_midnight(self) -> None:
        # Open dates after Monday: Tue (22-24), Wed (00-06, 22-24), Thu (00-06).
        # The 2nd is Wednesday; its last piece ends at the midnight ending it.
        cal = Calendar.weekly("Europe/Berlin", "Tue-Wed 22:00-06:00")
        monday = datetime(2024, 1, 15, 10, tzinfo=BERLIN)
        due = reference.due_business_days(cal, monday, 2)
        assert due == datetime(2024, 1, 18, 0, tzinfo=BERLIN)
        assert reference.business_days_between(cal, monday, due) == 2
        assert reference.business_days_between(cal, monday, due - US) == 1

    def test_a_holiday_is_not_a_business_day(self) -> None:
        cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00", holidays=[date(2024, 1, 16)])
        assert not reference.is_business_day(cal, date(2024, 1, 16))
        assert not reference.is_business_day(cal, date(2024, 1, 20))
        assert reference.is_business_day(cal, date(2024, 1, 17))
        assert reference.due_business_days(cal, utc(2024, 1, 15, 12), 1) == utc(2024, 1, 17, 17)
