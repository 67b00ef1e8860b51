"""Scoring one piece of a larger input: the shared core of the files, Dask and Spark paths.

:func:`slaclock.batch.scoring.score` numbers the rows of its errors table by
position in the tables it was given. A piece of a larger input (a chunk of
a Parquet file, a Dask partition, a Spark group) knows where its rows sit
in the whole input; :func:`score_piece` scores the piece with ``score`` and
renumbers the errors (the ``row`` column, and the row numbers inside the
messages of :class:`~slaclock.errors.TableFormatError` rows) so that a
piece's errors read as the errors of the whole input. It also keeps the
output schema fixed from piece to piece (:func:`arrow_schema`,
:func:`pandas_meta`), which writers and Dask's ``meta`` need.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt

from slaclock.batch.scoring import ERROR_COLUMNS, OnError, Scored, score
from slaclock.errors import SlaClockError, TableFormatError
from slaclock.evaluation import RESULT_FIELDS, RESULT_SCHEMA_VERSION
from slaclock.policies import Policy, PolicyBook
from slaclock.result_files import DURATION_FIELDS, INSTANT_FIELDS

I64 = npt.NDArray[np.int64]

#: The column that carries a row's position in the whole input through a shuffle.
ROW: Final = "__slaclock_row"
#: The column that holds a row's hash bucket of the ticket id.
BUCKET: Final = "__slaclock_bucket"

TABLES: Final = ("tickets", "events")

#: The kind of each result column: "id", "text", "int", "float", "instant", "duration".
RESULT_KINDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        **dict.fromkeys(RESULT_FIELDS, "text"),
        **dict.fromkeys(INSTANT_FIELDS, "instant"),
        **dict.fromkeys(DURATION_FIELDS, "duration"),
        "ticket_id": "id",
        "cycle": "int",
        "used_share": "float",
    }
)
ERROR_KINDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "ticket_id": "id",
        "row": "int",
        "field": "text",
        "value": "text",
        "error": "text",
        "message": "text",
    }
)


@attrs.frozen
class Labels:
    """How row numbers read in messages: ``events row 17`` (0-based, as :func:`score`), or
    ``events.csv row 18`` (file names, 1-based data rows, as the CSV reader)."""

    tickets: str = "tickets"
    events: str = "events"
    base: int = 0

    def name(self, table: str) -> str:
        return self.tickets if table == "tickets" else self.events


# ---- renumbering ------------------------------------------------------------------------------

# "events row 3" names a table; a bare "row 3" is a row of the message's own table
_REF: Final = re.compile(r"\b(?:(tickets|events) )?row (\d+)")
_HEAD: Final = re.compile(r"^(tickets|events) row (\d+)")


def _renumber(text: str, own: str, maps: dict[str, I64], labels: Labels) -> str:
    def one(m: re.Match[str]) -> str:
        table = m.group(1) or own
        n = int(m.group(2))
        rows = maps[table]
        shown = int(rows[n]) if 0 <= n < len(rows) else n
        shown += labels.base
        return f"{labels.name(table)} row {shown}" if m.group(1) else f"row {shown}"

    return _REF.sub(one, text)


def relabel_message(message: str, maps: dict[str, I64], labels: Labels) -> str:
    """A :class:`~slaclock.errors.TableFormatError` message of :func:`score`, with its rows
    renumbered by ``maps`` (the whole-input row of each piece row, per table).

    Only the place (``events row 3, column seq``) and the problem (``repeats the seq
    of row 2``) are renumbered; the offending value and the hint are user text and
    stay as they are.
    """
    m = _HEAD.match(message)
    if m is None:
        return message
    own = m.group(1)
    head, sep, rest = message.partition(": ")
    problem, got, tail = rest.partition(" (got ")
    return (
        _renumber(head, own, maps, labels)
        + sep
        + _renumber(problem, own, maps, labels)
        + got
        + tail
    )


def relabel_exception(exc: SlaClockError, maps: dict[str, I64], labels: Labels) -> SlaClockError:
    """The exception :func:`score` raised for a piece, as the whole input's error."""
    if isinstance(exc, TableFormatError) and _HEAD.match(exc.field):
        own = _HEAD.match(exc.field).group(1)  # type: ignore[union-attr]
        field = _renumber(exc.field, own, maps, labels)
        problem = _renumber(exc.problem, own, maps, labels)
        new = TableFormatError(field, exc.value, problem, exc.hint)
        new.file = labels.name(own)
        new.row = None if exc.row is None else int(_map_row(maps[own], exc.row)) + labels.base
        new.column = exc.column
        for note in getattr(exc, "__notes__", ()):
            new.add_note(note)
        return new
    notes = getattr(exc, "__notes__", None)
    if notes:
        for i, note in enumerate(notes):
            m = re.match(r"^at (tickets|events) row (\d+)(.*)$", note, re.DOTALL)
            if m is not None:
                table = m.group(1)
                shown = int(_map_row(maps[table], int(m.group(2)))) + labels.base
                notes[i] = f"at {labels.name(table)} row {shown}{m.group(3)}"
    return exc


def _map_row(rows: I64, n: int) -> int:
    return int(rows[n]) if 0 <= n < len(rows) else n


# ---- one piece ----------------------------------------------------------------------------------


def score_piece(
    tickets: Any,
    events: Any,
    policy: Policy | PolicyBook,
    *,
    now: dt.datetime,
    on_error: OnError,
    as_of: dt.datetime | None,
    assume_tz: Any,
    tickets_rows: I64,
    events_rows: I64,
    labels: Labels = Labels(),
) -> Scored:
    """:func:`score` on a piece whose rows sit at ``tickets_rows`` / ``events_rows`` of the
    whole input: the errors table (and a raised error) name the whole input's rows."""
    maps = {"tickets": tickets_rows, "events": events_rows}
    try:
        scored = score(
            tickets, events, policy, now=now, on_error=on_error, as_of=as_of, assume_tz=assume_tz
        )
    except SlaClockError as exc:
        raise relabel_exception(exc, maps, labels) from None
    return attrs.evolve(scored, errors=_relabel_errors(scored.errors, maps, labels))


def _relabel_errors(errors: Any, maps: dict[str, I64], labels: Labels) -> Any:
    n = int(errors.num_rows) if hasattr(errors, "num_rows") else len(errors)
    if n == 0:
        return errors
    lib = _lib(errors)
    cols = _columns(errors, lib, ("row", "field", "error", "message"))
    rows: list[int] = []
    messages: list[str] = []
    for row, field, error, message in zip(*cols, strict=True):
        table = str(field).split(".", 1)[0]
        rows.append(_map_row(maps[table], int(row)) + labels.base)
        messages.append(
            relabel_message(str(message), maps, labels) if error == "TableFormatError" else message
        )
    return _replace(errors, lib, {"row": np.array(rows, dtype=np.int64), "message": messages})


def _lib(frame: Any) -> str:
    module = type(frame).__module__.split(".")[0]
    return {"pandas": "pandas", "polars": "polars"}.get(module, "arrow")


def _columns(frame: Any, lib: str, names: Sequence[str]) -> list[list[Any]]:
    if lib == "arrow":
        return [frame.column(n).to_pylist() for n in names]
    if lib == "polars":
        return [frame.get_column(n).to_list() for n in names]
    return [frame[n].tolist() for n in names]


def _replace(frame: Any, lib: str, values: dict[str, Any]) -> Any:
    if lib == "arrow":
        import pyarrow as pa

        for name, vals in values.items():
            i = frame.schema.get_field_index(name)
            typ = pa.int64() if name == "row" else pa.string()
            frame = frame.set_column(i, name, pa.array(list(vals), type=typ))
        return frame
    if lib == "polars":
        import polars as pl

        return frame.with_columns([pl.Series(n, list(v)) for n, v in values.items()])
    frame = frame.copy()
    for name, vals in values.items():
        frame[name] = vals if name == "row" else np.array(vals, dtype=object)
    return frame


# ---- fixed output schemas -------------------------------------------------------------------------


def arrow_schema(table: str, id_type: Any) -> Any:
    """The Arrow schema of the results (``table="results"``) or errors of a piece, with
    ticket ids of ``id_type``; text as plain strings so every piece has one schema."""
    import pyarrow as pa

    kinds = RESULT_KINDS if table == "results" else ERROR_KINDS
    names = RESULT_FIELDS if table == "results" else ERROR_COLUMNS
    types = {
        "id": id_type,
        "text": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "instant": pa.timestamp("us", tz="UTC"),
        "duration": pa.duration("us"),
    }
    metadata = (
        {"slaclock.result_schema_version": str(RESULT_SCHEMA_VERSION)}
        if table == "results"
        else None
    )
    return pa.schema([pa.field(n, types[kinds[n]]) for n in names], metadata=metadata)


def to_schema(frame: Any, schema: Any) -> Any:
    """An Arrow table cast to ``schema`` (dictionary text decoded, all-null columns typed)."""
    import pyarrow as pa

    arrays = []
    for field in schema:
        col = frame.column(field.name)
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        arrays.append(col if col.type == field.type else col.cast(field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def pandas_meta(table: str, id_dtype: Any) -> Any:
    """An empty pandas frame with the dtypes of :func:`normalize_pandas` (Dask's ``meta``)."""
    import pandas as pd

    kinds = RESULT_KINDS if table == "results" else ERROR_KINDS
    names = RESULT_FIELDS if table == "results" else ERROR_COLUMNS
    cols = {n: pd.Series([], dtype=_pandas_dtype(kinds[n], id_dtype)) for n in names}
    return pd.DataFrame(cols)


def _pandas_dtype(kind: str, id_dtype: Any) -> Any:
    import pandas as pd

    return {
        "id": id_dtype,
        "text": np.dtype(object),
        "int": "int64",
        "float": "float64",
        "instant": pd.DatetimeTZDtype("us", "UTC"),
        "duration": "timedelta64[us]",
    }[kind]


def normalize_pandas(frame: Any, table: str, id_dtype: Any) -> Any:
    """A pandas results or errors frame with the dtypes of :func:`pandas_meta`
    (categorical text as object, so every partition has one schema)."""
    import pandas as pd

    kinds = RESULT_KINDS if table == "results" else ERROR_KINDS
    out = {}
    for name in frame.columns:
        want = _pandas_dtype(kinds[name], id_dtype)
        col = frame[name]
        if kinds[name] == "text":
            values = col.astype(object).to_numpy(dtype=object, copy=True)
            mask = col.isna().to_numpy()
            if mask.any():
                values[mask] = None
            # a Series of dtype object: a plain array would be read as pandas' "str" dtype
            out[name] = pd.Series(values, dtype=object)
        elif str(col.dtype) != str(want):
            out[name] = col.astype(want).reset_index(drop=True)
        else:
            out[name] = col.reset_index(drop=True)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


# ---- buckets ----------------------------------------------------------------------------------------


def bucket_of_ints(ids: I64, buckets: int) -> I64:
    """A bucket in ``[0, buckets)`` for whole-number ids (Fibonacci hashing, the same on
    every machine)."""
    mixed = ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return ((mixed >> np.uint64(32)) % np.uint64(buckets)).astype(np.int64)


Hasher = Callable[[Sequence[Any]], list[int]]
