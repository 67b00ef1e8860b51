"""Result files: one row per ticket, target and cycle (CSV, JSON or Parquet).

The columns are :data:`~slaclock.evaluation.RESULT_FIELDS`, in that order,
with the field names as headers (schema version
:data:`~slaclock.evaluation.RESULT_SCHEMA_VERSION`). The encoding is chosen
for an analyst loading the file in pandas, polars or a spreadsheet:

- **instants** (``start``, ``stop``, ``due``, ...) are ISO 8601 in UTC with
  ``Z`` (``2026-03-02T14:05:00Z``; microseconds only when not zero):
  ``pd.to_datetime(df["due"], utc=True, format="ISO8601")``.
- **durations** (``goal``, ``used``, ``elapsed``, ``paused_business``,
  ``paused_wall``, ``remaining``, ``overdue_by``) are exact decimal seconds:
  ``28800``, ``1.5``, ``0.000001`` (never rounded, never an exponent):
  ``pd.to_timedelta(df["used"], unit="s")``.
- ``used_share`` is the float as Python prints it (``0.75``); ``cycle`` an
  integer.
- ``earlier`` and ``warnings`` are compact JSON lists (``[]`` when empty)
  of objects with the same encoding: ``[{"label":"75%","at":"2026-..Z"}]``,
  ``[{"severity":"P3","due":"...","breached":false,"changed_at":"..."}]``.
- a missing value (``stop`` of a running clock, ``team`` of an external
  target) is an empty cell in CSV and ``null`` in JSON.

JSON files hold one array of objects, with durations as numbers of seconds
and ``earlier`` / ``warnings`` as real lists. Parquet files (when
``pyarrow`` is installed) use native types: ``timestamp[us, tz=UTC]`` for
instants, ``duration[us]`` for durations, and JSON text for ``earlier`` and
``warnings``; the schema version is in the file's metadata
(``slaclock.result_schema_version``).

Every file records what produced it (:mod:`slaclock.provenance`): in the
Parquet metadata (``slaclock.provenance``), or in a sidecar file
``<file>.provenance.json`` beside a CSV or JSON file (a wrapper object would
change the JSON format, and CSV has no place for it).

.. versionadded:: 0.1
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from slaclock.errors import InputError, TableFormatError
from slaclock.evaluation import (
    RESULT_FIELDS,
    RESULT_SCHEMA_VERSION,
    EarlierSeverity,
    Evaluation,
    Result,
    WarningHit,
)

if TYPE_CHECKING:
    from slaclock.policies import Policy, PolicyBook

__all__ = [
    "DURATION_FIELDS",
    "FORMATS",
    "INSTANT_FIELDS",
    "encode_earlier",
    "encode_warnings",
    "format_seconds",
    "neutralise_formula",
    "read_results",
    "result_record",
    "result_row",
    "write_results",
]

FORMATS = ("csv", "json", "parquet")
"""The file formats :func:`write_results` writes."""

INSTANT_FIELDS = (
    "start",
    "stop",
    "due",
    "due_if_resumed",
    "original_due",
    "breached_at",
    "next_event_at",
)
"""The result fields that hold instants."""

DURATION_FIELDS = (
    "goal",
    "used",
    "elapsed",
    "paused_business",
    "paused_wall",
    "remaining",
    "overdue_by",
)
"""The result fields that hold durations."""

_ONE_US = dt.timedelta(microseconds=1)


def format_seconds(value: dt.timedelta) -> str:
    """A duration as exact decimal seconds: ``28800``, ``1.5``, ``-0.000001``.

    >>> format_seconds(dt.timedelta(hours=8)), format_seconds(dt.timedelta(milliseconds=1500))
    ('28800', '1.5')
    """
    us = value // _ONE_US
    sign = "-" if us < 0 else ""
    s, frac = divmod(abs(us), 1_000_000)
    return f"{sign}{s}" if not frac else f"{sign}{s}.{frac:06d}".rstrip("0")


def _instant(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat() + "Z"


def _seconds_number(value: dt.timedelta) -> int | float:
    us = value // _ONE_US
    return us // 1_000_000 if us % 1_000_000 == 0 else us / 1_000_000


def _earlier(items: tuple[EarlierSeverity, ...]) -> list[dict[str, Any]]:
    return [
        {
            "severity": e.severity,
            "due": _instant(e.due),
            "breached": e.breached,
            "changed_at": _instant(e.changed_at),
        }
        for e in items
    ]


def _warnings(items: tuple[WarningHit, ...]) -> list[dict[str, Any]]:
    return [{"label": w.label, "at": _instant(w.at)} for w in items]


def _json_text(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def encode_earlier(items: tuple[EarlierSeverity, ...]) -> str:
    """The ``earlier`` field as the compact JSON text of result files (``[]`` when empty)."""
    return _json_text(_earlier(items))


def encode_warnings(items: tuple[WarningHit, ...]) -> str:
    """The ``warnings`` field as the compact JSON text of result files (``[]`` when empty)."""
    return _json_text(_warnings(items))


def result_record(result: Result) -> dict[str, Any]:
    """One result as JSON-ready values, keyed by field in schema order.

    Instants are ISO 8601 text in UTC, durations numbers of seconds (an
    integer when whole), ``earlier`` and ``warnings`` lists of objects,
    missing values None.
    """
    out: dict[str, Any] = {}
    for name in RESULT_FIELDS:
        value = getattr(result, name)
        if name in INSTANT_FIELDS:
            out[name] = _instant(value)
        elif name in DURATION_FIELDS:
            out[name] = None if value is None else _seconds_number(value)
        elif name == "earlier":
            out[name] = _earlier(value)
        elif name == "warnings":
            out[name] = _warnings(value)
        else:
            out[name] = value
    return out


def result_row(result: Result) -> dict[str, str]:
    """One result as CSV cells, keyed by field in schema order (see the module docs).

    Examples
    --------
    >>> import datetime as dt
    >>> from slaclock import Calendar, Ticket, StatusChange, AgentReply, evaluate
    >>> from slaclock.policies import Policy, Target, BusinessTime
    >>> cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
    >>> policy = Policy("support", ["P2"], {"open": "running", "solved": "stopped"},
    ...     [Target("first_response", "P2", BusinessTime(dt.timedelta(hours=1)), cal)])
    >>> t0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    >>> ticket = Ticket("T1", "P2", [StatusChange(t0, status="open"),
    ...     AgentReply(t0 + dt.timedelta(minutes=45, seconds=30))])
    >>> row = result_row(evaluate(ticket, policy, now=t0 + dt.timedelta(hours=2)).results[0])
    >>> row["outcome"], row["used"], row["stop"], row["team"], row["warnings"]
    ('met', '2730', '2026-03-02T09:45:30Z', '', '[]')
    """
    out: dict[str, str] = {}
    for name in RESULT_FIELDS:
        value = getattr(result, name)
        if value is None:
            out[name] = ""
        elif name in INSTANT_FIELDS:
            out[name] = _instant(value) or ""
        elif name in DURATION_FIELDS:
            out[name] = format_seconds(value)
        elif name == "earlier":
            out[name] = _json_text(_earlier(value))
        elif name == "warnings":
            out[name] = _json_text(_warnings(value))
        else:
            out[name] = str(value)
    return out


def _flatten(results: Iterable[Result | Evaluation]) -> Iterable[Result]:
    for i, item in enumerate(results):
        if isinstance(item, Evaluation):
            yield from item.results
        elif isinstance(item, Result):
            yield item
        else:
            raise InputError(f"results[{i}]", item, "must be a Result or an Evaluation")


def _format_of(path: str | os.PathLike[str], format: str | None) -> str:
    if format is None:
        suffix = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
        return suffix if suffix in FORMATS else "csv"
    if format not in FORMATS:
        raise InputError("format", format, f"is not a result format (known: {', '.join(FORMATS)})")
    return format


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise_formula(cell: str) -> str:
    """A CSV cell made safe for a spreadsheet: text that would start a formula gets a ``'``.

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return is run as a formula by spreadsheet programs (CSV injection);
    prefixed with a single quote it is shown as text. Numbers (``-0.5``) are
    left as they are.

    >>> from slaclock.result_files import neutralise_formula
    >>> neutralise_formula("=1+2"), neutralise_formula("-3.5"), neutralise_formula("T-1")
    ("'=1+2", '-3.5', 'T-1')

    .. versionadded:: 0.1
    """
    if cell.startswith(_FORMULA_START) and not _NUMBER.match(cell):
        return "'" + cell
    return cell


def write_results(
    results: Iterable[Result | Evaluation],
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    policy: Policy | PolicyBook | None = None,
    provenance: bool | Mapping[str, str] = True,
    neutralise_formulas: bool = False,
) -> int:
    """Write results to a file, one row per ticket, target and cycle.

    Parameters
    ----------
    results
        Results, or evaluations (their results in order).
    path
        The file to write (replaced if it exists, atomically: the rows go to
        a temporary file beside it, renamed over it once complete, so an
        interrupted write never leaves half a file).
    format
        ``"csv"``, ``"json"`` or ``"parquet"``; by default from the file's
        suffix (``.json``, ``.parquet``), else CSV.
    policy
        The policy or book that measured the results, recorded (name,
        versions, fingerprint) in the provenance record.
    provenance
        True (default): record :func:`slaclock.provenance.provenance` of
        ``policy``; a mapping: record that one (for example with
        ``policy_file=``); False: none. Parquet files keep it in their
        metadata (``slaclock.provenance``), CSV and JSON files in a sidecar
        ``<path>.provenance.json`` written atomically with the data and
        holding its SHA-256 (without a record, a sidecar left by an earlier
        write is removed). The same results give byte-identical files.
    neutralise_formulas
        CSV only: prefix text cells that a spreadsheet would run as a formula
        (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
        with ``'`` (:func:`neutralise_formula`), for files opened in a
        spreadsheet. Numbers are left alone. Off by default: the file then
        reads back exactly.

    Returns
    -------
    int
        The number of rows written.

    Raises
    ------
    InputError
        For an unknown format, or Parquet without ``pyarrow`` installed.
    """
    from slaclock import provenance as _provenance
    from slaclock._files import atomic_path

    fmt = _format_of(path, format)
    if provenance is True:
        record: Mapping[str, str] | None = _provenance.provenance(policy)
    elif provenance is False:
        record = None
    elif isinstance(provenance, Mapping):
        record = provenance
    else:
        raise InputError("provenance", provenance, "must be True, False or a mapping of text")
    rows = list(_flatten(results))
    with atomic_path(path) as temp:
        if fmt == "parquet":
            _write_parquet(rows, temp, record)
        elif fmt == "json":
            with open(temp, "w", encoding="utf-8") as f:
                f.write("[")
                for i, r in enumerate(rows):
                    f.write(",\n" if i else "\n")
                    f.write(_json_text(result_record(r)))
                f.write("\n]\n" if rows else "]\n")
        else:
            with open(temp, "w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f, lineterminator="\n")
                writer.writerow(RESULT_FIELDS)
                for r in rows:
                    cells = list(result_row(r).values())
                    if neutralise_formulas:
                        cells = [neutralise_formula(c) for c in cells]
                    writer.writerow(cells)
        if fmt != "parquet":
            # the sidecar first: a data file is never newer than the record that describes it
            if record is not None:
                _provenance.write_sidecar(record, temp, path)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(_provenance.sidecar_path(path))
    return len(rows)


def _write_parquet(
    rows: list[Result], path: str | os.PathLike[str], record: Mapping[str, str] | None = None
) -> None:
    try:
        import pyarrow as pa  # type: ignore[import-not-found, unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise InputError(
            "format",
            "parquet",
            "needs pyarrow, which is not installed",
            "pip install pyarrow (or slaclock[arrow]), or write csv or json",
        ) from None
    columns: dict[str, Any] = {}
    types: dict[str, Any] = {}
    for name in RESULT_FIELDS:
        values = [getattr(r, name) for r in rows]
        if name in INSTANT_FIELDS:
            types[name] = pa.timestamp("us", tz="UTC")
        elif name in DURATION_FIELDS:
            types[name] = pa.duration("us")
        elif name == "earlier":
            values = [_json_text(_earlier(v)) for v in values]
            types[name] = pa.string()
        elif name == "warnings":
            values = [_json_text(_warnings(v)) for v in values]
            types[name] = pa.string()
        elif name == "cycle":
            types[name] = pa.int64()
        elif name == "used_share":
            types[name] = pa.float64()
        else:
            values = [None if v is None else str(v) for v in values]
            types[name] = pa.string()
        columns[name] = values
    metadata = {"slaclock.result_schema_version": str(RESULT_SCHEMA_VERSION)}
    if record is not None:
        from slaclock.provenance import METADATA_KEY, metadata_text

        metadata[METADATA_KEY] = metadata_text(record)
    schema = pa.schema([pa.field(n, types[n]) for n in RESULT_FIELDS], metadata=metadata)
    table = pa.table(columns, schema=schema)
    pq.write_table(table, os.fspath(path))


# ---- reading results files back -------------------------------------------------------------

_READ_LIBRARIES = ("results", "pandas", "polars", "arrow")


def _parse_seconds(text: str) -> dt.timedelta:
    """Exact decimal seconds (``28800``, ``1.5``, ``-0.000001``) as a timedelta."""
    t = text.strip()
    sign = -1 if t.startswith("-") else 1
    body = t[1:] if t[:1] in "+-" else t
    whole, _, frac = body.partition(".")
    if not whole.isdigit() or (frac and (not frac.isdigit() or len(frac) > 6)):
        raise ValueError("must be decimal seconds with at most 6 decimals (28800, 1.5)")
    us = int(whole) * 1_000_000 + int((frac + "000000")[:6])
    return dt.timedelta(microseconds=sign * us)


def _parse_instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("has no UTC offset")
    return value.astimezone(dt.UTC)


def _decode_list(kind: str, value: Any) -> tuple[Any, ...]:
    items = json.loads(value) if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValueError("must be a JSON list")
    if kind == "earlier":
        return tuple(
            EarlierSeverity(
                severity=_text(d["severity"]),
                due=None if d["due"] is None else _parse_instant(d["due"]),
                breached=bool(d["breached"]),
                changed_at=_parse_instant(d["changed_at"]),
            )
            for d in items
        )
    return tuple(WarningHit(label=_text(d["label"]), at=_parse_instant(d["at"])) for d in items)


def _text(value: object) -> str:
    """A text cell; a lone surrogate (JSON's ``"\\ud800"``) is no text a file can hold."""
    text = str(value)
    text.encode("utf-8")  # UnicodeEncodeError, a ValueError, names the character
    return text


def _result_from_cells(cells: dict[str, Any], file: str, row: int) -> Result:
    values: dict[str, Any] = {}
    for name in RESULT_FIELDS:
        raw = cells.get(name)
        try:
            if raw is None or raw == "":
                if name in ("earlier", "warnings"):
                    values[name] = ()
                    continue
                if name in (
                    "ticket_id",
                    "policy",
                    "target",
                    "metric",
                    "severity",
                    "status",
                    "outcome",
                    "cycle",
                    "start",
                    "goal",
                    "used",
                    "elapsed",
                    "paused_business",
                    "paused_wall",
                    "remaining",
                    "used_share",
                ):
                    raise ValueError("must not be empty")
                values[name] = None
            elif name in INSTANT_FIELDS:
                values[name] = _parse_instant(str(raw))
            elif name in DURATION_FIELDS:
                if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                    from decimal import Decimal

                    raw = format(Decimal(repr(raw)), "f")
                values[name] = _parse_seconds(str(raw))
            elif name == "cycle":
                if isinstance(raw, bool) or not str(raw).strip().isdigit():
                    raise ValueError("must be a whole number")
                values[name] = int(raw)
            elif name == "used_share":
                values[name] = float(raw)
            elif name in ("earlier", "warnings"):
                values[name] = _decode_list(name, raw)
            else:
                values[name] = _text(raw)
        except KeyError as exc:  # an entry of earlier or warnings without one of its keys
            problem = f"has an entry without the key {exc.args[0]!r}"
            raise TableFormatError.at(file, row, name, raw, problem) from None
        except (ValueError, TypeError) as exc:
            raise TableFormatError.at(file, row, name, raw, str(exc).split("\n")[0]) from None
        except OverflowError:
            problem = (
                "is longer than a duration holds (999999999 days)"
                if name in DURATION_FIELDS
                else "holds an instant outside what a datetime holds (years 1 to 9999 in UTC)"
                if name in ("earlier", "warnings")
                else "is outside the instants a datetime holds (years 1 to 9999 in UTC)"
            )
            raise TableFormatError.at(file, row, name, raw, problem) from None
        except RecursionError:
            raise TableFormatError.at(file, row, name, raw, "is JSON nested too deep") from None
    return Result(**values)


def read_results(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    library: str = "results",
) -> Any:
    """Read a results file written by :func:`write_results` (or ``slaclock score``).

    Parameters
    ----------
    path
        A CSV, JSON or Parquet results file.
    format
        ``"csv"``, ``"json"`` or ``"parquet"``; by default from the suffix, else CSV.
    library
        ``"results"`` (default): a list of :class:`~slaclock.evaluation.Result`;
        ``"pandas"``, ``"polars"`` or ``"arrow"``: a frame with the result columns
        (instants UTC, durations exact to the microsecond), as :func:`~slaclock.batch.scoring.score`
        returns them. Ticket ids come back as text from CSV and JSON files
        that hold them as text.

    Raises
    ------
    TableFormatError
        A missing column, or a cell that cannot be read, naming the file, the
        row (1-based, the header not counted) and the column.

    Examples
    --------
    >>> import os, tempfile
    >>> from slaclock.result_files import read_results, write_results
    >>> with tempfile.TemporaryDirectory() as d:
    ...     n = write_results([], os.path.join(d, "r.csv"))
    ...     read_results(os.path.join(d, "r.csv"))
    []
    """
    if library not in _READ_LIBRARIES:
        raise InputError(
            "library", library, f"must be one of {', '.join(map(repr, _READ_LIBRARIES))}"
        )
    fmt = _format_of(path, format)
    file = os.fspath(path)
    name = os.path.basename(file)
    if fmt == "parquet":
        try:
            import pyarrow.parquet as pq  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            raise InputError(
                "format",
                "parquet",
                "needs pyarrow, which is not installed",
                "pip install pyarrow (or slaclock[arrow])",
            ) from None
        table = pq.read_table(file)
        missing = [c for c in RESULT_FIELDS if c not in table.column_names]
        if missing:
            raise TableFormatError(f"{name} header", missing[0], "is a missing column")
        table = table.select(list(RESULT_FIELDS))
        if library == "arrow":
            return table
        if library == "pandas":
            return table.to_pandas()
        if library == "polars":
            import polars as pl  # type: ignore[import-not-found, unused-ignore]

            return pl.from_arrow(table)
        records = table.to_pylist()
        for rec in records:
            for field in DURATION_FIELDS:
                v = rec[field]
                rec[field] = None if v is None else format_seconds(v)
        return [_result_from_cells(rec, name, i + 1) for i, rec in enumerate(records)]
    results: list[Result] = []
    if fmt == "json":
        with open(file, encoding="utf-8") as f:
            try:
                data = json.load(f)
            except json.JSONDecodeError as exc:
                raise TableFormatError(
                    name, None, f"is not JSON ({exc.msg}, line {exc.lineno})"
                ) from None
            except UnicodeDecodeError as exc:
                raise TableFormatError(name, None, f"is not UTF-8 text ({exc.reason})") from None
            except RecursionError:
                raise TableFormatError(name, None, "is not JSON (nested too deep)") from None
            except ValueError as exc:  # an integer of more digits than int() reads
                raise TableFormatError(name, None, f"is not JSON ({exc})") from None
        if not isinstance(data, list):
            raise TableFormatError(name, None, "must hold one JSON array of result objects")
        for i, rec in enumerate(data):
            if not isinstance(rec, dict):
                raise TableFormatError.at(name, i + 1, None, rec, "must be a JSON object")
            results.append(_result_from_cells(rec, name, i + 1))
    else:
        with open(file, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            try:
                header = reader.fieldnames or []
                for col in RESULT_FIELDS:
                    if col not in header:
                        raise TableFormatError(
                            f"{name} header",
                            col,
                            f"is a missing column (columns: {', '.join(header)})",
                        )
                for i, rec in enumerate(reader):
                    results.append(_result_from_cells(rec, name, i + 1))
            except csv.Error as exc:
                # the csv reader's count: a DictReader's own is of the last row it returned
                line = reader.reader.line_num
                raise TableFormatError(
                    f"{name} line {line}", None, f"is not valid CSV ({exc})"
                ) from None
            except UnicodeDecodeError as exc:
                raise TableFormatError(name, None, f"is not UTF-8 text ({exc.reason})") from None
    if library == "results":
        return results
    from slaclock.batch.scoring import results_frame

    return results_frame(results, library)
