"""User columns <-> int64 UTC microseconds, for every batch function.

A column comes in as numpy ``datetime64`` / ``timedelta64`` (any unit) or
integers (microseconds), a pandas ``Series`` or ``Index``, a polars
``Series``, a pyarrow ``Array`` or ``ChunkedArray``, or a list of Python
values; it is read into a :class:`Column`: an int64 array of microseconds
(UTC for instants), its null mask, and what is needed to build a result of
the same kind (:func:`us_to_instants`, :func:`us_to_durations`,
:func:`to_bools`).

Rules (SEMANTICS "Instants and durations"):

- Values finer than a microsecond (pandas' and polars' ``ns``) are floored
  to the microsecond, as ``timedelta // timedelta(microseconds=1)`` does.
- numpy ``datetime64`` and integers carry no zone and are UTC by definition.
  A naive pandas, polars or Arrow column is an error
  (:class:`~slaclock.errors.NaiveDatetimeError`) unless ``assume_tz=`` names
  the zone of its wall times; they are then read exactly as the scalar path
  reads a naive datetime (``fold=0``; a wall time in a spring-forward gap is
  a :class:`~slaclock.errors.NonexistentTimeError` naming its row).
- A null (NaT, None, an Arrow or polars null) stays a null; in the int64
  array it is :data:`NULL` (int64 min, numpy's NaT), and an integer column
  holding int64 min is read as null too.

pandas, polars and pyarrow are imported only when a column of theirs is
passed (detected by the type's module name, never by importing to test).
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt

from slaclock._instants import (
    DAY_US,
    MAX_US,
    MIN_US,
    ZoneOffsets,
    from_us,
    get_zone,
    localize,
    td_to_us,
    to_us,
    us_to_td,
)
from slaclock.batch._kernels import clusters
from slaclock.errors import DurationError, InputError, NaiveDatetimeError, NonexistentTimeError

__all__ = [
    "NULL",
    "Column",
    "durations_to_us",
    "instants_to_us",
    "to_bools",
    "us_to_durations",
    "us_to_instants",
]

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: The null of an int64 microsecond column: int64 min, which is numpy's NaT.
NULL: Final = int(np.iinfo(np.int64).min)

# numpy time units as a fraction of a microsecond: value_us = value * mul // div
_UNITS: Final[Mapping[str, tuple[int, int]]] = MappingProxyType(
    {
        "W": (7 * DAY_US, 1),
        "D": (DAY_US, 1),
        "h": (3_600_000_000, 1),
        "m": (60_000_000, 1),
        "s": (1_000_000, 1),
        "ms": (1_000, 1),
        "us": (1, 1),
        "μs": (1, 1),
        "ns": (1, 1_000),
        "ps": (1, 1_000_000),
        "fs": (1, 1_000_000_000),
        "as": (1, 1_000_000_000_000),
    }
)

_RANGE_HINT: Final = "an instant must lie in the years 1-9999 that datetime holds"


@attrs.frozen(eq=False)
class Column:
    """A column read to int64 microseconds.

    Attributes
    ----------
    us
        int64 microseconds (UTC since the epoch for instants); :data:`NULL`
        at null rows.
    null
        The null mask, or None when the column has no null.
    kind
        What came in: ``"datetime64"``, ``"timedelta64"``, ``"int64"``
        (numpy), ``"pandas"``, ``"polars"``, ``"arrow"``, ``"list"``, or
        ``"scalar"`` (a single value, broadcast by the caller).
    field
        The parameter name, for messages (``"starts"``).
    source
        The input as given (for its index and name, and for showing a row's
        value in a message).
    tz
        The zone results of this kind are shown in: the input's own zone, or
        ``assume_tz`` for a naive column; None for kinds without a zone.
    lo, hi
        The smallest and largest non-null value (None if there is none).
    """

    us: I64
    null: Bools | None
    kind: str
    field: str
    source: Any = attrs.field(repr=False)
    tz: Any = None
    lo: int | None = None
    hi: int | None = None

    def __len__(self) -> int:
        return len(self.us)

    def item(self, row: int) -> object:
        """The value of ``row`` as given (for messages)."""
        src = self.source
        if self.kind == "scalar":
            return src
        if self.kind == "pandas":
            return src.iloc[row] if hasattr(src, "iloc") else src[row]
        if self.kind == "arrow":
            return src[row]
        return src[row]


# ---- reading -------------------------------------------------------------------------------


def _lib(values: object) -> str:
    module = type(values).__module__.split(".")[0]
    return module if module in ("pandas", "polars", "pyarrow", "numpy") else ""


def instants_to_us(values: object, field: str, *, assume_tz: Any = None) -> Column:
    """Read a column of instants as int64 UTC microseconds.

    Parameters
    ----------
    values
        numpy ``datetime64`` (any unit; UTC) or integer microseconds (UTC);
        a tz-aware pandas ``Series`` / ``DatetimeIndex``, polars ``Datetime``
        ``Series``, or pyarrow ``timestamp`` array (any unit); a list of aware
        datetimes (``None`` for null); or a single aware datetime.
    field
        The parameter's name, used in messages (``"starts"``).
    assume_tz
        The zone (IANA name or ``ZoneInfo``) to read a naive pandas, polars or
        Arrow column (or naive list items) in.

    Raises
    ------
    NaiveDatetimeError
        A naive pandas, polars or Arrow column (or a naive item) without
        ``assume_tz``.
    NonexistentTimeError
        A wall time in ``assume_tz``'s spring-forward gap (naming the row).
    InputError
        Values that are not instants, or outside the years 1-9999.
    """
    lib = _lib(values)
    if lib == "numpy":
        return _numpy_instants(values, field, assume_tz)
    if lib == "pandas":
        return _pandas_instants(values, field, assume_tz)
    if lib == "polars":
        return _polars_instants(values, field, assume_tz)
    if lib == "pyarrow":
        return _arrow_instants(values, field, assume_tz)
    if isinstance(values, dt.datetime):
        u = to_us(values, field, assume_tz)
        return _finish(np.array([u], np.int64), None, "scalar", field, values, None)
    if isinstance(values, (list, tuple)):
        return _list_instants(values, field, assume_tz)
    raise InputError(
        field,
        _shown(values),
        "must be a column of instants",
        "numpy datetime64, a tz-aware pandas, polars or Arrow column, or a list of datetimes",
    )


def durations_to_us(values: object, field: str, *, check: bool = True) -> Column:
    """Read a column of durations as int64 microseconds.

    Parameters
    ----------
    values
        numpy ``timedelta64`` (any unit) or integer microseconds; a pandas
        timedelta ``Series`` / ``TimedeltaIndex``, polars ``Duration``
        ``Series``, pyarrow ``duration`` array; a list of ``timedelta``
        (``None`` for null); or a single ``datetime.timedelta`` (broadcast).
    field
        The parameter's name, used in messages (``"durations"``).
    check
        Refuse negative durations (the default).

    Raises
    ------
    DurationError
        A negative duration, naming ``field[row]`` and the value, or values
        that are not durations.
    """
    lib = _lib(values)
    if lib == "numpy":
        col = _numpy_durations(values, field)
    elif lib == "pandas":
        col = _pandas_durations(values, field)
    elif lib == "polars":
        col = _polars_durations(values, field)
    elif lib == "pyarrow":
        col = _arrow_durations(values, field)
    elif isinstance(values, dt.timedelta):
        col = _finish(
            np.array([td_to_us(values, field)], np.int64), None, "scalar", field, values, None
        )
    elif isinstance(values, (list, tuple)):
        col = _list_durations(values, field)
    else:
        raise DurationError(
            field,
            _shown(values),
            "must be a column of durations",
            "numpy timedelta64, a pandas, polars or Arrow duration column, or a list of timedelta",
        )
    if check and col.lo is not None and col.lo < 0:
        row = first_row(col.us < 0, col.null)
        raise DurationError(
            f"{field}[{row}]" if col.kind != "scalar" else field,
            col.item(row),
            "must not be negative",
        )
    return col


def first_row(bad: Bools, null: Bools | None = None) -> int:
    """The first row where ``bad`` holds (outside the nulls)."""
    if null is not None:
        bad = bad & ~null
    return int(np.argmax(bad))


def _shown(values: object) -> str:
    return f"<{type(values).__module__}.{type(values).__name__}>"


def _finish(
    us: I64, null: Bools | None, kind: str, field: str, source: object, tz: object
) -> Column:
    """Put NULL at null rows and record the range of the others."""
    if null is not None and not null.any():
        null = None
    if null is None:
        if us.size:
            return Column(us, None, kind, field, source, tz, int(us.min()), int(us.max()))
        return Column(us, None, kind, field, source, tz)
    us[null] = NULL
    if null.all():
        return Column(us, null, kind, field, source, tz)
    valid = ~null
    lo = int(np.min(us, where=valid, initial=np.iinfo(np.int64).max))
    hi = int(np.max(us, where=valid, initial=NULL))
    return Column(us, null, kind, field, source, tz, lo, hi)


def _scaled(
    raw: I64, unit: str, field: str, source: object, count: int = 1
) -> tuple[I64, Bools | None]:
    """``raw`` (int64 in ``count`` numpy ``unit``, NaT as int64 min) as microseconds (floored)."""
    if unit not in _UNITS:
        raise InputError(field, _shown(source), f"has a time unit ({unit!r}) slaclock cannot read")
    mul, div = _UNITS[unit]
    mul *= count
    if div > 1 and mul > 1:  # such as 10ns: scale down first, then up (exact either way)
        g = np.gcd(mul, div)
        mul, div = mul // g, div // g
    null: Bools | None = raw == NULL
    assert null is not None
    if not null.any():
        null = None
    if mul == 1 and div == 1:
        return (raw if null is None else raw.copy()), null
    if div == 1:
        # exact: check the extremes fit before multiplying (no silent wraparound)
        valid = raw if null is None else raw[~null]
        if valid.size:
            lo, hi = int(valid.min()), int(valid.max())
            if lo * mul < MIN_US or hi * mul >= MAX_US:
                bad = (raw < -(-MIN_US // mul)) | (raw > (MAX_US - 1) // mul)
                row = first_row(bad, null)
                raise InputError(
                    f"{field}[{row}]", _item(source, row), "is out of range", _RANGE_HINT
                )
        return raw * mul, null
    if mul > 1:
        return np.floor_divide(raw * mul, div), null
    return np.floor_divide(raw, div), null


def _item(source: Any, row: int) -> object:
    if hasattr(source, "iloc"):
        return source.iloc[row]
    return source[row]


def _check_range(col: Column) -> Column:
    if col.lo is not None and col.hi is not None and (col.lo < MIN_US or col.hi >= MAX_US):
        row = first_row((col.us < MIN_US) | (col.us >= MAX_US), col.null)
        raise InputError(f"{col.field}[{row}]", col.item(row), "is out of range", _RANGE_HINT)
    return col


def _numpy_instants(values: Any, field: str, assume_tz: Any) -> Column:
    arr = np.asarray(values)
    kind = arr.dtype.kind
    if kind == "M":
        # numpy datetime64 carries no zone: UTC by definition (SEMANTICS), assume_tz unused
        if np.datetime_data(arr.dtype)[0] in ("Y", "M"):  # calendar units: numpy counts the days
            arr = arr.astype("M8[D]")
        unit, count = np.datetime_data(arr.dtype)
        us, null = _scaled(arr.view(np.int64).ravel(), unit, field, arr, count)
        return _check_range(_finish(us, null, "datetime64", field, arr, None))
    if kind in "iu":
        return _check_range(_int_column(arr, field, "int64"))
    if kind == "O":
        return _list_instants(list(arr.ravel()), field, assume_tz, kind="list")
    raise InputError(
        field,
        _shown(values),
        f"must hold instants (numpy datetime64 or int64 microseconds), not {arr.dtype}",
    )


def _int_column(arr: Any, field: str, kind: str) -> Column:
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
        row = int(np.argmax(arr > np.iinfo(np.int64).max))
        raise InputError(f"{field}[{row}]", arr[row], "is out of range", "int64 microseconds")
    us = np.ascontiguousarray(arr.ravel(), dtype=np.int64)
    null = us == NULL
    if null.any():
        us = us.copy()
        return _finish(us, null, kind, field, arr, None)
    return _finish(us, None, kind, field, arr, None)


def _pandas_instants(values: Any, field: str, assume_tz: Any) -> Column:
    import pandas as pd

    if not isinstance(values, (pd.Series, pd.Index)):
        values = pd.Series(values)
    dtype = values.dtype
    if isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        arrow = pa.array(values.array)
        got = _arrow_instants(arrow, field, assume_tz)
        return attrs.evolve(got, kind="pandas", source=values)
    if isinstance(dtype, pd.DatetimeTZDtype):
        raw = np.asarray(values.array.asi8 if hasattr(values, "array") else values.asi8)
        us, null = _scaled(raw, dtype.unit, field, values)
        return _check_range(_finish(us, null, "pandas", field, values, dtype.tz))
    if dtype.kind == "M":
        raw = np.asarray(values.to_numpy()).view(np.int64)
        wall, null = _scaled(raw, np.datetime_data(values.to_numpy().dtype)[0], field, values)
        return _naive(wall, null, "pandas", field, values, assume_tz)
    if dtype.kind == "O":
        return attrs.evolve(
            _list_instants(list(values), field, assume_tz), kind="pandas", source=values
        )
    raise InputError(field, _shown(values), f"must hold instants, not {dtype}")


def _polars_instants(values: Any, field: str, assume_tz: Any) -> Column:
    import polars as pl

    dtype = values.dtype
    if isinstance(values, pl.Series) and isinstance(dtype, pl.Datetime):
        raw, null = _polars_ints(values)
        us, null2 = _scaled(raw, dtype.time_unit or "us", field, values)
        null = null if null is not None else null2
        if dtype.time_zone is None:
            return _naive(us, null, "polars", field, values, assume_tz)
        return _check_range(_finish(us, null, "polars", field, values, dtype.time_zone))
    raise InputError(field, _shown(values), f"must be a polars Datetime Series, not {dtype}")


def _polars_ints(values: Any) -> tuple[I64, Bools | None]:
    """The physical int64 values (NULL at nulls) and the null mask of a polars Series."""
    phys = values.to_physical()
    if phys.null_count():
        null = values.is_null().to_numpy()
        raw = phys.fill_null(NULL).to_numpy()
        return np.asarray(raw, dtype=np.int64), np.asarray(null, dtype=bool)
    return np.asarray(phys.to_numpy(), dtype=np.int64), None


def _arrow_ints(values: Any) -> tuple[I64, Bools | None, Any]:
    """The int64 values (NULL at nulls), null mask and type of a pyarrow (Chunked)Array."""
    import pyarrow as pa

    typ = values.type
    as_int = values.cast(pa.int64())
    if values.null_count:
        import pyarrow.compute as pc

        null = np.asarray(values.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        raw = pc.fill_null(as_int, NULL).to_numpy()
        return np.asarray(raw, dtype=np.int64), null, typ
    raw = (
        as_int.to_numpy()
        if isinstance(as_int, pa.ChunkedArray)
        else as_int.to_numpy(zero_copy_only=False)
    )
    return np.asarray(raw, dtype=np.int64), None, typ


def _arrow_instants(values: Any, field: str, assume_tz: Any) -> Column:
    import pyarrow as pa

    if isinstance(values, (pa.Array, pa.ChunkedArray)) and pa.types.is_timestamp(values.type):
        raw, null, typ = _arrow_ints(values)
        us, null2 = _scaled(raw, typ.unit, field, values)
        null = null if null is not None else null2
        if typ.tz is None:
            return _naive(us, null, "arrow", field, values, assume_tz)
        return _check_range(_finish(us, null, "arrow", field, values, typ.tz))
    raise InputError(
        field,
        _shown(values),
        f"must be a pyarrow timestamp array, not {getattr(values, 'type', '?')}",
    )


def _list_instants(values: Sequence[Any], field: str, assume_tz: Any, kind: str = "list") -> Column:
    us = np.empty(len(values), np.int64)
    null = np.zeros(len(values), bool)
    for i, v in enumerate(values):
        if v is None or v != v:  # None, or NaT (pandas and numpy NaT are not equal to themselves)
            null[i] = True
            us[i] = NULL
            continue
        try:
            us[i] = to_us(v, f"{field}[{i}]", assume_tz)
        except OverflowError as exc:
            raise InputError(f"{field}[{i}]", v, "is out of range", _RANGE_HINT) from exc
    return _finish(us, null, kind, field, values, None)


# ---- naive columns read with assume_tz -----------------------------------------------------


def _naive(
    wall: I64, null: Bools | None, kind: str, field: str, source: Any, assume_tz: Any
) -> Column:
    """A naive column of wall times (local microseconds) read in ``assume_tz``."""
    if assume_tz is None:
        row = 0 if null is None else int(np.argmin(null))
        raise NaiveDatetimeError(
            field,
            _item(source, row) if len(wall) else _shown(source),
            "column has no time zone",
            "pass a tz-aware column, or assume_tz='Area/City' to read its wall times in that zone",
        )
    tz = assume_tz if isinstance(assume_tz, dt.tzinfo) else get_zone(assume_tz, "assume_tz")
    valid = wall if null is None else wall[~null]
    if not valid.size:
        return _finish(wall, null, kind, field, source, _tz_name(tz))
    us = _localize_wall(wall, null, tz, field, source)
    return _check_range(_finish(us, null, kind, field, source, _tz_name(tz)))


def _tz_name(tz: dt.tzinfo) -> str:
    """The zone results of a naive column are shown in (UTC when it has no IANA key)."""
    if isinstance(tz, zoneinfo.ZoneInfo) and tz.key:
        return tz.key
    return "UTC"


@functools.lru_cache(maxsize=32)
def _zone_offsets(key: str) -> ZoneOffsets:
    # ZoneOffsets samples each year once: kept per zone across calls (entries written once)
    return ZoneOffsets(key)


def _localize_wall(wall: I64, null: Bools | None, tz: dt.tzinfo, field: str, source: Any) -> I64:
    """Wall times -> UTC microseconds, row for row the scalar ``localize`` (fold 0).

    Vectorised on the zone's pieces of constant offset: a wall time that one
    piece alone shows is that piece's instant. Wall times shown twice
    (fall-back), never (spring-forward gap) or near the datetime range's
    edges are left to the scalar rule, row by row: they are few.
    """
    out = wall.copy()
    key = tz.key if isinstance(tz, zoneinfo.ZoneInfo) else None
    if tz is dt.UTC:
        return out
    if isinstance(tz, dt.timezone):
        off = tz.utcoffset(None)
        out -= off // dt.timedelta(microseconds=1)
        hard = np.zeros(len(wall), bool)
    elif key:
        hard = np.ones(len(wall), bool)
        if null is not None:
            hard &= ~null
        offsets = _zone_offsets(key)
        valid_rows = None if null is None else np.flatnonzero(~null)
        vals = wall if valid_rows is None else wall[valid_rows]
        for lo, hi, rows in clusters(vals):
            if rows is not None and valid_rows is not None:
                rows = valid_rows[rows]
            elif valid_rows is not None:
                rows = valid_rows
            w = wall if rows is None else wall[rows]
            a = max(lo - 2 * DAY_US, MIN_US + 2 * DAY_US)
            b = min(hi + 2 * DAY_US, MAX_US - 2 * DAY_US)
            if a >= b:
                continue
            pieces = np.array(offsets.pieces(a, b), dtype=np.int64).reshape(-1, 3)
            wall_start = pieces[:, 0] + pieces[:, 2]
            wall_end = pieces[:, 1] + pieces[:, 2]
            if np.any(np.diff(wall_start) <= 0):  # never in tzdata; leave it to the scalar rule
                continue
            # a wall time shown by exactly one piece: after every earlier piece's end
            prev_end = np.empty_like(wall_end)
            prev_end[0] = NULL
            np.maximum.accumulate(wall_end[:-1], out=prev_end[1:])
            idx = np.searchsorted(wall_start, w, side="right") - 1
            np.clip(idx, 0, len(pieces) - 1, out=idx)
            unique = (w >= wall_start[idx]) & (w < wall_end[idx]) & (w >= prev_end[idx])
            got = w - pieces[idx, 2]
            if rows is None:
                np.copyto(out, got, where=unique)
                hard &= ~unique
            else:
                out[rows[unique]] = got[unique]
                hard[rows[unique]] = False
    else:  # some other tzinfo: the scalar rule for every row
        hard = np.ones(len(wall), bool) if null is None else ~null
    for row in np.flatnonzero(hard).tolist():
        naive = dt.datetime(1970, 1, 1) + us_to_td(int(wall[row]))  # noqa: DTZ001  # a wall time
        try:
            aware = localize(naive, tz, f"{field}[{row}]")
            out[row] = to_us(aware)
        except NonexistentTimeError as exc:
            raise NonexistentTimeError(
                f"{field}[{row}]", _item(source, row), exc.problem, exc.hint
            ) from None
        except OverflowError as exc:
            raise InputError(
                f"{field}[{row}]", _item(source, row), "is out of range", _RANGE_HINT
            ) from exc
    return out


# ---- durations -------------------------------------------------------------------------------


def _numpy_durations(values: Any, field: str) -> Column:
    arr = np.asarray(values)
    kind = arr.dtype.kind
    if kind == "m":
        unit, count = np.datetime_data(arr.dtype)
        if unit in ("Y", "M"):
            raise DurationError(
                field, _shown(values), f"has a calendar unit ({unit}), not a fixed duration"
            )
        us, null = _scaled(arr.view(np.int64).ravel(), unit, field, arr, count)
        return _finish(us, null, "timedelta64", field, arr, None)
    if kind in "iu":
        return _int_column(arr, field, "int64")
    if kind == "O":
        return _list_durations(list(arr.ravel()), field)
    raise DurationError(
        field,
        _shown(values),
        f"must hold durations (numpy timedelta64 or int64 microseconds), not {arr.dtype}",
    )


def _pandas_durations(values: Any, field: str) -> Column:
    import pandas as pd

    if not isinstance(values, (pd.Series, pd.Index)):
        values = pd.Series(values)
    dtype = values.dtype
    if isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        got = _arrow_durations(pa.array(values.array), field)
        return attrs.evolve(got, kind="pandas", source=values)
    if dtype.kind == "m":
        arr = values.to_numpy()
        us, null = _scaled(arr.view(np.int64), np.datetime_data(arr.dtype)[0], field, values)
        return _finish(us, null, "pandas", field, values, None)
    if dtype.kind == "O":
        return attrs.evolve(_list_durations(list(values), field), kind="pandas", source=values)
    raise DurationError(field, _shown(values), f"must hold durations, not {dtype}")


def _polars_durations(values: Any, field: str) -> Column:
    import polars as pl

    dtype = values.dtype
    if isinstance(values, pl.Series) and isinstance(dtype, pl.Duration):
        raw, null = _polars_ints(values)
        us, null2 = _scaled(raw, dtype.time_unit or "us", field, values)
        return _finish(us, null if null is not None else null2, "polars", field, values, None)
    raise DurationError(field, _shown(values), f"must be a polars Duration Series, not {dtype}")


def _arrow_durations(values: Any, field: str) -> Column:
    import pyarrow as pa

    if isinstance(values, (pa.Array, pa.ChunkedArray)) and pa.types.is_duration(values.type):
        raw, null, typ = _arrow_ints(values)
        us, null2 = _scaled(raw, typ.unit, field, values)
        return _finish(us, null if null is not None else null2, "arrow", field, values, None)
    raise DurationError(
        field,
        _shown(values),
        f"must be a pyarrow duration array, not {getattr(values, 'type', '?')}",
    )


def _list_durations(values: Sequence[Any], field: str) -> Column:
    us = np.empty(len(values), np.int64)
    null = np.zeros(len(values), bool)
    for i, v in enumerate(values):
        if v is None or v != v:  # None, or NaT (pandas and numpy NaT are not equal to themselves)
            null[i] = True
            us[i] = NULL
        else:
            us[i] = td_to_us(v, f"{field}[{i}]")
    return _finish(us, null, "list", field, values, None)


# ---- building results ----------------------------------------------------------------------


def _nulled(us: I64, null: Bools | None) -> I64:
    if null is not None:
        us[null] = NULL
    return us


def us_to_instants(us: I64, null: Bools | None, like: Column) -> Any:
    """UTC microseconds as a column of the same kind as ``like``.

    numpy ``datetime64`` in -> ``datetime64[us]`` (NaT for null); integers in ->
    int64 microseconds (:data:`NULL` for null); pandas -> a ``Series`` (or
    ``DatetimeIndex``) with ``like``'s index and name, unit ``us``, in
    ``like``'s zone; polars -> ``Datetime("us", zone)``; Arrow ->
    ``timestamp("us", zone)`` with nulls; a list -> a list of UTC-aware
    datetimes (``None`` for null). ``us`` may be written to.
    """
    us = _nulled(us, null)
    kind = like.kind
    if kind in ("datetime64", "timedelta64"):
        return us.view("M8[us]")
    if kind == "int64":
        return us
    if kind == "pandas":
        import pandas as pd

        tz = like.tz if like.tz is not None else "UTC"
        data = pd.array(us.view("M8[us]"), dtype=pd.DatetimeTZDtype("us", "UTC"))
        src = like.source
        if isinstance(src, pd.Index):
            return pd.DatetimeIndex(data, name=src.name).tz_convert(tz)
        return pd.Series(data, index=src.index, name=src.name, copy=False).dt.tz_convert(tz)
    if kind == "polars":
        import polars as pl

        s = pl.Series(like.source.name, us.view("M8[us]"))
        return s.cast(pl.Datetime("us", like.tz or "UTC"))
    if kind == "arrow":
        import pyarrow as pa

        arr = pa.array(us, type=pa.timestamp("us", tz=like.tz or "UTC"), mask=null)
        return pa.chunked_array([arr]) if isinstance(like.source, pa.ChunkedArray) else arr
    if kind == "scalar":
        return None if null is not None and null[0] else from_us(int(us[0]))
    return [None if u == NULL else from_us(u) for u in us.tolist()]


def us_to_durations(us: I64, null: Bools | None, like: Column) -> Any:
    """Microseconds as a duration column of the same kind as ``like``.

    numpy -> ``timedelta64[us]`` (NaT for null); integers -> int64
    microseconds (:data:`NULL` for null); pandas -> a timedelta ``Series`` (or
    ``TimedeltaIndex``) with ``like``'s index and name; polars ->
    ``Duration("us")``; Arrow -> ``duration("us")`` with nulls; a list -> a
    list of ``timedelta`` (``None`` for null). ``us`` may be written to.
    """
    us = _nulled(us, null)
    kind = like.kind
    if kind in ("datetime64", "timedelta64"):
        return us.view("m8[us]")
    if kind == "int64":
        return us
    if kind == "pandas":
        import pandas as pd

        src = like.source
        if isinstance(src, pd.Index):
            return pd.TimedeltaIndex(us.view("m8[us]"), name=src.name)
        return pd.Series(us.view("m8[us]"), index=src.index, name=src.name, copy=False)
    if kind == "polars":
        import polars as pl

        return pl.Series(like.source.name, us.view("m8[us]"))
    if kind == "arrow":
        import pyarrow as pa

        arr = pa.array(us, type=pa.duration("us"), mask=null)
        return pa.chunked_array([arr]) if isinstance(like.source, pa.ChunkedArray) else arr
    if kind == "scalar":
        return None if null is not None and null[0] else us_to_td(int(us[0]))
    return [None if u == NULL else us_to_td(u) for u in us.tolist()]


def to_bools(values: Bools, null: Bools | None, like: Column) -> Any:
    """A boolean result of the same kind as ``like``.

    numpy has no boolean null: a null row is False there (``np.isnat`` of the
    input tells them apart). pandas gives ``bool``, or the nullable
    ``"boolean"`` dtype with ``<NA>`` when there are nulls; polars and Arrow
    booleans carry nulls; a list holds ``None``.
    """
    if null is not None and not null.any():
        null = None
    kind = like.kind
    if kind in ("datetime64", "timedelta64", "int64"):
        if null is not None:
            values[null] = False
        return values
    if kind == "pandas":
        import pandas as pd

        src = like.source
        data: Any = values
        if null is not None:
            data = pd.arrays.BooleanArray(values, null)
        if isinstance(src, pd.Index):
            return pd.Index(data, name=src.name)
        return pd.Series(data, index=src.index, name=src.name, copy=False)
    if kind == "polars":
        import polars as pl

        s = pl.Series(like.source.name, values)
        return s if null is None else s.scatter(np.flatnonzero(null), None)
    if kind == "arrow":
        import pyarrow as pa

        arr = pa.array(values, type=pa.bool_(), mask=null)
        return pa.chunked_array([arr]) if isinstance(like.source, pa.ChunkedArray) else arr
    if kind == "scalar":
        return None if null is not None else bool(values[0])
    out: list[bool | None] = values.tolist()
    if null is not None:
        for i in np.flatnonzero(null).tolist():
            out[i] = None
    return out
