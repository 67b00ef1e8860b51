"""Calendars as values, overrides, combinations, horizons and the clock's API."""

from __future__ import annotations

import datetime as dt
import pickle
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import MONTHLY, SA, rrule

from slaclock import Calendar, HolidaySource, Span, WeeklyHours
from slaclock.calendars import CombinedCalendar, WeeklyCalendar
from slaclock.errors import (
    CalendarFormatError,
    InputError,
    IntervalOrderError,
    NoOpenTimeError,
    OverrideConflictError,
    SpanError,
    UnknownTimeZoneError,
)

NY = ZoneInfo("America/New_York")
UTC = dt.UTC
H = dt.timedelta(hours=1)


def ny(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=NY)


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=UTC)


FULL = Calendar.weekly(
    "America/New_York",
    "Mon-Fri 09:00-17:00; Sun 22:00-06:00",
    holidays=[HolidaySource.country("US"), dt.date(2024, 6, 3)],
    overrides={
        dt.date(2024, 12, 24): "09:00-13:00",
        "2024-12-28": ["10:00-12:00", "13:00-14:00"],
        dt.date(2024, 12, 31): [],
        rrule(MONTHLY, byweekday=SA(+1), dtstart=dt.datetime(2024, 1, 1)): "09:00-13:00",  # noqa: DTZ001
    },
)


class TestValues:
    def test_equal_definitions_are_equal_and_hash_alike(self) -> None:
        a = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
        b = Calendar.weekly("UTC", {"mon-fri": "09:00-17:00"})
        assert a == b and hash(a) == hash(b)
        assert a != Calendar.weekly("Europe/London", "Mon-Fri 09:00-17:00")

    def test_pickle_round_trip_drops_the_compiled_cache(self) -> None:
        FULL.elapsed(ny(2024, 1, 1), ny(2025, 1, 1))
        data = pickle.dumps(FULL)
        assert len(data) < 4000
        back = pickle.loads(data)
        assert back == FULL and hash(back) == hash(FULL)
        assert back.elapsed(ny(2024, 1, 1), ny(2025, 1, 1)) == FULL.elapsed(
            ny(2024, 1, 1), ny(2025, 1, 1)
        )

    def test_readable_repr(self) -> None:
        assert repr(Calendar.always_open("Europe/Paris")) == "Calendar.always_open('Europe/Paris')"
        text = repr(FULL)
        assert text.startswith(
            "Calendar.weekly('America/New_York', 'Mon 00:00-06:00, 09:00-17:00; "
        )
        assert "HolidaySource.country('US')" in text and "FREQ=MONTHLY" in text
        combo = Calendar.always_open("UTC") & Calendar.weekly("UTC", "Mon 09:00-10:00")
        assert (
            repr(combo)
            == "(Calendar.always_open('UTC') & Calendar.weekly('UTC', 'Mon 09:00-10:00'))"
        )

    def test_calendars_are_immutable(self) -> None:
        with pytest.raises(AttributeError):
            FULL.zone = "UTC"  # type: ignore[misc]

    @pytest.mark.parametrize(
        "cal",
        [
            FULL,
            Calendar.always_open("Asia/Kathmandu"),
            Calendar.always_open("UTC", horizon_years=5),
            Calendar.weekly("Europe/Berlin", "Mon-Fri 08:00-12:00, 13:00-17:00")
            | Calendar.weekly("Asia/Tokyo", "Mon-Fri 09:00-18:00"),
            Calendar.weekly("UTC", "Daily 00:00-24:00") & FULL,
        ],
    )
    def test_to_dict_round_trips_to_an_equal_calendar(self, cal: Calendar) -> None:
        import json

        data = json.loads(json.dumps(cal.to_dict()))
        assert Calendar.from_dict(data) == cal

    @pytest.mark.parametrize(
        ("data", "fragment"),
        [
            ({"zone": "UTC"}, "calendar.hours: is required"),
            (
                {"zone": "UTC", "hours": "Mon 09:00-10:00", "hollidays": []},
                "calendar.hollidays: unknown key",
            ),
            ({"kind": "xor", "zone": "UTC"}, "calendar.kind"),
            ({"kind": "and", "left": {"kind": "always_open", "zone": "UTC"}}, "calendar.right"),
            ({"zone": "UTC", "hours": {"mon": "09:00-25:00"}}, "calendar.hours.mon"),
            ({"zone": "Nowhere/Land", "hours": "Mon 09:00-10:00"}, "calendar.zone"),
            (
                {"zone": "UTC", "hours": "Mon 09:00-10:00", "overrides": {"2024-02-30": []}},
                "calendar.overrides",
            ),
            (
                {
                    "kind": "and",
                    "left": {"kind": "always_open", "zone": "UTC"},
                    "right": {"zone": "UTC"},
                },
                "calendar.right.hours",
            ),
            ("UTC", "calendar: must be a mapping"),
        ],
    )
    def test_from_dict_errors_name_the_path(self, data: object, fragment: str) -> None:
        with pytest.raises(InputError) as info:
            Calendar.from_dict(data)
        assert fragment in str(info.value)


class TestOverrides:
    def test_half_day_override_beats_a_holiday(self) -> None:
        cal = Calendar.weekly(
            "America/New_York",
            "Mon-Fri 09:00-17:00",
            holidays=[dt.date(2024, 12, 24)],
            overrides={dt.date(2024, 12, 24): "09:00-13:00"},
        )
        assert cal.spans_on(dt.date(2024, 12, 24)) == (Span.parse("09:00-13:00"),)
        assert cal.elapsed(ny(2024, 12, 24), ny(2024, 12, 25)) == 4 * H

    def test_empty_override_closes_a_weekday_and_overrides_open_a_weekend(self) -> None:
        assert FULL.spans_on(dt.date(2024, 12, 31)) == ()
        assert FULL.elapsed(ny(2024, 12, 28), ny(2024, 12, 29)) == 3 * H

    def test_recurring_override_opens_first_saturdays(self) -> None:
        assert FULL.spans_on(dt.date(2024, 7, 6)) == (Span.parse("09:00-13:00"),)
        assert FULL.spans_on(dt.date(2024, 7, 13)) == ()
        assert FULL.is_open(ny(2031, 3, 1, 10))  # years later, expanded lazily

    def test_dated_override_beats_recurring_one(self) -> None:
        cal = Calendar.weekly(
            "UTC",
            "Mon-Fri 09:00-17:00",
            overrides={
                "DTSTART:20240101\nRRULE:FREQ=MONTHLY;BYDAY=+1SA": "09:00-13:00",
                dt.date(2024, 7, 6): "10:00-11:00",
            },
        )
        assert cal.spans_on(dt.date(2024, 7, 6)) == (Span.parse("10:00-11:00"),)

    def test_recurring_overrides_that_meet_are_an_error(self) -> None:
        cal = Calendar.weekly(
            "UTC",
            "Mon-Fri 09:00-17:00",
            overrides={
                "DTSTART:20240101\nRRULE:FREQ=MONTHLY;BYDAY=+1SA": "09:00-13:00",
                "DTSTART:20240106\nRRULE:FREQ=WEEKLY;BYDAY=SA": "10:00-12:00",
            },
        )
        with pytest.raises(OverrideConflictError, match="meet on this date"):
            cal.is_open(utc(2024, 1, 6, 10))

    def test_same_date_twice_is_an_error(self) -> None:
        with pytest.raises(OverrideConflictError, match="two overrides"):
            Calendar.weekly(
                "UTC", "Mon 09:00-10:00", overrides={dt.date(2024, 1, 1): [], "2024-01-01": []}
            )

    def test_rule_without_a_start_is_refused(self) -> None:
        with pytest.raises(InputError, match="needs a DTSTART"):
            Calendar.weekly("UTC", "Mon 09:00-10:00", overrides={"RRULE:FREQ=WEEKLY": []})

    def test_override_spans_may_not_cross_midnight(self) -> None:
        with pytest.raises(SpanError, match="write two spans"):
            Calendar.weekly("UTC", "Mon 09:00-10:00", overrides={"2024-01-01": "22:00-02:00"})


class TestCombinations:
    def test_and_is_open_where_both_are(self) -> None:
        support = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")
        vendor = Calendar.weekly("Europe/London", "Mon-Fri 09:00-17:00")
        both = support & vendor
        assert isinstance(both, CombinedCalendar)
        # London 09-17 is NY 04-12 in January: the overlap is NY 09-12
        assert both.elapsed(ny(2024, 1, 8), ny(2024, 1, 9)) == 3 * H
        assert both.zone == "America/New_York"

    def test_or_is_open_where_either_is(self) -> None:
        either = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00") | Calendar.weekly(
            "Europe/London", "Mon-Fri 09:00-17:00"
        )
        assert either.elapsed(ny(2024, 1, 8), ny(2024, 1, 9)) == 13 * H

    def test_combined_business_days_use_the_left_zone(self) -> None:
        cal = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00") & Calendar.always_open(
            "Asia/Tokyo"
        )
        assert cal.due_business_days(ny(2024, 1, 8, 10), 1) == ny(2024, 1, 9, 17)

    def test_combining_with_a_non_calendar_is_a_type_error(self) -> None:
        with pytest.raises(TypeError):
            FULL & 3  # type: ignore[operator]


class TestHorizon:
    def test_never_open_calendar_raises_fast(self) -> None:
        closed = Calendar.weekly("UTC", {})
        t0 = time.perf_counter()
        t = utc(2024, 1, 1)
        with pytest.raises(NoOpenTimeError, match="within 50 years"):
            closed.next_open(t)
        with pytest.raises(NoOpenTimeError, match="within 50 years"):
            closed.due(t, H)
        with pytest.raises(NoOpenTimeError, match="within 50 years"):
            closed.subtract(t, H)
        with pytest.raises(NoOpenTimeError, match="within 50 years"):
            closed.due_business_days(t, 1)
        assert time.perf_counter() - t0 < 5  # generous bound: a hang would never return

    def test_always_open_never_closes_within_the_horizon(self) -> None:
        with pytest.raises(
            NoOpenTimeError, match="next_close: the calendar does not close within 50 years"
        ):
            Calendar.always_open("UTC").next_close(utc(2024, 1, 1))

    def test_an_open_day_years_away_still_answers(self) -> None:
        cal = Calendar.weekly("UTC", {}, overrides={dt.date(2061, 5, 4): "09:00-10:00"})
        assert cal.next_open(utc(2024, 1, 1)) == utc(2061, 5, 4, 9)
        assert cal.due(utc(2024, 1, 1), 30 * dt.timedelta(minutes=1)) == utc(2061, 5, 4, 9, 30)

    def test_a_shorter_horizon_gives_up_sooner(self) -> None:
        cal = Calendar.weekly(
            "UTC", {}, overrides={dt.date(2030, 5, 4): "09:00-10:00"}, horizon_years=5
        )
        with pytest.raises(NoOpenTimeError, match="within 5 years"):
            cal.next_open(utc(2024, 1, 1))
        assert cal.next_open(utc(2026, 1, 1)) == utc(2030, 5, 4, 9)

    def test_horizon_must_be_positive(self) -> None:
        with pytest.raises(InputError, match="horizon_years"):
            Calendar.always_open("UTC", horizon_years=0)


class TestClockDetails:
    cal = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")

    def test_assume_tz_reads_naive_wall_times(self) -> None:
        naive = dt.datetime(2024, 3, 11, 9, 0)  # noqa: DTZ001
        assert self.cal.is_open(naive, assume_tz="America/New_York")
        assert self.cal.due(naive, H, assume_tz=NY) == utc(2024, 3, 11, 14)

    def test_assume_tz_respects_fold(self) -> None:
        cal = Calendar.always_open("America/New_York")
        first = dt.datetime(2024, 11, 3, 1, 30)  # noqa: DTZ001
        second = first.replace(fold=1)
        assert cal.elapsed(first, second, assume_tz="America/New_York") == H

    def test_results_are_utc_aware(self) -> None:
        t = self.cal.due(ny(2024, 3, 8, 16), 2 * H)
        assert t.tzinfo is UTC
        assert t == ny(2024, 3, 11, 10)

    def test_pendulum_instants_are_accepted(self) -> None:
        pendulum = pytest.importorskip("pendulum")
        start = pendulum.datetime(2024, 3, 8, 16, tz="America/New_York")
        assert self.cal.due(start, 2 * H) == ny(2024, 3, 11, 10)

    def test_touching_pauses_merge_and_pauses_outside_change_nothing(self) -> None:
        a, b = ny(2024, 1, 8, 9), ny(2024, 1, 8, 17)
        pauses = [
            (ny(2024, 1, 8, 11), ny(2024, 1, 8, 12)),
            (ny(2024, 1, 8, 10), ny(2024, 1, 8, 11)),
            (ny(2023, 1, 1), ny(2023, 1, 2)),
        ]
        assert self.cal.elapsed(a, b, pauses=pauses) == 6 * H
        assert self.cal.due(a, 6 * H, pauses=pauses) == b

    def test_a_pause_centuries_away_compiles_nothing_in_between(self) -> None:
        a = ny(2024, 1, 8, 9)
        far = [(utc(9000, 1, 1), utc(9000, 1, 2))]
        t0 = time.perf_counter()
        assert self.cal.due(a, H, pauses=far) == ny(2024, 1, 8, 10)
        assert time.perf_counter() - t0 < 1

    def test_pause_ending_before_it_starts(self) -> None:
        a = ny(2024, 1, 8, 9)
        with pytest.raises(IntervalOrderError, match=r"pauses\[0\].end"):
            self.cal.elapsed(a, a + 8 * H, pauses=[(a + H, a)])

    def test_due_across_a_pause_that_outlasts_the_target(self) -> None:
        a = ny(2024, 1, 8, 9)
        assert self.cal.due(a, H, pauses=[(a, ny(2024, 1, 10, 12))]) == ny(2024, 1, 10, 13)

    def test_subtract_lands_on_the_start_of_open_time(self) -> None:
        assert self.cal.subtract(ny(2024, 1, 9, 10), H) == ny(2024, 1, 9, 9)
        assert self.cal.subtract(ny(2024, 1, 9, 9, 30), H) == ny(2024, 1, 8, 16, 30)

    def test_is_business_day_and_between(self) -> None:
        assert self.cal.is_business_day(dt.date(2024, 1, 8))
        assert not self.cal.is_business_day(dt.date(2024, 1, 7))
        assert self.cal.business_days_between(ny(2024, 1, 8, 10), ny(2024, 1, 10, 17)) == 2
        assert self.cal.business_days_between(ny(2024, 1, 8, 10), ny(2024, 1, 10, 16)) == 1
        with pytest.raises(InputError, match=r"day: must be a datetime\.date"):
            self.cal.is_business_day(ny(2024, 1, 8))

    def test_business_day_count_must_be_positive_whole(self) -> None:
        with pytest.raises(InputError, match=r"n: must be a whole number"):
            self.cal.due_business_days(ny(2024, 1, 8), 0)

    def test_elapsed_over_many_years_and_far_instants(self) -> None:
        cal = Calendar.always_open("UTC")
        assert cal.elapsed(utc(1900, 1, 1), utc(2100, 1, 1)) == utc(2100, 1, 1) - utc(1900, 1, 1)
        assert cal.due(utc(9999, 1, 1), H) == utc(9999, 1, 1, 1)


class TestSharing:
    def test_threads_sharing_one_calendar_get_the_same_answers(self) -> None:
        cal = Calendar.weekly(
            "Europe/London", "Mon-Fri 09:00-17:00", holidays=HolidaySource.country("GB")
        )
        starts = [utc(2000 + i % 10, 1 + i % 12, 1 + i % 28, i % 24) for i in range(400)]
        expected = [Calendar.from_dict(cal.to_dict()).due(s, 37 * H) for s in starts]
        results: list[list[dt.datetime]] = []

        def work() -> None:
            results.append([cal.due(s, 37 * H) for s in starts])

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [expected] * 8


def test_weekly_calendar_type() -> None:
    assert isinstance(FULL, WeeklyCalendar)
    assert isinstance(Calendar.always_open("UTC"), WeeklyCalendar)


def test_bad_override_key() -> None:
    with pytest.raises(InputError, match="must be a date"):
        Calendar.weekly("UTC", "Mon 09:00-10:00", overrides={3: []})


def test_bad_from_dict_override_value() -> None:
    with pytest.raises(CalendarFormatError):
        Calendar.from_dict({"zone": "UTC", "hours": "Mon 09:00-10:00", "overrides": []})


class TestRecurringRules:
    def test_exdate_and_rdate_in_a_rule(self) -> None:
        cal = Calendar.weekly(
            "UTC",
            "Mon-Fri 09:00-17:00",
            overrides={
                "DTSTART:20240101\nRRULE:FREQ=MONTHLY;BYDAY=+1SA\nEXDATE:20240203\nRDATE:20240210": "09:00-13:00"
            },
        )
        assert not cal.is_open(utc(2024, 2, 3, 10))
        assert cal.is_open(utc(2024, 2, 10, 10))
        assert cal.is_open(utc(2024, 3, 2, 10))
        assert Calendar.from_dict(cal.to_dict()) == cal

    def test_a_rule_that_never_fires_is_walked_once_then_known(self) -> None:
        closed = Calendar.weekly(
            "UTC",
            {},
            overrides={
                "DTSTART:20240101\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30": "09:00-13:00"
            },
        )
        t0 = time.perf_counter()
        with pytest.raises(NoOpenTimeError):
            closed.next_open(utc(2024, 1, 1))
        assert time.perf_counter() - t0 < 30  # one walk of dateutil to year 9999, not one per year
        t0 = time.perf_counter()
        with pytest.raises(NoOpenTimeError):
            closed.next_open(utc(2030, 1, 1))
        assert time.perf_counter() - t0 < 5

    def test_a_rule_with_an_old_start_expands_once(self) -> None:
        cal = Calendar.weekly(
            "UTC",
            "Mon-Fri 09:00-17:00",
            overrides={"DTSTART:19000101\nRRULE:FREQ=DAILY;BYDAY=SA": "09:00-10:00"},
        )
        # Saturdays open 09:00-10:00 by the rule, Sundays stay closed
        assert cal.is_open(utc(2024, 6, 1, 9, 30))
        assert not cal.is_open(utc(2024, 6, 2, 9, 30))
        assert cal.is_open(utc(2035, 6, 2, 9, 30))
        assert not cal.is_open(utc(2035, 6, 2, 10, 30))


class TestFromDictRejectsMalformedEntries:
    @pytest.mark.parametrize(
        ("holiday", "path"),
        [
            ({"dates": [], "rules": [{"name": "x"}]}, "calendar.holidays[0].rules[0]:"),
            ({"dates": [], "rules": ["x"]}, "calendar.holidays[0].rules[0]:"),
            ({"dates": [], "rules": [{"rule": "garbage"}]}, "calendar.holidays[0].rules[0].rule:"),
            (
                {
                    "dates": [],
                    "rules": [{"rule": "DTSTART:20240101\nRRULE:FREQ=YEARLY", "days": True}],
                },
                "calendar.holidays[0].rules[0].days:",
            ),
            ({"dates": 5}, "calendar.holidays[0].dates:"),
            ({"country": "US", "categories": 5}, "calendar.holidays[0].categories:"),
            ({"country": "US", "observed": "false"}, "calendar.holidays[0].observed:"),
            ({"country": 5}, "calendar.holidays[0].country:"),
            ({"country": "XX"}, "calendar.holidays[0].country:"),
        ],
    )
    def test_holiday_entries_name_their_path(self, holiday: object, path: str) -> None:
        with pytest.raises(InputError) as info:
            Calendar.from_dict({"zone": "UTC", "hours": "Mon 09:00-10:00", "holidays": [holiday]})
        assert str(info.value).startswith(path)

    def test_recurring_entries_name_their_path(self) -> None:
        with pytest.raises(InputError, match=r"^calendar\.recurring\[0\]\.hours\[0\]"):
            Calendar.from_dict(
                {
                    "zone": "UTC",
                    "hours": "Mon 09:00-10:00",
                    "recurring": [
                        {"rule": "DTSTART:20240101\nRRULE:FREQ=WEEKLY", "hours": "25:00-26:00"}
                    ],
                }
            )
        with pytest.raises(CalendarFormatError, match=r"^calendar\.recurring\[0\]:"):
            Calendar.from_dict(
                {"zone": "UTC", "hours": "Mon 09:00-10:00", "recurring": [{"rule": ["x"]}]}
            )

    def test_always_open_zone_errors_name_their_path(self) -> None:
        with pytest.raises(InputError, match=r"^calendar\.zone:"):
            Calendar.from_dict({"kind": "always_open", "zone": "Nope/Nope"})


class TestCanonicalValuesAndDirectConstruction:
    def test_holiday_sources_and_rules_in_any_order_are_one_value(self) -> None:
        us, gb = HolidaySource.country("US"), HolidaySource.country("GB")
        assert Calendar.weekly("UTC", "Mon 09:00-10:00", holidays=[us, gb]) == Calendar.weekly(
            "UTC", "Mon 09:00-10:00", holidays=[gb, us, gb]
        )
        r1, r2 = (
            "DTSTART:20240101\nRRULE:FREQ=MONTHLY;BYDAY=+1SA",
            "DTSTART:20240101\nRRULE:FREQ=MONTHLY;BYDAY=+3SA",
        )
        assert Calendar.weekly(
            "UTC", "Mon 09:00-10:00", overrides={r1: [], r2: []}
        ) == Calendar.weekly("UTC", "Mon 09:00-10:00", overrides={r2: [], r1: []})

    def test_direct_construction_is_checked(self) -> None:
        with pytest.raises(InputError, match=r"^hours: must be a WeeklyHours"):
            WeeklyCalendar("UTC", "Mon 09:00-10:00")  # type: ignore[arg-type]
        with pytest.raises(InputError, match=r"^holidays: must be a tuple of HolidaySource"):
            WeeklyCalendar("UTC", WeeklyHours.always(), holidays=["2024-01-01"])  # type: ignore[arg-type]
        with pytest.raises(InputError, match="horizon_years"):
            WeeklyCalendar("UTC", WeeklyHours.always(), horizon_years=-5)

    def test_overrides_must_be_a_mapping(self) -> None:
        with pytest.raises(InputError, match=r"^overrides: must be a mapping"):
            Calendar.weekly("UTC", "Mon 09:00-10:00", overrides=[("2024-01-01", "09:00-10:00")])  # type: ignore[arg-type]

    def test_the_machine_zone_is_refused(self) -> None:
        with pytest.raises(UnknownTimeZoneError, match="machine's zone"):
            Calendar.always_open("localtime")

    def test_sub_second_spans_round_trip(self) -> None:
        cal = Calendar.weekly(
            "UTC", "Mon 09:00-10:00", overrides={"2024-01-02": "09:00:00.5-10:00"}
        )
        assert Calendar.from_dict(cal.to_dict()) == cal
        assert cal.elapsed(utc(2024, 1, 2), utc(2024, 1, 3)) == H - dt.timedelta(milliseconds=500)


class TestTheEdgesOfTheDatetimeRange:
    cal = Calendar.always_open("UTC")

    def test_first_and_last_days_are_open_on_a_24_7_calendar(self) -> None:
        assert self.cal.is_open(dt.datetime(9999, 12, 31, 12, tzinfo=UTC))
        assert self.cal.is_open(dt.datetime(1, 1, 1, 12, tzinfo=UTC))
        assert (
            self.cal.elapsed(dt.datetime(1, 1, 1, tzinfo=UTC), dt.datetime(1, 1, 3, tzinfo=UTC))
            == 48 * H
        )

    def test_answers_past_year_9999_are_a_horizon_error_not_an_overflow(self) -> None:
        with pytest.raises(NoOpenTimeError):
            self.cal.due(dt.datetime(9999, 12, 31, 23, tzinfo=UTC), 2 * H)
        with pytest.raises(NoOpenTimeError):
            self.cal.due_business_days(dt.datetime(9999, 12, 30, tzinfo=UTC), 1)
        with pytest.raises(NoOpenTimeError):
            self.cal.subtract(dt.datetime(1, 1, 1, 1, tzinfo=UTC), 2 * H)

    def test_business_days_at_the_last_date(self) -> None:
        weekly = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
        assert weekly.is_business_day(dt.date(9999, 12, 31))
        assert weekly.next_close(dt.datetime(9999, 12, 31, 10, tzinfo=UTC)) == dt.datetime(
            9999, 12, 31, 17, tzinfo=UTC
        )
