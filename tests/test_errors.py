"""The error hierarchy: fields in messages, pickling, ValueError compatibility."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest

import slaclock.errors as errors
from slaclock import Calendar

ALL_INPUT_ERRORS = [
    errors.NaiveDatetimeError,
    errors.NonexistentTimeError,
    errors.IntervalOrderError,
    errors.DurationError,
    errors.UnknownTimeZoneError,
    errors.SpanError,
    errors.OverlappingPausesError,
    errors.UnknownHolidaySourceError,
    errors.OverrideConflictError,
    errors.CalendarFormatError,
]


class TestHierarchy:
    @pytest.mark.parametrize("cls", ALL_INPUT_ERRORS)
    def test_input_errors_are_value_errors_under_the_base(
        self, cls: type[errors.InputError]
    ) -> None:
        assert issubclass(cls, errors.InputError)
        assert issubclass(cls, ValueError)
        assert issubclass(cls, errors.SlaClockError)

    @pytest.mark.parametrize("cls", ALL_INPUT_ERRORS)
    def test_input_errors_pickle_with_their_fields(self, cls: type[errors.InputError]) -> None:
        exc = cls(
            "pauses[1].end", dt.datetime(2024, 1, 1, tzinfo=dt.UTC), "must be later", "a hint"
        )
        back = pickle.loads(pickle.dumps(exc))
        assert type(back) is cls
        assert (back.field, back.value, back.problem, back.hint) == (
            exc.field,
            exc.value,
            exc.problem,
            exc.hint,
        )
        assert str(back) == str(exc)

    def test_no_open_time_error_pickles_and_is_not_an_input_error(self) -> None:
        exc = errors.NoOpenTimeError("due", "x", 50, "not enough open time")
        back = pickle.loads(pickle.dumps(exc))
        assert str(back) == str(exc)
        assert "within 50 years" in str(exc)
        assert not isinstance(exc, ValueError)

    def test_warning_base_is_a_user_warning(self) -> None:
        assert issubclass(errors.SlaClockWarning, UserWarning)

    def test_every_error_class_is_exported(self) -> None:
        for name in errors.__all__:
            assert isinstance(getattr(errors, name), type)


class TestMessagesAsANewUserMeetsThem:
    cal = Calendar.weekly("Europe/Paris", "Mon-Fri 09:00-17:00")
    paris = dt.timezone(dt.timedelta(hours=1))

    def test_naive_datetime_names_field_value_and_the_fix(self) -> None:
        naive = dt.datetime(2024, 3, 1, 9)  # noqa: DTZ001 - the bad input under test
        with pytest.raises(errors.NaiveDatetimeError) as info:
            self.cal.elapsed(naive, dt.datetime(2024, 3, 2, 9, tzinfo=self.paris))
        msg = str(info.value)
        assert msg.startswith(
            "start: datetime has no time zone (got datetime.datetime(2024, 3, 1, 9, 0))"
        )
        assert "assume_tz=" in msg

    def test_end_before_start(self) -> None:
        a = dt.datetime(2024, 3, 2, 9, tzinfo=self.paris)
        with pytest.raises(errors.IntervalOrderError, match=r"^end: must not be before start"):
            self.cal.elapsed(a, a - dt.timedelta(microseconds=1))

    def test_unknown_zone(self) -> None:
        with pytest.raises(
            errors.UnknownTimeZoneError,
            match=r"zone: is not a known IANA time zone \(got 'Mars/Olympus'\)",
        ):
            Calendar.weekly("Mars/Olympus", "Mon 09:00-10:00")

    def test_negative_duration(self) -> None:
        a = dt.datetime(2024, 3, 2, 9, tzinfo=self.paris)
        with pytest.raises(errors.DurationError, match="duration: must not be negative"):
            self.cal.due(a, dt.timedelta(seconds=-1))

    def test_duration_of_the_wrong_type(self) -> None:
        a = dt.datetime(2024, 3, 2, 9, tzinfo=self.paris)
        with pytest.raises(
            errors.DurationError, match=r"duration: must be a datetime\.timedelta \(got 3600\)"
        ):
            self.cal.due(a, 3600)  # type: ignore[arg-type]

    def test_overlapping_pauses_name_both(self) -> None:
        a = dt.datetime(2024, 3, 4, 9, tzinfo=self.paris)
        h = dt.timedelta(hours=1)
        with pytest.raises(
            errors.OverlappingPausesError, match=r"pauses\[1\]: overlaps pauses\[0\]"
        ):
            self.cal.elapsed(a, a + 8 * h, pauses=[(a, a + 2 * h), (a + h, a + 3 * h)])

    def test_unknown_holiday_country(self) -> None:
        with pytest.raises(
            errors.UnknownHolidaySourceError, match=r"holidays\.country: is not a country"
        ):
            Calendar.weekly(
                "UTC",
                "Mon 09:00-10:00",
                holidays=__import__("slaclock").HolidaySource.country("XX"),
            )

    def test_wall_time_in_a_gap_with_assume_tz(self) -> None:
        with pytest.raises(errors.NonexistentTimeError, match="daylight-saving gap"):
            self.cal.is_open(dt.datetime(2024, 3, 31, 2, 30), assume_tz="Europe/Paris")  # noqa: DTZ001

    def test_non_datetime_instant(self) -> None:
        with pytest.raises(errors.NaiveDatetimeError, match="t: must be a timezone-aware datetime"):
            self.cal.is_open(dt.date(2024, 3, 1))  # type: ignore[arg-type]


def test_a_huge_bad_value_is_cut_in_the_message() -> None:
    from slaclock.errors import InputError as _InputError

    text = str(_InputError("history", list(range(10_000)), "must be a list of events"))
    assert text.startswith("history: must be a list of events (got [0, 1, 2,")
    assert text.endswith(" characters))")
    assert len(text) < 400
