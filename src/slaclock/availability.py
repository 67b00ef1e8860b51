"""Availability inside service hours, and the downtime budget of a target.

SEMANTICS "Reports": the outages of a service are merged where they
overlap; downtime = business time over the merged outages on the service
calendar, minus excluded windows (planned maintenance); availability =
1 - downtime / open time of the period.

So 99.9% of a month of 24/7 service allows about 43 minutes of downtime, but
99.9% of a month of 09:00-17:00 weekday service allows about 10 minutes, and
an outage at night costs nothing on the second.

Choices where the contract is silent (docs/semantics.md, "Availability"):

- outages that overlap or touch merge into one; planned windows merge
  among themselves the same way;
- ``min_outage``: a merged outage shorter than this (wall time, as the
  monitoring saw it, before it is cut to periods or service hours) is not
  counted at all;
- periods are cut at local midnight in the report's zone (the calendar's by
  default); an outage over a period boundary counts in both, each its part;
- the downtime budget of a target is ``(1 - target) * open time``, rounded
  down to the microsecond; ``left`` is negative when the budget is exceeded;
- a period without service hours has availability 1 (nothing was promised).

.. versionadded:: 0.1
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import attrs

from slaclock._instants import from_us, get_zone, td_to_us, to_us, zone_key
from slaclock._timeline import Intervals, clip, merge
from slaclock.calendars import Calendar
from slaclock.errors import InputError, IntervalOrderError, TableFormatError
from slaclock.policies import parse_share

__all__ = [
    "OUTAGE_COLUMNS",
    "AvailabilityRow",
    "Outage",
    "availability",
    "read_outages",
    "sample_outages",
]

OUTAGE_COLUMNS = ("service", "start", "end", "planned")
"""Columns of an outage log in CSV, in order; ``planned`` holds ``true`` or ``false`` (empty means false)."""

_ONE_US = dt.timedelta(microseconds=1)
_PERIODS = ("day", "week", "month", "quarter", "year")


def _start(value: object) -> dt.datetime:
    return from_us(to_us(value, "start"))


def _end(value: object) -> dt.datetime:
    return from_us(to_us(value, "end"))


@attrs.frozen
class Outage:
    """An interval in which a service was down, or in planned maintenance.

    Parameters
    ----------
    start, end
        Aware datetimes, ``start <= end``.
    service
        The service's name (one report row per service and period).
    planned
        True for planned maintenance: time in it is not downtime.

    Examples
    --------
    >>> import datetime as dt
    >>> from slaclock.availability import Outage
    >>> Outage(dt.datetime(2026, 3, 2, 14, tzinfo=dt.UTC), dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC), "api").service
    'api'
    """

    start: dt.datetime = attrs.field(converter=_start)
    end: dt.datetime = attrs.field(converter=_end)
    service: str = ""
    planned: bool = False

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise IntervalOrderError(
                "end", self.end, f"must not be before the outage's start ({self.start.isoformat()})"
            )
        if not isinstance(self.service, str):
            raise InputError("service", self.service, "must be text")


@attrs.frozen
class AvailabilityRow:
    """The availability of one service in one period.

    Attributes
    ----------
    service, period
        The service and the period's label (``"2026-03"``, ``"2026-Q1"``...).
    start, end
        The period, cut to the report's window (UTC-aware).
    open_time
        The service hours in the period (business time of the calendar).
    downtime
        Outage time inside service hours, planned maintenance taken out.
    maintenance
        Planned maintenance inside service hours (not downtime).
    outages
        The merged outages (of at least ``min_outage``) that touch the period.
    availability
        ``1 - downtime / open_time``, exact (1 when there are no service hours).
    target, allowed, left, met
        With a target: the downtime budget ``(1 - target) * open_time``
        (rounded down to the microsecond), what is left of it (negative when
        exceeded), and whether the target was met. None without a target.
    """

    service: str
    period: str
    start: dt.datetime
    end: dt.datetime
    open_time: dt.timedelta
    downtime: dt.timedelta
    maintenance: dt.timedelta
    outages: int
    availability: Fraction
    target: Fraction | None
    allowed: dt.timedelta | None
    left: dt.timedelta | None
    met: bool | None


def _subtract(a: Intervals, b: Intervals) -> Intervals:
    """``a`` minus ``b`` (both sorted, disjoint)."""
    out: Intervals = []
    j = 0
    for s, e in a:
        cur = s
        while j < len(b) and b[j][1] <= cur:
            j += 1
        k = j
        while k < len(b) and b[k][0] < e:
            if b[k][0] > cur:
                out.append((cur, b[k][0]))
            cur = max(cur, b[k][1])
            k += 1
        if cur < e:
            out.append((cur, e))
    return out


def _period_starts(lo: int, hi: int, zone: Any, period: str) -> list[tuple[str, int]]:
    """``(label, start)`` of every period meeting ``[lo, hi)``, cut at local midnights."""
    tz = get_zone(zone_key(zone, "zone"), "zone")
    local = from_us(lo).astimezone(tz)
    day = local.date()
    if period == "week":
        day -= dt.timedelta(days=day.weekday())
    elif period == "month":
        day = day.replace(day=1)
    elif period == "quarter":
        day = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    elif period == "year":
        day = day.replace(month=1, day=1)
    out: list[tuple[str, int]] = []
    while True:
        start = to_us(dt.datetime.combine(day, dt.time(), tz), "period")
        if start >= hi:
            break
        if period == "day":
            label, nxt = day.isoformat(), day + dt.timedelta(days=1)
        elif period == "week":
            y, w, _ = day.isocalendar()
            label, nxt = f"{y}-W{w:02d}", day + dt.timedelta(days=7)
        elif period == "month":
            label = f"{day.year}-{day.month:02d}"
            nxt = day.replace(year=day.year + day.month // 12, month=day.month % 12 + 1)
        elif period == "quarter":
            label = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
            m = day.month + 3
            nxt = day.replace(year=day.year + (m - 1) // 12, month=(m - 1) % 12 + 1)
        else:
            label, nxt = str(day.year), day.replace(year=day.year + 1)
        out.append((label, max(start, lo)))
        day = nxt
    return out


def availability(
    outages: Iterable[Outage],
    calendar: Calendar,
    *,
    start: dt.datetime,
    end: dt.datetime,
    period: str = "month",
    zone: Any = None,
    target: Fraction | str | float | None = None,
    min_outage: dt.timedelta = dt.timedelta(0),
    services: Iterable[str] | None = None,
) -> list[AvailabilityRow]:
    """Availability per service and period inside the calendar's service hours.

    Parameters
    ----------
    outages
        :class:`Outage` records (unplanned and planned), any order.
    calendar
        The service hours (a 24/7 calendar measures plain wall time).
    start, end
        The report's window.
    period
        ``"day"``, ``"week"``, ``"month"`` (default), ``"quarter"`` or ``"year"``,
        cut at local midnight in ``zone`` (default: the calendar's zone).
    target
        The availability target (``"99.9%"``, ``Fraction(999, 1000)``): adds the
        downtime budget, what is left of it and whether it was met.
    min_outage
        Merged outages shorter than this (wall time) are not counted.
    services
        The services to report (default: every service of ``outages``); a
        service without outages gets rows with full availability.

    Returns
    -------
    list[AvailabilityRow]
        By service (in the order given, else sorted), then period.

    Examples
    --------
    >>> import datetime as dt
    >>> from slaclock import Calendar
    >>> from slaclock.availability import Outage, availability
    >>> cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
    >>> t = lambda d, h, m=0: dt.datetime(2026, 3, d, h, m, tzinfo=dt.UTC)
    >>> rows = availability(
    ...     [Outage(t(2, 16, 30), t(2, 18), "api"),          # 30 minutes inside hours
    ...      Outage(t(3, 2), t(3, 4), "api")],               # at night: costs nothing
    ...     cal, start=t(2, 0), end=t(7, 0), period="week", target="99.9%")
    >>> r = rows[0]
    >>> r.open_time, r.downtime, r.availability, r.allowed, r.met
    (datetime.timedelta(days=1, seconds=57600), datetime.timedelta(seconds=1800), Fraction(79, 80), datetime.timedelta(seconds=144), False)

    Forty hours of service that week, thirty minutes of it down: 98.75%, over
    the 0.1% budget of 144 seconds.
    """
    lo = to_us(start, "start")
    hi = to_us(end, "end")
    if hi < lo:
        raise IntervalOrderError("end", end, f"must not be before start ({start!r})")
    if not isinstance(calendar, Calendar):
        raise InputError("calendar", calendar, "must be a Calendar")
    if period not in _PERIODS:
        raise InputError(
            "period", period, f"is not a period (known: {', '.join(map(repr, _PERIODS))})"
        )
    goal: Fraction | None = None
    if target is not None:
        goal = parse_share(target, "target")
    min_us = td_to_us(min_outage, "min_outage")
    if min_us < 0:
        raise InputError("min_outage", min_outage, "must not be negative")
    down: dict[str, list[tuple[int, int]]] = {}
    planned: dict[str, list[tuple[int, int]]] = {}
    for i, o in enumerate(outages):
        if not isinstance(o, Outage):
            raise InputError(f"outages[{i}]", o, "must be an Outage")
        (planned if o.planned else down).setdefault(o.service, []).append(
            (to_us(o.start), to_us(o.end))
        )
    names = list(services) if services is not None else sorted(set(down) | set(planned))
    zone = calendar.zone if zone is None else zone
    bounds = _period_starts(lo, hi, zone, period)
    rows: list[AvailabilityRow] = []
    for name in names:
        merged = [(s, e) for s, e in merge(down.get(name, [])) if e - s >= min_us]
        windows = merge(planned.get(name, []))
        counted = _subtract(merged, windows)
        for j, (label, p0) in enumerate(bounds):
            p1 = bounds[j + 1][1] if j + 1 < len(bounds) else hi
            open_us = _business(calendar, [(p0, p1)])
            down_us = _business(calendar, clip(counted, p0, p1))
            maint_us = _business(calendar, clip(windows, p0, p1))
            share = Fraction(1) if open_us == 0 else 1 - Fraction(down_us, open_us)
            allowed = left = None
            met = None
            if goal is not None:
                allowed_us = ((1 - goal) * open_us).__floor__()
                allowed = dt.timedelta(microseconds=allowed_us)
                left = dt.timedelta(microseconds=allowed_us - down_us)
                met = down_us <= allowed_us
            rows.append(
                AvailabilityRow(
                    service=name,
                    period=label,
                    start=from_us(p0),
                    end=from_us(p1),
                    open_time=dt.timedelta(microseconds=open_us),
                    downtime=dt.timedelta(microseconds=down_us),
                    maintenance=dt.timedelta(microseconds=maint_us),
                    outages=sum(1 for s, e in merged if s < p1 and e > p0),
                    availability=share,
                    target=goal,
                    allowed=allowed,
                    left=left,
                    met=met,
                )
            )
    return rows


def _business(calendar: Calendar, intervals: Intervals) -> int:
    total = 0
    for s, e in intervals:
        total += calendar.elapsed(from_us(s), from_us(e)) // _ONE_US
    return total


_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0", "")


def read_outages(source: Any) -> list[Outage]:
    """Read an outage log: a CSV file with the columns of :data:`OUTAGE_COLUMNS`.

    Instants are ISO 8601 with a UTC offset (as in the tickets tables).

    Raises
    ------
    TableFormatError
        Naming the file, the data row (1-based) and the column of the first
        mistake (``outages.csv row 3, column end: must not be before ...``).
    """
    import csv
    import io
    import os

    from slaclock.samples import parse_instant

    if hasattr(source, "open") and not isinstance(source, (str, os.PathLike)):
        name = getattr(source, "name", "outages")
        stream: Any = io.TextIOWrapper(source.open("rb"), encoding="utf-8-sig", newline="")
    else:
        name = os.fspath(source)
        try:
            stream = open(source, encoding="utf-8-sig", newline="")  # noqa: SIM115
        except OSError as exc:
            raise TableFormatError(name, name, f"cannot be read ({exc.strerror})") from None
    with stream:
        reader = csv.DictReader(stream)
        try:
            return _outages(reader, name, parse_instant)
        except csv.Error as exc:
            # the csv reader's count: a DictReader's own is of the last row it returned
            line = reader.reader.line_num
            raise TableFormatError(f"{name} line {line}", "", f"is not valid CSV ({exc})") from None
        except UnicodeDecodeError as exc:
            raise TableFormatError(name, "", f"is not UTF-8 text ({exc.reason})") from None


def _outages(reader: Any, name: str, parse_instant: Any) -> list[Outage]:
    """The outages of a log's rows (``reader`` a ``csv.DictReader``)."""
    out: list[Outage] = []
    missing = [c for c in OUTAGE_COLUMNS[:3] if c not in (reader.fieldnames or [])]
    if missing:
        raise TableFormatError(
            f"{name} header",
            missing[0],
            f"is a missing column (columns: {', '.join(reader.fieldnames or [])})",
        )
    for n, row in enumerate(reader, 1):
        values = {}
        for column in ("start", "end"):
            try:
                values[column] = parse_instant(row[column] or "", column)
            except InputError as exc:
                raise TableFormatError.at(
                    name, n, column, row[column], exc.problem, exc.hint
                ) from None
        flag = (row.get("planned") or "").strip().lower()
        if flag not in _TRUE + _FALSE:
            raise TableFormatError.at(
                name, n, "planned", row.get("planned"), "must be true or false"
            )
        try:
            out.append(Outage(values["start"], values["end"], row["service"] or "", flag in _TRUE))
        except InputError as exc:
            raise TableFormatError.at(
                name, n, "end" if exc.field == "end" else "service", exc.value, exc.problem
            ) from None
    return out


def sample_outages() -> list[Outage]:
    """The bundled sample outage log: two services over the sample tickets' year.

    Written by ``scripts/make_outages.py``: an unplanned outage every 20 days
    or so, some recorded twice (overlapping), and a monthly maintenance window.

    >>> from slaclock.availability import sample_outages
    >>> outages = sample_outages()
    >>> len(outages), sorted({o.service for o in outages})
    (62, ['api', 'portal'])
    """
    from importlib import resources

    return read_outages(resources.files("slaclock") / "data" / "sample_outages.csv")
