"""The array operations against the scalar methods, row by row.

Every ``slaclock.batch`` array operation must answer, for every row, exactly
what the scalar :class:`~slaclock.calendars.Calendar` method of the same name
answers (to the microsecond, or the same error), on calendars from the
shipped strategies (DST zones, overnight spans, holidays, overrides, combined
and 24/7 calendars), for each input kind (numpy, integers, pandas, polars,
Arrow, lists), with nulls. A library that is not installed is skipped.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from slaclock import batch  # noqa: E402
from slaclock._instants import MAX_US, MIN_US, YEAR_US  # noqa: E402
from slaclock.calendars import Calendar  # noqa: E402
from slaclock.errors import (  # noqa: E402
    DurationError,
    InputError,
    IntervalOrderError,
    NoOpenTimeError,
    SlaClockError,
)
from slaclock.testing import strategies as sst  # noqa: E402

US = timedelta(microseconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NULL = int(np.iinfo(np.int64).min)
WITHIN_DAYS = 6
LIBS = tuple(
    lib
    for lib, module in (
        ("numpy", "numpy"),
        ("int64", "numpy"),
        ("list", "numpy"),
        ("pandas", "pandas"),
        ("polars", "polars"),
        ("arrow", "pyarrow"),
    )
    if importlib.util.find_spec(module) is not None
)
Pause = tuple[datetime, datetime]


def us(t: datetime) -> int:
    return (t - EPOCH) // US


def dt_of(u: int) -> datetime:
    return EPOCH + u * US


# ---- columns of each kind, and reading results back (independently of slaclock) -------------


class Kind:
    """How one test example passes its columns: a library, a zone and a unit."""

    def __init__(self, lib: str, zone: str, unit: str, chunked: bool, index: list[Any]) -> None:
        self.lib = lib
        self.zone = zone
        self.unit = unit
        self.chunked = chunked
        self.index = index

    def __repr__(self) -> str:
        return f"Kind({self.lib!r}, {self.zone!r}, {self.unit!r}, chunked={self.chunked})"

    def instants(self, values: Sequence[datetime | None]) -> Any:
        raw = [NULL if v is None else us(v) for v in values]
        lib = self.lib
        if lib == "list":
            return list(values)
        if lib == "int64":
            return np.array(raw, np.int64)
        m8 = np.array(raw, np.int64).view("M8[us]")
        if lib == "numpy":
            return m8
        if lib == "pandas":
            import pandas as pd

            s = pd.Series(m8, index=self.index, name="x").dt.tz_localize("UTC")
            return s.dt.tz_convert(self.zone).dt.as_unit(self.unit)
        if lib == "polars":
            import polars as pl

            unit: Any = self.unit
            return pl.Series("x", m8).cast(pl.Datetime(unit, self.zone))
        import pyarrow as pa

        arr = pa.array(
            [None if v is None else v.astimezone(UTC) for v in values],
            type=pa.timestamp("us", tz="UTC"),
        ).cast(pa.timestamp(self.unit, tz=self.zone))
        return pa.chunked_array([arr[:1], arr[1:]]) if self.chunked else arr

    def durations(self, values: Sequence[timedelta | None]) -> Any:
        raw = [NULL if v is None else v // US for v in values]
        lib = self.lib
        if lib == "list":
            return list(values)
        if lib == "int64":
            return np.array(raw, np.int64)
        m8 = np.array(raw, np.int64).view("m8[us]")
        if lib == "numpy":
            return m8
        if lib == "pandas":
            import pandas as pd

            return pd.Series(m8, index=self.index, name="d").dt.as_unit(self.unit)
        if lib == "polars":
            import polars as pl

            unit: Any = self.unit
            return pl.Series("d", m8).cast(pl.Duration(unit))
        import pyarrow as pa

        arr = pa.array(
            raw, type=pa.int64(), mask=np.array([v is None for v in values], dtype=bool)
        ).cast(pa.duration("us"))
        return arr.cast(pa.duration(self.unit))

    def _check_frame(self, out: Any) -> None:
        if self.lib == "pandas":
            import pandas as pd

            assert isinstance(out, pd.Series)
            assert list(out.index) == self.index
            assert out.name == "x"
        if self.lib == "arrow":
            import pyarrow as pa

            assert isinstance(out, pa.ChunkedArray if self.chunked else pa.Array)

    def read_instants(self, out: Any) -> list[int | None]:
        """Result instants as UTC microseconds (None for null); checks the kind and zone."""
        self._check_frame(out)
        lib = self.lib
        if lib == "list":
            assert all(v is None or v.utcoffset() == timedelta(0) for v in out)
            return [None if v is None else us(v) for v in out]
        if lib == "int64":
            assert out.dtype == np.int64
            return [None if v == NULL else v for v in out.tolist()]
        if lib == "numpy":
            assert out.dtype == np.dtype("M8[us]")
            return [None if v == NULL else v for v in out.view(np.int64).tolist()]
        if lib == "pandas":
            assert str(out.dtype) == f"datetime64[us, {self.zone}]"
            return [None if v is None or v != v else us(v.to_pydatetime()) for v in out.tolist()]
        if lib == "polars":
            assert str(out.dtype) == f"Datetime(time_unit='us', time_zone='{self.zone}')"
            return [None if v is None else us(v) for v in out.to_list()]
        assert str(out.type) == f"timestamp[us, tz={self.zone}]"
        return [None if v is None else us(v) for v in out.to_pylist()]

    def read_durations(self, out: Any) -> list[int | None]:
        self._check_frame(out)
        lib = self.lib
        if lib == "list":
            return [None if v is None else v // US for v in out]
        if lib == "int64":
            assert out.dtype == np.int64
            return [None if v == NULL else v for v in out.tolist()]
        if lib == "numpy":
            assert out.dtype == np.dtype("m8[us]")
            return [None if v == NULL else v for v in out.view(np.int64).tolist()]
        if lib == "pandas":
            assert str(out.dtype) == "timedelta64[us]"
            return [None if v is None or v != v else v.to_pytimedelta() // US for v in out.tolist()]
        if lib == "polars":
            assert str(out.dtype) == "Duration(time_unit='us')"
            return [None if v is None else v // US for v in out.to_list()]
        assert str(out.type) == "duration[us]"
        return [None if v is None else v // US for v in out.to_pylist()]

    def read_bools(self, out: Any) -> list[bool | None]:
        self._check_frame(out)
        lib = self.lib
        if lib in ("numpy", "int64"):
            assert out.dtype == np.bool_
            return [bool(v) for v in out.tolist()]
        if lib == "pandas":
            import pandas as pd

            return [None if pd.isna(v) else bool(v) for v in out.tolist()]
        if lib == "polars":
            return list(out.to_list())
        if lib == "arrow":
            return list(out.to_pylist())
        return list(out)

    @property
    def has_bool_nulls(self) -> bool:
        return self.lib not in ("numpy", "int64")


@st.composite
def kinds(draw: st.DrawFn, cal: Calendar, n: int) -> Kind:
    lib = draw(st.sampled_from(LIBS))
    zone = draw(st.sampled_from(("UTC", cal.zone, "Asia/Kathmandu")))
    unit = draw(st.sampled_from(("us", "ns"))) if lib in ("pandas", "polars", "arrow") else "us"
    start = draw(st.integers(-5, 5))
    index = [f"r{i}" for i in range(n)] if draw(st.booleans()) else list(range(start, start + n))
    return Kind(
        lib, zone, unit, chunked=lib == "arrow" and n > 1 and draw(st.booleans()), index=index
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Calendar, date]:
    zone = draw(sst.zones())
    anchor = draw(sst.anchor_dates(zone=zone, transition_share=75))
    if draw(st.integers(0, 3)) == 0:
        combo = sst.combined_calendars(zone=zone, around=anchor, within_days=WITHIN_DAYS)
        return draw(combo), anchor
    cal = sst.calendars(zone=zone, around=anchor, always_open=True, within_days=WITHIN_DAYS)
    return draw(cal), anchor


def maybe_null(data: st.DataObject, value: Any, label: str) -> Any:
    return None if data.draw(st.integers(0, 7), label=f"{label} null?") == 0 else value


# ---- expected answers, from the scalar methods ------------------------------------------------


class Raised:
    """The scalar method raised: the batch row is null (errors="null") or raises."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def __repr__(self) -> str:
        return f"Raised({self.exc!r})"


def scalar(f: Callable[[], Any]) -> Any:
    try:
        got = f()
    except SlaClockError as exc:
        return Raised(exc)
    if isinstance(got, datetime):
        return us(got)
    if isinstance(got, timedelta):
        return got // US
    return got


def check_rows(got: list[Any], expected: list[Any], call: Callable[..., Any], where: str) -> None:
    """Rows match: a value is the value, a scalar error is a null; errors="raise" raises the first.

    Input errors are checked over all rows before any search runs, so the
    first row with an input error raises before a row whose search fails.
    """
    assert [None if isinstance(e, Raised) else e for e in expected] == got, where
    errors = [(i, e.exc) for i, e in enumerate(expected) if isinstance(e, Raised)]
    if not errors:
        return
    inputs = [(i, exc) for i, exc in errors if isinstance(exc, InputError)]
    row, exc = (inputs or errors)[0]
    with pytest.raises(type(exc)) as info:
        call(errors="raise")
    if isinstance(exc, NoOpenTimeError):
        assert isinstance(info.value, NoOpenTimeError)
        assert info.value.operation == f"{exc.operation}[{row}]"
        assert info.value.reason == exc.reason
    else:
        assert f"[{row}]" in str(info.value)


# ---- the properties ------------------------------------------------------------------------


class TestEveryRowIsTheScalarAnswer:
    @given(scenarios(), st.data())
    def test_is_open_next_open_and_next_close(
        self, scenario: tuple[Calendar, date], data: st.DataObject
    ) -> None:
        cal, anchor = scenario
        n = data.draw(st.integers(1, 8), label="n")
        near = sst.instants(cal=cal, around=anchor, within_days=WITHIN_DAYS)
        ts = [maybe_null(data, data.draw(near, label=f"t{i}"), f"t{i}") for i in range(n)]
        kind = data.draw(kinds(cal, n), label="kind")
        col = kind.instants(ts)
        got_open = kind.read_bools(batch.is_open(cal, col))
        null_open = None if kind.has_bool_nulls else False
        assert got_open == [null_open if t is None else cal.is_open(t) for t in ts]
        for name in ("next_open", "next_close"):
            method = getattr(cal, name)
            expected = [None if t is None else scalar(functools.partial(method, t)) for t in ts]
            f = getattr(batch, name)
            got = kind.read_instants(f(cal, col, errors="null"))
            check_rows(got, expected, functools.partial(f, cal, col), name)

    @given(scenarios(), st.data())
    def test_elapsed(self, scenario: tuple[Calendar, date], data: st.DataObject) -> None:
        cal, anchor = scenario
        n = data.draw(st.integers(1, 6), label="n")
        near = sst.instants(cal=cal, around=anchor, within_days=WITHIN_DAYS)
        starts: list[datetime | None] = []
        ends: list[datetime | None] = []
        rows_pauses: list[list[Pause]] = []
        for i in range(n):
            a = data.draw(near, label=f"a{i}")
            if data.draw(st.integers(0, 9), label=f"b{i} before a?") == 0:
                b = a - data.draw(sst.durations(min_value=US), label=f"back{i}")
            else:
                b = a + data.draw(sst.durations(max_value=timedelta(days=9)), label=f"d{i}")
            rows_pauses.append(data.draw(sst.pauses(start=a, max_size=2), label=f"p{i}"))
            starts.append(maybe_null(data, a, f"a{i}"))
            ends.append(maybe_null(data, b, f"b{i}"))
        kind = data.draw(kinds(cal, n), label="kind")
        with_pauses = data.draw(st.booleans(), label="pauses?")
        pcols, per_row = pause_columns(kind, rows_pauses, with_pauses)
        s_col, e_col = kind.instants(starts), kind.instants(ends)
        expected = [
            None
            if a is None or b is None
            else scalar(functools.partial(cal.elapsed, a, b, pauses=pp))
            for a, b, pp in zip(starts, ends, per_row, strict=True)
        ]

        def call(errors: str) -> Any:
            return batch.elapsed(cal, s_col, e_col, pauses=pcols, errors=errors)  # type: ignore[arg-type]

        check_rows(kind.read_durations(call(errors="null")), expected, call, "elapsed")

    @given(scenarios(), st.data())
    def test_due(self, scenario: tuple[Calendar, date], data: st.DataObject) -> None:
        cal, anchor = scenario
        n = data.draw(st.integers(1, 6), label="n")
        near = sst.instants(cal=cal, around=anchor, within_days=WITHIN_DAYS)
        long = data.draw(st.booleans(), label="long durations?")
        most = timedelta(days=400) if long else timedelta(hours=80)
        starts = []
        durations: list[timedelta | None] = []
        rows_pauses = []
        for i in range(n):
            a = data.draw(near, label=f"a{i}")
            d = data.draw(sst.durations(max_value=most), label=f"d{i}")
            if data.draw(st.integers(0, 15), label=f"d{i} negative?") == 0:
                d = -d - US
            rows_pauses.append(data.draw(sst.pauses(start=a, max_size=2), label=f"p{i}"))
            starts.append(maybe_null(data, a, f"a{i}"))
            durations.append(maybe_null(data, d, f"d{i}"))
        kind = data.draw(kinds(cal, n), label="kind")
        with_pauses = data.draw(st.booleans(), label="pauses?")
        pcols, per_row = pause_columns(kind, rows_pauses, with_pauses)
        s_col, d_col = kind.instants(starts), kind.durations(durations)
        expected = [
            None if a is None or d is None else scalar(functools.partial(cal.due, a, d, pauses=pp))
            for a, d, pp in zip(starts, durations, per_row, strict=True)
        ]

        def call(errors: str) -> Any:
            return batch.due(cal, s_col, d_col, pauses=pcols, errors=errors)  # type: ignore[arg-type]

        check_rows(kind.read_instants(call(errors="null")), expected, call, "due")

    @given(scenarios(), st.data())
    def test_subtract(self, scenario: tuple[Calendar, date], data: st.DataObject) -> None:
        cal, anchor = scenario
        n = data.draw(st.integers(1, 6), label="n")
        near = sst.instants(cal=cal, around=anchor, within_days=WITHIN_DAYS)
        long = data.draw(st.booleans(), label="long durations?")
        most = timedelta(days=400) if long else timedelta(hours=80)
        ends = [maybe_null(data, data.draw(near, label=f"b{i}"), f"b{i}") for i in range(n)]
        durations = [
            maybe_null(data, data.draw(sst.durations(max_value=most), label=f"d{i}"), f"d{i}")
            for i in range(n)
        ]
        kind = data.draw(kinds(cal, n), label="kind")
        e_col, d_col = kind.instants(ends), kind.durations(durations)
        expected = [
            None if b is None or d is None else scalar(functools.partial(cal.subtract, b, d))
            for b, d in zip(ends, durations, strict=True)
        ]

        def call(errors: str) -> Any:
            return batch.subtract(cal, e_col, d_col, errors=errors)  # type: ignore[arg-type]

        check_rows(kind.read_instants(call(errors="null")), expected, call, "subtract")


def pause_columns(
    kind: Kind, rows_pauses: list[list[Pause]], with_pauses: bool
) -> tuple[list[tuple[Any, Any]], list[list[Pause]]]:
    """Pause k of row i is the row's k-th pause (a null pair when it has fewer)."""
    if not with_pauses:
        return [], [[] for _ in rows_pauses]
    k_max = max(len(p) for p in rows_pauses)
    cols = []
    for k in range(k_max):
        p0 = [p[k][0] if k < len(p) else None for p in rows_pauses]
        p1 = [p[k][1] if k < len(p) else None for p in rows_pauses]
        cols.append((kind.instants(p0), kind.instants(p1)))
    return cols, rows_pauses


# ---- rows far apart, long searches, horizons -------------------------------------------------


def m8(*values: str) -> Any:
    return np.array(values, dtype="M8[us]")


class TestWindows:
    def test_instants_years_apart_compile_only_their_own_years(self) -> None:
        cal = Calendar.weekly("Europe/Paris", "Mon-Fri 09:00-17:00")
        col = m8("0001-01-03T10:00", "2024-01-08T10:00", "9999-12-20T10:00")
        got = batch.is_open(cal, col).tolist()
        windows = cal._cache._windows
        assert sum(w.hi - w.lo for w in windows) < 30 * YEAR_US
        ts = [dt_of(int(v)) for v in col.view(np.int64)]
        assert got == [cal.is_open(t) for t in ts]

    def test_elapsed_and_due_in_year_1_and_9999(self) -> None:
        cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
        a = m8("0001-01-03T10:00", "9999-12-20T10:00")
        b = m8("0001-01-10T10:00", "9999-12-28T10:00")
        d = np.array([30, 20], "m8[h]")
        el = batch.elapsed(cal, a, b).view(np.int64).tolist()
        du = batch.due(cal, a, d).view(np.int64).tolist()
        assert sum(w.hi - w.lo for w in cal._cache._windows) < 30 * YEAR_US
        aa = [dt_of(int(v)) for v in a.view(np.int64)]
        bb = [dt_of(int(v)) for v in b.view(np.int64)]
        assert el == [cal.elapsed(x, y) // US for x, y in zip(aa, bb, strict=True)]
        assert du == [us(cal.due(x, timedelta(hours=h))) for x, h in zip(aa, (30, 20), strict=True)]

    def test_a_due_past_year_9999_is_the_horizon_error(self) -> None:
        cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
        a = m8("2024-01-08T10:00", "9999-12-30T10:00")
        d = np.array([1, 100], "m8[h]")
        got = batch.due(cal, a, d, errors="null")
        assert np.isnat(got).tolist() == [False, True]
        with pytest.raises(NoOpenTimeError, match=r"^due\[1\]: "):
            batch.due(cal, a, d)

    def test_long_closures_grow_the_window(self) -> None:
        # closed for three years after 2024-02-01 (an override each date would be slow: a rule)
        closed: dict[str, list[str]] = {f"DTSTART:20240201\nRRULE:FREQ=DAILY;COUNT={3 * 366}": []}
        cal = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00", overrides=closed)
        rng = np.random.default_rng(7)
        base = us(datetime(2024, 1, 1, tzinfo=UTC))
        a = base + rng.integers(0, 60 * 86_400_000_000, 300)
        d = rng.integers(0, 40 * 3_600_000_000, 300)
        col, dcol = a.view("M8[us]"), d.view("m8[us]")
        due = batch.due(cal, col, dcol).view(np.int64).tolist()
        nxt = batch.next_open(cal, col).view(np.int64).tolist()
        assert due == [
            us(cal.due(dt_of(x), y * US)) for x, y in zip(a.tolist(), d.tolist(), strict=True)
        ]
        assert nxt == [us(cal.next_open(dt_of(x))) for x in a.tolist()]

    def test_next_close_of_a_24_7_calendar_is_the_horizon_error_for_every_row(self) -> None:
        cal = Calendar.always_open("UTC", horizon_years=3)
        col = m8("2024-01-08T10:00", "NaT", "2030-01-01")
        assert np.isnat(batch.next_close(cal, col, errors="null")).all()
        with pytest.raises(NoOpenTimeError, match=r"^next_close\[0\]: the calendar does not close"):
            batch.next_close(cal, col)

    def test_subtract_before_the_horizon(self) -> None:
        cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00", horizon_years=1)
        b = m8("2024-01-08T10:00", "2024-01-08T10:00")
        d = np.array([1, 24 * 365], "m8[h]")
        got = batch.subtract(cal, b, d, errors="null")
        assert got.view(np.int64).tolist()[0] == us(
            cal.subtract(dt_of(int(b.view(np.int64)[0])), timedelta(hours=1))
        )
        assert np.isnat(got).tolist() == [False, True]
        with pytest.raises(NoOpenTimeError, match=r"^subtract\[1\]: "):
            batch.subtract(cal, b, d)

    def test_a_large_column_over_years_matches_the_scalar_methods(self) -> None:
        cal = Calendar.weekly(
            "Australia/Lord_Howe",
            "Mon-Fri 08:00-18:00; Sat 22:00-02:00",
            holidays=[date(2025, 1, 1), date(2026, 1, 26)],
        ) | Calendar.weekly("Asia/Kathmandu", "Sun 10:00-12:00")
        rng = np.random.default_rng(3)
        n = 20_000
        base = us(datetime(2022, 1, 1, tzinfo=UTC))
        a = base + rng.integers(0, 6 * 365 * 86_400_000_000, n)
        a[::97] = us(datetime(1901, 1, 1, tzinfo=UTC)) + rng.integers(0, 10**13, len(a[::97]))
        d = rng.integers(0, 500 * 3_600_000_000, n)
        b = a + rng.integers(0, 90 * 86_400_000_000, n)
        col, ecol, dcol = a.view("M8[us]"), b.view("M8[us]"), d.view("m8[us]")
        el = batch.elapsed(cal, col, ecol).view(np.int64).tolist()
        du = batch.due(cal, col, dcol).view(np.int64).tolist()
        su = batch.subtract(cal, ecol, dcol).view(np.int64).tolist()
        for i in range(0, n, 7):
            x, y, z = dt_of(int(a[i])), dt_of(int(b[i])), int(d[i]) * US
            assert el[i] == cal.elapsed(x, y) // US
            assert du[i] == us(cal.due(x, z))
            assert su[i] == us(cal.subtract(y, z))


class TestHorizonEdges:
    """Answers exactly at the horizon's limit, and one microsecond past it, as the scalar methods."""

    @staticmethod
    def calendar() -> Calendar:
        # open 09:00-17:00 daily, but closed for 400 days from 2024-01-01 on (horizon: 1 year)
        closed: dict[str, list[str]] = {"DTSTART:20240101\nRRULE:FREQ=DAILY;COUNT=400": []}
        return Calendar.weekly("UTC", "Daily 09:00-17:00", overrides=closed, horizon_years=1)

    @staticmethod
    def compare(cal: Calendar, name: str, ts: list[int], *more: Any) -> None:
        f = getattr(batch, name)
        col = np.array(ts, np.int64)
        got = f(cal, col, *[np.array(m, np.int64) for m in more], errors="null").tolist()
        method = getattr(cal, name)
        expected = []
        for i, t in enumerate(ts):
            args = [dt_of(t), *[m[i] * US for m in more]]
            expected.append(scalar(functools.partial(method, *args)))
        assert got == [NULL if isinstance(e, Raised) else e for e in expected]
        assert any(isinstance(e, Raised) for e in expected)
        assert not all(isinstance(e, Raised) for e in expected)

    def test_next_open_and_due_at_the_limit(self) -> None:
        cal = self.calendar()
        reopen = us(datetime(2025, 2, 4, 9, tzinfo=UTC))  # the first open instant after the closure
        edge = reopen - YEAR_US
        ts = [edge - 1, edge, edge + 1]
        self.compare(cal, "next_open", ts)
        self.compare(cal, "due", ts, [1, 1, 1])
        self.compare(cal, "due", [edge + 10, edge + 20], [10, 30])

    def test_next_close_at_the_limit(self) -> None:
        cal = Calendar.weekly(
            "UTC",
            "Daily 00:00-24:00",
            overrides={"DTSTART:20250204\nRRULE:FREQ=DAILY;COUNT=2": []},
            horizon_years=1,
        )
        close = us(datetime(2025, 2, 4, tzinfo=UTC))
        edge = close - YEAR_US
        self.compare(cal, "next_close", [edge - 1, edge, edge + 1])

    def test_subtract_at_the_limit(self) -> None:
        cal = self.calendar()
        last_close = us(datetime(2023, 12, 31, 17, tzinfo=UTC))
        # the latest t with one microsecond of business time in [t, b) is last_close - 1
        edge = last_close - 1 + YEAR_US
        self.compare(cal, "subtract", [edge - 1, edge, edge + 1], [1, 1, 1])


# ---- kinds: what comes out is what went in -----------------------------------------------------


class TestKinds:
    def test_pandas_keeps_index_name_and_zone(self) -> None:
        pd = pytest.importorskip("pandas")
        cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
        s = pd.Series(
            pd.to_datetime(["2024-01-08 09:30", None, "2024-01-08 16:30"]).tz_localize(
                "America/New_York"
            ),
            index=["a", "b", "c"],
            name="opened",
        )
        got = batch.due(cal, s, timedelta(hours=1))
        assert list(got.index) == ["a", "b", "c"]
        assert got.name == "opened"
        assert str(got.dtype) == "datetime64[us, America/New_York]"
        assert got.isna().tolist() == [False, True, False]
        el = batch.elapsed(cal, s, s)
        assert str(el.dtype) == "timedelta64[us]"
        assert el.isna().tolist() == [False, True, False]
        opened = batch.is_open(cal, s)
        assert str(opened.dtype) == "boolean"
        assert opened.isna().tolist() == [False, True, False]
        assert batch.is_open(cal, s.dropna()).dtype == bool

    def test_pandas_ns_input_is_floored_to_the_microsecond(self) -> None:
        pd = pytest.importorskip("pandas")
        cal = Calendar.always_open("UTC")
        s = pd.Series(pd.to_datetime([-1, 1999], unit="ns", utc=True))
        got = batch.elapsed(cal, s, s + pd.Timedelta(0))
        assert got.tolist() == [pd.Timedelta(0), pd.Timedelta(0)]
        nxt = batch.next_open(cal, s)
        assert [t.value for t in nxt] == [-1000, 1000]

    def test_pandas_index_in_gives_an_index_out(self) -> None:
        pd = pytest.importorskip("pandas")
        cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
        idx = pd.DatetimeIndex(["2024-01-08 09:30"], tz="UTC", name="t")
        got = batch.next_close(cal, idx)
        assert isinstance(got, pd.DatetimeIndex)
        assert got.name == "t"

    def test_polars_and_arrow_keep_zone_and_nulls(self) -> None:
        pl = pytest.importorskip("polars")
        pa = pytest.importorskip("pyarrow")
        cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
        t = datetime(2024, 1, 8, 9, 30, tzinfo=UTC)
        ps = pl.Series("t", [t, None]).dt.convert_time_zone("Asia/Tokyo")
        got = batch.next_close(cal, ps)
        assert got.name == "t"
        assert got.dtype == pl.Datetime("us", "Asia/Tokyo")
        assert got.to_list()[1] is None
        arr = pa.array([t, None], type=pa.timestamp("ns", tz="Europe/Paris"))
        out = batch.next_close(cal, arr)
        assert out.type == pa.timestamp("us", tz="Europe/Paris")
        assert out.null_count == 1
        assert batch.is_open(cal, arr).to_pylist() == [True, None]

    def test_int64_microseconds_in_and_out(self) -> None:
        cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
        a = np.array([us(datetime(2024, 1, 8, 16, tzinfo=UTC)), NULL], np.int64)
        got = batch.due(cal, a, np.array([7_200_000_000, 0], np.int64))
        assert got.dtype == np.int64
        assert got.tolist() == [us(datetime(2024, 1, 9, 10, tzinfo=UTC)), NULL]

    def test_a_list_gives_a_list_of_utc_datetimes(self) -> None:
        cal = Calendar.weekly("Europe/Paris", "Mon-Fri 09:00-17:00")
        paris = timezone(timedelta(hours=1))
        got = batch.due(cal, [datetime(2024, 1, 8, 16, tzinfo=paris), None], timedelta(hours=2))
        assert got == [datetime(2024, 1, 9, 9, tzinfo=UTC), None]

    def test_a_single_end_is_broadcast(self) -> None:
        cal = Calendar.always_open("UTC")
        a = m8("2024-01-08T10:00", "2024-01-08T11:00")
        now = datetime(2024, 1, 8, 12, tzinfo=UTC)
        got = batch.elapsed(cal, a, now)
        assert got.tolist() == [timedelta(hours=2), timedelta(hours=1)]


# ---- errors -----------------------------------------------------------------------------------


class TestErrors:
    def test_end_before_start_names_the_row(self) -> None:
        cal = Calendar.always_open("UTC")
        a = m8("2024-01-08T10:00", "2024-01-08T11:00")
        b = m8("2024-01-08T10:00", "2024-01-08T10:59")
        with pytest.raises(IntervalOrderError, match=r"^ends\[1\]: must not be before start"):
            batch.elapsed(cal, a, b)
        assert np.isnat(batch.elapsed(cal, a, b, errors="null")).tolist() == [False, True]

    def test_negative_duration_names_the_row_and_value(self) -> None:
        cal = Calendar.always_open("UTC")
        a = m8("2024-01-08T10:00", "2024-01-08T11:00")
        d = np.array([1, -1], "m8[s]")
        with pytest.raises(
            DurationError,
            match=r"^durations\[1\]: must not be negative \(got np.timedelta64\(-1,'s'\)\)",
        ):
            batch.due(cal, a, d)
        with pytest.raises(DurationError, match=r"^durations\[1\]: must not be negative"):
            batch.subtract(cal, a, d)

    def test_overlapping_pauses_name_pause_and_row(self) -> None:
        from slaclock.errors import OverlappingPausesError

        cal = Calendar.always_open("UTC")
        a = m8("2024-01-08T10:00", "2024-01-08T10:00")
        b = m8("2024-01-08T12:00", "2024-01-08T12:00")
        p = [
            (
                m8("2024-01-08T10:30", "2024-01-08T10:30"),
                m8("2024-01-08T10:40", "2024-01-08T11:00"),
            ),
            (m8("NaT", "2024-01-08T10:50"), m8("NaT", "2024-01-08T11:10")),
        ]
        with pytest.raises(
            OverlappingPausesError, match=r"^pauses\[1\]\[1\]: overlaps pauses\[0\]\[1\]"
        ):
            batch.elapsed(cal, a, b, pauses=p)
        got = batch.elapsed(cal, a, b, pauses=p, errors="null")
        assert got.tolist()[0] == timedelta(minutes=110)
        assert np.isnat(got).tolist() == [False, True]

    def test_touching_pauses_merge(self) -> None:
        cal = Calendar.always_open("UTC")
        a, b = m8("2024-01-08T10:00"), m8("2024-01-08T12:00")
        p = [
            (m8("2024-01-08T10:30"), m8("2024-01-08T11:00")),
            (m8("2024-01-08T11:00"), m8("2024-01-08T11:30")),
        ]
        assert batch.elapsed(cal, a, b, pauses=p).tolist() == [timedelta(hours=1)]
        assert (
            batch.due(cal, a, np.array([1], "m8[h]"), pauses=p).tolist()
            == m8("2024-01-08T12:00").tolist()
        )

    def test_a_due_reached_as_a_pause_starts_is_that_instant(self) -> None:
        cal = Calendar.always_open("UTC")
        a = m8("2024-01-08T10:00")
        p = [(m8("2024-01-08T10:30"), m8("2024-01-08T11:00"))]
        got = batch.due(cal, a, np.array([30], "m8[m]"), pauses=p).view(np.int64).tolist()
        expected = cal.due(
            datetime(2024, 1, 8, 10, tzinfo=UTC),
            timedelta(minutes=30),
            pauses=[
                (datetime(2024, 1, 8, 10, 30, tzinfo=UTC), datetime(2024, 1, 8, 11, tzinfo=UTC))
            ],
        )
        assert got == [us(expected)] == [us(datetime(2024, 1, 8, 10, 30, tzinfo=UTC))]

    def test_a_zero_duration_does_not_read_the_pauses(self) -> None:
        cal = Calendar.always_open("UTC")
        a = m8("2024-01-08T10:00")
        p = [
            (m8("2024-01-08T10:30"), m8("2024-01-08T11:00")),
            (m8("2024-01-08T10:40"), m8("2024-01-08T11:30")),
        ]
        assert batch.due(cal, a, np.array([0], "m8[h]"), pauses=p).tolist() == a.tolist()

    def test_naive_column_without_assume_tz(self) -> None:
        from slaclock.errors import NaiveDatetimeError

        pd = pytest.importorskip("pandas")
        cal = Calendar.always_open("UTC")
        s = pd.Series(pd.to_datetime([None, "2024-01-08 09:00"]))
        with pytest.raises(
            NaiveDatetimeError,
            match=r"^starts: column has no time zone \(got Timestamp\('2024-01-08 09:00:00'\)\)",
        ):
            batch.elapsed(cal, s, s)
        got = batch.elapsed(cal, s, s + pd.Timedelta(hours=1), assume_tz="Europe/Paris")
        assert got.isna().tolist() == [True, False]

    def test_bad_assume_tz(self) -> None:
        from slaclock.errors import UnknownTimeZoneError

        pd = pytest.importorskip("pandas")
        cal = Calendar.always_open("UTC")
        s = pd.Series(pd.to_datetime(["2024-01-08 09:00"]))
        with pytest.raises(
            UnknownTimeZoneError, match=r"^assume_tz: is not a known IANA time zone"
        ):
            batch.is_open(cal, s, assume_tz="Mars/Olympus")

    def test_wall_time_in_a_gap_names_the_row(self) -> None:
        from slaclock.errors import NonexistentTimeError

        pd = pytest.importorskip("pandas")
        cal = Calendar.always_open("UTC")
        s = pd.Series(pd.to_datetime(["2024-03-10 01:59", "2024-03-10 02:30"]))
        with pytest.raises(NonexistentTimeError, match=r"^instants\[1\]: wall time does not exist"):
            batch.is_open(cal, s, assume_tz="America/New_York")

    def test_columns_of_different_lengths(self) -> None:

        cal = Calendar.always_open("UTC")
        with pytest.raises(InputError, match=r"^ends: must have as many rows as starts \(2\)"):
            batch.elapsed(cal, m8("2024-01-08", "2024-01-09"), m8("2024-01-10"))

    def test_bad_errors_value(self) -> None:

        cal = Calendar.always_open("UTC")
        with pytest.raises(InputError, match=r"^errors: must be 'raise' or 'null'"):
            batch.due(cal, m8("2024-01-08"), timedelta(0), errors="skip")  # type: ignore[arg-type]

    def test_out_of_range_instants(self) -> None:

        cal = Calendar.always_open("UTC")
        with pytest.raises(InputError, match=r"^instants\[1\]: is out of range"):
            batch.is_open(cal, np.array(["2024-01-08", "10000-01-01"], "M8[D]"))

    def test_edges_of_the_datetime_range(self) -> None:
        cal = Calendar.always_open("UTC")
        col = np.array([MIN_US, MAX_US - 1], np.int64)
        assert batch.is_open(cal, col).tolist() == [True, True]


class TestEmptyColumns:
    @pytest.mark.parametrize("lib", LIBS)
    def test_every_operation_takes_empty_columns(self, lib: str) -> None:
        cal = Calendar.weekly("Europe/Paris", "Mon-Fri 09:00-17:00")
        kind = Kind(lib, "Europe/Paris", "us", chunked=False, index=[])
        t, d = kind.instants([]), kind.durations([])
        assert kind.read_bools(batch.is_open(cal, t)) == []
        assert kind.read_durations(batch.elapsed(cal, t, t, pauses=[(t, t)])) == []
        assert kind.read_instants(batch.due(cal, t, d, pauses=[(t, t), (t, t)])) == []
        assert kind.read_instants(batch.subtract(cal, t, d)) == []
        assert kind.read_instants(batch.next_open(cal, t)) == []
        assert kind.read_instants(batch.next_close(cal, t)) == []

    @pytest.mark.parametrize("lib", LIBS)
    def test_all_null_columns_give_nulls(self, lib: str) -> None:
        cal = Calendar.weekly("Europe/Paris", "Mon-Fri 09:00-17:00")
        kind = Kind(lib, "Europe/Paris", "us", chunked=False, index=[0, 1])
        t, d = kind.instants([None, None]), kind.durations([None, None])
        assert kind.read_durations(batch.elapsed(cal, t, t)) == [None, None]
        assert kind.read_instants(batch.due(cal, t, d)) == [None, None]
        assert kind.read_instants(batch.next_close(cal, t)) == [None, None]
