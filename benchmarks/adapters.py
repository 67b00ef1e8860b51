"""One adapter per implementation: build the workload's calendar, call it.

Every adapter builds New York Mon-Fri 09:00-17:00 with US public holidays
and answers

- ``elapsed(start, end)``: business time between two instants, and
- ``due(start, duration)``: the instant ``duration`` of business time after
  ``start``,

in that implementation's own terms. ``prepare_*`` turns the workload's aware
datetimes into the implementation's native inputs (naive New York wall
times for the peers without time zones) *outside* the timed loop; the timed
call is the library call alone; ``*_us`` turns an answer back into integer
microseconds (UTC epoch for instants) *after* timing, for the comparison.

Peers get their holidays as an explicit list of the dates
``holidays.US(years=2024..2026)`` holds, which covers every answer of the
workload (see ``workload.HOLIDAY_YEARS``); slaclock gets the request
``HolidaySource.country("US")`` and fills in years itself.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib.metadata import version
from typing import Any

import workload as wl

HOUR = timedelta(hours=1)
DAY_OPEN = timedelta(hours=9)
DAY_CLOSE = timedelta(hours=17)
OPEN_HOURS = DAY_CLOSE - DAY_OPEN


def us_holiday_dates(years: range = wl.HOLIDAY_YEARS) -> list[date]:
    import holidays

    return sorted(holidays.country_holidays(wl.HOLIDAY_COUNTRY, years=years))


def naive_local(instant: datetime) -> datetime:
    """The New York wall time of ``instant``, without a zone (fold kept)."""
    return instant.astimezone(wl.ZONE).replace(tzinfo=None)


def naive_local_us(wall: datetime) -> int:
    """Read a naive New York wall time (fold as given) as an instant, in µs."""
    return wl.to_us(wall.replace(tzinfo=wl.ZONE))


def timedelta_us(delta: timedelta) -> int:
    return delta // wl.US


@dataclass
class Impl:
    """One implementation under test."""

    name: str
    package: str
    slow: bool = False  # timed on a prefix of the workload only
    note: str = ""
    elapsed: Callable[..., Any] | None = None
    due: Callable[..., Any] | None = None
    prepare_elapsed: Callable[[wl.Ticket], tuple[Any, ...]] = lambda t: (t.start, t.end)
    prepare_due: Callable[[wl.Ticket], tuple[Any, ...]] = lambda t: (t.start, t.duration)
    elapsed_us: Callable[[Any], int] = timedelta_us
    due_us: Callable[[Any], int] = wl.to_us
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        try:
            return version(self.package)
        except Exception:  # not installed as a distribution (e.g. run from src/)
            return "?"


# --- slaclock ---------------------------------------------------------------


def build_slaclock() -> Impl:
    import slaclock

    cal = slaclock.Calendar.weekly(wl.ZONE_NAME, wl.HOURS, holidays=slaclock_holidays())
    return Impl(
        "slaclock",
        "slaclock",
        note="`cal.elapsed(a, b)`, `cal.due(a, d)`",
        elapsed=cal.elapsed,
        due=cal.due,
        extra={"calendar": cal},
    )


def slaclock_holidays() -> Any:
    import slaclock

    source = getattr(slaclock, "HolidaySource", None)
    if source is None:
        from slaclock.holiday_sources import HolidaySource as source
    return source.country(wl.HOLIDAY_COUNTRY)


# --- workclock --------------------------------------------------------------


def build_workclock(dates: Sequence[date]) -> Impl:
    from workclock import Holidays, Schedule, WorkDay

    schedule = Schedule(
        [WorkDay(wl.OPEN, wl.CLOSE, days=range(5)), Holidays(dates)], time_zone=wl.ZONE_NAME
    )
    return Impl(
        "workclock",
        "workclock",
        note="`Schedule.between(a, b)`, `Schedule.add(a, d)` (Rust core)",
        elapsed=schedule.between,
        due=schedule.add,
        extra={"schedule": schedule},
    )


# --- timegrid ---------------------------------------------------------------


def build_timegrid(dates: Sequence[date], until: datetime = datetime(2027, 1, 1)) -> Impl:
    import timegrid

    calendar = timegrid.TimeGridCalendar.weekdays(wl.OPEN, wl.CLOSE)
    for day in dates:
        calendar.add_holiday(day)
    # elapsed on a compiled timeline (its fast path); due on the calendar, the
    # only place timegrid offers it (a timeline has no add).
    timeline = calendar.compile(datetime(2023, 12, 1), until)
    return Impl(
        "timegrid",
        "timegrid",
        note=(
            "naive NY wall times in and out; `timeline.get_working_duration(a, b)` on a "
            "timeline compiled for 2023-12..2026, `calendar.add_work_duration(a, d)` (Rust core)"
        ),
        elapsed=timeline.get_working_duration,
        due=calendar.add_work_duration,
        prepare_elapsed=lambda t: (naive_local(t.start), naive_local(t.end)),
        prepare_due=lambda t: (naive_local(t.start), t.duration),
        due_us=naive_local_us,
        extra={"calendar": calendar, "timeline": timeline},
    )


# --- businesstime -----------------------------------------------------------


def build_businesstime(dates: Sequence[date]) -> Impl:
    from businesstime import BusinessTime

    bt = BusinessTime(business_hours=(wl.OPEN, wl.CLOSE), holidays=frozenset(dates))

    def elapsed_us(delta: timedelta) -> int:
        # businesstimedelta() counts whole business days in .days (one day =
        # one 8-hour business day) and the rest in .seconds: convert exactly.
        return timedelta_us(delta.days * OPEN_HOURS + (delta - timedelta(days=delta.days)))

    return Impl(
        "businesstime",
        "businesstime",
        note="naive NY wall times; `BusinessTime.businesstimedelta(a, b)`; no due",
        elapsed=bt.businesstimedelta,
        prepare_elapsed=lambda t: (naive_local(t.start), naive_local(t.end)),
        elapsed_us=elapsed_us,
    )


# --- businesstimedelta ------------------------------------------------------


def build_businesstimedelta(dates: Sequence[date]) -> Impl:
    import businesstimedelta as btd
    import pytz

    tz = pytz.timezone(wl.ZONE_NAME)
    rule = btd.Rules(
        [
            btd.WorkDayRule(start_time=wl.OPEN, end_time=wl.CLOSE, working_days=range(5), tz=tz),
            btd.HolidayRule(frozenset(dates), tz=tz),
        ]
    )

    def due(start: datetime, duration: timedelta) -> datetime:
        return start + btd.BusinessTimeDelta(rule, timedelta=duration)

    return Impl(
        "businesstimedelta",
        "businesstimedelta",
        slow=True,
        note=(
            "pytz zone; `rule.difference(a, b).timedelta`, "
            "`a + BusinessTimeDelta(rule, timedelta=d)`"
        ),
        elapsed=rule.difference,
        due=due,
        elapsed_us=lambda r: timedelta_us(r.timedelta),
    )


# --- pandas CustomBusinessHour ----------------------------------------------


def build_pandas(dates: Sequence[date]) -> Impl:
    import pandas as pd

    hols = list(dates)
    cbh = pd.offsets.CustomBusinessHour(start="09:00", end="17:00", holidays=hols)
    cbd = pd.offsets.CustomBusinessDay(holidays=hols)
    open_, close = pd.Timedelta(DAY_OPEN), pd.Timedelta(DAY_CLOSE)

    def elapsed(a: pd.Timestamp, b: pd.Timestamp) -> pd.Timedelta:
        # pandas has no "business time between": walk the business days.
        total = pd.Timedelta(0)
        day = cbd.rollforward(a.normalize())
        while day < b:
            lo, hi = max(day + open_, a), min(day + close, b)
            if hi > lo:
                total += hi - lo
            day = day + cbd
        return total

    def due(a: pd.Timestamp, d: timedelta) -> pd.Timestamp:
        # CustomBusinessHour takes whole hours only: add those, then the rest.
        hours, rest = divmod(d, HOUR)
        t = a + cbh * hours if hours else a
        if not rest:
            return t
        t = cbh.rollforward(t)
        day_close = t.normalize() + close
        if t + rest <= day_close:
            return t + rest
        # next opening: one business hour after the close, minus that hour
        return day_close + cbh - HOUR + (rest - (day_close - t))

    return Impl(
        "pandas CBH",
        "pandas",
        slow=True,
        note=(
            "naive NY wall Timestamps; due = `a + CustomBusinessHour(...) * hours` then the "
            "sub-hour rest by hand; elapsed walks `CustomBusinessDay` days"
        ),
        elapsed=elapsed,
        due=due,
        prepare_elapsed=lambda t: (
            pd.Timestamp(naive_local(t.start)),
            pd.Timestamp(naive_local(t.end)),
        ),
        prepare_due=lambda t: (pd.Timestamp(naive_local(t.start)), t.duration),
        elapsed_us=lambda r: r.value // 1000,
        due_us=lambda r: naive_local_us(r.to_pydatetime()),
    )


# --- an independent reference (sanity check, not a peer) --------------------


class Reference:
    """Walk the business days of the workload's calendar, in integer µs.

    Written from SEMANTICS.md for this one calendar only, sharing no code
    with slaclock: every open span is [09:00, 17:00) New York wall time on a
    weekday that is not a holiday, turned into UTC µs with zoneinfo.
    """

    def __init__(self, dates: Sequence[date], first: date, last: date) -> None:
        holidays = set(dates)
        self.opens: list[int] = []
        self.closes: list[int] = []
        day = first
        while day <= last:
            if day.weekday() < 5 and day not in holidays:
                self.opens.append(wl.to_us(datetime.combine(day, time(9), wl.ZONE)))
                self.closes.append(wl.to_us(datetime.combine(day, time(17), wl.ZONE)))
            day += timedelta(days=1)

    def elapsed_us(self, a: int, b: int) -> int:
        total = 0
        i = bisect.bisect_right(self.closes, a)  # first span closing after a
        while i < len(self.opens) and self.opens[i] < b:
            total += max(0, min(self.closes[i], b) - max(self.opens[i], a))
            i += 1
        if i == len(self.opens):
            raise ValueError("reference window too short")
        return total

    def due_us(self, a: int, d: int) -> int:
        if d == 0:
            return a
        i = bisect.bisect_right(self.closes, a)
        while True:
            lo = max(self.opens[i], a)
            if self.closes[i] - lo >= d:
                return lo + d
            d -= self.closes[i] - lo
            i += 1

    def is_close(self, t: int) -> bool:
        i = bisect.bisect_left(self.closes, t)
        return i < len(self.closes) and self.closes[i] == t

    def next_open_after_close(self, t: int) -> int:
        return self.opens[bisect.bisect_right(self.opens, t)]


def build_peers(dates: Sequence[date]) -> list[Callable[[], Impl]]:
    return [
        lambda: build_workclock(dates),
        lambda: build_timegrid(dates),
        lambda: build_businesstime(dates),
        lambda: build_businesstimedelta(dates),
        lambda: build_pandas(dates),
    ]
