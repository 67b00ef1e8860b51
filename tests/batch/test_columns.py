"""Reading user columns into int64 microseconds, and building results of the same kind.

Naive columns read with ``assume_tz`` must give, row by row, what the scalar
path gives for the same naive datetime (``_instants.to_us``), including wall
times in DST gaps (an error naming the row) and folds (the first instant).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

np = pytest.importorskip("numpy")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from slaclock._instants import MAX_US, MIN_US, to_us  # noqa: E402
from slaclock.batch._columns import (  # noqa: E402
    NULL,
    durations_to_us,
    instants_to_us,
    to_bools,
    us_to_durations,
    us_to_instants,
)
from slaclock.errors import (  # noqa: E402
    DurationError,
    InputError,
    NaiveDatetimeError,
    NonexistentTimeError,
    UnknownTimeZoneError,
)
from slaclock.testing import strategies as sst  # noqa: E402

US = timedelta(microseconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NAIVE_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001  # wall times
NAIVE_LIBS = tuple(
    lib for lib in ("pandas", "polars", "pyarrow") if importlib.util.find_spec(lib) is not None
)


def us(t: datetime) -> int:
    return (t - EPOCH) // US


def naive_column(lib: str, walls: list[datetime | None]) -> Any:
    raw = np.array([NULL if w is None else (w - NAIVE_EPOCH) // US for w in walls], np.int64).view(
        "M8[us]"
    )
    if lib == "pandas":
        import pandas as pd

        return pd.Series(raw)
    if lib == "polars":
        import polars as pl

        return pl.Series("w", raw)
    import pyarrow as pa

    return pa.array(walls, type=pa.timestamp("us"))


@st.composite
def wall_times(draw: st.DrawFn) -> tuple[str, list[datetime | None]]:
    """A zone and naive wall times near its transitions (in gaps and folds too)."""
    zone = draw(sst.zones())
    anchor = draw(sst.anchor_dates(zone=zone, transition_share=90))
    near = sst.instants(zone=zone, around=anchor, within_days=2)
    walls: list[datetime | None] = []
    for _ in range(draw(st.integers(1, 10))):
        if draw(st.integers(0, 9)) == 0:
            walls.append(None)
            continue
        t = draw(near).astimezone(ZoneInfo(zone)).replace(tzinfo=None, fold=0)
        walls.append(t + draw(st.sampled_from((timedelta(0), timedelta(minutes=30), -US))))
    return zone, walls


class TestNaiveColumnsWithAssumeTz:
    @pytest.mark.skipif(not NAIVE_LIBS, reason="needs pandas, polars or pyarrow")
    @given(wall_times(), st.sampled_from(NAIVE_LIBS or ("pandas",)), st.booleans())
    def test_every_row_is_the_scalar_reading(
        self, case: tuple[str, list[datetime | None]], lib: str, as_zoneinfo: bool
    ) -> None:
        zone, walls = case
        assume: Any = ZoneInfo(zone) if as_zoneinfo else zone
        expected: list[int | NonexistentTimeError | None] = []
        for w in walls:
            if w is None:
                expected.append(None)
                continue
            try:
                expected.append(to_us(w, "t", assume))
            except NonexistentTimeError as exc:
                expected.append(exc)
        col = naive_column(lib, walls)
        bad = [i for i, e in enumerate(expected) if isinstance(e, NonexistentTimeError)]
        if bad:
            with pytest.raises(
                NonexistentTimeError, match=rf"^starts\[{bad[0]}\]: wall time does not exist"
            ):
                instants_to_us(col, "starts", assume_tz=assume)
            return
        got = instants_to_us(col, "starts", assume_tz=assume)
        assert [None if v == NULL else v for v in got.us.tolist()] == expected

    def test_a_fixed_offset_and_utc(self) -> None:
        pd = pytest.importorskip("pandas")
        s = pd.Series(pd.to_datetime(["2024-01-08 09:00"]))
        plus2 = timezone(timedelta(hours=2))
        assert instants_to_us(s, "t", assume_tz=plus2).us.tolist() == [
            us(datetime(2024, 1, 8, 7, tzinfo=UTC))
        ]
        assert instants_to_us(s, "t", assume_tz=UTC).us.tolist() == [
            us(datetime(2024, 1, 8, 9, tzinfo=UTC))
        ]

    def test_the_result_is_shown_in_the_assumed_zone(self) -> None:
        pd = pytest.importorskip("pandas")
        s = pd.Series(pd.to_datetime(["2024-11-03 01:30"]), name="w")
        col = instants_to_us(s, "t", assume_tz="America/New_York")
        out = us_to_instants(col.us.copy(), col.null, col)
        assert str(out.dtype) == "datetime64[us, America/New_York]"
        assert out.iloc[0].utcoffset() == timedelta(hours=-4)  # fold 0: the first 01:30

    def test_without_assume_tz_the_column_is_refused(self) -> None:
        for lib in NAIVE_LIBS:
            col = naive_column(lib, [None, datetime(2024, 1, 8, 9)])  # noqa: DTZ001
            with pytest.raises(NaiveDatetimeError, match=r"^starts: column has no time zone"):
                instants_to_us(col, "starts")

    def test_a_bad_zone_is_named(self) -> None:
        pd = pytest.importorskip("pandas")
        with pytest.raises(UnknownTimeZoneError, match=r"^assume_tz: "):
            instants_to_us(pd.Series(pd.to_datetime(["2024-01-08"])), "t", assume_tz="Nowhere")

    def test_numpy_datetime64_is_utc_and_ignores_assume_tz(self) -> None:
        col = instants_to_us(np.array(["2024-01-08T09:00"], "M8[m]"), "t", assume_tz="Asia/Tokyo")
        assert col.us.tolist() == [us(datetime(2024, 1, 8, 9, tzinfo=UTC))]

    def test_naive_list_items_follow_the_scalar_rule(self) -> None:
        naive = datetime(2024, 1, 8, 9)  # noqa: DTZ001
        with pytest.raises(NaiveDatetimeError, match=r"^starts\[1\]: datetime has no time zone"):
            instants_to_us([datetime(2024, 1, 8, tzinfo=UTC), naive], "starts")
        got = instants_to_us([naive, None], "starts", assume_tz="Europe/Paris")
        assert got.us.tolist() == [us(datetime(2024, 1, 8, 8, tzinfo=UTC)), NULL]


class TestUnits:
    @pytest.mark.parametrize(
        ("unit", "raw", "expected"),
        [
            ("ns", [-1, 1999, 2000], [-1, 1, 2]),
            ("ps", [-1, 1_000_000], [-1, 1]),
            ("us", [5], [5]),
            ("ms", [-3], [-3000]),
            ("s", [2], [2_000_000]),
            ("D", [1], [86_400_000_000]),
            ("10ms", [1], [10_000]),
            ("10ns", [-1, 150], [-1, 1]),
        ],
    )
    def test_numpy_units_floor_to_the_microsecond(
        self, unit: str, raw: list[int], expected: list[int]
    ) -> None:
        col = instants_to_us(np.array(raw, np.int64).view(f"M8[{unit}]"), "t")
        assert col.us.tolist() == expected
        dur = durations_to_us(np.array(raw, np.int64).view(f"m8[{unit}]"), "d", check=False)
        assert dur.us.tolist() == expected

    def test_calendar_units(self) -> None:
        col = instants_to_us(np.array(["2024-02"], "M8[M]"), "t")
        assert col.us.tolist() == [us(datetime(2024, 2, 1, tzinfo=UTC))]
        with pytest.raises(DurationError, match=r"calendar unit"):
            durations_to_us(np.array([1], "m8[M]"), "d")

    def test_nat_is_null(self) -> None:
        col = instants_to_us(np.array(["NaT", "2024-01-01"], "M8[ns]"), "t")
        assert col.null is not None
        assert col.null.tolist() == [True, False]
        assert col.us.tolist()[0] == NULL
        assert col.lo == col.hi == us(datetime(2024, 1, 1, tzinfo=UTC))

    def test_integer_columns_are_microseconds(self) -> None:
        assert instants_to_us(np.array([1, 2], np.int32), "t").us.tolist() == [1, 2]
        with pytest.raises(InputError, match=r"^t\[1\]: is out of range"):
            instants_to_us(np.array([0, 2**63], np.uint64), "t")
        with pytest.raises(InputError, match=r"^t: must hold instants"):
            instants_to_us(np.array([1.5]), "t")

    def test_out_of_range_is_named(self) -> None:
        with pytest.raises(InputError, match=r"^t\[0\]: is out of range"):
            instants_to_us(np.array([MAX_US], np.int64), "t")
        with pytest.raises(InputError, match=r"^t\[1\]: is out of range"):
            instants_to_us(np.array([0, MIN_US // 1000 - 1], np.int64).view("M8[ms]"), "t")

    def test_not_a_column(self) -> None:
        with pytest.raises(InputError, match=r"^t: must be a column of instants"):
            instants_to_us({"a": 1}, "t")
        with pytest.raises(DurationError, match=r"^d: must be a column of durations"):
            durations_to_us("1h", "d")


class TestDurations:
    def test_a_single_timedelta_is_one_value(self) -> None:
        col = durations_to_us(timedelta(hours=1), "durations")
        assert col.kind == "scalar"
        assert col.us.tolist() == [3_600_000_000]

    def test_negative_is_named_with_row_and_value(self) -> None:
        with pytest.raises(
            DurationError,
            match=r"^durations\[2\]: must not be negative \(got datetime.timedelta\(days=-1, seconds=86399\)\)",
        ):
            durations_to_us([timedelta(0), None, timedelta(seconds=-1)], "durations")
        with pytest.raises(DurationError, match=r"^durations: must not be negative"):
            durations_to_us(timedelta(seconds=-1), "durations")

    def test_library_durations(self) -> None:
        for lib in NAIVE_LIBS:
            if lib == "pandas":
                import pandas as pd

                v: Any = pd.Series(pd.to_timedelta(["1h", None, "1500ns"]))
            elif lib == "polars":
                import polars as pl

                v = pl.Series("d", [timedelta(hours=1), None, timedelta(microseconds=1)]).cast(
                    pl.Duration("ns")
                )
            else:
                import pyarrow as pa

                v = pa.array([3_600_000_000, None, 1], type=pa.duration("us"))
            col = durations_to_us(v, "d")
            assert col.us.tolist() == [3_600_000_000, NULL, 1]
            out = us_to_durations(col.us.copy(), col.null, col)
            assert len(out) == 3


class TestRoundTrips:
    def test_pandas_series_keeps_index_name_zone_and_nulls(self) -> None:
        pd = pytest.importorskip("pandas")
        s = pd.Series(
            pd.to_datetime(["2024-03-31 01:59:59.999999", None]).tz_localize("Europe/Paris"),
            index=pd.Index([10, 20], name="row"),
            name="opened",
        ).dt.as_unit("ns")
        col = instants_to_us(s, "t")
        out = us_to_instants(col.us.copy(), col.null, col)
        assert out.index.equals(s.index)
        assert out.name == "opened"
        assert str(out.dtype) == "datetime64[us, Europe/Paris]"
        assert out.iloc[0] == s.iloc[0]
        assert out.isna().tolist() == [False, True]

    def test_pandas_arrow_backed_column(self) -> None:
        pd = pytest.importorskip("pandas")
        pytest.importorskip("pyarrow")
        s = pd.Series(
            [datetime(2024, 1, 8, tzinfo=UTC), None], dtype="timestamp[ns, tz=UTC][pyarrow]"
        )
        col = instants_to_us(s, "t")
        assert col.us.tolist() == [us(datetime(2024, 1, 8, tzinfo=UTC)), NULL]
        assert col.kind == "pandas"

    def test_pandas_object_column_is_read_item_by_item(self) -> None:
        pd = pytest.importorskip("pandas")
        paris = ZoneInfo("Europe/Paris")
        s = pd.Series([datetime(2024, 1, 8, 9, tzinfo=paris), None], dtype=object)
        col = instants_to_us(s, "t")
        assert col.us.tolist() == [us(datetime(2024, 1, 8, 8, tzinfo=UTC)), NULL]
        out = us_to_instants(col.us.copy(), col.null, col)
        assert out.iloc[0] == datetime(2024, 1, 8, 8, tzinfo=UTC)

    def test_polars_keeps_name_and_zone(self) -> None:
        pl = pytest.importorskip("polars")
        s = pl.Series("t", [datetime(2024, 1, 8, tzinfo=UTC), None]).cast(
            pl.Datetime("ns", "America/New_York")
        )
        col = instants_to_us(s, "t")
        out = us_to_instants(col.us.copy(), col.null, col)
        assert out.name == "t"
        assert out.dtype == pl.Datetime("us", "America/New_York")
        assert out.to_list() == s.to_list()

    def test_arrow_chunked_stays_chunked(self) -> None:
        pa = pytest.importorskip("pyarrow")
        arr = pa.chunked_array(
            [
                pa.array([0], pa.timestamp("s", tz="Asia/Tokyo")),
                pa.array([None, 1], pa.timestamp("s", tz="Asia/Tokyo")),
            ]
        )
        col = instants_to_us(arr, "t")
        assert col.us.tolist() == [0, NULL, 1_000_000]
        out = us_to_instants(col.us.copy(), col.null, col)
        assert isinstance(out, pa.ChunkedArray)
        assert out.type == pa.timestamp("us", tz="Asia/Tokyo")
        assert out.null_count == 1

    def test_numpy_bools_have_no_null(self) -> None:
        col = instants_to_us(np.array(["NaT", "2024-01-01"], "M8[us]"), "t")
        out = to_bools(np.array([True, True]), col.null, col)
        assert out.tolist() == [False, True]

    def test_nat_in_a_list_is_null(self) -> None:
        t = datetime(2024, 1, 8, tzinfo=UTC)
        col = instants_to_us([np.datetime64("NaT"), t], "t")
        assert col.us.tolist() == [NULL, us(t)]
        dur = durations_to_us([np.timedelta64("NaT"), timedelta(1)], "d")
        assert dur.us.tolist() == [NULL, 86_400_000_000]

    def test_a_list_gives_utc_datetimes(self) -> None:
        t = datetime(2024, 1, 8, 9, tzinfo=ZoneInfo("Asia/Kathmandu"))
        col = instants_to_us([t, None], "t")
        out = us_to_instants(col.us.copy(), col.null, col)
        assert out == [t.astimezone(UTC), None]
        assert out[0].tzinfo is UTC


def test_only_the_library_of_the_input_is_imported() -> None:
    code = (
        "import sys, numpy as np, datetime as dt\n"
        "import slaclock\n"
        "from slaclock import batch\n"
        "cal = slaclock.Calendar.weekly('UTC', 'Mon-Fri 09:00-17:00')\n"
        "a = np.array(['2024-01-08T10:00'], 'M8[us]')\n"
        "batch.elapsed(cal, a, a); batch.due(cal, a, dt.timedelta(hours=1))\n"
        "print(sorted(m for m in ('pandas', 'polars', 'pyarrow') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_midnight_wall_times_of_every_hard_zone() -> None:
    pd = pytest.importorskip("pandas")
    for zone in sst.HARD_ZONES:
        days = pd.date_range("2011-01-01", "2026-12-31", freq="D")
        walls = [datetime.combine(d.date(), time()) for d in days]
        expected = []
        keep = []
        for w in walls:
            try:
                expected.append(to_us(w, "t", zone))
                keep.append(w)
            except NonexistentTimeError:
                pass
        got = instants_to_us(pd.Series(pd.to_datetime(keep)), "t", assume_tz=zone)
        assert got.us.tolist() == expected, zone
