"""The fast clock against the slow reference, and the laws of SEMANTICS.md.

Every clock operation is compared with ``slaclock.testing.reference`` on
calendars, instants, durations and pauses from ``slaclock.testing.strategies``,
built around one anchor date (often a DST transition date) so that holidays,
overrides, span edges and instants meet. The laws are then checked on the fast
path alone, so a bug that the reference happens to share still has to break
an equation.

The reference gives up after ``reference.MAX_SCAN`` (about three years); when
it does, the fast path must raise ``NoOpenTimeError`` or answer beyond that.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from slaclock.calendars import Calendar, WeeklyCalendar
from slaclock.errors import NoOpenTimeError, OverlappingPausesError
from slaclock.testing import reference
from slaclock.testing import strategies as sst

US = timedelta(microseconds=1)
#: Instants, holidays and overrides lie within this many days of the anchor
#: date: short ranges keep the reference fast and make them meet.
WITHIN_DAYS = 4
Pause = tuple[datetime, datetime]


@st.composite
def scenarios(draw: st.DrawFn, *, combined: bool | None = None) -> tuple[Calendar, date]:
    """A calendar (weekly or combined) and the anchor date it was built around."""
    zone = draw(sst.zones())
    anchor = draw(sst.anchor_dates(zone=zone, transition_share=75))
    if combined is None:
        combined = draw(st.integers(0, 3)) == 0
    if combined:
        combo = sst.combined_calendars(zone=zone, around=anchor, depth=2, within_days=WITHIN_DAYS)
        return draw(combo), anchor
    cal = sst.calendars(zone=zone, around=anchor, always_open=True, within_days=WITHIN_DAYS)
    return draw(cal), anchor


def weekly_scenarios() -> st.SearchStrategy[tuple[Calendar, date]]:
    return scenarios(combined=False)


def draw_instants(data: st.DataObject, cal: Calendar, anchor: date, n: int) -> list[datetime]:
    """``n`` instants near ``anchor``, sorted by the instant they denote.

    They keep the zone they were drawn in (UTC, the calendar's zone with its
    ``fold``, or a fixed offset) so the clock is tested on all of them; the
    tests do their own arithmetic on :func:`utc` copies, because Python
    compares and subtracts two datetimes of one ``ZoneInfo`` by wall time and
    an instant with ``fold=1`` never equals one in another zone.
    """
    near = sst.instants(cal=cal, around=anchor, within_days=WITHIN_DAYS)
    out = [data.draw(near, label=f"t{i}") for i in range(n)]
    return sorted(out, key=utc)


def utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


def assert_search_matches(
    fast: Callable[[], datetime], slow: Callable[[], datetime], start: datetime, *, forward: bool
) -> datetime | None:
    """Compare a search; return the answer, or None when neither side found one."""
    try:
        expected = slow()
    except reference.ReferenceSearchError:
        try:
            got = fast()
        except NoOpenTimeError:
            return None
        # The reference covered at least MAX_SCAN from the start.
        if forward:
            assert got >= utc(start) + reference.MAX_SCAN, got
        else:
            assert got <= utc(start) - reference.MAX_SCAN, got
        return None
    got = fast()
    assert got == expected
    assert got.utcoffset() == timedelta(0)
    return got


def fast_due(
    cal: Calendar, a: datetime, d: timedelta, pauses: Sequence[Pause] = ()
) -> datetime | None:
    """The fast due, or None if the clock cannot reach it (laws skip those)."""
    try:
        return cal.due(a, d, pauses=pauses)
    except NoOpenTimeError:
        return None


# ---------------------------------------------------------------------------


class TestClockMatchesReference:
    @given(scenarios(), st.data())
    def test_is_open_agrees_with_the_reference(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        for t in draw_instants(data, cal, anchor, 3):
            assert cal.is_open(t) == reference.is_open(cal, t)

    @given(weekly_scenarios(), st.data())
    def test_spans_of_a_date_agree_with_the_reference(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        assert isinstance(cal, WeeklyCalendar)
        day = anchor + timedelta(days=data.draw(st.integers(-WITHIN_DAYS, WITHIN_DAYS)))
        got = tuple((s.start_us, s.end_us) for s in cal.spans_on(day))
        assert got == reference.spans_on(cal, day)

    @given(scenarios(), st.data())
    def test_elapsed_agrees_with_the_reference(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        a, b = draw_instants(data, cal, anchor, 2)
        assert cal.elapsed(a, b) == reference.elapsed(cal, a, b)

    @given(scenarios(), st.data())
    def test_elapsed_with_pauses_agrees_with_the_reference(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        a, b = draw_instants(data, cal, anchor, 2)
        pauses = data.draw(sst.pauses(start=a, length=max(utc(b) - utc(a), timedelta(hours=1))))
        assert cal.elapsed(a, b, pauses=pauses) == reference.elapsed(cal, a, b, pauses)

    @given(scenarios(), st.data(), sst.durations())
    def test_due_agrees_with_the_reference(
        self, case: tuple[Calendar, date], data: st.DataObject, d: timedelta
    ) -> None:
        cal, anchor = case
        (a,) = draw_instants(data, cal, anchor, 1)
        assert_search_matches(
            lambda: cal.due(a, d), lambda: reference.due(cal, a, d), a, forward=True
        )

    @given(scenarios(), st.data(), sst.durations())
    def test_due_with_pauses_agrees_with_the_reference(
        self, case: tuple[Calendar, date], data: st.DataObject, d: timedelta
    ) -> None:
        cal, anchor = case
        (a,) = draw_instants(data, cal, anchor, 1)
        pauses = data.draw(sst.pauses(start=a))
        assert_search_matches(
            lambda: cal.due(a, d, pauses=pauses),
            lambda: reference.due(cal, a, d, pauses),
            a,
            forward=True,
        )

    @given(scenarios(), st.data(), sst.durations())
    def test_subtract_agrees_with_the_reference(
        self, case: tuple[Calendar, date], data: st.DataObject, d: timedelta
    ) -> None:
        cal, anchor = case
        (b,) = draw_instants(data, cal, anchor, 1)
        assert_search_matches(
            lambda: cal.subtract(b, d), lambda: reference.subtract(cal, b, d), b, forward=False
        )

    @given(scenarios(), st.data())
    def test_next_open_agrees_with_the_reference(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        (t,) = draw_instants(data, cal, anchor, 1)
        assert_search_matches(
            lambda: cal.next_open(t), lambda: reference.next_open(cal, t), t, forward=True
        )

    @given(scenarios(), st.data())
    def test_next_close_agrees_with_the_reference(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        (t,) = draw_instants(data, cal, anchor, 1)
        assert_search_matches(
            lambda: cal.next_close(t), lambda: reference.next_close(cal, t), t, forward=True
        )

    @given(scenarios(), st.data())
    def test_open_intervals_agree_with_the_reference(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        a, b = draw_instants(data, cal, anchor, 2)
        assert cal.open_intervals(a, b) == reference.open_intervals(cal, a, b)

    @given(scenarios(), st.data(), st.integers(1, 8))
    def test_due_in_business_days_agrees_with_the_reference(
        self, case: tuple[Calendar, date], data: st.DataObject, n: int
    ) -> None:
        cal, anchor = case
        (a,) = draw_instants(data, cal, anchor, 1)
        assert_search_matches(
            lambda: cal.due_business_days(a, n),
            lambda: reference.due_business_days(cal, a, n),
            a,
            forward=True,
        )

    @given(scenarios(), st.data())
    def test_business_days_between_agrees_with_the_reference(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        a, b = draw_instants(data, cal, anchor, 2)
        assert cal.business_days_between(a, b) == reference.business_days_between(cal, a, b)

    @given(scenarios(), st.data(), st.integers(1, 60))
    def test_overlapping_pauses_are_rejected_like_the_reference(
        self, case: tuple[Calendar, date], data: st.DataObject, overlap_minutes: int
    ) -> None:
        cal, anchor = case
        a, b = draw_instants(data, cal, anchor, 2)
        p0 = utc(a) + timedelta(minutes=data.draw(st.integers(0, 120)))
        p1 = p0 + timedelta(hours=1)
        second = (p1 - timedelta(minutes=overlap_minutes), p1 + timedelta(hours=1))
        pauses = [(p0, p1), second]
        with pytest.raises(ValueError, match="overlapping"):
            reference.elapsed(cal, a, b, pauses)
        with pytest.raises(OverlappingPausesError):
            cal.elapsed(a, b, pauses=pauses)
        with pytest.raises(OverlappingPausesError):
            cal.due(a, timedelta(hours=1), pauses=pauses)

    @given(scenarios(), st.data())
    def test_is_business_day_agrees_with_the_reference(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        day = anchor + timedelta(days=data.draw(st.integers(-WITHIN_DAYS, WITHIN_DAYS)))
        assert cal.is_business_day(day) == reference.is_business_day(cal, day)


class TestElapsedLaws:
    @given(scenarios(), st.data())
    def test_elapsed_is_additive_over_adjacent_ranges(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        a, b, c = draw_instants(data, cal, anchor, 3)
        assert cal.elapsed(a, b) + cal.elapsed(b, c) == cal.elapsed(a, c)

    @given(scenarios(), st.data())
    def test_elapsed_is_between_zero_and_the_wall_time(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        a, b = draw_instants(data, cal, anchor, 2)
        assert timedelta(0) <= cal.elapsed(a, b) <= utc(b) - utc(a)
        assert cal.elapsed(a, a) == timedelta(0)

    @given(scenarios(), st.data())
    def test_open_intervals_are_disjoint_open_and_sum_to_elapsed(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        a, b = draw_instants(data, cal, anchor, 2)
        intervals = cal.open_intervals(a, b)
        assert sum((e - s for s, e in intervals), timedelta(0)) == cal.elapsed(a, b)
        for s, e in intervals:
            assert a <= s < e <= b
            assert cal.is_open(s)
            assert cal.is_open(e - US)
        for (_, e0), (s1, _) in itertools.pairwise(intervals):
            assert e0 < s1  # maximal: touching stretches would have been one

    @given(scenarios(), st.data())
    def test_pauses_never_add_business_time(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        a, b = draw_instants(data, cal, anchor, 2)
        pauses = data.draw(sst.pauses(start=a, length=max(utc(b) - utc(a), timedelta(hours=1))))
        paused = cal.elapsed(a, b, pauses=pauses)
        assert paused <= cal.elapsed(a, b)
        # and the difference is exactly the open time inside the pauses, clipped to [a, b)
        ua, ub = utc(a), utc(b)
        inside = sum(
            (
                cal.elapsed(max(ua, p0), min(ub, p1))
                for p0, p1 in pauses
                if max(ua, utc(p0)) < min(ub, utc(p1))
            ),
            timedelta(0),
        )
        assert cal.elapsed(a, b) - paused == inside


class TestDueLaws:
    @given(scenarios(), st.data())
    def test_due_of_zero_is_the_start(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        (a,) = draw_instants(data, cal, anchor, 1)
        assert cal.due(a, timedelta(0)) == utc(a)

    @given(scenarios(), st.data(), sst.durations())
    def test_elapsed_up_to_due_is_the_duration_and_no_earlier_instant_reaches_it(
        self, case: tuple[Calendar, date], data: st.DataObject, d: timedelta
    ) -> None:
        cal, anchor = case
        (a,) = draw_instants(data, cal, anchor, 1)
        t = fast_due(cal, a, d)
        assume(t is not None)
        assert t is not None
        assert t >= a
        assert cal.elapsed(a, t) == d
        if d > timedelta(0):
            assert cal.elapsed(a, t - US) < d

    @given(scenarios(), st.data(), sst.durations(), sst.durations())
    def test_due_is_monotone_in_the_duration(
        self, case: tuple[Calendar, date], data: st.DataObject, d1: timedelta, d2: timedelta
    ) -> None:
        cal, anchor = case
        (a,) = draw_instants(data, cal, anchor, 1)
        d1, d2 = sorted((d1, d2))
        t1, t2 = fast_due(cal, a, d1), fast_due(cal, a, d2)
        assume(t1 is not None and t2 is not None)
        assert t1 is not None
        assert t2 is not None
        assert t1 <= t2
        if d1 < d2:
            assert t1 < t2

    @given(scenarios(), st.data(), sst.durations())
    def test_due_is_monotone_in_the_start(
        self, case: tuple[Calendar, date], data: st.DataObject, d: timedelta
    ) -> None:
        cal, anchor = case
        a1, a2 = draw_instants(data, cal, anchor, 2)
        t1, t2 = fast_due(cal, a1, d), fast_due(cal, a2, d)
        assume(t1 is not None and t2 is not None)
        assert t1 is not None
        assert t2 is not None
        assert t1 <= t2

    @given(scenarios(), st.data(), sst.durations())
    def test_due_with_pauses_reaches_the_duration_counting_only_unpaused_time(
        self, case: tuple[Calendar, date], data: st.DataObject, d: timedelta
    ) -> None:
        cal, anchor = case
        (a,) = draw_instants(data, cal, anchor, 1)
        pauses = data.draw(sst.pauses(start=a))
        t = fast_due(cal, a, d, pauses)
        plain = fast_due(cal, a, d)
        assume(t is not None and plain is not None)
        assert t is not None
        assert plain is not None
        assert cal.elapsed(a, t, pauses=pauses) == d
        assert t >= plain


class TestSubtractLaws:
    @given(scenarios(), st.data())
    def test_subtracting_zero_gives_the_end(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        (b,) = draw_instants(data, cal, anchor, 1)
        assert cal.subtract(b, timedelta(0)) == utc(b)

    @given(scenarios(), st.data(), sst.durations())
    def test_subtract_is_the_latest_instant_with_that_much_business_time_before_the_end(
        self, case: tuple[Calendar, date], data: st.DataObject, d: timedelta
    ) -> None:
        cal, anchor = case
        (b,) = draw_instants(data, cal, anchor, 1)
        try:
            s = cal.subtract(b, d)
        except NoOpenTimeError:
            assume(False)
            raise
        assert s <= b
        assert cal.elapsed(s, b) == d
        if d > timedelta(0):
            assert cal.elapsed(s + US, b) < d

    @given(scenarios(), st.data(), sst.durations())
    def test_due_from_a_subtracted_start_is_not_after_the_end(
        self, case: tuple[Calendar, date], data: st.DataObject, d: timedelta
    ) -> None:
        cal, anchor = case
        (b,) = draw_instants(data, cal, anchor, 1)
        try:
            s = cal.subtract(b, d)
        except NoOpenTimeError:
            assume(False)
            raise
        t = cal.due(s, d)
        assert t <= b
        assert cal.elapsed(t, b) == timedelta(0)


class TestOpenAndCloseLaws:
    @given(scenarios(), st.data())
    def test_next_open_is_open_with_nothing_open_before_it(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        (t,) = draw_instants(data, cal, anchor, 1)
        try:
            o = cal.next_open(t)
        except NoOpenTimeError:
            assume(False)
            raise
        assert o >= t
        assert cal.is_open(o)
        assert cal.elapsed(t, o) == timedelta(0)
        assert (o == utc(t)) == cal.is_open(t)

    @given(scenarios(), st.data())
    def test_next_close_is_closed_with_everything_open_before_it(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        (t,) = draw_instants(data, cal, anchor, 1)
        try:
            c = cal.next_close(t)
        except NoOpenTimeError:
            assume(False)
            raise
        assert c >= t
        assert not cal.is_open(c)
        assert cal.elapsed(t, c) == c - utc(t)
        assert (c == utc(t)) == (not cal.is_open(t))


class TestBusinessDayLaws:
    @given(scenarios(), st.data(), st.integers(1, 8))
    def test_counting_business_days_up_to_the_due_gives_n(
        self, case: tuple[Calendar, date], data: st.DataObject, n: int
    ) -> None:
        cal, anchor = case
        (a,) = draw_instants(data, cal, anchor, 1)
        try:
            due = cal.due_business_days(a, n)
        except NoOpenTimeError:
            assume(False)
            raise
        assert due > a
        assert cal.business_days_between(a, due) == n
        assert cal.business_days_between(a, due - US) == n - 1

    @given(scenarios(), st.data(), st.integers(1, 7))
    def test_due_in_business_days_grows_with_n(
        self, case: tuple[Calendar, date], data: st.DataObject, n: int
    ) -> None:
        cal, anchor = case
        (a,) = draw_instants(data, cal, anchor, 1)
        try:
            first, second = cal.due_business_days(a, n), cal.due_business_days(a, n + 1)
        except NoOpenTimeError:
            assume(False)
            raise
        assert first < second

    @given(scenarios(), st.data())
    def test_business_days_between_grows_with_the_end(
        self, case: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = case
        a, b, c = draw_instants(data, cal, anchor, 3)
        assert 0 <= cal.business_days_between(a, b) <= cal.business_days_between(a, c)

    @given(scenarios(), st.data(), st.integers(1, 8))
    def test_the_due_in_business_days_closes_an_open_date(
        self, case: tuple[Calendar, date], data: st.DataObject, n: int
    ) -> None:
        cal, anchor = case
        (a,) = draw_instants(data, cal, anchor, 1)
        try:
            due = cal.due_business_days(a, n)
        except NoOpenTimeError:
            assume(False)
            raise
        # The instant just before the due is open: a close ends an open piece.
        assert cal.is_open(due - US)
