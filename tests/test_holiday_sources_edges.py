"""Holiday sources: iCalendar files at their edges, the forms ``coerce`` reads, to_dict and repr.

tests/test_holiday_sources.py covers the common paths; these are the rest:
an event without a start, a ``DURATION`` instead of ``DTEND``, a yearly
event across new year, a rule that repeats within a day (refused, as for
rules in calendar files), and the arguments a calendar's ``holidays=`` takes.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import holidays
import pytest

from slaclock.errors import InputError, UnknownHolidaySourceError
from slaclock.holiday_sources import HolidaySource


def ics(tmp_path: Path, *event: str) -> Path:
    """An iCalendar file with one event of these lines."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//EN", "BEGIN:VEVENT", "UID:1"]
    path = tmp_path / "holidays.ics"
    path.write_bytes("\r\n".join([*lines, *event, "END:VEVENT", "END:VCALENDAR", ""]).encode())
    return path


def test_an_event_without_a_start(tmp_path: Path) -> None:
    path = ics(tmp_path, "SUMMARY:Founders Day")
    with pytest.raises(UnknownHolidaySourceError) as info:
        HolidaySource.ics(path)
    assert str(info.value) == (
        f"holidays.ics({os.fspath(path)!r}).events[0]: event has no DTSTART (got 'Founders Day')"
    )


def test_a_duration_covers_its_days(tmp_path: Path) -> None:
    path = ics(tmp_path, "SUMMARY:Retreat", "DTSTART;VALUE=DATE:20260302", "DURATION:P2D")
    assert dict(HolidaySource.ics(path).names_in_year(2026)) == {
        dt.date(2026, 3, 2): "Retreat",
        dt.date(2026, 3, 3): "Retreat",
    }


def test_a_yearly_event_across_new_year_counts_in_each_year(tmp_path: Path) -> None:
    path = ics(
        tmp_path,
        "SUMMARY:Year end",
        "DTSTART;VALUE=DATE:20251231",
        "DTEND;VALUE=DATE:20260102",  # two days: Dec 31 and Jan 1
        "RRULE:FREQ=YEARLY",
    )
    source = HolidaySource.ics(path)
    # 2026 holds Jan 1 of the 2025 occurrence and Dec 31 of its own
    assert dict(source.names_in_year(2026)) == {
        dt.date(2026, 1, 1): "Year end",
        dt.date(2026, 12, 31): "Year end",
    }
    assert dict(source.names_in_year(2025)) == {dt.date(2025, 12, 31): "Year end"}


def test_an_event_repeating_within_a_day_is_refused(tmp_path: Path) -> None:
    # every minute of every year asked about would be walked
    path = ics(tmp_path, "SUMMARY:Tick", "DTSTART;VALUE=DATE:20260302", "RRULE:FREQ=MINUTELY")
    with pytest.raises(UnknownHolidaySourceError) as info:
        HolidaySource.ics(path)
    assert str(info.value) == (
        f"holidays.ics({os.fspath(path)!r}).events[0]: a holiday event names dates: its rule "
        "must repeat daily or less often (got 'Tick'); use FREQ=DAILY, WEEKLY, MONTHLY or "
        "YEARLY, without BYHOUR, BYMINUTE or BYSECOND"
    )


def test_what_holidays_takes() -> None:
    assert HolidaySource.coerce(None) == ()
    ca = holidays.country_holidays("US", subdiv="CA")
    assert HolidaySource.coerce([ca, "2026-01-02", dt.date(2026, 1, 5)]) == (
        HolidaySource.country("US", subdiv="CA"),
        HolidaySource.dates([dt.date(2026, 1, 2), dt.date(2026, 1, 5)]),
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "2026-01-02",
            "holidays: must be a HolidaySource, a holidays object, or an iterable of them or of "
            "dates (got '2026-01-02')",
        ),
        (
            ["2026-01-02", 5],
            "holidays[1]: must be a HolidaySource, a holidays object or a date (got 5)",
        ),
    ],
)
def test_what_holidays_refuses(value: object, message: str) -> None:
    with pytest.raises(InputError) as info:
        HolidaySource.coerce(value)
    assert str(info.value) == message


def test_a_full_request_reads_back_and_shows_itself() -> None:
    source = HolidaySource.country(
        "US", subdiv="CA", categories=["public", "unofficial"], observed=False
    )
    assert source.to_dict() == {
        "country": "US",
        "subdiv": "CA",
        "categories": ["public", "unofficial"],
        "observed": False,
    }
    assert HolidaySource.from_dict(source.to_dict()) == source
    assert repr(source) == (
        "HolidaySource.country('US', subdiv='CA', categories=['public', 'unofficial'], "
        "observed=False)"
    )


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (
            lambda: HolidaySource.country("US", subdiv=5),  # type: ignore[arg-type]
            UnknownHolidaySourceError,
            "holidays.subdiv: must be a subdivision code such as 'CA' (got 5)",
        ),
        (
            lambda: HolidaySource.from_dict({"dates": [], "rules": "FREQ=YEARLY"}),
            InputError,
            "holidays.rules: must be a list (got 'FREQ=YEARLY')",
        ),
        (
            lambda: HolidaySource.from_dict({"country": "US", "region": "west"}),
            InputError,
            "holidays.region: is not a holiday source key (known: ['categories', 'country', "
            "'dates', 'financial', 'name', 'observed', 'rules', 'subdiv']) (got 'west')",
        ),
    ],
)
def test_bad_requests(build: Callable[[], object], error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        build()
    assert str(info.value) == message
