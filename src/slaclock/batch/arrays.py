"""Array operations: the clock methods of a calendar over whole columns.

Each function here is the twin of the :class:`~slaclock.calendars.Calendar`
method of the same name, with the same parameters, taking columns instead of
single values: numpy ``datetime64`` / ``timedelta64`` or integer
microseconds, pandas ``Series`` / ``Index``, polars ``Series``, pyarrow
arrays, or lists. The result is a column of the same kind as the first column
argument, and every row equals what the scalar method answers for that row,
to the microsecond (SEMANTICS "Measuring and adding business time").

How: the calendar's compiled timeline is viewed as numpy arrays
(``slaclock.batch._kernels``) and every row is one ``np.searchsorted``.
Only the years the data needs are compiled: rows far apart in time (more
than four years) get windows of their own. A row whose answer lies past the
window is retried on a larger one; the rare row left over is handed to the
scalar method.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from slaclock._instants import DAY_US, MAX_US, MIN_US, YEAR_US, from_us, to_us, us_to_td
from slaclock.batch._columns import (
    NULL,
    Column,
    durations_to_us,
    instants_to_us,
    to_bools,
    us_to_durations,
    us_to_instants,
)
from slaclock.batch._kernels import (
    BEFORE,
    PAST,
    Window,
    busy_before,
    clusters,
    first_reaching,
    is_open_in,
    last_at_most,
    next_close_in,
    next_open_in,
)
from slaclock.calendars import Calendar
from slaclock.errors import (
    DurationError,
    InputError,
    IntervalOrderError,
    NoOpenTimeError,
    OverlappingPausesError,
)

__all__ = ["due", "elapsed", "is_open", "next_close", "next_open", "subtract"]

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Rows = npt.NDArray[np.intp]
Errors = Literal["raise", "null"]

# status of a row after a pass over one window
_OK: Final = 0
_GROW: Final = 1  # the answer lies past the window: retry on a larger one
_SCALAR: Final = 2  # left to the scalar method (rare shapes)
_NONE: Final = 3  # no answer within the horizon: NoOpenTimeError

#: Passes with ever larger windows before the rows still open go to the scalar method.
_MAX_PASSES: Final = 12


# ---- the public functions --------------------------------------------------------------------


def is_open(cal: Calendar, instants: Any, *, assume_tz: Any = None) -> Any:
    """True where the calendar is open at the instant.

    Twin of :meth:`Calendar.is_open <slaclock.calendars.Calendar.is_open>`.

    .. versionadded:: 0.1

    Parameters
    ----------
    cal
        The calendar.
    instants
        A column of instants (see :doc:`/guides/batch-arrays` for the kinds accepted).
    assume_tz
        The zone to read a naive pandas, polars or Arrow column in.

    Returns
    -------
    column of bool
        Of the input's kind: numpy ``bool`` (a NaT row is False: numpy has
        no boolean null), pandas ``bool`` (nullable ``"boolean"`` when there
        are nulls), polars and Arrow booleans with nulls, or a list with
        ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> from slaclock import Calendar
    >>> from slaclock import batch
    >>> cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
    >>> batch.is_open(cal, np.array(["2024-01-08T09:00", "2024-01-08T17:00"], "M8[us]"))
    array([ True, False])
    """
    _check_cal(cal)
    col = instants_to_us(instants, "instants", assume_tz=assume_tz)
    n = len(col)
    out = np.zeros(n, bool)
    rows = _valid_rows(col.null)
    if n and (rows is None or rows.size):
        u = col.us if rows is None else col.us[rows]
        for lo, hi, sub in clusters(u):
            w = Window(cal._cache.covering(lo, hi))
            part = u if sub is None else u[sub]
            got = is_open_in(w, part)
            out = _put(out, rows, sub, got)
    return to_bools(out, col.null, col)


def elapsed(
    cal: Calendar,
    starts: Any,
    ends: Any,
    *,
    pauses: Sequence[tuple[Any, Any]] = (),
    assume_tz: Any = None,
    errors: Errors = "raise",
) -> Any:
    """Business time in ``[starts[i], ends[i])`` outside the row's pauses.

    Twin of :meth:`Calendar.elapsed <slaclock.calendars.Calendar.elapsed>`.

    .. versionadded:: 0.1

    Parameters
    ----------
    cal
        The calendar.
    starts, ends
        Columns of instants (one may be a single datetime, broadcast).
    pauses
        A sequence of ``(pause_starts, pause_ends)`` column pairs aligned with
        the rows: pause ``k`` of row ``i`` is ``(pauses[k][0][i],
        pauses[k][1][i])``; a null pair is no pause. Touching pauses merge,
        overlapping ones are an error, as in the scalar method.
    assume_tz
        The zone to read naive pandas, polars or Arrow columns in.
    errors
        ``"raise"`` (default): a bad row raises, naming it (``ends[17]: ...``).
        ``"null"``: a bad row gives a null.

    Returns
    -------
    column of durations
        Of the kind of ``starts`` (pandas keeps its index and name), in
        microseconds; null where an input is null.

    Raises
    ------
    IntervalOrderError
        A row whose end is before its start (or a pause's end before its start).
    OverlappingPausesError
        Two pauses of a row overlap.

    Examples
    --------
    >>> import numpy as np
    >>> from slaclock import Calendar
    >>> from slaclock import batch
    >>> cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
    >>> batch.elapsed(cal, np.array(["2024-01-05T16:00"], "M8[us]"), np.array(["2024-01-08T10:00"], "M8[us]"))
    array([7200000000], dtype='timedelta64[us]')
    """
    _check_cal(cal)
    _check_errors(errors)
    s = instants_to_us(starts, "starts", assume_tz=assume_tz)
    e = instants_to_us(ends, "ends", assume_tz=assume_tz)
    cols, n = _aligned([s, e])
    s, e = cols
    ps = _pause_columns(pauses, n, assume_tz)
    like = _like(cols)
    null = _any_null(s, e, n=n)
    checks = _RowChecks(n, null)
    a_all, b_all = s.us, e.us
    checks.add(
        _lt(b_all, a_all),
        lambda r: IntervalOrderError(
            _at(e, r), e.item(r), f"must not be before start ({s.item(r)!r})"
        ),
    )
    _pause_checks(checks, ps)
    bad = checks.finish(errors)
    null = _or(null, bad)
    out = np.zeros(n, np.int64)
    rows = _valid_rows(null)
    if n and (rows is None or rows.size):
        a = a_all if rows is None else a_all[rows]
        b = b_all if rows is None else b_all[rows]
        for lo, hi, sub in clusters(a, b):
            w = Window(cal._cache.covering(lo, hi))
            aa = a if sub is None else a[sub]
            bb = b if sub is None else b[sub]
            total = busy_before(w, bb)
            total -= busy_before(w, aa)
            for p0c, p1c in ps:
                idx = _sub_rows(rows, sub)
                p0 = p0c.us if idx is None else p0c.us[idx]
                p1 = p1c.us if idx is None else p1c.us[idx]
                # clipped to [a, b] (a null pair clips to an empty pause): no branch per row
                q0 = np.clip(p0, aa, bb)
                q1 = np.clip(p1, q0, bb)
                total -= busy_before(w, q1)
                total += busy_before(w, q0)
            out = _put(out, rows, sub, total)
    return us_to_durations(out, null, like)


def due(
    cal: Calendar,
    starts: Any,
    durations: Any,
    *,
    pauses: Sequence[tuple[Any, Any]] = (),
    assume_tz: Any = None,
    errors: Errors = "raise",
) -> Any:
    """The earliest instant by which ``durations[i]`` of business time has passed since ``starts[i]``.

    Twin of :meth:`Calendar.due <slaclock.calendars.Calendar.due>`: time
    inside the row's pauses does not count, ``due(a, 0) == a``, and a due
    can be a closing instant.

    .. versionadded:: 0.1

    Parameters
    ----------
    cal
        The calendar.
    starts
        A column of instants.
    durations
        A column of durations, or a single ``datetime.timedelta`` for every row.
    pauses
        ``(pause_starts, pause_ends)`` column pairs, as for :func:`elapsed`.
    assume_tz
        The zone to read naive pandas, polars or Arrow columns in.
    errors
        ``"raise"`` (default) or ``"null"`` (a bad row, or a row whose due
        is not within the calendar's horizon, gives a null).

    Returns
    -------
    column of instants
        Of the kind of ``starts``, in its zone; null where an input is null.

    Raises
    ------
    DurationError
        A negative duration (``durations[3]: must not be negative``).
    NoOpenTimeError
        A row's due is not within the calendar's horizon (``due[5]: ...``).

    Examples
    --------
    >>> import numpy as np
    >>> from slaclock import Calendar
    >>> from slaclock import batch
    >>> cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
    >>> batch.due(cal, np.array(["2024-01-05T16:00"], "M8[us]"), np.array([2], "m8[h]"))
    array(['2024-01-08T10:00:00.000000'], dtype='datetime64[us]')
    """
    _check_cal(cal)
    _check_errors(errors)
    s = instants_to_us(starts, "starts", assume_tz=assume_tz)
    d = durations_to_us(durations, "durations", check=False)
    cols, n = _aligned([s, d])
    s, d = cols
    ps = _pause_columns(pauses, n, assume_tz)
    like = _like([s])
    null = _any_null(s, d, n=n)
    checks = _RowChecks(n, null)
    d_all = d.us
    checks.add(
        d_all < 0 if d.lo is not None and d.lo < 0 else None,
        lambda r: DurationError(_at(d, r), d.item(r), "must not be negative"),
    )
    # the scalar method answers a zero duration before it reads the pauses
    _pause_checks(checks, ps, scope=d_all > 0 if d.lo is not None and d.lo <= 0 else None)
    bad = checks.finish(errors)
    null = _or(null, bad)
    a_all = s.us
    horizon = _horizon_us(cal)

    def solve(w: Window, idx: Rows | None) -> tuple[I64, npt.NDArray[np.int8]]:
        a = _take(a_all, idx)
        dd = _take(d_all, idx)
        if ps:
            return _due_paused(
                w, a, dd, [(_take(p.us, idx), _take(q.us, idx)) for p, q in ps], horizon
            )
        t = first_reaching(w, busy_before(w, a) + dd)
        return t, _forward_status(w, t, a, horizon)

    def scalar(r: int) -> int:
        pp = [
            (from_us(int(p.us[r])), from_us(int(q.us[r])))
            for p, q in ps
            if not (_null_at(p, r) or _null_at(q, r))
        ]
        return to_us(cal.due(from_us(int(a_all[r])), us_to_td(int(d_all[r])), pauses=pp))

    span = _span(d_all, null, horizon)
    zero = None if d.lo is None or d.lo > 0 else d_all == 0
    out, null = _search(cal, n, a_all, null, solve, scalar, span, errors, "due", s, skip=zero)
    if zero is not None:
        np.copyto(out, a_all, where=zero & ~_mask(null, n))
    return us_to_instants(out, null, like)


def subtract(
    cal: Calendar,
    ends: Any,
    durations: Any,
    *,
    assume_tz: Any = None,
    errors: Errors = "raise",
) -> Any:
    """The latest instant ``t <= ends[i]`` with ``elapsed(t, ends[i]) >= durations[i]``.

    Twin of :meth:`Calendar.subtract <slaclock.calendars.Calendar.subtract>`
    (for "warn one business hour before due"); ``subtract(b, 0) == b``.

    .. versionadded:: 0.1

    Parameters
    ----------
    cal
        The calendar.
    ends
        A column of instants.
    durations
        A column of durations, or a single ``datetime.timedelta``.
    assume_tz
        The zone to read naive pandas, polars or Arrow columns in.
    errors
        ``"raise"`` (default) or ``"null"``.

    Returns
    -------
    column of instants
        Of the kind of ``ends``, in its zone; null where an input is null.

    Raises
    ------
    DurationError
        A negative duration.
    NoOpenTimeError
        Not enough open time within the horizon before a row's end.

    Examples
    --------
    >>> import numpy as np
    >>> from slaclock import Calendar
    >>> from slaclock import batch
    >>> cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
    >>> batch.subtract(cal, np.array(["2024-01-08T10:00"], "M8[us]"), np.array([2], "m8[h]"))
    array(['2024-01-05T16:00:00.000000'], dtype='datetime64[us]')
    """
    _check_cal(cal)
    _check_errors(errors)
    e = instants_to_us(ends, "ends", assume_tz=assume_tz)
    d = durations_to_us(durations, "durations", check=False)
    cols, n = _aligned([e, d])
    e, d = cols
    like = _like([e])
    null = _any_null(e, d, n=n)
    checks = _RowChecks(n, null)
    d_all = d.us
    checks.add(
        d_all < 0 if d.lo is not None and d.lo < 0 else None,
        lambda r: DurationError(_at(d, r), d.item(r), "must not be negative"),
    )
    null = _or(null, checks.finish(errors))
    b_all = e.us
    horizon = _horizon_us(cal)

    def solve(w: Window, idx: Rows | None) -> tuple[I64, npt.NDArray[np.int8]]:
        b = _take(b_all, idx)
        t = last_at_most(w, busy_before(w, b) - _take(d_all, idx))
        limit = np.maximum(b - horizon, MIN_US)
        status = np.zeros(len(b), np.int8)
        before = t == BEFORE
        if before.any():
            # not within this window: a larger one, unless it already reaches the limit
            status[before] = np.where((w.lo <= limit[before]) | (w.lo <= MIN_US), _NONE, _GROW)
        status[~before & (t < limit)] = _NONE
        return t, status

    def scalar(r: int) -> int:
        return to_us(cal.subtract(from_us(int(b_all[r])), us_to_td(int(d_all[r]))))

    span = _span(d_all, null, horizon)
    zero = None if d.lo is None or d.lo > 0 else d_all == 0
    out, null = _search(
        cal, n, b_all, null, solve, scalar, span, errors, "subtract", e, backward=True, skip=zero
    )
    if zero is not None:
        np.copyto(out, b_all, where=zero & ~_mask(null, n))
    return us_to_instants(out, null, like)


def next_open(
    cal: Calendar, instants: Any, *, assume_tz: Any = None, errors: Errors = "raise"
) -> Any:
    """The earliest open instant ``>= instants[i]``.

    Twin of :meth:`Calendar.next_open <slaclock.calendars.Calendar.next_open>`.

    .. versionadded:: 0.1

    Parameters
    ----------
    cal
        The calendar.
    instants
        A column of instants.
    assume_tz
        The zone to read a naive pandas, polars or Arrow column in.
    errors
        ``"raise"`` (default) or ``"null"``: a row the calendar does not open
        after within its horizon raises :class:`~slaclock.errors.NoOpenTimeError`,
        or gives a null.

    Returns
    -------
    column of instants
        Of the input's kind, in its zone; null where the input is null.

    Examples
    --------
    >>> import numpy as np
    >>> from slaclock import Calendar
    >>> from slaclock import batch
    >>> cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
    >>> batch.next_open(cal, np.array(["2024-01-06T12:00"], "M8[us]"))
    array(['2024-01-08T09:00:00.000000'], dtype='datetime64[us]')
    """
    return _next(cal, instants, assume_tz, errors, "next_open", next_open_in, cal.next_open)


def next_close(
    cal: Calendar, instants: Any, *, assume_tz: Any = None, errors: Errors = "raise"
) -> Any:
    """The earliest instant ``>= instants[i]`` that is not open.

    Twin of :meth:`Calendar.next_close <slaclock.calendars.Calendar.next_close>`.
    For an open instant, the end of its open stretch (which may run past
    midnight). A calendar that does not close within its horizon (24/7)
    raises :class:`~slaclock.errors.NoOpenTimeError` for the row, or gives a
    null with ``errors="null"``.

    .. versionadded:: 0.1

    Parameters
    ----------
    cal
        The calendar.
    instants
        A column of instants.
    assume_tz
        The zone to read a naive pandas, polars or Arrow column in.
    errors
        ``"raise"`` (default) or ``"null"``.

    Returns
    -------
    column of instants
        Of the input's kind, in its zone; null where the input is null.

    Examples
    --------
    >>> import numpy as np
    >>> from slaclock import Calendar
    >>> from slaclock import batch
    >>> cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
    >>> batch.next_close(cal, np.array(["2024-01-08T10:00"], "M8[us]"))
    array(['2024-01-08T17:00:00.000000'], dtype='datetime64[us]')
    """
    return _next(cal, instants, assume_tz, errors, "next_close", next_close_in, cal.next_close)


# ---- shared machinery ----------------------------------------------------------------------


def _next(
    cal: Calendar,
    instants: Any,
    assume_tz: Any,
    errors: Errors,
    operation: str,
    kernel: Callable[[Window, I64], I64],
    method: Callable[[dt.datetime], dt.datetime],
) -> Any:
    _check_cal(cal)
    _check_errors(errors)
    col = instants_to_us(instants, "instants", assume_tz=assume_tz)
    n = len(col)
    u_all = col.us
    horizon = _horizon_us(cal)

    def solve(w: Window, idx: Rows | None) -> tuple[I64, npt.NDArray[np.int8]]:
        u = _take(u_all, idx)
        r = kernel(w, u)
        return r, _forward_status(w, r, u, horizon)

    def scalar(r: int) -> int:
        return to_us(method(from_us(int(u_all[r]))))

    out, null = _search(cal, n, u_all, col.null, solve, scalar, 8 * DAY_US, errors, operation, col)
    return us_to_instants(out, null, col)


def _forward_status(w: Window, t: I64, a: I64, horizon: int) -> npt.NDArray[np.int8]:
    """Status of forward answers ``t`` from anchors ``a``: within the horizon, past the window, or none.

    SEMANTICS "Calendars": the answer must lie within ``horizon`` of the
    anchor (and be a datetime): ``t <= min(a + horizon, MAX_US - 1)``.
    """
    limit = np.minimum(a + horizon, MAX_US - 1)
    status = np.zeros(len(t), np.int8)
    past = t == PAST
    if past.any():
        # no answer in this window: a larger one, unless this one already reaches the limit
        status[past] = np.where((w.hi > limit[past]) | (w.hi >= MAX_US), _NONE, _GROW)
        status[~past & (t > limit)] = _NONE
    elif t.size and int((t - limit).max()) > 0:
        status[t > limit] = _NONE
    return status


def _due_paused(
    w: Window, a: I64, d: I64, pauses: list[tuple[I64, I64]], horizon: int
) -> tuple[I64, npt.NDArray[np.int8]]:
    """``due`` with pauses on one window, row for row the scalar walk over running stretches.

    SEMANTICS "Measuring": the clock runs on ``[cursor, p0)`` between pauses;
    each running stretch is searched up to ``horizon`` past its start (as
    the scalar ``Calendar._due_paused_us`` does).
    """
    m = len(a)
    p0s = np.stack([p for p, _ in pauses], axis=1)
    p1s = np.stack([q for _, q in pauses], axis=1)
    # null pairs hold NULL (sort first, never reach past the cursor); order by start
    order = np.argsort(p0s, axis=1, kind="stable")
    p0s = np.take_along_axis(p0s, order, axis=1)
    p1s = np.take_along_axis(p1s, order, axis=1)
    cursor = a.copy()
    rem = d.copy()
    bcur = busy_before(w, a)
    out = np.zeros(m, np.int64)
    status = np.zeros(m, np.int8)
    live = np.ones(m, bool)
    for k in range(p0s.shape[1]):
        p0, p1 = p0s[:, k], p1s[:, k]
        active = live & (p1 > cursor)
        gap = active & (p0 > cursor)
        if gap.any():
            limit = np.minimum(cursor + horizon, MAX_US - 1)
            far = gap & (p0 > limit)  # a stretch longer than the horizon: the scalar rule decides
            status[far] = _SCALAR
            grow = gap & ~far & (p0 > w.hi)
            status[grow] = _GROW
            live &= ~(far | grow)
            active &= live
            gap &= live
            g = np.flatnonzero(gap)
            b0 = busy_before(w, p0[g])
            used = b0 - bcur[g]
            reached = used >= rem[g]
            hit = g[reached]
            out[hit] = first_reaching(w, bcur[hit] + rem[hit])
            live[hit] = False
            active[hit] = False
            miss = g[~reached]
            rem[miss] -= used[~reached]
        np.maximum(cursor, p1, out=cursor, where=active)
        grow = active & (cursor > w.hi)
        status[grow] = _GROW
        live &= ~grow
        act = np.flatnonzero(active & live)
        bcur[act] = busy_before(w, cursor[act])
    g = np.flatnonzero(live)
    t = first_reaching(w, bcur[g] + rem[g])
    out[g] = t
    status[g] = _forward_status(w, t, cursor[g], horizon)
    return out, status


def _search(
    cal: Calendar,
    n: int,
    anchors: I64,
    null: Bools | None,
    solve: Callable[[Window, Rows | None], tuple[I64, npt.NDArray[np.int8]]],
    scalar: Callable[[int], int],
    span: int,
    errors: Errors,
    operation: str,
    col: Column,
    *,
    backward: bool = False,
    skip: Bools | None = None,
) -> tuple[I64, Bools | None]:
    """Answer every row on windows grown from its anchor; the rest by the scalar method.

    ``solve(w, rows)`` answers the rows from one window with a status per
    row. Rows whose answer lies past their window are solved again on a
    window ``span`` four times wider, up to :data:`_MAX_PASSES` times; rows
    left then, or marked for it, go to ``scalar(row)``. Rows with no answer
    within the horizon raise :class:`NoOpenTimeError` (naming the row) or
    become null. Returns the answers and the null mask of the result.
    """
    out = np.zeros(n, np.int64)
    status = np.zeros(n, np.int8)
    drop = null if skip is None else _or(null, skip)
    pending = _valid_rows(drop)
    if pending is None:
        pending = np.arange(n)
    passes = 0
    while pending.size and passes < _MAX_PASSES:
        passes += 1
        whole = pending.size == n
        anchor = anchors if whole else anchors[pending]
        for lo, hi, sub in clusters(anchor):
            if backward:
                lo = max(MIN_US, lo - span)
            else:
                hi = min(MAX_US - 1, hi + span)
            w = Window(cal._cache.covering(lo, hi))
            idx = None if whole and sub is None else (pending if sub is None else pending[sub])
            got, st = solve(w, idx)
            if idx is None:
                out, status = got, st
            else:
                out[idx] = got
                status[idx] = st
        pending = np.flatnonzero(status == _GROW) if (status == _GROW).any() else pending[:0]
        span *= 4
    status[pending] = _SCALAR
    for r in np.flatnonzero(status == _SCALAR).tolist():
        try:
            out[r] = scalar(r)
            status[r] = _OK
        except NoOpenTimeError:
            status[r] = _NONE
    nothing = np.flatnonzero(status == _NONE)
    if nothing.size:
        if errors == "null":
            null = np.zeros(n, bool) if null is None else null.copy()
            null[nothing] = True
        else:
            r = int(nothing[0])
            try:
                scalar(r)
            except NoOpenTimeError as exc:
                raise NoOpenTimeError(
                    f"{exc.operation}[{r}]", col.item(r), exc.horizon_years, exc.reason
                ) from None
            raise AssertionError(
                f"{operation}: the scalar method answers row {r}"
            )  # pragma: no cover
    if null is not None:
        out[null] = NULL
    return out, null


def _horizon_us(cal: Calendar) -> int:
    # past the whole datetime range a larger horizon changes nothing (and would overflow int64)
    return min(cal.horizon_years * YEAR_US, MAX_US - MIN_US)


def _span(d: I64, null: Bools | None, horizon: int) -> int:
    """The first window's reach past its anchors: twice the longest duration, at least 8 days.

    Capped at the horizon and a year: a longer duration has no answer within
    the horizon (business time grows no faster than wall time), or needs
    pauses that grow the window on the next pass.
    """
    if not d.size:
        return 8 * DAY_US
    longest = int(np.max(d, where=~null, initial=0)) if null is not None else int(d.max())
    return min(max(2 * longest, 8 * DAY_US), horizon + YEAR_US)


class _RowChecks:
    """Row checks in the scalar method's order; the first bad row raises (or all become null)."""

    def __init__(self, n: int, null: Bools | None) -> None:
        self.n = n
        self.null = null
        self.checks: list[tuple[Bools, Callable[[int], Exception]]] = []

    def add(
        self, mask: Bools | None, error: Callable[[int], Exception], scope: Bools | None = None
    ) -> None:
        """Add a check: ``mask`` marks the bad rows (None: none), ``error(row)`` is its error."""
        if mask is None:
            return
        if self.null is not None:
            mask = mask & ~self.null
        if scope is not None:
            mask = mask & scope
        if mask.any():
            self.checks.append((mask, error))

    def finish(self, errors: Errors) -> Bools | None:
        """The bad rows (for ``errors="null"``); with ``"raise"``, raise for the first."""
        if not self.checks:
            return None
        if errors == "raise":
            row = min(int(np.argmax(m)) for m, _ in self.checks)
            for mask, error in self.checks:
                if mask[row]:
                    raise error(row)
        bad = np.zeros(self.n, bool)
        for mask, _ in self.checks:
            bad |= mask
        return bad


def _pause_columns(
    pauses: Sequence[tuple[Any, Any]] | Iterable[Any], n: int, assume_tz: Any
) -> list[tuple[Column, Column]]:
    if isinstance(pauses, (str, bytes)) or not isinstance(pauses, Iterable):
        raise InputError(
            "pauses", pauses, "must be a sequence of (pause_starts, pause_ends) column pairs"
        )
    out: list[tuple[Column, Column]] = []
    for k, pair in enumerate(pauses):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise InputError(
                f"pauses[{k}]",
                f"<{type(pair).__name__}>",
                "must be a (pause_starts, pause_ends) pair of columns",
            )
        p0 = instants_to_us(pair[0], f"pauses[{k}].start", assume_tz=assume_tz)
        p1 = instants_to_us(pair[1], f"pauses[{k}].end", assume_tz=assume_tz)
        (p0, p1), _ = _aligned([p0, p1], n)
        out.append((p0, p1))
    return out


def _pause_checks(
    checks: _RowChecks, ps: list[tuple[Column, Column]], scope: Bools | None = None
) -> None:
    """Pause checks in the scalar order: each pause's end, then overlaps (SEMANTICS "Measuring").

    ``scope``: the rows the scalar method reads the pauses of (None: all).
    """
    for k, (p0, p1) in enumerate(ps):
        half, order = _pause_errors(k, p0, p1)
        if p0.null is not None or p1.null is not None:
            checks.add(_mask(p0.null, len(p0)) != _mask(p1.null, len(p1)), half, scope)
        checks.add(_lt(p1.us, p0.us, p0.null, p1.null), order, scope)
    if len(ps) > 1:
        checks.add(_overlaps(ps), lambda r: _overlap_error(ps, r), scope)


def _pause_errors(
    k: int, p0: Column, p1: Column
) -> tuple[Callable[[int], Exception], Callable[[int], Exception]]:
    def half(r: int) -> Exception:
        return InputError(
            f"pauses[{k}][{r}]",
            (p0.item(r), p1.item(r)),
            "must be two instants, or two nulls for no pause",
        )

    def order(r: int) -> Exception:
        return IntervalOrderError(
            f"pauses[{k}].end[{r}]", p1.item(r), f"must not be before its start ({p0.item(r)!r})"
        )

    return half, order


def _overlaps(ps: list[tuple[Column, Column]]) -> Bools:
    """Rows where two non-empty pauses overlap (sorted by start, each must end before the next)."""
    n = len(ps[0][0])
    p0s = np.stack([_pause_or(p0, p1, PAST) for p0, p1 in ps], axis=1)
    p1s = np.stack([_pause_or(p1, p0, PAST) for p0, p1 in ps], axis=1)
    empty = p1s <= p0s
    p0s[empty] = PAST
    p1s[empty] = PAST
    order = np.argsort(p0s, axis=1, kind="stable")
    p0s = np.take_along_axis(p0s, order, axis=1)
    p1s = np.take_along_axis(p1s, order, axis=1)
    bad = np.zeros(n, bool)
    for k in range(1, len(ps)):
        bad |= (p0s[:, k] < p1s[:, k - 1]) & (p0s[:, k] != PAST)
    return bad


def _pause_or(c: Column, other: Column, fill: int) -> I64:
    """The column's values, ``fill`` where this or the other of the pair is null."""
    if c.null is None and other.null is None:
        return np.array(c.us, dtype=np.int64)
    return np.where(_mask(c.null, len(c)) | _mask(other.null, len(other)), fill, c.us)


def _overlap_error(ps: list[tuple[Column, Column]], row: int) -> Exception:
    """The scalar method's message for the row's pauses, with the row named."""
    from slaclock.calendars import _pauses_us

    pairs = [
        (from_us(int(p0.us[row])), from_us(int(p1.us[row])))
        if not (_null_at(p0, row) or _null_at(p1, row))
        else (from_us(0), from_us(0))  # an empty pause: the scalar walk skips it, indices kept
        for p0, p1 in ps
    ]
    try:
        _pauses_us(pairs, None)
    except OverlappingPausesError as exc:
        i = exc.field.removeprefix("pauses[").removesuffix("]")
        j = exc.problem.removeprefix("overlaps pauses[").removesuffix("]")
        return OverlappingPausesError(
            f"pauses[{i}][{row}]", exc.value, f"overlaps pauses[{j}][{row}]"
        )
    raise AssertionError(f"pauses of row {row} do not overlap")  # pragma: no cover


# ---- small helpers -------------------------------------------------------------------------


def _check_cal(cal: object) -> None:
    if not isinstance(cal, Calendar):
        raise InputError("cal", f"<{type(cal).__name__}>", "must be a slaclock Calendar")


def _check_errors(errors: object) -> None:
    if errors not in ("raise", "null"):
        raise InputError("errors", errors, "must be 'raise' or 'null'")


def _aligned(cols: list[Column], n: int | None = None) -> tuple[list[Column], int]:
    """Broadcast single values; check every column has the same length (and pandas index)."""
    if n is None:
        lengths = [len(c) for c in cols if c.kind != "scalar"]
        n = lengths[0] if lengths else 1
    first = next((c for c in cols if c.kind != "scalar"), None)
    out = []
    for c in cols:
        if c.kind == "scalar":
            us = np.broadcast_to(c.us, (n,))
            null = None if c.null is None else np.broadcast_to(c.null, (n,))
            c = Column(us, null, "scalar", c.field, c.source, c.tz, c.lo, c.hi)
        elif len(c) != n:
            raise InputError(
                c.field,
                f"<{len(c)} rows>",
                f"must have as many rows as {first.field if first is not None and first is not c else 'the others'} ({n})",
            )
        elif (
            first is not None
            and c is not first
            and c.kind == "pandas"
            and first.kind == "pandas"
            and hasattr(c.source, "index")
            and hasattr(first.source, "index")
            and c.source.index is not first.source.index
            and not c.source.index.equals(first.source.index)
        ):
            raise InputError(
                c.field,
                "<pandas index>",
                f"must have the same index as {first.field} (rows are matched by position)",
            )
        out.append(c)
    return out, n


def _like(cols: list[Column]) -> Column:
    """The column whose kind the result takes: the first that is not a single value."""
    return next((c for c in cols if c.kind != "scalar"), cols[0])


def _any_null(*cols: Column, n: int) -> Bools | None:
    masks = [c.null for c in cols if c.null is not None]
    if not masks:
        return None
    out = np.zeros(n, bool)
    for m in masks:
        out |= m
    return out


def _or(a: Bools | None, b: Bools | None) -> Bools | None:
    if a is None:
        return None if b is None else b.copy()
    if b is None:
        return a
    return a | b


def _mask(null: Bools | None, n: int) -> Bools:
    return np.zeros(n, bool) if null is None else np.asarray(null)


def _null_at(c: Column, row: int) -> bool:
    return c.null is not None and bool(c.null[row])


def _lt(x: I64, y: I64, *nulls: Bools | None) -> Bools | None:
    """Rows where ``x < y`` (None if there is none, the common case: one pass, no mask kept)."""
    bad = np.less(x, y)
    for nm in nulls:
        if nm is not None:
            bad &= ~nm
    return bad if bad.any() else None


def _at(c: Column, row: int) -> str:
    return c.field if c.kind == "scalar" else f"{c.field}[{row}]"


def _valid_rows(null: Bools | None) -> Rows | None:
    """The rows to compute (None: all of them)."""
    if null is None:
        return None
    return np.flatnonzero(~null)


def _sub_rows(rows: Rows | None, sub: Rows | None) -> Rows | None:
    if rows is None:
        return sub
    return rows if sub is None else rows[sub]


def _take(values: I64, idx: Rows | None) -> I64:
    return values if idx is None else values[idx]


def _put(
    out: npt.NDArray[Any], rows: Rows | None, sub: Rows | None, got: npt.NDArray[Any]
) -> npt.NDArray[Any]:
    """``got`` written to its rows of ``out``; ``got`` itself when it answers every row."""
    idx = _sub_rows(rows, sub)
    if idx is None:
        return got
    out[idx] = got
    return out
