"""A slow, obviously correct reference implementation of the slaclock clock.

Everything here is written from the contract (SEMANTICS.md) alone and shares
no code with the fast path: it never calls a calendar's clock methods and
never imports ``slaclock._timeline`` or ``slaclock._instants``. It reads only
a calendar's public data (zone, weekly hours, holidays, overrides, recurring
overrides; for a combined calendar its operator and its two parts).

The method is the one SEMANTICS.md is written for:

1. collect every instant at which the answer of ``is_open`` could change
   inside a range: each span edge (and each local midnight) of each local
   date, converted to UTC with ``fold=0`` and ``fold=1`` and kept only if the
   conversion round-trips to the same wall time; every UTC-offset transition
   of the zone, found by a naive scan (the offset sampled every 30 minutes,
   then bisection to the second); pause edges; the ends of the range;
2. sort them; between two consecutive boundaries ``is_open`` cannot change,
   so each piece is decided by ``is_open`` at its start;
3. add up, or walk piece by piece forward or backward.

``is_open`` itself converts the instant to the zone, takes the local date and
wall time, and looks the date's spans up by priority: dated override >
recurring override > holiday > weekly hours.

All arithmetic is on ``datetime``/``timedelta`` values, which are exact
integer microseconds: there are no floats anywhere. Searches give up with
:class:`ReferenceSearchError` after ``MAX_SCAN`` (about three years) instead
of the library's fifty-year horizon, so tests keep their ranges short.

Examples
--------
>>> from slaclock.calendars import Calendar
>>> from slaclock.testing import reference
>>> from datetime import datetime, timedelta
>>> from zoneinfo import ZoneInfo
>>> cal = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")
>>> monday = datetime(2024, 3, 11, 9, tzinfo=ZoneInfo("America/New_York"))
>>> reference.due(cal, monday, timedelta(hours=8))
datetime.datetime(2024, 3, 11, 21, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from slaclock.calendars import Calendar, CombinedCalendar, WeeklyCalendar

if TYPE_CHECKING:
    from slaclock.hours import Span

__all__ = [
    "MAX_SCAN",
    "ReferenceSearchError",
    "business_days_between",
    "due",
    "due_business_days",
    "elapsed",
    "is_business_day",
    "is_open",
    "next_close",
    "next_open",
    "open_intervals",
    "spans_on",
    "subtract",
    "zone_transitions",
]

#: How far a search walks before giving up (the library's horizon is much
#: longer; tests keep their ranges well inside this one).
MAX_SCAN = timedelta(days=3 * 366)

_DAY = timedelta(days=1)
_SAMPLE = timedelta(minutes=30)
_ZERO = timedelta(0)
_FIRST_WINDOW = timedelta(days=8)
_MAX_WINDOW = timedelta(days=64)

Pause = tuple[datetime, datetime]


class ReferenceSearchError(Exception):
    """The reference found no answer within ``MAX_SCAN`` of the start."""


# ---------------------------------------------------------------------------
# Input checks


def _utc(t: datetime, name: str) -> datetime:
    """Return ``t`` as a UTC-aware datetime; reject naive input."""
    if t.tzinfo is None or t.utcoffset() is None:
        msg = f"{name}: datetime has no time zone (got {t!r})"
        raise ValueError(msg)
    return t.astimezone(UTC)


def _checked_pauses(pauses: Iterable[Pause]) -> list[Pause]:
    """UTC pauses, sorted; reject reversed or overlapping ones (touching is fine)."""
    out = []
    for i, (p0, p1) in enumerate(pauses):
        u0, u1 = _utc(p0, f"pauses[{i}][0]"), _utc(p1, f"pauses[{i}][1]")
        if u1 < u0:
            msg = f"pauses[{i}]: pause ends before it starts (got {(p0, p1)!r})"
            raise ValueError(msg)
        out.append((u0, u1))
    out.sort()
    for (_, prev_end), (start, _) in itertools.pairwise(out):
        if start < prev_end:
            msg = f"pauses: overlapping pauses (got {out!r})"
            raise ValueError(msg)
    return out


def _is_paused(pauses: Sequence[Pause], t: datetime) -> bool:
    return any(p0 <= t < p1 for p0, p1 in pauses)


# ---------------------------------------------------------------------------
# Zones: offsets, transitions, wall time <-> UTC


def _zone_of(zone: str | tzinfo) -> tzinfo:
    return ZoneInfo(zone) if isinstance(zone, str) else zone


def _offset(zone: tzinfo, t: datetime) -> timedelta:
    offset = t.astimezone(zone).utcoffset()
    assert offset is not None  # an aware datetime converted to a tzinfo
    return offset


@functools.lru_cache(maxsize=4096)
def _transitions_in_month(zone: tzinfo, year: int, month: int) -> tuple[datetime, ...]:
    """Offset changes in one UTC month: sample every 30 minutes, bisect to the second.

    A change falling exactly on the month's end is reported here too (the
    caller de-duplicates).
    """
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    found = []
    t, off = start, _offset(zone, start)
    while t < end:
        nxt = min(t + _SAMPLE, end)
        nxt_off = _offset(zone, nxt)
        if nxt_off != off:
            # Bisect on whole seconds: lo keeps the old offset, hi has a new one.
            lo, hi = t, nxt
            while hi - lo > timedelta(seconds=1):
                mid = lo + timedelta(seconds=(hi - lo) // timedelta(seconds=1) // 2)
                if _offset(zone, mid) == off:
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
        t, off = nxt, nxt_off
    return tuple(found)


def zone_transitions(zone: str | tzinfo, start: datetime, end: datetime) -> list[datetime]:
    """Every instant in ``[start, end]`` at which ``zone``'s UTC offset changes.

    Found by sampling the offset every 30 minutes and bisecting each change
    to the second (two changes less than 30 minutes apart would be missed;
    no zone has them). Returned as sorted UTC-aware datetimes.
    """
    tz = _zone_of(zone)
    lo, hi = _utc(start, "start"), _utc(end, "end")
    out: set[datetime] = set()
    year, month = lo.year, lo.month
    while (year, month) <= (hi.year, hi.month):
        out.update(t for t in _transitions_in_month(tz, year, month) if lo <= t <= hi)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return sorted(out)


def _wall_to_utc(zone: tzinfo, day: date, wall_us: int) -> list[datetime]:
    """The instants whose local wall time is ``day`` + ``wall_us`` (0, 1 or 2 of them).

    SEMANTICS "Calendars": span edges are wall-clock times, never moved; a
    wall time inside a gap has no instant, one inside a fold has two.
    """
    naive = datetime.combine(day, time()) + timedelta(microseconds=wall_us)
    out = []
    for fold in (0, 1):
        instant = naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == naive and instant not in out:
            out.append(instant)
    return out


def _local_zone(cal: Calendar) -> tzinfo:
    """The zone whose local dates are the calendar's dates (the left part's, if combined)."""
    while isinstance(cal, CombinedCalendar):
        cal = cal.left
    return _zone_of(_weekly(cal).zone)


def _weekly(cal: Calendar) -> WeeklyCalendar:
    if not isinstance(cal, WeeklyCalendar):
        kind = type(cal).__name__
        msg = f"cal: the reference knows WeeklyCalendar and CombinedCalendar (got {kind})"
        raise TypeError(msg)
    return cal


# ---------------------------------------------------------------------------
# Spans of a local date


@functools.lru_cache(maxsize=4096)
def _rule_dates(rule: str, year: int) -> frozenset[date]:
    """The dates in ``year`` on which an RFC 5545 rule (with DTSTART) occurs."""
    ruleset = rrulestr(rule, forceset=True, ignoretz=True)
    lo = datetime.combine(date(year, 1, 1), time())
    hi = datetime.combine(date(year + 1, 1, 1), time())
    return frozenset(x.date() for x in ruleset.between(lo, hi, inc=True) if x.year == year)


def _raw_spans(cal: WeeklyCalendar, day: date) -> Sequence[Span]:
    """The spans of one local date, as given (not merged), by priority."""
    # SEMANTICS "Calendars": override > recurring override > holiday > weekly.
    for override_day, spans in cal.overrides:
        if override_day == day:
            return spans
    hits = [r for r in cal.recurring if day in _rule_dates(r.rule, day.year)]
    if len(hits) > 1:
        msg = f"recurring overrides: {len(hits)} recurring overrides meet on {day}"
        raise ValueError(msg)
    if hits:
        return hits[0].spans
    if any(source.contains(day) for source in cal.holidays):
        return ()
    return cal.hours.days[day.weekday()]


def spans_on(cal: Calendar, day: date) -> tuple[tuple[int, int], ...]:
    """The open spans of a local date as sorted, merged ``(start_us, end_us)`` pairs.

    Only for a weekly calendar: a combined calendar's parts may live in
    different zones, so it has no wall-clock spans.
    """
    merged: list[tuple[int, int]] = []
    for span in sorted(_raw_spans(_weekly(cal), day), key=lambda s: (s.start_us, s.end_us)):
        if merged and span.start_us <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], span.end_us))
        else:
            merged.append((span.start_us, span.end_us))
    return tuple(merged)


# ---------------------------------------------------------------------------
# is_open and the pieces of a range


def is_open(cal: Calendar, t: datetime) -> bool:
    """SEMANTICS "is_open": the wall time of ``t`` lies in a span of ``t``'s local date."""
    if isinstance(cal, CombinedCalendar):
        left, right = is_open(cal.left, t), is_open(cal.right, t)
        if cal.op == "and":
            return left and right
        if cal.op == "or":
            return left or right
        msg = f"cal.op: must be 'and' or 'or' (got {cal.op!r})"
        raise ValueError(msg)
    weekly = _weekly(cal)
    local = _utc(t, "t").astimezone(_zone_of(weekly.zone))
    wall_us = ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond
    return any(s.start_us <= wall_us < s.end_us for s in _raw_spans(weekly, local.date()))


def _boundaries(cal: Calendar, lo: datetime, hi: datetime) -> set[datetime]:
    """Every instant in ``[lo, hi]`` where ``is_open`` or the local date may change."""
    if isinstance(cal, CombinedCalendar):
        return _boundaries(cal.left, lo, hi) | _boundaries(cal.right, lo, hi)
    weekly = _weekly(cal)
    zone = _zone_of(weekly.zone)
    out = set(zone_transitions(zone, lo, hi))
    # Local dates of instants in [lo, hi] lie within a day of their UTC dates.
    day = lo.date() - 2 * _DAY
    while day <= hi.date() + 2 * _DAY:
        edges = {0}  # local midnight: the local date changes there
        for span in _raw_spans(weekly, day):
            edges.update((span.start_us, span.end_us))
        for wall_us in edges:
            out.update(t for t in _wall_to_utc(zone, day, wall_us) if lo <= t <= hi)
        day += _DAY
    return out


def _pieces(
    cal: Calendar, lo: datetime, hi: datetime, extra: Iterable[datetime] = ()
) -> list[tuple[datetime, datetime]]:
    """``[lo, hi)`` cut at every boundary (and at ``extra``), in order."""
    cuts = _boundaries(cal, lo, hi) | {lo, hi} | {t for t in extra if lo <= t <= hi}
    points = sorted(cuts)
    return list(itertools.pairwise(points))


def _forward(
    cal: Calendar, start: datetime, extra: Sequence[datetime] = ()
) -> Iterator[tuple[datetime, datetime]]:
    """Pieces from ``start`` onward, window by window, up to ``MAX_SCAN``."""
    lo, window = start, _FIRST_WINDOW
    while lo < start + MAX_SCAN:
        hi = lo + window
        yield from _pieces(cal, lo, hi, extra)
        lo, window = hi, min(window * 2, _MAX_WINDOW)
    msg = f"nothing found within {MAX_SCAN} after {start.isoformat()}"
    raise ReferenceSearchError(msg)


def _backward(cal: Calendar, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Pieces before ``end``, latest first, window by window, down to ``MAX_SCAN``."""
    hi, window = end, _FIRST_WINDOW
    while hi > end - MAX_SCAN:
        lo = hi - window
        yield from reversed(_pieces(cal, lo, hi))
        hi, window = lo, min(window * 2, _MAX_WINDOW)
    msg = f"nothing found within {MAX_SCAN} before {end.isoformat()}"
    raise ReferenceSearchError(msg)


# ---------------------------------------------------------------------------
# The clock


def elapsed(cal: Calendar, a: datetime, b: datetime, pauses: Iterable[Pause] = ()) -> timedelta:
    """SEMANTICS: the measure of ``{t in [a, b): is_open(t) and t in no pause}``."""
    a, b = _utc(a, "a"), _utc(b, "b")
    if b < a:
        msg = f"b: must not be before a (got {b!r} < {a!r})"
        raise ValueError(msg)
    checked = _checked_pauses(pauses)
    edges = [p for pause in checked for p in pause]
    total = _ZERO
    for s, e in _pieces(cal, a, b, edges):
        if is_open(cal, s) and not _is_paused(checked, s):
            total += e - s
    return total


def due(cal: Calendar, a: datetime, d: timedelta, pauses: Iterable[Pause] = ()) -> datetime:
    """SEMANTICS: the earliest ``t >= a`` with ``elapsed(a, t, pauses) >= d``."""
    a = _utc(a, "a")
    if d < _ZERO:
        msg = f"d: must not be negative (got {d!r})"
        raise ValueError(msg)
    checked = _checked_pauses(pauses)
    if d == _ZERO:
        return a
    edges = [p for pause in checked for p in pause]
    remaining = d
    for s, e in _forward(cal, a, edges):
        if is_open(cal, s) and not _is_paused(checked, s):
            if remaining <= e - s:
                return s + remaining
            remaining -= e - s
    raise AssertionError("unreachable: _forward raises when exhausted")  # pragma: no cover


def subtract(cal: Calendar, b: datetime, d: timedelta) -> datetime:
    """SEMANTICS: the latest ``t <= b`` with ``elapsed(t, b) >= d``."""
    b = _utc(b, "b")
    if d < _ZERO:
        msg = f"d: must not be negative (got {d!r})"
        raise ValueError(msg)
    if d == _ZERO:
        return b
    remaining = d
    for s, e in _backward(cal, b):
        if is_open(cal, s):
            if remaining <= e - s:
                return e - remaining
            remaining -= e - s
    raise AssertionError("unreachable: _backward raises when exhausted")  # pragma: no cover


def next_open(cal: Calendar, t: datetime) -> datetime:
    """SEMANTICS: the earliest open instant ``>= t``."""
    for s, _ in _forward(cal, _utc(t, "t")):
        if is_open(cal, s):
            return s
    raise AssertionError("unreachable: _forward raises when exhausted")  # pragma: no cover


def next_close(cal: Calendar, t: datetime) -> datetime:
    """SEMANTICS: the earliest instant ``>= t`` that is not open."""
    for s, _ in _forward(cal, _utc(t, "t")):
        if not is_open(cal, s):
            return s
    raise AssertionError("unreachable: _forward raises when exhausted")  # pragma: no cover


def open_intervals(cal: Calendar, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
    """SEMANTICS: the maximal open stretches, clipped to ``[a, b)``, in order."""
    a, b = _utc(a, "a"), _utc(b, "b")
    if b < a:
        msg = f"b: must not be before a (got {b!r} < {a!r})"
        raise ValueError(msg)
    out: list[tuple[datetime, datetime]] = []
    for s, e in _pieces(cal, a, b):
        if is_open(cal, s):
            if out and out[-1][1] == s:
                out[-1] = (out[-1][0], e)
            else:
                out.append((s, e))
    return out


# ---------------------------------------------------------------------------
# Business days


def _closes(cal: Calendar, first: date, last: date) -> dict[date, datetime]:
    """The close of every open local date in ``[first, last]``.

    The close of a date is the end of its last open piece, clipped to the
    date: pieces are cut at every local midnight, so a stretch that runs on
    past midnight closes the date at that midnight (SEMANTICS "Business
    days": the night-shift example).
    """
    zone = _local_zone(cal)
    lo = datetime.combine(first, time(), UTC) - 2 * _DAY
    hi = datetime.combine(last, time(), UTC) + 3 * _DAY
    closes: dict[date, datetime] = {}
    for s, e in _pieces(cal, lo, hi):
        if is_open(cal, s):
            day = s.astimezone(zone).date()
            if first <= day <= last:
                closes[day] = max(closes.get(day, e), e)
    return closes


def is_business_day(cal: Calendar, day: date) -> bool:
    """True iff the local date has at least one open instant."""
    return day in _closes(cal, day, day)


def due_business_days(cal: Calendar, a: datetime, n: int) -> datetime:
    """The close of the ``n``-th open local date strictly after ``a``'s local date."""
    if n < 1:
        msg = f"n: must be at least 1 (got {n!r})"
        raise ValueError(msg)
    first = _utc(a, "a").astimezone(_local_zone(cal)).date() + _DAY
    seen, chunk = 0, 31
    while first < _utc(a, "a").date() + MAX_SCAN:
        last = first + (chunk - 1) * _DAY
        closes = _closes(cal, first, last)
        for day in sorted(closes):
            seen += 1
            if seen == n:
                return closes[day]
        first = last + _DAY
    msg = f"fewer than {n} open dates within {MAX_SCAN} after {a.isoformat()}"
    raise ReferenceSearchError(msg)


def business_days_between(cal: Calendar, a: datetime, b: datetime) -> int:
    """The number of open local dates ``D > date(a)`` whose close is ``<= b``."""
    a, b = _utc(a, "a"), _utc(b, "b")
    if b < a:
        msg = f"b: must not be before a (got {b!r} < {a!r})"
        raise ValueError(msg)
    zone = _local_zone(cal)
    first = a.astimezone(zone).date() + _DAY
    last = b.astimezone(zone).date() + _DAY
    if last < first:
        return 0
    return sum(1 for close in _closes(cal, first, last).values() if close <= b)
