"""The numpy kernels against their ``Timeline`` twins, and the window clusters.

Each vectorised kernel of ``slaclock.batch._kernels`` must give, row by row,
what the scalar ``Timeline`` kernel of the same name gives (with a sentinel
where the scalar one gives None), on calendars from the shipped strategies.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

np = pytest.importorskip("numpy")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from slaclock._instants import MAX_US, MIN_US, YEAR_US  # noqa: E402
from slaclock._timeline import Timeline  # noqa: E402
from slaclock.batch import _kernels as K  # noqa: E402
from slaclock.calendars import Calendar  # noqa: E402
from slaclock.testing import strategies as sst  # noqa: E402

DAY_US = 86_400_000_000


def _us(t: datetime) -> int:
    return (t - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


@st.composite
def windows(draw: st.DrawFn) -> tuple[Timeline, K.Window]:
    zone = draw(sst.zones())
    anchor = draw(sst.anchor_dates(zone=zone))
    if draw(st.booleans()):
        cal: Calendar = draw(sst.calendars(zone=zone, around=anchor, always_open=True))
    else:
        cal = draw(sst.combined_calendars(zone=zone, around=anchor))
    mid = _us(datetime.combine(anchor, datetime.min.time(), UTC))
    lo = mid - draw(st.integers(0, 40)) * DAY_US
    hi = mid + draw(st.integers(0, 40)) * DAY_US
    tl = cal._cache.covering(lo, hi)
    return tl, K.window(cal, lo, hi)


def _probes(data: st.DataObject, tl: Timeline) -> list[int]:
    """Instants of the window, biased to interval edges (and one microsecond either side)."""
    edges = [tl.lo, tl.hi, *tl.starts, *tl.ends]
    near = st.sampled_from(edges).flatmap(lambda e: st.sampled_from((e - 1, e, e + 1)))
    anywhere = st.integers(tl.lo, tl.hi)
    values = data.draw(st.lists(st.one_of(near, anywhere), min_size=1, max_size=30))
    return [min(max(v, tl.lo), tl.hi) for v in values]


def _targets(data: st.DataObject, tl: Timeline) -> list[int]:
    total = tl.cum[-1]
    near = st.sampled_from(list(tl.cum)).flatmap(lambda c: st.sampled_from((c - 1, c, c + 1)))
    return data.draw(st.lists(st.one_of(near, st.integers(-2, total + 2)), min_size=1, max_size=30))


#: The kernels are thin and the array operations test them end to end (at the
#: profile's full count): a hundred windows are enough here.
FEWER = settings(max_examples=min(settings().max_examples, 100))


def _none(v: int) -> int | None:
    return None if v in (K.PAST, K.BEFORE) else v


class TestKernelsAreTheTimelineKernels:
    @FEWER
    @given(windows(), st.data())
    def test_busy_before_is_open_next_open_next_close(
        self, w: tuple[Timeline, K.Window], data: st.DataObject
    ) -> None:
        tl, win = w
        t = _probes(data, tl)
        arr = np.array(t, dtype=np.int64)
        assert K.busy_before(win, arr).tolist() == [tl.busy_before(x) for x in t]
        assert K.is_open_in(win, arr).tolist() == [tl.is_open(x) for x in t]
        assert [_none(v) for v in K.next_open_in(win, arr).tolist()] == [tl.next_open(x) for x in t]
        assert [_none(v) for v in K.next_close_in(win, arr).tolist()] == [
            tl.next_close(x) for x in t
        ]

    @FEWER
    @given(windows(), st.data())
    def test_elapsed_first_reaching_and_last_at_most(
        self, w: tuple[Timeline, K.Window], data: st.DataObject
    ) -> None:
        tl, win = w
        a = _probes(data, tl)
        b = _probes(data, tl)
        pairs = [(min(x, y), max(x, y)) for x, y in zip(a, b, strict=False)]
        aa = np.array([p[0] for p in pairs], dtype=np.int64)
        bb = np.array([p[1] for p in pairs], dtype=np.int64)
        assert K.elapsed_in(win, aa, bb).tolist() == [tl.elapsed(x, y) for x, y in pairs]
        targets = _targets(data, tl)
        positive = [x for x in targets if x > 0]
        if positive:
            got = K.first_reaching(win, np.array(positive, dtype=np.int64)).tolist()
            assert [_none(v) for v in got] == [tl.first_reaching(x) for x in positive]
        got = K.last_at_most(win, np.array(targets, dtype=np.int64)).tolist()
        assert [_none(v) for v in got] == [tl.last_at_most(x) for x in targets]

    def test_sentinels_say_which_side(self) -> None:
        cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
        lo = _us(datetime(2024, 1, 8, tzinfo=UTC))
        win = K.window(cal, lo, lo + DAY_US)
        total = win.total
        assert K.first_reaching(win, np.array([total + 1], np.int64)).tolist() == [K.PAST]
        assert K.last_at_most(win, np.array([-1], np.int64)).tolist() == [K.BEFORE]
        assert K.last_at_most(win, np.array([total], np.int64)).tolist() == [K.PAST]

    def test_window_views_the_timeline_buffers_without_copying(self) -> None:
        cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
        lo = _us(datetime(2024, 1, 8, tzinfo=UTC))
        tl = cal._cache.covering(lo, lo + DAY_US)
        win = K.window_of(tl)
        assert np.shares_memory(win.starts, np.frombuffer(tl.starts, dtype=np.int64))
        assert not win.starts.flags.writeable
        assert len(win.cum) == len(win.starts) + 1
        with pytest.raises(AttributeError):
            win.lo = 0

    def test_an_empty_window_is_never_open(self) -> None:
        cal = Calendar.weekly("UTC", "Mon 09:00-17:00", overrides={date(2024, 1, 8): []})
        lo = _us(datetime(2024, 1, 8, tzinfo=UTC))
        tl = cal._cache.covering(lo, lo + DAY_US)
        win = K.window_of(Timeline(tl.lo, tl.hi, []))
        t = np.array([lo, lo + DAY_US // 2], np.int64)
        assert K.is_open_in(win, t).tolist() == [False, False]
        assert K.busy_before(win, t).tolist() == [0, 0]
        assert K.next_open_in(win, t).tolist() == [K.PAST, K.PAST]
        assert K.next_close_in(win, t).tolist() == t.tolist()
        assert K.first_reaching(win, np.array([1], np.int64)).tolist() == [K.PAST]


class TestClusters:
    def test_close_instants_are_one_cluster_without_a_sort(self) -> None:
        a = np.array([0, 3 * YEAR_US, YEAR_US], np.int64)
        assert K.clusters(a) == [(0, 3 * YEAR_US, None)]

    def test_far_instants_get_a_window_each(self) -> None:
        a = np.array([MAX_US - 1, MIN_US, 0, 10], np.int64)
        got = K.clusters(a)
        assert [(lo, hi, rows.tolist() if rows is not None else None) for lo, hi, rows in got] == [
            (MIN_US, MIN_US, [1]),
            (0, 10, [2, 3]),
            (MAX_US - 1, MAX_US - 1, [0]),
        ]

    def test_a_span_joins_the_clusters_it_covers(self) -> None:
        a = np.array([0, 100 * YEAR_US, 50 * YEAR_US], np.int64)
        b = np.array([0, 100 * YEAR_US, 101 * YEAR_US], np.int64)
        got = K.clusters(a, b)
        assert [(lo, hi) for lo, hi, _ in got] == [(0, 0), (50 * YEAR_US, 101 * YEAR_US)]
        assert got[1][2] is not None
        assert sorted(got[1][2].tolist()) == [1, 2]
