"""Compiled timelines: sorted open intervals in UTC microseconds plus prefix sums.

A calendar compiles, for a window of instants, into disjoint sorted open
intervals ``[starts[i], ends[i])`` and ``cum[i]`` = business microseconds
before interval ``i`` (``cum[n]`` is the window's total). The clock is then
the monotone function ``B(t)`` = business microseconds in ``[lo, t)``:
``elapsed(a, b) = B(b) - B(a)`` and ``due(a, d)`` = the first ``t`` with
``B(t) >= B(a) + d``. Every kernel is a binary search.

The window is a cache, not part of any value: :class:`TimelineCache` grows it
on demand (compiling only the missing parts) and swaps in a new immutable
:class:`Timeline`, under a lock, so it is safe to share between threads.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from typing import Final

from slaclock._instants import MAX_US, MIN_US, YEAR_US

Intervals = list[tuple[int, int]]
Compiler = Callable[[int, int], Intervals]

_MIN_CHUNK: Final = YEAR_US


def merge(intervals: Iterable[tuple[int, int]]) -> Intervals:
    """Sort intervals and merge those that overlap or touch; drop empty ones."""
    out: Intervals = []
    for s, e in sorted(intervals):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def intersect(a: Intervals, b: Intervals) -> Intervals:
    """Intersection of two sorted disjoint interval lists."""
    out: Intervals = []
    i = j = 0
    while i < len(a) and j < len(b):
        s = max(a[i][0], b[j][0])
        e = min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def union(a: Intervals, b: Intervals) -> Intervals:
    """Union of two sorted disjoint interval lists (touching intervals merge)."""
    return merge([*a, *b])


def clip(intervals: Intervals, lo: int, hi: int) -> Intervals:
    """Intervals cut to ``[lo, hi)``."""
    out: Intervals = []
    for s, e in intervals:
        s2, e2 = max(s, lo), min(e, hi)
        if s2 < e2:
            out.append((s2, e2))
    return out


class Timeline:
    """An immutable compiled window ``[lo, hi)`` of a calendar.

    ``starts``, ``ends`` and ``cum`` are ``array('q')`` buffers (the batch
    path views them with ``np.frombuffer``).
    """

    __slots__ = ("cum", "ends", "hi", "lo", "starts")

    def __init__(self, lo: int, hi: int, intervals: Intervals) -> None:
        self.lo = lo
        self.hi = hi
        self.starts = array("q", [s for s, _ in intervals])
        self.ends = array("q", [e for _, e in intervals])
        cum = array("q", [0])
        total = 0
        for s, e in intervals:
            total += e - s
            cum.append(total)
        self.cum = cum

    def intervals(self) -> Intervals:
        """The open intervals as a list of pairs."""
        return list(zip(self.starts, self.ends, strict=True))

    # ---- kernels (all arguments must lie inside [lo, hi]) -------------------------

    def busy_before(self, t: int) -> int:
        """``B(t)``: business microseconds in ``[lo, t)``."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return self.cum[i] + (t if t < end else end) - self.starts[i]

    def elapsed(self, a: int, b: int) -> int:
        """``B(b) - B(a)``: business microseconds in ``[a, b)`` (both in the window, ``a <= b``)."""
        starts, ends, cum = self.starts, self.ends, self.cum
        i = bisect_right(starts, b) - 1
        if i < 0:
            return 0
        end = ends[i]
        total = cum[i] + (b if b < end else end) - starts[i]
        i = bisect_right(starts, a, 0, i + 1) - 1
        if i < 0:
            return total
        end = ends[i]
        return total - cum[i] - (a if a < end else end) + starts[i]

    def is_open(self, t: int) -> bool:
        """True if ``t`` lies in an open interval."""
        i = bisect_right(self.starts, t) - 1
        return i >= 0 and t < self.ends[i]

    def first_reaching(self, target: int) -> int | None:
        """The first ``t`` with ``B(t) >= target`` (``0 < target``), or None past the window."""
        cum = self.cum
        if target > cum[-1]:
            return None
        i = bisect_left(cum, target, 1) - 1
        return self.starts[i] + (target - cum[i])

    def last_at_most(self, target: int) -> int | None:
        """The last ``t`` with ``B(t) <= target`` (``target < total``), or None before the window."""
        cum = self.cum
        n = len(self.starts)
        if target < 0 or target >= cum[n]:
            return None
        i = bisect_right(cum, target, 0, n) - 1
        return self.starts[i] + (target - cum[i])

    def next_open(self, t: int) -> int | None:
        """The first open instant ``>= t``, or None if not within the window."""
        i = bisect_right(self.starts, t) - 1
        if i >= 0 and t < self.ends[i]:
            return t
        return self.starts[i + 1] if i + 1 < len(self.starts) else None

    def next_close(self, t: int) -> int | None:
        """The first closed instant ``>= t``, or None if the stretch runs past the window."""
        i = bisect_right(self.starts, t) - 1
        if i < 0 or t >= self.ends[i]:
            return t
        end = self.ends[i]
        return None if end >= self.hi else end

    def between(self, a: int, b: int) -> Intervals:
        """Open intervals clipped to ``[a, b)``."""
        i = max(bisect_right(self.starts, a) - 1, 0)
        out: Intervals = []
        starts, ends = self.starts, self.ends
        n = len(starts)
        while i < n and starts[i] < b:
            s, e = max(starts[i], a), min(ends[i], b)
            if s < e:
                out.append((s, e))
            i += 1
        return out


def _align_down(t: int) -> int:
    return max(MIN_US, t - (t - MIN_US) % YEAR_US)


def _align_up(t: int) -> int:
    return min(MAX_US, t + (-(t - MIN_US)) % YEAR_US)


def _covers(tl: Timeline, lo: int, hi: int) -> bool:
    return tl.lo <= lo and (hi < tl.hi or tl.hi == MAX_US)


class TimelineCache:
    """The compiled windows of one calendar; thread-safe.

    ``covering(lo, hi)`` returns a :class:`Timeline` whose window holds
    ``[lo, hi]``, compiling only what is missing: a nearby window grows, a
    far-away request gets a window of its own (so a query in year 9999 does
    not compile the centuries in between). At most ``_MAX_WINDOWS`` windows
    are kept, most recently built first. Timelines are immutable, so readers
    need no lock; writers build a new tuple of windows and swap it in.
    """

    _MAX_WINDOWS: Final = 8

    def __init__(self, compiler: Compiler) -> None:
        self._compile = compiler
        self._lock = threading.Lock()
        #: The compiled windows, most recently built first; read without the lock.
        self._windows: tuple[Timeline, ...] = ()

    def covering(self, lo: int, hi: int) -> Timeline:
        """A timeline whose window ``[tl.lo, tl.hi)`` contains ``lo`` and ``hi``.

        ``hi`` itself is covered when ``hi < tl.hi`` or ``hi == MAX_US``.
        """
        for tl in self._windows:  # inlined _covers: this is every call's hot path
            if tl.lo <= lo and (hi < tl.hi or tl.hi == MAX_US):
                return tl
        with self._lock:
            windows = self._windows
            for tl in windows:
                if _covers(tl, lo, hi):
                    return tl
            new_lo = _align_down(max(MIN_US, lo))
            new_hi = _align_up(min(MAX_US, hi + 1))
            if new_hi <= hi and new_hi < MAX_US:
                new_hi = min(MAX_US, new_hi + YEAR_US)
            near = None
            for tl in windows:
                gap = max(tl.lo - hi, lo - tl.hi, 0)
                if gap <= max(2 * _MIN_CHUNK, tl.hi - tl.lo):
                    near = tl
                    break
            if near is None:
                new_hi = min(MAX_US, max(new_hi, new_lo + 2 * _MIN_CHUNK))
                tl = Timeline(new_lo, new_hi, merge(self._compile(new_lo, new_hi)))
            else:
                new_lo = min(new_lo, near.lo)
                new_hi = max(new_hi, near.hi)
                parts: Intervals = []
                if new_lo < near.lo:
                    parts.extend(self._compile(new_lo, near.lo))
                parts.extend(near.intervals())
                if new_hi > near.hi:
                    parts.extend(self._compile(near.hi, new_hi))
                tl = Timeline(new_lo, new_hi, merge(parts))
            kept = [w for w in windows if w is not near and not (tl.lo <= w.lo and w.hi <= tl.hi)]
            self._windows = (tl, *kept[: self._MAX_WINDOWS - 1])
            return tl
