"""Vectorised twins of the :class:`~slaclock._timeline.Timeline` kernels.

A :class:`Window` is a zero-copy, read-only numpy view of one compiled
timeline (``starts``, ``ends``, ``cum`` are ``np.frombuffer`` views of the
timeline's ``array('q')`` buffers) plus three small padded copies that let
every kernel run without a branch per row. Each kernel is one
``np.searchsorted`` and one or two ``take``: int64 throughout, never a float.

Every argument must lie inside the window ``[w.lo, w.hi]`` (as for the scalar
kernels). Where the scalar kernel returns None, the vectorised one returns a
sentinel: :data:`PAST` when the answer lies past the window's end,
:data:`BEFORE` when it lies before the window's start.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from slaclock._instants import MIN_US, YEAR_US
from slaclock._timeline import Timeline

__all__ = [
    "BEFORE",
    "CLUSTER_GAP",
    "I64",
    "PAST",
    "Window",
    "busy_before",
    "clusters",
    "elapsed_in",
    "first_reaching",
    "is_open_in",
    "last_at_most",
    "next_close_in",
    "next_open_in",
    "window",
    "window_of",
]

I64 = npt.NDArray[np.int64]

#: Sentinel: the answer lies past the window's end (the scalar kernels' None).
PAST: Final = int(np.iinfo(np.int64).max)
#: Sentinel: the answer lies before the window's start (``last_at_most``).
BEFORE: Final = int(np.iinfo(np.int64).min)


def _view(buf: object) -> I64:
    a: I64 = np.frombuffer(buf, dtype=np.int64)  # type: ignore[call-overload]
    a.flags.writeable = False  # the timeline is shared between threads and calls
    return a


class Window:
    """numpy views of one compiled window ``[lo, hi)`` of a calendar.

    Attributes
    ----------
    lo, hi
        The window's bounds in UTC microseconds.
    starts, ends
        The open intervals ``[starts[i], ends[i])``, sorted and disjoint
        (read-only views of the timeline's buffers, no copy).
    cum
        ``cum[i]`` = business microseconds before interval ``i``; ``n + 1``
        entries, ``cum[n]`` is the window's total.
    """

    __slots__ = (
        "_base0",
        "_base1",
        "_cum1",
        "_ends1",
        "_starts1",
        "cum",
        "ends",
        "hi",
        "lo",
        "starts",
        "total",
    )

    lo: int
    hi: int
    starts: I64
    ends: I64
    cum: I64
    total: int

    def __init__(self, timeline: Timeline) -> None:
        self.lo = timeline.lo
        self.hi = timeline.hi
        self.starts = _view(timeline.starts)
        self.ends = _view(timeline.ends)
        self.cum = _view(timeline.cum)
        n = len(self.starts)
        self.total = int(self.cum[n])
        # Padded copies (n + 1 entries each) index by k = searchsorted(starts, t, "right"),
        # the count of intervals starting at or before t (interval k - 1 holds t, if any):
        #   _ends1[k]   = ends[k - 1], or lo for k == 0 (no interval: closed, and
        #                 ends1 - t never overflows)
        #   _starts1[k] = starts[k], or PAST for k == n (no later interval in the window)
        ends1 = np.empty(n + 1, np.int64)
        ends1[0] = self.lo
        ends1[1:] = self.ends
        starts1 = np.empty(n + 1, np.int64)
        starts1[:n] = self.starts
        starts1[n] = PAST
        # inside interval i, B(t) = t - starts[i] + cum[i]: t = B + base[i], base = starts - cum
        base = self.starts - self.cum[:n]
        base1 = np.zeros(n + 1, np.int64)  # _base1[i] = base[i], 0 at n (masked by callers)
        base1[:n] = base
        base0 = np.zeros(n + 1, np.int64)  # _base0[k] = base[k - 1], 0 at k == 0 (masked)
        base0[1:] = base
        for a in (ends1, starts1, base1, base0):
            a.flags.writeable = False
        self._ends1 = ends1
        self._starts1 = starts1
        self._base1 = base1
        self._base0 = base0
        self._cum1 = self.cum[1:]

    def __setattr__(self, name: str, value: object) -> None:
        if hasattr(self, name):
            raise AttributeError(f"Window is immutable ({name!r})")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"Window(lo={self.lo}, hi={self.hi}, intervals={len(self.starts)})"


def window_of(timeline: Timeline) -> Window:
    """The numpy :class:`Window` of a compiled timeline."""
    return Window(timeline)


def window(cal: object, lo: int, hi: int) -> Window:
    """The window of ``cal``'s compiled timeline that holds ``[lo, hi]`` (compiled if missing).

    Parameters
    ----------
    cal
        A :class:`~slaclock.calendars.Calendar`.
    lo, hi
        UTC microseconds, ``lo <= hi``; the window is at least this wide
        (``TimelineCache.covering`` rounds it out to whole years).
    """
    return Window(cal._cache.covering(lo, hi))  # type: ignore[attr-defined]


def busy_before(w: Window, t: I64) -> I64:
    """``B(t)``: business microseconds in ``[w.lo, t)`` for every ``t`` (twin of ``Timeline.busy_before``)."""
    k = np.searchsorted(w.starts, t, side="right")
    out: I64 = w.cum[k]
    # inside (or after) interval k-1: B = cum[k] - (ends[k-1] - t) while t < ends[k-1]
    late = w._ends1[k]
    np.subtract(late, t, out=late)
    np.maximum(late, 0, out=late)
    np.subtract(out, late, out=out)
    return out


def elapsed_in(w: Window, a: I64, b: I64) -> I64:
    """``B(b) - B(a)``: business microseconds in ``[a, b)`` (twin of ``Timeline.elapsed``)."""
    out = busy_before(w, b)
    out -= busy_before(w, a)
    return out


def is_open_in(w: Window, t: I64) -> npt.NDArray[np.bool_]:
    """True where ``t`` lies in an open interval (twin of ``Timeline.is_open``)."""
    k = np.searchsorted(w.starts, t, side="right")
    out: npt.NDArray[np.bool_] = t < w._ends1[k]
    return out


def first_reaching(w: Window, target: I64) -> I64:
    """The first ``t`` with ``B(t) >= target`` (``target > 0``), :data:`PAST` past the window.

    Twin of ``Timeline.first_reaching``: a target reached exactly at an
    interval's end answers that end (a due can be a closing instant).
    """
    k = np.searchsorted(w._cum1, target, side="left")
    out: I64 = w._base1[k]
    out += target
    if target.size and int(target.max()) > w.total:
        out[target > w.total] = PAST
    return out


def last_at_most(w: Window, target: I64) -> I64:
    """The last ``t`` with ``B(t) <= target``; :data:`BEFORE` for ``target < 0``, :data:`PAST` from the total on.

    Twin of ``Timeline.last_at_most`` (which returns None in both cases).
    """
    k = np.searchsorted(w.cum[:-1], target, side="right")
    out: I64 = w._base0[k]
    out += target
    if target.size:
        if int(target.min()) < 0:
            out[target < 0] = BEFORE
        if int(target.max()) >= w.total:
            out[target >= w.total] = PAST
    return out


def next_open_in(w: Window, t: I64) -> I64:
    """The first open instant ``>= t`` (``t`` itself if open), :data:`PAST` if not in the window.

    Twin of ``Timeline.next_open``.
    """
    k = np.searchsorted(w.starts, t, side="right")
    out: I64 = w._starts1[k]
    np.copyto(out, t, where=t < w._ends1[k])
    return out


def next_close_in(w: Window, t: I64) -> I64:
    """The first closed instant ``>= t`` (``t`` itself if closed), :data:`PAST` if the stretch runs past the window.

    Twin of ``Timeline.next_close``.
    """
    k = np.searchsorted(w.starts, t, side="right")
    out: I64 = w._ends1[k]
    np.maximum(out, t, out=out)
    # the stretch holding t ends at the window's end: the true close may lie beyond it
    hit = out == w.hi
    if hit.any():
        hit &= t < w.hi
        out[hit] = PAST
    return out


#: Instants further apart than this go to separate windows (see :func:`clusters`).
CLUSTER_GAP: Final = 4 * YEAR_US

Rows = npt.NDArray[np.intp]


def clusters(a: I64, b: I64 | None = None) -> list[tuple[int, int, Rows | None]]:
    """Group the spans ``[a[i], b[i]]`` (or the instants ``a``) into clusters, one window each.

    Returns ``[(lo, hi, rows), ...]``: ``rows`` are the indices of the rows
    of the cluster (None for all rows), ``[lo, hi]`` holds their spans. Spans
    more than :data:`CLUSTER_GAP` apart (counted in whole years) fall in
    different clusters, so instants in year 1 and year 9999 in one column
    never compile the years between them. ``a`` must not be empty.
    """
    hi_vals = a if b is None else b
    lo, hi = int(a.min()), int(hi_vals.max())
    if hi - lo <= CLUSTER_GAP:  # the common case: two reductions, no sort
        return [(lo, hi, None)]
    ya = (a - MIN_US) // YEAR_US
    yb = ya if b is None else (b - MIN_US) // YEAR_US
    y0 = int(ya.min())
    ya -= y0
    if b is not None:
        yb -= y0
    m = int(yb.max()) + 2
    # years covered by some span: +1 at each span's first year, -1 after its last
    cover = np.cumsum(np.bincount(ya, minlength=m) - np.bincount(yb + 1, minlength=m))
    years = np.flatnonzero(cover[: m - 1] > 0)
    cuts = np.flatnonzero(np.diff(years) > CLUSTER_GAP // YEAR_US)
    if not cuts.size:
        return [(lo, hi, None)]
    first_years = years[np.concatenate(([0], cuts + 1))]
    cid = np.searchsorted(first_years, ya, side="right") - 1
    order = np.argsort(cid, kind="stable")
    bounds = np.searchsorted(cid[order], np.arange(len(first_years) + 1))
    out: list[tuple[int, int, Rows | None]] = []
    for c in range(len(first_years)):
        rows = order[bounds[c] : bounds[c + 1]]
        out.append((int(a[rows].min()), int(hi_vals[rows].max()), rows))
    return out
