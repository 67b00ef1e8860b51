"""Hypothesis strategies for slaclock values.

Every strategy is a plain function returning a ``SearchStrategy`` with
keyword-only options, checked when the strategy is built. Each docstring names
the shrink target: the value hypothesis reports when it minimises a failure.

The strategies aim at the hard cases: zones with odd offsets and DST rules,
spans that start or end inside DST gaps and folds, overnight spans, holidays
and overrides next to the instants under test, instants on span edges and
DST transitions of 2011-2026. Calendars are small so examples stay fast.

Correlate calendars and instants with an anchor date: draw
``anchor_dates(zone=...)`` first, then pass ``around=anchor`` to
:func:`calendars`, :func:`instants` and :func:`pauses`, so that holidays,
overrides and instants land near each other.

Installing slaclock also registers strategies for its main value types
through a ``hypothesis`` entry point, so ``st.from_type(Calendar)``,
``st.from_type(Ticket)``, ``st.from_type(Policy)`` (and ``st.builds`` of
functions annotated with them) work with no setup; the hook,
``_hypothesis_setup_hook``, lists what each type draws. Hypothesis skips every
entry point when ``HYPOTHESIS_NO_PLUGINS`` is set.

Examples
--------
>>> from hypothesis import given
>>> from slaclock.testing import strategies as sst
>>> @given(sst.calendars(), sst.durations())
... def test_due_of_zero(cal, d):
...     pass
>>> from hypothesis import HealthCheck, settings, strategies as st
>>> from slaclock import Calendar
>>> @settings(max_examples=5, database=None, suppress_health_check=[HealthCheck.too_slow])
... @given(st.from_type(Calendar))
... def test_every_calendar_round_trips(cal):
...     assert Calendar.from_dict(cal.to_dict()) == cal
>>> test_every_calendar_round_trips()
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from fractions import Fraction
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from dateutil.rrule import MONTHLY, rrule, weekday

from slaclock.calendars import Calendar, CombinedCalendar, WeeklyCalendar
from slaclock.hours import WeeklyHours
from slaclock.policies import (
    BeforeDueWarning,
    BusinessDays,
    BusinessTime,
    CalendarChoice,
    CalendarTime,
    ClockState,
    FractionWarning,
    Goal,
    InternalTarget,
    Metric,
    Policy,
    PolicyBook,
    Reopen,
    Target,
    WarningRule,
)
from slaclock.testing.reference import zone_transitions
from slaclock.tickets import (
    AgentReply,
    Assignment,
    Cancel,
    CustomerReply,
    Event,
    SeverityChange,
    StatusChange,
    Ticket,
    Update,
)


def _hypothesis_setup_hook() -> None:
    """Register slaclock's strategies with ``st.from_type``; hypothesis calls this.

    The ``hypothesis`` entry point of slaclock's package metadata
    (``pyproject.toml``) names this function; hypothesis calls it once, when
    it is imported, in every environment where slaclock is installed.

    - ``Calendar``: :func:`calendars` or :func:`combined_calendars`;
      ``WeeklyCalendar``: :func:`calendars`; ``CombinedCalendar``:
      :func:`combined_calendars`;
    - ``Policy``: :func:`policies`; ``PolicyBook``: a book of one policy, or
      of two versions (the second with a ``valid_from``);
    - ``Ticket``: the ticket of :func:`ticket_cases`;
    - ``Event`` and each event type: one event at an :func:`instants` draw,
      labelled with the statuses (:data:`TICKET_STATUSES`), teams
      (:data:`TEAMS`) and severities (``"P1"``-``"P3"``) of :func:`policies`.

    Every strategy has its defaults, and shrinks to the shrink target named
    in its docstring (``Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")`` for a
    calendar). A ticket and a policy drawn by two ``from_type`` calls are
    independent: to evaluate a ticket under a policy, draw the ticket with
    :func:`tickets` of that policy, or draw :func:`ticket_cases`.
    """
    # Defined above the module's own ``import hypothesis``: importing hypothesis runs
    # the entry points, and when this module is what imports hypothesis first,
    # hypothesis loads it half-initialised and calls this function at once. So it
    # names only what is imported above, and registers functions of the type, which
    # hypothesis calls on first use, when the module is complete.
    from hypothesis import strategies as hst

    registered: dict[type, Any] = {
        Calendar: lambda _: hst.one_of(calendars(), combined_calendars()),
        WeeklyCalendar: lambda _: calendars(),
        CombinedCalendar: lambda _: combined_calendars(),
        Policy: lambda _: policies(),
        PolicyBook: lambda _: _policy_books(),
        Ticket: lambda _: ticket_cases().map(lambda case: case[0]),
        Event: lambda _: _events(),
    }
    events = (StatusChange, AgentReply, CustomerReply, Update, Assignment, SeverityChange, Cancel)
    registered.update(dict.fromkeys(events, lambda kind: _event_strategy(kind)))
    for kind, strategy in registered.items():
        hst.register_type_strategy(kind, strategy)


# Imported after the hook: see the comment in it.
from hypothesis import strategies as st  # noqa: E402

__all__ = [
    "HARD_ZONES",
    "MORE_ZONES",
    "REGIONS",
    "TEAMS",
    "TICKET_STATUSES",
    "anchor_dates",
    "calendars",
    "combined_calendars",
    "durations",
    "histories",
    "holiday_dates",
    "hours_texts",
    "instants",
    "overrides",
    "pauses",
    "policies",
    "ticket_cases",
    "tickets",
    "weekly_hours",
    "zones",
]

#: Zones with the rules that break business-time code (30-minute DST on
#: Lord Howe, a +05:45 offset in Kathmandu, a skipped date in Apia on
#: 2011-12-30, and the usual northern and southern DST). UTC comes first
#: because it is the shrink target.
HARD_ZONES = (
    "UTC",
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Apia",
)
#: More zones, with DST at local midnight (Sao Paulo until 2019, Havana, Santiago,
#: Tehran until 2022), half-hour offsets (St John's), on-and-off DST (Casablanca).
MORE_ZONES = (
    "America/Sao_Paulo",
    "America/Havana",
    "America/Santiago",
    "Asia/Tehran",
    "America/St_Johns",
    "Africa/Casablanca",
    "Asia/Tokyo",
)

_FIRST_YEAR = 2011
_LAST_YEAR = 2026
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SLOT = timedelta(minutes=15)
_SLOTS_PER_DAY = 96
_DAY_SPECS = ("Mon-Fri", "Mon", "Sun", "Sat-Sun", "Daily", "Fri-Mon", "Tue-Thu", "Mon,Wed,Fri")


def _check_positive(name: str, value: int) -> None:
    if value < 1:
        msg = f"{name}: must be at least 1 (got {value!r})"
        raise ValueError(msg)


def zones(*, hard_only: bool = False) -> st.SearchStrategy[str]:
    """IANA zone keys, weighted to the hard ones (:data:`HARD_ZONES`).

    Shrinks to ``"UTC"``.
    """
    if hard_only:
        return st.sampled_from(HARD_ZONES)
    return st.one_of(st.sampled_from(HARD_ZONES), st.sampled_from(HARD_ZONES + MORE_ZONES))


# ---------------------------------------------------------------------------
# Hours


def _clock(slot: int) -> str:
    hours, quarter = divmod(slot, 4)
    return f"{hours:02d}:{quarter * 15:02d}"


#: Quarter-hour slots where DST changes happen in many zones (00:00-03:30,
#: 23:00, 23:30), for when no zone is named.
_DST_SLOTS = (0, 2, 4, 5, 6, 7, 8, 9, 10, 12, 14, 92, 94)


@functools.lru_cache(maxsize=64)
def _edge_slots(zone: str | None) -> tuple[int, ...]:
    """Quarter-hour slots at and around the wall times of ``zone``'s transitions.

    For each offset change of 2011-2026: the wall time it leaves and the one
    it lands on (New York: 02:00 and 03:00, then 02:00 and 01:00), each
    +-30 minutes. Span edges there fall into gaps, folds and their borders.
    """
    if zone is None:
        return _DST_SLOTS
    tz = ZoneInfo(zone)
    slots: set[int] = set()
    for t in _transitions(zone):
        before = (t - timedelta(seconds=1)).astimezone(tz).utcoffset()
        after = t.astimezone(tz).utcoffset()
        assert before is not None
        assert after is not None
        for offset in (before, after):
            wall = (t + offset).time()
            slot = (wall.hour * 60 + wall.minute) // 15
            for k in range(slot - 2, slot + 3):
                slots.add(k % _SLOTS_PER_DAY)
            if slot == 0:
                slots.add(_SLOTS_PER_DAY)  # 24:00 ends the date before
    return tuple(sorted(slots)) or _DST_SLOTS


@st.composite
def _span_text(
    draw: st.DrawFn, *, overnight: bool, max_slots: int, edge_slots: tuple[int, ...]
) -> str:
    # Offsets from 09:00 and from 8 hours, so the shrink target is 09:00-17:00.
    starts = tuple(s for s in edge_slots if s < _SLOTS_PER_DAY)
    start = draw(
        st.one_of(
            st.integers(0, _SLOTS_PER_DAY - 1).map(lambda k: (36 + k) % _SLOTS_PER_DAY),
            st.sampled_from(starts),
        )
    )
    if draw(st.booleans()):
        end = draw(st.sampled_from((*edge_slots, _SLOTS_PER_DAY)))
        if end == start:
            end = start + 1
        elif end < start and not overnight:
            start, end = end, start
    else:
        length = (31 + draw(st.integers(0, max_slots - 1))) % max_slots + 1
        end = start + length
        if end > _SLOTS_PER_DAY:
            # Past midnight: an overnight span, or clipped to 24:00.
            end = end - _SLOTS_PER_DAY if overnight else _SLOTS_PER_DAY
    return f"{_clock(start)}-{_clock(end)}"


@st.composite
def _day_spec(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        days = draw(st.sets(st.integers(0, 6), min_size=1, max_size=3))
        return ",".join(_DAY_NAMES[i] for i in sorted(days))
    return draw(st.sampled_from(_DAY_SPECS))


def hours_texts(
    *,
    max_groups: int = 3,
    max_spans: int = 2,
    overnight: bool = True,
    zone: str | None = None,
) -> st.SearchStrategy[str]:
    """Weekly hours text such as ``"Mon-Fri 09:00-17:00; Sun 22:00-06:00"``.

    Times are on a 15-minute grid (DST changes happen on it); half the span
    edges sit at or near the wall times where ``zone`` changes its offset
    (00:00-03:30 and 23:00-23:30 if no zone is named). Groups may overlap
    (they merge) and a span whose end is before its start runs past midnight
    when ``overnight``. Never closed all week.

    Shrinks to ``"Mon-Fri 09:00-17:00"``.
    """
    _check_positive("max_groups", max_groups)
    _check_positive("max_spans", max_spans)
    span = _span_text(
        overnight=overnight, max_slots=_SLOTS_PER_DAY - 1, edge_slots=_edge_slots(zone)
    )
    group = st.builds(
        lambda days, spans: f"{days} {', '.join(spans)}",
        _day_spec(),
        st.lists(span, min_size=1, max_size=max_spans),
    )
    return st.lists(group, min_size=1, max_size=max_groups).map("; ".join)


def weekly_hours(
    *,
    max_groups: int = 3,
    max_spans: int = 2,
    overnight: bool = True,
    zone: str | None = None,
) -> st.SearchStrategy[WeeklyHours]:
    """:class:`~slaclock.hours.WeeklyHours` parsed from :func:`hours_texts`.

    Shrinks to ``Mon-Fri 09:00-17:00``.
    """
    texts = hours_texts(max_groups=max_groups, max_spans=max_spans, overnight=overnight, zone=zone)
    return texts.map(WeeklyHours.parse)


# ---------------------------------------------------------------------------
# Dates near an anchor


@functools.lru_cache(maxsize=64)
def _transitions(zone: str) -> tuple[datetime, ...]:
    lo = datetime(_FIRST_YEAR, 1, 1, tzinfo=UTC)
    hi = datetime(_LAST_YEAR + 1, 1, 1, tzinfo=UTC)
    return tuple(zone_transitions(zone, lo, hi))


def anchor_dates(*, zone: str = "UTC", transition_share: int = 50) -> st.SearchStrategy[date]:
    """A date of 2011-2026 to build a test scenario around.

    About ``transition_share`` percent of the time, the local date of one of
    ``zone``'s offset transitions (half of them fall back, half spring
    forward); otherwise any date. Shrinks to ``zone``'s first transition date
    of 2011 (2011-01-01 for a zone without transitions).
    """
    if not 0 <= transition_share <= 100:
        msg = f"transition_share: must be a percentage 0-100 (got {transition_share!r})"
        raise ValueError(msg)
    tz = ZoneInfo(zone)
    on_transition = [t.astimezone(tz).date() for t in _transitions(zone)]
    any_date = st.dates(date(_FIRST_YEAR, 1, 1), date(_LAST_YEAR, 12, 31))
    if not on_transition:
        return any_date
    return st.integers(0, 99).flatmap(
        lambda k: st.sampled_from(on_transition) if k < transition_share else any_date
    )


def _near(around: date | None, within_days: int) -> st.SearchStrategy[date]:
    if around is None:
        return st.dates(date(_FIRST_YEAR, 1, 1), date(_LAST_YEAR, 12, 31))
    return st.integers(-within_days, within_days).map(lambda k: around + timedelta(days=k))


def holiday_dates(
    *, around: date | None = None, within_days: int = 10, max_size: int = 3
) -> st.SearchStrategy[frozenset[date]]:
    """Sets of holiday dates, within ``within_days`` of ``around`` when given.

    Shrinks to the empty set.
    """
    _check_positive("within_days", within_days)
    return st.frozensets(_near(around, within_days), max_size=max_size)


@st.composite
def _override_spans(draw: st.DrawFn, *, edge_slots: tuple[int, ...]) -> list[str]:
    """Special hours of one date: closed, or one or two spans that do not cross midnight."""
    count = draw(st.integers(0, 2))
    slot = st.one_of(st.integers(0, _SLOTS_PER_DAY), st.sampled_from(edge_slots))
    slots = sorted(draw(st.sets(slot, min_size=2 * count, max_size=2 * count)))
    return [f"{_clock(slots[i])}-{_clock(slots[i + 1])}" for i in range(0, len(slots), 2)]


@st.composite
def _monthly_rule(draw: st.DrawFn, *, around: date | None) -> rrule:
    base = around if around is not None else date(2024, 1, 1)
    start = base - timedelta(days=draw(st.integers(0, 120)))
    dtstart = datetime.combine(start, time())
    if draw(st.booleans()):
        return rrule(MONTHLY, dtstart=dtstart, bymonthday=draw(st.integers(1, 28)))
    nth = draw(st.sampled_from((1, 2, -1)))
    return rrule(MONTHLY, dtstart=dtstart, byweekday=weekday(draw(st.integers(0, 6)), nth))


@st.composite
def _overrides(
    draw: st.DrawFn,
    *,
    around: date | None,
    within_days: int,
    max_size: int,
    recurring: bool,
    edge_slots: tuple[int, ...],
) -> dict[date | rrule, list[str]]:
    out: dict[date | rrule, list[str]] = {}
    spans = _override_spans(edge_slots=edge_slots)
    days = draw(st.sets(_near(around, within_days), max_size=max_size))
    if around is not None and max_size > 0 and draw(st.booleans()):
        days.add(around)  # the anchor is often a transition date: special hours meet DST
    for day in sorted(days):
        out[day] = draw(spans)
    if recurring and draw(st.booleans()):
        out[draw(_monthly_rule(around=around))] = draw(spans)
    return out


def overrides(
    *,
    around: date | None = None,
    within_days: int = 10,
    max_size: int = 2,
    recurring: bool = True,
    zone: str | None = None,
) -> st.SearchStrategy[dict[date | rrule, list[str]]]:
    """The ``overrides=`` mapping of :meth:`~slaclock.calendars.Calendar.weekly`.

    Dated overrides within ``within_days`` of ``around`` (often on ``around``
    itself), each closed (``[]``)
    or one or two spans (edges often near ``zone``'s transition wall times);
    with ``recurring``, maybe one monthly rule (a ``dateutil.rrule.rrule``
    with DTSTART) with its own spans. Shrinks to ``{}``.
    """
    _check_positive("within_days", within_days)
    return _overrides(
        around=around,
        within_days=within_days,
        max_size=max_size,
        recurring=recurring,
        edge_slots=_edge_slots(zone),
    )


# ---------------------------------------------------------------------------
# Calendars


@st.composite
def _calendars(
    draw: st.DrawFn,
    *,
    zone: st.SearchStrategy[str],
    around: date | None,
    hours: st.SearchStrategy[str] | None,
    extras: bool,
    always_open: bool,
    within_days: int,
) -> WeeklyCalendar:
    key = draw(zone)
    if always_open and draw(st.integers(0, 9)) == 0:
        return Calendar.always_open(key)
    text = draw(hours_texts(zone=key) if hours is None else hours)
    if hours is None and around is not None and draw(st.booleans()):
        # One more span on the anchor's weekday, edges near the zone's transitions.
        extra = _span_text(
            overnight=True, max_slots=_SLOTS_PER_DAY - 1, edge_slots=_edge_slots(key)
        )
        text += f"; {_DAY_NAMES[around.weekday()]} {draw(extra)}"
    if not extras:
        return Calendar.weekly(key, text)
    return Calendar.weekly(
        key,
        text,
        holidays=draw(holiday_dates(around=around, within_days=within_days)),
        overrides=draw(overrides(around=around, within_days=within_days, zone=key)),
    )


def calendars(
    *,
    zone: str | st.SearchStrategy[str] | None = None,
    around: date | None = None,
    hours: str | st.SearchStrategy[str] | None = None,
    extras: bool = True,
    always_open: bool = False,
    within_days: int = 10,
) -> st.SearchStrategy[WeeklyCalendar]:
    """Small weekly calendars: a zone, :func:`hours_texts`, holidays and overrides.

    Shrinks to ``Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")``.

    Parameters
    ----------
    zone
        A zone key or a strategy of them (default :func:`zones`).
    around
        Put holidays and overrides within ``within_days`` of this date.
    hours
        Hours text or a strategy of it (default :func:`hours_texts` with
        span edges near the zone's transition wall times, sometimes with one
        more span on the weekday of ``around``).
    extras
        Add holidays and overrides (dated and maybe one monthly rule).
    always_open
        Sometimes (1 in 10) return ``Calendar.always_open(zone)``, which never
        closes: searches for a close raise the horizon error.
    """
    zone_st = zones() if zone is None else st.just(zone) if isinstance(zone, str) else zone
    _check_positive("within_days", within_days)
    hours_st = st.just(hours) if isinstance(hours, str) else hours
    return _calendars(
        zone=zone_st,
        around=around,
        hours=hours_st,
        extras=extras,
        always_open=always_open,
        within_days=within_days,
    )


#: Wide hours for the right side of ``&``, so that most intersections are open.
_BROAD_HOURS = (
    "Daily 00:00-24:00",
    "Mon-Fri 00:00-24:00",
    "Daily 06:00-22:00",
    "Mon-Sat 07:00-21:00",
)


@st.composite
def _combined(
    draw: st.DrawFn,
    *,
    zone: st.SearchStrategy[str],
    around: date | None,
    depth: int,
    within_days: int,
) -> CombinedCalendar:
    left: Calendar = draw(calendars(zone=zone, around=around, within_days=within_days))
    if depth > 1 and draw(st.booleans()):
        left = draw(_combined(zone=zone, around=around, depth=depth - 1, within_days=within_days))
    op = draw(st.sampled_from(("or", "and")))
    broad = draw(st.booleans())
    hours = st.sampled_from(_BROAD_HOURS) if broad else None
    right = draw(calendars(zone=zones(), around=around, hours=hours, within_days=within_days))
    return left | right if op == "or" else left & right


def combined_calendars(
    *,
    zone: str | st.SearchStrategy[str] | None = None,
    around: date | None = None,
    depth: int = 1,
    within_days: int = 10,
) -> st.SearchStrategy[CombinedCalendar]:
    """``left | right`` or ``left & right`` of two :func:`calendars`.

    ``left`` is in ``zone`` (its local dates are the combination's); ``right``
    is in any zone. Half the time ``right`` has broad hours (such as
    ``"Daily 06:00-22:00"``) so that most intersections have open time. With
    ``depth`` > 1 the left side may itself be combined. Holidays and
    overrides lie within ``within_days`` of ``around``.

    Shrinks to ``Calendar.weekly("UTC", "Mon-Fri 09:00-17:00") |
    Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")``.
    """
    _check_positive("depth", depth)
    zone_st = zones() if zone is None else st.just(zone) if isinstance(zone, str) else zone
    _check_positive("within_days", within_days)
    return _combined(zone=zone_st, around=around, depth=depth, within_days=within_days)


# ---------------------------------------------------------------------------
# Instants, durations, pauses


def _leaves(cal: Calendar) -> list[WeeklyCalendar]:
    if isinstance(cal, CombinedCalendar):
        return _leaves(cal.left) + _leaves(cal.right)
    assert isinstance(cal, WeeklyCalendar)
    return [cal]


_JITTERS = tuple(
    sign * step
    for step in (
        timedelta(microseconds=1),
        timedelta(seconds=1),
        timedelta(minutes=1),
        timedelta(minutes=15),
        timedelta(minutes=30),
        timedelta(hours=1),
        timedelta(days=1),
    )
    for sign in (1, -1)
)


@st.composite
def _instants(
    draw: st.DrawFn, *, cal: Calendar | None, zone: str, around: date | None, within_days: int
) -> datetime:
    leaves = _leaves(cal) if cal is not None else []
    zone_keys = [leaf.zone for leaf in leaves] or [zone]
    key = draw(st.sampled_from(zone_keys))
    tz = ZoneInfo(key)
    anchor = around if around is not None else draw(anchor_dates(zone=key))
    lo = datetime.combine(anchor - timedelta(days=within_days), time(), UTC)
    hi = datetime.combine(anchor + timedelta(days=within_days + 1), time(), UTC)
    kind = draw(st.sampled_from(("uniform", "edge", "transition")))
    base = datetime.combine(anchor, time(), UTC)
    if kind == "edge" and leaves:
        # A span edge (or midnight) of a nearby local date, either fold.
        leaf = draw(st.sampled_from(leaves))
        tz = ZoneInfo(leaf.zone)
        day = draw(_near(anchor, within_days))
        spans = dict(leaf.overrides).get(day, leaf.hours.days[day.weekday()])
        edges = [0] + [us for s in spans for us in (s.start_us, s.end_us)]
        wall = datetime.combine(day, time()) + timedelta(microseconds=draw(st.sampled_from(edges)))
        base = wall.replace(tzinfo=tz, fold=draw(st.integers(0, 1))).astimezone(UTC)
    elif kind == "transition":
        near = [t for t in _transitions(key) if lo <= t <= hi]
        if near:
            base = draw(st.sampled_from(near))
    else:
        span_us = (hi - lo) // timedelta(microseconds=1)
        # Mostly on a one-minute grid (likely to meet edges exactly), sometimes any microsecond.
        if draw(st.booleans()):
            base = lo + timedelta(minutes=draw(st.integers(0, span_us // 60_000_000)))
        else:
            base = lo + timedelta(microseconds=draw(st.integers(0, span_us)))
    if draw(st.booleans()):
        base += draw(st.sampled_from(_JITTERS))
    shown = draw(st.sampled_from(("utc", "zone", "fixed")))
    if shown == "zone":
        return base.astimezone(tz)
    if shown == "fixed":
        return base.astimezone(timezone(timedelta(hours=draw(st.integers(-12, 14)))))
    return base


def instants(
    *,
    cal: Calendar | None = None,
    zone: str = "UTC",
    around: date | None = None,
    within_days: int = 10,
) -> st.SearchStrategy[datetime]:
    """Aware datetimes biased to span edges and DST transitions.

    A third are uniform in ``[around - within_days, around + within_days + 1)``
    (mostly on a one-minute grid), a third are span edges of ``cal`` (either
    fold), a third are offset transitions of a zone of ``cal`` (or of
    ``zone``) near ``around``; some are then nudged by +-1 microsecond up to
    +-1 day. They come in UTC, in the calendar's zone or at a fixed offset.
    Without ``around``, an anchor is drawn with :func:`anchor_dates`.

    Shrinks to midnight UTC of ``around - within_days``.
    """
    _check_positive("within_days", within_days)
    return _instants(cal=cal, zone=zone, around=around, within_days=within_days)


def durations(
    *, max_value: timedelta = timedelta(hours=80), min_value: timedelta = timedelta(0)
) -> st.SearchStrategy[timedelta]:
    """Non-negative durations, mostly on a 15-minute grid, sometimes any microsecond.

    Shrinks to ``min_value`` (default ``timedelta(0)``).
    """
    if min_value < timedelta(0) or max_value < min_value:
        msg = (
            f"min_value, max_value: need 0 <= min_value <= max_value (got {min_value}, {max_value})"
        )
        raise ValueError(msg)
    lo_us, hi_us = min_value // timedelta(microseconds=1), max_value // timedelta(microseconds=1)
    grid_us = _SLOT // timedelta(microseconds=1)
    on_grid = st.integers(-(-lo_us // grid_us), hi_us // grid_us).map(lambda k: k * _SLOT)
    any_us = st.integers(lo_us, hi_us).map(lambda us: timedelta(microseconds=us))
    if -(-lo_us // grid_us) > hi_us // grid_us:
        return any_us
    return st.one_of(on_grid, any_us)


@st.composite
def _pauses(
    draw: st.DrawFn, *, start: datetime, length: timedelta, max_size: int
) -> list[tuple[datetime, datetime]]:
    count = draw(st.integers(0, max_size))
    steps = length // _SLOT
    # UTC first: arithmetic on a zoned datetime is wall-clock arithmetic.
    start = start.astimezone(UTC)
    points = sorted(
        start - length / 4 + _SLOT * k + timedelta(microseconds=draw(st.sampled_from((0, 0, 0, 1))))
        for k in draw(st.lists(st.integers(0, steps), min_size=2 * count, max_size=2 * count))
    )
    pairs = [(points[i], points[i + 1]) for i in range(0, len(points), 2)]
    return draw(st.permutations(pairs))


def pauses(
    *, start: datetime, length: timedelta = timedelta(days=4), max_size: int = 3
) -> st.SearchStrategy[list[tuple[datetime, datetime]]]:
    """Non-overlapping pauses ``(p0, p1)``, ``p0 <= p1``, in any order.

    Edges lie in ``[start - length / 4, start + length]`` on a 15-minute grid
    (sometimes one microsecond off); pauses may be empty or touch each other.
    Shrinks to ``[]``.
    """
    if start.tzinfo is None:
        msg = f"start: must be an aware datetime (got {start!r})"
        raise ValueError(msg)
    if length <= timedelta(0):
        msg = f"length: must be positive (got {length!r})"
        raise ValueError(msg)
    return _pauses(start=start, length=length, max_size=max_size)


# ---------------------------------------------------------------------------
# Policies, histories, tickets

#: The statuses of the policies that :func:`policies` draws, with their clock
#: states (``"hold"`` is drawn running or paused). ``"new"`` is the initial
#: status unless the policy names ``"open"``.
TICKET_STATUSES = (
    ("new", ClockState.RUNNING),
    ("open", ClockState.RUNNING),
    ("pending", ClockState.PAUSED),
    ("hold", ClockState.PAUSED),
    ("solved", ClockState.STOPPED),
    ("closed", ClockState.STOPPED),
)
#: The teams of internal targets and assignments.
TEAMS = ("tier1", "tier2", "vendor")
#: Values of the ``region`` ticket attribute that calendar choices select on.
REGIONS = ("us", "uk", "apac")

_US = timedelta(microseconds=1)
_FRACTIONS = (
    Fraction(1, 2),
    Fraction(3, 4),
    Fraction(9, 10),
    Fraction(1, 3),
    Fraction(999, 1000),
)
_OFFSETS = (
    timedelta(hours=1),
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(hours=4),
    timedelta(microseconds=1),
    timedelta(hours=1, microseconds=1),
)
#: Start and stop events per metric; ``()`` keeps the metric's defaults (the shrink target).
_STARTS: Mapping[Metric, tuple[tuple[str, ...], ...]] = MappingProxyType(
    {
        Metric.FIRST_RESPONSE: ((), ("assignment",), ("status:open",), ("created", "reopen")),
        Metric.RESOLUTION: ((), ("assignment:tier1",), ("status:open",), ("created", "reopen")),
        Metric.NEXT_REPLY: ((), ("customer_reply", "reopen"), ("customer_reply", "status:pending")),
        Metric.PERIODIC_UPDATE: (
            (),
            ("created", "update"),
            ("created", "agent_reply:public", "update", "reopen"),
        ),
    }
)
_STOPS: Mapping[Metric, tuple[tuple[str, ...], ...]] = MappingProxyType(
    {
        Metric.FIRST_RESPONSE: ((), ("agent_reply:public",), ("agent_reply", "update")),
        Metric.RESOLUTION: ((), ("status:solved",), ("update",)),
        Metric.NEXT_REPLY: ((), ("agent_reply:public",), ("agent_reply", "update")),
        Metric.PERIODIC_UPDATE: ((), ("update",), ("agent_reply:public", "update")),
    }
)
_STEPS = (
    timedelta(microseconds=1),
    timedelta(seconds=1),
    timedelta(minutes=1),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(days=1),
)
#: Event kinds of :func:`histories`, weighted by repetition (a cancel is rare).
_EVENT_KINDS = (
    ("status",) * 8
    + ("agent_reply",) * 4
    + ("customer_reply",) * 4
    + ("update",) * 2
    + ("assignment",) * 3
    + ("severity",) * 2
)

#: :func:`calendars` under another name, for functions with a ``calendars`` option.
_calendar_strategy = calendars


def _weekly_open(cal: Calendar) -> timedelta:
    """Open time of one week of the (first) weekly hours, holidays and overrides aside."""
    leaf = _leaves(cal)[0]
    return sum(
        (timedelta(microseconds=s.end_us - s.start_us) for day in leaf.hours.days for s in day),
        timedelta(0),
    )


@st.composite
def _goals(draw: st.DrawFn, *, cal: Calendar, max_goal: timedelta) -> Goal:
    kind = draw(st.sampled_from(("business", "business", "calendar", "days")))
    if kind == "days":
        return BusinessDays(draw(st.integers(1, 3)))
    if kind == "calendar":
        return CalendarTime(draw(durations(min_value=_US, max_value=2 * max_goal)))
    # Small against the calendar's open time, so that dues fall near the history.
    cap = max(min(max_goal, _weekly_open(cal) / 2), _US)
    return BusinessTime(draw(durations(min_value=_US, max_value=cap)))


def _warning_rules() -> st.SearchStrategy[list[WarningRule]]:
    rule: st.SearchStrategy[WarningRule] = st.one_of(
        st.sampled_from(_FRACTIONS).map(FractionWarning),
        st.sampled_from(_OFFSETS).map(BeforeDueWarning),
    )
    return st.lists(rule, max_size=3, unique=True)


@st.composite
def _overlay(draw: st.DrawFn, *, hold_stops: bool) -> dict[str, ClockState]:
    """A target's own status mapping: running and paused swapped, maybe "hold" stopping."""
    out: dict[str, ClockState] = {}
    for name in ("open", "pending", "hold"):
        if draw(st.integers(0, 3)) == 3:
            out[name] = draw(st.sampled_from((ClockState.RUNNING, ClockState.PAUSED)))
    if hold_stops:
        out["hold"] = ClockState.STOPPED
    return out


@st.composite
def _shapes(draw: st.DrawFn, *, metric: Metric) -> dict[str, Any]:
    """What decides a target's cycles: start and stop events, reopen mode, stopped statuses."""
    return {
        "start_on": draw(st.sampled_from(((),) * 2 + _STARTS[metric][1:])),
        "stop_on": draw(st.sampled_from(((),) * 2 + _STOPS[metric][1:])),
        "reopen": draw(st.sampled_from((Reopen.CONTINUE, Reopen.NEW_CYCLE))),
        "hold_stops": draw(st.integers(0, 5)) == 5,
    }


@st.composite
def _target_calendar(
    draw: st.DrawFn, *, pool: Sequence[Calendar]
) -> tuple[Calendar | CalendarChoice, Calendar]:
    """A calendar of the pool, or a choice by region; also the calendar goals are sized on."""
    first = draw(st.sampled_from(pool))
    if draw(st.integers(0, 4)) == 4:
        uk, default = draw(st.sampled_from(pool)), draw(st.sampled_from(pool))
        return CalendarChoice("region", {"us": first, "uk": uk}, default=default), first
    return first, first


@st.composite
def _policies(
    draw: st.DrawFn,
    *,
    calendars: st.SearchStrategy[Calendar],
    severities: tuple[str, ...],
    metrics: tuple[Metric, ...],
    max_goal: timedelta,
    max_calendars: int,
    internal: bool,
    uniform_cycles: bool,
) -> Policy:
    pool = draw(st.lists(calendars, min_size=1, max_size=max_calendars))
    statuses = dict(TICKET_STATUSES)
    statuses["hold"] = draw(st.sampled_from((ClockState.PAUSED, ClockState.RUNNING)))
    initial: str | None = draw(st.sampled_from((None, None, "open")))
    targets = []
    for metric in metrics:
        shape = draw(_shapes(metric=metric))
        for severity in severities:
            if draw(st.integers(0, 3)) == 3:
                continue
            if not uniform_cycles:
                # start and stop events are the metric's (Policy requires it); the
                # reopen mode and the stopped statuses may differ by severity
                drawn = draw(_shapes(metric=metric))
                shape = {**shape, "reopen": drawn["reopen"], "hold_stops": drawn["hold_stops"]}
            calendar, sized_on = draw(_target_calendar(pool=pool))
            goal = draw(_goals(cal=sized_on, max_goal=max_goal))
            targets.append(
                Target(
                    metric,
                    severity,
                    goal,
                    None if isinstance(goal, CalendarTime) else calendar,
                    statuses=draw(_overlay(hold_stops=shape["hold_stops"])) or None,
                    start_on=shape["start_on"],
                    stop_on=shape["stop_on"],
                    warnings=draw(_warning_rules()),
                    reopen=shape["reopen"],
                    required=draw(st.sampled_from((None, "90%", "100%"))),
                )
            )
    if not targets:
        cal = pool[0]
        targets.append(
            Target(Metric.RESOLUTION, severities[0], draw(_goals(cal=cal, max_goal=max_goal)), cal)
        )
    internal_targets = []
    if internal:
        for team in TEAMS:
            options: tuple[str | None, ...] = (None, *severities)
            for only in options:
                chance = 1 if only is None else 7
                if draw(st.integers(0, chance)) != chance:
                    continue
                cal = draw(st.sampled_from(pool))
                goal = draw(_goals(cal=cal, max_goal=max_goal))
                internal_targets.append(
                    InternalTarget(
                        team,
                        goal,
                        None if isinstance(goal, CalendarTime) else cal,
                        severity=only,
                        statuses=draw(_overlay(hold_stops=False)) or None,
                        warnings=draw(_warning_rules()),
                    )
                )
    return Policy(
        "support",
        severities=severities,
        statuses=statuses,
        targets=targets,
        internal_targets=internal_targets,
        initial_status=initial,
    )


def policies(
    *,
    calendars: st.SearchStrategy[Calendar] | None = None,
    around: date | None = None,
    severities: Sequence[str] = ("P1", "P2", "P3"),
    metrics: Sequence[Metric | str] = tuple(Metric),
    max_goal: timedelta = timedelta(hours=16),
    max_calendars: int = 3,
    internal: bool = True,
    uniform_cycles: bool = True,
) -> st.SearchStrategy[Policy]:
    """Policies with random targets over the hard calendars.

    The statuses are :data:`TICKET_STATUSES` (``"hold"`` running or paused;
    the initial status ``"new"`` or ``"open"``). Each metric has a target for
    about three severities in four (so severity changes meet severities
    without one): a goal of business time (at most ``max_goal`` and at most
    half the calendar's weekly open time, so dues fall near the history),
    calendar time (at most ``2 * max_goal``) or 1-3 business days; up to
    three warnings (fractions such as 50%, 1/3 and 99.9%, offsets such as 1h
    or 1 microsecond before due); a status overlay (running and paused
    swapped, sometimes ``"hold"`` stopping the clock); sometimes custom start
    and stop events (``assignment``, ``status:open``, ``reopen``,
    ``agent_reply:public``, ...); a reopen mode; and one of 1 to
    ``max_calendars`` calendars drawn from ``calendars``, or now and then a
    :class:`~slaclock.policies.CalendarChoice` on the ``region`` attribute
    (always with a default). With ``internal``, teams of :data:`TEAMS` get
    internal targets, now and then one for a single severity.

    The targets of one metric share their start and stop events (a
    :class:`~slaclock.policies.Policy` requires it). With ``uniform_cycles``
    (the default) they also share their reopen mode and stopped statuses, so
    the replays of all severities have the same cycles; ``False`` draws those
    per target.

    Shrinks to a policy with one calendar (the shrink target of ``calendars``,
    by default ``Calendar.always_open("UTC")``) and targets of 15 minutes of
    business time for every metric and severity, with the metric's default
    events, reopen continue, no warnings and no internal targets.

    Parameters
    ----------
    calendars
        The calendars targets measure on (default :func:`calendars` with
        ``around``, sometimes 24/7).
    around
        The anchor date for the default calendars' holidays and overrides.
    severities
        The policy's severity labels, most severe first.
    metrics
        The metrics that get targets.
    """
    _check_positive("max_calendars", max_calendars)
    if max_goal <= timedelta(0):
        msg = f"max_goal: must be positive (got {max_goal!r})"
        raise ValueError(msg)
    labels = tuple(severities)
    if not labels or len(set(labels)) != len(labels):
        msg = f"severities: must be distinct labels, at least one (got {severities!r})"
        raise ValueError(msg)
    wanted = tuple(m if isinstance(m, Metric) else Metric(m) for m in metrics)
    if not wanted:
        msg = "metrics: must name at least one metric (got ())"
        raise ValueError(msg)
    cals = (
        _calendar_strategy(around=around, always_open=True, within_days=4)
        if calendars is None
        else calendars
    )
    return _policies(
        calendars=cals,
        severities=labels,
        metrics=wanted,
        max_goal=max_goal,
        max_calendars=max_calendars,
        internal=internal,
        uniform_cycles=uniform_cycles,
    )


def _policy_calendars(policy: Policy) -> list[Calendar]:
    """Every calendar a policy names (calendar-time targets have none)."""
    out: list[Calendar] = []
    targets: list[Target | InternalTarget] = [*policy.targets, *policy.internal_targets]
    for target in targets:
        cal = target.calendar
        if isinstance(cal, CalendarChoice):
            out.extend(c for _, c in cal.calendars)
            if cal.default is not None:
                out.append(cal.default)
        elif cal is not None:
            out.append(cal)
    return out


@st.composite
def _event(
    draw: st.DrawFn, *, at: datetime, kind: str, policy: Policy, teams: Sequence[str]
) -> Event:
    if kind == "status":
        return StatusChange(at, status=draw(st.sampled_from(list(policy.statuses))))
    if kind == "agent_reply":
        return AgentReply(at, public=draw(st.sampled_from((True, True, False))))
    if kind == "customer_reply":
        return CustomerReply(at)
    if kind == "update":
        return Update(at)
    if kind == "assignment":
        return Assignment(at, team=draw(st.sampled_from(teams)))
    if kind == "severity":
        return SeverityChange(at, severity=draw(st.sampled_from(policy.severities)))
    return Cancel(at, reason="merged")


@st.composite
def _histories(
    draw: st.DrawFn,
    *,
    policy: Policy,
    start: st.SearchStrategy[datetime] | None,
    max_events: int,
    within_days: int,
    teams: tuple[str, ...],
) -> list[Event]:
    pool = _policy_calendars(policy)
    cal = draw(st.sampled_from(pool)) if pool else None
    first = draw(instants(cal=cal, within_days=within_days) if start is None else start)
    first = first.astimezone(UTC)
    # Later instants: edges and transitions in the days after the creation, steps from
    # earlier instants, or exactly an earlier instant (same-instant events).
    later = instants(
        cal=cal, around=first.date() + timedelta(days=within_days), within_days=within_days
    )
    times = [first]
    for _ in range(draw(st.integers(0, max_events - 1))):
        how = draw(st.sampled_from(("same", "step", "edge", "edge")))
        if how == "same":
            times.append(draw(st.sampled_from(times)))
        elif how == "step":
            times.append(draw(st.sampled_from(times)) + draw(st.sampled_from(_STEPS)))
        else:
            times.append(max(first, draw(later).astimezone(UTC)))
    times.sort()
    kinds = st.sampled_from(_EVENT_KINDS)
    first_kind = draw(st.sampled_from(("status", "status", "customer_reply", "assignment")))
    events = [draw(_event(at=first, kind=first_kind, policy=policy, teams=teams))]
    for at in times[1:]:
        kind = "cancel" if draw(st.integers(0, 59)) == 59 else draw(kinds)
        events.append(draw(_event(at=at, kind=kind, policy=policy, teams=teams)))
    return events


def histories(
    policy: Policy,
    *,
    start: datetime | st.SearchStrategy[datetime] | None = None,
    max_events: int = 12,
    within_days: int = 4,
    teams: Sequence[str] = TEAMS,
) -> st.SearchStrategy[list[Event]]:
    """Ticket histories in the vocabulary of ``policy``, in time order.

    The first event (at ``start``, by default an :func:`instants` draw on one
    of the policy's calendars) is mostly a status change, sometimes a
    customer reply or an assignment. Up to ``max_events - 1`` more follow:
    status changes to any of the policy's statuses (so stops, reopens and
    same-instant ``[solved, open]`` pairs), public and private agent replies,
    customer replies (consecutive ones too), updates, assignments to
    ``teams``, severity changes to any of the policy's severities, and now
    and then a cancel (events after it stay in the history). Their instants
    are span edges and offset transitions in the ``2 * within_days + 1``
    days from the creation (:func:`instants`), steps of one microsecond to
    one day after an earlier instant, or exactly an earlier instant.

    Shrinks to a single status change at ``start``.
    """
    _check_positive("max_events", max_events)
    _check_positive("within_days", within_days)
    if not teams:
        msg = "teams: must name at least one team (got ())"
        raise ValueError(msg)
    if isinstance(start, datetime):
        if start.tzinfo is None:
            msg = f"start: must be an aware datetime (got {start!r})"
            raise ValueError(msg)
        start = st.just(start)
    return _histories(
        policy=policy,
        start=start,
        max_events=max_events,
        within_days=within_days,
        teams=tuple(teams),
    )


@st.composite
def _tickets(draw: st.DrawFn, *, policy: Policy, events: st.SearchStrategy[list[Event]]) -> Ticket:
    ids: tuple[str | int, ...] = ("T-1", 4711, "INC-0042")
    ident = draw(st.sampled_from(ids))
    severity = draw(st.sampled_from(policy.severities))
    attributes = {"region": draw(st.sampled_from(REGIONS)), "tier": "gold"}
    return Ticket(ident, severity, draw(events), attributes=attributes)


def tickets(
    policy: Policy,
    *,
    start: datetime | st.SearchStrategy[datetime] | None = None,
    max_events: int = 12,
    within_days: int = 4,
) -> st.SearchStrategy[Ticket]:
    """Tickets of ``policy``: a severity of the policy, a ``region`` of :data:`REGIONS`
    and a history from :func:`histories`.

    Shrinks to ``Ticket("T-1", <first severity>, [StatusChange(start, ...)],
    attributes={"region": "us", "tier": "gold"})``.
    """
    events = histories(policy, start=start, max_events=max_events, within_days=within_days)
    return _tickets(policy=policy, events=events)


@st.composite
def _ticket_cases(
    draw: st.DrawFn,
    *,
    severities: tuple[str, ...],
    max_events: int,
    within_days: int,
    internal: bool,
    uniform_cycles: bool,
) -> tuple[Ticket, Policy, datetime]:
    zone = draw(zones())
    anchor = draw(anchor_dates(zone=zone, transition_share=75))
    cals = _calendar_strategy(
        zone=st.one_of(st.just(zone), zones()),
        around=anchor,
        always_open=True,
        within_days=within_days,
    )
    policy = draw(
        policies(
            calendars=cals,
            severities=severities,
            internal=internal,
            uniform_cycles=uniform_cycles,
        )
    )
    pool = _policy_calendars(policy)
    cal = draw(st.sampled_from(pool)) if pool else None
    start = instants(cal=cal, zone=zone, around=anchor, within_days=within_days)
    ticket = draw(tickets(policy, start=start, max_events=max_events, within_days=within_days))
    last = ticket.history[-1].at
    how = draw(st.sampled_from(("last", "step", "edge")))
    if how == "last":
        return ticket, policy, last
    if how == "step":
        return ticket, policy, last + draw(durations(max_value=timedelta(days=3)))
    edge = draw(instants(cal=cal, zone=zone, around=last.date(), within_days=2))
    return ticket, policy, max(last, edge.astimezone(UTC))


def ticket_cases(
    *,
    severities: Sequence[str] = ("P1", "P2", "P3"),
    max_events: int = 12,
    within_days: int = 3,
    internal: bool = True,
    uniform_cycles: bool = True,
) -> st.SearchStrategy[tuple[Ticket, Policy, datetime]]:
    """``(ticket, policy, now)`` built around one anchor date, ``now`` at or after the last event.

    A zone and an anchor date (often one of its DST transitions) come first;
    the policy's calendars (:func:`policies`) put their holidays and
    overrides within ``within_days`` of it, and the ticket (:func:`tickets`)
    starts near it. ``now`` is the last event's instant (a third of the
    time), a step after it, or a span edge or transition after it.

    Shrinks to a ticket of one status change (to ``"new"``) under a policy on
    ``Calendar.always_open("UTC")``, evaluated at that event.
    """
    _check_positive("max_events", max_events)
    _check_positive("within_days", within_days)
    return _ticket_cases(
        severities=tuple(severities),
        max_events=max_events,
        within_days=within_days,
        internal=internal,
        uniform_cycles=uniform_cycles,
    )


# ---------------------------------------------------------------------------
# What the ``hypothesis`` entry point registers (see _hypothesis_setup_hook)

#: The concrete event types, the shrink target (a status change) first.
_EVENT_TYPES: tuple[type[Event], ...] = (
    StatusChange,
    AgentReply,
    CustomerReply,
    Update,
    Assignment,
    SeverityChange,
    Cancel,
)


def _event_strategy(kind: type[Event]) -> st.SearchStrategy[Event]:
    """One event of type ``kind`` at an :func:`instants` draw, labelled as :func:`policies` labels.

    Shrinks to ``kind`` at midnight UTC of the first transition date of 2011
    minus 10 days (``status="new"``, ``team="tier1"``, ``severity="P1"``).
    """
    at = instants()
    if kind is StatusChange:
        return st.builds(StatusChange, at, status=st.sampled_from([n for n, _ in TICKET_STATUSES]))
    if kind is AgentReply:
        return st.builds(AgentReply, at, public=st.sampled_from((True, False)))
    if kind is Assignment:
        return st.builds(Assignment, at, team=st.sampled_from(TEAMS))
    if kind is SeverityChange:
        return st.builds(SeverityChange, at, severity=st.sampled_from(("P1", "P2", "P3")))
    if kind is Cancel:
        return st.builds(Cancel, at, reason=st.sampled_from(("", "merged", "spam")))
    return st.builds(kind, at)


def _events() -> st.SearchStrategy[Event]:
    """An event of any concrete type. Shrinks to the shrink target of a status change."""
    return st.one_of([_event_strategy(kind) for kind in _EVENT_TYPES])


@st.composite
def _policy_books(draw: st.DrawFn) -> PolicyBook:
    """A book of one policy, or of two versions (the second with a ``valid_from``).

    Shrinks to a book of the shrink target of :func:`policies` alone.
    """
    first = draw(policies())
    if not draw(st.booleans()):
        return PolicyBook([first])
    later = attrs.evolve(draw(policies()), valid_from=draw(instants()))
    return PolicyBook([first, later])
