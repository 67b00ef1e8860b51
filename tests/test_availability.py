"""Availability inside service hours (SEMANTICS "Reports"), checked against hand-computed values."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest

from slaclock import Calendar
from slaclock.availability import Outage, availability
from slaclock.errors import InputError, IntervalOrderError

UTC = dt.UTC
DESK = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
ALWAYS = Calendar.always_open("UTC")
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def t(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_a_month_of_24_7_allows_43_minutes_at_99_9() -> None:
    (row,) = availability([], ALWAYS, start=t(4, 1), end=t(5, 1), target="99.9%", services=["api"])
    assert row.period == "2026-04"
    assert row.open_time == 720 * H
    assert row.allowed == dt.timedelta(minutes=43, seconds=12)
    assert (row.availability, row.met, row.left) == (Fraction(1), True, row.allowed)


def test_business_hours_allow_far_less_and_night_outages_cost_nothing() -> None:
    # April 2026 has 22 weekdays: 176 h of service; 0.1% of it is 633.6 s
    night = Outage(t(4, 7, 2), t(4, 7, 5), "api")
    day = Outage(t(4, 7, 16, 50), t(4, 7, 18), "api")  # 10 minutes inside hours
    (row,) = availability([night, day], DESK, start=t(4, 1), end=t(5, 1), target="99.9%")
    assert row.open_time == 176 * H
    assert row.allowed == dt.timedelta(seconds=633, microseconds=600_000)
    assert row.downtime == 10 * M
    assert row.availability == 1 - Fraction(10, 176 * 60)
    assert row.met is True
    assert row.left == row.allowed - 10 * M
    assert row.outages == 2


def test_overlapping_outages_merge_and_planned_windows_are_not_downtime() -> None:
    outages = [
        Outage(t(4, 7, 10), t(4, 7, 11), "api"),
        Outage(t(4, 7, 10, 30), t(4, 7, 12), "api"),  # overlaps: one outage 10:00-12:00
        Outage(t(4, 7, 11), t(4, 7, 13), "api", planned=True),
    ]
    (row,) = availability(outages, DESK, start=t(4, 6), end=t(4, 11), period="week")
    assert row.period == "2026-W15"
    assert (row.downtime, row.maintenance, row.outages) == (H, 2 * H, 1)
    assert row.availability == 1 - Fraction(1, 40)


def test_minimum_outage_length_counts_after_merging() -> None:
    outages = [
        Outage(t(4, 7, 10), t(4, 7, 10, 3), "api"),  # 3 min: not counted
        Outage(t(4, 8, 10), t(4, 8, 10, 3), "api"),  # 3 + 3 touching: one 6 min outage
        Outage(t(4, 8, 10, 3), t(4, 8, 10, 6), "api"),
    ]
    (row,) = availability(
        outages, DESK, start=t(4, 6), end=t(4, 11), period="week", min_outage=5 * M
    )
    assert (row.downtime, row.outages) == (6 * M, 1)


def test_periods_are_cut_at_local_midnight_and_an_outage_counts_in_both() -> None:
    paris = Calendar.always_open("Europe/Paris")
    # 2026-03-31 23:30 to 2026-04-01 00:30 Paris (UTC+2): 21:30-22:30 UTC
    o = Outage(t(3, 31, 21, 30), t(3, 31, 22, 30), "web")
    rows = availability([o], paris, start=t(3, 30, 22), end=t(4, 1, 22), period="day")
    assert [(r.period, r.downtime) for r in rows] == [
        ("2026-03-31", 30 * M),
        ("2026-04-01", 30 * M),
    ]
    assert rows[0].start == t(3, 30, 22) and rows[1].start == t(3, 31, 22)


def test_a_period_without_service_hours_and_a_service_without_outages() -> None:
    rows = availability(
        [Outage(t(4, 11, 10), t(4, 11, 12), "api")],  # a Saturday
        DESK,
        start=t(4, 11),
        end=t(4, 12),
        period="day",
        target="99%",
        services=["api", "portal"],
    )
    assert [(r.service, r.open_time, r.downtime, r.availability, r.met) for r in rows] == [
        ("api", dt.timedelta(0), dt.timedelta(0), Fraction(1), True),
        ("portal", dt.timedelta(0), dt.timedelta(0), Fraction(1), True),
    ]


def test_bad_input_is_named() -> None:
    with pytest.raises(IntervalOrderError, match="end: must not be before the outage's start"):
        Outage(t(4, 2), t(4, 1), "api")
    with pytest.raises(InputError, match="period: is not a period"):
        availability([], DESK, start=t(4, 1), end=t(5, 1), period="fortnight")
    with pytest.raises(IntervalOrderError):
        availability([], DESK, start=t(5, 1), end=t(4, 1))
    with pytest.raises(InputError, match="target"):
        availability([], DESK, start=t(4, 1), end=t(5, 1), target="lots")
    with pytest.raises(InputError, match=r"outages\[0\]"):
        availability(["down"], DESK, start=t(4, 1), end=t(5, 1))  # type: ignore[list-item]
    with pytest.raises(InputError, match="min_outage"):
        availability([], DESK, start=t(4, 1), end=t(5, 1), min_outage=-M)


def test_the_sample_outage_log_reads_and_reports() -> None:
    from slaclock.availability import sample_outages

    outages = sample_outages()
    assert len(outages) == 62
    assert sum(o.planned for o in outages) == 24  # a window a month for each service
    rows = availability(
        outages,
        Calendar.always_open("UTC"),
        start=t(11, 1).replace(year=2025),
        end=t(11, 1),
        target="99.9%",
    )
    assert [r.service for r in rows[:1]] == ["api"] and len(rows) == 24
    assert all(r.maintenance == 2 * H for r in rows)  # the window is never downtime
    assert all(0 < r.availability <= 1 for r in rows)


def test_outage_logs_name_file_row_and_column(tmp_path: Path) -> None:
    from slaclock.availability import read_outages
    from slaclock.errors import TableFormatError

    path = tmp_path / "outages.csv"
    path.write_text(
        "service,start,end,planned\n"
        "api,2026-04-07T10:00:00Z,2026-04-07T11:00:00Z,false\n"
        "api,2026-04-07T12:00:00Z,2026-04-07T11:00:00Z,\n"
    )
    with pytest.raises(
        TableFormatError, match=r"outages.csv row 2, column end: must not be before"
    ):
        read_outages(path)
    path.write_text("service,start,end\napi,2026-04-07T10:00:00,2026-04-07T11:00:00Z\n")
    with pytest.raises(TableFormatError, match=r"row 1, column start"):
        read_outages(path)
    path.write_text(
        "service,start,end,planned\napi,2026-04-07T10:00:00Z,2026-04-07T11:00:00Z,maybe\n"
    )
    with pytest.raises(TableFormatError, match=r"row 1, column planned: must be true or false"):
        read_outages(path)
    path.write_text("service,begin,end\n")
    with pytest.raises(TableFormatError, match=r"header: is a missing column"):
        read_outages(path)
    path.write_text("service,start,end\napi,2026-04-07T10:00:00Z,2026-04-07T11:00:00Z\n")
    assert read_outages(path) == [Outage(t(4, 7, 10), t(4, 7, 11), "api")]
