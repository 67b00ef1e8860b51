"""Result files written piece by piece from Arrow tables, byte for byte as ``write_results``.

``slaclock score`` on large inputs gets its results as Arrow tables, a chunk
at a time (:mod:`slaclock.batch.files`). These sinks write them in the
encodings of :mod:`slaclock.result_files` (CSV cells of
:func:`~slaclock.result_files.result_row`, JSON records of
:func:`~slaclock.result_files.result_record`, the Parquet schema of
``write_results``), so a file does not depend on the path that scored it.
Each writes to a temporary name beside the target and moves it in place at a
clean end; after an error nothing is left behind. Each records its provenance
as ``write_results`` does (:mod:`slaclock.provenance`).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from slaclock.batch.files import ParquetSink, Sink, _temp_name
from slaclock.errors import InputError
from slaclock.evaluation import RESULT_FIELDS
from slaclock.result_files import DURATION_FIELDS, INSTANT_FIELDS

if TYPE_CHECKING:
    from slaclock.policies import Policy, PolicyBook

__all__ = ["TextSink", "open_sink"]


def _instant_texts(col: Any) -> list[str | None]:
    """A ``timestamp[us, UTC]`` column as ISO 8601 UTC text with ``Z`` (microseconds only
    when not zero), as ``result_files`` writes instants."""
    import pyarrow as pa

    ints = col.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    null = ints.is_null().to_numpy(zero_copy_only=False)
    us = ints.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    secs = us // 1_000_000
    frac = us % 1_000_000
    base = np.datetime_as_string(secs.astype("M8[s]"), unit="s").tolist()
    out: list[str | None] = []
    for b, f, n in zip(base, frac.tolist(), null.tolist(), strict=True):
        if n:
            out.append(None)
        else:
            out.append(f"{b}.{f:06d}Z" if f else f"{b}Z")
    return out


def _duration_us(col: Any) -> list[int | None]:
    import pyarrow as pa

    return list(col.cast(pa.duration("us")).cast(pa.int64()).to_pylist())


def _seconds_text(us: int) -> str:
    """Exact decimal seconds (``format_seconds``)."""
    sign = "-" if us < 0 else ""
    s, frac = divmod(abs(us), 1_000_000)
    return f"{sign}{s}" if not frac else f"{sign}{s}.{frac:06d}".rstrip("0")


def _seconds_number(us: int) -> int | float:
    return us // 1_000_000 if us % 1_000_000 == 0 else us / 1_000_000


def _columns(results: Any) -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = {}
    for name in RESULT_FIELDS:
        col = results.column(name)
        if name in INSTANT_FIELDS:
            cols[name] = _instant_texts(col)
        elif name in DURATION_FIELDS:
            cols[name] = _duration_us(col)
        else:
            cols[name] = col.to_pylist()
    return cols


class TextSink(Sink):
    """Results written as CSV or JSON text (``fmt``), piece by piece."""

    def __init__(
        self,
        path: str,
        fmt: str,
        provenance: Mapping[str, str] | None = None,
        *,
        neutralise_formulas: bool = False,
    ) -> None:
        self.path = path
        self.fmt = fmt
        self.provenance = provenance
        self.neutralise = neutralise_formulas
        self.temp = _temp_name(path)
        self.file: IO[str] | None = None
        self.rows = 0

    def __enter__(self) -> TextSink:
        self.file = open(self.temp, "w", encoding="utf-8", newline="")
        if self.fmt == "csv":
            self.writer = csv.writer(self.file, lineterminator="\n")
            self.writer.writerow(RESULT_FIELDS)
        else:
            self.file.write("[")
        return self

    def add(self, results: Any, errors: Any) -> None:  # noqa: ARG002 - errors go to stderr
        n = results.num_rows
        if not n:
            return
        cols = _columns(results)
        assert self.file is not None
        if self.fmt == "csv":
            from slaclock.result_files import neutralise_formula

            for i in range(n):
                cells = [_cell(name, cols[name][i]) for name in RESULT_FIELDS]
                if self.neutralise:
                    cells = [neutralise_formula(c) for c in cells]
                self.writer.writerow(cells)
        else:
            write = self.file.write
            for i in range(n):
                record = {name: _value(name, cols[name][i]) for name in RESULT_FIELDS}
                write(",\n" if self.rows + i else "\n")
                write(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
        self.rows += n

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        assert self.file is not None
        if kind is None and self.fmt == "json":
            self.file.write("\n]\n" if self.rows else "]\n")
        self.file.close()
        if kind is None:
            from slaclock import provenance as _provenance

            # the sidecar first, as write_results: it holds the finished data's SHA-256
            try:
                if self.provenance is not None:
                    _provenance.write_sidecar(self.provenance, self.temp, self.path)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(_provenance.sidecar_path(self.path))
            except BaseException:
                with contextlib.suppress(OSError):
                    os.remove(self.temp)
                raise
            os.replace(self.temp, self.path)
        else:
            with contextlib.suppress(OSError):
                os.remove(self.temp)


def _cell(name: str, value: Any) -> str:
    """A CSV cell as :func:`~slaclock.result_files.result_row` writes it."""
    if value is None:
        return ""
    if name in DURATION_FIELDS:
        return _seconds_text(value)
    return str(value)


def _value(name: str, value: Any) -> Any:
    """A JSON value as :func:`~slaclock.result_files.result_record` gives it."""
    if value is None:
        return None
    if name in DURATION_FIELDS:
        return _seconds_number(value)
    if name in ("earlier", "warnings"):
        return json.loads(value)
    return value


def open_sink(
    path: str,
    fmt: str,
    id_type: Any,
    *,
    policy: Policy | PolicyBook | None = None,
    provenance: bool | Mapping[str, str] = True,
    neutralise_formulas: bool = False,
) -> Sink:
    """The sink of a results file of format ``fmt`` (``csv``, ``json``, ``parquet``).

    ``policy``, ``provenance`` and ``neutralise_formulas`` (CSV only) as for
    :func:`~slaclock.result_files.write_results`: the provenance record goes
    to the Parquet metadata or the CSV/JSON sidecar.
    """
    if provenance is True:
        from slaclock.provenance import provenance as make

        record: Mapping[str, str] | None = make(policy)
    elif provenance is False:
        record = None
    elif isinstance(provenance, Mapping):
        record = provenance
    else:
        raise InputError("provenance", provenance, "must be True, False or a mapping of text")
    if fmt == "parquet":
        return ParquetSink(path, None, id_type, text_ids=True, provenance=record)
    return TextSink(path, fmt, record, neutralise_formulas=neutralise_formulas)
