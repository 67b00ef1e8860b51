"""Scoring ticket exports larger than memory: :func:`score_parquet` streams files in chunks.

The tickets and events tables of :mod:`slaclock.batch.scoring` are read from
Parquet files (or directories of Parquet files, as warehouses export them)
or CSV files, a chunk of tickets at a time, and each chunk is scored by
:func:`~slaclock.batch.scoring.score` (Arrow tables in, Arrow tables out).
Results and errors are written as they come, so the peak memory depends on
the chunk size, not on the size of the input.

Two ways through the input, chosen by ``order``:

``"sorted"`` (lockstep)
    Both tables sorted by ``ticket_id`` (ascending; the usual shape of a
    warehouse export): the tickets table is cut into chunks of
    ``chunk_tickets`` tickets (never between two rows of one id), and the
    events table is read alongside, up to the chunk's last id, carrying the
    rest of a batch over to the next chunk. One pass over each file.
``"unsorted"`` (partitioned)
    Any order: a first pass writes each table's rows into ``ceil(tickets /
    chunk_tickets)`` temporary Arrow files by a hash of the ticket id (all
    rows of a ticket land in one), then the partitions are scored one by one.
    Two passes, and temporary files about the size of the input.
``"auto"`` (default)
    Reads the two ``ticket_id`` columns first (one column, in batches) and
    takes the lockstep when both are sorted, the partitions otherwise.

Row numbers in the errors table and its messages are positions (0-based)
in the whole input files, as :func:`~slaclock.batch.scoring.score` numbers
the rows of the tables it is given; so scoring the files gives the errors
``score`` gives for the same tables read whole, message for message (in
chunk order rather than table order).

CSV files are read by ``pyarrow.csv`` in blocks, every column as text;
``created_at``, ``seq`` and ``at`` are then converted per chunk, and a cell
that cannot be read fails its ticket with the message of the CSV reader of
:mod:`slaclock.samples` (``has no UTC offset``, ``must be a whole number``).
Ids and attribute values of a CSV file are text; text ids sort as text
(``"10" < "9"``), so CSV files with numeric ids usually take the partitions.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, overload

import attrs
import numpy as np
import numpy.typing as npt

from slaclock._instants import to_us
from slaclock.batch._pieces import (
    ROW,
    Labels,
    arrow_schema,
    bucket_of_ints,
    score_piece,
    to_schema,
)
from slaclock.batch.scoring import OnError, Scored
from slaclock.errors import InputError, TableFormatError
from slaclock.policies import Policy, PolicyBook
from slaclock.samples import EVENTS_COLUMNS, TICKETS_COLUMNS, parse_instant

__all__ = ["ScoredFiles", "errors_path", "score_parquet"]

I64 = npt.NDArray[np.int64]
Order = Literal["auto", "sorted", "unsorted"]

_PARQUET_SUFFIXES: Final = (".parquet", ".pq", ".parq")
_CSV_SUFFIXES: Final = (".csv", ".csv.gz", ".csv.bz2", ".csv.zst", ".csv.lz4")
_BATCH_ROWS: Final = 65_536
_SURVEY_ROWS: Final = 1 << 20
_MAX_PARTITIONS: Final = 1000
_PLAIN: Final = Labels()


@attrs.frozen
class ScoredFiles:
    """What :func:`score_parquet` returns when it writes files: where, and the counts.

    Unpacks as ``results, errors = score_parquet(..., out=...)`` (the two paths).

    Attributes
    ----------
    results, errors
        The Parquet files written: one row per ticket, target and cycle (the
        columns of :data:`~slaclock.evaluation.RESULT_FIELDS`), and one row per
        bad ticket or unknown id (the columns of
        :data:`~slaclock.batch.scoring.ERROR_COLUMNS`).
    tickets, scored, failed, orphans, vectorised
        As in :class:`~slaclock.batch.scoring.Scored`, over the whole input:
        ``tickets == scored + failed``.
    pieces
        The number of chunks (or partitions) scored.
    order
        ``"sorted"`` (the lockstep) or ``"unsorted"`` (the partitions).

    .. versionadded:: 0.1
    """

    results: str
    errors: str
    tickets: int
    scored: int
    failed: int
    orphans: int
    vectorised: int
    pieces: int
    order: str

    def __iter__(self) -> Iterator[str]:
        return iter((self.results, self.errors))


def errors_path(out: str | os.PathLike[str]) -> str:
    """The errors file :func:`score_parquet` writes beside ``out`` by default.

    Examples
    --------
    >>> from slaclock.batch.files import errors_path
    >>> errors_path("scores/results.parquet")
    'scores/results.errors.parquet'
    >>> errors_path("results")
    'results.errors.parquet'
    """
    text = os.fspath(out)
    stem, suffix = os.path.splitext(text)
    if suffix.lower() in _PARQUET_SUFFIXES:
        return f"{stem}.errors{suffix}"
    return f"{text}.errors.parquet"


@overload
def score_parquet(
    tickets_path: str | os.PathLike[str],
    events_path: str | os.PathLike[str],
    policy: Policy | PolicyBook,
    *,
    now: dt.datetime,
    out: None = None,
    errors_out: None = None,
    chunk_tickets: int = ...,
    on_error: OnError = ...,
    progress: bool | None = ...,
    as_of: dt.datetime | None = ...,
    assume_tz: Any = ...,
    order: Order = ...,
    format: str | None = ...,
    tmpdir: str | os.PathLike[str] | None = ...,
    provenance: bool | Mapping[str, str] = ...,
) -> Scored: ...


@overload
def score_parquet(
    tickets_path: str | os.PathLike[str],
    events_path: str | os.PathLike[str],
    policy: Policy | PolicyBook,
    *,
    now: dt.datetime,
    out: str | os.PathLike[str],
    errors_out: str | os.PathLike[str] | None = ...,
    chunk_tickets: int = ...,
    on_error: OnError = ...,
    progress: bool | None = ...,
    as_of: dt.datetime | None = ...,
    assume_tz: Any = ...,
    order: Order = ...,
    format: str | None = ...,
    tmpdir: str | os.PathLike[str] | None = ...,
    provenance: bool | Mapping[str, str] = ...,
) -> ScoredFiles: ...


def score_parquet(
    tickets_path: str | os.PathLike[str],
    events_path: str | os.PathLike[str],
    policy: Policy | PolicyBook,
    *,
    now: dt.datetime,
    out: str | os.PathLike[str] | None = None,
    errors_out: str | os.PathLike[str] | None = None,
    chunk_tickets: int = 100_000,
    on_error: OnError = "mark",
    progress: bool | None = None,
    as_of: dt.datetime | None = None,
    assume_tz: Any = None,
    order: Order = "auto",
    format: str | None = None,
    tmpdir: str | os.PathLike[str] | None = None,
    provenance: bool | Mapping[str, str] = True,
) -> Scored | ScoredFiles:
    """Score a tickets file and an events file in chunks of tickets, with bounded memory.

    Each chunk is scored by :func:`~slaclock.batch.scoring.score` exactly as
    the whole tables would be (same results, same errors); see the module
    docs for how the files are cut into chunks.

    Parameters
    ----------
    tickets_path, events_path
        The tables (columns as in :mod:`slaclock.batch.scoring`): Parquet
        files, directories of Parquet files (read in file name order), or CSV
        files (``.csv``, or compressed ``.csv.gz``...).
    policy
        A :class:`~slaclock.policies.Policy` or
        :class:`~slaclock.policies.PolicyBook`.
    now
        The instant of the evaluation (an aware datetime).
    out
        The results Parquet file to write, chunk by chunk (replaced at the
        end; nothing is left behind if scoring raises). None: return the
        results and errors as Arrow tables (everything in memory: for inputs
        that fit).
    errors_out
        The errors Parquet file (default: :func:`errors_path` of ``out``);
        written, possibly with no rows, whenever ``out`` is.
    chunk_tickets
        Tickets per chunk (a whole number >= 1). Peak memory grows with it:
        about the memory :func:`~slaclock.batch.scoring.score` takes for that
        many tickets and their events.
    on_error
        ``"mark"`` (default): bad tickets go to the errors table.
        ``"raise"``: the first error of the first chunk that has one raises,
        naming the row of the whole file.
    progress
        A progress bar of tickets scored, on standard error: None (default)
        shows one when ``tqdm`` is installed and standard error is a terminal;
        True always shows progress (``tqdm``, else a line per chunk); False
        never.
    as_of, assume_tz
        As for :func:`~slaclock.batch.scoring.score`.
    order
        ``"auto"``, ``"sorted"`` or ``"unsorted"`` (see the module docs).
        ``"sorted"`` skips the check of the ``ticket_id`` columns and raises
        :class:`~slaclock.errors.InputError` where a file turns out not to be
        sorted.
    format
        ``"parquet"`` or ``"csv"`` for both files; by default from each
        path's suffix (a directory holds Parquet files).
    tmpdir
        Where the partitions of ``order="unsorted"`` are written (default:
        the system's temporary directory); removed at the end.
    provenance
        True (default): the results and errors files record
        :func:`slaclock.provenance.provenance` of ``policy`` in their Parquet
        metadata (``slaclock.provenance``); a mapping: that record; False:
        none. Not used without ``out``.

    Returns
    -------
    Scored or ScoredFiles
        With ``out``: the paths written and the counts. Without: a
        :class:`~slaclock.batch.scoring.Scored` holding Arrow tables.

    Raises
    ------
    InputError
        For a missing file, a file of an unknown format, a file without the
        required columns, ``chunk_tickets < 1``, or (``order="sorted"``) a file
        that is not sorted; with ``on_error="raise"``, the first bad row.

    Examples
    --------
    >>> import pyarrow.parquet as pq, tempfile
    >>> from slaclock.batch import score_parquet, tables_from_tickets
    >>> from slaclock.policy_files import example_policy
    >>> from slaclock.samples import load_sample
    >>> tickets, now = load_sample()
    >>> tickets_table, events_table = tables_from_tickets(tickets[:40], library="arrow")
    >>> folder = tempfile.mkdtemp()
    >>> pq.write_table(tickets_table, f"{folder}/tickets.parquet")
    >>> pq.write_table(events_table, f"{folder}/events.parquet")
    >>> done = score_parquet(f"{folder}/tickets.parquet", f"{folder}/events.parquet",
    ...     example_policy(), now=now, out=f"{folder}/results.parquet", chunk_tickets=15)
    >>> done.tickets, done.scored + done.failed, done.pieces, done.order
    (40, 40, 3, 'sorted')
    >>> pq.read_table(done.results).num_rows == pq.read_metadata(done.results).num_rows
    True
    """
    run = Run.build(
        tickets_path,
        events_path,
        policy,
        now=now,
        chunk_tickets=chunk_tickets,
        on_error=on_error,
        progress=progress,
        as_of=as_of,
        assume_tz=assume_tz,
        order=order,
        format=format,
        tmpdir=tmpdir,
    )
    if out is None:
        memory = _MemorySink(run.id_type)
        run.run(memory)
        return memory.scored(run)
    errors_file = errors_path(out) if errors_out is None else os.fspath(errors_out)
    record = _record(provenance, policy)
    sink = ParquetSink(os.fspath(out), errors_file, run.id_type, provenance=record)
    with sink:
        run.run(sink)
    return ScoredFiles(
        results=os.fspath(out),
        errors=errors_file,
        tickets=run.totals.tickets,
        scored=run.totals.scored,
        failed=run.totals.failed,
        orphans=run.totals.orphans,
        vectorised=run.totals.vectorised,
        pieces=run.totals.pieces,
        order=run.chosen,
    )


# ---- the input files ---------------------------------------------------------------------------


@attrs.frozen
class Source:
    """One input table: its files, their format, and how its messages name it."""

    field: str
    path: str
    files: tuple[str, ...]
    fmt: str
    table: str

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], field: str, table: str, format: str | None
    ) -> Source:
        """Check the path and find its format; the errors name ``field``."""
        if not isinstance(path, (str, os.PathLike)):
            raise InputError(field, path, "must be a path (str or os.PathLike)")
        text = os.fspath(path)
        p = Path(text)
        if format is not None and format not in ("parquet", "csv"):
            raise InputError("format", format, "must be 'parquet' or 'csv' (or None: by suffix)")
        if p.is_dir():
            want = _CSV_SUFFIXES if format == "csv" else _PARQUET_SUFFIXES
            files = sorted(
                str(f)
                for f in p.iterdir()
                if f.is_file()
                and f.name.lower().endswith(want)
                and not f.name.startswith((".", "_"))
            )
            if not files:
                raise InputError(
                    field,
                    text,
                    f"is a directory without {'CSV' if format == 'csv' else 'Parquet'} files",
                )
            return cls(field, text, tuple(files), format or "parquet", table)
        if not p.exists():
            raise InputError(field, text, "does not exist")
        fmt = format or _format_of(text)
        if fmt is None:
            raise InputError(
                field,
                text,
                f"is neither a Parquet nor a CSV file (suffix {p.suffix!r})",
                "name it .parquet or .csv, or pass format='parquet' or format='csv'",
            )
        return cls(field, text, (text,), fmt, table)

    @property
    def name(self) -> str:
        """The file name, for messages."""
        return Path(self.path).name

    def columns(self) -> list[str]:
        """The column names (of the first file), checked against the required ones."""
        try:
            if self.fmt == "parquet":
                import pyarrow.parquet as pq

                names = list(pq.ParquetFile(self.files[0]).schema_arrow.names)
            else:
                import pyarrow.csv as pcsv

                with pcsv.open_csv(self.files[0]) as reader:
                    names = list(reader.schema.names)
        except (OSError, ValueError) as exc:  # pyarrow.ArrowInvalid is a ValueError
            raise InputError(
                self.field, self.path, f"cannot be read as {self.fmt.upper()} ({_short(exc)})"
            ) from None
        required = TICKETS_COLUMNS if self.table == "tickets" else EVENTS_COLUMNS
        for col in required:
            if col not in names:
                raise TableFormatError(
                    f"{self.table} header",
                    col,
                    f"is a missing column of {self.name} (columns: {', '.join(names)})",
                    f"the table needs the columns {', '.join(required)}",
                )
        return names

    def schema(self) -> Any:
        """The schema of this source's batches, without reading rows: the first Parquet
        file's, dictionaries read as their values; text columns for CSV."""
        import pyarrow as pa

        names = self.columns()
        if self.fmt == "csv":
            return pa.schema([pa.field(n, pa.string()) for n in names])
        import pyarrow.parquet as pq

        schema = pq.ParquetFile(self.files[0]).schema_arrow
        return pa.schema(
            [
                pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f
                for f in schema
            ]
        )

    def id_type(self) -> Any:
        """The Arrow type of ``ticket_id`` (dictionaries read as their values)."""
        import pyarrow as pa

        if self.fmt == "csv":
            return pa.string()
        import pyarrow.parquet as pq

        typ = pq.ParquetFile(self.files[0]).schema_arrow.field("ticket_id").type
        return typ.value_type if pa.types.is_dictionary(typ) else typ

    def count(self) -> int | None:
        """The number of rows, when the files say so without being read (Parquet)."""
        if self.fmt != "parquet":
            return None
        import pyarrow.parquet as pq

        return sum(int(pq.ParquetFile(f).metadata.num_rows) for f in self.files)

    def batches(self, rows: int, columns: Sequence[str] | None = None) -> Iterator[Any]:
        """The table in record batches of about ``rows`` rows, dictionaries decoded, CSV as text."""
        for f in self.files:
            try:
                yield from self._file_batches(f, rows, columns)
            except (OSError, ValueError) as exc:
                raise InputError(
                    self.field, f, f"cannot be read as {self.fmt.upper()} ({_short(exc)})"
                ) from None

    def _file_batches(self, f: str, rows: int, columns: Sequence[str] | None) -> Iterator[Any]:
        import pyarrow as pa

        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(f)
            # a row group at a time: over the whole file, the reader's pre-buffering
            # would keep every row group it has read (memory growing with the file)
            for group in range(pf.num_row_groups):
                for batch in pf.iter_batches(batch_size=rows, row_groups=[group], columns=columns):
                    yield _decoded(batch)
            return
        import pyarrow.csv as pcsv

        with pcsv.open_csv(f) as probe:
            names = list(probe.schema.names)
        convert = pcsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            include_columns=list(columns) if columns is not None else None,
        )
        read = pcsv.ReadOptions(block_size=max(1 << 16, min(rows * 64, 1 << 26)))
        with pcsv.open_csv(f, read_options=read, convert_options=convert) as reader:
            for batch in reader:
                if batch.num_rows:
                    yield batch


def _format_of(path: str) -> str | None:
    lower = path.lower()
    if lower.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    if lower.endswith(_CSV_SUFFIXES):
        return "csv"
    return None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _decoded(batch: Any) -> Any:
    import pyarrow as pa

    if not any(pa.types.is_dictionary(f.type) for f in batch.schema):
        return batch
    arrays = [
        col.cast(col.type.value_type) if pa.types.is_dictionary(col.type) else col
        for col in batch.columns
    ]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


# ---- ids: order and buckets --------------------------------------------------------------------


def _id_kind(typ: Any) -> str:
    import pyarrow as pa

    if pa.types.is_integer(typ):
        return "int"
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return "text"
    if pa.types.is_null(typ):
        return "null"
    return str(typ)


class _Order:
    """Checks that a stream of ids is sorted (nulls skipped), batch after batch."""

    def __init__(self) -> None:
        self.last: Any = None
        self.seen = 0

    def first_unsorted(self, ids: Any) -> tuple[int, Any, Any] | None:
        """``(row, id, previous id)`` of the first id smaller than the one before, or None."""
        import pyarrow.compute as pc

        n = len(ids)
        valid = np.flatnonzero(ids.is_valid().to_numpy(zero_copy_only=False))
        offset = self.seen
        self.seen += n
        if len(valid) == 0:
            return None
        vals = ids.take(valid) if len(valid) != n else ids
        if self.last is not None and pc.less(vals[0], self.last).as_py():
            return offset + int(valid[0]), vals[0].as_py(), self.last.as_py()
        if len(vals) > 1:
            down = pc.less(vals[1:], vals[:-1]).to_numpy(zero_copy_only=False)
            bad = np.flatnonzero(down)
            if len(bad):
                k = int(bad[0]) + 1
                return offset + int(valid[k]), vals[k].as_py(), vals[k - 1].as_py()
        self.last = vals[len(vals) - 1]
        return None


def _buckets(ids: Any, buckets: int) -> I64:
    """The partition of each id: equal ids, equal partitions (nulls in partition 0)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(ids)
    if buckets == 1 or n == 0:
        return np.zeros(n, dtype=np.int64)
    valid = ids.is_valid().to_numpy(zero_copy_only=False)
    if pa.types.is_integer(ids.type):
        vals = pc.fill_null(ids, 0).to_numpy(zero_copy_only=False).astype(np.int64)
        out = bucket_of_ints(vals, buckets)
    else:
        enc = ids.dictionary_encode()
        # the partitions are temporary files of this process: Python's hash will do
        codes = np.array([hash(v) % buckets for v in enc.dictionary.to_pylist()], dtype=np.int64)
        idx = pc.fill_null(enc.indices, 0).to_numpy(zero_copy_only=False).astype(np.int64)
        out = codes[idx] if len(codes) else np.zeros(n, dtype=np.int64)
    return np.where(valid, out, 0)


# ---- pieces -------------------------------------------------------------------------------------------


@attrs.frozen
class Piece:
    """A chunk of tickets with their events, and where their rows sit in the files."""

    tickets: Any
    events: Any
    tickets_rows: I64
    events_rows: I64


class _Stream:
    """Record batches of one table, buffered, with the file row of the first buffered row."""

    def __init__(self, source: Source, rows: int, check: bool) -> None:
        self.source = source
        self.it = source.batches(rows)
        self.buf: list[Any] = []
        self.rows = 0
        self.done = False
        self.start = 0
        self.order = _Order() if check else None
        self.schema: Any = None

    def pull(self) -> bool:
        """Read one more batch; False at the end."""
        if self.done:
            return False
        batch = next(self.it, None)
        if batch is None:
            self.done = True
            return False
        if self.schema is None:
            self.schema = batch.schema
        elif batch.schema != self.schema:
            batch = _conform(batch, self.schema, self.source)
        if self.order is not None:
            bad = self.order.first_unsorted(batch.column("ticket_id"))
            if bad is not None:
                row, value, before = bad
                raise InputError(
                    self.source.field,
                    self.source.path,
                    f"is not sorted by ticket_id: row {row} has {value!r} after {before!r}",
                    "pass order='unsorted' (or 'auto') to partition the tables by ticket id",
                )
        self.buf.append(batch)
        self.rows += batch.num_rows
        return True

    def table(self) -> Any:
        """The buffered rows as one record batch (None when nothing is buffered)."""
        if not self.buf:
            return None
        if len(self.buf) > 1:
            self.buf = [_concat(self.buf)]
        return self.buf[0]

    def take(self, n: int) -> tuple[Any, I64]:
        """The first ``n`` buffered rows (as a table) and their file rows."""
        import pyarrow as pa

        whole = self.table()
        rows = np.arange(self.start, self.start + n, dtype=np.int64)
        if whole is None:
            return None, rows
        head = pa.Table.from_batches([whole.slice(0, n)])
        rest = whole.slice(n)
        self.buf = [rest] if rest.num_rows else []
        self.rows -= n
        self.start += n
        return head, rows


def _concat(batches: list[Any]) -> Any:
    """Record batches of one schema as one record batch."""
    import pyarrow as pa

    table = pa.Table.from_batches(batches).combine_chunks()
    out = table.to_batches()
    return out[0] if len(out) == 1 else pa.RecordBatch.from_pylist([], schema=table.schema)


def _conform(batch: Any, schema: Any, source: Source) -> Any:
    """A batch of a later file (or row group) in the first one's schema."""
    import pyarrow as pa

    try:
        arrays = [batch.column(f.name).cast(f.type) for f in schema]
    except (KeyError, ValueError, TypeError, pa.ArrowInvalid) as exc:
        raise InputError(
            source.field,
            source.path,
            f"has files or row groups of different columns or types ({_short(exc)})",
        ) from None
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _lockstep(tickets: Source, events: Source, chunk: int, batch_rows: int) -> Iterator[Piece]:
    """Both tables sorted by ticket id: chunks of tickets, the events up to the chunk's last id."""
    ts = _Stream(tickets, batch_rows, check=True)
    es = _Stream(events, batch_rows, check=True)
    last: Any = None  # the largest ticket id so far (an Arrow scalar)
    while True:
        while ts.rows <= chunk and ts.pull():
            pass
        if ts.rows == 0:
            break
        whole = ts.table()
        ids = whole.column("ticket_id")
        cut = min(chunk, ts.rows)
        # never cut between two rows of one id: push the cut to the id's end
        while cut < ts.rows and _same(ids, cut - 1, cut):
            cut += 1
            if cut == ts.rows and ts.pull():
                whole = ts.table()
                ids = whole.column("ticket_id")
        tickets_part, trows = ts.take(cut)
        valid = tickets_part.column("ticket_id").drop_null()
        if len(valid):
            last = valid[len(valid) - 1]
        events_part, erows = _events_upto(es, last)
        if events_part is None:  # no events left (or none at all): the tickets have none
            events_part = _empty(events, es.schema)
        yield Piece(tickets_part, events_part, trows, erows)
    # events after the last ticket: ids the tickets table does not have
    empty = _empty(tickets, ts.schema)
    while es.pull() or es.rows:
        events_part, erows = es.take(es.rows)
        if events_part is None:
            break
        yield Piece(empty, events_part, np.zeros(0, dtype=np.int64), erows)


def _same(ids: Any, i: int, j: int) -> bool:
    a, b = ids[i], ids[j]
    return bool(a.is_valid and b.is_valid and a.as_py() == b.as_py())


def _events_upto(es: _Stream, last: Any) -> tuple[Any, I64]:
    """The buffered-and-read events up to ticket id ``last`` (leading nulls with them)."""
    import pyarrow.compute as pc

    def split() -> int | None:
        whole = es.table()
        if whole is None:
            return None
        ids = whole.column("ticket_id")
        beyond = ids.is_valid() if last is None else pc.fill_null(pc.greater(ids, last), False)
        mask = beyond.to_numpy(zero_copy_only=False)
        hit = np.flatnonzero(mask)
        return int(hit[0]) if len(hit) else None

    while True:
        at = split()
        if at is not None:
            return es.take(at)
        if not es.pull():
            return es.take(es.rows)


def _empty(src: Source, schema: Any) -> Any:
    """No rows of ``src``: in the schema of its batches read so far, else of its file."""
    return (src.schema() if schema is None else schema).empty_table()


def _partitioned(
    tickets: Source, events: Source, chunk: int, batch_rows: int, n_tickets: int, tmpdir: str | None
) -> Iterator[Piece]:
    """Any order: each table split into temporary files by a hash of the ticket id, then
    scored partition by partition."""
    import pyarrow as pa

    parts = max(1, min(_MAX_PARTITIONS, math.ceil(n_tickets / chunk)))
    with tempfile.TemporaryDirectory(prefix="slaclock-partitions-", dir=tmpdir) as folder:
        schemas = {}
        for src in (tickets, events):
            schemas[src.table] = _split(src, parts, batch_rows, folder)
        for k in range(parts):
            tables = []
            rows = []
            for src in (tickets, events):
                path = os.path.join(folder, f"{src.table}-{k}.arrow")
                if os.path.exists(path):
                    with pa.OSFile(path, "rb") as f:
                        t = pa.ipc.open_stream(f).read_all()
                    os.remove(path)
                else:
                    t = schemas[src.table].empty_table()
                i = t.schema.get_field_index(ROW)
                rows.append(t.column(i).to_numpy().astype(np.int64))
                tables.append(t.remove_column(i))
            yield Piece(tables[0], tables[1], rows[0], rows[1])


def _split(src: Source, parts: int, batch_rows: int, folder: str) -> Any:
    """Write ``src`` into ``parts`` files by bucket; the rows keep their file row in :data:`ROW`."""
    import pyarrow as pa

    writers: dict[int, Any] = {}
    sinks: dict[int, Any] = {}
    base: Any = None
    schema: Any = None
    start = 0
    try:
        for batch in src.batches(batch_rows):
            if base is None:
                base = batch.schema
                schema = base.append(pa.field(ROW, pa.int64()))
            elif batch.schema != base:
                batch = _conform(batch, base, src)
            n = batch.num_rows
            rows = pa.array(np.arange(start, start + n, dtype=np.int64))
            start += n
            batch = pa.RecordBatch.from_arrays([*batch.columns, rows], schema=schema)
            b = _buckets(batch.column("ticket_id"), parts)
            order = np.argsort(b, kind="stable")
            sb = b[order]
            bounds = np.searchsorted(sb, np.arange(parts + 1))
            taken = batch.take(pa.array(order))
            for k in np.unique(sb).tolist():
                lo, hi = int(bounds[k]), int(bounds[k + 1])
                if k not in writers:
                    sinks[k] = pa.OSFile(os.path.join(folder, f"{src.table}-{k}.arrow"), "wb")
                    writers[k] = pa.ipc.new_stream(sinks[k], schema)
                writers[k].write_batch(taken.slice(lo, hi - lo))
    finally:
        for k, w in writers.items():
            w.close()
            sinks[k].close()
    if schema is None:  # no rows: the file's own schema
        schema = src.schema().append(pa.field(ROW, pa.int64()))
    return schema


# ---- CSV text to columns, per piece ----------------------------------------------------------------

_ISO: Final = (
    r"^([1-9]\d{3}|0([1-9]\d{2}|0[1-9]\d|00[1-9]))-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
    r"(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)
_WHOLE: Final = r"^-?[0-9]{1,18}$"


@attrs.frozen
class _CellError:
    table: str
    row: int  # in the whole file, as the errors table numbers it
    ticket_id: Any
    column: str
    value: Any
    error: TableFormatError


def _instants_from_text(col: Any) -> tuple[Any, npt.NDArray[np.bool_], list[tuple[int, str, str]]]:
    """Text instants as ``timestamp[us, UTC]``: the column, the bad-row mask, and per bad row
    ``(row, problem, hint)`` from :func:`slaclock.samples.parse_instant`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = col.combine_chunks() if hasattr(col, "combine_chunks") else col
    n = len(col)
    ok = pc.fill_null(pc.match_substring_regex(col, _ISO), False).to_numpy(zero_copy_only=False)
    us = np.zeros(n, dtype=np.int64)
    try:
        good = col.filter(pa.array(ok)).cast(pa.timestamp("us", tz="UTC"))
        us[ok] = good.cast(pa.int64()).to_numpy(zero_copy_only=False)
        slow = np.flatnonzero(~ok)
    except (pa.ArrowInvalid, ValueError):
        slow = np.arange(n)
        ok = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    problems: list[tuple[int, str, str]] = []
    texts = col.take(pa.array(slow)).to_pylist() if len(slow) else []
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    for r, text in zip(slow.tolist(), texts, strict=True):
        try:
            value = parse_instant("" if text is None else text)
        except InputError as exc:
            bad[r] = True
            problems.append((r, exc.problem, exc.hint))
            continue
        us[r] = (value - epoch) // dt.timedelta(microseconds=1)
    arr = pa.array(us, type=pa.int64(), mask=bad).cast(pa.timestamp("us", tz="UTC"))
    return arr, bad, problems


def _ints_from_text(col: Any) -> tuple[Any, npt.NDArray[np.bool_], list[tuple[int, str, str]]]:
    """Text whole numbers as int64, read as ``int(text)`` reads them (the CSV reader)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = col.combine_chunks() if hasattr(col, "combine_chunks") else col
    n = len(col)
    ok = pc.fill_null(pc.match_substring_regex(col, _WHOLE), False).to_numpy(zero_copy_only=False)
    vals = np.zeros(n, dtype=np.int64)
    if ok.any():
        vals[ok] = col.filter(pa.array(ok)).cast(pa.int64()).to_numpy(zero_copy_only=False)
    bad = np.zeros(n, dtype=bool)
    problems: list[tuple[int, str, str]] = []
    slow = np.flatnonzero(~ok)
    texts = col.take(pa.array(slow)).to_pylist() if len(slow) else []
    for r, text in zip(slow.tolist(), texts, strict=True):
        try:
            vals[r] = int("" if text is None else text)
        except (ValueError, OverflowError):
            bad[r] = True
            problems.append((r, "must be a whole number", ""))
    return pa.array(vals, type=pa.int64(), mask=bad), bad, problems


def _read_text(
    piece: Piece, tickets_csv: bool, events_csv: bool, labels: Labels
) -> tuple[Piece, dict[Any, _CellError]]:
    """Convert the text columns of CSV tables; a cell that cannot be read is nulled (so
    :func:`score` fails its ticket) and its error kept, the first per ticket."""
    cells: list[_CellError] = []
    tickets, events = piece.tickets, piece.events

    def note(
        table: str, local: int, tid: Any, column: str, value: Any, problem: str, hint: str
    ) -> None:
        rows = piece.tickets_rows if table == "tickets" else piece.events_rows
        row = int(rows[local]) + labels.base
        err = TableFormatError.at(labels.name(table), row, column, value, problem, hint)
        cells.append(_CellError(table, row, tid, column, value, err))

    if tickets_csv and tickets.num_rows:
        arr, _bad, problems = _instants_from_text(tickets.column("created_at"))
        if problems:
            ids = tickets.column("ticket_id")
            texts = tickets.column("created_at")
            for r, problem, hint in problems:
                note("tickets", r, ids[r].as_py(), "created_at", texts[r].as_py(), problem, hint)
        tickets = tickets.set_column(
            tickets.schema.get_field_index("created_at"), "created_at", arr
        )
    if events_csv and events.num_rows:
        ids = events.column("ticket_id")
        for name, read in (("seq", _ints_from_text), ("at", _instants_from_text)):
            arr, _bad, problems = read(events.column(name))
            texts = events.column(name)
            for r, problem, hint in problems:
                note("events", r, ids[r].as_py(), name, texts[r].as_py(), problem, hint)
            events = events.set_column(events.schema.get_field_index(name), name, arr)
    elif events_csv:
        events = _typed_empty_events(events)
    if tickets_csv and not tickets.num_rows:
        tickets = _typed_empty_tickets(tickets)
    # the first bad cell of each ticket, in the CSV reader's order: the tickets row, then
    # the events rows in file order (in a row: seq before at)
    first: dict[Any, _CellError] = {}
    for cell in sorted(cells, key=lambda c: (c.table != "tickets", c.row, _RANK[c.column])):
        first.setdefault(cell.ticket_id, cell)
    return Piece(tickets, events, piece.tickets_rows, piece.events_rows), first


def _typed_empty_events(events: Any) -> Any:
    import pyarrow as pa

    fields = []
    for f in events.schema:
        if f.name == "seq":
            fields.append(pa.field("seq", pa.int64()))
        elif f.name == "at":
            fields.append(pa.field("at", pa.timestamp("us", tz="UTC")))
        else:
            fields.append(f)
    return pa.schema(fields).empty_table()


def _typed_empty_tickets(tickets: Any) -> Any:
    import pyarrow as pa

    fields = [
        pa.field("created_at", pa.timestamp("us", tz="UTC")) if f.name == "created_at" else f
        for f in tickets.schema
    ]
    return pa.schema(fields).empty_table()


def _apply_cells(errors: Any, cells: dict[Any, _CellError]) -> Any:
    """The errors table with each bad cell's error in place of what :func:`score` said of
    the ticket whose cell it nulled.

    As the CSV reader reads cells before it checks a ticket's history, the cell's error
    wins, unless :func:`score` found a bad cell of its own (an unknown kind, a value that
    does not fit its kind, a repeated id) on an earlier row.
    """
    import pyarrow as pa

    if not cells or errors.num_rows == 0:
        return errors
    cols = errors.to_pydict()
    order = {"tickets": 0, "events": 1}
    for i, (tid, field) in enumerate(zip(cols["ticket_id"], cols["field"], strict=True)):
        cell = cells.get(tid)
        if cell is None or field == "events.ticket_id":
            continue
        table, _, column = str(field).partition(".")
        theirs = (order.get(table, 0), int(cols["row"][i]), _RANK.get(column, 9))
        mine = (order[cell.table], cell.row, _RANK[cell.column])
        if theirs < mine and field in _CELL_FIELDS and cols["error"][i] == "TableFormatError":
            continue
        cols["row"][i] = cell.row
        cols["field"][i] = f"{cell.table}.{cell.column}"
        cols["value"][i] = None if cell.value is None else str(cell.value)
        cols["error"][i] = type(cell.error).__name__
        cols["message"][i] = str(cell.error)
    return pa.table(cols, schema=errors.schema)


#: The errors of :func:`score` that the CSV reader finds while reading cells.
_CELL_FIELDS: Final = frozenset(
    {"tickets.ticket_id", "tickets.severity", "events.kind", "events.value"}
)
#: The order in which the CSV reader reads the cells of a row.
_RANK: Final = MappingProxyType(
    {
        "ticket_id": 0,
        "severity": 1,
        "created_at": 2,
        "seq": 1,
        "kind": 2,
        "at": 3,
        "value": 4,
    }
)


# ---- the run --------------------------------------------------------------------------------------


@attrs.define
class Totals:
    """Counts over the pieces of a run."""

    tickets: int = 0
    scored: int = 0
    failed: int = 0
    orphans: int = 0
    vectorised: int = 0
    pieces: int = 0
    results: int = 0


class Sink:
    """Where the pieces' results and errors go (Arrow tables in the fixed schemas).

    A context manager: a clean exit keeps what was written, an exit by an
    exception leaves nothing behind.
    """

    def add(self, results: Any, errors: Any) -> None:
        """Take one piece's results and errors."""
        raise NotImplementedError

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        return None


class _MemorySink(Sink):
    def __init__(self, id_type: Any) -> None:
        self.id_type = id_type
        self.results: list[Any] = []
        self.errors: list[Any] = []

    def add(self, results: Any, errors: Any) -> None:
        self.results.append(results)
        self.errors.append(errors)

    def scored(self, run: Run) -> Scored:
        import pyarrow as pa

        rs = arrow_schema("results", self.id_type)
        es = arrow_schema("errors", self.id_type)
        results = pa.concat_tables(self.results) if self.results else rs.empty_table()
        errors = pa.concat_tables(self.errors) if self.errors else es.empty_table()
        t = run.totals
        return Scored(
            results=results,
            errors=errors,
            tickets=t.tickets,
            scored=t.scored,
            failed=t.failed,
            orphans=t.orphans,
            vectorised=t.vectorised,
        )


class ParquetSink(Sink):
    """Results (and errors, unless ``errors`` is None) written to Parquet files, piece by piece.

    The files are written under temporary names beside the targets and moved
    in place on a clean exit; on an error they are removed. ``text_ids``
    writes ticket ids as text, as :func:`slaclock.result_files.write_results`
    does.
    """

    def __init__(
        self,
        results: str,
        errors: str | None,
        id_type: Any,
        *,
        text_ids: bool = False,
        provenance: Mapping[str, str] | None = None,
    ) -> None:
        import pyarrow as pa

        self.paths = (results,) if errors is None else (results, errors)
        self.text_ids = text_ids
        id_type = pa.string() if text_ids else id_type
        self.schemas = (arrow_schema("results", id_type), arrow_schema("errors", id_type))
        if provenance is not None:
            from slaclock.provenance import METADATA_KEY, metadata_text

            text = metadata_text(provenance)
            self.schemas = tuple(
                s.with_metadata({**(s.metadata or {}), METADATA_KEY.encode(): text.encode()})
                for s in self.schemas
            )
        self.writers: list[Any] = []
        self.temps = tuple(_temp_name(p) for p in self.paths)

    def __enter__(self) -> ParquetSink:
        import pyarrow.parquet as pq

        try:
            for tmp, schema in zip(self.temps, self.schemas, strict=False):
                self.writers.append(pq.ParquetWriter(tmp, schema))
        except OSError:
            self._abandon()
            raise
        return self

    def add(self, results: Any, errors: Any) -> None:
        if self.text_ids:
            results = to_schema(results, self.schemas[0])
            errors = to_schema(errors, self.schemas[1])
        if results.num_rows:
            self.writers[0].write_table(results)
        if errors.num_rows and len(self.writers) > 1:
            self.writers[1].write_table(errors)

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if kind is not None:
            self._abandon()
            return
        for w in self.writers:
            w.close()
        for tmp, path in zip(self.temps, self.paths, strict=True):
            os.replace(tmp, path)

    def _abandon(self) -> None:
        for w in self.writers:
            with contextlib.suppress(Exception):  # cleaning up after the first error
                w.close()
        for tmp in self.temps:
            if os.path.exists(tmp):
                os.remove(tmp)


def _record(
    provenance: bool | Mapping[str, str], policy: Policy | PolicyBook
) -> Mapping[str, str] | None:
    """The provenance record a ``provenance=`` argument asks for (None: no record)."""
    if provenance is True:
        from slaclock.provenance import provenance as make

        return make(policy)
    if provenance is False:
        return None
    if isinstance(provenance, Mapping):
        return provenance
    raise InputError("provenance", provenance, "must be True, False or a mapping of text")


def _temp_name(path: str) -> str:
    """A file beside ``path`` to write before moving it in place."""
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{name}.partial-{os.getpid()}")


class Run:
    """One streaming run over two files: the checked arguments, the pieces, the totals."""

    def __init__(self) -> None:
        self.totals = Totals()
        self.chosen = ""
        self._orphans: set[Any] = set()

    @classmethod
    def build(
        cls,
        tickets_path: str | os.PathLike[str],
        events_path: str | os.PathLike[str],
        policy: Policy | PolicyBook,
        *,
        now: dt.datetime,
        chunk_tickets: int,
        on_error: OnError,
        progress: bool | None,
        as_of: dt.datetime | None,
        assume_tz: Any,
        order: Order,
        format: str | None,
        tmpdir: str | os.PathLike[str] | None,
        labels: Labels = _PLAIN,
        fields: tuple[str, str] = ("tickets_path", "events_path"),
    ) -> Run:
        """Check every argument (before any file is read beyond its header); errors about
        the two paths name ``fields``."""
        run = cls()
        if (
            isinstance(chunk_tickets, bool)
            or not isinstance(chunk_tickets, int)
            or chunk_tickets < 1
        ):
            raise InputError("chunk_tickets", chunk_tickets, "must be a whole number >= 1")
        if on_error not in ("raise", "mark"):
            raise InputError("on_error", on_error, "must be 'raise' or 'mark'")
        if order not in ("auto", "sorted", "unsorted"):
            raise InputError("order", order, "must be 'auto', 'sorted' or 'unsorted'")
        if progress not in (None, True, False):
            raise InputError(
                "progress", progress, "must be True, False or None (a bar on a terminal)"
            )
        if not isinstance(policy, (Policy, PolicyBook)):
            raise InputError("policy", policy, "must be a Policy or a PolicyBook")
        to_us(now, "now")
        if as_of is not None:
            to_us(as_of, "as_of")
        _need_pyarrow()
        run.tickets = Source.open(tickets_path, fields[0], "tickets", format)
        run.events = Source.open(events_path, fields[1], "events", format)
        run.tickets.columns()
        run.events.columns()
        tk, ek = run.tickets.id_type(), run.events.id_type()
        if _id_kind(tk) != _id_kind(ek) and "null" not in (_id_kind(tk), _id_kind(ek)):
            raise InputError(
                fields[1],
                run.events.path,
                f"has ticket ids of type {ek}, the tickets table {tk}",
                "write both tables' ticket_id with one type (whole numbers or text)",
            )
        run.id_type = tk
        run.policy = policy
        run.now = now
        run.chunk = chunk_tickets
        run.on_error = on_error
        run.progress = progress
        run.as_of = as_of
        run.assume_tz = assume_tz
        run.order = order
        run.tmpdir = None if tmpdir is None else os.fspath(tmpdir)
        run.labels = labels
        return run

    # the attributes build() sets
    tickets: Source
    events: Source
    id_type: Any
    policy: Policy | PolicyBook
    now: dt.datetime
    chunk: int
    on_error: OnError
    progress: bool | None
    as_of: dt.datetime | None
    assume_tz: Any
    order: Order
    tmpdir: str | None
    labels: Labels

    def survey(self) -> tuple[bool, int | None]:
        """Whether both ``ticket_id`` columns are sorted, and the number of tickets."""
        sorted_ = True
        count = 0
        for src in (self.tickets, self.events):
            check = _Order()
            n = 0
            for batch in src.batches(_SURVEY_ROWS, columns=["ticket_id"]):
                n += batch.num_rows
                if sorted_ and check.first_unsorted(batch.column("ticket_id")) is not None:
                    sorted_ = False
                    if src.table == "events":
                        break  # its count is not needed
            if src.table == "tickets":
                count = n
        return sorted_, count

    def pieces(self) -> Iterator[Piece]:
        """The pieces, by the order asked for (or found)."""
        batch_rows = max(1, min(self.chunk, _BATCH_ROWS))
        total = self.tickets.count()
        if self.order == "auto":
            is_sorted, total = self.survey()
            self.chosen = "sorted" if is_sorted else "unsorted"
        else:
            self.chosen = self.order
        self.expected = total
        if self.chosen == "sorted":
            return _lockstep(self.tickets, self.events, self.chunk, batch_rows)
        if total is None:
            total = sum(
                b.num_rows for b in self.tickets.batches(_SURVEY_ROWS, columns=["ticket_id"])
            )
            self.expected = total
        return _partitioned(self.tickets, self.events, self.chunk, _BATCH_ROWS, total, self.tmpdir)

    expected: int | None = None

    def run(self, sink: Sink) -> None:
        """Score every piece into ``sink``; check ``tickets == scored + failed`` at the end."""
        results_schema = arrow_schema("results", self.id_type)
        errors_schema = arrow_schema("errors", self.id_type)
        tickets_csv = self.tickets.fmt == "csv"
        events_csv = self.events.fmt == "csv"
        pieces = self.pieces()
        with _Progress(self.progress, self.expected) as bar:
            for piece in pieces:
                piece, cells = _read_text(piece, tickets_csv, events_csv, self.labels)
                if cells and self.on_error == "raise":
                    raise min(cells.values(), key=lambda c: (c.table != "tickets", c.row)).error
                got = score_piece(
                    piece.tickets,
                    piece.events,
                    self.policy,
                    now=self.now,
                    on_error=self.on_error,
                    as_of=self.as_of,
                    assume_tz=self.assume_tz,
                    tickets_rows=piece.tickets_rows,
                    events_rows=piece.events_rows,
                    labels=self.labels,
                )
                errors = to_schema(got.errors, errors_schema)
                errors = _apply_cells(errors, cells)
                errors, orphans = self._new_orphans(errors)
                results = to_schema(got.results, results_schema)
                sink.add(results, errors)
                t = self.totals
                t.tickets += got.tickets
                t.scored += got.scored
                t.failed += got.failed
                t.orphans += orphans
                t.vectorised += got.vectorised
                t.pieces += 1
                t.results += results.num_rows
                bar.update(got.tickets)
        if self.totals.tickets != self.totals.scored + self.totals.failed:  # pragma: no cover
            raise RuntimeError(
                f"slaclock bug: {self.totals.tickets} tickets read but {self.totals.scored} "
                f"scored and {self.totals.failed} failed"
            )

    def _new_orphans(self, errors: Any) -> tuple[Any, int]:
        """Drop orphan rows of ids already reported by an earlier piece (null ids can recur)."""
        import pyarrow as pa

        if errors.num_rows == 0:
            return errors, 0
        fields = errors.column("field").to_pylist()
        ids = errors.column("ticket_id").to_pylist()
        keep = np.ones(len(fields), dtype=bool)
        count = 0
        for i, (field, tid) in enumerate(zip(fields, ids, strict=True)):
            if field != "events.ticket_id":
                continue
            if tid in self._orphans:
                keep[i] = False
            else:
                self._orphans.add(tid)
                count += 1
        return (errors if keep.all() else errors.filter(pa.array(keep))), count


def _need_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - pyarrow is installed with the test extras
        raise InputError(
            "pyarrow",
            None,
            "is needed to read Parquet files and CSV files in chunks, and is not installed",
            "pip install 'slaclock[arrow]'",
        ) from None


# ---- progress ----------------------------------------------------------------------------------------


class _Progress:
    """A tqdm bar of tickets on standard error, a line per chunk without tqdm, or nothing."""

    def __init__(self, progress: bool | None, total: int | None) -> None:
        self.bar: Any = None
        self.lines = False
        self.done = 0
        self.total = total
        show = progress if progress is not None else _isatty(sys.stderr)
        if not show:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            self.lines = bool(progress)
            return
        self.bar = tqdm(total=total, unit="tickets", unit_scale=True, file=sys.stderr, leave=True)

    def __enter__(self) -> _Progress:
        return self

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.lines:
            of = f" of {self.total}" if self.total is not None else ""
            print(f"slaclock: scored {self.done}{of} tickets", file=sys.stderr, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
