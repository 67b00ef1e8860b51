"""Calendars and the business clock.

A :class:`Calendar` says, for every instant, whether the business is open.
:meth:`Calendar.weekly` builds one from weekly hours in an IANA zone, with
holidays and per-date overrides; :meth:`Calendar.always_open` is 24/7; ``a & b``
and ``a | b`` combine calendars. The clock methods (:meth:`~Calendar.elapsed`,
:meth:`~Calendar.due`, ...) are exact to the microsecond: a calendar compiles
into a timeline of UTC integer intervals (``slaclock._timeline``) and every
answer is a binary search on it (SEMANTICS "Measuring and adding business time").
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Literal

import attrs

from slaclock._instants import (
    _EPOCH,
    _ONE_US,
    _SUB,
    DAY_US,
    MAX_US,
    MIN_US,
    YEAR_US,
    TzLike,
    ZoneOffsets,
    date_to_local_us,
    from_us,
    local_us_to_date,
    parse_date,
    td_to_us,
    to_us,
    us_to_td,
    zone_key,
)
from slaclock._recurrence import Expansion, canonical_rule, check_dates_rule
from slaclock._timeline import Intervals, Timeline, TimelineCache, clip, intersect, merge, union
from slaclock.errors import (
    CalendarFormatError,
    DurationError,
    InputError,
    IntervalOrderError,
    NoOpenTimeError,
    OverlappingPausesError,
    OverrideConflictError,
)
from slaclock.holiday_sources import HolidaySource
from slaclock.hours import Span, WeeklyHours, parse_day_spans

__all__ = ["Calendar", "CombinedCalendar", "RecurringOverride", "WeeklyCalendar"]

#: Default search horizon in years (SEMANTICS "Calendars").
DEFAULT_HORIZON_YEARS = 50

Pause = tuple[dt.datetime, dt.datetime]


@attrs.frozen(repr=False)
class RecurringOverride:
    """Special hours on the dates of a recurrence rule (RFC 5545, read by ``dateutil``).

    ``rule`` is the rule text including its ``DTSTART`` (a rule without a start
    would silently start "now"), for example
    ``"DTSTART:20240101\\nRRULE:FREQ=MONTHLY;BYDAY=+1SA"`` (first Saturday of
    each month). ``spans`` are the hours on those dates (empty: closed).

    .. versionadded:: 0.1
    """

    rule: str
    spans: tuple[Span, ...]

    @classmethod
    def build(
        cls, rule: object, spans: object, field: str = "overrides", hours_field: str = ""
    ) -> RecurringOverride:
        """Read a ``dateutil.rrule.rrule`` or rule text (``EXDATE``/``RDATE`` allowed), and span text(s)."""
        text = canonical_rule(rule, field)
        check_dates_rule(text, rule, field, "a recurring override")
        return cls(text, parse_day_spans(spans, hours_field or f"{field}[{text!r}]"))

    @functools.cached_property
    def _expansion(self) -> Expansion:
        return Expansion(self.rule)

    def dates_between(self, a: dt.date, b: dt.date) -> list[dt.date]:
        """The rule's dates in ``[a, b]``."""
        return self._expansion.dates_between(a, b)

    def __repr__(self) -> str:
        return f"RecurringOverride({self.rule!r}, {[str(s) for s in self.spans]!r})"


@attrs.frozen(repr=False)
class Calendar:
    """When the business is open, and the clock over it.

    Build calendars with :meth:`always_open`, :meth:`weekly`, ``a & b``,
    ``a | b`` or :meth:`from_dict`. Calendars are immutable, hashable and
    picklable values; their compiled timeline is a cache outside the value.

    Every method that takes instants takes aware datetimes (stdlib or
    ``pendulum``), or naive ones with ``assume_tz=``, and returns UTC-aware
    datetimes (SEMANTICS "Instants and durations").

    .. versionadded:: 0.1
    """

    @property
    def zone(self) -> str:
        """IANA key of the zone whose local dates the calendar uses."""
        raise NotImplementedError

    @property
    def horizon_years(self) -> int:
        """How many years searches look ahead (or back) before giving up."""
        raise NotImplementedError

    # ---- construction ---------------------------------------------------------------

    @staticmethod
    def always_open(
        zone: TzLike = "UTC", *, horizon_years: int = DEFAULT_HORIZON_YEARS
    ) -> WeeklyCalendar:
        """A calendar open 24 hours a day, every day, in ``zone``.

        Examples
        --------
        >>> import datetime as dt
        >>> cal = Calendar.always_open("UTC")
        >>> cal.elapsed(dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.datetime(2024, 1, 2, tzinfo=dt.UTC))
        datetime.timedelta(days=1)
        """
        return WeeklyCalendar(
            zone_key(zone), WeeklyHours.always(), horizon_years=_horizon(horizon_years)
        )

    @staticmethod
    def weekly(
        zone: TzLike,
        hours: str | Mapping[str, str | list[str]] | WeeklyHours,
        *,
        holidays: object = (),
        overrides: Mapping[Any, str | list[str] | tuple[str, ...]] | None = None,
        horizon_years: int = DEFAULT_HORIZON_YEARS,
    ) -> WeeklyCalendar:
        """Weekly opening hours in an IANA zone, with holidays and overrides.

        Parameters
        ----------
        zone
            IANA zone name (``"America/New_York"``) or ``zoneinfo.ZoneInfo``.
        hours
            ``"Mon-Fri 09:00-17:00; Sat 09:00-13:00; Sun 22:00-06:00"`` or a
            mapping ``{"mon": ["09:00-12:00", "13:00-17:00"], ...}``. A span
            that ends before it starts runs past midnight; ``24:00`` is an end.
        holidays
            A :class:`~slaclock.holiday_sources.HolidaySource`, a ``holidays``
            object (read as a request), several of them, or dates.
        overrides
            Special hours: maps a date (or ISO text) or a recurrence rule
            (``dateutil.rrule.rrule`` or text with ``DTSTART``) to span text,
            a list of span texts, or ``[]`` (closed). Beats holidays and the
            weekly hours; a dated override beats a recurring one.
        horizon_years
            How far searches look before raising
            :class:`~slaclock.errors.NoOpenTimeError`.

        Examples
        --------
        >>> import datetime as dt
        >>> cal = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")
        >>> ny = dt.timezone(dt.timedelta(hours=-5))
        >>> cal.due(dt.datetime(2024, 1, 8, 9, tzinfo=ny), dt.timedelta(hours=8))
        datetime.datetime(2024, 1, 8, 22, 0, tzinfo=datetime.timezone.utc)
        """
        dated: dict[dt.date, tuple[Span, ...]] = {}
        recurring: list[RecurringOverride] = []
        if overrides is not None and not isinstance(overrides, Mapping):
            raise InputError(
                "overrides",
                overrides,
                "must be a mapping of date or rule to spans",
                "e.g. {'2024-12-24': '09:00-13:00'}",
            )
        for i, (key, spans) in enumerate((overrides or {}).items()):
            field = f"overrides[{key!r}]"
            # rule text always names its start (a rule of RDATEs alone has no RRULE line)
            if isinstance(key, (dt.date, str)) and not (
                isinstance(key, str) and ("RRULE" in key.upper() or "DTSTART" in key.upper())
            ):
                day = parse_date(key, field)
                if day in dated:
                    raise OverrideConflictError(
                        field,
                        key,
                        f"date {day.isoformat()} has two overrides (entry {i} repeats it)",
                    )
                dated[day] = parse_day_spans(spans, field)
            else:
                recurring.append(RecurringOverride.build(key, spans, field))
        return WeeklyCalendar(
            zone_key(zone),
            WeeklyHours.parse(hours),
            # canonical order: the same definition written in another order is one value
            holidays=tuple(sorted(set(HolidaySource.coerce(holidays)), key=_source_key)),
            overrides=tuple(sorted(dated.items())),
            recurring=tuple(sorted(set(recurring), key=lambda r: (r.rule, r.spans))),
            horizon_years=_horizon(horizon_years),
        )

    @staticmethod
    def from_dict(data: object, field: str = "calendar") -> Calendar:
        """Read the mapping written by :meth:`to_dict` (JSON and TOML friendly).

        Raises
        ------
        CalendarFormatError
            Naming the path of the first bad entry.
        """
        if not isinstance(data, Mapping):
            raise CalendarFormatError(field, data, "must be a mapping")
        kind = data.get("kind", "weekly")
        if kind in ("and", "or"):
            for k in ("left", "right"):
                if k not in data:
                    raise CalendarFormatError(
                        f"{field}.{k}", None, f"a combined calendar needs '{k}'"
                    )
            # the first unknown key as written (keys of mixed types do not sort)
            extra = [k for k in data if k not in ("kind", "left", "right")]
            if extra:
                raise CalendarFormatError(f"{field}.{extra[0]}", data[extra[0]], "unknown key")
            left = Calendar.from_dict(data["left"], f"{field}.left")
            right = Calendar.from_dict(data["right"], f"{field}.right")
            return CombinedCalendar(kind, left, right)
        known = {"kind", "zone", "hours", "holidays", "overrides", "recurring", "horizon_years"}
        for k in data:
            if k not in known:
                raise CalendarFormatError(
                    f"{field}.{k}", data[k], f"unknown key (known: {sorted(known)})"
                )
        if kind not in ("weekly", "always_open"):
            raise CalendarFormatError(
                f"{field}.kind", kind, "must be 'weekly', 'always_open', 'and' or 'or'"
            )
        if "zone" not in data:
            raise CalendarFormatError(f"{field}.zone", None, "is required")
        zone = data["zone"]
        horizon = data.get("horizon_years", DEFAULT_HORIZON_YEARS)
        if kind == "always_open":
            hours: object = WeeklyHours.always()
        else:
            if "hours" not in data:
                raise CalendarFormatError(
                    f"{field}.hours", None, "is required for a weekly calendar"
                )
            hours = data["hours"]
        raw_holidays = data.get("holidays", [])
        if not isinstance(raw_holidays, list):
            raise CalendarFormatError(f"{field}.holidays", raw_holidays, "must be a list")
        sources = tuple(
            HolidaySource.from_dict(h, f"{field}.holidays[{i}]") for i, h in enumerate(raw_holidays)
        )
        overrides: dict[Any, Any] = {}
        raw_over = data.get("overrides", {})
        if not isinstance(raw_over, Mapping):
            raise CalendarFormatError(
                f"{field}.overrides", raw_over, "must be a mapping of date to spans"
            )
        overrides.update(raw_over)
        raw_rec = data.get("recurring", [])
        if not isinstance(raw_rec, list):
            raise CalendarFormatError(f"{field}.recurring", raw_rec, "must be a list")
        for i, r in enumerate(raw_rec):
            if not isinstance(r, Mapping) or not isinstance(r.get("rule"), str):
                raise CalendarFormatError(
                    f"{field}.recurring[{i}]", r, "must be {'rule': 'DTSTART:...', 'hours': [...]}"
                )
            rec = RecurringOverride.build(
                r["rule"],
                r.get("hours", []),
                f"{field}.recurring[{i}].rule",
                f"{field}.recurring[{i}].hours",
            )
            overrides[rec.rule] = [str(x) for x in rec.spans]
        try:
            return Calendar.weekly(
                zone,
                hours,  # type: ignore[arg-type]  # WeeklyHours.parse checks it
                holidays=sources,
                overrides=overrides,
                horizon_years=horizon,
            )
        except InputError as exc:
            raise type(exc)(f"{field}.{exc.field}", exc.value, exc.problem, exc.hint) from exc

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able mapping that :meth:`from_dict` reads back to an equal calendar."""
        raise NotImplementedError

    # ---- combination -------------------------------------------------------------------

    def __and__(self, other: Calendar) -> CombinedCalendar:
        """Open where both calendars are open."""
        if not isinstance(other, Calendar):
            return NotImplemented
        return CombinedCalendar("and", self, other)

    def __or__(self, other: Calendar) -> CombinedCalendar:
        """Open where either calendar is open."""
        if not isinstance(other, Calendar):
            return NotImplemented
        return CombinedCalendar("or", self, other)

    # ---- internals shared by every calendar ---------------------------------------------

    def _compile(self, lo: int, hi: int) -> Intervals:
        """Open intervals within ``[lo, hi)`` (sorted, merged, clipped)."""
        raise NotImplementedError

    @functools.cached_property
    def _cache(self) -> TimelineCache:
        return TimelineCache(self._compile)

    @functools.cached_property
    def _offsets(self) -> ZoneOffsets:
        return ZoneOffsets(self.zone)

    def _tl(self, lo: int, hi: int) -> Timeline:
        return self._cache.covering(lo, hi)

    def _limit(self, start: int, direction: int = 1) -> int:
        if direction > 0:
            return min(MAX_US - 1, start + self.horizon_years * YEAR_US)
        return max(MIN_US, start - self.horizon_years * YEAR_US)

    def _repr_html_(self) -> str:
        """A week grid of the open hours, for notebooks (Jupyter calls it)."""
        from slaclock._html import calendar_html

        return calendar_html(self)

    # ---- the clock --------------------------------------------------------------------

    def is_open(self, t: dt.datetime, *, assume_tz: TzLike | None = None) -> bool:
        """True if the calendar is open at instant ``t``.

        Examples
        --------
        >>> import datetime as dt
        >>> cal = Calendar.weekly("Europe/Paris", "Mon-Fri 09:00-17:00")
        >>> cal.is_open(dt.datetime(2024, 1, 8, 9, 30), assume_tz="Europe/Paris")
        True
        """
        u = to_us(t, "t", assume_tz)
        return self._tl(u, u).is_open(u)

    def elapsed(
        self,
        start: dt.datetime,
        end: dt.datetime,
        *,
        pauses: Iterable[Pause] = (),
        assume_tz: TzLike | None = None,
    ) -> dt.timedelta:
        """Business time in ``[start, end)`` outside the pauses.

        Raises
        ------
        IntervalOrderError
            If ``end`` is before ``start`` or a pause ends before it starts.
        OverlappingPausesError
            If two pauses overlap.

        Examples
        --------
        >>> import datetime as dt
        >>> cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
        >>> cal.elapsed(dt.datetime(2024, 1, 5, 16, tzinfo=dt.UTC), dt.datetime(2024, 1, 8, 10, tzinfo=dt.UTC))
        datetime.timedelta(seconds=7200)
        """
        try:  # the hot path, inlined: aware stdlib datetimes (see _instants.to_us)
            a = _SUB(start, _EPOCH) // _ONE_US
            b = _SUB(end, _EPOCH) // _ONE_US
        except TypeError:
            a = to_us(start, "start", assume_tz)
            b = to_us(end, "end", assume_tz)
        if b < a:
            raise IntervalOrderError("end", end, f"must not be before start ({start!r})")
        if pauses:
            return us_to_td(self._elapsed_us(a, b, _pauses_us(pauses, assume_tz)))
        for tl in self._cache._windows:  # inlined TimelineCache.covering
            if tl.lo <= a and b < tl.hi:
                break
        else:
            tl = self._cache.covering(a, b)
        return _ONE_US * tl.elapsed(a, b)

    def _elapsed_us(self, a: int, b: int, pauses: list[tuple[int, int]]) -> int:
        tl = self._cache.covering(a, b)
        total = tl.elapsed(a, b)
        for p0, p1 in pauses:
            p0, p1 = max(p0, a), min(p1, b)
            if p0 < p1:
                total -= tl.busy_before(p1) - tl.busy_before(p0)
        return total

    def due(
        self,
        start: dt.datetime,
        duration: dt.timedelta,
        *,
        pauses: Iterable[Pause] = (),
        assume_tz: TzLike | None = None,
    ) -> dt.datetime:
        """The earliest instant at which ``duration`` of business time has passed since ``start``.

        Time inside ``pauses`` does not count. ``due(a, 0) == a``; a due can
        be a closing instant (SEMANTICS: ``due(Mon 09:00, 8h) == Mon 17:00``).

        Raises
        ------
        DurationError
            If ``duration`` is negative.
        NoOpenTimeError
            If the calendar does not provide that much open time within its horizon.
        """
        try:  # the hot path, inlined (see elapsed)
            a = _SUB(start, _EPOCH) // _ONE_US
        except TypeError:
            a = to_us(start, "start", assume_tz)
        d = _duration_us(duration)
        if d == 0:
            return from_us(a)
        if not pauses:
            for tl in self._cache._windows:
                if tl.lo <= a < tl.hi:
                    t = tl.first_reaching(tl.busy_before(a) + d)
                    # MAX_US (the end of year 9999) is no datetime: the search below raises
                    if t is not None and t - a <= self.horizon_years * YEAR_US and t < MAX_US:
                        return _EPOCH + _ONE_US * t
                    break
            return from_us(self._due_us(a, d, "due", start))
        return from_us(self._due_paused_us(a, d, _pauses_us(pauses, assume_tz), start))

    def _due_paused_us(
        self, a: int, d: int, pauses: Iterable[tuple[int, int]], start: object = None
    ) -> int:
        """``due`` in microseconds with sorted, non-overlapping pauses (``d >= 0``)."""
        if d == 0:
            return a
        for tl in self._cache._windows:  # fast path: one compiled window holds the answer
            if tl.lo <= a < tl.hi:
                t = _due_in_window(tl, a, d, pauses, self.horizon_years * YEAR_US)
                if t is not None:
                    return t
                break
        remaining = d
        cursor = a
        for p0, p1 in pauses:
            if p1 <= cursor:
                continue
            if p0 > cursor:
                # the running stretch [cursor, p0): reached inside it, or used up
                t, used = self._search_due(cursor, remaining, "due", start, stop=p0)
                if t is not None:
                    return t
                remaining -= used
            cursor = max(cursor, p1)
        t, _ = self._search_due(cursor, remaining, "due", start)
        assert t is not None
        return t

    def _due_us(self, a: int, d: int, operation: str, start: object) -> int:
        """First ``t`` with ``B(t) >= B(a) + d`` for ``d > 0``, searching up to the horizon."""
        t, _ = self._search_due(a, d, operation, start)
        assert t is not None
        return t

    def _search_due(
        self, a: int, d: int, operation: str, start: object, stop: int | None = None
    ) -> tuple[int | None, int]:
        """Search ``[a, stop]`` for the first ``t`` with ``B(t) >= B(a) + d`` (``d > 0``).

        Returns ``(t, 0)``, or ``(None, B(stop) - B(a))`` when a given ``stop``
        comes first. Each search looks at most ``horizon_years`` past ``a``: a
        far-away ``stop`` never compiles the years in between.
        """
        limit = self._limit(a)
        end = limit if stop is None else min(stop, limit)
        t = self._search_forward(
            a,
            end,
            lambda tl: tl.first_reaching(tl.busy_before(a) + d),
            first_span=2 * max(d, DAY_US),
        )
        if t is not None:
            return t, 0
        if end == stop:  # not reached before the stop: report what the stretch held
            tl = self._cache.covering(a, end)
            return None, tl.busy_before(end) - tl.busy_before(a)
        reason = "not enough open time"
        if limit >= MAX_US - 1:  # the search stopped at the last instant a datetime holds
            reason += " before the end of year 9999"
        raise NoOpenTimeError(operation, start, self.horizon_years, reason)

    def _search_forward(
        self,
        u: int,
        end: int,
        probe: Callable[[Timeline], int | None],
        first_span: int = 8 * DAY_US,
    ) -> int | None:
        """The answer ``probe`` finds on windows grown from ``u``, if it is ``<= end``.

        ``probe(tl)`` answers from one compiled window, or None when the answer
        lies past it. The window doubles until the probe answers or covers
        ``end`` (at most the horizon): compiling stays bounded, never a hang.
        """
        hi = min(end, u + first_span)
        while True:
            tl = self._cache.covering(u, hi)
            r = probe(tl)
            if r is not None:
                return r if r <= end else None
            if hi >= end or tl.hi > end or tl.hi >= MAX_US:
                return None
            hi = min(end, max(tl.hi, u + 2 * (hi - u)))

    def subtract(
        self, end: dt.datetime, duration: dt.timedelta, *, assume_tz: TzLike | None = None
    ) -> dt.datetime:
        """The latest instant ``t <= end`` with ``elapsed(t, end) >= duration``.

        For "warn one business hour before due". ``subtract(b, 0) == b``.
        """
        b = to_us(end, "end", assume_tz)
        d = _duration_us(duration)
        return from_us(self._subtract_us(b, d, end))

    def _subtract_us(self, b: int, d: int, end: object = None) -> int:
        """``subtract`` in microseconds."""
        if d == 0:
            return b
        limit = self._limit(b, -1)
        lo = max(limit, b - max(d, DAY_US) * 2)
        while True:
            tl = self._tl(lo, b)
            target = tl.busy_before(b) - d
            t = tl.last_at_most(target)
            if t is not None:
                if t < limit:
                    break
                return t
            if tl.lo <= limit or tl.lo <= MIN_US:
                break
            lo = max(limit, min(tl.lo, b - 2 * (b - lo)))
        raise NoOpenTimeError(
            "subtract", end, self.horizon_years, "not enough open time before the end"
        )

    def next_open(self, t: dt.datetime, *, assume_tz: TzLike | None = None) -> dt.datetime:
        """The earliest open instant ``>= t`` (``t`` itself if open)."""
        u = to_us(t, "t", assume_tz)
        return from_us(self._next_open_us(u, self._limit(u), "next_open", t))

    def _next_open_us(self, u: int, limit: int, operation: str, start: object) -> int:
        r = self._search_forward(u, limit, lambda tl: tl.next_open(u))
        if r is None:
            raise NoOpenTimeError(
                operation, start, self.horizon_years, "the calendar does not open"
            )
        return r

    def next_close(self, t: dt.datetime, *, assume_tz: TzLike | None = None) -> dt.datetime:
        """The earliest instant ``>= t`` that is not open (``t`` itself if closed).

        For an open ``t`` this is the end of its open stretch, which may run
        past midnight. A calendar that does not close within its horizon
        (24/7) raises :class:`~slaclock.errors.NoOpenTimeError`.
        """
        u = to_us(t, "t", assume_tz)
        r = self._search_forward(u, self._limit(u), lambda tl: tl.next_close(u))
        if r is None:
            raise NoOpenTimeError(
                "next_close", t, self.horizon_years, "the calendar does not close"
            )
        return from_us(r)

    def open_intervals(
        self, start: dt.datetime, end: dt.datetime, *, assume_tz: TzLike | None = None
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """The maximal open stretches clipped to ``[start, end)``, in order."""
        a = to_us(start, "start", assume_tz)
        b = to_us(end, "end", assume_tz)
        if b < a:
            raise IntervalOrderError("end", end, f"must not be before start ({start!r})")
        return [(from_us(s), from_us(e)) for s, e in self._tl(a, b).between(a, b)]

    # ---- business days -------------------------------------------------------------------

    def _local_date(self, u: int) -> dt.date:
        return local_us_to_date(u + self._offsets.offset_us(u))

    def _day_start(self, day: dt.date) -> int:
        return self._offsets.wall_to_first_utc(date_to_local_us(day))

    def _next_day_start(self, day: dt.date) -> int:
        """The first instant of the local date after ``day``."""
        return self._offsets.wall_to_first_utc(date_to_local_us(day) + DAY_US)

    def _day_bounds(self, day: dt.date) -> tuple[int, int]:
        # integers: the day after 9999-12-31 has no date
        return self._day_start(day), self._next_day_start(day)

    def _day_close(self, day: dt.date) -> int | None:
        """The close of local date ``day``: the end of its last open piece, clipped to the date."""
        s, e = self._day_bounds(day)
        pieces = self._tl(s, e).between(s, e)
        return pieces[-1][1] if pieces else None

    def is_business_day(self, day: dt.date) -> bool:
        """True if local date ``day`` has at least one open instant."""
        day = _plain_date(day, "day")
        s, e = self._day_bounds(day)
        r = self._tl(s, e).next_open(s)
        return r is not None and r < e

    def due_business_days(
        self, start: dt.datetime, n: int, *, assume_tz: TzLike | None = None
    ) -> dt.datetime:
        """Due after ``n`` business days: the close of the ``n``-th open local date after ``start``'s.

        Opened Monday with Mon-Fri hours, 2 business days are due at
        Wednesday's close. The close of a date is the end of its last open
        piece on that date: a piece running to 24:00 closes at that midnight,
        since the after-midnight piece belongs to the next date (SEMANTICS
        "Business days").
        """
        u = to_us(start, "start", assume_tz)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise DurationError("n", n, "must be a whole number of business days >= 1")
        return from_us(self._due_business_days_us(u, n, start))

    @functools.cached_property
    def _business_days_memo(self) -> dict[tuple[dt.date, int], int]:
        # (local date of the start, n) -> due: it depends on the date alone, and
        # tickets opened on one date ask again and again (entries written once)
        return {}

    def _due_business_days_us(self, u: int, n: int, start: object = None) -> int:
        """``due_business_days`` in microseconds."""
        limit = self._limit(u)
        last = self._local_date(u)
        found = self._business_days_memo.get((last, n))
        if found is not None and found <= limit:
            return found
        key = (last, n)
        count = 0
        cursor = self._next_day_start(last)
        while True:
            t = self._next_open_us(cursor, limit, "due_business_days", start)
            day = self._local_date(t)
            if day <= last:  # a zone whose clock fell back over midnight
                cursor = self._next_day_start(last)
                cursor = max(cursor, t + 1)
                continue
            count += 1
            last = day
            if count == n:
                close = self._day_close(day)
                assert close is not None
                if close >= MAX_US:  # the close of 9999-12-31 is no datetime
                    raise NoOpenTimeError(
                        "due_business_days", start, self.horizon_years, "no close before year 10000"
                    )
                self._business_days_memo[key] = close
                return close
            cursor = self._next_day_start(day)

    def business_days_between(
        self, start: dt.datetime, end: dt.datetime, *, assume_tz: TzLike | None = None
    ) -> int:
        """How many open local dates after ``start``'s date have closed by ``end``.

        The inverse of :meth:`due_business_days`:
        ``business_days_between(a, due_business_days(a, n)) == n``.
        """
        a = to_us(start, "start", assume_tz)
        b = to_us(end, "end", assume_tz)
        if b < a:
            raise IntervalOrderError("end", end, f"must not be before start ({start!r})")
        last = self._local_date(a)
        count = 0
        cursor = self._next_day_start(last)
        while cursor < b:
            tl = self._tl(cursor, b)
            t = tl.next_open(cursor)
            if t is None or t >= b:
                break
            day = self._local_date(t)
            if day > last:
                close = self._day_close(day)
                if close is None or close > b:
                    break
                count += 1
                last = day
            cursor = max(self._next_day_start(last), t + 1)
        return count

    def holidays_between(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
        """Holidays of the calendar's sources in ``[start, end]`` (dates, inclusive), with names."""
        a, b = _plain_date(start, "start"), _plain_date(end, "end")
        if b < a:
            raise IntervalOrderError("end", end, f"must not be before start ({start!r})")
        found: dict[dt.date, str] = {}
        for src in self._holiday_sources():
            for year in range(a.year, b.year + 1):
                for d, name in src.names_in_year(year).items():
                    if a <= d <= b:
                        found.setdefault(d, name)
        return sorted(found.items())

    def _holiday_sources(self) -> tuple[HolidaySource, ...]:
        raise NotImplementedError


def _source_key(src: HolidaySource) -> tuple[Any, ...]:
    return (
        src.kind,
        src.code,
        src.subdiv or "",
        src.categories,
        src.observed,
        src.entries,
        src.rules,
        src.name,
    )


def _horizon(years: object) -> int:
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise InputError("horizon_years", years, "must be a whole number of years >= 1")
    return years


def _duration_us(duration: object, field: str = "duration") -> int:
    d = td_to_us(duration, field)
    if d < 0:
        raise DurationError(field, duration, "must not be negative")
    return d


def _plain_date(value: object, field: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InputError(field, value, "must be a datetime.date (a local date of the calendar)")
    return value


def _due_in_window(
    tl: Timeline, a: int, d: int, pauses: Iterable[tuple[int, int]], horizon: int
) -> int | None:
    """``due`` from one compiled window, or None when the answer may lie outside it."""
    remaining = d
    cursor = a
    b_cursor = tl.busy_before(a)
    for p0, p1 in pauses:
        if p1 <= cursor:
            continue
        if p0 > cursor:
            if p0 >= tl.hi or p0 - cursor > horizon:
                return None
            b0 = tl.busy_before(p0)
            if b0 - b_cursor >= remaining:
                return tl.first_reaching(b_cursor + remaining)
            remaining -= b0 - b_cursor
        cursor = max(cursor, p1)
        if cursor >= tl.hi:
            return None
        b_cursor = tl.busy_before(cursor)
    t = tl.first_reaching(b_cursor + remaining)
    if t is None or t - cursor > horizon or t >= MAX_US:  # MAX_US: past year 9999
        return None
    return t


def _pauses_us(pauses: Iterable[Pause], assume_tz: TzLike | None) -> list[tuple[int, int]]:
    """Validate pauses; return them sorted with touching ones merged.

    SEMANTICS "Measuring": pauses come in any order; touching pauses merge;
    overlapping pauses are an input error.
    """
    if not pauses:
        return []
    items: list[tuple[int, int, int]] = []
    for i, pair in enumerate(pauses):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise InputError(f"pauses[{i}]", pair, "must be a (start, end) pair of datetimes")
        p0 = to_us(pair[0], f"pauses[{i}].start", assume_tz)
        p1 = to_us(pair[1], f"pauses[{i}].end", assume_tz)
        if p1 < p0:
            raise IntervalOrderError(
                f"pauses[{i}].end", pair[1], f"must not be before its start ({pair[0]!r})"
            )
        if p1 > p0:
            items.append((p0, p1, i))
    items.sort()
    out: list[tuple[int, int]] = []
    prev_index = -1
    for p0, p1, i in items:
        if out and p0 < out[-1][1]:
            raise OverlappingPausesError(
                f"pauses[{i}]", (from_us(p0), from_us(p1)), f"overlaps pauses[{prev_index}]"
            )
        if out and p0 == out[-1][1]:
            out[-1] = (out[-1][0], p1)
        else:
            out.append((p0, p1))
        prev_index = i
    return out


@attrs.frozen(repr=False)
class WeeklyCalendar(Calendar):
    """Weekly hours in a zone, with holidays and overrides. Build with :meth:`Calendar.weekly`.

    SEMANTICS "Calendars": the spans of a local date come from its override,
    else nothing if it is a holiday, else the weekly hours of its weekday.

    .. versionadded:: 0.1
    """

    zone: str
    hours: WeeklyHours
    holidays: tuple[HolidaySource, ...] = ()
    overrides: tuple[tuple[dt.date, tuple[Span, ...]], ...] = ()
    recurring: tuple[RecurringOverride, ...] = ()
    horizon_years: int = DEFAULT_HORIZON_YEARS

    _kind: ClassVar[str] = "weekly"

    def __attrs_post_init__(self) -> None:
        # Calendar.weekly builds canonical values; a direct call is checked too.
        zone_key(self.zone)
        checks: list[tuple[str, object, Callable[[Any], bool], str]] = [
            ("hours", self.hours, lambda v: isinstance(v, WeeklyHours), "a WeeklyHours"),
            (
                "holidays",
                self.holidays,
                lambda v: isinstance(v, tuple) and all(isinstance(h, HolidaySource) for h in v),
                "a tuple of HolidaySource",
            ),
            (
                "overrides",
                self.overrides,
                lambda v: (
                    isinstance(v, tuple)
                    and all(
                        isinstance(o, tuple)
                        and len(o) == 2
                        and isinstance(o[0], dt.date)
                        and all(isinstance(x, Span) for x in o[1])
                        for o in v
                    )
                ),
                "a tuple of (date, tuple of Span)",
            ),
            (
                "recurring",
                self.recurring,
                lambda v: isinstance(v, tuple) and all(isinstance(r, RecurringOverride) for r in v),
                "a tuple of RecurringOverride",
            ),
        ]
        for name, value, ok, what in checks:
            if not ok(value):
                raise InputError(
                    name, value, f"must be {what} (use Calendar.weekly to build from text)"
                )
        _horizon(self.horizon_years)

    def spans_on(self, day: dt.date) -> tuple[Span, ...]:
        """The wall-clock spans of local date ``day`` (override > holiday > weekly)."""
        day = _plain_date(day, "day")
        overrides, holidays = self._year(day.year)
        spans = overrides.get(day)
        if spans is not None:
            return spans
        if day in holidays:
            return ()
        return self.hours.days[day.weekday()]

    @property
    def is_always_open(self) -> bool:
        """True for a plain 24/7 calendar (no holidays or overrides)."""
        return (
            self.hours == WeeklyHours.always()
            and not self.holidays
            and not self.overrides
            and not self.recurring
        )

    @functools.cached_property
    def _years(self) -> dict[int, tuple[dict[dt.date, tuple[Span, ...]], frozenset[dt.date]]]:
        return {}

    def _year(self, year: int) -> tuple[dict[dt.date, tuple[Span, ...]], frozenset[dt.date]]:
        """Overrides (dated and recurring) and holiday dates of one year, cached."""
        hit = self._years.get(year)
        if hit is not None:
            return hit
        over: dict[dt.date, tuple[Span, ...]] = {}
        owner: dict[dt.date, RecurringOverride] = {}
        if self.recurring and 1 <= year <= 9999:
            for rec in self.recurring:
                for d in rec.dates_between(dt.date(year, 1, 1), dt.date(year, 12, 31)):
                    if d in owner and owner[d] is not rec:
                        raise OverrideConflictError(
                            "overrides",
                            d,
                            f"recurring overrides {owner[d].rule!r} and {rec.rule!r} meet on this date",
                        )
                    owner[d] = rec
                    over[d] = rec.spans
        for d, spans in self.overrides:
            if d.year == year:
                over[d] = spans  # a dated override beats a recurring one
        hol: set[dt.date] = set()
        for src in self.holidays:
            hol.update(src.names_in_year(year))
        hit = (over, frozenset(hol))
        self._years[year] = hit
        return hit

    def _holiday_sources(self) -> tuple[HolidaySource, ...]:
        return self.holidays

    def _compile(self, lo: int, hi: int) -> Intervals:
        offsets = self._offsets
        pieces = offsets.pieces(lo - 2 * DAY_US, hi + 2 * DAY_US)
        omin = min(p[2] for p in pieces)
        omax = max(p[2] for p in pieces)
        # one date of margin each side: a date's spans reach past its own UTC day
        first = local_us_to_date(lo + omin - DAY_US)
        last = local_us_to_date(hi + omax + DAY_US)
        out: Intervals = []
        emit = out.append
        weekly = self.hours.days
        j = 0
        npieces = len(pieces)
        year = 0
        over: dict[dt.date, tuple[Span, ...]] = {}
        hol: frozenset[dt.date] = frozenset()
        ordinal = first.toordinal()
        end_ordinal = last.toordinal()
        day = first
        one = dt.timedelta(days=1)
        while ordinal <= end_ordinal:
            if day.year != year:
                year = day.year
                over, hol = self._year(year)
            spans = over.get(day)
            if spans is None:
                spans = () if day in hol else weekly[(ordinal - 1) % 7]
            if spans:
                base = date_to_local_us(day)
                for span in spans:
                    ls = base + span.start_us
                    le = base + span.end_us
                    while j < npieces and pieces[j][1] <= ls - omax:
                        j += 1
                    k = j
                    while k < npieces:
                        ps, pe, off = pieces[k]
                        if ps >= le - omin:
                            break
                        s = ls - off
                        e = le - off
                        if s < ps:
                            s = ps
                        if e > pe:
                            e = pe
                        if s < e:
                            emit((s, e))
                        k += 1
            ordinal += 1
            if ordinal <= end_ordinal:
                day = day + one
        return clip(merge(out), lo, hi)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able mapping that :meth:`Calendar.from_dict` reads back to an equal calendar."""
        if self.is_always_open:
            d: dict[str, Any] = {"kind": "always_open", "zone": self.zone}
        else:
            d = {"kind": "weekly", "zone": self.zone, "hours": self.hours.to_dict()}
            if self.holidays:
                d["holidays"] = [h.to_dict() for h in self.holidays]
            if self.overrides:
                d["overrides"] = {k.isoformat(): [str(s) for s in v] for k, v in self.overrides}
            if self.recurring:
                d["recurring"] = [
                    {"rule": r.rule, "hours": [str(s) for s in r.spans]} for r in self.recurring
                ]
        if self.horizon_years != DEFAULT_HORIZON_YEARS:
            d["horizon_years"] = self.horizon_years
        return d

    def __repr__(self) -> str:
        if self.is_always_open:
            args = [repr(self.zone)]
            if self.horizon_years != DEFAULT_HORIZON_YEARS:
                args.append(f"horizon_years={self.horizon_years}")
            return f"Calendar.always_open({', '.join(args)})"
        args = [repr(self.zone), repr(str(self.hours))]
        if self.holidays:
            args.append(f"holidays={list(self.holidays)!r}")
        if self.overrides or self.recurring:
            over = {k.isoformat(): [str(s) for s in v] for k, v in self.overrides}
            shown = dict(list(over.items())[:3])
            text = repr(shown)[:-1] + (", ..." if len(over) > 3 else "")
            for r in self.recurring:
                text += (
                    ", " if len(text) > 1 else ""
                ) + f"{r.rule!r}: {[str(s) for s in r.spans]!r}"
            args.append(f"overrides={text}}}")
        if self.horizon_years != DEFAULT_HORIZON_YEARS:
            args.append(f"horizon_years={self.horizon_years}")
        return f"Calendar.weekly({', '.join(args)})"


@attrs.frozen(repr=False)
class CombinedCalendar(Calendar):
    """``left & right`` (open when both are) or ``left | right`` (open when either is).

    Zones may differ; local dates (business days) are those of ``left``.

    .. versionadded:: 0.1
    """

    op: Literal["and", "or"]
    left: Calendar
    right: Calendar

    def __attrs_post_init__(self) -> None:
        if self.op not in ("and", "or"):
            raise InputError("op", self.op, "must be 'and' or 'or'")
        for name in ("left", "right"):
            if not isinstance(getattr(self, name), Calendar):
                raise InputError(name, getattr(self, name), "must be a Calendar")

    @property
    def zone(self) -> str:
        """The zone of ``left``: its local dates are the combined calendar's."""
        return self.left.zone

    @property
    def horizon_years(self) -> int:
        """The larger horizon of the two parts."""
        return max(self.left.horizon_years, self.right.horizon_years)

    def _compile(self, lo: int, hi: int) -> Intervals:
        a = self.left._compile(lo, hi)
        b = self.right._compile(lo, hi)
        return intersect(a, b) if self.op == "and" else union(a, b)

    def _holiday_sources(self) -> tuple[HolidaySource, ...]:
        return self.left._holiday_sources() + self.right._holiday_sources()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able mapping that :meth:`Calendar.from_dict` reads back to an equal calendar."""
        return {"kind": self.op, "left": self.left.to_dict(), "right": self.right.to_dict()}

    def __repr__(self) -> str:
        sym = "&" if self.op == "and" else "|"
        return f"({self.left!r} {sym} {self.right!r})"
