"""Scoring past one machine: Dask DataFrames (:func:`score_dask`) and Spark (:func:`spark_scorer`).

Both split the tickets and the events by a hash of the ticket id into
buckets, so that every ticket meets all its events in one piece, and score
each piece with :func:`~slaclock.batch.scoring.score` on a worker: the
answer is the answer of ``score`` on the whole tables, row for row (in
another order: bucket by bucket).

What travels to the workers is the policy (a few kB pickled: policies,
calendars and holiday sources pickle as their definitions; compiled
timelines and holiday years are caches that stay behind and are rebuilt on
the worker at first use), ``now`` and the options.

Dask and pyspark are imported only when these functions run.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from slaclock._instants import get_zone, to_us
from slaclock.batch._pieces import (
    BUCKET,
    ERROR_KINDS,
    RESULT_KINDS,
    ROW,
    normalize_pandas,
    pandas_meta,
    score_piece,
)
from slaclock.batch.scoring import ERROR_COLUMNS, OnError
from slaclock.errors import InputError
from slaclock.evaluation import RESULT_FIELDS
from slaclock.policies import Policy, PolicyBook

__all__ = ["score_dask", "spark_schema", "spark_scorer"]

Table = Literal["results", "errors", "both"]

#: The columns of ``table="both"``: the result columns, then the error columns but the id.
BOTH_COLUMNS: Final = (*RESULT_FIELDS, *ERROR_COLUMNS[1:])


def _check(policy: object, now: object, on_error: object, as_of: object) -> None:
    if not isinstance(policy, (Policy, PolicyBook)):
        raise InputError("policy", policy, "must be a Policy or a PolicyBook")
    to_us(now, "now")
    if as_of is not None:
        to_us(as_of, "as_of")
    if on_error not in ("raise", "mark"):
        raise InputError("on_error", on_error, "must be 'raise' or 'mark'")


# ---- Dask ----------------------------------------------------------------------------------------


def score_dask(
    tickets: Any,
    events: Any,
    policy: Policy | PolicyBook,
    *,
    now: dt.datetime,
    on_error: OnError = "mark",
    as_of: dt.datetime | None = None,
    assume_tz: Any = None,
    npartitions: int | None = None,
) -> tuple[Any, Any]:
    """Score Dask DataFrames of tickets and events; lazy Dask DataFrames of results and errors.

    The two frames are aligned by ticket id: each row gets its position in
    its frame (a running count over the partitions) and a bucket (a hash of
    the ticket id, the same on every machine), both frames are shuffled by
    bucket into ``npartitions`` partitions (``set_index`` with one bucket per
    partition), and partition ``k`` of the tickets is scored with partition
    ``k`` of the events. Nothing runs until you compute.

    Parameters
    ----------
    tickets, events
        Dask DataFrames with the columns of :mod:`slaclock.batch.scoring`
        (any partitioning, any order).
    policy, now, as_of, assume_tz
        As for :func:`~slaclock.batch.scoring.score`.
    on_error
        ``"mark"`` (default): bad tickets go to the errors frame. ``"raise"``:
        computing raises the first error of the first partition that has one.
    npartitions
        The number of buckets (and partitions of the results); by default
        the tickets frame's. Each should hold a chunk of tickets that
        :func:`~slaclock.batch.scoring.score` takes comfortably in a worker's
        memory.

    Returns
    -------
    tuple
        ``(results, errors)``: Dask DataFrames with the columns of
        :data:`~slaclock.evaluation.RESULT_FIELDS` and
        :data:`~slaclock.batch.scoring.ERROR_COLUMNS` (text as ``object``,
        instants ``datetime64[us, UTC]``, durations ``timedelta64[us]``, ticket
        ids of the tickets frame's dtype). Error rows are positions in the
        input frames (0-based, counting across partitions). Both come from
        one scoring of each partition: compute them together
        (``dask.compute(results, errors)``) or persist them, else each
        scores the tickets once.

    Raises
    ------
    InputError
        For frames that are not Dask DataFrames, a bad ``npartitions`` or
        other argument.

    Examples
    --------
    >>> import dask, dask.dataframe as dd
    >>> from slaclock.batch import score_dask, tables_from_tickets
    >>> from slaclock.policy_files import example_policy
    >>> from slaclock.samples import load_sample
    >>> sample, now = load_sample()
    >>> tickets, events = tables_from_tickets(sample[:50])
    >>> results, errors = score_dask(dd.from_pandas(tickets, npartitions=3),
    ...     dd.from_pandas(events, npartitions=4), example_policy(), now=now)
    >>> results, errors = dask.compute(results, errors, scheduler="sync")
    >>> results["ticket_id"].nunique(), len(errors)
    (50, 0)
    """
    _check(policy, now, on_error, as_of)
    try:
        import dask.dataframe as dd
        from dask.delayed import delayed
    except ImportError:  # pragma: no cover - dask is installed with the test extras
        raise InputError(
            "dask",
            None,
            "is needed by score_dask and is not installed",
            "pip install 'slaclock[dask]'",
        ) from None
    for name, frame in (("tickets", tickets), ("events", events)):
        if not isinstance(frame, dd.DataFrame):
            raise InputError(
                name,
                f"<{type(frame).__module__}.{type(frame).__name__}>",
                "must be a Dask DataFrame (dask.dataframe.from_pandas, read_parquet, ...)",
            )
        if "ticket_id" not in frame.columns:
            raise InputError(
                name,
                list(frame.columns),
                "is missing the column ticket_id",
                "see slaclock.batch.scoring",
            )
    parts = tickets.npartitions if npartitions is None else npartitions
    if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
        raise InputError("npartitions", npartitions, "must be a whole number >= 1")
    id_dtype = tickets._meta["ticket_id"].dtype
    divisions = list(range(parts + 1))
    sides = []
    for frame in (tickets, events):
        frame = _with_rows(frame)
        meta = frame._meta.assign(**{BUCKET: np.zeros(0, dtype=np.int64)})
        frame = frame.map_partitions(_add_bucket, parts, meta=meta)
        sides.append(frame.set_index(BUCKET, divisions=divisions))
    options = delayed(
        {
            "policy": policy,
            "now": now,
            "on_error": on_error,
            "as_of": as_of,
            "assume_tz": assume_tz,
        },
        pure=True,
    )
    scored = [
        delayed(_score_dask_part, nout=2, pure=True)(t, e, options, id_dtype)
        for t, e in zip(sides[0].to_delayed(), sides[1].to_delayed(), strict=True)
    ]
    results = dd.from_delayed(
        [s[0] for s in scored], meta=pandas_meta("results", id_dtype), verify_meta=False
    )
    errors = dd.from_delayed(
        [s[1] for s in scored], meta=pandas_meta("errors", id_dtype), verify_meta=False
    )
    return results, errors


def _with_rows(frame: Any) -> Any:
    """The frame with each row's position in it (0-based, across partitions) in :data:`ROW`."""
    import pandas as pd

    ones = frame.map_partitions(
        lambda df: pd.Series(np.ones(len(df), dtype=np.int64), index=df.index),
        meta=pd.Series(dtype="int64"),
    )
    return frame.assign(**{ROW: ones.cumsum() - 1})


def _add_bucket(df: Any, parts: int) -> Any:
    return df.assign(**{BUCKET: hash_buckets(df["ticket_id"], parts)})


def hash_buckets(ids: Any, buckets: int) -> npt.NDArray[np.int64]:
    """The bucket of each ticket id of a pandas Series: the same id, the same bucket, on
    every machine and for every dtype of whole numbers or text (``pandas.util.hash_array``)."""
    import pandas as pd

    if ids.dtype.kind in "iu":
        values: Any = ids.to_numpy(dtype=np.int64)
    else:
        values = np.asarray(ids.astype(object).where(ids.notna(), None), dtype=object)
    hashed = np.asarray(pd.util.hash_array(values), dtype=np.uint64)
    out: npt.NDArray[np.int64] = (hashed % np.uint64(buckets)).astype(np.int64)
    return out


def _score_dask_part(
    tickets: Any, events: Any, options: dict[str, Any], id_dtype: Any
) -> tuple[Any, Any]:
    tickets, trows = _strip(tickets)
    events, erows = _strip(events)
    got = score_piece(
        tickets,
        events,
        options["policy"],
        now=options["now"],
        on_error=options["on_error"],
        as_of=options["as_of"],
        assume_tz=options["assume_tz"],
        tickets_rows=trows,
        events_rows=erows,
    )
    return (
        normalize_pandas(got.results, "results", id_dtype),
        normalize_pandas(got.errors, "errors", id_dtype),
    )


def _strip(df: Any, drop: tuple[str, ...] = ()) -> tuple[Any, npt.NDArray[np.int64]]:
    """A piece in its rows' input order, without the helper columns; and their input rows."""
    df = df.reset_index(drop=True)  # a bucket (Dask), or a position in the group (Spark)
    df = df.drop(columns=[c for c in (BUCKET, *drop) if c in df.columns])
    if ROW in df.columns:
        df = df.sort_values(ROW, kind="stable")
        rows = df[ROW].to_numpy(dtype=np.int64)
        df = df.drop(columns=[ROW])
    else:
        rows = np.arange(len(df), dtype=np.int64)
    return df.reset_index(drop=True), rows


# ---- Spark -------------------------------------------------------------------------------------


def spark_schema(table: Table = "results", *, id_type: str = "string") -> Any:
    """The Spark ``StructType`` of what :func:`spark_scorer` returns.

    Parameters
    ----------
    table
        ``"results"`` (the columns of :data:`~slaclock.evaluation.RESULT_FIELDS`),
        ``"errors"`` (:data:`~slaclock.batch.scoring.ERROR_COLUMNS`), or
        ``"both"``: the result columns followed by ``row, field, value, error,
        message``, one row per result (error columns null) or per error (result
        columns null but ``ticket_id``).
    id_type
        The Spark type of ``ticket_id``, as in a DDL string: ``"string"`` or
        ``"long"`` (``"bigint"``).

    Returns
    -------
    pyspark.sql.types.StructType
        Instants as ``TimestampType``, durations as
        ``DayTimeIntervalType(DAY, SECOND)`` (exact to the microsecond),
        ``cycle`` and ``row`` as ``LongType``, ``used_share`` as
        ``DoubleType``, text as ``StringType``.
    """
    try:
        from pyspark.sql import types as T
    except ImportError:
        raise InputError(
            "pyspark",
            None,
            "is needed by spark_schema and is not installed",
            "pip install 'slaclock[spark]'",
        ) from None
    if table not in ("results", "errors", "both"):
        raise InputError("table", table, "must be 'results', 'errors' or 'both'")
    ids = {"string": T.StringType(), "long": T.LongType(), "bigint": T.LongType()}.get(id_type)
    if ids is None:
        raise InputError("id_type", id_type, "must be 'string' or 'long'")
    types: dict[str, Any] = {
        "id": ids,
        "text": T.StringType(),
        "int": T.LongType(),
        "float": T.DoubleType(),
        "instant": T.TimestampType(),
        "duration": T.DayTimeIntervalType(T.DayTimeIntervalType.DAY, T.DayTimeIntervalType.SECOND),
    }
    kinds = {**RESULT_KINDS, **ERROR_KINDS}
    names = {"results": RESULT_FIELDS, "errors": ERROR_COLUMNS, "both": BOTH_COLUMNS}[table]
    return T.StructType([T.StructField(n, types[kinds[n]], nullable=True) for n in names])


def spark_scorer(
    policy: Policy | PolicyBook,
    *,
    now: dt.datetime,
    table: Table = "results",
    on_error: OnError = "mark",
    as_of: dt.datetime | None = None,
    session_tz: str = "UTC",
    drop: tuple[str, ...] = ("bucket",),
    row: str | None = None,
) -> Callable[[Any, Any], Any]:
    """A function for Spark's ``cogroup(...).applyInPandas``: the tickets and events of a
    group of tickets in, their results (or errors) out.

    Group both DataFrames by a bucket of the ticket id (a few thousand
    tickets or more per group; grouping by the id itself calls Python once
    per ticket), cogroup them and apply this function with the schema
    :func:`spark_schema` gives for the same ``table``::

        buckets = F.pmod(F.xxhash64("ticket_id"), F.lit(64))
        scored = (
            tickets.withColumn("bucket", buckets).groupBy("bucket")
            .cogroup(events.withColumn("bucket", buckets).groupBy("bucket"))
            .applyInPandas(spark_scorer(policy, now=now, table="both"), spark_schema("both"))
        )

    Parameters
    ----------
    policy, now, on_error, as_of
        As for :func:`~slaclock.batch.scoring.score` (``on_error="raise"`` fails
        the Spark task, and the job, at the first bad ticket).
    session_tz
        The Spark session's ``spark.sql.session.timeZone``: Spark hands
        timestamps to pandas as naive wall times of that zone, and they are
        read back in it. Keep the session in UTC (the default here): in a zone
        with daylight saving time, the wall times of a fall-back hour name two
        instants each and Spark's naive values cannot tell which.
    table
        ``"results"``, ``"errors"`` or ``"both"`` (see :func:`spark_schema`):
        with ``"both"`` one pass gives both; split them with
        ``where(col("error").isNull())``.
    drop
        Helper columns of the two frames to leave out (the grouping column:
        every other column of the tickets frame is a ticket attribute).
    row
        A column of both frames numbering their rows (for instance from
        ``monotonically_increasing_id()``): the errors name it in ``row`` and
        in their messages. Without it, rows are positions within the group.

    Returns
    -------
    callable
        ``f(tickets: pandas.DataFrame, events: pandas.DataFrame) -> pandas.DataFrame``.
        It holds the policy: Spark pickles it once per task.
    """
    _check(policy, now, on_error, as_of)
    if table not in ("results", "errors", "both"):
        raise InputError("table", table, "must be 'results', 'errors' or 'both'")
    if not isinstance(session_tz, str):
        raise InputError("session_tz", session_tz, "must be a zone name such as 'UTC'")
    get_zone(session_tz, "session_tz")
    options = {
        "policy": policy,
        "now": now,
        "on_error": on_error,
        "as_of": as_of,
        "assume_tz": session_tz,
        "table": table,
        "drop": tuple(drop),
        "row": row,
    }
    # a partial of a module function: Spark reads its signature (two frames, no key) and
    # pickles it by reference, with the options
    return functools.partial(_score_group, options)


def _score_group(options: dict[str, Any], tickets: Any, events: Any) -> Any:
    """Score one cogroup of :func:`spark_scorer`."""
    o = options
    drop = o["drop"]
    row = o["row"]
    tickets, trows = _strip(_renamed(tickets, row), drop)
    events, erows = _strip(_renamed(events, row), drop)
    got = score_piece(
        tickets,
        events,
        o["policy"],
        now=o["now"],
        on_error=o["on_error"],
        as_of=o["as_of"],
        assume_tz=o["assume_tz"],
        tickets_rows=trows,
        events_rows=erows,
    )
    results = normalize_pandas(got.results, "results", object)
    errors = normalize_pandas(got.errors, "errors", object)
    if o["table"] == "results":
        return results
    if o["table"] == "errors":
        return errors
    return _both(results, errors)


def _renamed(df: Any, row: str | None) -> Any:
    if row is None or row not in df.columns:
        return df
    return df.rename(columns={row: ROW})


def _both(results: Any, errors: Any) -> Any:
    """Results and errors in the columns of ``spark_schema("both")``."""
    import pandas as pd

    n, m = len(results), len(errors)
    cols: dict[str, Any] = {}
    for name in BOTH_COLUMNS:
        if name == "ticket_id":
            cols[name] = pd.Series(
                np.concatenate(
                    [results[name].to_numpy(dtype=object), errors[name].to_numpy(dtype=object)]
                ),
                dtype=object,
            )
        elif name in results.columns:
            cols[name] = pd.concat(
                [results[name], _nulls(results[name].dtype, m)], ignore_index=True
            )
        else:
            cols[name] = pd.concat([_nulls(errors[name].dtype, n), errors[name]], ignore_index=True)
    out = pd.DataFrame(cols)
    return out.astype({"cycle": "Int64", "row": "Int64"})


def _nulls(dtype: Any, n: int) -> Any:
    import pandas as pd

    if dtype.kind in "iu":
        return pd.Series(pd.array([None] * n, dtype="Int64"))
    if dtype.kind == "f":
        return pd.Series(np.full(n, np.nan))
    return pd.Series([None] * n, dtype=dtype)
