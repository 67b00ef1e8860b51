"""Tables in and out of the batch path: pandas, polars and Arrow frames as numpy columns.

Only this module (and :mod:`slaclock.batch._columns`, for single columns)
knows the dataframe libraries. A frame is read into plain numpy arrays
(int64 microseconds for instants, integer codes plus their labels for text),
and results are built back into a frame of the caller's library. A library
is imported only when a frame of it is passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from slaclock.errors import InputError, TableFormatError

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Objects = npt.NDArray[np.object_]

#: The null of an int64 microsecond column (numpy's NaT).
NULL: Final = np.iinfo(np.int64).min

LIBRARIES: Final = ("pandas", "polars", "arrow")


class Text:
    """A text column as integer codes (-1 for null) into a list of distinct labels."""

    __slots__ = ("codes", "labels")

    def __init__(self, codes: npt.NDArray[np.integer[Any]], labels: Sequence[Any]) -> None:
        self.codes = codes
        self.labels = list(labels)

    @classmethod
    def constant(cls, k: int, label: Any) -> Text:
        """``k`` rows of one label (None: ``k`` nulls)."""
        if label is None:
            return cls(np.full(k, -1, dtype=np.int8), [])
        return cls(np.zeros(k, dtype=np.int8), [label])

    @classmethod
    def of(cls, values: Sequence[Any]) -> Text:
        """Codes for a short list of Python values."""
        codes, labels = _factorize(values)
        return cls(codes, labels)

    def take(self, idx: I64) -> Text:
        """The rows ``idx``."""
        return Text(self.codes[idx], self.labels)

    def compact(self) -> Text:
        """The same column with only the labels some row uses (categories without ghosts)."""
        if not self.labels:
            return self
        valid = self.codes >= 0
        used = np.bincount(self.codes[valid], minlength=len(self.labels)) > 0
        if used.all():
            return self
        lut = np.full(len(self.labels) + 1, -1, dtype=np.int64)
        lut[np.flatnonzero(used)] = np.arange(int(used.sum()), dtype=np.int64)
        codes = lut[self.codes].astype(self.codes.dtype, copy=False)
        return Text(codes, [v for v, u in zip(self.labels, used, strict=True) if u])

    def __len__(self) -> int:
        return len(self.codes)


class Ids:
    """The ticket ids of a table: whole numbers (``ints``) or codes into labels (text, categories)."""

    __slots__ = ("categorical", "codes", "ints", "labels", "null")

    def __init__(
        self,
        *,
        ints: I64 | None = None,
        null: Bools | None = None,
        codes: I64 | None = None,
        labels: Sequence[Any] | None = None,
        categorical: bool = False,
    ) -> None:
        self.ints = ints
        self.codes = codes
        self.labels = list(labels) if labels is not None else None
        n = len(ints) if ints is not None else len(codes) if codes is not None else 0
        self.null = np.zeros(n, dtype=bool) if null is None else null
        self.categorical = categorical

    def __len__(self) -> int:
        return len(self.null)

    def value(self, i: int) -> Any:
        """The id of row ``i`` as a Python value (None when null)."""
        if self.null[i]:
            return None
        if self.ints is not None:
            return int(self.ints[i])
        assert self.codes is not None and self.labels is not None
        v = self.labels[int(self.codes[i])]
        return v.item() if hasattr(v, "item") else v

    def keys(self) -> I64:
        """One int64 per row, equal for equal ids (nulls: -1 codes or 0 ints, see ``null``)."""
        if self.ints is not None:
            return self.ints
        assert self.codes is not None
        return self.codes

    def empty(self) -> Bools:
        """Rows whose id is null or blank text."""
        if self.ints is not None:
            return self.null.copy()
        assert self.codes is not None and self.labels is not None
        blank = np.array(
            [isinstance(v, str) and not v.strip() for v in self.labels] + [True], dtype=bool
        )
        out: Bools = self.null | blank[self.codes]
        return out

    def take(self, idx: I64) -> Any:
        """Output column data for rows ``idx``: int64, a :class:`Text`, or an object array."""
        if self.ints is not None:
            return self.ints[idx]
        assert self.codes is not None and self.labels is not None
        if self.categorical:
            return Text(self.codes[idx], self.labels)
        labels = np.array([*self.labels, None], dtype=object)
        return labels[self.codes[idx]]


def read_ids(col: Any, lib: str) -> Ids:
    """The ticket id column of a table."""
    if lib == "pandas":
        import pandas as pd

        if col.dtype.kind in "iu":
            return Ids(ints=col.to_numpy(dtype=np.int64))
        if isinstance(col.dtype, pd.CategoricalDtype):
            c, labels = codes(col, lib)
            return Ids(codes=c, labels=labels, null=c < 0, categorical=True)
        if pd.api.types.is_integer_dtype(col.dtype):  # nullable Int64
            mask = col.isna().to_numpy()
            return Ids(ints=col.to_numpy(dtype=np.int64, na_value=0), null=mask)
    elif lib == "polars":
        import polars as pl

        if col.dtype.is_integer():
            mask = col.is_null().to_numpy()
            return Ids(ints=col.fill_null(0).to_numpy().astype(np.int64), null=mask)
        cat = isinstance(col.dtype, (pl.Categorical, pl.Enum))
        c, labels = codes(col, lib)
        return Ids(codes=c, labels=labels, null=c < 0, categorical=cat)
    else:
        import pyarrow as pa

        if pa.types.is_integer(col.type):
            mask = col.is_null().to_numpy(zero_copy_only=False)
            filled = col.fill_null(0) if col.null_count else col
            return Ids(ints=filled.to_numpy(zero_copy_only=False).astype(np.int64), null=mask)
        cat = pa.types.is_dictionary(col.type)
        c, labels = codes(col, lib)
        return Ids(codes=c, labels=labels, null=c < 0, categorical=cat)
    c, labels = codes(col, lib)
    return Ids(codes=c, labels=labels, null=c < 0)


def library_of(frame: object, name: str) -> str:
    """``"pandas"``, ``"polars"`` or ``"arrow"`` for a frame of that library."""
    module = type(frame).__module__.split(".")[0]
    kind = type(frame).__name__
    if module == "pandas" and kind == "DataFrame":
        return "pandas"
    if module == "polars" and kind == "DataFrame":
        return "polars"
    if module == "pyarrow" and kind in ("Table", "RecordBatch"):
        return "arrow"
    raise InputError(
        name,
        f"<{type(frame).__module__}.{kind}>",
        "must be a pandas DataFrame, a polars DataFrame or a pyarrow Table",
    )


def columns_of(frame: Any, lib: str) -> list[str]:
    """The column names of a frame, in order."""
    if lib == "arrow":
        return [str(c) for c in frame.schema.names]
    return [str(c) for c in frame.columns]


def length(frame: Any) -> int:
    """The number of rows."""
    return int(frame.num_rows) if hasattr(frame, "num_rows") else len(frame)


def require(frame: Any, lib: str, name: str, required: Sequence[str]) -> list[str]:
    """Check the required columns are there; return all column names."""
    cols = columns_of(frame, lib)
    seen = set()
    for col in cols:
        if col in seen:
            raise TableFormatError(f"{name} header", col, "repeats a column")
        seen.add(col)
    for col in required:
        if col not in seen:
            raise TableFormatError(
                f"{name} header",
                col,
                f"is a missing column (columns: {', '.join(cols)})",
                f"the table needs the columns {', '.join(required)}",
            )
    return cols


def column(frame: Any, lib: str, name: str) -> Any:
    """One column in its library's own type (pandas Series, polars Series, Arrow array)."""
    if lib == "arrow":
        col = frame.column(name)
        return col.combine_chunks() if hasattr(col, "combine_chunks") else col
    return frame[name]


def codes(col: Any, lib: str) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Text (or any hashable) column as integer codes (-1 for null) and the labels.

    Categorical columns give their codes without looking at the values.
    """
    if lib == "pandas":
        import pandas as pd

        if isinstance(col.dtype, pd.CategoricalDtype):
            return col.cat.codes.to_numpy(dtype=np.int64), list(col.cat.categories)
        c, uniques = pd.factorize(col, use_na_sentinel=True)
        return c.astype(np.int64, copy=False), list(uniques)
    if lib == "polars":
        import polars as pl

        if isinstance(col.dtype, (pl.Categorical, pl.Enum)):
            phys = col.to_physical()
            labels = col.cat.get_categories().to_list()
            c = phys.fill_null(-1).to_numpy().astype(np.int64)
            return c, labels
        return codes(col.to_pandas(), "pandas") if _has_pandas() else _factorize(col.to_list())
    import pyarrow as pa

    if not pa.types.is_dictionary(col.type):
        col = col.dictionary_encode()
    idx = col.indices.to_numpy(zero_copy_only=False)
    if col.null_count:
        mask = col.is_null().to_numpy(zero_copy_only=False)
        idx = np.where(mask, -1, np.nan_to_num(idx, nan=-1))
    return np.asarray(idx, dtype=np.int64), col.dictionary.to_pylist()


def _has_pandas() -> bool:
    try:
        import pandas  # noqa: F401
    except ImportError:  # pragma: no cover - pandas is installed with the test extras
        return False
    return True


def _factorize(values: Sequence[Any]) -> tuple[npt.NDArray[np.int64], list[Any]]:
    seen: dict[Any, int] = {}
    out = np.empty(len(values), dtype=np.int64)
    for i, v in enumerate(values):
        if v is None:
            out[i] = -1
        else:
            out[i] = seen.setdefault(v, len(seen))
    return out, list(seen)


def _all_null_type(col: Any, lib: str) -> bool:
    """True for a column of the Null type (polars ``Null``, Arrow ``null``): an empty column
    of an export, read as all missing (each row then fails on its own, as any null cell)."""
    if lib == "polars":
        import polars as pl

        return bool(col.dtype == pl.Null)
    if lib == "arrow":
        import pyarrow as pa

        return bool(pa.types.is_null(col.type))
    return False


def integers(col: Any, lib: str, table: str, name: str) -> tuple[I64, Bools]:
    """A whole-number column as int64 and its null mask."""
    if _all_null_type(col, lib):
        return np.zeros(len(col), dtype=np.int64), np.ones(len(col), dtype=bool)
    if lib == "pandas":
        mask = col.isna().to_numpy()
        kind = col.dtype.kind
        if kind in "iu" or (kind == "f" and _whole(col.to_numpy(), mask)):
            vals = col.to_numpy(dtype=np.float64 if kind == "f" else np.int64, na_value=0)
            return np.asarray(vals, dtype=np.int64), mask
        try:  # nullable Int64
            return col.to_numpy(dtype=np.int64, na_value=0), mask
        except (TypeError, ValueError):
            pass
    elif lib == "polars":
        if col.dtype.is_integer():
            mask = col.is_null().to_numpy()
            return col.fill_null(0).to_numpy().astype(np.int64), mask
    else:
        import pyarrow as pa

        if pa.types.is_integer(col.type):
            mask = col.is_null().to_numpy(zero_copy_only=False)
            filled = col.fill_null(0) if col.null_count else col
            return filled.to_numpy(zero_copy_only=False).astype(np.int64), mask
    raise TableFormatError(
        f"{table}.{name}",
        str(getattr(col, "dtype", getattr(col, "type", "?"))),
        "must be a column of whole numbers",
    )


def _whole(values: npt.NDArray[Any], mask: Bools) -> bool:
    v = values[~mask]
    return bool(np.all(np.isfinite(v)) and np.all(v == np.floor(v)))


def instants(col: Any, table: str, name: str, assume_tz: Any) -> tuple[I64, Bools]:
    """An instant column as UTC microseconds and its null mask (nulls hold :data:`NULL`)."""
    from slaclock.batch._columns import instants_to_us

    lib = type(col).__module__.split(".")[0]
    if _all_null_type(col, "arrow" if lib == "pyarrow" else lib):
        return np.full(len(col), NULL, dtype=np.int64), np.ones(len(col), dtype=bool)
    got = instants_to_us(col, f"{table}.{name}", assume_tz=assume_tz)
    us = np.asarray(got.us, dtype=np.int64)
    null = np.zeros(len(us), dtype=bool) if got.null is None else np.asarray(got.null, dtype=bool)
    if null.any():
        us = np.where(null, NULL, us)
    return us, null


# ---- building result frames --------------------------------------------------------------

#: Column kinds of a built frame: "text" (object array, None for null), "int" (int64),
#: "float" (float64), "instant" (int64 µs UTC, NULL for null), "duration" (int64 µs, NULL for null),
#: "id" (the ticket ids as read).
Kinds = Mapping[str, str]


def build(lib: str, data: Mapping[str, Any], kinds: Kinds) -> Any:
    """A frame of library ``lib`` from numpy columns of the given kinds."""
    if lib == "pandas":
        return _build_pandas(data, kinds)
    if lib == "polars":
        return _build_polars(data, kinds)
    return _build_arrow(data, kinds)


def _build_pandas(data: Mapping[str, Any], kinds: Kinds) -> Any:
    import pandas as pd

    cols: dict[str, Any] = {}
    for name, values in data.items():
        kind = kinds[name]
        if kind == "instant":
            cols[name] = _pandas_utc(pd, values)
        elif kind == "duration":
            cols[name] = pd.Series(values.view("m8[us]"), copy=False)
        elif isinstance(values, Text):
            values = values.compact()
            cols[name] = pd.Series(
                pd.Categorical.from_codes(values.codes, categories=values.labels)
            )
        elif kind in ("text", "id") and values.dtype == object:
            cols[name] = pd.Series(values, dtype=object)
        else:
            cols[name] = pd.Series(values, copy=False)
    return pd.DataFrame(cols, copy=False)  # one block per column: no consolidating copy


def _pandas_utc(pd: Any, values: I64) -> Any:
    """A ``datetime64[us, UTC]`` Series over the microseconds, without a copy where pandas allows."""
    naive = values.view("M8[us]")
    try:  # pandas 2 and 3: wraps the buffer as it is
        arr = pd.arrays.DatetimeArray._simple_new(naive, dtype=pd.DatetimeTZDtype("us", "UTC"))
    except (AttributeError, TypeError):  # pragma: no cover - a pandas without it
        return pd.Series(naive).dt.tz_localize("UTC")
    return pd.Series(arr, copy=False)


def _build_polars(data: Mapping[str, Any], kinds: Kinds) -> Any:
    import polars as pl

    cols = []
    for name, values in data.items():
        kind = kinds[name]
        if kind in ("instant", "duration"):
            null = values == NULL
            s = pl.Series(name, np.where(null, 0, values), dtype=pl.Int64)
            if null.any():
                s = s.scatter(np.flatnonzero(null), None)
            s = (
                s.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
                if kind == "instant"
                else s.cast(pl.Duration("us"))
            )
            cols.append(s)
        elif isinstance(values, Text):
            labels = pl.Series(name, [str(v) for v in values.labels], dtype=pl.String)
            null = values.codes < 0
            idx = pl.Series(np.where(null, 0, values.codes).astype(np.uint32))
            s = (
                labels.gather(idx)
                if len(labels)
                else pl.Series(name, [None] * len(null), dtype=pl.String)
            )
            if len(labels) and null.any():
                s = s.scatter(np.flatnonzero(null), None)
            cols.append(s.alias(name))
        elif kind == "text":
            cols.append(pl.Series(name, values.tolist(), dtype=pl.String))
        elif kind == "id":
            cols.append(pl.Series(name, values.tolist()))
        else:
            cols.append(pl.Series(name, values))
    return pl.DataFrame(cols)


def _build_arrow(data: Mapping[str, Any], kinds: Kinds) -> Any:
    import pyarrow as pa

    arrays = []
    for name, values in data.items():
        kind = kinds[name]
        if kind in ("instant", "duration"):
            null = values == NULL
            typ = pa.timestamp("us", tz="UTC") if kind == "instant" else pa.duration("us")
            arrays.append(pa.array(values, type=typ, mask=null if null.any() else None))
        elif isinstance(values, Text):
            values = values.compact()
            null = values.codes < 0
            idx = pa.array(values.codes.astype(np.int32), mask=null if null.any() else None)
            arrays.append(pa.DictionaryArray.from_arrays(idx, pa.array(values.labels, pa.string())))
        elif kind in ("text", "id"):
            arrays.append(pa.array(values.tolist()))
        else:
            arrays.append(pa.array(values))
    return pa.table(arrays, names=list(data))
