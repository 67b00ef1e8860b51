"""Results as numpy columns, for reports over whole tables.

A :class:`ResultTable` holds the result fields reports read, one numpy
array per field: text as integer codes into labels (``-1`` for null),
instants and durations as int64 microseconds (:data:`~slaclock.batch._frames.NULL`
for null), status and outcome as codes into :data:`STATUSES` and
:data:`OUTCOMES`. It is built from Result objects or from a pandas, polars
or Arrow results frame (the batch path's output, or a results file read
back), so one set of report kernels serves both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from slaclock._instants import from_us, td_to_us, to_us
from slaclock.batch._frames import (
    I64,
    NULL,
    Text,
    codes,
    column,
    instants,
    length,
    library_of,
    require,
)
from slaclock.errors import TableFormatError
from slaclock.evaluation import Result

STATUSES: Final = ("running", "paused", "stopped", "cancelled")
OUTCOMES: Final = ("met", "breached", "pending", "none")
RUNNING, PAUSED, STOPPED, CANCELLED = range(4)
MET, BREACHED, PENDING, NONE = range(4)

TEXT_FIELDS: Final = ("ticket_id", "policy", "target", "metric", "team", "severity")
INSTANT_FIELDS: Final = ("start", "stop", "due", "breached_at", "next_event_at")
DURATION_FIELDS: Final = ("goal", "used", "elapsed", "remaining", "overdue_by")
FIELDS: Final = (*TEXT_FIELDS, "cycle", "status", "outcome", *INSTANT_FIELDS, *DURATION_FIELDS)


class ResultTable:
    """The result fields reports read, as numpy columns (see the module docs)."""

    def __init__(self, n: int, cols: dict[str, Any]) -> None:
        self.n = n
        self.text: dict[str, Text] = {k: cols[k] for k in TEXT_FIELDS}
        self.cycle: I64 = cols["cycle"]
        self.status: npt.NDArray[np.int8] = cols["status"]
        self.outcome: npt.NDArray[np.int8] = cols["outcome"]
        self.us: dict[str, I64] = {k: cols[k] for k in (*INSTANT_FIELDS, *DURATION_FIELDS)}

    def __len__(self) -> int:
        return self.n

    # ---- building ------------------------------------------------------------------------

    @classmethod
    def from_results(cls, results: Sequence[Result]) -> ResultTable:
        """From Result objects (a plain loop: one pass per field)."""
        n = len(results)
        cols: dict[str, Any] = {}
        for name in TEXT_FIELDS:
            cols[name] = Text.of([getattr(r, name) for r in results])
        cols["cycle"] = np.fromiter((r.cycle for r in results), np.int64, n)
        cols["status"] = _vocab([r.status for r in results], STATUSES, "status")
        cols["outcome"] = _vocab([r.outcome for r in results], OUTCOMES, "outcome")
        for name in INSTANT_FIELDS:
            cols[name] = np.fromiter(
                (NULL if (v := getattr(r, name)) is None else to_us(v, name) for r in results),
                np.int64,
                n,
            )
        for name in DURATION_FIELDS:
            cols[name] = np.fromiter(
                (NULL if (v := getattr(r, name)) is None else td_to_us(v, name) for r in results),
                np.int64,
                n,
            )
        return cls(n, cols)

    @classmethod
    def from_frame(cls, frame: Any, name: str = "results") -> ResultTable:
        """From a pandas, polars or Arrow frame with the result columns."""
        from slaclock.batch._columns import durations_to_us

        lib = library_of(frame, name)
        require(frame, lib, name, FIELDS)
        n = length(frame)
        cols: dict[str, Any] = {}
        for f in TEXT_FIELDS:
            c, labels = codes(column(frame, lib, f), lib)
            cols[f] = Text(c, [_plain(v) for v in labels])
        cyc = column(frame, lib, "cycle")
        from slaclock.batch._frames import integers

        cols["cycle"], _ = integers(cyc, lib, name, "cycle")
        for f, vocab in (("status", STATUSES), ("outcome", OUTCOMES)):
            c, labels = codes(column(frame, lib, f), lib)
            cols[f] = _recode(c, labels, vocab, f"{name}.{f}")
        for f in INSTANT_FIELDS:
            cols[f], _ = instants(column(frame, lib, f), name, f, None)
        for f in DURATION_FIELDS:
            got = durations_to_us(column(frame, lib, f), f"{name}.{f}", check=False)
            us = np.asarray(got.us, dtype=np.int64)
            if got.null is not None and np.any(got.null):
                us = np.where(got.null, NULL, us)
            cols[f] = us
        for f in ("start", "goal", "used", "elapsed"):
            if np.any(cols[f] == NULL):
                row = int(np.argmax(cols[f] == NULL))
                raise TableFormatError(f"{name}.{f}", None, f"must not be null (row {row})")
        return cls(n, cols)

    # ---- reading back ----------------------------------------------------------------------

    def label(self, field: str, row: int) -> Any:
        """The text value of ``field`` at ``row`` (None for null)."""
        t = self.text[field]
        c = int(t.codes[row])
        return None if c < 0 else t.labels[c]

    def instant(self, field: str, row: int) -> dt.datetime | None:
        """An instant field at ``row`` as an aware UTC datetime (None for null)."""
        v = int(self.us[field][row])
        return None if v == NULL else from_us(v)

    def duration(self, field: str, row: int) -> dt.timedelta | None:
        """A duration field at ``row`` (None for null)."""
        v = int(self.us[field][row])
        return None if v == NULL else dt.timedelta(microseconds=v)

    def take(self, mask: npt.NDArray[np.bool_]) -> ResultTable:
        """The rows where ``mask`` holds."""
        idx = np.flatnonzero(mask)
        cols: dict[str, Any] = {k: t.take(idx) for k, t in self.text.items()}
        cols["cycle"] = self.cycle[idx]
        cols["status"] = self.status[idx]
        cols["outcome"] = self.outcome[idx]
        for k, v in self.us.items():
            cols[k] = v[idx]
        return ResultTable(len(idx), cols)

    def str_rank(self, field: str) -> I64:
        """Per row, the rank of its ``field`` text in string order (nulls first)."""
        t = self.text[field]
        order = sorted(range(len(t.labels)), key=lambda i: str(t.labels[i]))
        rank = np.empty(len(t.labels) + 1, dtype=np.int64)
        rank[-1] = -1
        rank[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int64)
        out: I64 = rank[np.asarray(t.codes, dtype=np.int64)]
        return out


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def _vocab(values: Sequence[str], vocab: Sequence[str], field: str) -> npt.NDArray[np.int8]:
    index = {v: i for i, v in enumerate(vocab)}
    out = np.empty(len(values), dtype=np.int8)
    for i, v in enumerate(values):
        got = index.get(v)
        if got is None:
            raise TableFormatError(f"results.{field}", v, f"is not a {field} (row {i})")
        out[i] = got
    return out


def _recode(
    c: I64, labels: Sequence[Any], vocab: Sequence[str], field: str
) -> npt.NDArray[np.int8]:
    index = {v: i for i, v in enumerate(vocab)}
    table = np.empty(len(labels) + 1, dtype=np.int8)
    table[-1] = -1
    for j, label in enumerate(labels):
        got = index.get(label)
        if got is None:
            row = int(np.argmax(c == j))
            raise TableFormatError(field, label, f"is not one of {', '.join(vocab)} (row {row})")
        table[j] = got
    out = table[c]
    if np.any(out < 0):
        row = int(np.argmax(out < 0))
        raise TableFormatError(field, None, f"must not be null (row {row})")
    return out
