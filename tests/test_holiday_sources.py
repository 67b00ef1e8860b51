"""Holiday sources: the holidays package as a frozen request, dates, ICS files."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

import holidays
import pytest

from slaclock import Calendar, HolidaySource
from slaclock.errors import HolidayDataWarning, InputError, UnknownHolidaySourceError


class TestCountrySources:
    def test_country_with_subdivision_reports_its_holidays(self) -> None:
        src = HolidaySource.country("US", subdiv="CA")
        assert src.contains(dt.date(2024, 7, 4))
        assert src.contains(dt.date(2024, 3, 31))  # Cesar Chavez Day, California only
        assert not HolidaySource.country("US").contains(dt.date(2024, 3, 31))

    def test_observed_days_follow_the_package(self) -> None:
        # 2021-07-04 was a Sunday: observed Monday the 5th
        assert HolidaySource.country("US").contains(dt.date(2021, 7, 5))
        assert not HolidaySource.country("US", observed=False).contains(dt.date(2021, 7, 5))

    def test_any_year_works_lazily(self) -> None:
        src = HolidaySource.country("US")
        assert src.contains(dt.date(1995, 12, 25))
        assert src.contains(dt.date(2071, 12, 25))

    def test_financial_market(self) -> None:
        nyse = HolidaySource.financial("NYSE")
        assert nyse.contains(dt.date(2024, 3, 29))  # Good Friday: the exchange closes
        assert not HolidaySource.country("US").contains(dt.date(2024, 3, 29))

    def test_market_and_country_aliases_are_one_value(self) -> None:
        assert HolidaySource.financial("NYSE") == HolidaySource.financial("XNYS")
        assert repr(HolidaySource.financial("NYSE")) == "HolidaySource.financial('XNYS')"

    def test_categories(self) -> None:
        src = HolidaySource.country("DE", subdiv="BY", categories=["public", "catholic"])
        assert src.categories == ("catholic", "public")
        assert src == HolidaySource.country("DE", subdiv="BY", categories=("catholic", "public"))

    def test_holidays_object_is_read_as_a_request_never_iterated(self) -> None:
        obj = holidays.country_holidays("US", subdiv="CA")
        assert len(obj) == 0  # empty until looked up: iterating would find nothing
        assert HolidaySource.from_holidays(obj) == HolidaySource.country("US", subdiv="CA")
        cal = Calendar.weekly("America/Los_Angeles", "Mon-Fri 09:00-17:00", holidays=obj)
        assert not cal.is_business_day(dt.date(2024, 7, 4))

    def test_financial_holidays_object(self) -> None:
        assert HolidaySource.from_holidays(
            holidays.financial_holidays("NYSE")
        ) == HolidaySource.financial("XNYS")

    def test_unknown_country_subdivision_and_category(self) -> None:
        with pytest.raises(UnknownHolidaySourceError, match=r"holidays.country: .*\(got 'XX'\)"):
            HolidaySource.country("XX")
        with pytest.raises(
            UnknownHolidaySourceError,
            match=r"holidays.subdiv: is not a subdivision of US \(got 'ZZ'\)",
        ):
            HolidaySource.country("US", subdiv="ZZ")
        with pytest.raises(UnknownHolidaySourceError, match=r"holidays\.categories"):
            HolidaySource.country("US", categories="nonsense")
        with pytest.raises(UnknownHolidaySourceError, match=r"holidays\.financial"):
            HolidaySource.financial("NOPE")

    def test_sources_are_hashable_and_pickle_without_their_cache(self) -> None:
        src = HolidaySource.country("GB", subdiv="SCT")
        src.contains(dt.date(2024, 1, 2))
        back = pickle.loads(pickle.dumps(src))
        assert back == src and hash(back) == hash(src)
        assert back.contains(dt.date(2024, 1, 2))  # 2 January is a Scottish bank holiday


class TestDateSources:
    def test_dates_and_iso_text(self) -> None:
        src = HolidaySource.dates([dt.date(2024, 12, 24), "2024-12-31"])
        assert src.contains(dt.date(2024, 12, 31))
        assert not src.contains(dt.date(2024, 12, 30))

    def test_a_mapping_gives_names(self) -> None:
        src = HolidaySource.dates({dt.date(2024, 6, 3): "Company day"})
        assert src.names_in_year(2024) == {dt.date(2024, 6, 3): "Company day"}

    def test_bad_date_names_its_position(self) -> None:
        with pytest.raises(InputError, match=r"holidays\[1\]: must be a date"):
            HolidaySource.dates([dt.date(2024, 1, 1), "2024-13-01"])

    def test_datetime_is_not_a_date(self) -> None:
        with pytest.raises(InputError, match="not a datetime"):
            HolidaySource.dates([dt.datetime(2024, 1, 1, tzinfo=dt.UTC)])

    def test_calendar_takes_plain_dates_and_several_sources(self) -> None:
        cal = Calendar.weekly(
            "UTC",
            "Mon-Fri 09:00-17:00",
            holidays=[HolidaySource.country("GB", subdiv="ENG"), dt.date(2024, 6, 3)],
        )
        assert not cal.is_business_day(dt.date(2024, 6, 3))
        assert not cal.is_business_day(dt.date(2024, 12, 25))
        assert cal.is_business_day(dt.date(2024, 6, 4))


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//slaclock tests//EN
BEGIN:VEVENT
UID:1@test
DTSTART;VALUE=DATE:20241224
DTEND;VALUE=DATE:20241227
SUMMARY:Winter break
END:VEVENT
BEGIN:VEVENT
UID:2@test
DTSTART;VALUE=DATE:20200501
RRULE:FREQ=YEARLY
SUMMARY:Company day
END:VEVENT
END:VCALENDAR
"""


class TestIcsSources:
    def test_multi_day_and_recurring_events(self, tmp_path: Path) -> None:
        path = tmp_path / "hol.ics"
        path.write_text(ICS)
        src = HolidaySource.ics(path)
        assert [src.contains(dt.date(2024, 12, d)) for d in (23, 24, 25, 26, 27)] == [
            False,
            True,
            True,
            True,
            False,
        ]
        assert src.names_in_year(2031)[dt.date(2031, 5, 1)] == "Company day"
        assert HolidaySource.from_dict(src.to_dict()) == src

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(UnknownHolidaySourceError, match="cannot be read"):
            HolidaySource.ics(tmp_path / "nope.ics")

    def test_not_icalendar(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.ics"
        path.write_text("hello")
        with pytest.raises(UnknownHolidaySourceError, match="not iCalendar"):
            HolidaySource.ics(path)


class TestHolidaysBetween:
    def test_names_from_the_sources_inclusive(self) -> None:
        cal = Calendar.weekly(
            "America/New_York", "Mon-Fri 09:00-17:00", holidays=HolidaySource.country("US")
        )
        got = cal.holidays_between(dt.date(2024, 12, 25), dt.date(2025, 1, 1))
        assert got == [
            (dt.date(2024, 12, 25), "Christmas Day"),
            (dt.date(2025, 1, 1), "New Year's Day"),
        ]


ICS_HARD = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//slaclock tests//EN
BEGIN:VEVENT
UID:3@test
DTSTART;VALUE=DATE:20240704
RRULE:FREQ=YEARLY;UNTIL=20301231T235959Z
EXDATE;VALUE=DATE:20250704
SUMMARY:Independence Day
END:VEVENT
BEGIN:VEVENT
UID:4@test
DTSTART:20241224T100000Z
DTEND:20241224T120000Z
SUMMARY:Team meeting
END:VEVENT
END:VCALENDAR
"""


class TestIcsExports:
    def test_utc_until_and_exdate_are_honoured(self, tmp_path: Path) -> None:
        path = tmp_path / "hard.ics"
        path.write_text(ICS_HARD)
        with pytest.warns(HolidayDataWarning, match="1 timed event"):
            src = HolidaySource.ics(path)
        assert src.contains(dt.date(2024, 7, 4))
        assert not src.contains(dt.date(2025, 7, 4))  # EXDATE
        assert src.contains(dt.date(2030, 7, 4))
        assert not src.contains(dt.date(2031, 7, 4))  # UNTIL
        assert not src.contains(dt.date(2024, 12, 24))  # a timed meeting closes nothing


class TestReadOnlyAndPartialData:
    def test_names_in_year_cannot_be_changed_by_the_caller(self) -> None:
        src = HolidaySource.country("US")
        with pytest.raises(TypeError):
            src.names_in_year(2024)[dt.date(2024, 12, 25)] = "x"  # type: ignore[index]
        assert src.contains(dt.date(2024, 12, 25))

    def test_years_the_package_does_not_cover_warn(self) -> None:
        src = HolidaySource.country("IN")
        with pytest.warns(HolidayDataWarning, match="year 2100"):
            src.names_in_year(2100)


def test_a_holiday_rule_that_repeats_within_a_day_is_refused() -> None:
    """A rule of holidays names dates: FREQ=MINUTELY walked every minute of the years asked
    about (10 s for one question; found by the fuzz tests), now refused when read."""
    from slaclock.errors import InputError
    from slaclock.holiday_sources import HolidaySource

    for rule in (
        "DTSTART:20240101\nRRULE:FREQ=MINUTELY",
        "DTSTART:20240101\nRRULE:FREQ=DAILY;BYHOUR=1,2",
    ):
        with pytest.raises(InputError, match="a holiday rule names dates") as info:
            HolidaySource.from_dict({"dates": [], "rules": [{"rule": rule, "name": "x"}]})
        assert info.value.field == "holidays.rules[0].rule"
    ok = HolidaySource.from_dict(
        {
            "dates": [],
            "rules": [{"rule": "DTSTART:20240101\nRRULE:FREQ=YEARLY", "name": "New Year"}],
        }
    )
    assert ok.rules
